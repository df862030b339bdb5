//! fintech: declarative, idempotent deploys of a small web app to AWS, with exact plans and cost estimates.

pub mod apply;
pub mod aws;
pub mod cli;
pub mod commands;
pub mod cost;
pub mod model;
pub mod package;
pub mod plan;
pub mod spec;
pub mod ui;
