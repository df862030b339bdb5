//! CloudFront: one distribution per site (found by its comment, owned by tags), the bucket behind origin
//! access control with a bucket policy naming only this distribution, and the API under one path.

use std::time::Duration;

use anyhow::{Result, anyhow};
use aws_sdk_cloudfront::error::ProvideErrorMetadata;
use aws_sdk_cloudfront::types::{
    Aliases, AllowedMethods, CacheBehavior, CacheBehaviors, CachedMethods, CustomHeaders,
    CustomOriginConfig, DefaultCacheBehavior, DistributionConfig, DistributionConfigWithTags,
    HttpVersion, Method, MinimumProtocolVersion, OriginAccessControlConfig,
    OriginAccessControlOriginTypes, OriginAccessControlSigningBehaviors,
    OriginAccessControlSigningProtocols, OriginCustomHeader, OriginProtocolPolicy,
    OriginSslProtocols, Origins, PriceClass, S3OriginConfig, SslProtocol, SslSupportMethod, Tag,
    Tags, ViewerCertificate, ViewerProtocolPolicy,
};
use serde_json::{Value, json};

use super::{Attrs, Aws, Call, Live, Props, aws_error, code, wait};

/// AWS-managed cache and origin request policies.
const CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";
const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
const ALL_VIEWER_EXCEPT_HOST: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

/// The hosted zone every CloudFront distribution's name is in, for alias records (Route 53
/// developer guide, "AliasTarget").
const ZONE_ID: &str = "Z2FDTNDATAQYW2";

#[derive(Clone)]
pub(super) struct Found {
    comment: String,
    id: String,
    arn: String,
    domain: String,
    /// Its origins' domain names (a bucket's, the API's).
    origins: Vec<String>,
}

/// Every distribution of the account with its comment (which holds our physical name), listed
/// once per epoch (see [`Aws::epoch`]).
pub async fn list(aws: &Aws) -> Result<std::sync::Arc<Vec<Found>>> {
    aws.distributions
        .get("", aws.epoch(), || list_now(aws))
        .await
}

async fn list_now(aws: &Aws) -> Result<Vec<Found>> {
    let pages = super::pages!(
        "cloudfront:ListDistributions",
        aws.cloudfront.list_distributions()
    );
    let domains = |o: Option<&aws_sdk_cloudfront::types::Origins>| -> Vec<String> {
        o.map(|o| {
            o.items()
                .iter()
                .map(|o| o.domain_name().to_string())
                .collect()
        })
        .unwrap_or_default()
    };
    let mut out = Vec::new();
    for d in pages
        .iter()
        .filter_map(|p| p.distribution_list())
        .flat_map(|l| l.items())
    {
        let (mut comment, mut origins) = (d.comment().to_string(), domains(d.origins()));
        // moto quirk: distribution summaries come without their comment and origins; read them
        // from the config then (AWS's summary has both; a comment left empty costs the same read).
        if comment.is_empty() || origins.is_empty() {
            let cfg = aws
                .cloudfront
                .get_distribution_config()
                .id(d.id())
                .send()
                .await
                .map_err(|e| aws_error("cloudfront:GetDistributionConfig", e))?;
            if let Some(cfg) = cfg.distribution_config() {
                comment = cfg.comment().to_string();
                origins = domains(cfg.origins());
            }
        }
        out.push(Found {
            comment,
            id: d.id().to_string(),
            arn: d.arn().to_string(),
            domain: d.domain_name().to_string(),
            origins,
        });
    }
    Ok(out)
}

/// The distribution whose comment (or, adopted, whose id) is `c.name`. Distributions cannot be asked about by name: when
/// the listing has none, it is forgotten, so that the next read (a create's read-back) lists
/// again rather than miss a distribution newer than the listing.
async fn find(c: &Call<'_>) -> Result<Option<Found>> {
    let listed = list(c.aws).await?;
    // An adopted distribution is known by its id; fintech's own by the comment it wrote.
    let found = listed
        .iter()
        .find(|d| d.comment == c.name || d.id == c.name)
        .cloned();
    if found.is_none() {
        c.aws.distributions.forget("");
    }
    Ok(found)
}

/// The comments of every distribution (our distributions carry their physical name there).
pub async fn comments(aws: &Aws) -> Result<Vec<String>> {
    Ok(list(aws).await?.iter().map(|d| d.comment.clone()).collect())
}

