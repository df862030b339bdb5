//! What a stage owns in AWS whether or not the stack still declares it, so that a resource removed
//! from the stack (or left by the other option) shows in the plan as a delete. Candidates are found
//! by name prefix, then read by their driver, which proves ownership by tags.

use anyhow::Result;
use aws_sdk_ec2::types::Filter;
use futures::future::try_join_all;

use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Names, NotOwned, aws_error, read};
use crate::model::schema::{self, TypeSchema};

/// Types found this way, dependents first: the order their orphans are deleted in.
pub const DELETE_ORDER: &[&str] = &[
    "events.schedule",
    "apigateway.http_api",
    "ecs.service",
    "elbv2.load_balancer",
    "cloudfront.distribution",
    "lambda.function",
    "ecs.cluster",
    "ecr.repository",
    "logs.log_group",
    "budgets.budget",
    "iam.role",
    "secretsmanager.secret",
    "elasticache.redis",
    "rds.postgres",
    "s3.bucket",
    "ec2.vpc_endpoint",
    "ec2.security_group",
];

/// A live resource of the stage, with the id it was created under.
pub struct Owned {
    pub schema: &'static TypeSchema,
    pub id: String,
    pub live: Live,
}

/// Every live resource the stage owns that is not declared as (type, id), in [`DELETE_ORDER`].
pub async fn undeclared(aws: &Aws, names: &Names, declared: &[(&str, &str)]) -> Result<Vec<Owned>> {
    let lists = try_join_all(DELETE_ORDER.iter().map(|t| async move {
        let schema = schema::lookup(t).expect("known type");
        let mut found = Vec::new();
        for (id, props) in candidates(aws, names, schema).await? {
            if declared.contains(&(schema.name, id.as_str())) {
                continue;
            }
            match read(&Call::new(aws, names, schema, &id), &props).await {
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

/// Ids of the resources of `schema` whose names carry the stage's prefix, with what reading them needs.
async fn candidates(aws: &Aws, names: &Names, schema: &TypeSchema) -> Result<Vec<(String, Attrs)>> {
    let prefix = format!("{}-{}-", names.app, names.stage);
    let id_of = |name: &str| {
        name.strip_prefix(&prefix)
            .map(|rest| rest.replace('-', "_"))
    };
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
                        .map(|n| (format!("secrets.{n}"), Attrs::new()))
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
        "ec2.vpc_endpoint" => {
            let page = aws
                .ec2
                .describe_vpc_endpoints()
                .filters(
                    Filter::builder()
                        .name("tag:fintech:app")
                        .values(&names.app)
                        .build(),
                )
                .filters(
                    Filter::builder()
                        .name("tag:fintech:stage")
                        .values(&names.stage)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| aws_error("ec2:DescribeVpcEndpoints", e))?;
            let ids = page.vpc_endpoints().iter().filter_map(|e| {
                e.tags()
                    .iter()
                    .find(|t| t.key() == Some("fintech:id"))
                    .and_then(|t| t.value())
            });
            return Ok(ids.map(|id| (id.to_string(), Attrs::new())).collect());
        }
        "ecr.repository" => {
            let page = aws
                .ecr
                .describe_repositories()
                .send()
                .await
                .map_err(|e| aws_error("ecr:DescribeRepositories", e))?;
            page.repositories()
                .iter()
                .filter_map(|r| r.repository_name().map(str::to_string))
                .collect()
        }
        "ecs.cluster" => clusters(aws, &prefix)
            .await?
            .into_iter()
            .map(|(name, _)| name)
            .collect(),
        "ecs.service" => {
            let mut out = Vec::new();
            for (_, arn) in clusters(aws, &prefix).await? {
                let page = aws
                    .ecs
                    .list_services()
                    .cluster(&arn)
                    .send()
                    .await
                    .map_err(|e| aws_error("ecs:ListServices", e))?;
                for s in page.service_arns() {
                    let name = s.rsplit('/').next().unwrap_or(s);
                    if let Some(id) = id_of(name) {
                        out.push((
                            id,
                            Attrs::from([("cluster".to_string(), Value::from(arn.clone()))]),
                        ));
                    }
                }
            }
            return Ok(out);
        }
        "elbv2.load_balancer" => {
            let page = aws
                .elbv2
                .describe_load_balancers()
                .send()
                .await
                .map_err(|e| aws_error("elbv2:DescribeLoadBalancers", e))?;
            page.load_balancers()
                .iter()
                .filter_map(|l| l.load_balancer_name().map(str::to_string))
                .collect()
        }
        "logs.log_group" => {
            let page = aws
                .logs
                .describe_log_groups()
                .log_group_name_prefix(format!("/ecs/{prefix}"))
                .send()
                .await
                .map_err(|e| aws_error("logs:DescribeLogGroups", e))?;
            page.log_groups()
                .iter()
                .filter_map(|g| {
                    g.log_group_name()?
                        .strip_prefix("/ecs/")
                        .map(str::to_string)
                })
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(physical
        .iter()
        .filter_map(|n| id_of(n))
        .map(|id| (id, Attrs::new()))
        .collect())
}

/// The stage's ECS clusters: (name, ARN).
async fn clusters(aws: &Aws, prefix: &str) -> Result<Vec<(String, String)>> {
    let page = aws
        .ecs
        .list_clusters()
        .send()
        .await
        .map_err(|e| aws_error("ecs:ListClusters", e))?;
    Ok(page
        .cluster_arns()
        .iter()
        .map(|arn| {
            (
                arn.rsplit('/').next().unwrap_or(arn).to_string(),
                arn.clone(),
            )
        })
        .filter(|(name, _)| name.starts_with(prefix))
        .collect())
}
