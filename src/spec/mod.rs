//! What the user wrote: `fintech.yaml` (the project) and `stacks/<option>.yaml` (the resources), located.

pub mod diag;
pub mod expr;
pub mod project;
pub mod stack;
pub mod yaml;

use std::path::Path;
use std::sync::Arc;

pub use diag::{Diagnostic, Diagnostics, Loc};
use yaml::Node;

/// Reads and parses one YAML file; the path shown in errors is `shown`.
pub fn read_yaml(path: &Path, shown: &str) -> Result<Node, Diagnostic> {
    let file: Arc<str> = Arc::from(shown);
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::new(Loc::new(&file, 0, 0), format!("cannot read the file: {e}"))
            .hint("run fintech from the project directory, or pass --file/--dir")
    })?;
    yaml::parse(&file, &text)
}
