//! The estimate as a table per service (first year and after), side by side for several options.

use std::fmt::Write;

use super::estimate::{Estimate, FreeTier};

/// Dollars and cents; a sum of nothing (which can be -0.0) as $0.00.
pub fn money(v: f64) -> String {
    format!("${:.2}", if v <= 0.0 { 0.0 } else { v })
}

/// A change in dollars: +$1.50, -$0.20, and $0.00 for less than a cent either way.
pub fn signed(d: f64) -> String {
    if d.abs() < 0.005 {
        "$0.00".into()
    } else if d < 0.0 {
        format!("-${:.2}", -d)
    } else {
        format!("+${d:.2}")
    }
}

/// One option's table: every line with quantity, unit price and cost, then the totals.
pub fn text(e: &Estimate) -> String {
    let mut out = String::new();
    let first = match e.free_tier {
        FreeTier::Legacy => "first 12 months",
        FreeTier::Credits => "with credits*",
        FreeTier::None => "always free only",
    };
    let _ = writeln!(
        out,
        "{}/{} — option {} in {}",
        e.app, e.stage, e.option, e.region
    );
    let _ = writeln!(
        out,
        "  free tier: {} — {}",
        serde_json::to_value(e.free_tier)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        e.free_tier_why
    );
    let _ = writeln!(
        out,
        "  {:<16} {:<44} {:>14} {:<14} {:>12} {:>10} {:>16} {:>10}",
        "service", "item", "quantity", "unit", "unit price", "list", first, "after"
    );
    let mut service = "";
    for l in &e.lines {
        let shown = if l.service == service { "" } else { l.service };
        service = l.service;
        let item = format!("{}: {}", l.resource, l.item);
        let _ = writeln!(
            out,
            "  {:<16} {:<44} {:>14} {:<14} {:>12} {:>10} {:>16} {:>10}",
            shown,
            crate::ui::truncate(&item, 44),
            trim(l.quantity),
            l.unit,
            price(l.unit_price),
            money(l.list),
            money(l.first_year),
            money(l.after)
        );
    }
    let _ = writeln!(
        out,
        "  {:<16} {:<44} {:>14} {:<14} {:>12} {:>10} {:>16} {:>10}",
        "total",
        "",
        "",
        "",
        "",
        money(e.total_list),
        money(e.total_first_year),
        money(e.total_after)
    );
    if let Some(m) = e.credit_months {
        let _ = writeln!(
            out,
            "  * sign-up credits ($100 + up to $100 more) pay the first-year column for about {m:.1} months (the free plan lasts at most 6)."
        );
    }
    if let Some(b) = e.budget_usd
        && e.total_after > b
    {
        let _ = writeln!(
            out,
            "  warning: after the free tier the estimate ({}) exceeds the stage's monthly budget ({})",
            money(e.total_after),
            money(b)
        );
    }
    out
}

/// The usage assumptions the estimate used (so a $0 line misleads nobody).
pub fn usage(e: &Estimate) -> String {
    let mut out = String::from("Usage assumptions (set them under `usage:` in fintech.yaml):\n");
    for (k, v) in &e.usage {
        let _ = writeln!(out, "  {k}: {}", trim(*v));
    }
    out
}

/// Several options' totals side by side.
pub fn side_by_side(all: &[Estimate]) -> String {
    let mut out = String::from("\nSide by side (USD per month):\n");
    let _ = writeln!(
        out,
        "  {:<14} {:>12} {:>16} {:>12}",
        "option", "list", "first year", "after"
    );
    for e in all {
        let _ = writeln!(
            out,
            "  {:<14} {:>12} {:>16} {:>12}",
            e.option,
            money(e.total_list),
            money(e.total_first_year),
            money(e.total_after)
        );
    }
    out
}

/// A unit price with the digits it has (at least cents): $0.04048, $0.40, $0.0000166667.
pub fn price(v: f64) -> String {
    let s = format!("{v:.10}");
    let s = s.trim_end_matches('0');
    let decimals = s.split('.').nth(1).map_or(0, str::len);
    if decimals < 2 {
        format!("${v:.2}")
    } else {
        format!("${s}")
    }
}

/// A quantity with the digits that matter: 730, 1.5, 0.0000166.
pub fn trim(v: f64) -> String {
    let s = if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.7}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}
