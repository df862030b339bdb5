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

/// The AWS answers in `e`'s chain.
fn answers(e: &anyhow::Error) -> impl Iterator<Item = &AwsError> {
    e.chain().filter_map(|c| c.downcast_ref::<AwsError>())
}

/// Whether `e` is an AWS answer with error code `code`.
pub fn has_code(e: &anyhow::Error, code: &str) -> bool {
    answers(e).any(|a| a.code == code)
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
    answers(e).any(|a| CODES.contains(&a.code.as_str()))
}

/// Whether `e` is AWS refusing to create something because it exists: what a create sent again
/// after its first answer was lost meets (each service's code for it).
pub fn is_already_there(e: &anyhow::Error) -> bool {
    const CODES: &[&str] = &[
        "EntityAlreadyExists",
        "InvalidGroup.Duplicate",
        "InvalidPermission.Duplicate",
        "BucketAlreadyOwnedByYou",
        "DBInstanceAlreadyExists",
        "DBSubnetGroupAlreadyExists",
        "ReplicationGroupAlreadyExists",
        "CacheSubnetGroupAlreadyExists",
        "ResourceExistsException",
        "ResourceAlreadyExistsException",
        "RepositoryAlreadyExistsException",
        "DuplicateLoadBalancerName",
        "WAFDuplicateItemException",
        "DuplicateTargetGroupName",
        "DuplicateListener",
        "OriginAccessControlAlreadyExists",
        "DistributionAlreadyExists",
        "DuplicateRecordException",
        "VpcEndpointAlreadyExists",
    ];
    answers(e).any(|a| {
        CODES.contains(&a.code.as_str())
            || (matches!(
                a.code.as_str(),
                "ResourceConflictException" | "ConflictException"
            ) && a.message.contains("already exist"))
    })
}

/// Secret values this run has read (from the deployer's environment): never shown, even when an AWS
/// error message echoes the request that carried them.
static SECRETS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Remembers `value` as a secret to keep out of every message.
pub fn secret(value: &str) {
    // Shorter values would match ordinary words; AWS requires none this short anyway.
    if value.len() >= 4 {
        let mut s = SECRETS.lock().unwrap_or_else(|p| p.into_inner());
        if !s.iter().any(|v| v == value) {
            s.push(value.to_string());
        }
    }
}

/// `text` with every secret value read by this run replaced by `(secret)`.
pub fn redact(text: &str) -> String {
    let s = SECRETS.lock().unwrap_or_else(|p| p.into_inner());
    s.iter()
        .fold(text.to_string(), |t, v| t.replace(v.as_str(), "(secret)"))
}

/// The error code of an SDK error, e.g. `DBInstanceNotFound`.
pub fn code<E: ProvideErrorMetadata>(e: &E) -> &str {
    e.code().unwrap_or_default()
}

/// The error as shown to the user: every context down to the AWS error (with its code, message and
/// request id); with `verbose`, the whole chain, the SDK's own causes included, one per line.
pub fn describe(e: &anyhow::Error, verbose: bool) -> String {
    redact(&chain(e, verbose))
}

fn chain(e: &anyhow::Error, verbose: bool) -> String {
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

    #[test]
    fn a_secret_value_echoed_by_aws_is_redacted_in_every_form() {
        secret("hunter2-0fa1b2c3");
        let e: anyhow::Error = AwsError {
            op: "secretsmanager:CreateSecret".into(),
            code: "ValidationException".into(),
            message: "bad SecretString hunter2-0fa1b2c3".into(),
            request_id: None,
            source: "body: {\"SecretString\":\"hunter2-0fa1b2c3\"}".into(),
        }
        .into();
        for verbose in [false, true] {
            let shown = describe(&e, verbose);
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("bad SecretString (secret)"), "{shown}");
        }
    }
}
