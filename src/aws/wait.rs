//! Explicit waits: a condition polled with backoff until it holds or a timeout passes.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use anyhow::{Result, bail};

tokio::task_local! {
    /// Who hears that the current work is waiting (the engine's reporter, for this resource).
    static LISTENER: std::sync::Arc<dyn Fn(&str) + Send + Sync>;
}

/// Runs `work`, telling `listener` what each of its waits is waiting for.
pub async fn reporting<F: Future>(
    listener: std::sync::Arc<dyn Fn(&str) + Send + Sync>,
    work: F,
) -> F::Output {
    LISTENER.scope(listener, work).await
}

/// How long something just created or changed may stay invisible to the next call (IAM and the
/// other eventually consistent APIs; the Terraform provider's `PropagationTimeout` is 2 minutes).
pub const PROPAGATION: Duration = Duration::from_secs(120);

/// Polls `check` (0.25 s, doubling to 15 s between tries) until it returns `true`, failing after
/// `timeout`.
pub async fn until<F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool>>,
{
    found(what, timeout, || {
        let f = check();
        async move { Ok(f.await?.then_some(())) }
    })
    .await
}

/// Polls `check` the same way until it finds something, and returns that.
pub async fn found<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let start = Instant::now();
    let mut delay = Duration::from_millis(250);
    let mut told = false;
    loop {
        match check().await {
            Ok(Some(v)) => return Ok(v),
            Ok(None) if !told => {
                // Not there at the first look: the user hears what is being waited for.
                told = true;
                let _ = LISTENER.try_with(|l| l(what));
            }
            Ok(None) => {}
            // A poll throttled even after the SDK's retries is one poll less, not the end of the
            // wait (what it waits for takes minutes; AWS throttles long waiters).
            Err(e) if super::error::is_throttling(&e) => {}
            Err(e) => return Err(e),
        }
        if start.elapsed() > timeout {
            bail!(
                "timed out after {}s waiting for {what}",
                start.elapsed().as_secs()
            );
        }
        pause(delay, what).await?;
        delay = (delay * 2).min(Duration::from_secs(15));
    }
}

/// Sleeps `delay` between two tries, unless the run is interrupted meanwhile (then a wait ends at
/// once: what it waits for goes on in AWS and the re-run picks it up).
async fn pause(delay: Duration, what: &str) -> Result<()> {
    tokio::select! {
        () = tokio::time::sleep(delay) => Ok(()),
        () = crate::interrupt::stopped() => Err(crate::interrupt::error(&format!("while waiting for {what}"))),
    }
}

/// Retries `op` while `retryable` says its error is passing (IAM propagation, dependencies being
/// released), with backoff up to `timeout`.
pub async fn retry<T, E, F, Fut>(
    timeout: Duration,
    retryable: impl Fn(&E) -> bool,
    mut op: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let start = Instant::now();
    let mut delay = Duration::from_millis(500);
    loop {
        match op().await {
            Err(e)
                if retryable(&e) && start.elapsed() < timeout && !crate::interrupt::requested() =>
            {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn waits_until_the_condition_holds() {
        let n = AtomicU32::new(0);
        until("x", Duration::from_secs(60), || async {
            Ok(n.fetch_add(1, Ordering::SeqCst) >= 3)
        })
        .await
        .unwrap();
        assert_eq!(n.load(Ordering::SeqCst), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_poll_does_not_end_the_wait_but_other_errors_do() {
        let n = AtomicU32::new(0);
        until("x", Duration::from_secs(60), || async {
            match n.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(crate::aws::error::fake(
                    "rds:DescribeDBInstances",
                    "Throttling",
                )),
                _ => Ok(true),
            }
        })
        .await
        .unwrap();
        let e = until("x", Duration::from_secs(60), || async {
            Err::<bool, _>(crate::aws::error::fake(
                "rds:DescribeDBInstances",
                "AccessDenied",
            ))
        })
        .await
        .unwrap_err();
        assert!(e.to_string().contains("AccessDenied"), "{e}");
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_the_timeout() {
        let e = until("the thing", Duration::from_secs(5), || async { Ok(false) })
            .await
            .unwrap_err();
        assert!(e.to_string().contains("timed out"), "{e}");
    }

    #[tokio::test(start_paused = true)]
    async fn retries_only_passing_errors() {
        let n = AtomicU32::new(0);
        let r: Result<u32, &str> = retry(
            Duration::from_secs(60),
            |e| *e == "busy",
            || async {
                if n.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err("busy")
                } else {
                    Ok(7)
                }
            },
        )
        .await;
        assert_eq!(r, Ok(7));
        let r: Result<u32, &str> = retry(
            Duration::from_secs(60),
            |e| *e == "busy",
            || async { Err("fatal") },
        )
        .await;
        assert_eq!(r, Err("fatal"));
    }
}
