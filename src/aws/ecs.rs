//! ECS on Fargate: the cluster, and a service with its task definition. The task definition pins the
//! image by digest; a change to it registers a new revision and rolls the service, a change of
//! desired count or network only updates the service.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Result, bail};
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, ClusterField, ClusterSetting, ClusterSettingName,
    Compatibility, ContainerDefinition, CpuArchitecture, DeploymentCircuitBreaker,
    DeploymentConfiguration, DeploymentRolloutState, KeyValuePair, LaunchType, LoadBalancer,
    LogConfiguration, LogDriver, MountPoint, NetworkConfiguration, NetworkMode, OsFamily,
    PortMapping, PropagateTags, RuntimePlatform, Secret, ServiceField, Tag, TaskDefinition,
    TransportProtocol, Volume,
};
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Names, Props, aws_error, code, sorted, wait};

const CONTAINER: &str = "app";

fn tags(c: &Call<'_>) -> Vec<Tag> {
    c.tags()
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

pub async fn read_cluster(c: &Call<'_>) -> Result<Option<Live>> {
    let out = c
        .aws
        .ecs
        .describe_clusters()
        .clusters(&c.name)
        .include(ClusterField::Tags)
        .include(ClusterField::Settings)
        .send()
        .await
        .map_err(|e| aws_error("ecs:DescribeClusters", e))?;
    let Some(cl) = out
        .clusters()
        .iter()
        .find(|cl| cl.status() == Some("ACTIVE"))
    else {
        return Ok(None);
    };
    c.names.check_owner(
        &format!("ECS cluster {}", c.name),
        cl.tags()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    )?;
    let mut a = Attrs::new();
    if let Some(s) = cl
        .settings()
        .iter()
        .find(|s| s.name() == Some(&ClusterSettingName::ContainerInsights))
    {
        a.insert(
            "container_insights".into(),
            Value::from(s.value() == Some("enabled")),
        );
    }
    let mut o = Attrs::new();
    o.insert(
        "arn".into(),
        Value::from(cl.cluster_arn().unwrap_or_default()),
    );
    o.insert("name".into(), Value::from(c.name.clone()));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

fn insights(p: &Attrs) -> Result<ClusterSetting> {
    Ok(ClusterSetting::builder()
        .name(ClusterSettingName::ContainerInsights)
        .value(if p.b("container_insights")? {
            "enabled"
        } else {
            "disabled"
        })
        .build())
}

pub async fn create_cluster(c: &Call<'_>, p: &Attrs) -> Result<()> {
    c.aws.mutated();
    c.aws
        .ecs
        .create_cluster()
        .cluster_name(&c.name)
        .settings(insights(p)?)
        .set_tags(Some(tags(c)))
        .send()
        .await
        .map_err(|e| aws_error("ecs:CreateCluster", e))?;
    Ok(())
}

pub async fn update_cluster(c: &Call<'_>, p: &Attrs) -> Result<()> {
    c.aws.mutated();
    c.aws
        .ecs
        .update_cluster()
        .cluster(&c.name)
        .settings(insights(p)?)
        .send()
        .await
        .map_err(|e| aws_error("ecs:UpdateCluster", e))?;
    Ok(())
}

/// How long a deleted service may take to drain (the Terraform provider's default delete timeout).
const DRAIN: Duration = Duration::from_secs(20 * 60);

pub async fn delete_cluster(c: &Call<'_>) -> Result<()> {
    c.aws.mutated();
    // A service deleted just before is still draining its tasks: the cluster waits for it.
    let busy = |e: &aws_sdk_ecs::error::SdkError<_, _>| {
        matches!(
            code(e),
            "ClusterContainsServicesException" | "ClusterContainsTasksException"
        )
    };
    let r = wait::retry(DRAIN, busy, || {
        c.aws.ecs.delete_cluster().cluster(&c.name).send()
    })
    .await;
    match r {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "ClusterNotFoundException" => Ok(()),
        Err(e) => Err(aws_error("ecs:DeleteCluster", e)),
    }
}

/// The services named `name` in `cluster` (with their tags: ACTIVE, DRAINING or INACTIVE ones);
/// `None` when the cluster does not exist.
pub(super) async fn services_named(
    aws: &Aws,
    cluster: &str,
    name: &str,
) -> Result<Option<Vec<aws_sdk_ecs::types::Service>>> {
    match aws
        .ecs
        .describe_services()
        .cluster(cluster)
        .services(name)
        .include(ServiceField::Tags)
        .send()
        .await
    {
        Ok(o) => Ok(Some(o.services().to_vec())),
        Err(e) if code(&e) == "ClusterNotFoundException" => Ok(None),
        Err(e) => Err(aws_error("ecs:DescribeServices", e)),
    }
}

/// The status of service `name` in `cluster` (`ACTIVE`, `DRAINING`, `INACTIVE`), `None` when
/// neither exists.
async fn service_status(aws: &Aws, cluster: &str, name: &str) -> Result<Option<String>> {
    Ok(services_named(aws, cluster, name)
        .await?
        .unwrap_or_default()
        .iter()
        .find_map(|s| s.status().map(str::to_string)))
}

/// Waits until a deleted service has drained (its tasks stopped): `INACTIVE` or gone.
async fn wait_drained(aws: &Aws, cluster: &str, name: &str) -> Result<()> {
    let what = format!("ECS service {name} to drain (its tasks to stop)");
    wait::until(&what, DRAIN, || async {
        Ok(!matches!(
            service_status(aws, cluster, name).await?.as_deref(),
            Some("DRAINING" | "ACTIVE")
        ))
    })
    .await
}

/// Attributes that live in the task definition: changing one registers a new revision.
const TASK_ATTRS: &[&str] = &[
    "image_ref",
    "cpu",
    "memory_mb",
    "architecture",
    "port",
    "env",
    "secrets",
    "log_group",
    "execution_role",
    "hardened",
];

/// The container's only writable place: a scratch volume (Fargate's ephemeral storage) at /tmp.
const SCRATCH: (&str, &str) = ("scratch", "/tmp");
/// Logs never block the app: when CloudWatch is slow, up to this much is buffered, then dropped
/// (ECS defaults to non-blocking since June 2025; set explicitly, as is the buffer).
const LOG_BUFFER: &str = "25m";

/// Whether the container runs hardened: read-only root filesystem with only the scratch volume
/// writable, and non-blocking logging.
fn hardened(td: &TaskDefinition, cd: &ContainerDefinition) -> bool {
    let scratch_volume = td.volumes().iter().any(|v| v.name() == Some(SCRATCH.0));
    let scratch_mount = cd.mount_points().iter().any(|m| {
        m.source_volume() == Some(SCRATCH.0)
            && m.container_path() == Some(SCRATCH.1)
            && m.read_only() != Some(true)
    });
    let non_blocking = cd
        .log_configuration()
        .and_then(|l| l.options())
        .is_some_and(|o| {
            o.get("mode").map(String::as_str) == Some("non-blocking")
                && o.get("max-buffer-size").map(String::as_str) == Some(LOG_BUFFER)
        });
    cd.readonly_root_filesystem() == Some(true) && scratch_volume && scratch_mount && non_blocking
}

fn map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
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
        .unwrap_or_default()
}

fn task_attrs(td: &TaskDefinition, a: &mut Attrs) {
    let Some(cd) = td
        .container_definitions()
        .iter()
        .find(|d| d.name() == Some(CONTAINER))
    else {
        return;
    };
    a.insert(
        "image_ref".into(),
        Value::from(cd.image().unwrap_or_default()),
    );
    if let Some(cpu) = td.cpu() {
        a.insert("cpu".into(), Value::from(cpu));
    }
    if let Some(m) = td.memory().and_then(|m| m.parse::<i64>().ok()) {
        a.insert("memory_mb".into(), Value::from(m));
    }
    if let Some(arch) = td.runtime_platform().and_then(|r| r.cpu_architecture()) {
        a.insert(
            "architecture".into(),
            Value::from(if *arch == CpuArchitecture::Arm64 {
                "arm64"
            } else {
                "x86_64"
            }),
        );
    }
    if let Some(port) = cd.port_mappings().first().and_then(|p| p.container_port()) {
        a.insert("port".into(), Value::from(port));
    }
    let env: serde_json::Map<String, Value> = cd
        .environment()
        .iter()
        .map(|kv| {
            (
                kv.name().unwrap_or_default().to_string(),
                Value::from(kv.value().unwrap_or_default()),
            )
        })
        .collect();
    a.insert("env".into(), Value::Object(env));
    let secrets: serde_json::Map<String, Value> = cd
        .secrets()
        .iter()
        .map(|s| (s.name().to_string(), Value::from(s.value_from())))
        .collect();
    a.insert("secrets".into(), Value::Object(secrets));
    if let Some(g) = cd
        .log_configuration()
        .and_then(|l| l.options())
        .and_then(|o| o.get("awslogs-group"))
    {
        a.insert("log_group".into(), Value::from(g.as_str()));
    }
    if let Some(r) = td.execution_role_arn() {
        a.insert("execution_role".into(), Value::from(r));
    }
    a.insert("hardened".into(), Value::from(hardened(td, cd)));
}

pub async fn read_service(c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
    let cluster = p.s("cluster")?;
    if cluster.is_empty() {
        return Ok(None);
    }
    let Some(found) = services_named(c.aws, cluster, &c.name).await? else {
        return Ok(None);
    };
    let Some(s) = found.iter().find(|s| s.status() == Some("ACTIVE")) else {
        if found.iter().any(|s| s.status() == Some("DRAINING")) {
            // Deleted just before: absent once drained (its name is taken until then).
            wait_drained(c.aws, cluster, &c.name).await?;
        }
        return Ok(None);
    };
    c.names.check_owner(
        &format!("ECS service {}", c.name),
        s.tags()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    )?;
    let mut a = Attrs::new();
    a.insert(
        "cluster".into(),
        Value::from(s.cluster_arn().unwrap_or_default()),
    );
    // Under auto scaling the running count is Application Auto Scaling's: not a drift to undo.
    let count = match p.get("autoscaled").and_then(Value::as_bool) {
        Some(true) => p.get("desired_count").cloned().unwrap_or(Value::Null),
        _ => Value::from(s.desired_count()),
    };
    a.insert("desired_count".into(), count);
    if let Some(vpc) = s
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration())
    {
        a.insert("subnets".into(), sorted(vpc.subnets().to_vec()));
        a.insert(
            "security_groups".into(),
            sorted(vpc.security_groups().to_vec()),
        );
        if let Some(ip) = vpc.assign_public_ip() {
            a.insert(
                "assign_public_ip".into(),
                Value::from(*ip == AssignPublicIp::Enabled),
            );
        }
    }
    if let Some(tg) = s
        .load_balancers()
        .first()
        .and_then(|l| l.target_group_arn())
    {
        a.insert("target_group".into(), Value::from(tg));
    }
    let td_arn = s.task_definition().unwrap_or_default().to_string();
    let td = c
        .aws
        .ecs
        .describe_task_definition()
        .task_definition(&td_arn)
        .send()
        .await
        .map_err(|e| aws_error("ecs:DescribeTaskDefinition", e))?;
    if let Some(td) = td.task_definition() {
        task_attrs(td, &mut a);
    }
    let mut o = Attrs::new();
    o.insert("name".into(), Value::from(c.name.clone()));
    o.insert(
        "arn".into(),
        Value::from(s.service_arn().unwrap_or_default()),
    );
    o.insert("task_definition".into(), Value::from(td_arn));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

async fn register(c: &Call<'_>, p: &Attrs) -> Result<String> {
    let image = p.s("image_ref")?;
    if image.is_empty() {
        bail!("`{}` has no image to run", c.id);
    }
    let log = LogConfiguration::builder()
        .log_driver(LogDriver::Awslogs)
        .options("awslogs-group", p.s("log_group")?)
        .options("awslogs-region", &c.aws.region)
        .options("awslogs-stream-prefix", CONTAINER)
        .options("mode", "non-blocking")
        .options("max-buffer-size", LOG_BUFFER)
        .build()?;
    let port = p.i("port")? as i32;
    let container = ContainerDefinition::builder()
        .name(CONTAINER)
        .image(image)
        .essential(true)
        .port_mappings(
            PortMapping::builder()
                .container_port(port)
                .protocol(TransportProtocol::Tcp)
                .build(),
        )
        .set_environment(Some(
            map(p.get("env"))
                .into_iter()
                .map(|(k, v)| KeyValuePair::builder().name(k).value(v).build())
                .collect(),
        ))
        .set_secrets(Some(
            map(p.get("secrets"))
                .into_iter()
                .map(|(k, v)| Secret::builder().name(k).value_from(v).build())
                .collect::<Result<Vec<_>, _>>()?,
        ))
        .log_configuration(log)
        .readonly_root_filesystem(true)
        .mount_points(
            MountPoint::builder()
                .source_volume(SCRATCH.0)
                .container_path(SCRATCH.1)
                .read_only(false)
                .build(),
        )
        .build();
    let arch = if p.s("architecture")? == "arm64" {
        CpuArchitecture::Arm64
    } else {
        CpuArchitecture::X8664
    };
    c.aws.mutated();
    let out = c
        .aws
        .ecs
        .register_task_definition()
        .family(&c.name)
        .network_mode(NetworkMode::Awsvpc)
        .requires_compatibilities(Compatibility::Fargate)
        .cpu(p.s("cpu")?)
        .memory(p.i("memory_mb")?.to_string())
        .runtime_platform(
            RuntimePlatform::builder()
                .cpu_architecture(arch)
                .operating_system_family(OsFamily::Linux)
                .build(),
        )
        .execution_role_arn(p.s("execution_role")?)
        .volumes(Volume::builder().name(SCRATCH.0).build())
        .container_definitions(container)
        .set_tags(Some(tags(c)))
        .send()
        .await
        .map_err(|e| aws_error("ecs:RegisterTaskDefinition", e))?;
    Ok(out
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .unwrap_or_default()
        .to_string())
}

fn network(p: &Attrs) -> Result<NetworkConfiguration> {
    let ip = if p.b("assign_public_ip")? {
        AssignPublicIp::Enabled
    } else {
        AssignPublicIp::Disabled
    };
    Ok(NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .set_subnets(Some(p.list("subnets")?))
                .set_security_groups(Some(p.list("security_groups")?))
                .assign_public_ip(ip)
                .build()?,
        )
        .build())
}

