//! The graph drawn as SVG by fintech itself (no Graphviz): a column per tier, nodes ordered to
//! shorten the references between columns, data-bearing resources outlined, a plan's actions filled.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::esc;
use super::graph::{DATA_STROKE, Graph, Node, action_mark, fill, prefix};
use crate::plan::Action;
use crate::ui::truncate;

const NODE_W: f64 = 220.0;
const NODE_H: f64 = 64.0;
const GAP_X: f64 = 110.0;
const GAP_Y: f64 = 14.0;
const MARGIN: f64 = 24.0;
/// Below the title: the columns' headers.
const TOP: f64 = 82.0;
/// Characters of 11px sans-serif that fit in a node.
const FIT: usize = 33;

/// Where each node goes: its column (tier) and row.
struct Layout {
    columns: Vec<(&'static str, Vec<usize>)>,
    at: BTreeMap<usize, (usize, usize)>,
}

/// A standalone SVG document.
pub fn render(g: &Graph) -> String {
    let l = layout(g);
    let rows = l.columns.iter().map(|(_, m)| m.len()).max().unwrap_or(0) as f64;
    let cols = l.columns.len().max(1) as f64;
    let (key, key_end) = legend(g);
    // As wide as the columns, the title (18px bold) and the legend, whichever is widest.
    let width = (2.0 * MARGIN + cols * NODE_W + (cols - 1.0) * GAP_X)
        .max(2.0 * MARGIN + 10.5 * g.title.chars().count() as f64)
        .max(key_end + MARGIN);
    let legend_y = TOP + rows * (NODE_H + GAP_Y) + 16.0;
    let height = legend_y + 40.0;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"Helvetica, Arial, sans-serif\" role=\"img\" aria-labelledby=\"title\">\n"
    );
    let _ = writeln!(out, "<title id=\"title\">{}</title>", esc(&g.title));
    out.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#64748b\"/></marker></defs>\n");
    let _ = writeln!(
        out,
        "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n<text x=\"{MARGIN}\" y=\"34\" font-size=\"18\" font-weight=\"bold\" fill=\"#0f172a\">{}</text>",
        esc(&g.title)
    );
    for (c, (label, members)) in l.columns.iter().enumerate() {
        let x = col_x(c);
        let h = members.len() as f64 * (NODE_H + GAP_Y) + 34.0;
        let _ = writeln!(
            out,
            "<g class=\"tier\"><rect x=\"{:.0}\" y=\"{:.0}\" width=\"{:.0}\" height=\"{h:.0}\" rx=\"10\" fill=\"#f1f5f9\" stroke=\"#cbd5e1\"/><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"13\" font-weight=\"bold\" fill=\"#334155\">{}</text></g>",
            x - 10.0,
            TOP - 34.0,
            NODE_W + 20.0,
            x,
            TOP - 14.0,
            esc(label)
        );
    }
    for &(a, b) in &g.edges {
        out.push_str(&edge(&l, a, b));
    }
    for (i, n) in g.nodes.iter().enumerate() {
        let (c, r) = l.at[&i];
        out.push_str(&node(n, col_x(c), row_y(r)));
    }
    let _ = writeln!(
        out,
        "<g class=\"legend\" transform=\"translate(0 {legend_y:.0})\">{key}</g>"
    );
    out.push_str("</svg>\n");
    out
}

fn col_x(c: usize) -> f64 {
    MARGIN + 10.0 + c as f64 * (NODE_W + GAP_X)
}

fn row_y(r: usize) -> f64 {
    TOP + r as f64 * (NODE_H + GAP_Y)
}

