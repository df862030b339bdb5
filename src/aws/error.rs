//! AWS errors as a user needs them: the operation, AWS's error code and message, and the request id
//! that AWS Support asks for; the SDK's own error stays underneath for `-v`.

use std::fmt;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;

/// An error AWS answered (or the SDK raised) for one operation.
#[derive(Debug)]
pub struct AwsError {
    /// `service:Operation`, e.g. `rds:CreateDBInstance`.
    pub op: String,
    /// AWS's error code, e.g. `DBInstanceAlreadyExists` (`Error` when there is none).
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.op, self.code, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for AwsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// The SDK error `e` of operation `op` as an [`AwsError`].
pub fn aws_error<E>(op: &str, e: E) -> anyhow::Error
where
    E: ProvideErrorMetadata + RequestId + std::error::Error + Send + Sync + 'static,
{
    let message = e.message().map(str::to_string).unwrap_or_else(|| {
        let full = aws_smithy_types::error::display::DisplayErrorContext(&e).to_string();
        // Unmodelled errors carry the whole HTTP response; the first sentence is what matters.
        full.split(" (")
            .next()
            .unwrap_or(&full)
            .chars()
            .take(300)
            .collect()
    });
    AwsError {
        op: op.to_string(),
        code: e.code().unwrap_or("Error").to_string(),
        message,
        request_id: e.request_id().map(str::to_string),
        source: Box::new(e),
    }
    .into()
}

/// Whether `e` is AWS throttling the caller (after the SDK's own retries): the codes every AWS SDK
/// treats as throttling (AWS SDKs and Tools reference, "Retry behavior").
pub fn is_throttling(e: &anyhow::Error) -> bool {
    const CODES: &[&str] = &[
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    ];
    e.chain()
        .filter_map(|c| c.downcast_ref::<AwsError>())
        .any(|a| CODES.contains(&a.code.as_str()))
}

/// The error code of an SDK error, e.g. `DBInstanceNotFound`.
pub fn code<E: ProvideErrorMetadata>(e: &E) -> &str {
    e.code().unwrap_or_default()
}

/// The error as shown to the user: every context down to the AWS error (with its code, message and
/// request id); with `verbose`, the whole chain, the SDK's own causes included, one per line.
pub fn describe(e: &anyhow::Error, verbose: bool) -> String {
    if verbose {
        let mut out = format!("{e}");
        for cause in e.chain().skip(1) {
            out.push_str(&format!("\n  caused by: {cause}"));
        }
        return out;
    }
    let mut parts = Vec::new();
    for cause in e.chain() {
        parts.push(cause.to_string());
        if cause.is::<AwsError>() {
            break;
        }
    }
    parts.join(": ")
}

#[cfg(test)]
pub(crate) fn fake(op: &str, code: &str) -> anyhow::Error {
    AwsError {
        op: op.into(),
        code: code.into(),
        message: "test".into(),
        request_id: None,
        source: "test".into(),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sdk_error() -> anyhow::Error {
        AwsError {
            op: "rds:CreateDBInstance".into(),
            code: "InvalidParameterCombination".into(),
            message: "RDS does not support creating a DB instance with these settings".into(),
            request_id: Some("4f1c-req".into()),
            source: "service error: unhandled: HTTP 400 ...".into(),
        }
        .into()
    }

    #[test]
    fn the_aws_code_message_and_request_id_reach_the_user_and_v_shows_the_rest() {
        let e = sdk_error().context("creating `db`");
        assert_eq!(
            describe(&e, false),
            "creating `db`: rds:CreateDBInstance: InvalidParameterCombination: RDS does not support creating a DB instance with these settings (request id 4f1c-req)"
        );
        let v = describe(&e, true);
        assert!(v.contains("caused by: service error: unhandled"), "{v}");
        assert!(
            e.chain().any(|c| c
                .downcast_ref::<AwsError>()
                .is_some_and(|a| a.code == "InvalidParameterCombination")),
            "decisions can branch on the code, not the text"
        );
    }
}
