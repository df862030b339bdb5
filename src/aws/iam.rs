//! IAM roles: trust policy for one service, one inline least-privilege policy, attached managed policies.

use std::time::Duration;

use anyhow::Result;
use aws_sdk_iam::types::Tag;
use serde_json::{Value, json};

use super::{Attrs, Aws, Call, Live, Props, aws_error, code, sorted, strings};

const POLICY: &str = "fintech";

/// The trust policy letting `service` assume the role on behalf of this account only (the
/// confused-deputy guard). aws:SourceAccount only: ECS documents aws:SourceArn for task roles
/// but not for execution roles, and Lambda documents neither (AWS's own samples use
/// aws:SourceAccount for both); a condition the service does not meet would stop the role being
/// assumed at all (Lambda refuses CreateFunction, ECS tasks fail to start): `guarded: false` (the
/// role's `same_account_only`) leaves it out, should a service turn out not to send the key.
fn trust(service: &str, c: &Call<'_>, guarded: bool) -> String {
    let mut statement = json!({
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    });
    if guarded {
        statement["Condition"] = trust_condition(&c.names.account);
    }
    json!({"Version": "2012-10-17", "Statement": [statement]}).to_string()
}

fn trust_condition(account: &str) -> Value {
    json!({"StringEquals": {"aws:SourceAccount": account}})
}

fn policy(statements: &Value) -> String {
    policy_document(statements, None)
}

/// The policy document of the stack's `statements` (effect, actions, resources); with
/// `principal_account`, each names Principal `*` limited to callers of that account (a resource
/// policy, such as a VPC endpoint's, which narrows what callers' own permissions allow).
pub fn policy_document(statements: &Value, principal_account: Option<&str>) -> String {
    let st: Vec<Value> = statements
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            let mut st =
                json!({"Effect": s["effect"], "Action": s["actions"], "Resource": s["resources"]});
            if let Some(account) = principal_account {
                st["Principal"] = json!("*");
                st["Condition"] = json!({"StringEquals": {"aws:PrincipalAccount": account}});
            }
            st
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": st}).to_string()
}

/// A policy document's statements in the stack's form.
pub fn statements_of(doc: &Value) -> Vec<Value> {
    doc["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| json!({"effect": s["Effect"], "actions": one_or_many(&s["Action"]), "resources": one_or_many(&s["Resource"])}))
        .collect()
}

/// IAM returns policy documents URL-encoded.
fn decode(doc: &str) -> Value {
    let b = doc.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    let text = String::from_utf8_lossy(&out).to_string();
    serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(doc))
        .unwrap_or(Value::Null)
}

fn one_or_many(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        other => strings(Some(other)),
    }
}

/// The statements of the role's inline policy (none without one: the role itself is known to be
/// there, or about to be, by GetRole).
async fn inline_policy(c: &Call<'_>) -> Result<Vec<Value>> {
    match c
        .aws
        .iam
        .get_role_policy()
        .role_name(&c.name)
        .policy_name(POLICY)
        .send()
        .await
    {
        Ok(p) => Ok(statements_of(&decode(p.policy_document()))),
        Err(e) if code(&e) == "NoSuchEntity" => Ok(Vec::new()),
        Err(e) => Err(aws_error("iam:GetRolePolicy", e)),
    }
}

/// The ARNs of the managed policies attached to the role, sorted.
async fn attached_policies(c: &Call<'_>) -> Result<Value> {
    let pages = super::pages!(
        "iam:ListAttachedRolePolicies",
        c.aws.iam.list_attached_role_policies().role_name(&c.name)
    );
    Ok(sorted(
        pages
            .iter()
            .flat_map(|p| p.attached_policies())
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect(),
    ))
}

pub async fn read(c: &Call<'_>) -> Result<Option<Live>> {
    // The role, its inline policy and its attached policies, asked at once (one round trip, not
    // three); the policies' answers are awaited only if the role is there.
    let (role, policies) = super::beside(c.aws.iam.get_role().role_name(&c.name).send(), async {
        futures::join!(inline_policy(c), attached_policies(c))
    })
    .await;
    let role = match role {
        Ok(out) => match out.role {
            Some(r) => r,
            None => return Ok(None),
        },
        Err(e) if code(&e) == "NoSuchEntity" => return Ok(None),
        Err(e) => return Err(aws_error("iam:GetRole", e)),
    };
    let (inline, attached) = policies.await;
    // IAM is eventually consistent: a role just made may answer GetRole before the calls about its
    // policies know it. Asked again, in turn, now that the role is known to be there.
    let attached = match attached {
        Err(e) if super::error::has_code(&e, "NoSuchEntity") => attached_policies(c).await,
        a => a,
    };
    c.names.check_owner(
        &format!("IAM role {}", c.name),
        role.tags().iter().map(|t| (t.key(), t.value())),
    )?;
    let mut a = Attrs::new();
    let trust = decode(role.assume_role_policy_document().unwrap_or_default());
    let service = trust["Statement"][0]["Principal"]["Service"]
        .as_str()
        .unwrap_or_default();
    a.insert("service".into(), Value::from(service));
    a.insert(
        "source_guarded".into(),
        Value::from(trust["Statement"][0]["Condition"] == trust_condition(&c.names.account)),
    );
    a.insert("statements".into(), Value::Array(inline?));
    a.insert("managed_policies".into(), attached?);
    let mut o = Attrs::new();
    o.insert("arn".into(), Value::from(role.arn()));
    o.insert("name".into(), Value::from(role.role_name()));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    c.aws.mutated();
    let r = c
        .aws
        .iam
        .create_role()
        .role_name(&c.name)
        .assume_role_policy_document(trust(p.s("service")?, c, p.b("source_guarded")?))
        .description(format!(
            "fintech {}/{}: {}",
            c.names.app, c.names.stage, c.id
        ))
        .set_tags(Some(
            c.tags()
                .into_iter()
                .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
                .collect(),
        ))
        .send()
        .await;
    match r {
        Ok(_) => {}
        Err(e) if code(&e) == "EntityAlreadyExists" => {}
        Err(e) => return Err(aws_error("iam:CreateRole", e)),
    }
    put_policy(c, p).await?;
    for arn in p.list("managed_policies")? {
        attach(c, &arn).await?;
    }
    Ok(())
}

