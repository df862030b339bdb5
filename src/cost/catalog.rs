//! The price catalog shipped with the product (`catalog.json`: every price with its unit, source and
//! date, per region), and the free-tier allowances.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use anyhow::{Result, anyhow};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Price {
    pub price: f64,
    pub unit: String,
    pub source: String,
    pub date: String,
}

/// A free-tier allowance per account and month (its unit, in the catalog, is for the reader).
#[derive(Debug, Deserialize)]
pub struct Allowance {
    pub quantity: f64,
}

#[derive(Debug, Deserialize)]
pub struct Credits {
    pub amount_usd: f64,
    pub extra_usd: f64,
    pub months: f64,
}

#[derive(Debug, Deserialize)]
pub struct FreeTiers {
    pub always_free: BTreeMap<String, Allowance>,
    pub legacy_12_month: BTreeMap<String, Allowance>,
    pub credits: Credits,
}

#[derive(Debug, Deserialize)]
pub struct Catalog {
    pub compiled: String,
    pub regions: BTreeMap<String, BTreeMap<String, Price>>,
    pub free_tier: FreeTiers,
}

impl Catalog {
    /// The catalog compiled into the binary (parsed once).
    pub fn shipped() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            serde_json::from_str(include_str!("catalog.json"))
                .expect("catalog.json is valid (tested)")
        })
    }

    /// The price of `key` in `region`, or an error naming what is missing.
    pub fn price(&self, region: &str, key: &str) -> Result<&Price> {
        let prices = self.regions.get(region).ok_or_else(|| {
            anyhow!(
                "no prices for region `{region}` in the catalog; regions with prices: {}",
                self.regions.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })?;
        prices.get(key).ok_or_else(|| {
            anyhow!("the catalog has no price `{key}` for region `{region}` (catalog of {}); add it to src/cost/catalog.json or use a region with complete prices such as us-east-1", self.compiled)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalog_parses_and_cites_every_price() {
        let c = Catalog::shipped();
        let us = &c.regions["us-east-1"];
        assert!(us.len() > 50);
        for (k, p) in us {
            assert!(
                p.price >= 0.0 && !p.source.is_empty() && !p.date.is_empty() && !p.unit.is_empty(),
                "{k}"
            );
        }
        assert_eq!(
            c.price("us-east-1", "rds.postgres.db.t3.micro")
                .unwrap()
                .price,
            0.018
        );
        let e = c
            .price("us-east-1", "rds.postgres.db.x9.huge")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no price `rds.postgres.db.x9.huge`"), "{e}");
        assert!(
            c.price("mars-1", "x")
                .unwrap_err()
                .to_string()
                .contains("no prices for region `mars-1`")
        );
    }
}
