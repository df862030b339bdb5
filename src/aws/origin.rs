//! The origin check: CloudFront adds a secret header to every request it sends to the API origin,
//! and the origin (the load balancer's listener rule, or the app behind an HTTP API) refuses
//! requests without it, so nobody reaches the API around CloudFront. The token is a
//! `secretsmanager.generated` secret: receivers accept its current and previous values, so a
//! rotation (`fintech rotate`, then `fintech deploy`) cuts no traffic.

use anyhow::Result;
use serde_json::Value;

use super::{Attrs, Aws};

/// The header CloudFront adds (forwarded viewer headers of that name are overwritten by it).
pub const HEADER: &str = "X-Origin-Verify";

/// What to report as the live value of `field` (the secret's ARN in the stack): the ARN when the
/// live check has exactly the values `want`, `"stale"` when it has others (a rotation not yet
/// rolled out), `null` without a check. The values themselves are never reported.
pub fn live_value(p: &Attrs, field: &str, have: Option<&[String]>, want: &[String]) -> Value {
    match have {
        None => Value::Null,
        Some(have) if have == want => p.get(field).cloned().unwrap_or(Value::Null),
        Some(_) => Value::from("stale"),
    }
}

/// The values the origin check of `p` should carry (the secret ARN under `field`): for a sender,
/// the current value only; for a receiver, current and previous, sorted. Empty without a secret
/// (or while it cannot be read: what reads the live state then sees a stale check).
pub async fn wanted(aws: &Aws, p: &Attrs, field: &str, receiver: bool) -> Result<Vec<String>> {
    let Some(arn) = secret_arn(p, field) else {
        return Ok(Vec::new());
    };
    Ok(shaped(
        super::secrets::current_and_previous(aws, arn).await?,
        receiver,
    ))
}

/// [`wanted`] for a change about to be made: a secret just created may not be readable yet (Secrets
/// Manager is eventually consistent), and a check set up without its values would leave the door
/// open, so its values are waited for.
pub async fn required(aws: &Aws, p: &Attrs, field: &str, receiver: bool) -> Result<Vec<String>> {
    let Some(arn) = secret_arn(p, field) else {
        return Ok(Vec::new());
    };
    let what = format!("the origin token {arn} to be readable");
    let values = super::wait::found(&what, super::wait::PROPAGATION, || async {
        let v = super::secrets::current_and_previous(aws, arn).await?;
        Ok((!v.is_empty()).then_some(v))
    })
    .await?;
    Ok(shaped(values, receiver))
}

fn secret_arn<'a>(p: &'a Attrs, field: &str) -> Option<&'a str> {
    p.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn shaped(mut values: Vec<String>, receiver: bool) -> Vec<String> {
    if receiver {
        values.sort(); // a receiver's values are a set
    } else {
        values.truncate(1);
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_live_value_is_the_arn_only_when_the_values_are_current() {
        let mut p = Attrs::new();
        p.insert("s".into(), Value::from("arn:secret"));
        let want = vec!["a".to_string(), "b".to_string()];
        assert_eq!(live_value(&p, "s", None, &want), Value::Null);
        assert_eq!(live_value(&p, "s", Some(&want), &want), "arn:secret");
        assert_eq!(
            live_value(&p, "s", Some(&["b".to_string()]), &want),
            "stale"
        );
        // A check left behind after the secret was taken out of the stack is stale too.
        assert_eq!(live_value(&Attrs::new(), "s", Some(&want), &[]), "stale");
    }
}
