//! The estimate as an HTML page readable offline: a bar chart per service (each option's first
//! year and after, side by side), the totals, and every priced line with its source.

use std::fmt::Write;

use super::{esc, page};
use crate::cost::estimate::Estimate;
use crate::cost::render::{money, price, trim};

/// Each option's two colours: first year (light) and after (dark).
const COLOURS: &[(&str, &str)] = &[
    ("#93c5fd", "#1d4ed8"),
    ("#fdba74", "#c2410c"),
    ("#86efac", "#15803d"),
];
const LABEL_W: f64 = 150.0;
const BAR_AREA: f64 = 560.0;
const BAR_H: f64 = 13.0;

/// The page for one or more options' estimates.
pub fn render(all: &[Estimate], catalog_date: &str) -> String {
    let Some(first) = all.first() else {
        return page("fintech cost", "<p>No estimate.</p>\n");
    };
    let title = format!("fintech cost: {}/{}", first.app, first.stage);
    let mut b = format!(
        "<h1>{}</h1>\n<p class=\"note\">Monthly estimate in USD, {} · free tier: {} ({}) · on-demand list prices of {}</p>\n",
        esc(&title),
        esc(&first.region),
        tier(first),
        esc(&first.free_tier_why),
        esc(catalog_date)
    );
    b.push_str("<h2>Per service</h2>\n<div class=\"figure\">\n");
    b.push_str(&chart(all));
    b.push_str("</div>\n<h2>Totals</h2>\n<table id=\"totals\">\n<tr><th>Option</th><th class=\"num\">List price</th><th class=\"num\">First year</th><th class=\"num\">After the first year</th></tr>\n");
    for e in all {
        let _ = writeln!(
            b,
            "<tr class=\"total\" data-option=\"{o}\"><td>{o}</td><td class=\"num\">{}</td><td class=\"num\" data-column=\"first-year\">{}</td><td class=\"num\" data-column=\"after\">{}</td></tr>",
            money(e.total_list),
            money(e.total_first_year),
            money(e.total_after),
            o = esc(&e.option)
        );
    }
    b.push_str("</table>\n");
    for e in all {
        if let Some(m) = e.credit_months {
            let _ = writeln!(
                b,
                "<p class=\"note\">{}: the sign-up credits pay the first-year column for about {m:.1} months (the free plan lasts at most 6).</p>",
                esc(&e.option)
            );
        }
        if let Some(budget) = e.budget_usd.filter(|b| e.total_after > *b) {
            let _ = writeln!(
                b,
                "<div class=\"warning\">{}: after the free tier the estimate ({}) exceeds the stage's monthly budget ({}).</div>",
                esc(&e.option),
                money(e.total_after),
                money(budget)
            );
        }
    }
    for e in all {
        b.push_str(&lines(e));
    }
    b.push_str("<h2>Usage assumptions</h2>\n<p class=\"note\">Set them under <code>usage:</code> in fintech.yaml.</p>\n<table>\n");
    for (k, v) in &first.usage {
        let _ = writeln!(
            b,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td></tr>",
            esc(k),
            trim(*v)
        );
    }
    b.push_str("</table>\n");
    page(&title, &b)
}

fn services(all: &[Estimate]) -> Vec<(&'static str, Vec<(f64, f64)>)> {
    crate::cost::estimate::services(&all.iter().collect::<Vec<_>>())
}

/// Horizontal bars: a group per service that costs something, in it each option's first year then
/// after; the services free in every column named below.
fn chart(all: &[Estimate]) -> String {
    let (rows, free): (Vec<_>, Vec<_>) = services(all)
        .into_iter()
        .partition(|(_, v)| v.iter().any(|(a, b)| *a > 0.0 || *b > 0.0));
    let max = rows
        .iter()
        .flat_map(|(_, v)| v.iter().flat_map(|(a, b)| [*a, *b]))
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let group_h = all.len() as f64 * 2.0 * (BAR_H + 2.0) + 14.0;
    let legend_h = 26.0 * all.len() as f64;
    let width = LABEL_W + BAR_AREA + 90.0;
    let height = legend_h + rows.len() as f64 * group_h + 10.0;
    let mut out = format!(
        "<svg id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"Helvetica, Arial, sans-serif\" role=\"img\" aria-label=\"Monthly cost per service, each option's first year and after\">\n"
    );
    for (k, e) in all.iter().enumerate() {
        let (light, dark) = COLOURS[k % COLOURS.len()];
        let y = 4.0 + 26.0 * k as f64;
        let _ = writeln!(
            out,
            "<g class=\"legend\"><rect x=\"{LABEL_W}\" y=\"{y}\" width=\"14\" height=\"14\" fill=\"{light}\"/><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"12\">{} — first year</text><rect x=\"{:.0}\" y=\"{y}\" width=\"14\" height=\"14\" fill=\"{dark}\"/><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"12\">{} — after</text></g>",
            LABEL_W + 20.0,
            y + 11.0,
            esc(&e.option),
            LABEL_W + 260.0,
            LABEL_W + 280.0,
            y + 11.0,
            esc(&e.option)
        );
    }
    for (r, (service, values)) in rows.iter().enumerate() {
        let top = legend_h + r as f64 * group_h;
        let _ = writeln!(
            out,
            "<text x=\"{:.0}\" y=\"{:.0}\" font-size=\"13\" text-anchor=\"end\" fill=\"#0f172a\">{}</text>",
            LABEL_W - 10.0,
            top + group_h / 2.0,
            esc(service)
        );
        for (k, (first_year, after)) in values.iter().enumerate() {
            let (light, dark) = COLOURS[k % COLOURS.len()];
            for (j, (v, colour, column)) in
                [(first_year, light, "first-year"), (after, dark, "after")]
                    .into_iter()
                    .enumerate()
            {
                let y = top + 4.0 + (2 * k + j) as f64 * (BAR_H + 2.0);
                let w = (v / max * BAR_AREA).max(if *v > 0.0 { 1.0 } else { 0.0 });
                let _ = writeln!(
                    out,
                    "<rect class=\"bar\" data-service=\"{}\" data-option=\"{}\" data-column=\"{column}\" x=\"{LABEL_W}\" y=\"{y:.0}\" width=\"{w:.1}\" height=\"{BAR_H}\" fill=\"{colour}\"><title>{} {} {column}: {}</title></rect><text x=\"{:.1}\" y=\"{:.0}\" font-size=\"11\" fill=\"#334155\">{}</text>",
                    esc(service),
                    esc(&all[k].option),
                    esc(service),
                    esc(&all[k].option),
                    money(*v),
                    LABEL_W + w + 5.0,
                    y + 10.5,
                    money(*v)
                );
            }
        }
    }
    out.push_str("</svg>\n");
    if !free.is_empty() {
        let names: Vec<&str> = free.iter().map(|(s, _)| *s).collect();
        let _ = writeln!(
            out,
            "<p class=\"note\">$0.00 in every column: {}.</p>",
            esc(&names.join(", "))
        );
    }
    out
}