pub async fn create_service(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let td = register(c, p).await?;
    c.aws.mutated();
    let create = c
        .aws
        .ecs
        .create_service()
        .cluster(p.s("cluster")?)
        .service_name(&c.name)
        .task_definition(&td)
        .desired_count(p.i("desired_count")? as i32)
        .launch_type(LaunchType::Fargate)
        .network_configuration(network(p)?)
        .load_balancers(
            LoadBalancer::builder()
                .target_group_arn(p.s("target_group")?)
                .container_name(CONTAINER)
                .container_port(p.i("port")? as i32)
                .build(),
        )
        .health_check_grace_period_seconds(60)
        .deployment_configuration(
            DeploymentConfiguration::builder()
                .deployment_circuit_breaker(
                    DeploymentCircuitBreaker::builder()
                        .enable(true)
                        .rollback(true)
                        .build(),
                )
                .minimum_healthy_percent(100)
                .maximum_percent(200)
                .build(),
        )
        .propagate_tags(PropagateTags::Service)
        .set_tags(Some(tags(c)));
    // ECS creates its service-linked role on first use in an account, and cannot assume it for a
    // while (the Terraform provider retries this message for its IAM propagation timeout).
    let linked_role_pending = |e: &aws_sdk_ecs::error::SdkError<_, _>| {
        code(e) == "InvalidParameterException"
            && aws_sdk_ecs::error::ProvideErrorMetadata::message(e)
                .is_some_and(|m| m.contains("Unable to assume the service linked role"))
    };
    let out = super::wait::retry(super::wait::PROPAGATION, linked_role_pending, || {
        create.clone().send()
    })
    .await
    .map_err(|e| aws_error("ecs:CreateService", e))?;
    wait_rolled_out(c, p.s("cluster")?, out.service()).await?;
    deregister_revisions(c, Some(&td)).await
}