pub async fn update(c: &Call<'_>, p: &Attrs, changed: &[String]) -> Result<()> {
    if changed
        .iter()
        .any(|k| k == "service" || k == "source_guarded")
    {
        c.aws.mutated();
        c.aws
            .iam
            .update_assume_role_policy()
            .role_name(&c.name)
            .policy_document(trust(p.s("service")?, c, p.b("source_guarded")?))
            .send()
            .await
            .map_err(|e| aws_error("iam:UpdateAssumeRolePolicy", e))?;
    }
    for k in changed {
        match k.as_str() {
            "statements" => put_policy(c, p).await?,
            "managed_policies" => {
                let attached = super::pages!(
                    "iam:ListAttachedRolePolicies",
                    c.aws.iam.list_attached_role_policies().role_name(&c.name)
                );
                let have: Vec<String> = attached
                    .iter()
                    .flat_map(|p| p.attached_policies())
                    .filter_map(|p| p.policy_arn().map(str::to_string))
                    .collect();
                let want = p.list("managed_policies")?;
                for arn in have.iter().filter(|a| !want.contains(a)) {
                    detach(c, arn).await?;
                }
                for arn in want.iter().filter(|a| !have.contains(a)) {
                    attach(c, arn).await?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

async fn put_policy(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let statements = p.get("statements").cloned().unwrap_or(Value::Null);
    if statements.as_array().is_none_or(|a| a.is_empty()) {
        return delete_policy(c).await;
    }
    c.aws.mutated();
    c.aws
        .iam
        .put_role_policy()
        .role_name(&c.name)
        .policy_name(POLICY)
        .policy_document(policy(&statements))
        .send()
        .await
        .map_err(|e| aws_error("iam:PutRolePolicy", e))?;
    Ok(())
}

/// No statements: no inline policy (already none is fine).
async fn delete_policy(c: &Call<'_>) -> Result<()> {
    c.aws.mutated();
    match c
        .aws
        .iam
        .delete_role_policy()
        .role_name(&c.name)
        .policy_name(POLICY)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "NoSuchEntity" => Ok(()),
        Err(e) => Err(aws_error("iam:DeleteRolePolicy", e)),
    }
}

async fn detach(c: &Call<'_>, arn: &str) -> Result<()> {
    c.aws.mutated();
    c.aws
        .iam
        .detach_role_policy()
        .role_name(&c.name)
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| aws_error("iam:DetachRolePolicy", e))?;
    Ok(())
}

async fn attach(c: &Call<'_>, arn: &str) -> Result<()> {
    c.aws.mutated();
    c.aws
        .iam
        .attach_role_policy()
        .role_name(&c.name)
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| aws_error("iam:AttachRolePolicy", e))?;
    Ok(())
}

pub async fn delete(c: &Call<'_>) -> Result<()> {
    let attached = match c
        .aws
        .iam
        .list_attached_role_policies()
        .role_name(&c.name)
        .send()
        .await
    {
        Ok(a) => a,
        Err(e) if code(&e) == "NoSuchEntity" => return Ok(()),
        Err(e) => return Err(aws_error("iam:ListAttachedRolePolicies", e)),
    };
    for p in attached.attached_policies() {
        detach(c, p.policy_arn().unwrap_or_default()).await?;
    }
    delete_policy(c).await?;
    c.aws.mutated();
    let r = super::wait::retry(
        Duration::from_secs(60),
        |e: &aws_sdk_iam::error::SdkError<_, _>| code(e) == "DeleteConflict",
        || c.aws.iam.delete_role().role_name(&c.name).send(),
    )
    .await;
    match r {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "NoSuchEntity" => Ok(()),
        Err(e) => Err(aws_error("iam:DeleteRole", e)),
    }
}

/// Every role name in the account.
pub async fn role_names(aws: &Aws) -> Result<Vec<String>> {
    let pages = super::pages!("iam:ListRoles", aws.iam.list_roles());
    Ok(pages
        .iter()
        .flat_map(|p| p.roles())
        .map(|r| r.role_name().to_string())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_documents_are_decoded_from_url_encoding() {
        let v = decode("%7B%22a%22%3A%20%22b%2Bc%22%7D");
        assert_eq!(v, json!({"a": "b+c"}));
        assert_eq!(decode("{\"a\":1}"), json!({"a": 1}));
    }
}
