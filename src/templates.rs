//! The project templates of `fintech init`: the files under `templates/`, embedded at build time,
//! and their placeholders (`{{app}}`, `{{option}}`).

include!(concat!(env!("OUT_DIR"), "/templates.rs"));

/// What a new project fills the placeholders with.
pub struct Fill<'a> {
    pub app: &'a str,
    pub option: &'a str,
}

/// Every template file under `prefix/` (`project` or `app`), its path relative to it, filled.
pub fn files(prefix: &str, fill: &Fill) -> Vec<(&'static str, String)> {
    TEMPLATES
        .iter()
        .filter_map(|(path, text)| {
            let rel = path.strip_prefix(prefix)?.strip_prefix('/')?;
            Some((rel, render(text, fill)))
        })
        .collect()
}

fn render(text: &str, fill: &Fill) -> String {
    text.replace("{{app}}", fill.app)
        .replace("{{option}}", fill.option)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded templates are the very files in templates/: none missing, none stale.
    #[test]
    fn the_embedded_templates_are_the_files_in_templates() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut on_disk: Vec<(String, String)> = walkdir::WalkDir::new(&root)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                (rel, std::fs::read_to_string(e.path()).unwrap())
            })
            .collect();
        on_disk.sort();
        let embedded: Vec<(String, String)> = TEMPLATES
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        assert_eq!(embedded, on_disk);
        assert!(embedded.iter().any(|(p, _)| p == "project/fintech.yaml"));
    }

    #[test]
    fn placeholders_are_filled_and_github_expressions_left_alone() {
        let fill = Fill {
            app: "shop",
            option: "containers",
        };
        let files = files("project", &fill);
        let yaml = &files.iter().find(|(p, _)| *p == "fintech.yaml").unwrap().1;
        assert!(yaml.contains("app: shop\n") && yaml.contains("default_option: containers\n"));
        assert!(
            !files
                .iter()
                .any(|(_, t)| t.contains("{{app}}") || t.contains("{{option}}"))
        );
        let workflow = &files
            .iter()
            .find(|(p, _)| *p == ".github/workflows/fintech.yml")
            .unwrap()
            .1;
        assert!(workflow.contains("${{ vars.AWS_ROLE_ARN }}"));
    }
}
