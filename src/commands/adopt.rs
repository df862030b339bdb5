//! `fintech adopt`: shows which hand-made resources are the stage's declarations and, with
//! `--yes`, records their names in fintech.yaml and tags them as the stage's.

use anyhow::Result;
use serde_json::json;

use crate::aws::adopt::{self, Entry, Found, Standing};
use crate::cli::Global;

pub async fn run(g: &Global, yes: bool) -> Result<i32> {
    let desired = super::load_stack(g)?;
    let (stage, option) = (desired.stage.clone(), desired.option.clone());
    let declared = desired.resources.len();
    let mut engine = super::engine(g, desired, "adopt").await?;
    engine.build = false;
    let entries = adopt::find(&engine.aws, &engine.names, &engine.desired).await?;
    let recorded = adopt::recorded(&entries);
    let to_adopt = count(&entries, |s| *s == Standing::ToAdopt);
    if g.json {
        let list: Vec<_> = entries.iter().map(entry_json).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "stage": stage, "option": option, "resources": list, "applied": yes,
            }))?
        );
    } else {
        println!(
            "The deployment guide's resources for stage `{stage}` ({option}), account {}:\n",
            engine.aws.account
        );
        for e in &entries {
            println!("{}", line(e));
        }
        let new = declared
            - entries
                .iter()
                .filter(|e| matches!(e.found, Found::One { .. }))
                .count();
        println!(
            "\n{to_adopt} to adopt, {} already the stage's; the other {new} declared resources are new (the plan creates them).",
            count(&entries, |s| *s == Standing::Owned)
        );
    }
    if !yes {
        if !g.json && to_adopt > 0 {
            println!(
                "Nothing changed. `fintech adopt --yes` records these names in fintech.yaml and tags the resources as the stage's; nothing else about them changes."
            );
        }
        return Ok(0);
    }
    // The names first: a run stopped after this and before the tags finds them again (tagged or not).
    let entries_to_record = recorded
        .iter()
        .map(|(id, a)| (id.clone(), (a.type_name.clone(), a.name.clone())))
        .collect();
    crate::spec::adopted::record(&g.dir, &stage, &entries_to_record)?;
    engine.names.adopted = std::sync::Arc::new(recorded);
    let tagged = adopt::take_over(&engine.aws, &engine.names, &entries).await?;
    if !g.json {
        println!(
            "Adopted {tagged} resources: tagged as stage `{stage}`'s, names recorded under `adopted` in fintech.yaml.\nNext: `fintech plan` shows what deploy changes to bring them to the stack (data-bearing replacements only with --allow-data-loss)."
        );
    }
    Ok(0)
}

fn count(entries: &[Entry], f: impl Fn(&Standing) -> bool) -> usize {
    entries
        .iter()
        .filter(|e| e.standing.as_ref().is_some_and(&f))
        .count()
}

/// One line of the mapping: declared id and type, then what was found.
fn line(e: &Entry) -> String {
    let head = format!("  {:<14} {:<24}", e.id, e.type_name);
    match &e.found {
        Found::One { name, how } => {
            let standing = match e.standing.as_ref() {
                Some(Standing::ToAdopt) => "to adopt".to_string(),
                Some(Standing::Owned) => "already the stage's".to_string(),
                Some(Standing::Foreign(why)) => format!("not adopted: {why}"),
                Some(Standing::Gone) | None => "not there any more".to_string(),
            };
            format!("{head} <- {name} ({how}): {standing}")
        }
        Found::Ambiguous(names) => format!(
            "{head} ambiguous: {} fit; write the one you mean under `adopted` in fintech.yaml ({{ type: {}, name: ... }})",
            names.join(", "),
            e.type_name
        ),
        Found::Missing => format!("{head} not found: the plan creates it"),
        Found::Left { name, why } => format!("{head} left as it is: {name}: {why}"),
    }
}

fn entry_json(e: &Entry) -> serde_json::Value {
    let (found, name, detail) = match &e.found {
        Found::One { name, how } => ("one", json!(name), json!(how)),
        Found::Ambiguous(names) => ("ambiguous", json!(names), json!(null)),
        Found::Missing => ("missing", json!(null), json!(null)),
        Found::Left { name, why } => ("left", json!(name), json!(why)),
    };
    let standing = e.standing.as_ref().map(|s| match s {
        Standing::ToAdopt => "to_adopt",
        Standing::Owned => "owned",
        Standing::Foreign(_) => "foreign",
        Standing::Gone => "gone",
    });
    json!({ "id": e.id, "type": e.type_name, "found": found, "name": name, "detail": detail, "standing": standing })
}
