//! The stage domain's hosted zone as a resource: the zone fintech made for the domain (its
//! CallerReference names the stage), else the account's public zone that serves the domain, which
//! the stage uses and never changes or deletes.

use anyhow::Result;
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Names, Props, route53};

pub async fn read(c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
    let zones = route53::zones(c.aws).await?;
    let mine = route53::caller_prefix(c.names, c.id);
    let ours = zones
        .iter()
        .find(|z| !z.private && z.caller_reference.starts_with(&mine));
    let (zone, managed) = match ours {
        Some(z) => (z, true),
        None => match route53::serving(&zones, p.s("domain")?)? {
            Some(z) => (z, false),
            None => return Ok(None),
        },
    };
    let mut a = Attrs::new();
    // A zone of the account's serves the domain it is a parent of: it is what the stack wants.
    let domain = if managed {
        zone.name.as_str()
    } else {
        p.s("domain")?
    };
    a.insert("domain".into(), Value::from(domain));
    let mut o = Attrs::new();
    o.insert("id".into(), Value::from(zone.id.clone()));
    o.insert("name".into(), Value::from(zone.name.clone()));
    o.insert("managed".into(), Value::from(managed));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        borrowed: !managed,
        ..Default::default()
    }))
}

/// Deletes the zone if fintech made it; the account's own zone stays.
pub async fn delete(c: &Call<'_>, live: &Live) -> Result<()> {
    if live.outputs.get("managed") != Some(&Value::Bool(true)) {
        return Ok(());
    }
    route53::delete_zone(c.aws, live.outputs.s("id")?, live.outputs.s("name")?).await
}

/// The zones the stage made, by resource id (from their CallerReference).
pub async fn ids(aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
    let stage = format!("fintech/{}/{}/", names.app, names.stage);
    Ok(route53::zones(aws)
        .await?
        .iter()
        .filter_map(|z| {
            let id = z.caller_reference.strip_prefix(&stage)?.split('/').next()?;
            let mut a = Attrs::new();
            a.insert("domain".into(), Value::from(z.name.clone()));
            Some((id.to_string(), a))
        })
        .collect())
}
