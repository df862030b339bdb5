//! Secrets Manager: one secret per declared secret; the value comes from the deployer's environment at
//! deploy time and is compared by digest, never printed or stored.

use anyhow::Result;
use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use aws_sdk_secretsmanager::types::Tag;
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Props, aws_error, code};
use crate::package::digest_hex;

/// The value to store, read from the environment variable the stack names (None when unset).
pub fn env_value(p: &Attrs) -> Option<String> {
    let value = std::env::var(p.s("from_env").ok()?)
        .ok()
        .filter(|v| !v.is_empty())?;
    super::error::secret(&value);
    Some(value)
}

/// The secret with the resource's name (scheduled for deletion or not), if any.
async fn describe(c: &Call<'_>) -> Result<Option<DescribeSecretOutput>> {
    match c
        .aws
        .secrets
        .describe_secret()
        .secret_id(&c.name)
        .send()
        .await
    {
        Ok(d) => Ok(Some(d)),
        Err(e) if code(&e) == "ResourceNotFoundException" => Ok(None),
        Err(e) => Err(aws_error("secretsmanager:DescribeSecret", e)),
    }
}

pub async fn read(c: &Call<'_>, _p: &Attrs) -> Result<Option<Live>> {
    let Some(d) = describe(c).await? else {
        return Ok(None);
    };
    if d.deleted_date().is_some() {
        return Ok(None);
    }
    c.names.check_owner(
        &format!("secret {}", c.name),
        d.tags()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    )?;
    let mut a = Attrs::new();
    match c
        .aws
        .secrets
        .get_secret_value()
        .secret_id(&c.name)
        .send()
        .await
    {
        Ok(v) => {
            a.insert(
                "value".into(),
                Value::from(digest_hex(v.secret_string().unwrap_or_default().as_bytes())),
            );
        }
        Err(e) if code(&e) == "ResourceNotFoundException" => {
            a.insert("value".into(), Value::from(""));
        }
        Err(e) => return Err(aws_error("secretsmanager:GetSecretValue", e)),
    }
    let mut o = Attrs::new();
    o.insert("arn".into(), Value::from(d.arn().unwrap_or_default()));
    o.insert("name".into(), Value::from(c.name.clone()));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let tags: Vec<Tag> = c
        .tags()
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    c.aws.mutated();
    let r = c
        .aws
        .secrets
        .create_secret()
        .name(&c.name)
        .description(format!(
            "fintech {}/{}: {}",
            c.names.app,
            c.names.stage,
            p.s("from_env")?
        ))
        .set_secret_string(env_value(p))
        .set_tags(Some(tags.clone()))
        .send()
        .await;
    match r {
        Ok(_) => Ok(()),
        // The name is taken: by our own secret (a half-finished run), or by one an earlier destroy
        // or removal scheduled for deletion. AWS answers the latter with InvalidRequestException;
        // moto 5.2 answers ResourceExistsException for both.
        Err(e)
            if matches!(
                code(&e),
                "ResourceExistsException" | "InvalidRequestException"
            ) =>
        {
            let exists = code(&e) == "ResourceExistsException";
            if adopt(c, p, tags, exists).await? {
                Ok(())
            } else {
                Err(aws_error("secretsmanager:CreateSecret", e))
            }
        }
        Err(e) => Err(aws_error("secretsmanager:CreateSecret", e)),
    }
}

/// Takes back a secret with our name: restored (and re-tagged) when scheduled for deletion, refused
/// when another app or stage owns it, then given the current value. `false` when there is nothing
/// to take back (the create failed for another reason: its error stands).
async fn adopt(c: &Call<'_>, p: &Attrs, tags: Vec<Tag>, exists: bool) -> Result<bool> {
    let Some(d) = describe(c).await? else {
        return Ok(false);
    };
    if d.deleted_date().is_none() && !exists {
        return Ok(false);
    }
    if d.deleted_date().is_some() {
        c.aws.mutated();
        c.aws
            .secrets
            .restore_secret()
            .secret_id(&c.name)
            .send()
            .await
            .map_err(|e| aws_error("secretsmanager:RestoreSecret", e))?;
        c.aws.mutated();
        c.aws
            .secrets
            .tag_resource()
            .secret_id(&c.name)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| aws_error("secretsmanager:TagResource", e))?;
    } else {
        c.names.check_owner(
            &format!("secret {}", c.name),
            d.tags()
                .iter()
                .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
        )?;
    }
    update(c, p).await?;
    Ok(true)
}

pub async fn update(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let Some(value) = env_value(p) else {
        return Ok(());
    };
    c.aws.mutated();
    c.aws
        .secrets
        .put_secret_value()
        .secret_id(&c.name)
        .secret_string(value)
        .send()
        .await
        .map_err(|e| aws_error("secretsmanager:PutSecretValue", e))?;
    Ok(())
}

pub async fn delete(c: &Call<'_>) -> Result<()> {
    c.aws.mutated();
    match c
        .aws
        .secrets
        .delete_secret()
        .secret_id(&c.name)
        .recovery_window_in_days(7)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "ResourceNotFoundException" => Ok(()),
        Err(e) => Err(aws_error("secretsmanager:DeleteSecret", e)),
    }
}

/// Names of the secrets starting with `prefix`.
pub async fn secret_names(aws: &Aws, prefix: &str) -> Result<Vec<String>> {
    let page = super::pages!(
        "secretsmanager:ListSecrets",
        aws.secrets.list_secrets().filters(
            aws_sdk_secretsmanager::types::Filter::builder()
                .key(aws_sdk_secretsmanager::types::FilterNameStringType::Name)
                .values(prefix)
                .build(),
        )
    );
    Ok(page
        .iter()
        .flat_map(|p| p.secret_list())
        .filter_map(|s| s.name().map(str::to_string))
        .collect())
}
