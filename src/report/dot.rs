//! The graph in Graphviz's DOT language: a cluster per tier, data-bearing resources outlined.

use std::fmt::Write;

use super::graph::{DATA_STROKE, Graph, Node, fill, prefix};
use crate::plan::Action;

pub fn render(g: &Graph) -> String {
    let mut out = format!(
        "digraph \"{}\" {{\n  rankdir=LR;\n  label=\"{}\"; labelloc=t; fontname=\"Helvetica\";\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=10];\n  edge [color=\"#64748b\", arrowsize=0.6];\n",
        esc(&g.title),
        esc(&g.title)
    );
    for (tier, members) in g.tiers() {
        let _ = writeln!(
            out,
            "  subgraph cluster_{} {{\n    label=\"{}\"; style=\"rounded,filled\"; fillcolor=\"#f8fafc\"; color=\"#cbd5e1\";",
            tier.key(),
            tier.label()
        );
        for &i in &members {
            let _ = writeln!(out, "    n{i} [{}];", attrs(&g.nodes[i]));
        }
        out.push_str("  }\n");
    }
    for (a, b) in &g.edges {
        let _ = writeln!(out, "  n{a} -> n{b};");
    }
    out.push_str("}\n");
    out
}

fn attrs(n: &Node) -> String {
    let mut label = format!(
        "{}{}\\n{}\\n{}",
        prefix(n.action),
        esc(&n.id),
        n.kind,
        esc(&n.name)
    );
    if let Some(s) = &n.size {
        let _ = write!(label, "\\n{}", esc(s));
    }
    if n.data {
        label.push_str("\\nholds data");
    }
    let mut a = vec![format!("label=\"{label}\"")];
    if n.action == Some(Action::Delete) {
        a.insert(0, "style=\"rounded,filled,dashed\"".into());
    }
    if n.data {
        a.push(format!("color=\"{DATA_STROKE}\", penwidth=2.5"));
    }
    if let Some(f) = fill(n.action) {
        a.push(format!("fillcolor=\"{f}\""));
    }
    a.join(", ")
}

/// A DOT quoted string's escapes (a line break as DOT's own).
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .replace('\r', "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::graph::tests::sample;

    #[test]
    fn snapshot_of_a_stack_graph() {
        let got = render(&sample(false));
        let want = r##"digraph "a/dev — option serverless in us-east-1" {
  rankdir=LR;
  label="a/dev — option serverless in us-east-1"; labelloc=t; fontname="Helvetica";
  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica", fontsize=10];
  edge [color="#64748b", arrowsize=0.6];
  subgraph cluster_edge {
    label="Edge / CDN"; style="rounded,filled"; fillcolor="#f8fafc"; color="#cbd5e1";
    n0 [label="cdn\ncloudfront.distribution\na-dev-cdn"];
  }
  subgraph cluster_compute {
    label="Compute"; style="rounded,filled"; fillcolor="#f8fafc"; color="#cbd5e1";
    n1 [label="api\nlambda.function\na-dev-api\n512 MB"];
  }
  subgraph cluster_data {
    label="Data"; style="rounded,filled"; fillcolor="#f8fafc"; color="#cbd5e1";
    n2 [label="db\nrds.postgres\na-dev-db\ndb.t4g.micro, 20 GB\nholds data", color="#b45309", penwidth=2.5];
  }
  subgraph cluster_operations {
    label="Access and operations"; style="rounded,filled"; fillcolor="#f8fafc"; color="#cbd5e1";
    n3 [label="fn_role\niam.role\na-dev-fn-role"];
  }
  n0 -> n1;
  n1 -> n2;
  n1 -> n3;
}
"##;
        assert_eq!(got, want, "\n--- got\n{got}\n--- want\n{want}");
    }

    #[test]
    fn a_name_cannot_end_its_quoted_label() {
        let mut g = sample(false);
        g.nodes[0].name = "x\"]; evil [label=\"\\\nz".into();
        let got = render(&g);
        assert!(got.contains("x\\\"]; evil [label=\\\"\\\\\\nz\"]"), "{got}");
    }

    #[test]
    fn a_deleted_resource_is_dashed_and_red() {
        let g = sample(true);
        let got = render(&g);
        assert!(
            got.contains("n4 [style=\"rounded,filled,dashed\", label=\"- old_bucket\\ns3.bucket"),
            "{got}"
        );
        assert!(got.contains("fillcolor=\"#fecaca\""), "{got}");
    }
}
