//! The plan as a report a reviewer reads in a pull request (Markdown) or a browser (HTML): the
//! summary, data-loss and replacement warnings first, a table of changes with each resource's
//! attribute diff folded, the monthly cost before and after per service, and a graph of what changes.

use std::fmt::Write;

use super::graph::{Graph, action_mark};
use super::{esc, mermaid, page, svg};
use crate::cost::delta::Delta;
use crate::cost::render::{money, signed};
use crate::plan::render::{change_lines, summary_line};
use crate::plan::{Action, Plan, Step};

/// GitHub refuses comments longer than 65,536 characters: the report keeps under this, leaving out
/// first the diffs, then the graph and the table's tail.
const COMMENT_LIMIT: usize = 60_000;

/// Rows the shortest report keeps in its table.
const SHORT_TABLE: usize = 200;

/// The first line of the Markdown report: the CI workflow finds its earlier comment by it (one per
/// app, stage, option and region).
pub fn marker(plan: &Plan) -> String {
    format!(
        "<!-- fintech-plan {}/{} {} {} -->",
        plan.app, plan.stage, plan.option, plan.region
    )
}

/// How much the Markdown report holds.
#[derive(Clone, Copy, PartialEq)]
enum Detail {
    Full,
    NoDiffs,
    Short,
}

/// The report in GitHub-flavoured Markdown, short enough for a comment.
pub fn markdown(plan: &Plan, cost: Option<&Delta>, graph: &Graph) -> String {
    let mut md = String::new();
    for detail in [Detail::Full, Detail::NoDiffs, Detail::Short] {
        md = markdown_with(plan, cost, graph, detail);
        if md.len() <= COMMENT_LIMIT {
            break;
        }
    }
    md
}

fn markdown_with(plan: &Plan, cost: Option<&Delta>, graph: &Graph, detail: Detail) -> String {
    let mut out = marker(plan);
    let _ = writeln!(
        out,
        "\n### <code>fintech plan</code>: {}/{} ({}, {}, account {})\n",
        esc(&plan.app),
        esc(&plan.stage),
        esc(&plan.option),
        esc(&plan.region),
        esc(&plan.account)
    );
    if !plan.has_changes() {
        let _ = writeln!(
            out,
            "**No changes.** Live AWS matches the stack ({} resources).",
            plan.resources.len()
        );
        notes_md(plan, &mut out);
        return out;
    }
    let _ = writeln!(out, "**{}**\n", summary_line(plan));
    for w in warnings(plan) {
        let (kind, text) = if w.data_loss {
            ("CAUTION", "**Destroys data:**")
        } else {
            ("WARNING", "**Replaced:**")
        };
        let _ = writeln!(
            out,
            "> [!{kind}]\n> {text} {} ({}) {}{}{}\n",
            code(&w.step.id),
            esc(w.step.type_name),
            w.what,
            esc(&w.why),
            w.tail_html()
        );
    }
    out.push_str("| | Resource | Type | Name | Change | Attributes |\n|---|---|---|---|---|---|\n");
    let steps: Vec<&Step> = changed(plan).collect();
    let shown = if detail == Detail::Short {
        SHORT_TABLE
    } else {
        steps.len()
    };
    for s in steps.iter().take(shown) {
        let (sym, verb) = action_mark(s.action);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {verb}{} | {} |",
            code(sym),
            code(&s.id),
            esc(s.type_name),
            cell(&s.name),
            if s.data_loss {
                " **(destroys data)**"
            } else {
                ""
            },
            cell(&attributes(s))
        );
    }
    if steps.len() > shown {
        let _ = writeln!(
            out,
            "\n_…and {} more changes: `fintech plan` lists them._",
            steps.len() - shown
        );
    }
    if detail == Detail::Full {
        out.push_str("\n<details><summary>Attribute changes, resource by resource</summary>\n\n");
        for s in steps.iter().filter(|s| !s.changes.is_empty()) {
            let body = diff(s).join("\n");
            let fence = fence(&body);
            let _ = writeln!(
                out,
                "<details><summary>{} ({}): {}</summary>\n\n{fence}diff\n{body}\n{fence}\n</details>\n",
                code(&s.id),
                esc(s.type_name),
                action_mark(s.action).1
            );
        }
        out.push_str("</details>\n");
    } else {
        out.push_str(
            "\n_The attribute diffs are left out: the report would be too long for a comment. `fintech plan` shows them._\n",
        );
    }
    match cost.map(cost_rows) {
        Some(rows) => {
            out.push_str("\n#### Monthly cost after the free tier\n\n| Service | Before | After | Change |\n|---|--:|--:|--:|\n");
            let last = rows.len() - 1;
            for (i, [service, before, after, change]) in rows.iter().enumerate() {
                let _ = if i == last {
                    writeln!(
                        out,
                        "| **{service}** | **{before}** | **{after}** | **{change}** |"
                    )
                } else {
                    writeln!(out, "| {service} | {before} | {after} | {change} |")
                };
            }
        }
        None => out.push_str(&format!("\n_{COST_UNKNOWN}_\n")),
    }
    if detail != Detail::Short {
        let _ = writeln!(
            out,
            "\n<details><summary>Graph of what changes</summary>\n\n```mermaid\n{}```\n</details>",
            mermaid::render(&graph.changes())
        );
    }
    notes_md(plan, &mut out);
    out
}

