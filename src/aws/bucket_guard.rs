//! What every bucket fintech makes carries, whoever makes it (an `s3.bucket`, the lock bucket):
//! public access blocked, ACLs disabled (BucketOwnerEnforced), SSE-S3 default encryption set
//! explicitly, requests without TLS denied, incomplete multipart uploads aborted and, optionally,
//! objects expired. Each is read back as one flag so a drifted bucket is put right in place.
//!
//! The bucket policy is shared: the bucket owns the statement with Sid [`TLS_SID`], a CloudFront
//! distribution owns its own; each writer replaces only its statement ([`put_statement`]).

use anyhow::Result;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, ExpirationStatus,
    LifecycleExpiration, LifecycleRule, LifecycleRuleFilter, NoncurrentVersionExpiration,
    ObjectOwnership, OwnershipControls, OwnershipControlsRule, PublicAccessBlockConfiguration,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule,
};
use serde_json::{Value, json};

use super::{Aws, aws_error, code};

/// Sid of the statement denying requests made without TLS.
pub const TLS_SID: &str = "DenyInsecureTransport";
/// Incomplete multipart uploads are aborted after this many days (their parts are billed).
pub const ABORT_UPLOADS_DAYS: i32 = 7;
/// The lifecycle rule fintech owns.
const RULE_ID: &str = "fintech";

/// How a bucket stands, one flag per guarantee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posture {
    pub public_access_blocked: bool,
    pub owner_enforced: bool,
    pub encrypted: bool,
    pub tls_only: bool,
}

/// Reads the four flags of `bucket`.
pub async fn read(aws: &Aws, bucket: &str) -> Result<Posture> {
    // Four independent reads: at once, one round trip instead of four.
    let (public_access_blocked, owner_enforced, encrypted, statements) = futures::try_join!(
        public_access_blocked(aws, bucket),
        owner_enforced(aws, bucket),
        encrypted(aws, bucket),
        statements(aws, bucket),
    )?;
    Ok(Posture {
        public_access_blocked,
        owner_enforced,
        encrypted,
        tls_only: statements.iter().any(|s| {
            s["Sid"] == TLS_SID
                && s["Effect"] == "Deny"
                && s["Condition"]["Bool"]["aws:SecureTransport"] == "false"
        }),
    })
}

/// Sets what `have` lacks (everything, for `None`): a new bucket, or one put right.
pub async fn apply(aws: &Aws, bucket: &str, have: Option<&Posture>) -> Result<()> {
    if !have.is_some_and(|h| h.public_access_blocked) {
        block_public(aws, bucket).await?;
    }
    if !have.is_some_and(|h| h.owner_enforced) {
        enforce_owner(aws, bucket).await?;
    }
    if !have.is_some_and(|h| h.encrypted) {
        encrypt(aws, bucket).await?;
    }
    if !have.is_some_and(|h| h.tls_only) {
        put_statement(aws, bucket, tls_statement(bucket)).await?;
    }
    Ok(())
}

async fn public_access_blocked(aws: &Aws, bucket: &str) -> Result<bool> {
    match aws.s3.get_public_access_block().bucket(bucket).send().await {
        Ok(p) => Ok(p.public_access_block_configuration().is_some_and(|p| {
            p.block_public_acls() == Some(true)
                && p.ignore_public_acls() == Some(true)
                && p.block_public_policy() == Some(true)
                && p.restrict_public_buckets() == Some(true)
        })),
        Err(e) if code(&e) == "NoSuchPublicAccessBlockConfiguration" => Ok(false),
        Err(e) => Err(aws_error("s3:GetPublicAccessBlock", e)),
    }
}

async fn block_public(aws: &Aws, bucket: &str) -> Result<()> {
    aws.mutated();
    aws.s3
        .put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("s3:PutPublicAccessBlock", e))?;
    Ok(())
}

async fn owner_enforced(aws: &Aws, bucket: &str) -> Result<bool> {
    match aws
        .s3
        .get_bucket_ownership_controls()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(o) => Ok(o.ownership_controls().is_some_and(|c| {
            c.rules()
                .iter()
                .any(|r| *r.object_ownership() == ObjectOwnership::BucketOwnerEnforced)
        })),
        Err(e) if code(&e) == "OwnershipControlsNotFoundError" => Ok(false),
        Err(e) => Err(aws_error("s3:GetBucketOwnershipControls", e)),
    }
}

/// ACLs off: the bucket owner owns every object, and no ACL can grant access.
async fn enforce_owner(aws: &Aws, bucket: &str) -> Result<()> {
    aws.mutated();
    aws.s3
        .put_bucket_ownership_controls()
        .bucket(bucket)
        .ownership_controls(
            OwnershipControls::builder()
                .rules(
                    OwnershipControlsRule::builder()
                        .object_ownership(ObjectOwnership::BucketOwnerEnforced)
                        .build()?,
                )
                .build()?,
        )
        .send()
        .await
        .map_err(|e| aws_error("s3:PutBucketOwnershipControls", e))?;
    Ok(())
}

async fn encrypted(aws: &Aws, bucket: &str) -> Result<bool> {
    match aws.s3.get_bucket_encryption().bucket(bucket).send().await {
        Ok(o) => Ok(o.server_side_encryption_configuration().is_some_and(|c| {
            c.rules().iter().any(|r| {
                r.apply_server_side_encryption_by_default()
                    .is_some_and(|d| *d.sse_algorithm() == ServerSideEncryption::Aes256)
            })
        })),
        Err(e) if code(&e) == "ServerSideEncryptionConfigurationNotFoundError" => Ok(false),
        Err(e) => Err(aws_error("s3:GetBucketEncryption", e)),
    }
}

