//! `fintech adopt`: which live resources, made by hand as the deployment guide has it, a stage's
//! declarations are (by the guide's names, by what they are attached to, by type), and taking
//! them over (tags only: nothing is created, changed or deleted).

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Result;

use super::{Aws, Call, Names, NotOwned};
use crate::model::{Adopted, Desired};

/// What was found for one declared resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// One resource: its name (or id, where names are not unique) and how it was found.
    One { name: String, how: String },
    /// Several fit: which one is the user's call.
    Ambiguous(Vec<String>),
    /// Nothing: the plan creates it.
    Missing,
    /// Something made by hand is there, but fintech does not take it over: why, and what then.
    Left { name: String, why: String },
}

/// Where a found resource stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Untagged: `--yes` tags it as the stage's.
    ToAdopt,
    /// The stage's already (an earlier `adopt --yes`).
    Owned,
    /// Another app's or stage's: left alone.
    Foreign(String),
    /// Not there under that name after all.
    Gone,
}

/// One declared resource of the stage and what the guide's deployment has for it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub type_name: &'static str,
    pub found: Found,
    /// For [`Found::One`]: where it stands.
    pub standing: Option<Standing>,
}

/// The deployment guide's names ("Step-by-Step" sections).
pub mod guide {
    pub const DB: &str = "fintech-tracker-db";
    pub const CACHE: &str = "fintech-tracker-redis";
    pub const FUNCTION: &str = "fintech-tracker-api";
    pub const HTTP_API: &str = "fintech-tracker-api";
    pub const BUCKET: &str = "fintech-tracker-frontend";
    pub const RULE: &str = "fintech-daily-ingestion";
    pub const REPOSITORY: &str = "fintech-tracker-backend";
    pub const CLUSTER: &str = "fintech-tracker-cluster";
    pub const SERVICE: &str = "fintech-tracker-backend";
}

/// The declared resource of type `type_name`, its id: the stacks name them as they like, so the
/// guide's resources are matched to declarations by type (and, where a type is declared more than
/// once, by the id the bundled stacks use).
fn declared(desired: &Desired, type_name: &str, usual: &str) -> Option<String> {
    let of_type: Vec<&String> = desired
        .resources
        .iter()
        .filter(|(_, r)| r.schema.name == type_name)
        .map(|(id, _)| id)
        .collect();
    match of_type.as_slice() {
        [one] => Some((*one).clone()),
        _ => of_type.into_iter().find(|id| *id == usual).cloned(),
    }
}

/// `id`, if it is declared as a `type_name`.
fn declared_as(desired: &Desired, type_name: &str, id: &str) -> Option<String> {
    desired
        .resources
        .get(id)
        .filter(|r| r.schema.name == type_name)
        .map(|_| id.to_string())
}