/// The report as one HTML page, its graph drawn inline.
pub fn html(plan: &Plan, cost: Option<&Delta>, graph: &Graph) -> String {
    let title = format!("fintech plan: {}/{}", plan.app, plan.stage);
    let mut b = format!(
        "<h1>{}</h1>\n<p class=\"note\">{} · {} · account {}</p>\n",
        esc(&title),
        esc(&plan.option),
        esc(&plan.region),
        esc(&plan.account)
    );
    if !plan.has_changes() {
        let _ = writeln!(
            b,
            "<p><strong>No changes.</strong> Live AWS matches the stack ({} resources).</p>",
            plan.resources.len()
        );
        notes_html(plan, &mut b);
        return page(&title, &b);
    }
    let _ = writeln!(b, "<p><strong>{}</strong></p>", esc(&summary_line(plan)));
    for w in warnings(plan) {
        let (class, text) = if w.data_loss {
            ("warning", "Destroys data:")
        } else {
            ("caution", "Replaced:")
        };
        let _ = writeln!(
            b,
            "<div class=\"{class}\"><strong>{text}</strong> <code>{}</code> ({}) {}{}{}</div>",
            esc(&w.step.id),
            esc(w.step.type_name),
            w.what,
            esc(&w.why),
            w.tail_html()
        );
    }
    b.push_str("<h2>Changes</h2>\n<table>\n<tr><th></th><th>Resource</th><th>Type</th><th>Name</th><th>Change</th><th>Attributes</th></tr>\n");
    for s in changed(plan) {
        let (sym, verb) = action_mark(s.action);
        let diff = if s.changes.is_empty() {
            String::new()
        } else {
            format!(
                "<details><summary>{}</summary><pre><code>{}</code></pre></details>",
                esc(&attributes(s)),
                esc(&diff(s).join("\n"))
            )
        };
        let _ = writeln!(
            b,
            "<tr class=\"{verb}\"><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{verb}{}</td><td>{diff}</td></tr>",
            esc(sym),
            esc(&s.id),
            esc(s.type_name),
            esc(&s.name),
            if s.data_loss {
                " <strong>(destroys data)</strong>"
            } else {
                ""
            }
        );
    }
    b.push_str("</table>\n");
    match cost.map(cost_rows) {
        Some(rows) => {
            b.push_str("<h2>Monthly cost after the free tier</h2>\n<table>\n<tr><th>Service</th><th class=\"num\">Before</th><th class=\"num\">After</th><th class=\"num\">Change</th></tr>\n");
            let last = rows.len() - 1;
            for (i, [service, before, after, change]) in rows.iter().enumerate() {
                let _ = writeln!(
                    b,
                    "<tr{}><td>{}</td><td class=\"num\">{before}</td><td class=\"num\">{after}</td><td class=\"num\">{change}</td></tr>",
                    if i == last { " class=\"total\"" } else { "" },
                    esc(service)
                );
            }
            b.push_str("</table>\n");
        }
        None => {
            let _ = writeln!(b, "<p class=\"note\">{}</p>", esc(COST_UNKNOWN));
        }
    }
    let _ = writeln!(
        b,
        "<h2>What changes</h2>\n<div class=\"figure\">\n{}</div>",
        svg::render(&graph.changes())
    );
    notes_html(plan, &mut b);
    page(&title, &b)
}

const COST_UNKNOWN: &str =
    "Monthly cost: not estimated (a price is missing from the catalog; `fintech cost` names it).";

