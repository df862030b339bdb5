//! Embeds `templates/` in the binary (for `fintech init`, so `cargo install` users get them) and
//! records the git commit the binary was built from (for `fintech --version`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    embed_templates(&root.join("templates"), &out.join("templates.rs"));
    commit(&root);
}

/// Writes `TEMPLATES: &[(path, text)]`, every file under `dir`, sorted by path.
fn embed_templates(dir: &Path, out: &Path) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.sort();
    let mut code = String::from("pub static TEMPLATES: &[(&str, &str)] = &[\n");
    for rel in &files {
        let abs = dir.join(rel);
        println!("cargo:rerun-if-changed={}", abs.display());
        writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            abs.display().to_string()
        )
        .expect("writing to a string");
    }
    code.push_str("];\n");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            walk(root, &path, files);
        } else if let Ok(rel) = path.strip_prefix(root) {
            files.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// `FINTECH_COMMIT`: the short hash of the commit checked out; `unknown` outside a git checkout
/// (a crate tarball).
fn commit(root: &Path) {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let hash = git(&["rev-parse", "--short=12", "HEAD"]);
    if let Some(git_dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        let git_dir = PathBuf::from(git_dir);
        for f in ["HEAD", "packed-refs"] {
            println!("cargo:rerun-if-changed={}", git_dir.join(f).display());
        }
        if let Some(head) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed={}", git_dir.join(head).display());
        }
    }
    let text = hash.unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=FINTECH_COMMIT={text}");
}
