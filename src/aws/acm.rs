//! ACM: a public certificate for one name, validated through DNS: fintech writes the CNAME ACM asks
//! for into the stage's hosted zone and waits until ACM has issued the certificate (for CloudFront
//! the certificate must be in us-east-1, whatever the stack's region).

use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use aws_sdk_acm::types::{CertificateDetail, CertificateStatus, Tag, ValidationMethod};
use aws_sdk_route53::types::{ChangeAction, RrType};
use serde_json::Value;

use super::{Attrs, Call, Live, Props, aws_error, code, route53, wait};

/// The tag naming the hosted zone the validation records are in.
const ZONE_TAG: &str = "fintech:zone";

/// How long ACM may take to issue a DNS-validated certificate once its records answer (the
/// Terraform provider's `aws_acm_certificate_validation` waits 75 minutes by default).
const VALIDATION: Duration = Duration::from_secs(75 * 60);

/// How long a certificate may stay in use after what used it let go (CloudFront releases it
/// minutes after its distribution changed or went).
const RELEASE: Duration = Duration::from_secs(30 * 60);

/// The ACM client of the certificate: us-east-1's for CloudFront, else the stack's region's.
fn client<'a>(c: &'a Call<'_>, p: &Attrs) -> Result<&'a aws_sdk_acm::Client> {
    Ok(if p.b("for_cloudfront")? {
        &c.aws.acm_global
    } else {
        &c.aws.acm
    })
}

/// The stage's certificates of resource `c.id` for `domain` (newest first), with their zone tag.
async fn ours(c: &Call<'_>, p: &Attrs) -> Result<Vec<(CertificateDetail, Option<String>)>> {
    let acm = client(c, p)?;
    let domain = p.s("domain")?;
    let arns: Vec<String> = listed(acm)
        .await?
        .into_iter()
        .filter(|(_, d)| d == domain)
        .map(|(arn, _)| arn)
        .collect();
    let mut found = Vec::new();
    for arn in arns {
        let Some(tags) = tags(acm, &arn).await? else {
            continue;
        };
        if stage_id(&tags, c.names) != Some(c.id) {
            continue; // the account's own certificates for the name, or another stage's
        }
        let Some(detail) = describe(c, p, &arn).await? else {
            continue;
        };
        found.push((detail, tags.get(ZONE_TAG).cloned()));
    }
    found.sort_by_key(|(d, _)| std::cmp::Reverse(d.created_at().map(|t| t.secs())));
    Ok(found)
}

/// A certificate's tags; `None` when it is gone.
async fn tags(
    acm: &aws_sdk_acm::Client,
    arn: &str,
) -> Result<Option<std::collections::BTreeMap<String, String>>> {
    match acm
        .list_tags_for_certificate()
        .certificate_arn(arn)
        .send()
        .await
    {
        Ok(t) => Ok(Some(
            t.tags()
                .iter()
                .map(|t| {
                    (
                        t.key().to_string(),
                        t.value().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
        )),
        Err(e) if code(&e) == "ResourceNotFoundException" => Ok(None),
        Err(e) => Err(aws_error("acm:ListTagsForCertificate", e)),
    }
}

/// The resource id a certificate's tags give it, if the stage owns it.
fn stage_id<'a>(
    tags: &'a std::collections::BTreeMap<String, String>,
    names: &super::Names,
) -> Option<&'a str> {
    let owned = tags.get("fintech:app") == Some(&names.app)
        && tags.get("fintech:stage") == Some(&names.stage);
    owned
        .then(|| tags.get("fintech:id").map(String::as_str))
        .flatten()
}

/// Every certificate of the region, whatever its status (ACM lists only some statuses unless
/// asked for all): (ARN, domain).
async fn listed(acm: &aws_sdk_acm::Client) -> Result<Vec<(String, String)>> {
    let statuses = [
        CertificateStatus::PendingValidation,
        CertificateStatus::Issued,
        CertificateStatus::Inactive,
        CertificateStatus::Expired,
        CertificateStatus::ValidationTimedOut,
        CertificateStatus::Revoked,
        CertificateStatus::Failed,
    ];
    let pages = super::pages!(
        "acm:ListCertificates",
        acm.list_certificates()
            .set_certificate_statuses(Some(statuses.to_vec()))
    );
    Ok(pages
        .iter()
        .flat_map(|p| p.certificate_summary_list())
        .filter_map(|s| {
            Some((
                s.certificate_arn()?.to_string(),
                s.domain_name()?.to_string(),
            ))
        })
        .collect())
}

async fn describe(c: &Call<'_>, p: &Attrs, arn: &str) -> Result<Option<CertificateDetail>> {
    match client(c, p)?
        .describe_certificate()
        .certificate_arn(arn)
        .send()
        .await
    {
        Ok(d) => Ok(d.certificate().cloned()),
        Err(e) if code(&e) == "ResourceNotFoundException" => Ok(None),
        Err(e) => Err(aws_error("acm:DescribeCertificate", e)),
    }
}

/// Whether a certificate in `status` can still be issued or is: a failed, expired or revoked one is
/// replaced by a new request.
fn usable(status: Option<&CertificateStatus>) -> bool {
    matches!(
        status,
        Some(CertificateStatus::Issued | CertificateStatus::PendingValidation)
    )
}

pub async fn read(c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
    let Some((cert, zone)) = ours(c, p)
        .await?
        .into_iter()
        .find(|(d, _)| usable(d.status()))
    else {
        return Ok(None);
    };
    let mut a = Attrs::new();
    a.insert(
        "domain".into(),
        Value::from(cert.domain_name().unwrap_or_default()),
    );
    a.insert("zone".into(), zone.map_or(Value::Null, Value::from));
    a.insert(
        "for_cloudfront".into(),
        p.get("for_cloudfront").cloned().unwrap_or(Value::Null),
    );
    a.insert(
        "issued".into(),
        Value::from(cert.status() == Some(&CertificateStatus::Issued)),
    );
    let mut o = Attrs::new();
    o.insert(
        "arn".into(),
        Value::from(cert.certificate_arn().unwrap_or_default()),
    );
    o.insert(
        "domain".into(),
        Value::from(cert.domain_name().unwrap_or_default()),
    );
    let mut notes = Vec::new();
    if cert.status() == Some(&CertificateStatus::PendingValidation) {
        notes.push(format!(
            "{}: ACM has not issued the certificate for {} yet (deploy writes its validation record and waits)",
            c.id,
            cert.domain_name().unwrap_or_default()
        ));
    }
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        notes,
        ..Default::default()
    }))
}

pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    // A certificate that failed or expired cannot be issued any more: it goes, a new one comes.
    // One still pending (a run killed while it waited) is validated, not requested again.
    for (cert, zone) in ours(c, p).await? {
        if usable(cert.status()) {
            return validate(c, p, cert.certificate_arn().unwrap_or_default()).await;
        }
        delete_one(c, p, &cert, zone.as_deref()).await?;
    }
    let domain = p.s("domain")?;
    let zone = p.s("zone")?;
    let mut tags: Vec<Tag> = c
        .tags()
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<Result<_, _>>()?;
    tags.push(Tag::builder().key(ZONE_TAG).value(zone).build()?);
    c.aws.mutated();
    // The token makes a request sent again (its answer lost) the same request, for an hour.
    let arn = client(c, p)?
        .request_certificate()
        .domain_name(domain)
        .validation_method(ValidationMethod::Dns)
        .idempotency_token(token(c, domain))
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(|e| aws_error("acm:RequestCertificate", e))?
        .certificate_arn()
        .ok_or_else(|| anyhow!("acm:RequestCertificate answered no ARN"))?
        .to_string();
    validate(c, p, &arn).await
}

/// The idempotency token of this request for `domain` by this resource (ACM takes up to 32 letters
/// and digits): the SDK's retries of it carry it, so a request whose answer was lost is not made
/// twice. Unique to this moment: ACM would answer a token seen within the hour with the
/// certificate it named then, even if that one was deleted since.
fn token(c: &Call<'_>, domain: &str) -> String {
    use sha2::Digest;
    let this = super::unique(&format!(
        "{}/{}/{}/{domain}",
        c.names.app, c.names.stage, c.id
    ));
    hex::encode(&sha2::Sha256::digest(this)[..16])
}

pub async fn update(c: &Call<'_>, p: &Attrs, live: &Live) -> Result<()> {
    let arn = live.outputs.s("arn")?.to_string();
    validate(c, p, &arn).await
}

/// Writes the certificate's validation records into the zone (UPSERT: the same name's records are
/// the same for every certificate of it in the account) and waits until ACM issues it.
async fn validate(c: &Call<'_>, p: &Attrs, arn: &str) -> Result<()> {
    let zone = p.s("zone")?;
    // ACM adds the records to the certificate a few seconds after the request.
    let records = wait::found(
        "ACM to name the certificate's DNS validation record",
        wait::PROPAGATION,
        || async {
            let Some(d) = describe(c, p, arn).await? else {
                return Ok(None);
            };
            if d.status() == Some(&CertificateStatus::Issued) {
                return Ok(Some(Vec::new()));
            }
            Ok(validation_records(&d))
        },
    )
    .await?;
    let changes = records
        .iter()
        .map(|(name, value)| {
            route53::plain(name, RrType::Cname, std::slice::from_ref(value))
                .map(|set| (ChangeAction::Upsert, set))
        })
        .collect::<Result<Vec<_>>>()?;
    route53::change(c.aws, zone, changes).await?;
    let delegation = delegation_hint(c, zone, p.s("domain")?).await;
    wait::until(
        &format!(
            "ACM to issue the certificate for {}{delegation}",
            p.s("domain")?
        ),
        VALIDATION,
        || async {
            let d = describe(c, p, arn)
                .await?
                .ok_or_else(|| anyhow!("certificate {arn} disappeared while being validated"))?;
            match d.status() {
                Some(CertificateStatus::Issued) => Ok(true),
                Some(CertificateStatus::PendingValidation) => Ok(false),
                other => bail!(
                    "ACM did not issue the certificate for {}: {} ({})",
                    d.domain_name().unwrap_or_default(),
                    other.map_or("no status", |s| s.as_str()),
                    d.failure_reason().map_or("no reason given", |r| r.as_str()),
                ),
            }
        },
    )
    .await
}