pub async fn read(c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
    let Some(f) = find(c).await? else {
        return Ok(None);
    };
    // Its tags, its configuration, the origin secret's values and the policy of the bucket it
    // should serve: four reads at once.
    let declared = p.opt("bucket").unwrap_or_default().to_string();
    let (tags, cfg, want, declared_policy) = futures::try_join!(
        async {
            c.aws
                .cloudfront
                .list_tags_for_resource()
                .resource(&f.arn)
                .send()
                .await
                .map_err(|e| aws_error("cloudfront:ListTagsForResource", e))
        },
        async {
            c.aws
                .cloudfront
                .get_distribution_config()
                .id(&f.id)
                .send()
                .await
                .map_err(|e| aws_error("cloudfront:GetDistributionConfig", e))
        },
        super::origin::wanted(c.aws, p, "api_origin_secret", false),
        // Not there (the bucket not made yet, or a read that failed): asked again below.
        async {
            if declared.is_empty() {
                return Ok(None);
            }
            Ok(has_policy(c, &declared, &f.arn).await.ok())
        },
    )?;
    c.names.check_owner(
        &format!("CloudFront distribution {}", f.id),
        tags.tags()
            .map(|t| t.items())
            .unwrap_or_default()
            .iter()
            .map(|t| (t.key(), t.value().unwrap_or_default())),
    )?;
    let cfg = cfg
        .distribution_config()
        .ok_or_else(|| anyhow!("distribution {} has no config", f.id))?;
    let mut a = Attrs::new();
    let origins = cfg.origins().map(|o| o.items()).unwrap_or_default();
    // fintech's site origin; in a distribution made by hand (adopted), its S3 origin.
    let bucket = origins
        .iter()
        .find(|o| o.id() == "site")
        .or_else(|| origins.iter().find(|o| o.domain_name().contains(".s3.")))
        .map(|o| {
            o.domain_name()
                .split(".s3.")
                .next()
                .unwrap_or_default()
                .to_string()
        });
    a.insert("bucket".into(), Value::from(bucket.unwrap_or_default()));
    // No API origin is reported as `null`, so that adding or removing one is a change.
    a.insert("api_domain".into(), Value::Null);
    let api = origins.iter().find(|o| o.id() == "api");
    let sent: Option<Vec<String>> = api
        .and_then(|o| o.custom_headers())
        .map(|h| h.items())
        .unwrap_or_default()
        .iter()
        .find(|h| h.header_name().eq_ignore_ascii_case(super::origin::HEADER))
        .map(|h| vec![h.header_value().to_string()]);
    a.insert(
        "api_origin_secret".into(),
        super::origin::live_value(p, "api_origin_secret", sent.as_deref(), &want),
    );
    if let Some(api) = api {
        a.insert("api_domain".into(), Value::from(api.domain_name()));
        if let Some(policy) = api
            .custom_origin_config()
            .map(|c| c.origin_protocol_policy())
        {
            let protocol = if *policy == OriginProtocolPolicy::HttpOnly {
                "http"
            } else {
                "https"
            };
            a.insert("api_protocol".into(), Value::from(protocol));
        }
    }
    if let Some(b) = cfg
        .cache_behaviors()
        .map(|b| b.items())
        .unwrap_or_default()
        .first()
    {
        a.insert("api_path".into(), Value::from(b.path_pattern()));
    }
    a.insert(
        "default_root_object".into(),
        Value::from(cfg.default_root_object().unwrap_or_default()),
    );
    if let Some(p) = cfg.price_class() {
        a.insert("price_class".into(), Value::from(p.as_str()));
    }
    a.insert(
        "web_acl".into(),
        cfg.web_acl_id()
            .filter(|w| !w.is_empty())
            .map_or(Value::Null, Value::from),
    );
    let alias = cfg
        .aliases()
        .map(|a| a.items())
        .unwrap_or_default()
        .first()
        .cloned();
    a.insert(
        "alias".into(),
        alias.clone().map_or(Value::Null, Value::from),
    );
    a.insert(
        "certificate".into(),
        cfg.viewer_certificate()
            .and_then(|v| v.acm_certificate_arn())
            .filter(|arn| !arn.is_empty())
            .map_or(Value::Null, Value::from),
    );
    let bucket = a["bucket"].as_str().unwrap_or_default().to_string();
    let policy = match declared_policy {
        Some(policy) if bucket == declared => policy,
        _ if bucket.is_empty() => false,
        _ => has_policy(c, &bucket, &f.arn).await?,
    };
    a.insert("bucket_policy".into(), Value::from(policy));
    let mut o = Attrs::new();
    o.insert("id".into(), Value::from(f.id));
    o.insert("arn".into(), Value::from(f.arn));
    o.insert(
        "url".into(),
        Value::from(format!("https://{}", alias.as_deref().unwrap_or(&f.domain))),
    );
    o.insert("domain".into(), Value::from(f.domain));
    o.insert("zone_id".into(), Value::from(ZONE_ID));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

/// Waits until the distribution named in `outputs` is `Deployed` at every edge location (AWS takes
/// minutes after a create or an update; `deploy` does not wait unless `--wait`).
pub async fn deployed(c: &Call<'_>, outputs: &Attrs) -> Result<()> {
    match outputs.get("id").and_then(Value::as_str) {
        Some(id) => until_deployed(c, id, "deployed").await,
        None => Ok(()),
    }
}

/// Waits until distribution `id` reports `Deployed` (its last change rolled out; `what` says which
/// change, for the progress line).
async fn until_deployed(c: &Call<'_>, id: &str, what: &str) -> Result<()> {
    wait::until(
        &format!("CloudFront distribution {id} to be {what}"),
        Duration::from_secs(3600),
        || async {
            let d = c
                .aws
                .cloudfront
                .get_distribution()
                .id(id)
                .send()
                .await
                .map_err(|e| aws_error("cloudfront:GetDistribution", e))?;
            Ok(d.distribution().is_some_and(|d| d.status() == "Deployed"))
        },
    )
    .await
}

/// The id of this distribution's origin access control, if it exists.
async fn find_oac(c: &Call<'_>) -> Result<Option<String>> {
    let name = format!("{}-oac", c.name);
    let list = super::pages!(
        "cloudfront:ListOriginAccessControls",
        c.aws.cloudfront.list_origin_access_controls()
    );
    Ok(list
        .iter()
        .filter_map(|p| p.origin_access_control_list())
        .flat_map(|l| l.items())
        .find(|o| o.name() == name)
        .map(|o| o.id().to_string()))
}

/// The origin access control this distribution signs its bucket requests with (created once).
async fn oac(c: &Call<'_>) -> Result<String> {
    let name = format!("{}-oac", c.name);
    if let Some(id) = find_oac(c).await? {
        return Ok(id);
    }
    c.aws.mutated();
    let out = c
        .aws
        .cloudfront
        .create_origin_access_control()
        .origin_access_control_config(
            OriginAccessControlConfig::builder()
                .name(&name)
                .description(format!("fintech {}/{}", c.names.app, c.names.stage))
                .signing_protocol(OriginAccessControlSigningProtocols::Sigv4)
                .signing_behavior(OriginAccessControlSigningBehaviors::Always)
                .origin_access_control_origin_type(OriginAccessControlOriginTypes::S3)
                .build()?,
        )
        .send()
        .await;
    match out {
        Ok(out) => Ok(out
            .origin_access_control()
            .map(|o| o.id().to_string())
            .unwrap_or_default()),
        // Names are unique: the SDK sent the create again after its answer was lost (or another
        // run made it meanwhile). It is there: use it.
        Err(e) if code(&e) == "OriginAccessControlAlreadyExists" => match find_oac(c).await? {
            Some(id) => Ok(id),
            None => Err(aws_error("cloudfront:CreateOriginAccessControl", e)),
        },
        Err(e) => Err(aws_error("cloudfront:CreateOriginAccessControl", e)),
    }
}

/// The distribution's configuration; `origin_token` is the value of the secret header sent to the API.
fn config(
    c: &Call<'_>,
    p: &Attrs,
    oac_id: &str,
    caller_ref: &str,
    origin_token: Option<&str>,
) -> Result<DistributionConfig> {
    let region = &c.aws.region;
    let bucket = p.s("bucket")?;
    let mut origins = vec![
        aws_sdk_cloudfront::types::Origin::builder()
            .id("site")
            .domain_name(format!("{bucket}.s3.{region}.amazonaws.com"))
            .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
            .origin_access_control_id(oac_id)
            .build()?,
    ];
    let mut behaviors = Vec::new();
    if let Some(api) = p.opt("api_domain") {
        origins.push(
            aws_sdk_cloudfront::types::Origin::builder()
                .id("api")
                .domain_name(api)
                .custom_origin_config(
                    CustomOriginConfig::builder()
                        .http_port(80)
                        .https_port(443)
                        .origin_protocol_policy(if p.s("api_protocol")? == "http" {
                            OriginProtocolPolicy::HttpOnly
                        } else {
                            OriginProtocolPolicy::HttpsOnly
                        })
                        .origin_ssl_protocols(
                            OriginSslProtocols::builder()
                                .quantity(1)
                                .items(SslProtocol::TlSv12)
                                .build()?,
                        )
                        .build()?,
                )
                .set_custom_headers(origin_token.map(origin_header).transpose()?)
                .build()?,
        );
        let all = [
            Method::Get,
            Method::Head,
            Method::Options,
            Method::Put,
            Method::Post,
            Method::Patch,
            Method::Delete,
        ];
        behaviors.push(
            CacheBehavior::builder()
                .path_pattern(p.s("api_path")?)
                .target_origin_id("api")
                .viewer_protocol_policy(ViewerProtocolPolicy::HttpsOnly)
                .cache_policy_id(CACHING_DISABLED)
                .origin_request_policy_id(ALL_VIEWER_EXCEPT_HOST)
                .allowed_methods(
                    AllowedMethods::builder()
                        .quantity(all.len() as i32)
                        .set_items(Some(all.to_vec()))
                        .cached_methods(
                            CachedMethods::builder()
                                .quantity(2)
                                .items(Method::Get)
                                .items(Method::Head)
                                .build()?,
                        )
                        .build()?,
                )
                .compress(true)
                .build()?,
        );
    }
    Ok(DistributionConfig::builder()
        .caller_reference(caller_ref)
        .comment(&c.name)
        .enabled(true)
        .default_root_object(p.s("default_root_object")?)
        .price_class(PriceClass::from(p.s("price_class")?))
        .web_acl_id(p.opt("web_acl").unwrap_or_default())
        .http_version(HttpVersion::Http2and3)
        .is_ipv6_enabled(true)
        .origins(
            Origins::builder()
                .quantity(origins.len() as i32)
                .set_items(Some(origins))
                .build()?,
        )
        .default_cache_behavior(
            DefaultCacheBehavior::builder()
                .target_origin_id("site")
                .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
                .cache_policy_id(CACHING_OPTIMIZED)
                .compress(true)
                .build()?,
        )
        .cache_behaviors(
            CacheBehaviors::builder()
                .quantity(behaviors.len() as i32)
                .set_items(Some(behaviors))
                .build()?,
        )
        .aliases(match p.opt("alias") {
            Some(name) => Aliases::builder().quantity(1).items(name).build()?,
            None => Aliases::builder().quantity(0).build()?,
        })
        .viewer_certificate(viewer_certificate(p))
        .build()?)
}

/// The stage's own certificate for its alias (SNI, TLS 1.2 and up: what AWS recommends), else
/// CloudFront's for its own `*.cloudfront.net` name.
fn viewer_certificate(p: &Attrs) -> ViewerCertificate {
    match p.opt("certificate") {
        Some(arn) => ViewerCertificate::builder()
            .acm_certificate_arn(arn)
            .ssl_support_method(SslSupportMethod::SniOnly)
            .minimum_protocol_version(MinimumProtocolVersion::TlSv122021)
            .build(),
        None => ViewerCertificate::builder()
            .cloud_front_default_certificate(true)
            .build(),
    }
}

/// The custom header carrying the origin token.
fn origin_header(token: &str) -> Result<CustomHeaders> {
    Ok(CustomHeaders::builder()
        .quantity(1)
        .items(
            OriginCustomHeader::builder()
                .header_name(super::origin::HEADER)
                .header_value(token)
                .build()?,
        )
        .build()?)
}

/// The current value of the distribution's origin secret, if it has one.
async fn origin_token(c: &Call<'_>, p: &Attrs) -> Result<Option<String>> {
    Ok(
        super::origin::required(c.aws, p, "api_origin_secret", false)
            .await?
            .into_iter()
            .next(),
    )
}

/// CloudFront refusing a web ACL made a moment ago: "InvalidWebACLId: Unable to verify read
/// permissions on Web ACL. Please retry the request." (aws/aws-sdk-java#2901).
fn web_acl_not_visible<E: ProvideErrorMetadata>(e: &E) -> bool {
    e.code() == Some("InvalidWebACLId")
}

/// The ownership tags, as CloudFront takes them.
fn tags(c: &Call<'_>) -> Vec<Tag> {
    c.tags()
        .into_iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let oac_id = oac(c).await?;
    let token = origin_token(c, p).await?;
    let tags = tags(c);
    // A used CallerReference is refused (DistributionAlreadyExists) when the configuration
    // differs: each creation gets its own. A run killed after this call finds the distribution by
    // its comment, not by this reference.
    let request = c
        .aws
        .cloudfront
        .create_distribution_with_tags()
        .distribution_config_with_tags(
            DistributionConfigWithTags::builder()
                .distribution_config(config(
                    c,
                    p,
                    &oac_id,
                    &super::unique(&c.name),
                    token.as_deref(),
                )?)
                .tags(Tags::builder().set_items(Some(tags)).build())
                .build(),
        );
    c.aws.mutated();
    let out = wait::retry(wait::PROPAGATION, web_acl_not_visible, || {
        request.clone().send()
    })
    .await
    .map_err(|e| aws_error("cloudfront:CreateDistributionWithTags", e))?;
    let arn = out
        .distribution()
        .map(|d| d.arn().to_string())
        .unwrap_or_default();
    put_policy(c, p.s("bucket")?, &arn).await
}

pub async fn update(c: &Call<'_>, p: &Attrs, live: &Live) -> Result<()> {
    let id = live.outputs.s("id")?;
    let arn = live.outputs.s("arn")?;
    let cur = c
        .aws
        .cloudfront
        .get_distribution_config()
        .id(id)
        .send()
        .await
        .map_err(|e| aws_error("cloudfront:GetDistributionConfig", e))?;
    let caller_ref = cur
        .distribution_config()
        .map(|d| d.caller_reference().to_string())
        .unwrap_or_else(|| c.name.clone());
    let oac_id = oac(c).await?;
    let config_changed = [
        "bucket",
        "api_domain",
        "api_protocol",
        "api_path",
        "default_root_object",
        "price_class",
        "api_origin_secret",
        "web_acl",
        "alias",
        "certificate",
    ]
    .iter()
    .any(|k| live.attrs.get(*k) != p.get(*k));
    if config_changed {
        let token = origin_token(c, p).await?;
        let request = c
            .aws
            .cloudfront
            .update_distribution()
            .id(id)
            .if_match(cur.e_tag().unwrap_or_default())
            .distribution_config(config(c, p, &oac_id, &caller_ref, token.as_deref())?);
        c.aws.mutated();
        wait::retry(wait::PROPAGATION, web_acl_not_visible, || {
            request.clone().send()
        })
        .await
        .map_err(|e| aws_error("cloudfront:UpdateDistribution", e))?;
    }
    if live.attrs.get("bucket_policy") != Some(&Value::Bool(true))
        || live.attrs.get("bucket") != p.get("bucket")
    {
        put_policy(c, p.s("bucket")?, arn).await?;
    }
    Ok(())
}

/// The bucket-policy statement letting (only) this distribution read the site's objects.
fn read_statement(bucket: &str, dist_arn: &str) -> Value {
    json!({
        "Sid": "CloudFrontReadOnly",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": format!("arn:aws:s3:::{bucket}/*"),
        "Condition": {"StringEquals": {"AWS:SourceArn": dist_arn}}
    })
}

async fn has_policy(c: &Call<'_>, bucket: &str, dist_arn: &str) -> Result<bool> {
    Ok(super::bucket_guard::statements(c.aws, bucket)
        .await?
        .iter()
        .any(|s| s["Condition"]["StringEquals"]["AWS:SourceArn"] == dist_arn))
}

async fn put_policy(c: &Call<'_>, bucket: &str, dist_arn: &str) -> Result<()> {
    super::bucket_guard::put_statement(c.aws, bucket, read_statement(bucket, dist_arn)).await
}

/// Disables the distribution, waits until that is deployed, deletes it, then its origin access control.
pub async fn delete(c: &Call<'_>, live: &Live) -> Result<()> {
    let id = live.outputs.s("id")?.to_string();
    let cur = match c
        .aws
        .cloudfront
        .get_distribution_config()
        .id(&id)
        .send()
        .await
    {
        Ok(cur) => cur,
        Err(e) if code(&e) == "NoSuchDistribution" => return delete_oac(c).await,
        Err(e) => return Err(aws_error("cloudfront:GetDistributionConfig", e)),
    };
    let mut etag = cur.e_tag().unwrap_or_default().to_string();
    // Disabled, and let go of its origin access control: the control can then go before the
    // distribution, so a run killed between the two leaves nothing the next one cannot find (the
    // distribution is found by its comment; a control alone would not be).
    let holds_oac = |cfg: &DistributionConfig| {
        cfg.origins().is_some_and(|o| {
            o.items()
                .iter()
                .any(|o| o.origin_access_control_id().is_some_and(|i| !i.is_empty()))
        })
    };
    if let Some(cfg) = cur
        .distribution_config()
        .filter(|cfg| cfg.enabled() || holds_oac(cfg))
    {
        let mut cfg = cfg.clone();
        cfg.enabled = false;
        if let Some(origins) = cfg.origins.as_mut() {
            for o in origins.items.iter_mut() {
                o.origin_access_control_id = Some(String::new());
            }
        }
        c.aws.mutated();
        let out = c
            .aws
            .cloudfront
            .update_distribution()
            .id(&id)
            .if_match(&etag)
            .distribution_config(cfg)
            .send()
            .await
            .map_err(|e| aws_error("cloudfront:UpdateDistribution", e))?;
        etag = out.e_tag().unwrap_or_default().to_string();
    }
    until_deployed(c, &id, "disabled").await?;
    delete_oac(c).await?;
    c.aws.mutated();
    match c
        .aws
        .cloudfront
        .delete_distribution()
        .id(&id)
        .if_match(&etag)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "NoSuchDistribution" => Ok(()),
        Err(e) => Err(aws_error("cloudfront:DeleteDistribution", e)),
    }
}

/// Deletes the distribution's origin access control, if there is one (a distribution that used
/// it may hold it a while after letting go: OriginAccessControlInUse is retried).
async fn delete_oac(c: &Call<'_>) -> Result<()> {
    let Some(id) = find_oac(c).await? else {
        return Ok(());
    };
    let etag = c
        .aws
        .cloudfront
        .get_origin_access_control()
        .id(&id)
        .send()
        .await
        .map_err(|e| aws_error("cloudfront:GetOriginAccessControl", e))?
        .e_tag()
        .unwrap_or_default()
        .to_string();
    c.aws.mutated();
    let answer = wait::retry(
        wait::PROPAGATION,
        |e: &aws_sdk_cloudfront::error::SdkError<_, _>| code(e) == "OriginAccessControlInUse",
        || {
            c.aws
                .cloudfront
                .delete_origin_access_control()
                .id(&id)
                .if_match(&etag)
                .send()
        },
    )
    .await;
    match answer {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "NoSuchOriginAccessControl" => Ok(()),
        Err(e) => Err(aws_error("cloudfront:DeleteOriginAccessControl", e)),
    }
}

/// Tags distribution `c.name` (its id, once adopted), made without fintech, as the stage's.
pub async fn take_over(c: &Call<'_>) -> Result<()> {
    let f = find(c)
        .await?
        .ok_or_else(|| anyhow!("CloudFront distribution {} is gone", c.name))?;
    let tags = tags(c);
    c.aws.mutated();
    c.aws
        .cloudfront
        .tag_resource()
        .resource(&f.arn)
        .tags(Tags::builder().set_items(Some(tags)).build())
        .send()
        .await
        .map_err(|e| aws_error("cloudfront:TagResource", e))?;
    Ok(())
}

/// The ids of the account's distributions with an origin in bucket `bucket` (by its global,
/// regional or website name): the guide's distribution, found by what it serves.
pub async fn serving(aws: &Aws, bucket: &str) -> Result<Vec<String>> {
    let prefix = format!("{bucket}.s3");
    Ok(list(aws)
        .await?
        .iter()
        .filter(|d| d.origins.iter().any(|o| o.starts_with(&prefix)))
        .map(|d| d.id.clone())
        .collect())
}
