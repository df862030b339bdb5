//! A DAG executor: starts a node as soon as everything it depends on is done, at most `limit` at a time;
//! a failure skips the nodes that depend on it, and everything else still runs. Interrupted, it
//! starts nothing more and gives what runs a grace period to finish.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use futures::stream::{FuturesUnordered, StreamExt};

/// How a node ended.
#[derive(Debug)]
pub enum Outcome {
    Done,
    Failed(anyhow::Error),
    /// Not run because this dependency failed or was skipped.
    Skipped(String),
    /// Not started: the run was interrupted.
    NotStarted,
}

/// Runs `work` for every node of `deps` (node -> the nodes it waits for; unknown names are ignored).
/// Stops on Ctrl-C or SIGTERM (see [`crate::interrupt`]).
pub async fn run<F, Fut>(
    deps: &BTreeMap<String, BTreeSet<String>>,
    limit: usize,
    work: F,
) -> BTreeMap<String, Outcome>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    stoppable(
        deps,
        limit,
        crate::interrupt::stopped(),
        crate::interrupt::grace_over(),
        work,
    )
    .await
}

/// [`run`], stopped when `stop` resolves: nothing more starts, and what still runs when `grace`
/// resolves is dropped (it fails: an AWS call cut short may or may not have happened).
async fn stoppable<F, Fut>(
    deps: &BTreeMap<String, BTreeSet<String>>,
    limit: usize,
    stop: impl Future<Output = ()>,
    grace: impl Future<Output = ()>,
    work: F,
) -> BTreeMap<String, Outcome>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let (mut stop, mut grace) = (std::pin::pin!(stop), std::pin::pin!(grace));
    let mut stopping = false;
    let mut in_flight: BTreeSet<&str> = BTreeSet::new();
    let mut outcomes: BTreeMap<String, Outcome> = BTreeMap::new();
    let mut waiting: BTreeMap<&str, BTreeSet<&str>> = deps
        .iter()
        .map(|(n, ds)| {
            (
                n.as_str(),
                ds.iter()
                    .map(String::as_str)
                    .filter(|d| deps.contains_key(*d) && *d != n)
                    .collect(),
            )
        })
        .collect();
    let height = heights(deps);
    let mut running = FuturesUnordered::new();
    loop {
        // Skip what can no longer run, then start what is ready.
        loop {
            let blocked: Vec<(&str, String)> = waiting
                .iter()
                .filter_map(|(n, ds)| {
                    ds.iter()
                        .find(|d| {
                            matches!(
                                outcomes.get(**d),
                                Some(Outcome::Failed(_) | Outcome::Skipped(_))
                            )
                        })
                        .map(|d| (*n, d.to_string()))
                })
                .collect();
            if blocked.is_empty() {
                break;
            }
            for (n, d) in blocked {
                waiting.remove(n);
                outcomes.insert(n.to_string(), Outcome::Skipped(d));
            }
        }
        if stopping {
            for n in std::mem::take(&mut waiting).into_keys() {
                outcomes.insert(n.to_string(), Outcome::NotStarted);
            }
        }
        let mut ready: Vec<&str> = waiting
            .iter()
            .filter(|(_, ds)| {
                ds.iter()
                    .all(|d| matches!(outcomes.get(*d), Some(Outcome::Done)))
            })
            .map(|(n, _)| *n)
            .collect();
        // The longest chains of dependents first (they decide when the run ends), then by name.
        ready.sort_by_key(|n| std::cmp::Reverse(height.get(*n).copied().unwrap_or(0)));
        ready.truncate(limit.max(1).saturating_sub(running.len()));
        for n in ready {
            waiting.remove(n);
            in_flight.insert(n);
            let fut = work(n.to_string());
            running.push(async move { (n, fut.await) });
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            Some((n, r)) = running.next() => {
                in_flight.remove(n);
                outcomes.insert(
                    n.to_string(),
                    r.map_or_else(Outcome::Failed, |_| Outcome::Done),
                );
            }
            () = &mut stop, if !stopping => stopping = true,
            () = &mut grace, if stopping => {
                for n in std::mem::take(&mut in_flight) {
                    outcomes.insert(
                        n.to_string(),
                        Outcome::Failed(anyhow::anyhow!(
                            "still running when the grace period after the interrupt ended: stopped"
                        )),
                    );
                }
                break;
            }
        }
    }
    // Anything left waits on a cycle; the model rejects cycles, so this is only a safety net.
    for n in waiting.into_keys() {
        outcomes.insert(n.to_string(), Outcome::Skipped("a dependency cycle".into()));
    }
    outcomes
}

