//! The `${...}` expression language of stack files: parsing strings into literal text and references
//! (`${db.url}`, or with fallbacks: `${db_proxy.url ?? db.url}`).

/// A piece of a string value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Lit(String),
    /// `${a.b.c}` as its dotted path, with the byte offset of `$` in the string; `${a.b ?? c.d}`
    /// adds `c.d` as the fallback taken where `a` is switched off (`when:`) or `a.b` is none.
    Ref {
        path: Vec<String>,
        fallbacks: Vec<Vec<String>>,
        offset: usize,
    },
}

/// Splits `s` into literal text and `${...}` references. `$${` writes a literal `${`.
/// The error is the byte offset and what is wrong.
pub fn parse(s: &str) -> Result<Vec<Part>, (usize, String)> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut rest = s;
    let mut pos = 0;
    while let Some(i) = rest.find('$') {
        lit.push_str(&rest[..i]);
        let after = &rest[i..];
        if let Some(tail) = after.strip_prefix("$${") {
            lit.push_str("${");
            rest = tail;
            pos += i + 3;
        } else if let Some(body) = after.strip_prefix("${") {
            let end = body
                .find('}')
                .ok_or((pos + i, "`${` is never closed with `}`".to_string()))?;
            let inner = body[..end].trim();
            let mut paths = Vec::new();
            for one in inner.split("??").map(str::trim) {
                let path: Vec<String> = one.split('.').map(str::to_string).collect();
                if one.is_empty() || path.iter().any(|p| !is_ident(p)) {
                    return Err((
                        pos + i,
                        format!(
                            "`${{{inner}}}` is not a reference: expected names joined by dots, like `${{db.endpoint}}`, or several joined by `??`, like `${{db_proxy.url ?? db.url}}`"
                        ),
                    ));
                }
                paths.push(path);
            }
            if !lit.is_empty() {
                parts.push(Part::Lit(std::mem::take(&mut lit)));
            }
            let path = paths.remove(0);
            parts.push(Part::Ref {
                path,
                fallbacks: paths,
                offset: pos + i,
            });
            rest = &body[end + 1..];
            pos += i + 2 + end + 1;
        } else {
            lit.push('$');
            rest = &after[1..];
            pos += i + 1;
        }
    }
    lit.push_str(rest);
    if !lit.is_empty() || parts.is_empty() {
        parts.push(Part::Lit(lit));
    }
    Ok(parts)
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The references in `s`, fallbacks included (empty when it has none or does not parse).
pub fn refs(s: &str) -> Vec<Vec<String>> {
    parse(s)
        .map(|parts| {
            parts
                .into_iter()
                .flat_map(|p| match p {
                    Part::Ref {
                        path, fallbacks, ..
                    } => std::iter::once(path).chain(fallbacks).collect(),
                    Part::Lit(_) => Vec::new(),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_text_and_references() {
        let p = parse("postgresql://${db.endpoint}:5432/x").unwrap();
        assert_eq!(
            p,
            vec![
                Part::Lit("postgresql://".into()),
                Part::Ref {
                    path: vec!["db".into(), "endpoint".into()],
                    fallbacks: vec![],
                    offset: 13
                },
                Part::Lit(":5432/x".into()),
            ]
        );
    }

    #[test]
    fn fallbacks_follow_the_first_reference() {
        let p = parse("${ db_proxy.url ?? db.url }").unwrap();
        assert_eq!(
            p,
            vec![Part::Ref {
                path: vec!["db_proxy".into(), "url".into()],
                fallbacks: vec![vec!["db".into(), "url".into()]],
                offset: 0
            }]
        );
        assert_eq!(refs("${a.b ?? c.d}").len(), 2);
        assert!(parse("${a.b ??}").is_err());
        assert!(parse("${?? a.b}").is_err());
        assert!(parse("${a.b ? c.d}").is_err());
    }

    #[test]
    fn escapes_and_lone_dollars_are_text() {
        assert_eq!(
            parse("a$${b}$c").unwrap(),
            vec![Part::Lit("a${b}$c".into())]
        );
        assert_eq!(parse("").unwrap(), vec![Part::Lit(String::new())]);
    }

    #[test]
    fn malformed_references_are_errors() {
        assert_eq!(parse("x ${db.endpoint").unwrap_err().0, 2);
        assert!(parse("${}").is_err());
        assert!(parse("${a..b}").is_err());
        assert!(parse("${a b}").is_err());
    }
}
