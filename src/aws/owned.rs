//! What a stage owns in AWS whether or not the stack still declares it, so that a resource removed
//! from the stack (or left by the other option) shows in the plan as a delete. Each driver lists
//! its candidates; its read then proves ownership (tags, or an exact name where there are none).

use anyhow::Result;
use futures::future::try_join_all;

use super::{Attrs, Aws, Call, Live, Names, NotOwned};
use crate::model::schema::TypeSchema;

/// A live resource of the stage, with the id it was created under.
pub struct Owned {
    pub schema: &'static TypeSchema,
    pub id: String,
    pub live: Live,
}

/// Every live resource of `types` the stage owns that is not declared as (type, id), in the order
/// they can be deleted in (each type's delete rank).
pub async fn undeclared(
    aws: &Aws,
    names: &Names,
    types: &[&'static TypeSchema],
    declared: &[(&str, &str)],
) -> Result<Vec<Owned>> {
    let mut types: Vec<&'static TypeSchema> = types.iter().copied().filter(|t| !t.lookup).collect();
    types.sort_by_key(|t| t.driver.delete_rank());
    let lists = try_join_all(types.into_iter().map(|schema| async move {
        // A name shortened to fit (with a hash) does not give back its id: a listed resource is
        // declared when a declared resource of its type has its physical name.
        let taken: Vec<String> = declared
            .iter()
            .filter(|(t, _)| *t == schema.name)
            .map(|(_, id)| names.physical(schema, id))
            .collect();
        let mut found = Vec::new();
        // What the stage adopted carries its own name, not the stage's prefix: a listing by
        // prefix misses it, so each adopted resource of the type is a candidate too.
        let mut candidates = schema.driver.list(aws, names).await?;
        let adopted: Vec<(String, Attrs)> = names
            .adopted
            .iter()
            .filter(|(id, a)| {
                a.type_name == schema.name && !candidates.iter().any(|(c, _)| c == *id)
            })
            .map(|(id, _)| (id.clone(), Attrs::new()))
            .collect();
        candidates.extend(adopted);
        for (id, props) in candidates {
            if declared.contains(&(schema.name, id.as_str()))
                || taken.contains(&names.physical(schema, &id))
            {
                continue;
            }
            match schema
                .driver
                .read(&Call::new(aws, names, schema, &id), &props)
                .await
            {
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

/// The ids of the physical names that carry the stage's prefix (`{app}-{stage}-`). A name of
/// stage `dev-eu` carries stage `dev`'s prefix too: the driver's read then refuses it by its tags.
pub fn ids_by_prefix(
    names: &Names,
    physical: impl IntoIterator<Item = String>,
) -> Vec<(String, Attrs)> {
    let prefix = names.prefix();
    physical
        .into_iter()
        .filter_map(|n| n.strip_prefix(&prefix).map(|rest| rest.replace('-', "_")))
        .map(|id| (id, Attrs::new()))
        .collect()
}
