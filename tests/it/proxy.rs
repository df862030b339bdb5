//! A small HTTP proxy between the CLI and moto that can add latency, answer some requests with an
//! injected AWS error, drop the connection, or let a request through and never answer it: how the
//! tests make one resource fail on purpose, and the network and AWS fail at random.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// A request as the proxy saw it.
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }

    /// The request as the harness names calls (to tell mutating ones).
    pub fn call(&self) -> crate::harness::Call {
        let target = self
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-target"))
            .map(|(_, v)| v.as_str());
        crate::harness::Call::new(
            self.method.clone(),
            self.path.clone(),
            target,
            self.body_text(),
        )
    }
}

/// A rule: `Some((status, error type, message))` answers with that error instead of forwarding.
pub type Rule = Arc<dyn Fn(&Request) -> Option<(u16, String, String)> + Send + Sync>;

/// What the proxy does with one request.
pub enum Action {
    Forward,
    /// Answers with this error (status, AWS error type, message); nothing reaches the emulator.
    Error(u16, String, String),
    /// Closes the connection without an answer; nothing reaches the emulator.
    Drop,
    /// Lets the request through (the emulator acts on it), then holds the answer this long and
    /// closes the connection: the client's timeout cuts it and it never learns what happened.
    Hang(Duration),
}

/// Decides each request's [`Action`].
pub type Actor = Arc<dyn Fn(&Request) -> Action + Send + Sync>;

pub struct Proxy {
    pub url: String,
}

impl Proxy {
    /// Forwards to `upstream` (http://host:port), after `latency`, unless `rule` answers.
    pub fn start(upstream: &str, latency: Duration, rule: Rule) -> Proxy {
        Proxy::acting(
            upstream,
            latency,
            Arc::new(move |r: &Request| match rule(r) {
                Some((status, kind, message)) => Action::Error(status, kind, message),
                None => Action::Forward,
            }),
        )
    }

    /// Forwards to `upstream` after `latency`, doing to each request what `act` says.
    pub fn acting(upstream: &str, latency: Duration, act: Actor) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_string();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (upstream, act) = (upstream.clone(), act.clone());
                std::thread::spawn(move || {
                    let _ = serve(conn, &upstream, latency, &act);
                });
            }
        });
        Proxy { url }
    }
}

fn serve(
    mut client: TcpStream,
    upstream: &str,
    latency: Duration,
    act: &Actor,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let (method, path) = (
            parts.next().unwrap_or_default().to_string(),
            parts.next().unwrap_or_default().to_string(),
        );
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            reader.read_line(&mut h)?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let body = if let Some(len) = header("content-length").and_then(|l| l.parse::<usize>().ok())
        {
            let mut b = vec![0; len];
            reader.read_exact(&mut b)?;
            b
        } else if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
            read_chunked(&mut reader)?
        } else {
            Vec::new()
        };
        let form = header("content-type").is_some_and(|c| c.contains("x-www-form-urlencoded"));
        let req = Request {
            method,
            path,
            headers,
            body,
        };
        std::thread::sleep(latency);
        let hang = match act(&req) {
            Action::Forward => None,
            Action::Hang(d) => Some(d),
            Action::Drop => {
                let _ = client.shutdown(Shutdown::Both);
                return Ok(());
            }
            Action::Error(status, kind, message) => {
                let body = format!(
                    "{{\"__type\":\"{kind}\",\"message\":\"{message}\",\"Message\":\"{message}\"}}"
                );
                let xml = format!(
                    "<ErrorResponse><Error><Code>{kind}</Code><Message>{message}</Message></Error></ErrorResponse>"
                );
                let text = if form { xml } else { body };
                write!(
                    client,
                    "HTTP/1.1 {status} Injected\r\nx-amzn-errortype: {kind}\r\nx-amzn-requestid: injected\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                    text.len()
                )?;
                client.flush()?;
                let _ = client.shutdown(Shutdown::Both);
                return Ok(());
            }
        };
        let mut up = TcpStream::connect(upstream)?;
        write!(up, "{} {} HTTP/1.1\r\n", req.method, req.path)?;
        for (k, v) in &req.headers {
            if k.eq_ignore_ascii_case("connection") || k.eq_ignore_ascii_case("transfer-encoding") {
                continue;
            }
            if k.eq_ignore_ascii_case("content-length") {
                continue;
            }
            write!(up, "{k}: {v}\r\n")?;
        }
        write!(
            up,
            "content-length: {}\r\nconnection: close\r\n\r\n",
            req.body.len()
        )?;
        up.write_all(&req.body)?;
        let mut resp = Vec::new();
        up.read_to_end(&mut resp)?;
        if let Some(d) = hang {
            std::thread::sleep(d);
            let _ = client.shutdown(Shutdown::Both);
            return Ok(());
        }
        client.write_all(&resp)?;
        client.flush()?;
        // moto closes every connection; so does the proxy.
        let _ = client.shutdown(Shutdown::Both);
    }
    Ok(())
}

fn read_chunked(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let n =
            usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
        if n == 0 {
            let mut end = String::new();
            reader.read_line(&mut end)?;
            return Ok(body);
        }
        let mut chunk = vec![0; n + 2];
        reader.read_exact(&mut chunk)?;
        body.extend_from_slice(&chunk[..n]);
    }
}

/// A proxy that sends `signal` to the process in `pid` when the mutating request after the `n`th
/// arrives, so that exactly `n` reached the emulator first (and touches `marker`, when given, for
/// a driver that signals by itself). After a SIGKILL that request is refused: the process is gone.
pub fn signalling(
    upstream: &str,
    latency: Duration,
    n: usize,
    signal: i32,
    pid: Arc<std::sync::atomic::AtomicU32>,
    marker: Option<std::path::PathBuf>,
) -> Proxy {
    let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let rule = Arc::new(move |r: &Request| {
        if !r.call().is_mutating() {
            return None;
        }
        let count = seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if count != n + 1 {
            return None;
        }
        if let Some(m) = &marker {
            std::fs::write(m, b"").unwrap();
        }
        let target = pid.load(std::sync::atomic::Ordering::SeqCst);
        if signal != 0 && target != 0 {
            // SAFETY: kill(2) on the fintech process the test started.
            unsafe {
                libc::kill(target as i32, signal);
            }
        }
        (signal == libc::SIGKILL)
            .then(|| (500, "Killed".to_string(), "the client is gone".to_string()))
    });
    Proxy::start(upstream, latency, rule)
}
