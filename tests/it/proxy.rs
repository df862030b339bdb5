//! A small HTTP proxy between the CLI and moto that can add latency or answer some requests with an
//! injected AWS error: how the tests make one resource fail on purpose.

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
}

/// A rule: `Some((status, error type, message))` answers with that error instead of forwarding.
pub type Rule = Arc<dyn Fn(&Request) -> Option<(u16, String, String)> + Send + Sync>;

pub struct Proxy {
    pub url: String,
}

impl Proxy {
    /// Forwards to `upstream` (http://host:port), after `latency`, unless `rule` answers.
    pub fn start(upstream: &str, latency: Duration, rule: Rule) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_string();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (upstream, rule) = (upstream.clone(), rule.clone());
                std::thread::spawn(move || {
                    let _ = serve(conn, &upstream, latency, &rule);
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
    rule: &Rule,
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
        if let Some((status, kind, message)) = rule(&req) {
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
