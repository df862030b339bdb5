//! A function's reserved concurrency: the most instances it runs at once, so a flood of requests
//! costs bounded money. Lambda refuses a reservation that leaves the account fewer than
//! min(100, its limit) unreserved executions; new accounts start with a limit of 10 (or 50), where
//! no reservation is possible at all: the account's limit then caps the function instead, and the
//! plan says so rather than failing the deploy.

use anyhow::Result;
use aws_sdk_lambda::error::ProvideErrorMetadata;
use serde_json::Value;

use super::{Attrs, Call, aws_error, code};

/// What Lambda always keeps unreserved, at most.
const MIN_UNRESERVED: i64 = 100;

/// The live value to report and a note, given the function's reservation `have` (None without one).
/// Without a reservation but with one wanted that the account cannot grant, the account's limit
/// (at most what was asked) is in force: reported as the wanted value, with a note.
pub async fn live(c: &Call<'_>, p: &Attrs, have: Option<i32>) -> Result<(Value, Option<String>)> {
    let want = p.get("reserved_concurrency").and_then(Value::as_i64);
    match (have, want) {
        (Some(h), _) => Ok((Value::from(h), None)),
        (None, None) => Ok((Value::Null, None)),
        (None, Some(w)) => match account(c).await? {
            Some((limit, unreserved)) if unreserved - w < MIN_UNRESERVED.min(limit) => Ok((
                Value::from(w),
                Some(format!(
                    "{}: reserved_concurrency {w} not set: the account's Lambda concurrency limit is {limit} and Lambda keeps {} of it unreserved, so the account limit of {limit} caps the function instead (ask AWS Support for a higher limit to reserve)",
                    c.id,
                    MIN_UNRESERVED.min(limit)
                )),
            )),
            _ => Ok((Value::Null, None)),
        },
    }
}

/// The account's concurrency limit and its unreserved part; `None` where the endpoint does not
/// answer GetAccountSettings (moto).
async fn account(c: &Call<'_>) -> Result<Option<(i64, i64)>> {
    match c.aws.lambda.get_account_settings().send().await {
        Ok(s) => Ok(s.account_limit().map(|l| {
            (
                i64::from(l.concurrent_executions()),
                i64::from(l.unreserved_concurrent_executions().unwrap_or_default()),
            )
        })),
        Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => Ok(None),
        Err(e) => Err(aws_error("lambda:GetAccountSettings", e)),
    }
}

/// Sets (or, when the stack gives none, removes) the function's reservation. One the account
/// cannot grant is left out: the account's limit is the cap (see [`live`]).
pub async fn set(c: &Call<'_>, p: &Attrs) -> Result<()> {
    c.aws.mutated();
    let Some(want) = p.get("reserved_concurrency").and_then(Value::as_i64) else {
        return c
            .aws
            .lambda
            .delete_function_concurrency()
            .function_name(&c.name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("lambda:DeleteFunctionConcurrency", e));
    };
    match c
        .aws
        .lambda
        .put_function_concurrency()
        .function_name(&c.name)
        .reserved_concurrent_executions(i32::try_from(want)?)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if below_minimum(code(&e), e.message().unwrap_or_default()) => Ok(()),
        Err(e) => Err(aws_error("lambda:PutFunctionConcurrency", e)),
    }
}

/// Lambda's refusal of a reservation that would leave too little unreserved.
fn below_minimum(code: &str, message: &str) -> bool {
    code == "InvalidParameterValueException" && message.contains("UnreservedConcurrentExecution")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unreserved_minimum_refusal_is_told_from_other_errors() {
        assert!(below_minimum(
            "InvalidParameterValueException",
            "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [10]."
        ));
        assert!(!below_minimum(
            "InvalidParameterValueException",
            "Value -1 at 'reservedConcurrentExecutions' failed to satisfy constraint"
        ));
        assert!(!below_minimum(
            "TooManyRequestsException",
            "UnreservedConcurrentExecution"
        ));
    }
}
