//! Lambda functions: configuration diffed field by field, code uploaded only when its SHA-256 changed.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, Result};
use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Architecture, Environment, LastUpdateStatus, Runtime, State, VpcConfig,
};
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Props, aws_error, code, sorted, wait};

pub async fn read(c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
    let (out, log_retention) = futures::join!(
        c.aws.lambda.get_function().function_name(&c.name).send(),
        super::lambda_logs::live(c)
    );
    let out = match out {
        Ok(o) => o,
        Err(e) if code(&e) == "ResourceNotFoundException" => return Ok(None),
        Err(e) => return Err(aws_error("lambda:GetFunction", e)),
    };
    let tags = out.tags().cloned().unwrap_or_default();
    c.names.check_owner(
        &format!("Lambda function {}", c.name),
        tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )?;
    let Some(f) = out.configuration() else {
        return Ok(None);
    };
    let mut a = Attrs::new();
    a.insert(
        "handler".into(),
        Value::from(f.handler().unwrap_or_default()),
    );
    a.insert(
        "runtime".into(),
        Value::from(f.runtime().map(|r| r.as_str()).unwrap_or_default()),
    );
    a.insert(
        "memory_mb".into(),
        Value::from(f.memory_size().unwrap_or_default()),
    );
    a.insert(
        "timeout_s".into(),
        Value::from(f.timeout().unwrap_or_default()),
    );
    a.insert("role".into(), Value::from(f.role().unwrap_or_default()));
    let reserved = out
        .concurrency()
        .and_then(|c| c.reserved_concurrent_executions());
    let (reserved, note) = super::lambda_concurrency::live(c, p, reserved).await?;
    a.insert("reserved_concurrency".into(), reserved);
    a.insert("log_retention_days".into(), log_retention?);
    if let Some(arch) = f.architectures().first() {
        a.insert("architecture".into(), Value::from(arch.as_str()));
    }
    let env: serde_json::Map<String, Value> = f
        .environment()
        .and_then(|e| e.variables())
        .map(|v| {
            v.iter()
                .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                .collect()
        })
        .unwrap_or_default();
    a.insert("env".into(), Value::Object(env));
    let vpc = f.vpc_config();
    a.insert(
        "subnets".into(),
        sorted(vpc.map(|v| v.subnet_ids().to_vec()).unwrap_or_default()),
    );
    a.insert(
        "security_groups".into(),
        sorted(
            vpc.map(|v| v.security_group_ids().to_vec())
                .unwrap_or_default(),
        ),
    );
    a.insert(
        "code_sha256".into(),
        Value::from(f.code_sha256().unwrap_or_default()),
    );
    // A function that failed (at creation or later) is replaced: nothing may build on it.
    a.insert(
        "state".into(),
        Value::from(if f.state() == Some(&State::Failed) {
            "Failed"
        } else {
            "Active"
        }),
    );
    let mut o = Attrs::new();
    o.insert(
        "arn".into(),
        Value::from(f.function_arn().unwrap_or_default()),
    );
    o.insert("name".into(), Value::from(c.name.clone()));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        notes: note.into_iter().collect(),
        ..Default::default()
    }))
}

/// Lambda takes zips up to this size in the request; larger ones go through S3.
pub const DIRECT_UPLOAD_LIMIT: u64 = 50 * 1024 * 1024;

/// Where the function's code comes from.
enum Code {
    Zip(Blob),
    S3 { bucket: String, key: String },
}