/// One option's priced lines, as `fintech cost` prints them.
fn lines(e: &Estimate) -> String {
    let mut out = format!(
        "<h2>Option {}: every line</h2>\n<table>\n<tr><th>Service</th><th>Item</th><th class=\"num\">Quantity</th><th>Unit</th><th class=\"num\">Unit price</th><th class=\"num\">List</th><th class=\"num\">First year</th><th class=\"num\">After</th><th>Price source</th></tr>\n",
        esc(&e.option)
    );
    for l in &e.lines {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}: {}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"note\">{} ({})</td></tr>",
            esc(l.service),
            esc(&l.resource),
            esc(&l.item),
            trim(l.quantity),
            esc(l.unit),
            price(l.unit_price),
            money(l.list),
            money(l.first_year),
            money(l.after),
            esc(&l.price_source),
            esc(&l.price_date)
        );
    }
    let _ = writeln!(
        out,
        "<tr class=\"total\"><td>Total</td><td></td><td></td><td></td><td></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td></td></tr>\n</table>",
        money(e.total_list),
        money(e.total_first_year),
        money(e.total_after)
    );
    out
}

fn tier(e: &Estimate) -> &'static str {
    match e.free_tier {
        crate::cost::FreeTier::Legacy => "legacy (12 months)",
        crate::cost::FreeTier::Credits => "credits (free plan)",
        crate::cost::FreeTier::None => "always free only",
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::cost::free_tier::Choice;
    use crate::cost::{Catalog, FreeTier, estimate};
    use crate::model::{self, Selection};

    fn bundled(option: &str) -> Estimate {
        let d = model::load(
            Path::new(env!("CARGO_MANIFEST_DIR")),
            &Selection {
                option: Some(option.into()),
                ..Selection::default()
            },
        )
        .expect("the bundled stack loads");
        let choice = Choice {
            tier: FreeTier::Legacy,
            why: "as `--free-tier` says".into(),
        };
        estimate(&d, Catalog::shipped(), choice, d.budget_usd).unwrap()
    }

    #[test]
    fn both_options_have_a_bar_per_service_and_column_and_their_totals() {
        let all = [bundled("serverless"), bundled("containers")];
        let html = render(&all, "2026-11");
        let (paid, free): (Vec<_>, Vec<_>) = services(&all)
            .into_iter()
            .partition(|(_, v)| v.iter().any(|(a, b)| *a > 0.0 || *b > 0.0));
        assert_eq!(
            html.matches("<rect class=\"bar\"").count(),
            paid.len() * 4,
            "{html}"
        );
        assert!(
            !free.is_empty() && html.contains("$0.00 in every column: "),
            "{html}"
        );
        for e in &all {
            assert!(html.contains(&format!(
                "<tr class=\"total\" data-option=\"{o}\"><td>{o}</td><td class=\"num\">{}</td><td class=\"num\" data-column=\"first-year\">{}</td><td class=\"num\" data-column=\"after\">{}</td></tr>",
                money(e.total_list),
                money(e.total_first_year),
                money(e.total_after),
                o = e.option
            )));
        }
        // A service of one option only (Fargate) has a zero bar for the other.
        assert!(html.contains("data-service=\"Fargate\" data-option=\"serverless\" data-column=\"after\" x=\"150\" y="), "{html}");
        assert!(
            !html.contains("http://") || !html.contains("<link"),
            "nothing from the network"
        );
        assert!(!html.contains("<script"), "{html}");
    }
}