/// A warning at the top of the report: what happens to which resource, and why.
struct Warning<'a> {
    data_loss: bool,
    step: &'a Step,
    what: &'static str,
    /// `, because of a, b` (the attributes that force the replacement), or nothing.
    why: String,
    tail: &'static str,
}

impl Warning<'_> {
    /// The sentence's end, its command and flag as code (in both formats: GitHub renders the HTML).
    fn tail_html(&self) -> String {
        self.tail
            .replace("fintech deploy", "<code>fintech deploy</code>")
            .replace("--allow-data-loss", "<code>--allow-data-loss</code>")
    }
}

/// What a reviewer must not miss: data destroyed, then resources deleted and created again.
fn warnings(plan: &Plan) -> Vec<Warning<'_>> {
    let why = |s: &Step| {
        let forced: Vec<&str> = s
            .changes
            .iter()
            .filter(|c| c.forces_replacement)
            .map(|c| c.attribute.as_str())
            .collect();
        if forced.is_empty() {
            String::new()
        } else {
            format!(", because of {}", forced.join(", "))
        }
    };
    let lost = plan.data_loss().into_iter().map(|s| Warning {
        data_loss: true,
        step: s,
        what: if s.action == Action::Delete {
            "would be deleted"
        } else {
            "would be replaced"
        },
        why: why(s),
        tail: ": its data is destroyed. fintech deploy refuses this without --allow-data-loss.",
    });
    let replaced = plan
        .resources
        .iter()
        .filter(|s| s.action == Action::Replace && !s.data_loss)
        .map(|s| Warning {
            data_loss: false,
            step: s,
            what: "is deleted and created again",
            why: why(s),
            tail: ".",
        });
    lost.chain(replaced).collect()
}

/// The cost table's rows: each service that costs something before or after, then the total.
fn cost_rows(c: &Delta) -> Vec<[String; 4]> {
    let row = |service: &str, before: f64, after: f64| {
        [
            service.to_string(),
            money(before),
            money(after),
            signed(after - before),
        ]
    };
    c.services
        .iter()
        .filter(|s| s.before != 0.0 || s.after != 0.0)
        .map(|s| row(s.service, s.before, s.after))
        .chain([row("Total", c.before, c.after)])
        .collect()
}

fn changed(plan: &Plan) -> impl Iterator<Item = &Step> {
    plan.resources.iter().filter(|s| s.action.is_change())
}