/// SSE-S3, set explicitly (S3 has applied it by default since 2023, but a bucket's settings
/// should say so, and scanners check the setting).
async fn encrypt(aws: &Aws, bucket: &str) -> Result<()> {
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(
            ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::Aes256)
                .build()?,
        )
        .build();
    aws.mutated();
    aws.s3
        .put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(rule)
                .build()?,
        )
        .send()
        .await
        .map_err(|e| aws_error("s3:PutBucketEncryption", e))?;
    Ok(())
}

/// The statement denying every request made without TLS, on the bucket and its objects.
pub fn tls_statement(bucket: &str) -> Value {
    json!({
        "Sid": TLS_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}
    })
}

/// The statements of the bucket's policy (none without one).
pub async fn statements(aws: &Aws, bucket: &str) -> Result<Vec<Value>> {
    match aws.s3.get_bucket_policy().bucket(bucket).send().await {
        Ok(p) => {
            let doc: Value =
                serde_json::from_str(p.policy().unwrap_or("{}")).unwrap_or(Value::Null);
            Ok(match &doc["Statement"] {
                Value::Array(s) => s.clone(),
                Value::Object(_) => vec![doc["Statement"].clone()],
                _ => vec![],
            })
        }
        Err(e) if matches!(code(&e), "NoSuchBucketPolicy" | "NoSuchBucket") => Ok(vec![]),
        Err(e) => Err(aws_error("s3:GetBucketPolicy", e)),
    }
}

/// Puts `statement` into the bucket's policy in place of the one with its Sid, keeping the others.
pub async fn put_statement(aws: &Aws, bucket: &str, statement: Value) -> Result<()> {
    let sid = statement["Sid"].clone();
    let mut all: Vec<Value> = statements(aws, bucket)
        .await?
        .into_iter()
        .filter(|s| s["Sid"] != sid)
        .collect();
    all.push(statement);
    let doc = json!({"Version": "2012-10-17", "Statement": all});
    aws.mutated();
    aws.s3
        .put_bucket_policy()
        .bucket(bucket)
        .policy(doc.to_string())
        .send()
        .await
        .map_err(|e| aws_error("s3:PutBucketPolicy", e))?;
    // Bucket settings are eventually consistent: the next writer (the distribution's statement,
    // right after the bucket's) must read this one, or its write would drop it.
    let what = format!("bucket {bucket}'s policy to show statement {sid}");
    super::wait::until(&what, super::wait::PROPAGATION, || async {
        Ok(statements(aws, bucket)
            .await?
            .iter()
            .any(|s| s["Sid"] == sid))
    })
    .await
}

/// fintech's lifecycle rule in one line: `abort-uploads:7` and, with expiry, `,expire:N`.
pub fn lifecycle_text(expire_days: Option<i64>) -> String {
    let mut s = format!("abort-uploads:{ABORT_UPLOADS_DAYS}");
    if let Some(d) = expire_days {
        s.push_str(&format!(",expire:{d}"));
    }
    s
}

/// The bucket's fintech lifecycle rule as [`lifecycle_text`] writes it ("" without one).
pub async fn lifecycle(aws: &Aws, bucket: &str) -> Result<String> {
    let out = match aws
        .s3
        .get_bucket_lifecycle_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) if code(&e) == "NoSuchLifecycleConfiguration" => return Ok(String::new()),
        Err(e) => return Err(aws_error("s3:GetBucketLifecycleConfiguration", e)),
    };
    let Some(rule) = out
        .rules()
        .iter()
        .find(|r| r.id() == Some(RULE_ID) && *r.status() == ExpirationStatus::Enabled)
    else {
        return Ok(String::new());
    };
    let Some(abort) = rule
        .abort_incomplete_multipart_upload()
        .and_then(|a| a.days_after_initiation())
    else {
        return Ok(String::new());
    };
    let mut s = format!("abort-uploads:{abort}");
    if let Some(d) = rule.expiration().and_then(|e| e.days()) {
        s.push_str(&format!(",expire:{d}"));
    }
    Ok(s)
}

/// Writes fintech's lifecycle rule (the bucket's only one: a lifecycle configuration is one
/// document). Expiry also ends old versions of a versioned bucket after the same number of days.
pub async fn put_lifecycle(aws: &Aws, bucket: &str, expire_days: Option<i64>) -> Result<()> {
    let mut rule = LifecycleRule::builder()
        .id(RULE_ID)
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("").build())
        .abort_incomplete_multipart_upload(
            AbortIncompleteMultipartUpload::builder()
                .days_after_initiation(ABORT_UPLOADS_DAYS)
                .build(),
        );
    if let Some(d) = expire_days {
        let days = i32::try_from(d)?;
        rule = rule
            .expiration(LifecycleExpiration::builder().days(days).build())
            .noncurrent_version_expiration(
                NoncurrentVersionExpiration::builder()
                    .noncurrent_days(days)
                    .build(),
            );
    }
    aws.mutated();
    aws.s3
        .put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .rules(rule.build()?)
                .build()?,
        )
        .send()
        .await
        .map_err(|e| aws_error("s3:PutBucketLifecycleConfiguration", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tls_statement_denies_plain_requests_on_bucket_and_objects() {
        let s = tls_statement("b");
        assert_eq!(s["Effect"], "Deny");
        assert_eq!(s["Condition"]["Bool"]["aws:SecureTransport"], "false");
        assert_eq!(s["Resource"][0], "arn:aws:s3:::b");
        assert_eq!(s["Resource"][1], "arn:aws:s3:::b/*");
    }

    #[test]
    fn lifecycle_text_names_abort_and_expiry() {
        assert_eq!(lifecycle_text(None), "abort-uploads:7");
        assert_eq!(lifecycle_text(Some(30)), "abort-uploads:7,expire:30");
    }
}