/// Finds what the guide's hand-made deployment has for the stage's declarations, and where each
/// found resource stands (each read once: the read that finds a resource by name says that too).
pub async fn find(aws: &Aws, names: &Names, desired: &Desired) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    let mut push =
        |id: String, type_name: &'static str, found: Found, standing: Option<Standing>| {
            out.push(Entry {
                id,
                type_name,
                found,
                standing,
            })
        };
    // Where resource `name` of `type_name` stands as declaration `id`: `None` when it is not there.
    let there = |id: String, type_name: &'static str, name: &'static str| async move {
        let s = standing(aws, names, desired, &id, type_name, name).await?;
        Ok::<_, anyhow::Error>((s != Standing::Gone).then_some(s))
    };
    // The database: by the guide's name, else the region's only PostgreSQL instance no stage owns.
    if let Some(id) = declared(desired, "rds.postgres", "db") {
        let (found, s) = match there(id.clone(), "rds.postgres", guide::DB).await? {
            Some(s) => (by_name(guide::DB), Some(s)),
            None => match super::rds::untagged_postgres(aws).await?.as_slice() {
                [] => (Found::Missing, None),
                [one] => (
                    Found::One {
                        name: one.clone(),
                        how: "by type: the region's only PostgreSQL instance no fintech stage owns"
                            .into(),
                    },
                    None,
                ),
                many => (Found::Ambiguous(many.to_vec()), None),
            },
        };
        push(id, "rds.postgres", found, s);
    }
    // The cache: a lone cluster, which fintech does not take over (see `CACHE_LEFT`).
    if let Some(id) = declared(desired, "elasticache.redis", "cache") {
        let found = if super::elasticache::lone_cluster(aws, guide::CACHE).await? {
            Found::Left {
                name: guide::CACHE.into(),
                why: CACHE_LEFT.into(),
            }
        } else {
            Found::Missing
        };
        push(id, "elasticache.redis", found, None);
    }
    // The API function by its name; else the function behind the HTTP API's integration.
    let apis = super::apigw::apis_named(aws, guide::HTTP_API).await?;
    let mut api_function = None;
    // By id, not by type: in the containers option the only function is the ingestion job's.
    if let Some(id) = declared_as(desired, "lambda.function", "api") {
        let (found, s) = match there(id.clone(), "lambda.function", guide::FUNCTION).await? {
            Some(s) => (by_name(guide::FUNCTION), Some(s)),
            None => {
                let mut behind: Vec<String> = apis.iter().flat_map(|(_, f)| f.clone()).collect();
                behind.sort();
                behind.dedup();
                (
                    one_of(behind, "the function behind the HTTP API's integration"),
                    None,
                )
            }
        };
        if let Found::One { name, .. } = &found {
            api_function = Some(name.clone());
        }
        push(id, "lambda.function", found, s);
    }
    // The HTTP API by its name (names are not unique: then the one invoking the API function).
    if let Some(id) = declared(desired, "apigateway.http_api", "api_origin") {
        let mut ids: Vec<&(String, Vec<String>)> = apis.iter().collect();
        if ids.len() > 1
            && let Some(f) = &api_function
        {
            ids.retain(|(_, fs)| fs.contains(f));
        }
        let found = match ids.as_slice() {
            [] => Found::Missing,
            [(api, _)] => Found::One {
                name: api.clone(),
                how: format!(
                    "the guide's {}, recorded by id: API names are not unique",
                    guide::HTTP_API
                ),
            },
            many => Found::Ambiguous(many.iter().map(|(api, _)| api.clone()).collect()),
        };
        push(id, "apigateway.http_api", found, None);
    }
    // The site's bucket by its name; the distribution by the bucket behind its origin.
    if let Some(id) = declared(desired, "s3.bucket", "site_bucket") {
        let s = there(id.clone(), "s3.bucket", guide::BUCKET).await?;
        let found = s
            .as_ref()
            .map_or(Found::Missing, |_| by_name(guide::BUCKET));
        push(id, "s3.bucket", found, s);
    }
    if let Some(id) = declared(desired, "cloudfront.distribution", "cdn") {
        let serving = super::cloudfront::serving(aws, guide::BUCKET).await?;
        let how = format!("the distribution with {} behind its origin", guide::BUCKET);
        push(id, "cloudfront.distribution", one_of(serving, &how), None);
    }
    // The schedule by its name; the ingestion function by the rule's target.
    let mut targets = Vec::new();
    if let Some(id) = declared(desired, "events.schedule", "daily_ingest") {
        let s = there(id.clone(), "events.schedule", guide::RULE).await?;
        if s.is_some() {
            targets = super::events::target_functions(aws, guide::RULE).await?;
        }
        let found = s.as_ref().map_or(Found::Missing, |_| by_name(guide::RULE));
        push(id, "events.schedule", found, s);
    }
    if let Some(id) = declared_as(desired, "lambda.function", "ingest") {
        let mut live = Vec::new();
        for t in &targets {
            let s = standing(aws, names, desired, &id, "lambda.function", t).await?;
            if s != Standing::Gone {
                live.push((t.clone(), s));
            }
        }
        let (found, s) = match (targets.as_slice(), live.as_slice()) {
            ([t, ..], []) => (
                Found::Left {
                    name: t.clone(),
                    why: "the guide's rule targets it, but it does not exist (the guide never makes it): the plan creates the ingestion function".into(),
                },
                None,
            ),
            (_, [(t, s)]) => (
                one_of(vec![t.clone()], &format!("the function {} invokes", guide::RULE)),
                Some(s.clone()),
            ),
            _ => (
                one_of(
                    live.iter().map(|(t, _)| t.clone()).collect(),
                    &format!("the function {} invokes", guide::RULE),
                ),
                None,
            ),
        };
        push(id, "lambda.function", found, s);
    }
    // Containers: the repository and cluster by name; the service is left (see `SERVICE_LEFT`).
    for (type_name, usual, name) in [
        ("ecr.repository", "repo", guide::REPOSITORY),
        ("ecs.cluster", "cluster", guide::CLUSTER),
    ] {
        if let Some(id) = declared(desired, type_name, usual) {
            let s = there(id.clone(), type_name, name).await?;
            let found = s.as_ref().map_or(Found::Missing, |_| by_name(name));
            push(id, type_name, found, s);
        }
    }
    if let Some(id) = declared(desired, "ecs.service", "api_service") {
        let found = if super::ecs::service_exists(aws, guide::CLUSTER, guide::SERVICE).await? {
            Found::Left {
                name: format!("{}/{}", guide::CLUSTER, guide::SERVICE),
                why: SERVICE_LEFT.into(),
            }
        } else {
            Found::Missing
        };
        push(id, "ecs.service", found, None);
    }
    // What was found otherwise than by its name is read now.
    for e in &mut out {
        if let (Found::One { name, .. }, None) = (&e.found, &e.standing) {
            e.standing = Some(standing(aws, names, desired, &e.id, e.type_name, name).await?);
        }
    }
    Ok(out)
}

