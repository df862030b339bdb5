//! fintech: declarative, idempotent deploys of a small web app to AWS, with exact plans and cost estimates.
//!
//! The binary is the product: the library exposes only what `main` needs, so that the compiler
//! finds code nothing uses.

mod apply;
mod aws;
pub mod cli;
pub mod commands;
mod cost;
#[doc(hidden)]
pub mod fuzzing;
mod interrupt;
mod model;
mod package;
mod plan;
mod report;
mod spec;
mod templates;
mod ui;

pub use aws::error::describe as describe_error;
pub use interrupt::requested as interrupted;
