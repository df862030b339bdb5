//! Which free tier an account has today, from its creation date: AWS's free tier changed on
//! 2025-07-15 (12-month allowances before, sign-up credits and a 6-month free plan after).

use std::time::{SystemTime, UNIX_EPOCH};

use super::FreeTier;

/// A calendar date, as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(i64);

/// The day the free tier changed: accounts created from it get credits, not 12-month allowances.
const CHANGE: Date = Date(20_284); // 2025-07-15

impl Date {
    /// Parses `YYYY-MM-DD` (a real day of the Gregorian calendar).
    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.splitn(3, '-');
        let (y, m, d) = (it.next()?, it.next()?, it.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        ((1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&d))
            .then(|| Date(days_from_civil(y, m, d)))
    }

    /// Today in UTC.
    pub fn today() -> Date {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date((secs / 86_400) as i64)
    }

    /// The same day `months` later (the month's last day when it has fewer days).
    pub fn plus_months(self, months: u32) -> Date {
        let (y, m, d) = civil_from_days(self.0);
        let total = y * 12 + i64::from(m - 1) + i64::from(months);
        let (y, m) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
        Date(days_from_civil(y, m, d.min(days_in_month(y, m))))
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The tier the estimate uses, and why, in a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub tier: FreeTier,
    pub why: String,
}

/// The tier of an account created on `created` (when fintech.yaml says), as of `today`.
pub fn choose(created: Option<Date>, today: Date) -> Choice {
    let Some(created) = created else {
        return Choice {
            tier: FreeTier::None,
            why: "the account's creation date is not known (set `account_created: YYYY-MM-DD` in \
                  fintech.yaml): always-free offers only, no 12-month allowances or credits"
                .into(),
        };
    };
    let (tier, why) = if created < CHANGE {
        let end = created.plus_months(12);
        if today < end {
            (
                FreeTier::Legacy,
                format!(
                    "account created {created}, before {CHANGE}: 12-month free tier until {end}"
                ),
            )
        } else {
            (
                FreeTier::None,
                format!(
                    "account created {created}: its 12-month free tier ended on {end}; always-free offers only"
                ),
            )
        }
    } else {
        let end = created.plus_months(6);
        if today < end {
            (
                FreeTier::Credits,
                format!(
                    "account created {created}, on or after {CHANGE}: sign-up credits, free plan until {end} at most"
                ),
            )
        } else {
            (
                FreeTier::None,
                format!(
                    "account created {created}: its free plan ended by {end}; always-free offers only"
                ),
            )
        }
    };
    Choice { tier, why }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn dates_round_trip_and_reject_what_is_not_a_day() {
        for s in ["1970-01-01", "2024-02-29", "2025-07-15", "2100-12-31"] {
            assert_eq!(d(s).to_string(), s);
        }
        assert_eq!(d("2025-07-15"), CHANGE);
        for s in [
            "2023-02-29",
            "2025-13-01",
            "2025-7-15",
            "15/07/2025",
            "",
            "2025-07-15x",
        ] {
            assert_eq!(Date::parse(s), None, "{s}");
        }
        assert_eq!(d("2024-01-31").plus_months(1), d("2024-02-29"));
        assert_eq!(d("2025-03-10").plus_months(12), d("2026-03-10"));
    }

    #[test]
    fn the_tier_follows_the_creation_date_and_today() {
        let today = d("2026-11-27");
        let tier = |c: &str| choose(Some(d(c)), today).tier;
        // Every account created before the change left its 12 months by 2026-07-15.
        assert_eq!(tier("2025-07-14"), FreeTier::None);
        assert_eq!(tier("2019-05-01"), FreeTier::None);
        assert_eq!(
            choose(Some(d("2025-07-14")), d("2026-07-13")).tier,
            FreeTier::Legacy
        );
        // Newer accounts: credits during the 6-month free plan, nothing after.
        assert_eq!(tier("2026-06-01"), FreeTier::Credits);
        assert_eq!(tier("2026-05-27"), FreeTier::None);
        let unknown = choose(None, today);
        assert_eq!(unknown.tier, FreeTier::None);
        assert!(unknown.why.contains("account_created"), "{}", unknown.why);
        assert!(
            choose(Some(d("2019-05-01")), today)
                .why
                .contains("ended on 2020-05-01")
        );
    }
}
