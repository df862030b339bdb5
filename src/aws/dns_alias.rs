//! A name in the stage's hosted zone aliased to one of its AWS endpoints (CloudFront, a load
//! balancer). Route 53 records carry no tags: beside the alias, a TXT record at
//! `_fintech-<app>-<stage>-<id>.<zone>` names the record fintech made, so that a name someone else
//! made is never taken over, and a stage's records are found again when the stack drops them.

use anyhow::{Result, anyhow};
use aws_sdk_route53::types::{ChangeAction, ResourceRecordSet, RrType};
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Names, NotOwned, Props, fit, route53};

/// The first label of the marker of resource `id`.
fn marker_label(names: &Names, id: &str) -> String {
    fit(&format!("_fintech-{}", names.base(id)), 63)
}

/// The marker's TXT value: the record's name, quoted as TXT values are.
fn marker_value(name: &str) -> String {
    format!("\"{name}\"")
}

/// The zone's name, from the account's listing.
async fn zone_name(aws: &Aws, zone: &str) -> Result<Option<String>> {
    Ok(route53::zones(aws)
        .await?
        .iter()
        .find(|z| z.id == zone)
        .map(|z| z.name.clone()))
}

/// The alias record sets at `name` (A, and AAAA where there is one).
async fn aliases(aws: &Aws, zone: &str, name: &str) -> Result<Vec<ResourceRecordSet>> {
    Ok(route53::record_sets_while(aws, zone, name, RrType::A, |s| {
        route53::same_name(s.name(), name)
    })
    .await?
    .into_iter()
    .filter(|s| matches!(s.r#type(), RrType::A | RrType::Aaaa))
    .collect())
}

pub async fn read(c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
    let zone = p.s("zone")?;
    let Some(apex) = zone_name(c.aws, zone).await? else {
        return Ok(None); // the zone went (or is not made yet): so did its records
    };
    let marker_name = format!("{}.{apex}", marker_label(c.names, c.id));
    let wanted = p.s("name")?;
    let (marker, at_wanted) = futures::try_join!(
        route53::record_set(c.aws, zone, &marker_name, RrType::Txt),
        aliases(c.aws, zone, wanted)
    )?;
    let marked: Option<String> = marker.as_ref().and_then(|m| {
        m.resource_records()
            .first()
            .map(|r| r.value().trim_matches('"').to_string())
    });
    let (name, sets) = match marked {
        Some(name) if route53::same_name(&name, wanted) => (name, at_wanted),
        Some(name) => {
            let sets = aliases(c.aws, zone, &name).await?;
            (name, sets)
        }
        None if at_wanted.is_empty() => return Ok(None),
        None => {
            return Err(NotOwned(format!(
                "{wanted} already has an address record in hosted zone {apex} that fintech did not make; refusing to replace it (delete it, or give the stage another domain)"
            ))
            .into());
        }
    };
    let a = sets.iter().find(|s| *s.r#type() == RrType::A);
    let target = a.and_then(|s| s.alias_target());
    let mut attrs = Attrs::new();
    attrs.insert("zone".into(), Value::from(zone));
    attrs.insert("name".into(), Value::from(name.trim_end_matches('.')));
    attrs.insert(
        "target".into(),
        target.map_or(Value::Null, |t| {
            Value::from(t.dns_name().trim_end_matches('.'))
        }),
    );
    attrs.insert(
        "target_zone".into(),
        target.map_or(Value::Null, |t| Value::from(t.hosted_zone_id())),
    );
    attrs.insert(
        "ipv6".into(),
        Value::from(sets.iter().any(|s| *s.r#type() == RrType::Aaaa)),
    );
    let mut o = Attrs::new();
    o.insert("name".into(), Value::from(name.trim_end_matches('.')));
    o.insert(
        "url".into(),
        Value::from(format!("https://{}", name.trim_end_matches('.'))),
    );
    Ok(Some(Live {
        attrs,
        outputs: o,
        ..Default::default()
    }))
}

/// The record sets the resource wants: the alias(es) and the marker.
fn wanted(c: &Call<'_>, p: &Attrs, apex: &str) -> Result<Vec<ResourceRecordSet>> {
    let name = p.s("name")?;
    let (target, target_zone) = (p.s("target")?, p.s("target_zone")?);
    let mut sets = vec![route53::alias(name, RrType::A, target, target_zone)?];
    if p.b("ipv6")? {
        sets.push(route53::alias(name, RrType::Aaaa, target, target_zone)?);
    }
    sets.push(route53::plain(
        &format!("{}.{apex}", marker_label(c.names, c.id)),
        RrType::Txt,
        &[marker_value(name)],
    )?);
    Ok(sets)
}

async fn apex(c: &Call<'_>, zone: &str) -> Result<String> {
    zone_name(c.aws, zone)
        .await?
        .ok_or_else(|| anyhow!("hosted zone {zone} does not exist"))
}

/// Creates the records in one batch. CREATE, not UPSERT: a name someone made meanwhile makes the
/// batch fail whole, and nothing of theirs is overwritten.
pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let zone = p.s("zone")?;
    let apex = apex(c, zone).await?;
    let changes = wanted(c, p, &apex)?
        .into_iter()
        .map(|s| (ChangeAction::Create, s))
        .collect();
    route53::change(c.aws, zone, changes).await.map_err(|e| {
        e.context(format!(
            "creating {} in hosted zone {apex} (a record of that name that fintech did not make is left as it is)",
            p.s("name").unwrap_or_default()
        ))
    })
}

/// Points the records at the new target (UPSERT), dropping the AAAA record where IPv6 is off.
pub async fn update(c: &Call<'_>, p: &Attrs, live: &Live) -> Result<()> {
    let zone = p.s("zone")?;
    let apex = apex(c, zone).await?;
    let mut changes: Vec<_> = wanted(c, p, &apex)?
        .into_iter()
        .map(|s| (ChangeAction::Upsert, s))
        .collect();
    if live.attrs.b("ipv6").unwrap_or(false) && !p.b("ipv6")? {
        let name = p.s("name")?;
        if let Some(aaaa) = route53::record_set(c.aws, zone, name, RrType::Aaaa).await? {
            changes.push((ChangeAction::Delete, aaaa));
        }
    }
    route53::change(c.aws, zone, changes).await
}

/// Deletes the records as they are (Route 53 deletes a record set only given its exact values).
pub async fn delete(c: &Call<'_>, live: &Live) -> Result<()> {
    let zone = live.attrs.s("zone")?;
    let Some(apex) = zone_name(c.aws, zone).await? else {
        return Ok(());
    };
    let name = live.attrs.s("name")?;
    let marker = format!("{}.{apex}", marker_label(c.names, c.id));
    let mut changes: Vec<_> = aliases(c.aws, zone, name)
        .await?
        .into_iter()
        .map(|s| (ChangeAction::Delete, s))
        .collect();
    if let Some(m) = route53::record_set(c.aws, zone, &marker, RrType::Txt).await? {
        changes.push((ChangeAction::Delete, m));
    }
    route53::change(c.aws, zone, changes).await
}

/// The stage's alias records in the account's public zones, by resource id, found by their
/// markers: one listing of the zones, and one page of each zone from the stage's marker prefix.
pub async fn ids(aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
    let prefix = format!("_fintech-{}", names.prefix());
    let mut out = Vec::new();
    for z in route53::zones(aws).await?.iter().filter(|z| !z.private) {
        let start = format!("{prefix}.{}", z.name);
        let suffix = format!(".{}", z.name);
        // Route 53 orders names label by label from the right: the stage's markers, right under
        // the apex, come one after the other from the prefix on (names under them among them).
        let sets = route53::record_sets_while(aws, &z.id, &start, RrType::Txt, |s| {
            s.name()
                .trim_end_matches('.')
                .strip_suffix(&suffix)
                .and_then(|l| l.rsplit('.').next())
                .is_some_and(|l| l.starts_with(&prefix))
        })
        .await?;
        for s in sets {
            let Some(label) = s
                .name()
                .trim_end_matches('.')
                .strip_suffix(&format!(".{}", z.name))
            else {
                continue;
            };
            let Some(rest) = label.strip_prefix(&prefix) else {
                continue;
            };
            if *s.r#type() != RrType::Txt || rest.contains('.') {
                continue;
            }
            let mut a = Attrs::new();
            a.insert("zone".into(), Value::from(z.id.clone()));
            let name = s
                .resource_records()
                .first()
                .map(|r| r.value().trim_matches('"').to_string())
                .unwrap_or_default();
            a.insert("name".into(), Value::from(name));
            out.push((rest.replace('-', "_"), a));
        }
    }
    Ok(out)
}