/// The packaged zip: in the request when small enough, otherwise uploaded once (by content hash) to
/// the stack's artifact bucket.
async fn code_source(c: &Call<'_>, p: &Attrs) -> Result<Code> {
    let path = p.s("code_zip")?;
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading the packaged zip {path}"))?
        .len();
    if size <= DIRECT_UPLOAD_LIMIT {
        return Ok(Code::Zip(Blob::new(
            std::fs::read(path).with_context(|| format!("reading the packaged zip {path}"))?,
        )));
    }
    let Some(bucket) = p.opt("artifact_bucket") else {
        anyhow::bail!(
            "the zip of `{}` is {:.1} MB, over Lambda's {} MB direct-upload limit; give the function an `artifact_bucket`",
            c.id,
            size as f64 / 1e6,
            DIRECT_UPLOAD_LIMIT / 1024 / 1024
        );
    };
    let hash = hex::encode(
        base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            p.s("code_sha256")?,
        )
        .context("code_sha256 is not base64")?,
    );
    let key = format!("lambda/{}/{hash}.zip", c.id);
    if c.aws
        .s3
        .head_object()
        .bucket(bucket)
        .key(&key)
        .send()
        .await
        .is_err()
    {
        c.aws.mutated();
        c.aws
            .s3
            .put_object()
            .bucket(bucket)
            .key(&key)
            .body(
                aws_sdk_s3::primitives::ByteStream::from_path(path)
                    .await
                    .with_context(|| format!("reading {path}"))?,
            )
            .send()
            .await
            .map_err(|e| aws_error("s3:PutObject", e))?;
    }
    Ok(Code::S3 {
        bucket: bucket.to_string(),
        key,
    })
}

fn environment(p: &Attrs) -> Environment {
    let vars: HashMap<String, String> = p
        .get("env")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Environment::builder().set_variables(Some(vars)).build()
}

fn vpc(p: &Attrs) -> Result<VpcConfig> {
    Ok(VpcConfig::builder()
        .set_subnet_ids(Some(p.list("subnets")?))
        .set_security_group_ids(Some(p.list("security_groups")?))
        .build())
}

/// IAM is eventually consistent: a role made seconds ago may not be assumable by Lambda yet.
/// IAM propagation, as Lambda reports it: a new role it cannot assume yet, or a role whose new
/// permissions (to create the function's network interfaces) it does not see yet. The Terraform
/// provider retries the same two messages on create and on configuration updates.
fn role_not_ready<E: aws_smithy_types::error::metadata::ProvideErrorMetadata>(e: &E) -> bool {
    code(e) == "InvalidParameterValueException"
        && e.message().is_some_and(|m| {
            m.contains("cannot be assumed by Lambda")
                || m.contains("does not have permissions to call CreateNetworkInterface")
        })
}

pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let source = match code_source(c, p).await? {
        Code::Zip(zip) => aws_sdk_lambda::types::FunctionCode::builder()
            .zip_file(zip)
            .build(),
        Code::S3 { bucket, key } => aws_sdk_lambda::types::FunctionCode::builder()
            .s3_bucket(bucket)
            .s3_key(key)
            .build(),
    };
    let (runtime, handler, role) = (p.s("runtime")?, p.s("handler")?, p.s("role")?);
    let (memory, timeout) = (p.i("memory_mb")? as i32, p.i("timeout_s")? as i32);
    let arch = Architecture::from(p.s("architecture")?);
    let (env, vpc_config) = (environment(p), vpc(p)?);
    // Its log group first: made by Lambda at the first invocation, it would keep events forever.
    super::lambda_logs::ensure(c, p).await?;
    c.aws.mutated();
    let r = wait::retry(wait::PROPAGATION, role_not_ready, || {
        c.aws
            .lambda
            .create_function()
            .function_name(&c.name)
            .runtime(Runtime::from(runtime))
            .handler(handler)
            .role(role)
            .memory_size(memory)
            .timeout(timeout)
            .architectures(arch.clone())
            .environment(env.clone())
            .vpc_config(vpc_config.clone())
            .code(source.clone())
            .set_tags(Some(c.tags().into_iter().collect()))
            .send()
    })
    .await;
    match r {
        Ok(_) => {}
        Err(e) if code(&e) == "ResourceConflictException" => {}
        Err(e) => return Err(aws_error("lambda:CreateFunction", e)),
    }
    wait_ready(c).await?;
    if p.get("reserved_concurrency").is_some_and(|v| !v.is_null()) {
        super::lambda_concurrency::set(c, p).await?;
    }
    Ok(())
}

