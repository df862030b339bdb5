//! What a stage owns in AWS whether or not the stack still declares it, so that a resource removed
//! from the stack (or left by the other option) shows in the plan as a delete. Candidates are found
//! by name prefix, then read by their driver, which proves ownership by tags.

use anyhow::Result;
use aws_sdk_ec2::types::Filter;
use futures::future::try_join_all;

use super::{Aws, Call, Live, Names, NotOwned, aws_error, read};
use crate::model::schema::{self, TypeSchema};

/// Types found this way, dependents first: the order their orphans are deleted in.
pub const DELETE_ORDER: &[&str] = &[
    "events.schedule",
    "apigateway.http_api",
    "cloudfront.distribution",
    "lambda.function",
    "budgets.budget",
    "iam.role",
    "secretsmanager.secret",
    "elasticache.redis",
    "rds.postgres",
    "s3.bucket",
    "ec2.security_group",
];

/// A live resource of the stage, with the id it was created under.
pub struct Owned {
    pub schema: &'static TypeSchema,
    pub id: String,
    pub live: Live,
}

/// Every live resource the stage owns whose id is not in `declared`, in [`DELETE_ORDER`].
pub async fn undeclared(aws: &Aws, names: &Names, declared: &[&str]) -> Result<Vec<Owned>> {
    let lists = try_join_all(DELETE_ORDER.iter().map(|t| async move {
        let schema = schema::lookup(t).expect("known type");
        let ids = candidates(aws, names, schema).await?;
        let mut found = Vec::new();
        for id in ids
            .into_iter()
            .filter(|id| !declared.contains(&id.as_str()))
        {
            let c = Call::new(aws, names, schema, &id);
            if c.name != names.physical(schema, &id) {
                continue;
            }
            match read(&c, &Default::default()).await {
                Ok(Some(live)) => found.push(Owned { schema, id, live }),
                Ok(None) => {}
                Err(e) if e.is::<NotOwned>() => {}
                Err(e) => return Err(e),
            }
        }
        Ok::<_, anyhow::Error>(found)
    }))
    .await?;
    Ok(lists.into_iter().flatten().collect())
}

/// Ids of the resources of `schema` whose names carry the stage's prefix.
async fn candidates(aws: &Aws, names: &Names, schema: &TypeSchema) -> Result<Vec<String>> {
    let prefix = format!("{}-{}-", names.app, names.stage);
    let physical: Vec<String> = match schema.name {
        "rds.postgres" => {
            let mut out = Vec::new();
            let mut marker = None;
            loop {
                let page = aws
                    .rds
                    .describe_db_instances()
                    .set_marker(marker)
                    .send()
                    .await
                    .map_err(|e| aws_error("rds:DescribeDBInstances", e))?;
                out.extend(
                    page.db_instances()
                        .iter()
                        .filter_map(|d| d.db_instance_identifier().map(str::to_string)),
                );
                marker = page.marker().map(str::to_string);
                if marker.is_none() {
                    break out;
                }
            }
        }
        "elasticache.redis" => {
            let mut out = Vec::new();
            let mut marker = None;
            loop {
                let page = aws
                    .elasticache
                    .describe_replication_groups()
                    .set_marker(marker)
                    .send()
                    .await
                    .map_err(|e| aws_error("elasticache:DescribeReplicationGroups", e))?;
                out.extend(
                    page.replication_groups()
                        .iter()
                        .filter_map(|g| g.replication_group_id().map(str::to_string)),
                );
                marker = page.marker().map(str::to_string);
                if marker.is_none() {
                    break out;
                }
            }
        }
        "iam.role" => {
            let mut out = Vec::new();
            let mut marker = None;
            loop {
                let page = aws
                    .iam
                    .list_roles()
                    .set_marker(marker)
                    .send()
                    .await
                    .map_err(|e| aws_error("iam:ListRoles", e))?;
                out.extend(page.roles().iter().map(|r| r.role_name().to_string()));
                marker = page
                    .marker()
                    .map(str::to_string)
                    .filter(|_| page.is_truncated());
                if marker.is_none() {
                    break out;
                }
            }
        }
        "lambda.function" => {
            let mut out = Vec::new();
            let mut marker = None;
            loop {
                let page = aws
                    .lambda
                    .list_functions()
                    .set_marker(marker)
                    .send()
                    .await
                    .map_err(|e| aws_error("lambda:ListFunctions", e))?;
                out.extend(
                    page.functions()
                        .iter()
                        .filter_map(|f| f.function_name().map(str::to_string)),
                );
                marker = page.next_marker().map(str::to_string);
                if marker.is_none() {
                    break out;
                }
            }
        }
        "apigateway.http_api" => {
            let mut out = Vec::new();
            let mut token = None;
            loop {
                let page = aws
                    .apigw
                    .get_apis()
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| aws_error("apigatewayv2:GetApis", e))?;
                out.extend(
                    page.items()
                        .iter()
                        .filter_map(|a| a.name().map(str::to_string)),
                );
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break out;
                }
            }
        }
        "s3.bucket" => {
            let suffix = format!("-{}-{}", names.account, names.region);
            let page = aws
                .s3
                .list_buckets()
                .send()
                .await
                .map_err(|e| aws_error("s3:ListBuckets", e))?;
            page.buckets()
                .iter()
                .filter_map(|b| b.name())
                .filter_map(|n| n.strip_suffix(&suffix))
                .map(str::to_string)
                .collect()
        }
        "cloudfront.distribution" => super::cloudfront::comments(aws).await?,
        "events.schedule" => {
            let page = aws
                .events
                .list_rules()
                .name_prefix(&prefix)
                .send()
                .await
                .map_err(|e| aws_error("events:ListRules", e))?;
            page.rules()
                .iter()
                .filter_map(|r| r.name().map(str::to_string))
                .collect()
        }
        "budgets.budget" => {
            let page = aws
                .budgets
                .describe_budgets()
                .account_id(&aws.account)
                .send()
                .await
                .map_err(|e| aws_error("budgets:DescribeBudgets", e))?;
            page.budgets()
                .iter()
                .map(|b| b.budget_name().to_string())
                .collect()
        }
        "secretsmanager.secret" => {
            let secret_prefix = format!("{}/{}/", names.app, names.stage);
            let page = aws
                .secrets
                .list_secrets()
                .filters(
                    aws_sdk_secretsmanager::types::Filter::builder()
                        .key(aws_sdk_secretsmanager::types::FilterNameStringType::Name)
                        .values(&secret_prefix)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| aws_error("secretsmanager:ListSecrets", e))?;
            return Ok(page
                .secret_list()
                .iter()
                .filter_map(|s| {
                    s.name()?
                        .strip_prefix(&secret_prefix)
                        .map(|n| format!("secrets.{n}"))
                })
                .collect());
        }
        "ec2.security_group" => {
            let page = aws
                .ec2
                .describe_security_groups()
                .filters(
                    Filter::builder()
                        .name("group-name")
                        .values(format!("{prefix}*"))
                        .build(),
                )
                .send()
                .await
                .map_err(|e| aws_error("ec2:DescribeSecurityGroups", e))?;
            page.security_groups()
                .iter()
                .filter_map(|g| g.group_name().map(str::to_string))
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(physical
        .iter()
        .filter_map(|n| n.strip_prefix(&prefix))
        .map(|rest| rest.replace('-', "_"))
        .collect())
}
