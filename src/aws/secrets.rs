//! Secrets Manager: one secret per declared secret, its value from the deployer's environment at
//! deploy time (compared by digest, never printed or stored) or generated here (`secretsmanager.generated`:
//! a random token, rotated by `fintech rotate`).

use anyhow::Result;
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use aws_sdk_secretsmanager::types::Tag;
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Props, aws_error, code, wait};
use crate::package::digest_hex;

/// The value to store, read from the environment variable the stack names (None when unset).
pub fn env_value(p: &Attrs) -> Option<String> {
    let value = std::env::var(p.s("from_env").ok()?)
        .ok()
        .filter(|v| !v.is_empty())?;
    super::error::secret(&value);
    Some(value)
}

/// Characters of a generated value: letters and digits only, so it is safe in an HTTP header and
/// in an ALB header condition (where `*` and `?` are wildcards).
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A random value of `len` characters from the system's CSPRNG (62 symbols: ~5.95 bits each).
pub fn generate(len: usize) -> Result<String> {
    use std::io::Read;
    let mut urandom = std::fs::File::open("/dev/urandom")?;
    let mut out = String::with_capacity(len);
    let mut byte = [0u8; 1];
    while out.len() < len {
        urandom.read_exact(&mut byte)?;
        // Rejection sampling: 248 = 4 * 62, so every symbol is equally likely.
        if byte[0] < 248 {
            out.push(ALPHABET[usize::from(byte[0]) % ALPHABET.len()] as char);
        }
    }
    super::error::secret(&out);
    Ok(out)
}

/// Whether the secret is one fintech generates (rather than one read from the environment).
fn generated(p: &Attrs) -> bool {
    p.get("from_env").is_none()
}

/// The value a new secret starts with.
fn first_value(p: &Attrs) -> Result<Option<String>> {
    if generated(p) {
        Ok(Some(generate(
            usize::try_from(p.i("length")?).unwrap_or(48),
        )?))
    } else {
        Ok(env_value(p))
    }
}

/// The current value of secret `id` (name or ARN) and, after a rotation, the previous one: what a
/// receiver of a generated token accepts. Both are registered for redaction.
pub async fn current_and_previous(aws: &Aws, id: &str) -> Result<Vec<String>> {
    let value = |stage: &'static str| async move {
        match aws
            .secrets
            .get_secret_value()
            .secret_id(id)
            .version_stage(stage)
            .send()
            .await
        {
            Ok(v) => Ok(v.secret_string().filter(|s| !s.is_empty()).map(|s| {
                super::error::secret(s);
                s.to_string()
            })),
            Err(e) if code(&e) == "ResourceNotFoundException" => Ok(None),
            Err(e) => Err(aws_error("secretsmanager:GetSecretValue", e)),
        }
    };
    // Both at once: one round trip.
    let (current, previous) = futures::try_join!(value("AWSCURRENT"), value("AWSPREVIOUS"))?;
    Ok(current.into_iter().chain(previous).collect())
}

/// Gives generated secret `name` a new value: the old one becomes AWSPREVIOUS, still accepted
/// until the next rotation.
pub async fn rotate(aws: &Aws, name: &str, len: usize) -> Result<()> {
    aws.mutated();
    aws.secrets
        .put_secret_value()
        .secret_id(name)
        .secret_string(generate(len)?)
        .send()
        .await
        .map_err(|e| aws_error("secretsmanager:PutSecretValue", e))?;
    Ok(())
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

pub async fn read(c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
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
        Ok(v) if generated(p) => {
            let value = v.secret_string().unwrap_or_default();
            super::error::secret(value);
            a.insert("value_set".into(), Value::from(!value.is_empty()));
        }
        Ok(v) => {
            a.insert(
                "value".into(),
                Value::from(digest_hex(v.secret_string().unwrap_or_default().as_bytes())),
            );
        }
        Err(e) if code(&e) == "ResourceNotFoundException" => {
            a.insert("value".into(), Value::from(""));
            a.insert("value_set".into(), Value::from(false));
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
            p.opt("from_env").unwrap_or("generated")
        ))
        .set_secret_string(first_value(p)?)
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
    let d = if exists {
        // The name is taken, yet a secret just made (by this run's own create whose answer was
        // lost, then retried) stays invisible to DescribeSecret for a while: the Terraform
        // provider reads a new secret under its PropagationTimeout the same way.
        wait::found(
            &format!("secret {} to become visible", c.name),
            wait::PROPAGATION,
            || describe(c),
        )
        .await?
    } else {
        let Some(d) = describe(c).await? else {
            return Ok(false);
        };
        d
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

/// Puts the environment's value, or a generated secret's first value when it has none (a run
/// stopped between CreateSecret and PutSecretValue; a generated value is never replaced here:
/// that is `fintech rotate`).
pub async fn update(c: &Call<'_>, p: &Attrs) -> Result<()> {
    if generated(p) && !current_and_previous(c.aws, &c.name).await?.is_empty() {
        return Ok(());
    }
    let Some(value) = first_value(p)? else {
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
        // Scheduled for deletion already: by a DeleteSecret whose answer was lost (the SDK's
        // retry then meets this), or an earlier run.
        Err(e)
            if code(&e) == "InvalidRequestException"
                && e.message().is_some_and(|m| {
                    m.contains("marked deleted") || m.contains("marked for deletion")
                }) =>
        {
            Ok(())
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_values_are_letters_and_digits_of_the_length_asked_and_differ() {
        let a = generate(48).unwrap();
        let b = generate(48).unwrap();
        assert_eq!(a.len(), 48);
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)), "{a}");
        assert_ne!(a, b);
        // Every symbol turns up: the sampling is not biased away from any.
        let many = generate(20_000).unwrap();
        assert!(ALPHABET.iter().all(|c| many.as_bytes().contains(c)));
    }
}