pub async fn update(c: &Call<'_>, p: &Attrs, changed: &[String]) -> Result<()> {
    // A function still being created or updated (by an earlier run) refuses changes: wait first.
    wait_ready(c).await?;
    let config: Vec<&String> = changed
        .iter()
        .filter(|k| {
            !matches!(
                k.as_str(),
                "code_sha256"
                    | "architecture"
                    | "state"
                    | "reserved_concurrency"
                    | "log_retention_days"
            )
        })
        .collect();
    if changed.iter().any(|k| k == "log_retention_days") {
        super::lambda_logs::update(c, p).await?;
    }
    if !config.is_empty() {
        let mut u = c
            .aws
            .lambda
            .update_function_configuration()
            .function_name(&c.name);
        for k in config {
            u = match k.as_str() {
                "handler" => u.handler(p.s(k)?),
                "runtime" => u.runtime(Runtime::from(p.s(k)?)),
                "memory_mb" => u.memory_size(p.i(k)? as i32),
                "timeout_s" => u.timeout(p.i(k)? as i32),
                "role" => u.role(p.s(k)?),
                "env" => u.environment(environment(p)),
                "subnets" | "security_groups" => u.vpc_config(vpc(p)?),
                _ => u,
            };
        }
        c.aws.mutated();
        wait::retry(wait::PROPAGATION, role_not_ready, || u.clone().send())
            .await
            .map_err(|e| aws_error("lambda:UpdateFunctionConfiguration", e))?;
        wait_ready(c).await?;
    }
    let arch_changed = changed.iter().any(|k| k == "architecture");
    if changed.iter().any(|k| k == "code_sha256") || arch_changed {
        let u = c.aws.lambda.update_function_code().function_name(&c.name);
        let u = match code_source(c, p).await? {
            Code::Zip(zip) => u.zip_file(zip),
            Code::S3 { bucket, key } => u.s3_bucket(bucket).s3_key(key),
        };
        c.aws.mutated();
        u.architectures(Architecture::from(p.s("architecture")?))
            .send()
            .await
            .map_err(|e| aws_error("lambda:UpdateFunctionCode", e))?;
        wait_ready(c).await?;
    }
    if changed.iter().any(|k| k == "reserved_concurrency") {
        super::lambda_concurrency::set(c, p).await?;
    }
    Ok(())
}

/// Lets `principal` (a service) invoke `function` from `source_arn`, under `statement_id`.
/// Lambda answers ResourceConflictException both when the statement already exists (done) and
/// while the function is being updated (waited out and retried).
pub async fn permit(
    aws: &Aws,
    function: &str,
    statement_id: &str,
    principal: &str,
    source_arn: &str,
) -> Result<()> {
    let add = || {
        aws.lambda
            .add_permission()
            .function_name(function)
            .statement_id(statement_id)
            .action("lambda:InvokeFunction")
            .principal(principal)
            .source_arn(source_arn)
            .send()
    };
    let busy = |e: &aws_sdk_lambda::error::SdkError<_, _>| {
        conflict(code(e), e.message().unwrap_or_default()) == Conflict::Busy
    };
    aws.mutated();
    match wait::retry(Duration::from_secs(900), busy, add).await {
        Ok(_) => Ok(()),
        Err(e) if conflict(code(&e), e.message().unwrap_or_default()) == Conflict::Exists => Ok(()),
        Err(e) => Err(aws_error("lambda:AddPermission", e)),
    }
}

/// What a Lambda error means for a change: the thing exists already, the function is busy with
/// an update (retry), or something else.
#[derive(Debug, PartialEq, Eq)]
enum Conflict {
    Exists,
    Busy,
    Other,
}

fn conflict(code: &str, message: &str) -> Conflict {
    match code {
        "ResourceConflictException" if message.contains("already exists") => Conflict::Exists,
        "ResourceConflictException" => Conflict::Busy,
        _ => Conflict::Other,
    }
}

