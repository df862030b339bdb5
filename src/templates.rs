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

    /// The GitHub Actions workflow among the filled templates.
    fn workflow<'a>(files: &'a [(&str, String)]) -> &'a str {
        &files
            .iter()
            .find(|(p, _)| *p == ".github/workflows/fintech.yml")
            .expect("the template has a workflow")
            .1
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
        assert!(workflow(&files).contains("${{ vars.AWS_PLAN_ROLE_ARN }}"));
    }

    /// The CI template: roles assumed by OIDC (no stored keys), the plan of every pull request,
    /// and on main the deploy, once approved, of exactly the plan saved and shown.
    #[test]
    fn the_workflow_assumes_a_role_by_oidc_and_deploys_the_saved_plan() {
        let fill = Fill {
            app: "shop",
            option: "serverless",
        };
        let files = files("project", &fill);
        let w = workflow(&files);
        assert!(w.contains("id-token: write"));
        assert!(w.contains("role-to-assume: ${{ vars.AWS_PLAN_ROLE_ARN }}"));
        assert!(w.contains("role-to-assume: ${{ vars.AWS_DEPLOY_ROLE_ARN }}"));
        assert!(
            !w.to_lowercase().contains("aws-access-key-id") && !w.contains("AWS_SECRET_ACCESS_KEY")
        );
        assert!(w.contains("fintech plan --no-progress --detailed-exitcode --out plan.json"));
        assert!(w.contains("GITHUB_STEP_SUMMARY"));
        // The report goes to one comment per pull request, edited on each push, not one per push.
        assert!(w.contains("--format markdown > report.md") && w.contains("pull-requests: write"));
        assert!(
            w.contains("select(.user.login == \"github-actions[bot]\" and (.body | startswith(env.MARKER)))")
                && w.contains("--method PATCH \"repos/$GITHUB_REPOSITORY/issues/comments/$id\" -F body=@report.md")
        );
        // The deploy job, gated by the environment's reviewers, applies the plan job's file.
        let deploy = &w[w.find("  deploy:").unwrap()..];
        assert!(deploy.contains("needs: plan") && deploy.contains("environment: dev"));
        assert!(
            deploy.contains("actions/download-artifact")
                && deploy.contains("fintech deploy plan.json")
        );
        assert!(
            !deploy.contains("fintech plan"),
            "the deploy job applies what was shown, no new plan"
        );
        assert!(w.contains("shell: bash"), "pipefail");
        assert!(
            w.contains("--rev \"${{ vars.FINTECH_REV }}\""),
            "a pinned fintech"
        );
    }
}
