//! EventBridge schedule expressions, validated the way AWS does (moto accepts anything).

/// Checks `cron(m h dom mon dow year)` or `rate(n unit)`; the error says what is wrong.
pub fn validate(expr: &str) -> Result<(), String> {
    if let Some(body) = expr.strip_prefix("rate(").and_then(|s| s.strip_suffix(')')) {
        return rate(body);
    }
    let Some(body) = expr.strip_prefix("cron(").and_then(|s| s.strip_suffix(')')) else {
        return Err(
            "expected `cron(minutes hours day-of-month month day-of-week year)` or `rate(N units)`"
                .into(),
        );
    };
    let fields: Vec<&str> = body.split_whitespace().collect();
    if fields.len() != 6 {
        return Err(format!(
            "a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), this one has {}",
            fields.len()
        ));
    }
    let specs: [(&str, u32, u32, &[&str]); 6] = [
        ("minutes", 0, 59, &[]),
        ("hours", 0, 23, &[]),
        ("day-of-month", 1, 31, &["?", "L", "W"]),
        (
            "month",
            1,
            12,
            &[
                "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
            ],
        ),
        (
            "day-of-week",
            1,
            7,
            &[
                "?", "L", "#", "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT",
            ],
        ),
        ("year", 1970, 2199, &[]),
    ];
    for (value, (name, min, max, words)) in fields.iter().zip(specs) {
        field(value, min, max, words).map_err(|e| format!("{name} field `{value}`: {e}"))?;
    }
    let (dom, dow) = (fields[2], fields[4]);
    if (dom == "?") == (dow == "?") {
        return Err("exactly one of day-of-month and day-of-week must be `?`".into());
    }
    Ok(())
}

fn rate(body: &str) -> Result<(), String> {
    let mut it = body.split_whitespace();
    let (Some(n), Some(unit), None) = (it.next(), it.next(), it.next()) else {
        return Err("expected `rate(N units)`, e.g. rate(1 day)".into());
    };
    let n: u32 = n
        .parse()
        .map_err(|_| format!("`{n}` is not a positive whole number"))?;
    let ok = match n {
        0 => false,
        1 => ["minute", "hour", "day"].contains(&unit),
        _ => ["minutes", "hours", "days"].contains(&unit),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`rate({body})`: use a positive number and minute(s), hour(s) or day(s), singular for 1"
        ))
    }
}

fn field(value: &str, min: u32, max: u32, words: &[&str]) -> Result<(), String> {
    if value == "*" || words.contains(&value) {
        return Ok(());
    }
    for item in value.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (item, None),
        };
        if let Some(s) = step {
            let s: u32 = s
                .parse()
                .map_err(|_| format!("step `{s}` is not a number"))?;
            if s == 0 {
                return Err("a step of 0".into());
            }
        }
        if range == "*" {
            continue;
        }
        let bounds: Vec<&str> = range.split('-').collect();
        if bounds.len() > 2 {
            return Err(format!("`{range}` is not a value or a range"));
        }
        for b in &bounds {
            let b = b.trim_end_matches(['L', 'W']);
            let b = b.split('#').next().unwrap_or(b);
            if words.contains(&b) {
                continue;
            }
            let n: u32 = b
                .parse()
                .map_err(|_| format!("`{b}` is not a number from {min} to {max}"))?;
            if n < min || n > max {
                return Err(format!("{n} is outside {min}-{max}"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::validate;

    #[test]
    fn accepts_what_eventbridge_accepts() {
        for ok in [
            "cron(0 6 * * ? *)",
            "cron(0/15 8-17 ? * MON-FRI *)",
            "rate(1 day)",
            "rate(5 minutes)",
            "cron(0 12 L * ? 2030)",
        ] {
            assert_eq!(validate(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_what_eventbridge_rejects() {
        for bad in [
            "cron(0 6 * * *)",
            "cron(0 25 * * ? *)",
            "cron(0 6 * * * *)",
            "cron(0 6 ? * ? *)",
            "rate(0 days)",
            "rate(1 days)",
            "every day",
            "cron(61 6 * * ? *)",
        ] {
            assert!(validate(bad).is_err(), "{bad}");
        }
    }
}
