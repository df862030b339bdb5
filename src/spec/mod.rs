//! What the user wrote: `fintech.yaml` (the project) and `stacks/<option>.yaml` (the resources), located.

pub mod adopted;
pub mod diag;
pub mod expr;
pub mod project;
pub mod stack;
pub mod yaml;

use std::path::Path;
use std::sync::Arc;

pub use diag::{Diagnostic, Diagnostics, Loc};
use yaml::Node;

/// The largest project or stack file read (real ones are a few kilobytes): a bigger one is refused
/// at once rather than parsed for seconds.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// Reads and parses one YAML file; the path shown in errors is `shown`. Only a regular file of at
/// most [`MAX_FILE_BYTES`] of UTF-8 text is read (not a FIFO that never ends, nor /dev/zero).
pub fn read_yaml(path: &Path, shown: &str) -> Result<Node, Diagnostic> {
    let file: Arc<str> = Arc::from(shown);
    let whole = |message: String, hint: &str| {
        Diagnostic::new(Loc::new(&file, 1, 1), message).hint(hint.to_string())
    };
    let meta = std::fs::metadata(path).map_err(|e| {
        Diagnostic::new(Loc::new(&file, 0, 0), format!("cannot read the file: {e}"))
            .hint("run fintech in the project directory (where fintech.yaml is), or pass --dir")
    })?;
    if !meta.is_file() {
        return Err(whole(
            "not a regular file (a directory, device or pipe)".to_string(),
            "point it at a YAML file",
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(whole(
            format!(
                "the file is {:.1} MB; a project or stack file may be at most 1 MB",
                meta.len() as f64 / 1e6
            ),
            "is this the right file? a stack file is a few kilobytes",
        ));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(
            std::fs::File::open(path).map_err(|e| {
                whole(
                    format!("cannot read the file: {e}"),
                    "check its permissions",
                )
            })?,
            MAX_FILE_BYTES + 1,
        ),
        &mut bytes,
    )
    .map_err(|e| {
        whole(
            format!("cannot read the file: {e}"),
            "check its permissions",
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..valid];
        let line = before.iter().filter(|b| **b == b'\n').count() as u32 + 1;
        let start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let col = String::from_utf8_lossy(&before[start..]).chars().count() as u32 + 1;
        Diagnostic::new(
            Loc::new(&file, line, col),
            format!(
                "not UTF-8 text: byte 0x{:02X} is not part of a character",
                e.as_bytes()[valid]
            ),
        )
        .hint("save the file as UTF-8 (is it a YAML file at all?)")
    })?;
    yaml::parse(&file, &text)
}