/// For every node, how many nodes its longest chain of dependents has (itself included): a node
/// of greater height holds more of the run up.
pub fn heights(deps: &BTreeMap<String, BTreeSet<String>>) -> BTreeMap<String, usize> {
    fn height(
        n: &str,
        dependents: &BTreeMap<String, BTreeSet<String>>,
        seen: &mut BTreeMap<String, usize>,
    ) -> usize {
        if let Some(h) = seen.get(n) {
            return *h;
        }
        // A cycle (rejected by the model) must not recurse for ever.
        seen.insert(n.to_string(), 1);
        let h = 1 + dependents
            .get(n)
            .into_iter()
            .flatten()
            .map(|d| height(d, dependents, seen))
            .max()
            .unwrap_or(0);
        seen.insert(n.to_string(), h);
        h
    }
    let dependents = reversed(deps);
    let mut seen = BTreeMap::new();
    for n in deps.keys() {
        height(n, &dependents, &mut seen);
    }
    seen
}

/// The same graph with every edge reversed (for deleting dependents first).
pub fn reversed(deps: &BTreeMap<String, BTreeSet<String>>) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> =
        deps.keys().map(|k| (k.clone(), BTreeSet::new())).collect();
    for (n, ds) in deps {
        for d in ds {
            if let Some(set) = out.get_mut(d) {
                set.insert(n.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;

    fn graph(edges: &[(&str, &[&str])]) -> BTreeMap<String, BTreeSet<String>> {
        edges
            .iter()
            .map(|(n, ds)| (n.to_string(), ds.iter().map(|d| d.to_string()).collect()))
            .collect()
    }

    #[test]
    fn a_node_is_as_high_as_its_longest_chain_of_dependents() {
        let h = heights(&graph(&[
            ("a", &[]),
            ("b", &["a"]),
            ("c", &["b"]),
            ("d", &["a"]),
            ("e", &[]),
        ]));
        assert_eq!((h["a"], h["b"], h["c"], h["d"], h["e"]), (3, 2, 1, 1, 1));
    }

    #[tokio::test]
    async fn dependencies_finish_before_dependents_start() {
        let g = graph(&[
            ("db", &[]),
            ("sg", &[]),
            ("api", &["db", "sg"]),
            ("http", &["api"]),
        ]);
        let log = Mutex::new(Vec::new());
        let out = run(&g, 4, |n| {
            let log = &log;
            async move {
                log.lock().unwrap().push(format!("start {n}"));
                tokio::time::sleep(Duration::from_millis(5)).await;
                log.lock().unwrap().push(format!("end {n}"));
                Ok(())
            }
        })
        .await;
        assert!(out.values().all(|o| matches!(o, Outcome::Done)));
        let log = log.into_inner().unwrap();
        let pos = |s: &str| log.iter().position(|l| l == s).unwrap();
        assert!(pos("end db") < pos("start api") && pos("end sg") < pos("start api"));
        assert!(pos("end api") < pos("start http"));
        assert!(
            pos("start sg") < pos("end db"),
            "independent nodes run together: {log:?}"
        );
    }

    #[tokio::test]
    async fn a_failure_skips_only_its_dependents() {
        let g = graph(&[("a", &[]), ("b", &["a"]), ("c", &["b"]), ("x", &[])]);
        let out = run(&g, 2, |n| async move {
            if n == "a" {
                anyhow::bail!("boom")
            } else {
                Ok(())
            }
        })
        .await;
        assert!(matches!(out["a"], Outcome::Failed(_)));
        assert!(matches!(&out["b"], Outcome::Skipped(d) if d == "a"));
        assert!(matches!(&out["c"], Outcome::Skipped(d) if d == "b"));
        assert!(matches!(out["x"], Outcome::Done));
    }

    #[tokio::test]
    async fn concurrency_is_bounded() {
        let g = graph(&[("a", &[]), ("b", &[]), ("c", &[]), ("d", &[]), ("e", &[])]);
        let now = std::sync::atomic::AtomicUsize::new(0);
        let peak = std::sync::atomic::AtomicUsize::new(0);
        run(&g, 2, |_| {
            let (now, peak) = (&now, &peak);
            async move {
                let n = now.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                peak.fetch_max(n, std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                now.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                Ok(())
            }
        })
        .await;
        assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn interrupted_it_starts_nothing_more_and_drops_what_outlives_the_grace() {
        let g = graph(&[("quick", &[]), ("slow", &[]), ("after", &["quick"])]);
        let out = stoppable(
            &g,
            4,
            tokio::time::sleep(Duration::from_millis(10)),
            tokio::time::sleep(Duration::from_millis(100)),
            |n| async move {
                let ms = if n == "slow" { 10_000 } else { 50 };
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(())
            },
        )
        .await;
        assert!(
            matches!(out["quick"], Outcome::Done),
            "in flight, it finished"
        );
        assert!(matches!(out["after"], Outcome::NotStarted));
        assert!(
            matches!(out["slow"], Outcome::Failed(_)),
            "cut at the grace"
        );
    }

    #[test]
    fn reversing_edges() {
        let g = graph(&[("a", &[]), ("b", &["a"])]);
        assert_eq!(reversed(&g), graph(&[("a", &["b"]), ("b", &[])]));
    }
}