/// Why the guide's Redis cluster is not taken over.
const CACHE_LEFT: &str = "a lone cluster, unencrypted, which ElastiCache cannot turn into fintech's encrypted replication group in place; it holds only cached quotes (the database has the data), so the plan creates the new cache beside it and leaves it to you: delete it once the app uses the new one";

/// Why the guide's ECS service is not taken over.
const SERVICE_LEFT: &str = "fintech runs the API as its own service (its task definition built from app/, behind its load balancer); once that one serves, scale yours to 0 and delete it";

fn by_name(name: &str) -> Found {
    Found::One {
        name: name.to_string(),
        how: "by the guide's name".into(),
    }
}

fn one_of(mut candidates: Vec<String>, how: &str) -> Found {
    match candidates.len() {
        0 => Found::Missing,
        1 => Found::One {
            name: candidates.remove(0),
            how: how.to_string(),
        },
        _ => Found::Ambiguous(candidates),
    }
}

/// The stage's names with resource `id` adopted under `name`; `adopting`: untagged resources pass
/// the ownership check.
fn names_with(names: &Names, id: &str, type_name: &str, name: &str, adopting: bool) -> Names {
    let mut adopted = (*names.adopted).clone();
    adopted.insert(
        id.to_string(),
        Adopted {
            type_name: type_name.to_string(),
            name: name.to_string(),
        },
    );
    Names {
        adopted: Arc::new(adopted),
        adopting,
        ..names.clone()
    }
}

/// The properties of declaration `id`, references unresolved: what a read is given.
fn props(desired: &Desired, id: &str) -> super::Attrs {
    desired
        .resources
        .get(id)
        .map(|r| r.props.clone())
        .unwrap_or_default()
}

/// Where resource `name`, found for declaration `id`, stands.
async fn standing(
    aws: &Aws,
    names: &Names,
    desired: &Desired,
    id: &str,
    type_name: &str,
    name: &str,
) -> Result<Standing> {
    let Some(schema) = crate::model::schema::lookup(type_name) else {
        return Ok(Standing::Gone);
    };
    let p = props(desired, id);
    let strict = names_with(names, id, type_name, name, false);
    match schema
        .driver
        .read(&Call::new(aws, &strict, schema, id), &p)
        .await
    {
        Ok(Some(_)) => return Ok(Standing::Owned),
        Ok(None) => return Ok(Standing::Gone),
        Err(e) if e.is::<NotOwned>() => {}
        Err(e) => return Err(e),
    }
    let lenient = names_with(names, id, type_name, name, true);
    match schema
        .driver
        .read(&Call::new(aws, &lenient, schema, id), &p)
        .await
    {
        Ok(Some(_)) => Ok(Standing::ToAdopt),
        Ok(None) => Ok(Standing::Gone),
        Err(e) => match e.downcast::<NotOwned>() {
            Ok(n) => Ok(Standing::Foreign(n.0)),
            Err(e) => Err(e),
        },
    }
}

/// Tags every entry that is [`Standing::ToAdopt`] as the stage's; returns how many.
pub async fn take_over(aws: &Aws, names: &Names, entries: &[Entry]) -> Result<usize> {
    let mut n = 0;
    for e in entries {
        let (Found::One { name, .. }, Some(Standing::ToAdopt)) = (&e.found, &e.standing) else {
            continue;
        };
        let Some(schema) = crate::model::schema::lookup(e.type_name) else {
            continue;
        };
        let adopting = names_with(names, &e.id, e.type_name, name, true);
        schema
            .driver
            .take_over(&Call::new(aws, &adopting, schema, &e.id))
            .await
            .map_err(|err| err.context(format!("taking over `{}` ({name})", e.id)))?;
        n += 1;
    }
    Ok(n)
}

/// The names the entries record, by id: what the stage adopts (one already owned included).
pub fn recorded(entries: &[Entry]) -> BTreeMap<String, Adopted> {
    entries
        .iter()
        .filter_map(|e| match (&e.found, &e.standing) {
            (Found::One { name, .. }, Some(Standing::ToAdopt | Standing::Owned)) => Some((
                e.id.clone(),
                Adopted {
                    type_name: e.type_name.to_string(),
                    name: name.clone(),
                },
            )),
            _ => None,
        })
        .collect()
}
