//! Entry points for the fuzz targets (`fuzz/`, cargo-fuzz) and a stable in-tree mutation test:
//! the stack loader and the `${...}` expression parser on arbitrary input must answer with
//! located errors, never panic, hang or blow up.

use std::path::Path;

/// Loads a project whose fintech.yaml and stacks/serverless.yaml are the two halves of `input`
/// (split at the first `\n%%\n`; without it, `input` is the stack file and fintech.yaml is the
/// bundled one), in `dir`. Returns whether it loaded.
pub fn load(dir: &Path, input: &[u8]) -> bool {
    let (project, stack): (&[u8], &[u8]) = match input.windows(4).position(|w| w == b"\n%%\n") {
        Some(i) => (&input[..i], &input[i + 4..]),
        None => (include_bytes!("../fintech.yaml"), input),
    };
    let stacks = dir.join("stacks");
    if std::fs::create_dir_all(&stacks).is_err()
        || std::fs::write(dir.join("fintech.yaml"), project).is_err()
        || std::fs::write(stacks.join("serverless.yaml"), stack).is_err()
        || std::fs::write(
            stacks.join("common.yaml"),
            include_bytes!("../stacks/common.yaml"),
        )
        .is_err()
    {
        return false;
    }
    let sel = crate::model::Selection {
        payload: false,
        ..Default::default()
    };
    match crate::model::load(dir, &sel) {
        Ok(_) => true,
        Err(diags) => {
            // Every error names a place in a file the user has.
            assert!(!diags.0.is_empty());
            for d in &diags.0 {
                assert!(!d.loc.file.is_empty(), "{d}");
                let _ = d.to_string();
            }
            false
        }
    }
}

/// Parses `s` as a string value with `${...}` references.
pub fn expr(s: &str) {
    if let Ok(parts) = crate::spec::expr::parse(s) {
        for p in parts {
            if let crate::spec::expr::Part::Ref { path, offset, .. } = p {
                assert!(!path.is_empty() && offset < s.len());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// A tiny deterministic generator (no dependency): xorshift.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    /// What YAML and the expression language are made of, spliced in at random.
    const TOKENS: &[&str] = &[
        ":",
        " ",
        "\n",
        "  ",
        "\t",
        "-",
        "[",
        "]",
        "{",
        "}",
        ",",
        "\"",
        "'",
        "&a",
        "*a",
        "!",
        "#",
        "|",
        ">",
        "---",
        "${",
        "}",
        "${params.",
        "${api.",
        ".arn}",
        "$${",
        "<<: *a",
        "~",
        "null",
        "1e400",
        "-1",
        "99999999999999999999",
        "\0",
        "\u{1b}[2J",
        "é",
        "type: ",
        "resources:",
    ];

    /// Mutates the bundled serverless stack 3000 times (bytes flipped, tokens spliced in,
    /// truncated, lines swapped): every load answers, and its errors are located.
    #[test]
    fn mutated_stacks_load_or_are_located_errors() {
        let seed = include_str!("../stacks/serverless.yaml")
            .as_bytes()
            .to_vec();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let dir = tempfile::tempdir().unwrap();
        let mut loaded = 0;
        for _ in 0..3000 {
            let mut input = seed.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(input.len());
                match rng.below(4) {
                    0 => input[at] = rng.next() as u8,
                    1 => {
                        let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                        input.splice(at..at, t.iter().copied());
                    }
                    2 => input.truncate(at),
                    _ => {
                        let len = rng.below(40).min(input.len() - at);
                        input.drain(at..at + len);
                    }
                }
                if input.is_empty() {
                    break;
                }
            }
            loaded += usize::from(super::load(dir.path(), &input));
        }
        assert!(loaded > 0 && loaded < 3000, "{loaded} of 3000 loaded");
    }

    #[test]
    fn expressions_of_every_shape_parse_or_fail_cleanly() {
        let mut rng = Rng(42);
        for _ in 0..20_000 {
            let s: String = (0..rng.below(12))
                .map(|_| ["$", "{", "}", ".", "a", "$${", "${", " ", "é", "_", "1"][rng.below(11)])
                .collect();
            super::expr(&s);
        }
    }
}