/// Waits until the deployment a create or update started has rolled out (its tasks running and
/// healthy), and fails when the deployment circuit breaker gave up on it and rolled back: a
/// deploy whose tasks never start is not a success.
async fn wait_rolled_out(
    c: &Call<'_>,
    cluster: &str,
    started: Option<&aws_sdk_ecs::types::Service>,
) -> Result<()> {
    let primary = |s: &aws_sdk_ecs::types::Service| {
        s.deployments()
            .iter()
            .find(|d| d.status() == Some("PRIMARY"))
            .cloned()
    };
    let Some(ours) = started.and_then(primary) else {
        return Ok(());
    };
    let (id, task) = (
        ours.id().unwrap_or_default().to_string(),
        ours.task_definition().unwrap_or_default().to_string(),
    );
    let what = format!(
        "ECS service {} to roll out (its new tasks running and healthy)",
        c.name
    );
    wait::until(&what, DRAIN, || async {
        let found = services_named(c.aws, cluster, &c.name)
            .await?
            .ok_or_else(|| {
                anyhow::anyhow!("ECS cluster {cluster} is gone while {} rolls out", c.name)
            })?;
        let Some(s) = found.first() else {
            return Ok(true);
        };
        let rolled_back = |why: &str| {
            anyhow::anyhow!(
                "the deployment of ECS service {} failed and the circuit breaker rolled it back: \
                 {why} (see the service's events and the tasks' logs)",
                c.name
            )
        };
        match s.deployments().iter().find(|d| d.id() == Some(id.as_str())) {
            Some(d) => match d.rollout_state() {
                Some(DeploymentRolloutState::Failed) => {
                    Err(rolled_back(d.rollout_state_reason().unwrap_or_default()))
                }
                Some(DeploymentRolloutState::InProgress) => Ok(false),
                _ => Ok(true),
            },
            // Gone: replaced by a rollback to another task definition, or finished and merged.
            None => match primary(s) {
                Some(p) if p.task_definition() != Some(task.as_str()) => {
                    Err(rolled_back("it was replaced by a rollback"))
                }
                _ => Ok(true),
            },
        }
    })
    .await
}

