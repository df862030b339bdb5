//! The [`Reporter`] the CLI uses: indicatif spinners on a terminal, plain timestamped lines otherwise
//! (CI logs, pipes). Everything goes to stderr so stdout stays clean for `--json`.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::apply::reporter::{Reporter, Silent};

/// Picks the reporter: none when quiet, spinners when stderr is a terminal and progress is wanted.
pub fn reporter(progress: bool, quiet: bool) -> std::sync::Arc<dyn Reporter> {
    if quiet {
        std::sync::Arc::new(Silent)
    } else if progress && std::io::stderr().is_terminal() {
        std::sync::Arc::new(Spinners::new())
    } else {
        std::sync::Arc::new(Lines {
            start: Instant::now(),
        })
    }
}

fn done_word(verb: &str) -> &'static str {
    match verb {
        "creating" => "created",
        "updating" => "updated",
        "replacing" => "replaced",
        "deleting" => "deleted",
        "packaging" => "packaged",
        _ => "read",
    }
}

/// Whether a finished step gets a result line: reads never; packaging that found everything built
/// already (under half a second) neither.
fn worth_a_line(verb: &str, secs: f64) -> bool {
    verb != "reading" && (verb != "packaging" || secs >= 0.5)
}

/// Plain lines: `[  3.2s] db: creating`.
pub struct Lines {
    start: Instant,
}

impl Lines {
    fn line(&self, msg: &str) {
        eprintln!("[{:>6.1}s] {msg}", self.start.elapsed().as_secs_f64());
    }
}

impl Reporter for Lines {
    fn start(&self, id: &str, verb: &str) {
        if !matches!(verb, "reading" | "packaging") {
            self.line(&format!("{id}: {verb}"));
        }
    }
    fn finish(&self, id: &str, verb: &str, secs: f64) {
        if worth_a_line(verb, secs) {
            self.line(&format!("{id}: {} in {secs:.1}s", done_word(verb)));
        }
    }
    fn fail(&self, id: &str, error: &str) {
        self.line(&format!("{id}: FAILED: {error}"));
    }
    fn skip(&self, id: &str, because: &str) {
        self.line(&format!("{id}: skipped, `{because}` failed"));
    }
    fn wait(&self, id: &str, what: &str) {
        self.line(&format!("{id}: waiting for {what}"));
    }
}

/// One spinner per resource in flight, each turned into a result line when it ends.
pub struct Spinners {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl Spinners {
    fn new() -> Self {
        Spinners {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: Mutex::new(HashMap::new()),
        }
    }

    fn end(&self, id: &str, msg: String) {
        if let Some(bar) = self.bars.lock().expect("not poisoned").remove(id) {
            bar.finish_and_clear();
        }
        let _ = self.multi.println(msg);
    }
}

impl Reporter for Spinners {
    fn start(&self, id: &str, verb: &str) {
        let bar = self.multi.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("{spinner:.cyan} {msg} ({elapsed})")
                .expect("valid template"),
        );
        bar.set_message(format!("{id}: {verb}"));
        bar.enable_steady_tick(Duration::from_millis(100));
        self.bars
            .lock()
            .expect("not poisoned")
            .insert(id.to_string(), bar);
    }
    fn finish(&self, id: &str, verb: &str, secs: f64) {
        if !worth_a_line(verb, secs) {
            if let Some(bar) = self.bars.lock().expect("not poisoned").remove(id) {
                bar.finish_and_clear();
            }
            return;
        }
        self.end(id, format!("  ✓ {id}: {} in {secs:.1}s", done_word(verb)));
    }
    fn fail(&self, id: &str, error: &str) {
        self.end(id, format!("  ✗ {id}: {error}"));
    }
    fn skip(&self, id: &str, because: &str) {
        let _ = self
            .multi
            .println(format!("  - {id}: skipped, `{because}` failed"));
    }
    fn wait(&self, id: &str, what: &str) {
        if let Some(bar) = self.bars.lock().expect("not poisoned").get(id) {
            bar.set_message(format!("{id}: waiting for {what}"));
        }
    }
    fn close(&self) {
        for (_, bar) in self.bars.lock().expect("not poisoned").drain() {
            bar.finish_and_clear();
        }
    }
}
