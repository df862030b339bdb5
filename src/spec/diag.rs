//! Located diagnostics: what is wrong, where (file:line:col), and a hint; collected, not thrown one by one.

use std::fmt;
use std::sync::Arc;

/// A place in a stack file. Line and column are 1-based; 0 means "the whole file".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub file: Arc<str>,
    pub line: u32,
    pub col: u32,
}

impl Loc {
    pub fn new(file: &Arc<str>, line: u32, col: u32) -> Self {
        Loc {
            file: file.clone(),
            line,
            col,
        }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// One problem in the user's input.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub loc: Loc,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(loc: Loc, message: impl Into<String>) -> Self {
        Diagnostic {
            loc,
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: error: {}", self.loc, printable(&self.message))?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {}", printable(h))?;
        }
        Ok(())
    }
}

/// Longest message shown whole: what the user wrote is echoed, and may be megabytes long.
const MAX_SHOWN: usize = 240;

/// `text` safe for a terminal: control characters (escape sequences could retitle or clear it)
/// written as `\u{..}`, and cut short past [`MAX_SHOWN`] characters.
pub fn printable(text: &str) -> String {
    let mut out = String::new();
    let total = text.chars().count();
    for (i, c) in text.chars().enumerate() {
        if i == MAX_SHOWN {
            out.push_str(&format!("… ({total} characters in all)"));
            break;
        }
        if c.is_control() && c != '\n' {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// Every problem found in one pass, sorted by place.
#[derive(Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// `Ok(value)` when nothing was reported, the sorted diagnostics otherwise.
    pub fn finish<T>(mut self, value: T) -> Result<T, Diagnostics> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            self.0.sort_by(|a, b| a.loc.cmp(&b.loc));
            self.0.dedup();
            Err(self)
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        let n = self.0.len();
        write!(
            f,
            "{n} error{} in the stack; nothing was sent to AWS",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoed_input_cannot_drive_the_terminal_nor_flood_it() {
        assert_eq!(printable("a\u{1b}]0;x\u{7}b"), "a\\u{1b}]0;x\\u{7}b");
        let long = printable(&"x".repeat(10_000));
        assert!(long.ends_with("… (10000 characters in all)"), "{long}");
        assert!(long.len() < 300);
    }

    #[test]
    fn suggests_close_names_only() {
        let c = ["memory_mb", "timeout_s", "handler"];
        assert_eq!(did_you_mean("memroy_mb", c), Some("memory_mb"));
        assert_eq!(did_you_mean("zzz", c), None);
    }
}
