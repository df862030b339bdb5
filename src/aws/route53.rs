//! Route 53: the hosted zone a stage's domain lives in (the account's own, or one fintech makes and
//! owns), and record-set changes, sent as one atomic batch and waited for until Route 53 says
//! `INSYNC` (its DNS servers answer with them).

use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ChangeStatus, HostedZoneConfig, ResourceRecord,
    ResourceRecordSet, RrType, Tag, TagResourceType,
};

use super::{Aws, Call, Names, aws_error, code, wait};

/// A hosted zone as the run needs it.
#[derive(Debug, Clone)]
pub struct Zone {
    /// Without the `/hostedzone/` prefix.
    pub id: String,
    /// Without the trailing dot.
    pub name: String,
    pub private: bool,
    pub caller_reference: String,
}

/// What the CallerReference of a zone fintech made starts with: the zone's owner, which Route 53
/// keeps from the zone's first moment (its tags come in a second call, that a killed run may miss).
pub fn caller_prefix(names: &Names, id: &str) -> String {
    format!("fintech/{}/{}/{id}/", names.app, names.stage)
}

/// The account's hosted zones, listed once per epoch for every read that needs them.
pub async fn zones(aws: &Aws) -> Result<std::sync::Arc<Vec<Zone>>> {
    aws.hosted_zones
        .get("", aws.epoch(), || async {
            let pages = super::pages!("route53:ListHostedZones", aws.route53.list_hosted_zones());
            Ok(pages
                .iter()
                .flat_map(|p| p.hosted_zones())
                .map(|z| Zone {
                    id: bare_id(z.id()).to_string(),
                    name: z.name().trim_end_matches('.').to_string(),
                    private: z.config().is_some_and(|c| c.private_zone()),
                    caller_reference: z.caller_reference().to_string(),
                })
                .collect())
        })
        .await
}

