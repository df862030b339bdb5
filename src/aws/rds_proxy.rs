//! RDS Proxy: a pool of connections in front of a PostgreSQL instance (the guide's "Scale" phase),
//! which Lambda's many short-lived connections reach instead of the database. Made, waited for
//! (`available`), given its target and its pool's size; read with the target and pool it has.

use std::time::Duration;

use anyhow::{Result, bail};
use aws_sdk_rds::types::{
    AuthScheme, ClientPasswordAuthType, ConnectionPoolConfiguration, DbProxy, DbProxyStatus,
    EngineFamily, IamAuthMode, TargetType, UserAuthConfig,
};
use serde_json::Value;

use super::rds::tags;
use super::{Attrs, Aws, Call, Live, Props, aws_error, code, sorted, wait};

/// How long RDS may take to make a proxy available or delete it (the Terraform provider waits 30
/// minutes for either, and for a change).
const PROXY: Duration = Duration::from_secs(30 * 60);

/// The one target group RDS makes with every proxy.
const GROUP: &str = "default";

async fn describe(c: &Call<'_>) -> Result<Option<DbProxy>> {
    match c
        .aws
        .rds
        .describe_db_proxies()
        .db_proxy_name(&c.name)
        .send()
        .await
    {
        Ok(out) => Ok(out.db_proxies().first().cloned()),
        Err(e) if code(&e) == "DBProxyNotFoundFault" => Ok(None),
        Err(e) => Err(aws_error("rds:DescribeDBProxies", e)),
    }
}

pub async fn read(c: &Call<'_>) -> Result<Option<Live>> {
    let Some(proxy) = describe(c).await? else {
        return Ok(None);
    };
    if proxy.status() == Some(&DbProxyStatus::Deleting) {
        wait_gone(c).await?;
        return Ok(None);
    }
    let arn = proxy.db_proxy_arn().unwrap_or_default().to_string();
    let (tagged, target, pool) = futures::try_join!(
        async {
            c.aws
                .rds
                .list_tags_for_resource()
                .resource_name(&arn)
                .send()
                .await
                .map_err(|e| aws_error("rds:ListTagsForResource", e))
        },
        target(c),
        pool_share(c),
    )?;
    c.names.check_owner(
        &format!("RDS proxy {}", c.name),
        tagged
            .tag_list()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    )?;
    let auth = proxy.auth().first();
    let mut a = Attrs::new();
    a.insert(
        "target".into(),
        target.clone().map_or(Value::Null, Value::from),
    );
    a.insert(
        "secret".into(),
        Value::from(auth.and_then(|a| a.secret_arn()).unwrap_or_default()),
    );
    a.insert(
        "role".into(),
        Value::from(proxy.role_arn().unwrap_or_default()),
    );
    a.insert("subnets".into(), sorted(proxy.vpc_subnet_ids().to_vec()));
    a.insert(
        "security_groups".into(),
        sorted(proxy.vpc_security_group_ids().to_vec()),
    );
    a.insert(
        "require_tls".into(),
        Value::from(proxy.require_tls().unwrap_or_default()),
    );
    a.insert(
        "idle_client_timeout_s".into(),
        Value::from(proxy.idle_client_timeout().unwrap_or_default()),
    );
    a.insert("max_connections_percent".into(), Value::from(pool));
    let endpoint = proxy.endpoint().unwrap_or_default().to_string();
    let mut o = Attrs::new();
    o.insert("endpoint".into(), Value::from(endpoint.clone()));
    o.insert("arn".into(), Value::from(arn));
    o.insert(
        "url".into(),
        url(c.aws, target.as_deref(), &endpoint).await?,
    );
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

/// The instance the proxy fronts, if it has one.
async fn target(c: &Call<'_>) -> Result<Option<String>> {
    let out = c
        .aws
        .rds
        .describe_db_proxy_targets()
        .db_proxy_name(&c.name)
        .send()
        .await
        .map_err(|e| aws_error("rds:DescribeDBProxyTargets", e))?;
    Ok(out
        .targets()
        .iter()
        .find(|t| t.r#type() == Some(&TargetType::RdsInstance))
        .and_then(|t| t.rds_resource_id())
        .map(str::to_string))
}

/// The share of the database's connections the proxy's pool may use.
async fn pool_share(c: &Call<'_>) -> Result<Option<i32>> {
    let out = c
        .aws
        .rds
        .describe_db_proxy_target_groups()
        .db_proxy_name(&c.name)
        .target_group_name(GROUP)
        .send()
        .await
        .map_err(|e| aws_error("rds:DescribeDBProxyTargetGroups", e))?;
    Ok(out
        .target_groups()
        .first()
        .and_then(|g| g.connection_pool_config())
        .and_then(|p| p.max_connections_percent()))
}

/// The proxy's connection URL: its target's user and database, at the proxy, over TLS with the
/// certificate and host name checked (the proxy's certificate is ACM's, under Amazon's roots,
/// which the app's CA bundle holds beside RDS's). Unknown without a target.
async fn url(aws: &Aws, target: Option<&str>, endpoint: &str) -> Result<Value> {
    let Some(target) = target else {
        return Ok(Value::Null);
    };
    let out = match aws
        .rds
        .describe_db_instances()
        .db_instance_identifier(target)
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) if code(&e) == "DBInstanceNotFound" => return Ok(Value::Null),
        Err(e) => return Err(aws_error("rds:DescribeDBInstances", e)),
    };
    let Some(db) = out.db_instances().first() else {
        return Ok(Value::Null);
    };
    Ok(Value::from(format!(
        "postgresql://{}@{endpoint}:5432/{}?sslmode=verify-full",
        db.master_username().unwrap_or_default(),
        db.db_name().unwrap_or_default()
    )))
}

pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let auth = UserAuthConfig::builder()
        .auth_scheme(AuthScheme::Secrets)
        .secret_arn(p.s("secret")?)
        .iam_auth(IamAuthMode::Disabled)
        .client_password_auth_type(ClientPasswordAuthType::PostgresScramSha256)
        .build();
    c.aws.mutated();
    // A role made moments ago may not be usable by RDS yet (IAM's eventual consistency).
    let made = wait::retry(
        wait::PROPAGATION,
        |e: &aws_sdk_rds::error::SdkError<_, _>| {
            code(e) == "InvalidParameterValue"
                && aws_sdk_rds::error::ProvideErrorMetadata::message(e)
                    .is_some_and(|m| m.contains("role") || m.contains("IAM"))
        },
        || {
            c.aws
                .rds
                .create_db_proxy()
                .db_proxy_name(&c.name)
                .engine_family(EngineFamily::Postgresql)
                .auth(auth.clone())
                .role_arn(p.s("role").unwrap_or_default())
                .set_vpc_subnet_ids(p.list("subnets").ok())
                .set_vpc_security_group_ids(p.list("security_groups").ok())
                .require_tls(p.b("require_tls").unwrap_or(true))
                .idle_client_timeout(p.i("idle_client_timeout_s").unwrap_or(1800) as i32)
                .set_tags(Some(tags(c)))
                .send()
        },
    )
    .await;
    match made {
        Ok(_) => {}
        // Made by a run that was stopped before it could go on: ownership is checked on read.
        Err(e) if code(&e) == "DBProxyAlreadyExistsFault" => {}
        Err(e) => return Err(aws_error("rds:CreateDBProxy", e)),
    }
    wait_available(c).await?;
    register(c, p).await?;
    pool(c, p).await
}

/// Waits until the proxy is `available`; a state it cannot leave by itself (its network or the
/// account's limits are wrong) is an error saying so.
async fn wait_available(c: &Call<'_>) -> Result<()> {
    wait::until(
        &format!("RDS proxy {} to be available", c.name),
        PROXY,
        || async {
            let Some(proxy) = describe(c).await? else {
                bail!("RDS proxy {} vanished while being made", c.name);
            };
            match proxy.status() {
                Some(DbProxyStatus::Available) => Ok(true),
                Some(
                    s @ (DbProxyStatus::IncompatibleNetwork
                    | DbProxyStatus::InsufficientResourceLimits),
                ) => bail!(
                    "RDS proxy {} is {}: check its subnets (two zones at least, free addresses) and the account's proxy quota",
                    c.name,
                    s.as_str()
                ),
                _ => Ok(false),
            }
        },
    )
    .await
}

/// Registers the target instance, unless it is already.
async fn register(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let wanted = p.s("target")?;
    if target(c).await?.as_deref() == Some(wanted) {
        return Ok(());
    }
    c.aws.mutated();
    // The instance may still be finishing a change (a restart, a backup): RDS refuses until then.
    let registered = wait::retry(
        PROXY,
        |e: &aws_sdk_rds::error::SdkError<_, _>| code(e) == "InvalidDBInstanceState",
        || {
            c.aws
                .rds
                .register_db_proxy_targets()
                .db_proxy_name(&c.name)
                .target_group_name(GROUP)
                .db_instance_identifiers(wanted)
                .send()
        },
    )
    .await;
    match registered {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "DBProxyTargetAlreadyRegisteredFault" => Ok(()),
        Err(e) => Err(aws_error("rds:RegisterDBProxyTargets", e)),
    }
}

/// Sizes the pool: the share of the database's connections it may hold.
pub async fn pool(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let want = p.i("max_connections_percent")? as i32;
    if pool_share(c).await? == Some(want) {
        return Ok(());
    }
    c.aws.mutated();
    c.aws
        .rds
        .modify_db_proxy_target_group()
        .db_proxy_name(&c.name)
        .target_group_name(GROUP)
        .connection_pool_config(
            ConnectionPoolConfiguration::builder()
                .max_connections_percent(want)
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("rds:ModifyDBProxyTargetGroup", e))?;
    Ok(())
}

pub async fn delete(c: &Call<'_>) -> Result<()> {
    c.aws.mutated();
    match c
        .aws
        .rds
        .delete_db_proxy()
        .db_proxy_name(&c.name)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if code(&e) == "DBProxyNotFoundFault" => return Ok(()),
        Err(e) => return Err(aws_error("rds:DeleteDBProxy", e)),
    }
    wait_gone(c).await
}

async fn wait_gone(c: &Call<'_>) -> Result<()> {
    wait::until(
        &format!("RDS proxy {} to be deleted", c.name),
        PROXY,
        || async { Ok(describe(c).await?.is_none()) },
    )
    .await
}

/// The names of every proxy of the account (for the stage's leftovers).
pub async fn names(aws: &Aws) -> Result<Vec<String>> {
    let pages = super::pages!("rds:DescribeDBProxies", aws.rds.describe_db_proxies());
    Ok(pages
        .iter()
        .flat_map(|p| p.db_proxies())
        .filter_map(|p| p.db_proxy_name().map(str::to_string))
        .collect())
}