/// The changed attributes' names, those that force replacement or were changed outside fintech marked.
fn attributes(s: &Step) -> String {
    if s.action == Action::Create {
        let n = s.changes.len();
        return format!("{n} attribute{}", if n == 1 { "" } else { "s" });
    }
    s.changes
        .iter()
        .map(|c| {
            let mut a = c.attribute.clone();
            if c.forces_replacement {
                a.push_str(" (forces replacement)");
            }
            if c.drift {
                a.push_str(" (changed outside fintech)");
            }
            a
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The resource's attribute changes as the text plan shows them; a new resource's lines marked
/// `+` (green in a `diff` block).
fn diff(s: &Step) -> Vec<String> {
    let lines = s.changes.iter().flat_map(|c| change_lines(c, s.action));
    if s.action == Action::Create {
        lines.map(|l| format!("+ {l}")).collect()
    } else {
        lines.collect()
    }
}

/// A code fence longer than any run of backticks in `body`.
fn fence(body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// Text as inline code in Markdown: as HTML, so that no character of it (a backtick, `</details>`)
/// is taken for Markdown or markup.
fn code(s: &str) -> String {
    format!("<code>{}</code>", cell(s))
}

/// Text in a Markdown table cell or line: HTML-escaped (GitHub decodes the entities), its pipes
/// escaped, on one line.
fn cell(s: &str) -> String {
    esc(s).replace('|', "&#124;").replace(['\n', '\r'], " ")
}

fn notes_md(plan: &Plan, out: &mut String) {
    for (id, n) in plan.notes() {
        let _ = writeln!(out, "\n_Note: {}: {}_", code(id), cell(n));
    }
}

fn notes_html(plan: &Plan, out: &mut String) {
    for (id, n) in plan.notes() {
        let _ = writeln!(
            out,
            "<p class=\"note\">Note: <code>{}</code>: {}</p>",
            esc(id),
            esc(n)
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::cost::delta::ServiceDelta;
    use crate::plan::AttrChange;
    use crate::plan::fixtures::{ch, named, plan, step};
    use crate::report::graph::tests::sample;

    fn sample_plan() -> Plan {
        let mut created = step(
            Action::Create,
            vec![AttrChange {
                before: None,
                ..ch("service", json!(null), json!("lambda.amazonaws.com"))
            }],
        );
        created.id = "fn_role".into();
        created.type_name = "iam.role";
        created.name = "a-dev-fn-role".into();
        let mut secret = ch("value", json!("hunter2-old"), json!("hunter2-new"));
        secret.sensitive = true;
        let updated = step(
            Action::Update,
            vec![
                AttrChange {
                    drift: true,
                    ..ch("memory_mb", json!(256), json!(512))
                },
                secret,
            ],
        );
        let mut replaced = named(
            "db",
            "rds.postgres",
            Action::Replace,
            vec![AttrChange {
                forces_replacement: true,
                ..ch("db_name", json!("app"), json!("tracker"))
            }],
        );
        replaced.data_loss = true;
        let mut deleted = named("old_bucket", "s3.bucket", Action::Delete, vec![]);
        deleted.data_loss = true;
        let mut unchanged = step(Action::NoOp, vec![]);
        unchanged.id = "cdn".into();
        plan(vec![unchanged, created, updated, replaced, deleted])
    }

    fn sample_cost() -> Delta {
        Delta {
            before: 20.0,
            after: 32.5,
            services: vec![
                ServiceDelta {
                    service: "Lambda",
                    before: 0.0,
                    after: 0.0,
                },
                ServiceDelta {
                    service: "RDS",
                    before: 15.0,
                    after: 27.5,
                },
                ServiceDelta {
                    service: "S3",
                    before: 5.0,
                    after: 5.0,
                },
            ],
        }
    }

    #[test]
    fn snapshot_of_the_markdown_report() {
        let got = markdown(&sample_plan(), Some(&sample_cost()), &sample(true));
        let want = r#"<!-- fintech-plan a/dev serverless us-east-1 -->
### <code>fintech plan</code>: a/dev (serverless, us-east-1, account 1)

**Plan: 1 to create, 1 to update, 1 to replace, 1 to delete, 1 unchanged.**

> [!CAUTION]
> **Destroys data:** <code>db</code> (rds.postgres) would be replaced, because of db_name: its data is destroyed. <code>fintech deploy</code> refuses this without <code>--allow-data-loss</code>.

> [!CAUTION]
> **Destroys data:** <code>old_bucket</code> (s3.bucket) would be deleted: its data is destroyed. <code>fintech deploy</code> refuses this without <code>--allow-data-loss</code>.

| | Resource | Type | Name | Change | Attributes |
|---|---|---|---|---|---|
| <code>+</code> | <code>fn_role</code> | iam.role | a-dev-fn-role | create | 1 attribute |
| <code>~</code> | <code>api</code> | lambda.function | a-dev-api | update | memory_mb (changed outside fintech), value |
| <code>-/+</code> | <code>db</code> | rds.postgres | a-dev-db | replace **(destroys data)** | db_name (forces replacement) |
| <code>-</code> | <code>old_bucket</code> | s3.bucket | a-dev-old-bucket | delete **(destroys data)** |  |

<details><summary>Attribute changes, resource by resource</summary>

<details><summary><code>fn_role</code> (iam.role): create</summary>

```diff
+ service: "lambda.amazonaws.com"
```
</details>

<details><summary><code>api</code> (lambda.function): update</summary>

```diff
memory_mb: 256 -> 512  # drift: changed outside fintech
value: (sensitive) -> (sensitive)
```
</details>

<details><summary><code>db</code> (rds.postgres): replace</summary>

```diff
db_name: "app" -> "tracker"  # forces replacement
```
</details>

</details>

#### Monthly cost after the free tier

| Service | Before | After | Change |
|---|--:|--:|--:|
| RDS | $15.00 | $27.50 | +$12.50 |
| S3 | $5.00 | $5.00 | $0.00 |
| **Total** | **$20.00** | **$32.50** | **+$12.50** |

<details><summary>Graph of what changes</summary>

```mermaid
"#.to_string()
            + &mermaid::render(&sample(true).changes())
            + "```
</details>
";
        assert_eq!(got, want, "\n--- got\n{got}\n--- want\n{want}");
    }

    #[test]
    fn the_html_report_has_the_same_parts_and_no_secret() {
        let got = html(&sample_plan(), Some(&sample_cost()), &sample(true));
        assert!(got.starts_with("<!doctype html>"), "{got}");
        for part in [
            "<strong>Plan: 1 to create, 1 to update, 1 to replace, 1 to delete, 1 unchanged.</strong>",
            "<div class=\"warning\"><strong>Destroys data:</strong> <code>db</code>",
            "<tr class=\"update\"><td><code>~</code></td><td><code>api</code></td>",
            "memory_mb: 256 -&gt; 512  # drift: changed outside fintech",
            "<tr class=\"total\"><td>Total</td><td class=\"num\">$20.00</td><td class=\"num\">$32.50</td><td class=\"num\">+$12.50</td></tr>",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"",
        ] {
            assert!(got.contains(part), "missing {part}\n{got}");
        }
        let md = markdown(&sample_plan(), Some(&sample_cost()), &sample(true));
        for report in [&got, &md] {
            assert!(!report.contains("hunter2"), "{report}");
        }
    }

    #[test]
    fn a_replacement_without_data_loss_is_a_warning_with_its_reason() {
        let mut s = step(
            Action::Replace,
            vec![AttrChange {
                forces_replacement: true,
                ..ch("runtime", json!("python3.11"), json!("python3.12"))
            }],
        );
        s.data_loss = false;
        let md = markdown(&plan(vec![s]), None, &sample(false));
        assert!(
            md.contains("> [!WARNING]\n> **Replaced:** <code>api</code> (lambda.function) is deleted and created again, because of runtime.\n"),
            "{md}"
        );
        assert!(
            md.contains("_Monthly cost: not estimated (a price is missing"),
            "{md}"
        );
    }

    #[test]
    fn a_plan_without_changes_says_so_and_nothing_else() {
        let md = markdown(
            &plan(vec![step(Action::NoOp, vec![])]),
            None,
            &sample(false),
        );
        assert_eq!(
            md,
            "<!-- fintech-plan a/dev serverless us-east-1 -->\n### <code>fintech plan</code>: a/dev (serverless, us-east-1, account 1)\n\n**No changes.** Live AWS matches the stack (1 resources).\n"
        );
    }

    #[test]
    fn a_value_with_backticks_cannot_close_the_fence() {
        let s = step(
            Action::Update,
            vec![ch("handler", json!("a"), json!("```\n</details>"))],
        );
        let md = markdown(&plan(vec![s]), None, &sample(false));
        assert!(md.contains("````diff\n"), "{md}");
    }

    #[test]
    fn names_and_notes_from_aws_cannot_close_the_markup_around_them() {
        let mut s = step(Action::Delete, vec![]);
        s.id = "x</details><!--".into();
        s.name = "a|b`c".into();
        s.notes = vec!["</details>".into()];
        let md = markdown(&plan(vec![s]), None, &sample(false));
        assert!(
            !md.contains("</details><!--") && !md.contains("a|b"),
            "{md}"
        );
        assert!(
            md.contains("<code>x&lt;/details&gt;&lt;!--</code>") && md.contains("a&#124;b`c"),
            "{md}"
        );
        assert!(
            md.contains("_Note: <code>x&lt;/details&gt;&lt;!--</code>: &lt;/details&gt;_"),
            "{md}"
        );
    }

    #[test]
    fn a_report_too_long_for_a_comment_leaves_the_diffs_out() {
        let big = json!("x".repeat(COMMENT_LIMIT));
        let s = step(Action::Update, vec![ch("handler", json!("a"), big)]);
        let md = markdown(&plan(vec![s]), None, &sample(false));
        assert!(md.len() < COMMENT_LIMIT, "{}", md.len());
        assert!(md.contains("The attribute diffs are left out"), "{md}");
    }

    #[test]
    fn a_plan_of_thousands_of_changes_still_fits_in_a_comment() {
        let steps: Vec<Step> = (0..3000)
            .map(|i| {
                let mut s = step(Action::Create, vec![]);
                s.id = format!("resource_number_{i}_with_a_long_identifier");
                s.name = format!("an-app-with-a-long-name-dev-resource-number-{i}");
                s
            })
            .collect();
        let md = markdown(&plan(steps), None, &sample(false));
        assert!(md.len() <= COMMENT_LIMIT, "{}", md.len());
        assert!(md.contains("…and 2800 more changes"), "{md}");
        assert!(md.contains("**Plan: 3000 to create"), "the summary stays");
        assert!(!md.contains("```mermaid"), "the graph goes");
    }
}