pub async fn update_service(c: &Call<'_>, p: &Attrs, changed: &[String]) -> Result<()> {
    let mut u = c
        .aws
        .ecs
        .update_service()
        .cluster(p.s("cluster")?)
        .service(&c.name);
    let registered = if changed.iter().any(|k| TASK_ATTRS.contains(&k.as_str())) {
        let td = register(c, p).await?;
        u = u.task_definition(&td);
        Some(td)
    } else {
        None
    };
    if changed.iter().any(|k| k == "desired_count") {
        u = u.desired_count(p.i("desired_count")? as i32);
    }
    if changed.iter().any(|k| {
        matches!(
            k.as_str(),
            "subnets" | "security_groups" | "assign_public_ip"
        )
    }) {
        u = u.network_configuration(network(p)?);
    }
    c.aws.mutated();
    let out = u
        .send()
        .await
        .map_err(|e| aws_error("ecs:UpdateService", e))?;
    wait_rolled_out(c, p.s("cluster")?, out.service()).await?;
    match registered {
        Some(td) => deregister_revisions(c, Some(&td)).await,
        None => Ok(()),
    }
}

/// Scales to zero, deletes the service, then deregisters its task definitions.
pub async fn delete_service(c: &Call<'_>, p: &Attrs, live: &Live) -> Result<()> {
    let cluster = match live.attrs.get("cluster").and_then(Value::as_str) {
        Some(c) => c.to_string(),
        None => p.s("cluster")?.to_string(),
    };
    c.aws.mutated();
    match c
        .aws
        .ecs
        .delete_service()
        .cluster(&cluster)
        .service(&c.name)
        .force(true)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e)
            if matches!(
                code(&e),
                "ServiceNotFoundException" | "ClusterNotFoundException"
            ) => {}
        Err(e) => return Err(aws_error("ecs:DeleteService", e)),
    }
    wait_drained(c.aws, &cluster, &c.name).await?;
    deregister_revisions(c, None).await
}