/// The CNAME records (name, value) a certificate waits for; `None` while ACM has not named them all.
fn validation_records(d: &CertificateDetail) -> Option<Vec<(String, String)>> {
    let options = d.domain_validation_options();
    if options.is_empty() {
        return None;
    }
    options
        .iter()
        .map(|o| {
            o.resource_record()
                .map(|r| (r.name().to_string(), r.value().to_string()))
        })
        .collect()
}

/// Where a zone fintech made must be delegated from, for the wait's line: ACM validates through
/// public DNS, which reaches the zone only once the parent domain names its servers.
async fn delegation_hint(c: &Call<'_>, zone: &str, domain: &str) -> String {
    let Ok(zones) = route53::zones(c.aws).await else {
        return String::new();
    };
    let Some(z) = zones.iter().find(|z| z.id == zone) else {
        return String::new();
    };
    if !z.caller_reference.starts_with("fintech/") || z.name.matches('.').count() < 2 {
        return String::new(); // the account's own zone, or one for a registered domain itself
    }
    match route53::name_servers(c.aws, zone).await {
        Ok(ns) if !ns.is_empty() => format!(
            " (if it waits long: the parent of {domain} must delegate it to {})",
            ns.join(", ")
        ),
        _ => String::new(),
    }
}

pub async fn delete(c: &Call<'_>, p: &Attrs, live: &Live) -> Result<()> {
    let arn = live.outputs.s("arn")?;
    let Some(detail) = describe(c, p, arn).await? else {
        return Ok(());
    };
    delete_one(c, p, &detail, live.attrs.opt("zone")).await
}

/// Deletes the certificate's validation records (where they are still as ACM named them) and the
/// certificate, once nothing uses it any more.
async fn delete_one(
    c: &Call<'_>,
    p: &Attrs,
    cert: &CertificateDetail,
    zone: Option<&str>,
) -> Result<()> {
    if let (Some(zone), Some(records)) = (zone, validation_records(cert)) {
        let mut changes = Vec::new();
        for (name, value) in records {
            let live = route53::record_set(c.aws, zone, &name, RrType::Cname).await?;
            if let Some(set) = live.filter(|s| {
                s.resource_records()
                    .iter()
                    .any(|r| route53::same_name(r.value(), &value))
            }) {
                changes.push((ChangeAction::Delete, set));
            }
        }
        route53::change(c.aws, zone, changes).await?;
    }
    let arn = cert.certificate_arn().unwrap_or_default();
    c.aws.mutated();
    let answer = wait::retry(
        RELEASE,
        |e: &aws_sdk_acm::error::SdkError<_, _>| code(e) == "ResourceInUseException",
        || {
            client(c, p)
                .expect("checked")
                .delete_certificate()
                .certificate_arn(arn)
                .send()
        },
    )
    .await;
    match answer {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "ResourceNotFoundException" => Ok(()),
        Err(e) => Err(aws_error("acm:DeleteCertificate", e)),
    }
}

/// The stage's certificates in this region and in us-east-1, by resource id (a certificate has no
/// name: its tags say whose it is).
pub async fn ids(c: &super::Aws, names: &super::Names) -> Result<Vec<(String, Attrs)>> {
    let mut out = Vec::new();
    // In us-east-1 both clients list the same certificates: once is enough.
    let regions = if c.region == "us-east-1" { 1 } else { 2 };
    for (acm, for_cloudfront) in [(&c.acm_global, true), (&c.acm, false)]
        .into_iter()
        .take(regions)
    {
        for (arn, domain) in listed(acm).await? {
            let Some(tags) = tags(acm, &arn).await? else {
                continue;
            };
            let Some(id) = stage_id(&tags, names) else {
                continue;
            };
            let mut a = Attrs::new();
            a.insert("domain".into(), Value::from(domain));
            a.insert("for_cloudfront".into(), Value::from(for_cloudfront));
            out.push((id.to_string(), a));
        }
    }
    Ok(out)
}
