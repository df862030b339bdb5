//! Running a plan: the DAG executor, the reporter it talks to, and the engine that reads, plans and applies.

pub mod engine;
pub mod executor;
pub mod reporter;
pub mod timings;

#[cfg(test)]
mod engine_tests;
