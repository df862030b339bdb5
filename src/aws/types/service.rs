//! `ecs.service`: a Fargate service: its task definition (pinned image digest, logs, secrets from Secrets Manager) and the service behind the load balancer.

use super::prelude::*;

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "ecs.service",
    driver: &Service,
    doc: "A Fargate service: its task definition (pinned image digest, logs, secrets from Secrets Manager) and the service behind the load balancer",
    fields: &[
        f("cluster", STR, Required, Replace, "cluster ARN"),
        f("image", STR, Required, Local, "repository URL (or a full image reference); the task runs it pinned by digest"),
        f("build", STR, Optional, Local, "the app's directory: fintech builds its image (base image, requirements, code) and pushes it, no docker needed"),
        f("base_image", Ty::Image, Default("\"public.ecr.aws/docker/library/python:3.12-slim\""), Local, "base of the image fintech builds: a Python image (pin it with @sha256: for builds that never change)"),
        f("requirements", STR, Default("\"requirements.txt\""), Local, "requirements file (in `build`) installed into the image for the task's platform"),
        f("command", STRS, Optional, Local, "the container's command (default: python -m uvicorn app.main:app --host 0.0.0.0 --port <port>)"),
        f("dockerfile", STR, Optional, Local, "build with docker or podman from this Dockerfile (in `build`) instead, its content hash the image tag"),
        f("cpu", Ty::Enum(&["256", "512", "1024", "2048", "4096"]), Default("\"256\""), InPlace, "CPU units (1024 = 1 vCPU)"),
        f("memory_mb", Ty::Int { min: 512, max: 30720 }, Default("512"), InPlace, "memory"),
        f("architecture", Ty::Enum(&["x86_64", "arm64"]), Default("\"x86_64\""), InPlace, "CPU architecture"),
        f("desired_count", Ty::Int { min: 0, max: 100 }, Default("1"), InPlace, "tasks running"),
        f("autoscaled", BOOL, Default("false"), Local, "an `ecs.autoscaling` sets the running count: desired_count is then only the count at creation"),
        f("port", Ty::Int { min: 1, max: 65535 }, Default("8000"), InPlace, "container port"),
        f("env", Ty::Map(&Ty::Str), Default("{}"), InPlace, "environment variables"),
        f("secrets", Ty::Map(&Ty::Str), Default("{}"), InPlace, "environment variables read from Secrets Manager ARNs at task start"),
        f("subnets", STRS, Required, InPlace, "subnets of the tasks"),
        f("security_groups", STRS, Required, InPlace, "security groups of the tasks"),
        f("assign_public_ip", BOOL, Default("true"), InPlace, "public address (needed to pull images without a NAT; billed)"),
        f("target_group", STR, Required, Replace, "load balancer target group ARN"),
        f("log_group", STR, Required, InPlace, "log group name"),
        f("execution_role", STR, Required, InPlace, "role ECS uses to pull the image, write logs and read secrets"),
    ],
    computed: &[("image_ref", InPlace), ("hardened", InPlace)],
    outputs: &["name", "arn"],
    tier: Tier::Compute,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `ecs.service`.
#[derive(Debug)]
pub struct Service;

#[async_trait]
impl Driver for Service {
    fn delete_rank(&self) -> u8 {
        2
    }
    fn pricing(&self) -> Pricing {
        Pricing::Fargate
    }
    fn packages(&self) -> bool {
        true
    }
    fn prepare(&self, p: &Prep<'_>, props: &mut Attrs) -> Result<()> {
        // Read-only root filesystem (scratch space at /tmp) and non-blocking logging.
        props.insert("hardened".into(), Value::Bool(true));
        crate::package::service_image(p, props)
    }
    fn artifact(&self, p: &Attrs) -> Option<String> {
        let mb = p.get("image_size").and_then(Value::as_f64)? / 1e6;
        Some(format!(
            "image {} ({} layers, {mb:.1} MB) in {}",
            p.get("image_digest")?.as_str()?,
            p.get("image_layers")?.as_u64()?,
            p.get("image_layout")?.as_str()?,
        ))
    }
    fn needs_to_read(&self) -> &'static [&'static str] {
        &["cluster"]
    }
    async fn complete(&self, aws: &Aws, props: &mut Attrs, unknown: &mut Attrs) -> Result<()> {
        crate::aws::ec2::offered_subnets(aws, props, "ecs").await?;
        crate::aws::ecs::complete_image(aws, props, unknown).await
    }
    async fn complete_for_apply(&self, aws: &Aws, id: &str, props: &mut Attrs) -> Result<()> {
        crate::aws::ec2::offered_subnets(aws, props, "ecs").await?;
        if props.contains_key("image_layout") {
            crate::aws::push::push_image(aws, id, props).await?;
        } else if !props.contains_key("image_ref") {
            let r = crate::aws::ensure_image(aws, id, props).await?;
            props.insert("image_ref".into(), Value::from(r));
        }
        Ok(())
    }
    async fn prefetch(&self, aws: &Aws, _: &Names, _: &Attrs) -> Result<()> {
        crate::aws::ec2::prefetch_zones(aws, "ecs").await
    }
    async fn read(&self, c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
        crate::aws::ecs::read_service(c, p).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::ecs::create_service(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, changed: &[String]) -> Result<()> {
        crate::aws::ecs::update_service(c, p, changed).await
    }
    async fn delete(&self, c: &Call<'_>, p: &Attrs, live: &Live) -> Result<()> {
        crate::aws::ecs::delete_service(c, p, live).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        crate::aws::ecs::service_ids(aws, names).await
    }
}
