//! `fintech init`: a new project from the embedded templates, ready to validate and deploy.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::cli::Global;
use crate::model::OPTIONS;
use crate::spec::project::is_name;
use crate::templates::{self, Fill};

/// Lines a project's `.gitignore` must have (merged into one that exists).
const IGNORED: &[&str] = &[".fintech/", "__pycache__/", "*.pyc"];

pub fn run(g: &Global, dir: Option<&Path>, app: Option<&str>) -> Result<i32> {
    let dir = dir.unwrap_or(&g.dir);
    let option = g.option.as_deref().unwrap_or("serverless");
    if !OPTIONS.contains(&option) {
        bail!(
            "unknown option `{option}`\nhint: options: {}",
            OPTIONS.join(", ")
        );
    }
    let app = match app {
        Some(a) => a.to_string(),
        None => app_name(dir)?,
    };
    if !is_name(&app) {
        bail!(
            "`{app}` is not a valid app name\nhint: use 2-24 lowercase letters, digits and dashes, starting with a letter (--app NAME)"
        );
    }
    for taken in ["fintech.yaml", "stacks"] {
        if dir.join(taken).exists() {
            bail!(
                "{} already has {taken}: it is a fintech project already\nhint: run `fintech validate` there, or init another directory",
                dir.display()
            );
        }
    }
    let empty = is_empty(dir)?;
    let fill = Fill { app: &app, option };
    let mut written = Vec::new();
    let mut kept = Vec::new();
    let mut files = templates::files("project", &fill);
    if empty {
        files.extend(templates::files("app", &fill));
    }
    for (rel, text) in files {
        let path = dir.join(rel);
        if rel == ".gitignore" && path.exists() {
            if merge_gitignore(&path)? {
                written.push(format!("{rel} (added {})", IGNORED.join(" ")));
            }
            continue;
        }
        if path.exists() {
            kept.push(rel);
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(rel.to_string());
    }
    if g.json {
        let v = serde_json::json!({
            "app": app, "option": option, "dir": dir, "written": written, "kept": kept,
            "app_added": empty,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else if !g.quiet {
        println!("Created the {option} project `{app}` in {}:", dir.display());
        for f in &written {
            println!("  + {f}");
        }
        for f in &kept {
            println!("  = {f} (exists: left as it was)");
        }
        if !empty {
            println!(
                "\nThe directory was not empty, so no app was added: point `payload.backend` (a FastAPI app: lambda_handler.py, app/main.py) and `payload.site` (a built static site) in fintech.yaml at yours."
            );
        }
        println!("\nNext:");
        if dir != Path::new(".") {
            println!("  cd {}", dir.display());
        }
        println!("  fintech validate          # check the files, no AWS call");
        println!("  fintech cost              # what it costs a month");
        println!("  fintech plan              # what deploy would create");
        println!("  fintech deploy            # create it (stage dev)");
        println!(
            "\nDeploying from GitHub Actions: .github/workflows/fintech.yml assumes a role by OIDC (see its first lines)."
        );
    }
    Ok(0)
}

/// The app name a directory suggests: its name, lowercased, other characters as dashes.
fn app_name(dir: &Path) -> Result<String> {
    let abs = std::path::absolute(dir).context("cannot resolve the directory")?;
    let base = abs
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut name: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    name = name.trim_matches('-').chars().take(24).collect();
    let name = name.trim_end_matches('-').to_string();
    if !is_name(&name) {
        bail!(
            "the directory's name `{base}` does not make an app name\nhint: give one with --app NAME (2-24 lowercase letters, digits and dashes, starting with a letter)"
        );
    }
    Ok(name)
}

/// Missing, or holding nothing but version control.
fn is_empty(dir: &Path) -> Result<bool> {
    if !dir.exists() {
        return Ok(true);
    }
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for e in entries {
        if e?.file_name() != ".git" {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Adds the lines fintech needs ignored to an existing `.gitignore`; true when it changed.
fn merge_gitignore(path: &Path) -> Result<bool> {
    let text = std::fs::read_to_string(path)?;
    let missing: Vec<&str> = IGNORED
        .iter()
        .copied()
        .filter(|l| !text.lines().any(|have| have.trim() == *l))
        .collect();
    if missing.is_empty() {
        return Ok(false);
    }
    let mut out = text;
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("# fintech's local cache, rebuilt from the sources\n");
    for l in missing {
        out.push_str(l);
        out.push('\n');
    }
    std::fs::write(path, out)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app_name_is_made_from_the_directory_name() {
        assert_eq!(app_name(Path::new("/tmp/My Shop_2")).unwrap(), "my-shop-2");
        assert!(app_name(Path::new("/tmp/9lives")).is_err());
        assert_eq!(
            app_name(Path::new("/x/a-very-long-project-name-indeed")).unwrap(),
            "a-very-long-project-name"
        );
    }

    #[test]
    fn an_existing_gitignore_gets_only_what_it_lacks() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(".gitignore");
        std::fs::write(&p, "/target\n.fintech/").unwrap();
        assert!(merge_gitignore(&p).unwrap());
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(text.matches(".fintech/").count(), 1);
        assert!(text.contains("/target\n") && text.contains("*.pyc\n"));
        assert!(!merge_gitignore(&p).unwrap());
    }
}
