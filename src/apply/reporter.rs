//! What the engine tells the user while it works; the UI decides how to show it.

/// Progress events, one resource at a time.
pub trait Reporter: Send + Sync {
    /// `verb` is "reading", "creating", "updating", "replacing", "deleting".
    fn start(&self, id: &str, verb: &str);
    fn finish(&self, id: &str, verb: &str, secs: f64);
    fn fail(&self, id: &str, error: &str);
    fn skip(&self, id: &str, because: &str);
    /// The work on `id` is waiting for AWS (`what`: "RDS fintech-dev-db to be available", ...).
    fn wait(&self, _id: &str, _what: &str) {}
    /// Ends any live display (spinners) before the final output.
    fn close(&self) {}
}

/// Reports nothing (for `--quiet` and tests).
pub struct Silent;

impl Reporter for Silent {
    fn start(&self, _: &str, _: &str) {}
    fn finish(&self, _: &str, _: &str, _: f64) {}
    fn fail(&self, _: &str, _: &str) {}
    fn skip(&self, _: &str, _: &str) {}
}