/// Deregisters the service's active task definition revisions but `keep`: after a rollout the
/// ones it replaced, and one a killed run registered and never used (as the Terraform provider
/// deregisters a replaced revision); after a delete, all of them.
async fn deregister_revisions(c: &Call<'_>, keep: Option<&str>) -> Result<()> {
    let defs = super::pages!(
        "ecs:ListTaskDefinitions",
        c.aws.ecs.list_task_definitions().family_prefix(&c.name)
    );
    let family = format!(":task-definition/{}:", c.name);
    for arn in defs
        .iter()
        .flat_map(|p| p.task_definition_arns())
        .filter(|a| a.contains(&family) && Some(a.as_str()) != keep)
    {
        c.aws.mutated();
        c.aws
            .ecs
            .deregister_task_definition()
            .task_definition(arn)
            .send()
            .await
            .map_err(|e| aws_error("ecs:DeregisterTaskDefinition", e))?;
    }
    Ok(())
}

/// The ECS clusters whose names start with `prefix`: (name, ARN).
pub async fn clusters(aws: &Aws, prefix: &str) -> Result<Vec<(String, String)>> {
    let page = super::pages!("ecs:ListClusters", aws.ecs.list_clusters());
    Ok(page
        .iter()
        .flat_map(|p| p.cluster_arns())
        .map(|arn| {
            (
                arn.rsplit('/').next().unwrap_or(arn).to_string(),
                arn.clone(),
            )
        })
        .filter(|(name, _)| name.starts_with(prefix))
        .collect())
}

