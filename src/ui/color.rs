//! Colours: chosen once (`--color`, `NO_COLOR`, whether stdout is a terminal) and applied to the
//! plan's lines by their marker, so the plan's text itself stays plain (and its tests too).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::cli::Color;

static ON: AtomicBool = AtomicBool::new(false);

/// Decides whether stdout gets colours: `always`, `never`, or (auto) on a terminal unless
/// `NO_COLOR` is set to anything (https://no-color.org).
pub fn choose(choice: Color) {
    let on = match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    ON.store(on, Ordering::Relaxed);
    // The spinners (indicatif, through `console`) follow the same choice on stderr.
    console::set_colors_enabled_stderr(
        on && std::io::stderr().is_terminal() || choice == Color::Always,
    );
}

/// The plan's text, coloured by line when colours are on: green creates, yellow updates, magenta
/// replacements, red deletions and data loss, dim notes, bold summary.
pub fn plan(text: &str) -> String {
    if !ON.load(Ordering::Relaxed) {
        return text.to_string();
    }
    paint_plan(text)
}

fn paint_plan(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let code = match body.trim_start() {
            t if t.starts_with("-/+ ") => Some("35"),
            t if t.starts_with("+ ") => Some("32"),
            t if t.starts_with("~ ") => Some("33"),
            t if t.starts_with("- ") => Some("31"),
            t if t.starts_with("Plan:") || t.starts_with("No changes.") => Some("1"),
            t if t.starts_with("!!") => Some("1;31"),
            t if t.starts_with("Note:") => Some("2"),
            _ => None,
        };
        match code {
            Some(c) => {
                out.push_str(&format!("\x1b[{c}m{body}\x1b[0m"));
                out.push_str(&line[body.len()..]);
            }
            None => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_lines_are_coloured_by_their_marker_and_nothing_else_changes() {
        let text = "  + db (rds.postgres) will be created\n      x: 1\n  - old (s3.bucket) will be deleted\nPlan: 1 to create\n";
        let painted = paint_plan(text);
        assert!(painted.contains("\x1b[32m  + db (rds.postgres) will be created\x1b[0m\n"));
        assert!(painted.contains("\x1b[31m  - old"));
        assert!(painted.contains("      x: 1\n"));
        let plain: String = painted
            .replace("\x1b[32m", "")
            .replace("\x1b[31m", "")
            .replace("\x1b[1m", "")
            .replace("\x1b[0m", "");
        assert_eq!(plain, text);
    }
}
