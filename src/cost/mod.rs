//! `fintech cost`: the monthly bill estimated from the desired graph alone (no AWS call), per service,
//! for the first year and after it, from a price catalog shipped with the product.

pub mod catalog;
pub mod delta;
pub mod estimate;
pub mod render;
pub mod usage;

pub use catalog::Catalog;
pub use estimate::{Estimate, FreeTier, Line, estimate};