/// A zone or change id without its `/hostedzone/` or `/change/` prefix.
pub fn bare_id(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// Whether `name` is `zone` or a name under it.
pub fn is_under(name: &str, zone: &str) -> bool {
    name == zone || name.ends_with(&format!(".{zone}"))
}

/// The public zone that answers for `domain`: the deepest one whose name is `domain` or a parent of
/// it. Two public zones of that name (Route 53 allows it; only the one the parent delegates to
/// answers) cannot be told apart: an error says so.
pub fn serving<'a>(zones: &'a [Zone], domain: &str) -> Result<Option<&'a Zone>> {
    let candidates: Vec<&Zone> = zones
        .iter()
        .filter(|z| !z.private && is_under(domain, &z.name))
        .collect();
    let Some(deepest) = candidates.iter().map(|z| z.name.len()).max() else {
        return Ok(None);
    };
    let best: Vec<&Zone> = candidates
        .into_iter()
        .filter(|z| z.name.len() == deepest)
        .collect();
    match best.as_slice() {
        [one] => Ok(Some(one)),
        many => Err(anyhow!(
            "the account has {} public hosted zones named {} ({}): fintech cannot tell which one the domain's parent delegates to; delete the unused ones",
            many.len(),
            many[0].name,
            many.iter()
                .map(|z| z.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Makes a public zone named `domain`, owned by resource `id` (its CallerReference), tagged, and
/// waits until it is in sync. Returns its id.
pub async fn create_zone(c: &Call<'_>, domain: &str) -> Result<String> {
    c.aws.mutated();
    let made = c
        .aws
        .route53
        .create_hosted_zone()
        .name(domain)
        .caller_reference(super::unique(&caller_prefix(c.names, c.id)))
        .hosted_zone_config(
            HostedZoneConfig::builder()
                .comment(format!("fintech {}/{}", c.names.app, c.names.stage))
                .private_zone(false)
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("route53:CreateHostedZone", e))?;
    let zone = made
        .hosted_zone()
        .map(|z| bare_id(z.id()).to_string())
        .ok_or_else(|| anyhow!("route53:CreateHostedZone answered no zone"))?;
    c.aws.hosted_zones.forget("");
    c.aws.mutated();
    c.aws
        .route53
        .change_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(&zone)
        .set_add_tags(Some(
            c.tags()
                .into_iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .send()
        .await
        .map_err(|e| aws_error("route53:ChangeTagsForResource", e))?;
    if let Some(change) = made.change_info() {
        in_sync(c.aws, change.id()).await?;
    }
    Ok(zone)
}

/// The name servers Route 53 gave zone `id`: where the domain's parent must delegate to.
pub async fn name_servers(aws: &Aws, id: &str) -> Result<Vec<String>> {
    let z = aws
        .route53
        .get_hosted_zone()
        .id(id)
        .send()
        .await
        .map_err(|e| aws_error("route53:GetHostedZone", e))?;
    Ok(z.delegation_set()
        .map(|d| d.name_servers().to_vec())
        .unwrap_or_default())
}

/// Deletes zone `id`; already gone is fine. Records fintech did not make keep it: the error says so.
pub async fn delete_zone(aws: &Aws, id: &str, name: &str) -> Result<()> {
    aws.mutated();
    let answer = aws.route53.delete_hosted_zone().id(id).send().await;
    aws.hosted_zones.forget("");
    match answer {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "NoSuchHostedZone" => Ok(()),
        Err(e) if code(&e) == "HostedZoneNotEmpty" => Err(aws_error("route53:DeleteHostedZone", e))
            .with_context(|| {
                format!(
                    "hosted zone {name} ({id}) holds records fintech did not make: delete them (or keep the zone: remove it from the stage's state by hand) and run again"
                )
            }),
        Err(e) => Err(aws_error("route53:DeleteHostedZone", e)),
    }
}

/// The record sets of zone `zone` from `name` (type `rtype`) on, in Route 53's order (names
/// compared label by label from the right, then types), page after page for as long as `keep`
/// holds: the first that does not hold ends the listing.
pub async fn record_sets_while(
    aws: &Aws,
    zone: &str,
    name: &str,
    rtype: RrType,
    keep: impl Fn(&ResourceRecordSet) -> bool,
) -> Result<Vec<ResourceRecordSet>> {
    let (mut name, mut rtype) = (fqdn(name), rtype);
    let mut out = Vec::new();
    loop {
        let page = aws
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(zone)
            .start_record_name(&name)
            .start_record_type(rtype)
            .max_items(20)
            .send()
            .await
            .map_err(|e| aws_error("route53:ListResourceRecordSets", e))?;
        for set in page.resource_record_sets() {
            if !keep(set) {
                return Ok(out);
            }
            out.push(set.clone());
        }
        match (
            page.is_truncated(),
            page.next_record_name(),
            page.next_record_type(),
        ) {
            (true, Some(n), Some(t)) => (name, rtype) = (n.to_string(), t.clone()),
            _ => return Ok(out),
        }
    }
}

/// The record set `name` of type `rtype` in zone `zone`, if there is one.
pub async fn record_set(
    aws: &Aws,
    zone: &str,
    name: &str,
    rtype: RrType,
) -> Result<Option<ResourceRecordSet>> {
    let sets = record_sets_while(aws, zone, name, rtype.clone(), |s| {
        same_name(s.name(), name) && *s.r#type() == rtype
    })
    .await?;
    Ok(sets.into_iter().next())
}

/// `name` fully qualified (with its trailing dot), as Route 53 writes names.
pub fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}

/// Whether two DNS names are the same (case and the trailing dot aside; Route 53 writes `*` and
/// other characters as octal escapes, which fintech's names never hold).
pub fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

/// An alias record set `name` of type `rtype` to `target` (a DNS name in hosted zone `target_zone`).
pub fn alias(
    name: &str,
    rtype: RrType,
    target: &str,
    target_zone: &str,
) -> Result<ResourceRecordSet> {
    Ok(ResourceRecordSet::builder()
        .name(fqdn(name))
        .r#type(rtype)
        .alias_target(
            AliasTarget::builder()
                .hosted_zone_id(target_zone)
                .dns_name(target)
                .evaluate_target_health(false)
                .build()?,
        )
        .build()?)
}

/// A plain record set `name` of type `rtype` holding `values`, with a 5-minute TTL.
pub fn plain(name: &str, rtype: RrType, values: &[String]) -> Result<ResourceRecordSet> {
    Ok(ResourceRecordSet::builder()
        .name(fqdn(name))
        .r#type(rtype)
        .ttl(300)
        .set_resource_records(Some(
            values
                .iter()
                .map(|v| ResourceRecord::builder().value(v).build())
                .collect::<Result<_, _>>()?,
        ))
        .build()?)
}

/// Applies `changes` to zone `zone` as one batch (all or none) and waits until they are in sync.
/// Route 53 takes one change batch per zone at a time: `PriorRequestNotComplete` is retried, as
/// the Terraform provider does.
pub async fn change(
    aws: &Aws,
    zone: &str,
    changes: Vec<(ChangeAction, ResourceRecordSet)>,
) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let batch = ChangeBatch::builder()
        .set_changes(Some(
            changes
                .into_iter()
                .map(|(action, set)| {
                    Change::builder()
                        .action(action)
                        .resource_record_set(set)
                        .build()
                })
                .collect::<Result<_, _>>()?,
        ))
        .build()?;
    aws.mutated();
    let answer = wait::retry(
        Duration::from_secs(300),
        |e: &aws_sdk_route53::error::SdkError<_, _>| code(e) == "PriorRequestNotComplete",
        || {
            aws.route53
                .change_resource_record_sets()
                .hosted_zone_id(zone)
                .change_batch(batch.clone())
                .send()
        },
    )
    .await
    .map_err(|e| aws_error("route53:ChangeResourceRecordSets", e))?;
    match answer.change_info() {
        Some(info) => in_sync(aws, info.id()).await,
        None => Ok(()),
    }
}

/// Waits until change `id` is `INSYNC` (Route 53 says it takes up to 60 seconds; the Terraform
/// provider waits up to 30 minutes).
async fn in_sync(aws: &Aws, id: &str) -> Result<()> {
    let id = bare_id(id).to_string();
    wait::until(
        "Route 53 to answer with the change (INSYNC)",
        Duration::from_secs(1800),
        || async {
            let c = aws
                .route53
                .get_change()
                .id(&id)
                .send()
                .await
                .map_err(|e| aws_error("route53:GetChange", e))?;
            Ok(c.change_info()
                .is_some_and(|i| *i.status() == ChangeStatus::Insync))
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(id: &str, name: &str, private: bool) -> Zone {
        Zone {
            id: id.into(),
            name: name.into(),
            private,
            caller_reference: String::new(),
        }
    }

    #[test]
    fn the_serving_zone_is_the_deepest_public_parent() {
        let zones = [
            zone("A", "example.com", false),
            zone("B", "tracker.example.com", true),
            zone("C", "ample.com", false),
            zone("D", "other.org", false),
        ];
        let found = serving(&zones, "tracker.example.com").unwrap().unwrap();
        assert_eq!(
            found.id, "A",
            "the private one and a mere suffix are not parents"
        );
        assert!(serving(&zones, "example.org").unwrap().is_none());
        let twice = [
            zone("A", "example.com", false),
            zone("E", "example.com", false),
        ];
        let err = serving(&twice, "tracker.example.com")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("2 public hosted zones named example.com (A, E)"),
            "{err}"
        );
    }

    #[test]
    fn names_compare_without_case_or_the_trailing_dot() {
        assert!(same_name("Tracker.Example.com.", "tracker.example.com"));
        assert!(!same_name("api.example.com.", "example.com"));
        assert!(is_under("a.b.example.com", "example.com"));
        assert!(!is_under("badexample.com", "example.com"));
    }
}
