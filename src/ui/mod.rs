//! Terminal output: progress spinners on a terminal, plain lines otherwise.

pub mod color;
pub mod progress;
