//! The graph as a Mermaid flowchart (GitHub renders it in Markdown): a subgraph per tier, data
//! marked, and a plan's actions as classes.

use std::fmt::Write;

use super::graph::{DATA_STROKE, Graph, Node, action_mark, fill, prefix};
use crate::plan::Action;

/// The flowchart's source, without the Markdown fence.
pub fn render(g: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    for (tier, members) in g.tiers() {
        let _ = writeln!(out, "  subgraph {}[\"{}\"]", tier.key(), tier.label());
        for &i in &members {
            let _ = writeln!(out, "    {}[\"{}\"]", id(i), label(&g.nodes[i]));
        }
        out.push_str("  end\n");
    }
    for (a, b) in &g.edges {
        let _ = writeln!(out, "  {} --> {}", id(*a), id(*b));
    }
    let data: Vec<String> = (0..g.nodes.len())
        .filter(|&i| g.nodes[i].data)
        .map(id)
        .collect();
    if !data.is_empty() {
        let _ = writeln!(out, "  classDef data stroke:{DATA_STROKE},stroke-width:3px");
        let _ = writeln!(out, "  class {} data", data.join(","));
    }
    for action in Action::CHANGES {
        let members: Vec<String> = (0..g.nodes.len())
            .filter(|&i| g.nodes[i].action == Some(action))
            .map(id)
            .collect();
        if let (false, Some(f)) = (members.is_empty(), fill(Some(action))) {
            let dashed = if action == Action::Delete {
                ",stroke-dasharray:4 3"
            } else {
                ""
            };
            let name = action_mark(action).1;
            let _ = writeln!(out, "  classDef {name} fill:{f}{dashed}");
            let _ = writeln!(out, "  class {} {name}", members.join(","));
        }
    }
    out
}

/// Node ids by position: resource ids may hold dots (`secrets.X`) or be Mermaid's keywords (`end`).
fn id(i: usize) -> String {
    format!("n{i}")
}

fn label(n: &Node) -> String {
    let mut l = format!(
        "{}<b>{}</b><br/>{}<br/>{}",
        prefix(n.action),
        esc(&n.id),
        n.kind,
        esc(&n.name)
    );
    if let Some(s) = &n.size {
        let _ = write!(l, "<br/>{}", esc(s));
    }
    if n.data {
        l.push_str("<br/><i>holds data</i>");
    }
    l
}

/// Mermaid's entity codes (`#34;`: the character of code 34) for what would end the quoted label,
/// open markup, start an entity code, or close the Markdown fence the chart sits in; a line break
/// as a space.
fn esc(s: &str) -> String {
    s.replace('#', "#35;")
        .replace('"', "#34;")
        .replace('<', "#60;")
        .replace('>', "#62;")
        .replace('`', "#96;")
        .replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::graph::tests::sample;

    #[test]
    fn snapshot_of_a_plan_graph() {
        let got = render(&sample(true));
        let want = r#"flowchart LR
  subgraph edge["Edge / CDN"]
    n0["<b>cdn</b><br/>cloudfront.distribution<br/>a-dev-cdn"]
  end
  subgraph compute["Compute"]
    n1["~ <b>api</b><br/>lambda.function<br/>a-dev-api<br/>512 MB"]
  end
  subgraph data["Data"]
    n2["-/+ <b>db</b><br/>rds.postgres<br/>a-dev-db<br/>db.t4g.micro, 20 GB<br/><i>holds data</i>"]
    n4["- <b>old_bucket</b><br/>s3.bucket<br/>a-dev-old-bucket<br/><i>holds data</i>"]
  end
  subgraph operations["Access and operations"]
    n3["+ <b>fn_role</b><br/>iam.role<br/>a-dev-fn-role"]
  end
  n0 --> n1
  n1 --> n2
  n1 --> n3
  classDef data stroke:#b45309,stroke-width:3px
  class n2,n4 data
  classDef create fill:#dcfce7
  class n3 create
  classDef update fill:#fef9c3
  class n1 update
  classDef replace fill:#fee2e2
  class n2 replace
  classDef delete fill:#fecaca,stroke-dasharray:4 3
  class n4 delete
"#;
        assert_eq!(got, want, "\n--- got\n{got}\n--- want\n{want}");
    }

    #[test]
    fn nothing_in_a_name_ends_the_label_or_the_fence() {
        let mut g = sample(false);
        g.nodes[0].name = "a#b ```\n<i>".into();
        let got = render(&g);
        assert!(got.contains("a#35;b #96;#96;#96; #60;i#62;"), "{got}");
        assert!(!got.contains("```") && !got.contains("<i>\""), "{got}");
    }

    #[test]
    fn names_cannot_break_out_of_a_label() {
        let mut g = sample(false);
        g.nodes[0].name = "x\"]; click n0 href \"javascript:alert(1)".into();
        let got = render(&g);
        assert!(got.contains("x#34;]; click"), "{got}");
        assert!(!got.contains("x\"]"), "{got}");
    }
}
