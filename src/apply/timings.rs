//! Where a run's time went (`--timings FILE`): when each resource's work started and ended, and
//! what it depends on, as JSON, for `bench/` to compute the critical path and for a user to see
//! what a slow deploy waited on.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

use super::reporter::Reporter;

#[derive(Debug, Serialize)]
struct Span {
    id: String,
    verb: String,
    start_ms: f64,
    end_ms: f64,
    ok: bool,
}

/// Records every span, passes every event on to `inner`, and writes the file when dropped (at the
/// end of the command, whatever its outcome).
pub struct Timings {
    inner: Arc<dyn Reporter>,
    path: PathBuf,
    deps: BTreeMap<String, BTreeSet<String>>,
    reads_early: BTreeSet<String>,
    t0: Instant,
    open: Mutex<BTreeMap<String, (String, f64)>>,
    spans: Mutex<Vec<Span>>,
}

impl Timings {
    /// `reads_early`: the resources whose read does not wait for their dependencies.
    pub fn new(
        inner: Arc<dyn Reporter>,
        path: PathBuf,
        deps: BTreeMap<String, BTreeSet<String>>,
        reads_early: BTreeSet<String>,
    ) -> Timings {
        Timings {
            inner,
            path,
            deps,
            reads_early,
            t0: Instant::now(),
            open: Mutex::new(BTreeMap::new()),
            spans: Mutex::new(Vec::new()),
        }
    }

    fn now_ms(&self) -> f64 {
        self.t0.elapsed().as_secs_f64() * 1000.0
    }

    fn close_span(&self, id: &str, ok: bool) {
        let end_ms = self.now_ms();
        if let Some((verb, start_ms)) = self.open.lock().expect("not poisoned").remove(id) {
            self.spans.lock().expect("not poisoned").push(Span {
                id: id.to_string(),
                verb,
                start_ms,
                end_ms,
                ok,
            });
        }
    }

    fn json(&self) -> serde_json::Value {
        let spans = self.spans.lock().expect("not poisoned");
        serde_json::json!({
            "format_version": 1,
            "wall_ms": self.now_ms(),
            "deps": self.deps,
            "reads_early": self.reads_early,
            "spans": *spans,
        })
    }
}

impl Reporter for Timings {
    fn start(&self, id: &str, verb: &str) {
        let at = self.now_ms();
        self.open
            .lock()
            .expect("not poisoned")
            .insert(id.to_string(), (verb.to_string(), at));
        self.inner.start(id, verb);
    }
    fn finish(&self, id: &str, verb: &str, secs: f64) {
        self.close_span(id, true);
        self.inner.finish(id, verb, secs);
    }
    fn fail(&self, id: &str, error: &str) {
        self.close_span(id, false);
        self.inner.fail(id, error);
    }
    fn skip(&self, id: &str, because: &str) {
        self.inner.skip(id, because);
    }
    fn wait(&self, id: &str, what: &str) {
        self.inner.wait(id, what);
    }
    fn close(&self) {
        self.inner.close();
    }
}

impl Drop for Timings {
    fn drop(&mut self) {
        let text = serde_json::to_string_pretty(&self.json()).expect("serialisable");
        if let Err(e) = std::fs::write(&self.path, text + "\n") {
            eprintln!("warning: could not write {}: {e}", self.path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::reporter::Silent;

    #[test]
    fn spans_are_written_with_the_graph_when_the_run_ends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        let deps = BTreeMap::from([
            ("a".to_string(), BTreeSet::new()),
            ("b".to_string(), BTreeSet::from(["a".to_string()])),
        ]);
        {
            let t = Timings::new(Arc::new(Silent), path.clone(), deps, BTreeSet::new());
            t.start("a", "creating");
            t.finish("a", "creating", 0.0);
            t.start("b", "creating");
            t.fail("b", "no");
        }
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["deps"]["b"], serde_json::json!(["a"]));
        assert_eq!(v["spans"][0]["id"], "a");
        assert_eq!(v["spans"][0]["ok"], true);
        assert_eq!(v["spans"][1]["ok"], false);
        assert!(v["spans"][1]["start_ms"].as_f64() >= v["spans"][0]["end_ms"].as_f64());
    }
}