/// Deletes the function; one in a VPC is deleted only once Lambda has released its network
/// interfaces, so that its role and security groups (deleted after it) are not taken from under
/// them.
pub async fn delete(c: &Call<'_>, p: &Attrs, live: &Live) -> Result<()> {
    // Its log group first: found through the function only, it would be left behind for good by a
    // run stopped between the two (the function's role cannot make it again).
    super::lambda_logs::remove(c, p).await?;
    c.aws.mutated();
    match c
        .aws
        .lambda
        .delete_function()
        .function_name(&c.name)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if code(&e) == "ResourceNotFoundException" => {}
        Err(e) => return Err(aws_error("lambda:DeleteFunction", e)),
    }
    let in_vpc = live
        .attrs
        .get("subnets")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    if in_vpc {
        super::ec2::release_lambda_enis(c.aws, &c.name).await?;
    }
    Ok(())
}

/// The function's configuration (its state, its ARN).
async fn configuration(
    c: &Call<'_>,
) -> Result<aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput> {
    c.aws
        .lambda
        .get_function_configuration()
        .function_name(&c.name)
        .send()
        .await
        .map_err(|e| aws_error("lambda:GetFunctionConfiguration", e))
}

/// Waits until the function's last update has finished (a second update before then is refused).
async fn wait_ready(c: &Call<'_>) -> Result<()> {
    wait::until(
        &format!("Lambda function {} to be ready", c.name),
        Duration::from_secs(900),
        || async {
            let f = configuration(c).await?;
            if f.state() == Some(&State::Failed) {
                anyhow::bail!(
                    "Lambda function {} is in state Failed: {} ({}); the next deploy replaces it",
                    c.name,
                    f.state_reason().unwrap_or("no reason given"),
                    f.state_reason_code().map(|r| r.as_str()).unwrap_or("-")
                );
            }
            match f.last_update_status() {
                Some(LastUpdateStatus::Failed) => anyhow::bail!(
                    "Lambda function {} failed to update: {}",
                    c.name,
                    f.last_update_status_reason().unwrap_or_default()
                ),
                Some(LastUpdateStatus::InProgress) => Ok(false),
                _ => Ok(f.state() != Some(&State::Pending)),
            }
        },
    )
    .await
}

/// Every function name in the region.
pub async fn function_names(aws: &Aws) -> Result<Vec<String>> {
    let pages = super::pages!("lambda:ListFunctions", aws.lambda.list_functions());
    Ok(pages
        .iter()
        .flat_map(|p| p.functions())
        .filter_map(|f| f.function_name().map(str::to_string))
        .collect())
}

/// Tags function `c.name`, made without fintech, as the stage's (`fintech adopt`).
pub async fn take_over(c: &Call<'_>) -> Result<()> {
    let f = configuration(c).await?;
    c.aws.mutated();
    c.aws
        .lambda
        .tag_resource()
        .resource(f.function_arn().unwrap_or_default())
        .set_tags(Some(c.tags().into_iter().collect()))
        .send()
        .await
        .map_err(|e| aws_error("lambda:TagResource", e))?;
    Ok(())
}

/// The function's name in a Lambda ARN (or an API Gateway integration URI wrapping one).
pub fn function_name(arn: &str) -> Option<String> {
    let rest = arn.split(":function:").nth(1)?;
    Some(rest.split([':', '/']).next().unwrap_or(rest).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permission_conflict_is_either_done_or_busy() {
        let exists = "The statement id (x) provided already exists. Please provide a new statement id, or remove the existing statement.";
        assert_eq!(
            conflict("ResourceConflictException", exists),
            Conflict::Exists
        );
        let busy = "The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:us-east-1:1:function:f";
        assert_eq!(conflict("ResourceConflictException", busy), Conflict::Busy);
        assert_eq!(conflict("AccessDeniedException", exists), Conflict::Other);
    }
}
