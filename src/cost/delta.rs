//! The monthly cost delta of a plan: the estimate of the stack as it will be against the stack as it
//! is (live values of changed attributes, resources to be created left out, undeclared ones counted).

use serde::Serialize;

use super::estimate::Estimate;
use super::free_tier::Choice;
use super::render::{money, signed};
use super::{Catalog, FreeTier, estimate};
use crate::model::{Desired, Resource};
use crate::plan::{Action, Plan};

#[derive(Debug, Clone, Serialize)]
pub struct Delta {
    pub before: f64,
    pub after: f64,
    /// Each service's share of both, in the estimate's order of services.
    pub services: Vec<ServiceDelta>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceDelta {
    pub service: &'static str,
    pub before: f64,
    pub after: f64,
}

/// Monthly cost after the free tier, before and after `plan`; `None` when prices are missing.
pub fn delta(desired: &Desired, plan: &Plan, undeclared: Vec<Resource>) -> Option<Delta> {
    let mut before = desired.clone();
    for step in &plan.resources {
        match step.action {
            Action::Create => {
                before.resources.remove(&step.id);
            }
            Action::Update | Action::Replace => {
                if let Some(r) = before.resources.get_mut(&step.id) {
                    for c in &step.changes {
                        if let (Some(v), true) = (&c.before, r.schema.field(&c.attribute).is_some())
                        {
                            r.props.insert(c.attribute.clone(), v.clone());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    for r in undeclared {
        if !before.order.contains(&r.id) {
            before.order.push(r.id.clone());
        }
        before.resources.insert(r.id.clone(), r);
    }
    let catalog = Catalog::shipped();
    // After the free tier, every account has the always-free offers only: the tier is moot.
    let after_free_tier = || Choice {
        tier: FreeTier::None,
        why: String::new(),
    };
    let after = estimate(desired, catalog, after_free_tier(), None).ok()?;
    let before = estimate(&before, catalog, after_free_tier(), None).ok()?;
    Some(Delta {
        before: before.total_after,
        after: after.total_after,
        services: by_service(&before, &after),
    })
}

/// Each service's monthly cost after the free tier in both estimates.
fn by_service(before: &Estimate, after: &Estimate) -> Vec<ServiceDelta> {
    super::estimate::services(&[before, after])
        .into_iter()
        .map(|(service, costs)| ServiceDelta {
            service,
            before: costs[0].1,
            after: costs[1].1,
        })
        .collect()
}

impl std::fmt::Display for Delta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Monthly cost after the free tier: {} -> {} ({}); `fintech cost` itemises it.",
            money(self.before),
            money(self.after),
            signed(self.after - self.before)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Delta;

    #[test]
    fn a_first_deploy_starts_from_zero_not_minus_zero() {
        let d = Delta {
            before: -0.0,
            after: 30.78,
            services: Vec::new(),
        };
        assert_eq!(
            d.to_string(),
            "Monthly cost after the free tier: $0.00 -> $30.78 (+$30.78); `fintech cost` itemises it."
        );
    }
}