/// Columns by tier; inside each, rows sorted a few times by the mean row of each node's neighbours
/// in other columns (the barycentre heuristic), so references run mostly level.
fn layout(g: &Graph) -> Layout {
    let mut columns: Vec<(&'static str, Vec<usize>)> =
        g.tiers().into_iter().map(|(t, m)| (t.label(), m)).collect();
    let col_of: BTreeMap<usize, usize> = columns
        .iter()
        .enumerate()
        .flat_map(|(c, (_, m))| m.iter().map(move |&i| (i, c)))
        .collect();
    let mut neighbours: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &(a, b) in &g.edges {
        if col_of[&a] != col_of[&b] {
            neighbours.entry(a).or_default().push(b);
            neighbours.entry(b).or_default().push(a);
        }
    }
    for _ in 0..6 {
        let place = |columns: &[(&str, Vec<usize>)]| -> BTreeMap<usize, f64> {
            columns
                .iter()
                .flat_map(|(_, m)| {
                    let span = (m.len().max(2) - 1) as f64;
                    m.iter()
                        .enumerate()
                        .map(move |(r, &i)| (i, r as f64 / span))
                })
                .collect()
        };
        for c in 0..columns.len() {
            let at = place(&columns);
            let key = |i: &usize| {
                neighbours.get(i).map_or(at[i], |ns| {
                    ns.iter().map(|j| at[j]).sum::<f64>() / ns.len() as f64
                })
            };
            columns[c]
                .1
                .sort_by(|a, b| key(a).total_cmp(&key(b)).then(a.cmp(b)));
        }
    }
    let at = columns
        .iter()
        .enumerate()
        .flat_map(|(c, (_, m))| m.iter().enumerate().map(move |(r, &i)| (i, (c, r))))
        .collect();
    Layout { columns, at }
}

/// A reference as a curve from the referencing node to the one it references, arrow at the end.
fn edge(l: &Layout, a: usize, b: usize) -> String {
    let ((ca, ra), (cb, rb)) = (l.at[&a], l.at[&b]);
    let (ya, yb) = (row_y(ra) + NODE_H / 2.0, row_y(rb) + NODE_H / 2.0);
    // Where the curve leaves and enters, and its two control points' x.
    let (x1, c1, c2, x2) = match ca.cmp(&cb) {
        std::cmp::Ordering::Less => {
            let (x1, x2) = (col_x(ca) + NODE_W, col_x(cb));
            (x1, x1 + GAP_X / 2.0, x2 - GAP_X / 2.0, x2)
        }
        std::cmp::Ordering::Greater => {
            let (x1, x2) = (col_x(ca), col_x(cb) + NODE_W);
            (x1, x1 - GAP_X / 2.0, x2 + GAP_X / 2.0, x2)
        }
        // In one column: out of the right side and back in, bulging more the further apart.
        std::cmp::Ordering::Equal => {
            let x = col_x(ca) + NODE_W;
            let bulge = x + 24.0 + 8.0 * (ra.abs_diff(rb) as f64).min(8.0);
            (x, bulge, bulge, x)
        }
    };
    format!(
        "<path class=\"ref\" d=\"M{x1:.1},{ya:.1} C{c1:.1},{ya:.1} {c2:.1},{yb:.1} {x2:.1},{yb:.1}\" fill=\"none\" stroke=\"#94a3b8\" stroke-width=\"1.2\" marker-end=\"url(#arrow)\"/>\n"
    )
}

fn node(n: &Node, x: f64, y: f64) -> String {
    let fill_colour = fill(n.action).unwrap_or("#ffffff");
    let (stroke, width) = if n.data {
        (DATA_STROKE, 2.5)
    } else {
        ("#64748b", 1.0)
    };
    let dash = if n.action == Some(Action::Delete) {
        " stroke-dasharray=\"5 3\""
    } else {
        ""
    };
    let mut out = format!(
        "<g class=\"node{}\" data-id=\"{}\"><rect x=\"{x:.0}\" y=\"{y:.0}\" width=\"{NODE_W:.0}\" height=\"{NODE_H:.0}\" rx=\"7\" fill=\"{fill_colour}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash}/>",
        if n.data { " data" } else { "" },
        esc(&n.id)
    );
    let _ = write!(
        out,
        "<text x=\"{:.0}\" y=\"{:.0}\" font-size=\"13\" font-weight=\"bold\" fill=\"#0f172a\">{}</text>",
        x + 8.0,
        y + 17.0,
        // 13px bold is wider than the 11px lines; the DATA badge takes the end of the line.
        esc(&truncate(
            &format!("{}{}", prefix(n.action), n.id),
            if n.data { 19 } else { 25 }
        ))
    );
    let lines = [
        Some(n.kind.to_string()),
        Some(n.name.clone()),
        n.size.clone(),
    ];
    for (k, line) in lines.iter().flatten().enumerate() {
        let colour = if k == 0 { "#475569" } else { "#0f172a" };
        let _ = write!(
            out,
            "<text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\" fill=\"{colour}\">{}</text>",
            x + 8.0,
            y + 31.0 + 13.0 * k as f64,
            esc(&truncate(line, FIT))
        );
    }
    if n.data {
        let _ = write!(
            out,
            "<rect x=\"{:.0}\" y=\"{:.0}\" width=\"40\" height=\"15\" rx=\"7\" fill=\"{DATA_STROKE}\"/><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"9\" font-weight=\"bold\" fill=\"#ffffff\" text-anchor=\"middle\">DATA</text>",
            x + NODE_W - 46.0,
            y + 6.0,
            x + NODE_W - 26.0,
            y + 16.5
        );
    }
    out.push_str("</g>\n");
    out
}

/// What the outline and the fills mean (the fills only beside a plan), at y = 0, and where it ends.
fn legend(g: &Graph) -> (String, f64) {
    let mut items: Vec<(String, &str, &str)> = vec![(
        "holds data: never replaced or deleted without --allow-data-loss".into(),
        "#ffffff",
        DATA_STROKE,
    )];
    for a in Action::CHANGES {
        if let (true, Some(f)) = (g.nodes.iter().any(|n| n.action == Some(a)), fill(Some(a))) {
            let (sym, verb) = action_mark(a);
            items.push((format!("{sym} {verb}"), f, "#64748b"));
        }
    }
    let mut out = String::new();
    let mut x = MARGIN;
    for (text, fill_colour, stroke) in items {
        let _ = write!(
            out,
            "<rect x=\"{x:.0}\" y=\"0\" width=\"18\" height=\"14\" rx=\"3\" fill=\"{fill_colour}\" stroke=\"{stroke}\" stroke-width=\"2\"/><text x=\"{:.0}\" y=\"11\" font-size=\"11\" fill=\"#334155\">{}</text>",
            x + 24.0,
            esc(&text)
        );
        x += 34.0 + 6.2 * text.chars().count() as f64;
    }
    (out, x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::graph::tests::sample;

    #[test]
    fn every_node_and_reference_is_drawn_in_a_column_of_its_tier() {
        let g = sample(true);
        let svg = render(&g);
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{svg}"
        );
        assert_eq!(svg.matches("<g class=\"node").count(), g.nodes.len());
        assert_eq!(svg.matches("class=\"ref\"").count(), g.edges.len());
        assert_eq!(svg.matches("<g class=\"node data\"").count(), 2);
        for label in ["Edge / CDN", "Compute", "Data", "Access and operations"] {
            assert!(svg.contains(&format!(">{label}</text>")), "{label}");
        }
        assert!(!svg.contains(">Network</text>"), "no empty column");
        assert!(
            svg.contains(">-/+ db</text>") && svg.contains("stroke-dasharray"),
            "{svg}"
        );
        assert!(
            svg.contains("-/+ replace") && svg.contains("+ create"),
            "legend"
        );
    }

    #[test]
    fn a_picture_of_one_column_is_wide_enough_for_its_title_and_legend() {
        let mut g = sample(true);
        g.nodes.truncate(1);
        g.edges.clear();
        let svg = render(&g);
        let width: f64 = svg
            .split("width=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            width > 2.0 * MARGIN + 10.5 * g.title.chars().count() as f64 - 1.0,
            "{width}"
        );
        assert!(
            width > 450.0,
            "the legend's first item ends near 450px: {width}"
        );
    }

    #[test]
    fn text_is_escaped_and_long_names_cut() {
        let mut g = sample(false);
        g.nodes[0].name = "<script>alert(1)</script>-a-very-long-distribution-name".into();
        let svg = render(&g);
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(
            svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;-a-very…"),
            "{svg}"
        );
    }

    #[test]
    fn references_between_columns_run_level_when_they_can() {
        // Two chains in two columns, declared crosswise: the layout puts each pair on one row.
        let mut g = sample(false);
        g.nodes.truncate(0);
        let n = |id: &str, tier| Node {
            id: id.into(),
            kind: "x.y",
            name: id.into(),
            size: None,
            tier,
            data: false,
            action: None,
        };
        use crate::model::schema::Tier;
        g.nodes = vec![
            n("a", Tier::Compute),
            n("b", Tier::Compute),
            n("b_data", Tier::Data),
            n("a_data", Tier::Data),
        ];
        g.edges = vec![(0, 3), (1, 2)];
        let l = layout(&g);
        assert_eq!(l.at[&0].1, l.at[&3].1);
        assert_eq!(l.at[&1].1, l.at[&2].1);
    }
}