/// Ids of the services in the stage's clusters, each with the cluster that reading it needs.
pub async fn service_ids(aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
    let mut out = Vec::new();
    for (_, arn) in clusters(aws, &names.prefix()).await? {
        let page = super::pages!("ecs:ListServices", aws.ecs.list_services().cluster(&arn));
        let names_of = page
            .iter()
            .flat_map(|p| p.service_arns())
            .map(|s| s.rsplit('/').next().unwrap_or(s).to_string());
        for (id, _) in super::owned::ids_by_prefix(names, names_of) {
            out.push((
                id,
                Attrs::from([("cluster".to_string(), Value::from(arn.clone()))]),
            ));
        }
    }
    Ok(out)
}

/// At plan time, the digest-pinned image of a service if the registry has it; unknown otherwise.
pub async fn complete_image(aws: &Aws, props: &mut Attrs, unknown: &mut Attrs) -> Result<()> {
    if props.contains_key("image_ref") {
        return Ok(());
    }
    // Without `image_tag` nothing was packaged (a read for destroy or outputs): nothing to find.
    if !unknown.contains_key("image")
        && props.contains_key("image_tag")
        && let Some(r) = super::find_image(aws, props).await?
    {
        props.insert("image_ref".into(), Value::from(r));
        return Ok(());
    }
    unknown.insert(
        "image_ref".into(),
        Value::from(crate::model::eval::KNOWN_AFTER_APPLY),
    );
    Ok(())
}

/// Tags cluster `c.name`, made without fintech, as the stage's (`fintech adopt`).
pub async fn take_over_cluster(c: &Call<'_>) -> Result<()> {
    let out = c
        .aws
        .ecs
        .describe_clusters()
        .clusters(&c.name)
        .send()
        .await
        .map_err(|e| aws_error("ecs:DescribeClusters", e))?;
    let arn = out
        .clusters()
        .iter()
        .find(|cl| cl.status() == Some("ACTIVE"))
        .and_then(|cl| cl.cluster_arn())
        .ok_or_else(|| anyhow::anyhow!("ECS cluster {} is gone", c.name))?
        .to_string();
    c.aws.mutated();
    c.aws
        .ecs
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(tags(c)))
        .send()
        .await
        .map_err(|e| aws_error("ecs:TagResource", e))?;
    Ok(())
}

/// Whether service `service` of cluster `cluster` is there and active.
pub async fn service_exists(aws: &Aws, cluster: &str, service: &str) -> Result<bool> {
    match aws
        .ecs
        .describe_services()
        .cluster(cluster)
        .services(service)
        .send()
        .await
    {
        Ok(out) => Ok(out.services().iter().any(|s| s.status() == Some("ACTIVE"))),
        Err(e) if code(&e) == "ClusterNotFoundException" => Ok(false),
        Err(e) => Err(aws_error("ecs:DescribeServices", e)),
    }
}
