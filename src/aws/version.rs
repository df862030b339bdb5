//! Engine versions compared the way AWS reports them: `7.1` is the `7.1.0` ElastiCache reports, and
//! a newer minor version installed by an automatic minor version upgrade is not drift.

use std::cmp::Ordering;

/// The value to report as live for a declared `declared` engine version when AWS reports `live`,
/// and a note for the plan when they differ without being drift. `auto_upgrade` says whether AWS
/// may raise the minor version on its own (then a newer live minor is never downgraded).
pub fn reported(
    declared: Option<&str>,
    live: &str,
    auto_upgrade: bool,
) -> (String, Option<String>) {
    let Some(declared) = declared.filter(|d| !d.is_empty()) else {
        return (live.to_string(), None);
    };
    let (d, l) = (parts(declared), parts(live));
    if declared == live || (!d.is_empty() && l.len() > d.len() && l.starts_with(&d)) {
        return (declared.to_string(), None);
    }
    let newer_minor =
        auto_upgrade && !d.is_empty() && l.first() == d.first() && l.cmp(&d) == Ordering::Greater;
    if newer_minor {
        let note = format!(
            "engine_version: live {live} is newer than the declared {declared} (an automatic minor \
             version upgrade); not drift, and never downgraded. Declare {live} to silence this note."
        );
        return (declared.to_string(), Some(note));
    }
    (live.to_string(), None)
}

/// The numeric components of a version (`17.6` → [17, 6]); empty when any is not a number.
fn parts(v: &str) -> Vec<u64> {
    v.split('.')
        .map(|p| p.parse::<u64>())
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declared_prefix_matches_the_full_version() {
        assert_eq!(reported(Some("7.1"), "7.1.0", true), ("7.1".into(), None));
        assert_eq!(reported(Some("7.1"), "7.1", true), ("7.1".into(), None));
    }

    #[test]
    fn a_newer_minor_from_automatic_upgrades_is_not_drift_and_is_noted() {
        let (v, note) = reported(Some("17.6"), "17.7", true);
        assert_eq!(v, "17.6");
        assert!(
            note.unwrap()
                .contains("live 17.7 is newer than the declared 17.6")
        );
        // Numbers, not text: 17.10 is newer than 17.9.
        assert_eq!(reported(Some("17.9"), "17.10", true).0, "17.9");
    }

    #[test]
    fn everything_else_is_a_difference() {
        // Without automatic upgrades the declared version is a pin.
        assert_eq!(reported(Some("17.6"), "17.7", false), ("17.7".into(), None));
        // A declared upgrade, a major change, an older live version.
        assert_eq!(reported(Some("17.8"), "17.7", true).0, "17.7");
        assert_eq!(reported(Some("18.1"), "17.7", true).0, "17.7");
        assert_eq!(reported(Some("7.1"), "7.0.7", true).0, "7.0.7");
        assert_eq!(reported(Some("7.1"), "6.2.6", true).0, "6.2.6");
        assert_eq!(reported(None, "7.1.0", true).0, "7.1.0");
    }
}
