//! Build tools (pip, npm, docker) run as children that die with fintech: each in a process group of
//! its own, the whole group killed when the run is interrupted, and the child sent SIGKILL by the
//! kernel if fintech itself is killed (so no orphaned npm goes on writing `node_modules`).

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

/// Process groups of the children running now (0: free slot). Fixed-size and atomic so that a
/// signal handler may read it.
static GROUPS: [AtomicI32; 32] = [const { AtomicI32::new(0) }; 32];

/// Kills every running child's process group. Async-signal-safe.
pub fn kill_all() {
    for g in &GROUPS {
        let pg = g.load(Ordering::SeqCst);
        if pg > 0 {
            // SAFETY: kill(2) is async-signal-safe; a negative pid names the process group.
            unsafe {
                libc::kill(-pg, libc::SIGKILL);
            }
        }
    }
}

/// A running child's slot in [`GROUPS`], freed when dropped.
struct Registered(Option<&'static AtomicI32>);

impl Registered {
    fn new(pid: u32) -> Self {
        let pid = pid as i32;
        Registered(GROUPS.iter().find(|g| {
            g.compare_exchange(0, pid, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        }))
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Some(g) = self.0 {
            g.store(0, Ordering::SeqCst);
        }
    }
}

/// Runs `cmd` to the end like [`Command::output`] (with `stdin` written to it when given), unless
/// the run is interrupted: then its process group is killed and the error says so.
pub fn output(cmd: &mut Command, stdin: Option<&[u8]>) -> std::io::Result<Output> {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
        #[cfg(target_os = "linux")]
        // SAFETY: prctl is async-signal-safe and touches only the child being started.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                // The parent may have died between fork and prctl.
                if libc::getppid() == 1 {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
    }
    let mut child = cmd
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let registered = Registered::new(child.id());
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(bytes)?;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(out) => return out,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(std::io::Error::other("the child's waiter ended"));
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) if crate::interrupt::requested() => {
                if let Some(g) = registered.0 {
                    let pg = g.load(Ordering::SeqCst);
                    // SAFETY: kill(2) on the child's own process group.
                    unsafe {
                        libc::kill(-pg, libc::SIGKILL);
                    }
                }
                let _ = rx.recv();
                return Err(std::io::Error::new(
                    std::io::ErrorKind::Interrupted,
                    "interrupted: the build was stopped",
                ));
            }
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tests that start children, one at a time: one checks that the registry of running
    /// groups is empty afterwards, which another's child would spoil.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

    #[test]
    fn output_and_exit_status_come_back() {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let out = output(
            Command::new("sh").args(["-c", "cat; echo err >&2; exit 3"]),
            Some(b"in"),
        )
        .unwrap();
        assert_eq!(out.stdout, b"in");
        assert_eq!(out.stderr, b"err\n");
        assert_eq!(out.status.code(), Some(3));
        assert!(GROUPS.iter().all(|g| g.load(Ordering::SeqCst) == 0));
    }

    #[test]
    fn the_child_runs_in_its_own_process_group() {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let out = output(
            Command::new("sh").args(["-c", "ps -o pgid= -p $$; echo $$"]),
            None,
        )
        .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let v: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(v[0], v[1], "{text}");
    }
}
