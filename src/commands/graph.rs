//! `fintech graph`: the stack's resources and references as a picture (Mermaid, DOT or SVG), from
//! the stack files alone.

use anyhow::Result;

use crate::cli::{Global, GraphFormat};
use crate::report::graph::Graph;
use crate::report::{dot, mermaid, svg};

pub fn run(g: &Global, format: GraphFormat) -> Result<i32> {
    let desired = super::load_stack(g)?;
    // Names with the account in them show where it goes: the graph asks AWS nothing.
    let graph = Graph::of(&desired, "<account>");
    print!(
        "{}",
        match format {
            GraphFormat::Mermaid => mermaid::render(&graph),
            GraphFormat::Dot => dot::render(&graph),
            GraphFormat::Svg => svg::render(&graph),
        }
    );
    Ok(0)
}
