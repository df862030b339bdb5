//! Ctrl-C and SIGTERM: the first asks the run to stop (no new work, waits cut short, builds killed,
//! calls in flight finish within [`GRACE`]); the second ends the process at once.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Signals received (SIGINT, SIGTERM).
static SIGNALS: AtomicUsize = AtomicUsize::new(0);

/// Whether the user is being asked a question: a signal then ends the process at once.
static PROMPTING: AtomicBool = AtomicBool::new(false);

/// How long calls in flight get to finish after the first signal before they are dropped.
pub const GRACE: Duration = Duration::from_secs(20);

/// What the first signal prints.
static STOP_MESSAGE: &[u8] = b"\nfintech: stopping: no new work is started, waits end, builds are killed, calls in flight get up to 20 s. Press Ctrl-C again to abort at once.\n";

/// What the second signal prints before the process ends.
static ABORT_MESSAGE: &[u8] = b"\nfintech: aborted at once (second interrupt). Calls in flight may or may not have reached AWS; run the command again to converge. If it says the stage is locked by this run: fintech unlock\n";

extern "C" fn on_signal(_: libc::c_int) {
    // Only async-signal-safe work here: atomics, write(2), kill(2) and _exit(2).
    if PROMPTING.load(Ordering::SeqCst) {
        // SAFETY: as below.
        unsafe {
            libc::write(2, b"\n".as_ptr().cast(), 1);
            libc::_exit(130);
        }
    }
    let first = SIGNALS.fetch_add(1, Ordering::SeqCst) == 0;
    let message = if first { STOP_MESSAGE } else { ABORT_MESSAGE };
    // SAFETY: write and _exit are async-signal-safe; the buffers are static.
    unsafe {
        libc::write(2, message.as_ptr().cast(), message.len() as libc::size_t);
        if !first {
            crate::package::child::kill_all();
            libc::_exit(130);
        }
    }
}

/// Catches SIGINT and SIGTERM from now on (call once, early in `main`).
pub fn install() {
    #[cfg(unix)]
    // SAFETY: the handler only touches an atomic and calls async-signal-safe functions.
    unsafe {
        let handler: extern "C" fn(libc::c_int) = on_signal;
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
        libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
    }
}

/// Runs `ask` (a question on the terminal) with Ctrl-C ending the process, as at any prompt.
pub fn prompting<T>(ask: impl FnOnce() -> T) -> T {
    PROMPTING.store(true, Ordering::SeqCst);
    let answer = ask();
    PROMPTING.store(false, Ordering::SeqCst);
    answer
}

/// Whether the user asked the run to stop.
pub fn requested() -> bool {
    SIGNALS.load(Ordering::SeqCst) > 0
}

/// Resolves once the user asked the run to stop (checked every 50 ms: a signal handler cannot wake
/// a task itself).
pub async fn stopped() {
    while !requested() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Resolves [`GRACE`] after the user asked the run to stop.
pub async fn grace_over() {
    stopped().await;
    tokio::time::sleep(GRACE).await;
}

/// The error of work that was stopped by the user.
pub fn error(what: &str) -> anyhow::Error {
    anyhow::anyhow!("interrupted {what}")
}
