//! Writes the `adopted:` section of `fintech.yaml` (what `fintech adopt --yes` took over), leaving
//! the rest of the file, comments included, as the user wrote it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// One adopted resource as the file records it: type and name in AWS.
pub type Entries = BTreeMap<String, (String, String)>;

const HEADER: &str = "# Resources made without fintech that a stage took over (`fintech adopt --yes`): the names\n# they keep in AWS, by stage and resource id. The stage owns them now: destroy deletes them.\n";

/// Records `entries` as stage `stage`'s adopted resources in `root/fintech.yaml` (added to what
/// the stage had; other stages' kept).
pub fn record(root: &Path, stage: &str, entries: &Entries) -> Result<()> {
    let path = root.join("fintech.yaml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let node = super::read_yaml(&path, "fintech.yaml").map_err(|d| anyhow::anyhow!("{d}"))?;
    let mut diags = super::Diagnostics::default();
    let proj = super::project::parse(&node, &mut diags);
    let mut all: BTreeMap<String, Entries> = proj
        .adopted
        .iter()
        .map(|(s, es)| {
            let es = es
                .iter()
                .map(|(id, e)| (id.clone(), (e.type_name.clone(), e.name.clone())))
                .collect();
            (s.clone(), es)
        })
        .collect();
    all.entry(stage.to_string())
        .or_default()
        .extend(entries.clone());
    let updated = replace_section(&text, &render(&all));
    // Written only if it reads back as written, through a file renamed over the old one.
    let node = super::yaml::parse(&std::sync::Arc::from("fintech.yaml"), &updated)
        .map_err(|d| anyhow::anyhow!("{d}"))?;
    let mut diags = super::Diagnostics::default();
    let back = super::project::parse(&node, &mut diags);
    if back.adopted.get(stage).map(|es| es.len()) != all.get(stage).map(|es| es.len()) {
        bail!(
            "could not record the adopted resources in fintech.yaml (its `adopted` section did not read back)"
        );
    }
    let tmp = root.join(".fintech.yaml.adopting");
    std::fs::write(&tmp, &updated).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The section, header comment included.
fn render(all: &BTreeMap<String, Entries>) -> String {
    let mut out = format!("{HEADER}adopted:\n");
    for (stage, entries) in all.iter().filter(|(_, es)| !es.is_empty()) {
        out.push_str(&format!("  {stage}:\n"));
        for (id, (type_name, name)) in entries {
            let name = serde_json::to_string(name).unwrap_or_default();
            out.push_str(&format!(
                "    {id}: {{ type: {type_name}, name: {name} }}\n"
            ));
        }
    }
    out
}

/// `text` with its top-level `adopted:` section (and the header fintech wrote above it) replaced
/// by `section`, or `section` added at the end.
fn replace_section(text: &str, section: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines
        .iter()
        .position(|l| l.starts_with("adopted:") || l.starts_with("adopted :"))
    else {
        let sep = if text.is_empty() || text.ends_with('\n') {
            "\n"
        } else {
            "\n\n"
        };
        return format!("{text}{sep}{section}");
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| !l.is_empty() && !l.starts_with([' ', '\t']))
        .map_or(lines.len(), |i| start + 1 + i);
    let header_lines = HEADER.lines().count();
    let from = if start >= header_lines
        && lines[start - header_lines..start].join("\n") == HEADER.trim_end()
    {
        start - header_lines
    } else {
        start
    };
    let mut out = lines[..from].join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(section);
    if end < lines.len() {
        out.push_str(&lines[end..].join("\n"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(list: &[(&str, &str, &str)]) -> Entries {
        list.iter()
            .map(|(id, t, n)| (id.to_string(), (t.to_string(), n.to_string())))
            .collect()
    }

    #[test]
    fn the_section_is_added_then_replaced_and_the_rest_kept() {
        let text = "# the project\napp: a # inline\nstages:\n  dev: {}\n";
        let one = BTreeMap::from([(
            "dev".to_string(),
            entries(&[("db", "rds.postgres", "fintech-tracker-db")]),
        )]);
        let added = replace_section(text, &render(&one));
        assert!(added.starts_with(text), "{added}");
        assert!(added.contains("    db: { type: rds.postgres, name: \"fintech-tracker-db\" }\n"));
        let mut two = one.clone();
        two.get_mut("dev")
            .unwrap()
            .extend(entries(&[("cdn", "cloudfront.distribution", "E2X")]));
        let replaced = replace_section(
            &format!("{added}budget:\n  monthly_usd: 5\n"),
            &render(&two),
        );
        assert_eq!(replaced.matches("adopted:").count(), 1, "{replaced}");
        assert_eq!(replaced.matches(HEADER).count(), 1, "{replaced}");
        assert!(replaced.contains("cdn: { type: cloudfront.distribution"));
        assert!(
            replaced.ends_with("budget:\n  monthly_usd: 5\n"),
            "{replaced}"
        );
        assert!(replaced.starts_with(text));
    }
}
