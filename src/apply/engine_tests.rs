//! The engine's rules, tested with a fake driver over an in-memory cloud (no AWS, no emulator):
//! dependency order, failure propagation that skips only dependents, resume after a partial run,
//! replacement order, leftovers deleted by rank, foreign resources never touched.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use anyhow::{Result, bail};
use async_trait::async_trait;
use serde_json::{Value, json};

use super::engine::Engine;
use super::reporter::Silent;
use crate::aws::driver::{Driver, Prep};
use crate::aws::owned::ids_by_prefix;
use crate::aws::{Attrs, Aws, Call, Live, Names};
use crate::cost::Pricing;
use crate::model::schema::Change::*;
use crate::model::schema::Req::*;
use crate::model::schema::{STR, Ty, TypeSchema, f};
use crate::model::{Desired, Resource};
use crate::plan::Action;

/// One fake resource: its attributes and the stage that owns it.
#[derive(Clone)]
struct Thing {
    attrs: Attrs,
    stage: String,
    /// Its type's name: each fake type sees only its own things.
    ty: &'static str,
}

/// The in-memory cloud of one test (tests run on their own threads; the engine on one task).
#[derive(Default)]
struct Cloud {
    things: BTreeMap<String, Thing>,
    /// Every mutating call, as "create NAME", "update NAME", "delete NAME".
    log: Vec<String>,
    /// Names whose create fails.
    failing: BTreeSet<String>,
}

thread_local! {
    static CLOUD: RefCell<Cloud> = RefCell::new(Cloud::default());
}

fn cloud<T>(f: impl FnOnce(&mut Cloud) -> T) -> T {
    CLOUD.with(|c| f(&mut c.borrow_mut()))
}

/// A fake type. A `shared` one is used by others until they move: its replacement is created
/// first, under a name of its own (`NAME#KIND`), and its predecessor deleted last.
#[derive(Debug)]
struct Fake {
    shared: bool,
    /// Its packaging blocks until resource `t-dev-free` has been read (see the test below).
    packs: bool,
}

static PLAIN: Fake = Fake {
    shared: false,
    packs: false,
};
static SHARING: Fake = Fake {
    shared: true,
    packs: false,
};
static PACKING: Fake = Fake {
    shared: false,
    packs: true,
};

/// Physical names read so far, by any test (packaging runs on another thread than the reads).
static READ: std::sync::Mutex<BTreeSet<String>> = std::sync::Mutex::new(BTreeSet::new());
/// Whether the blocking packaging has begun.
static PACKING_STARTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[rustfmt::skip]
static FAKE: TypeSchema = TypeSchema {
    name: "fake.thing",
    driver: &PLAIN,
    doc: "a thing in the in-memory cloud",
    fields: &[
        f("size", Ty::Int { min: 0, max: 100 }, Default("1"), InPlace, "changes in place"),
        f("kind", STR, Default("\"a\""), Replace, "forces replacement"),
        f("peer", STR, Optional, InPlace, "another thing's id"),
    ],
    computed: &[],
    outputs: &["id"],
    tier: crate::model::schema::Tier::Compute,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

#[async_trait]
impl Driver for Fake {
    fn delete_rank(&self) -> u8 {
        0
    }
    fn pricing(&self) -> Pricing {
        Pricing::Free
    }
    fn prepare(&self, _: &Prep<'_>, _: &mut Attrs) -> Result<()> {
        // Blocking work, as pip or npm is: it waits for a read that only the async side can do.
        if self.packs {
            PACKING_STARTED.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        let start = std::time::Instant::now();
        while self.packs && !READ.lock().unwrap().contains("t-dev-free") {
            if start.elapsed() > std::time::Duration::from_secs(10) {
                bail!("the reads stood still while packaging blocked");
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        Ok(())
    }
    fn packages(&self) -> bool {
        self.packs
    }
    fn create_before_delete(&self) -> bool {
        self.shared
    }
    async fn read(&self, c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
        if c.name == "t-dev-free" {
            // Read only once the packaging has begun, so that it cannot have finished before.
            while !PACKING_STARTED.load(std::sync::atomic::Ordering::SeqCst) {
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
        }
        READ.lock().unwrap().insert(c.name.clone());
        let mine: Vec<(String, Thing)> = cloud(|cl| {
            cl.things
                .iter()
                .filter(|(k, t)| {
                    t.ty == c.schema.name
                        && (**k == c.name || k.starts_with(&format!("{}#", c.name)))
                })
                .map(|(k, t)| (k.clone(), t.clone()))
                .collect()
        });
        let want = self.key(c, p);
        let Some(current) = mine
            .iter()
            .position(|(k, _)| *k == want)
            .or(mine.len().checked_sub(1))
        else {
            return Ok(None);
        };
        c.names.check_owner(
            &c.name,
            [
                ("fintech:app", c.names.app.as_str()),
                ("fintech:stage", mine[current].1.stage.as_str()),
            ],
        )?;
        let mut live = Fake::live(&mine[current].0, &mine[current].1);
        live.superseded = mine
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != current)
            .map(|(_, (k, t))| Fake::live(k, t))
            .collect();
        Ok(Some(live))
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        cloud(|cl| {
            cl.log.push(format!("create {}", c.id));
            if cl.failing.contains(c.id) {
                bail!("AccessDenied: not allowed to create {}", c.id);
            }
            let attrs = p
                .iter()
                .filter(|(k, _)| ["size", "kind", "peer"].contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let stage = c.names.stage.clone();
            let ty = c.schema.name;
            cl.things.insert(self.key(c, p), Thing { attrs, stage, ty });
            Ok(())
        })
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, l: &Live, changed: &[String]) -> Result<()> {
        cloud(|cl| {
            cl.log.push(format!("update {}", c.id));
            let t = cl
                .things
                .get_mut(l.outputs["key"].as_str().unwrap())
                .expect("exists");
            for k in changed {
                match p.get(k) {
                    Some(v) => t.attrs.insert(k.clone(), v.clone()),
                    None => t.attrs.insert(k.clone(), Value::Null),
                };
            }
            Ok(())
        })
    }
    async fn delete(&self, _: &Call<'_>, _: &Attrs, l: &Live) -> Result<()> {
        cloud(|cl| {
            let key = l.outputs["key"].as_str().unwrap();
            cl.log.push(format!("delete {key}"));
            cl.things.remove(key);
            Ok(())
        })
    }
    async fn list(&self, _: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        let mut all: Vec<String> = cloud(|cl| {
            cl.things
                .iter()
                .filter(|(_, t)| t.ty == self.type_name())
                .map(|(k, _)| k.split('#').next().unwrap().to_string())
                .collect()
        });
        all.dedup();
        Ok(ids_by_prefix(names, all))
    }
}

#[rustfmt::skip]
static SHARED: TypeSchema = TypeSchema {
    name: "fake.shared",
    driver: &SHARING,
    doc: "a thing others use until they move to its replacement",
    fields: FAKE.fields,
    computed: &[],
    outputs: &["id"],
    tier: crate::model::schema::Tier::Compute,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

#[rustfmt::skip]
static PACKED: TypeSchema = TypeSchema {
    name: "fake.packed",
    driver: &PACKING,
    doc: "a thing whose packaging takes long and blocks",
    fields: FAKE.fields,
    computed: &[],
    outputs: &["id"],
    tier: crate::model::schema::Tier::Compute,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

static TYPES: &[&TypeSchema] = &[&FAKE, &SHARED, &PACKED];

impl Fake {
    fn type_name(&self) -> &'static str {
        match (self.shared, self.packs) {
            (true, _) => SHARED.name,
            (_, true) => PACKED.name,
            _ => FAKE.name,
        }
    }

    /// Where the thing for `props` lives in the cloud.
    fn key(&self, c: &Call<'_>, props: &Attrs) -> String {
        match (self.shared, props.get("kind").and_then(Value::as_str)) {
            (true, Some(kind)) => format!("{}#{kind}", c.name),
            _ => c.name.clone(),
        }
    }

    fn live(key: &str, t: &Thing) -> Live {
        Live {
            attrs: t.attrs.clone(),
            outputs: Attrs::from([
                ("id".to_string(), json!(format!("id-{key}"))),
                ("key".to_string(), json!(key)),
                ("name".to_string(), json!(key)),
            ]),
            ..Live::default()
        }
    }
}

/// A stage `dev` of app `t` with these resources: (id, properties, dependencies).
fn desired(resources: &[(&str, Value, &[&str])]) -> Desired {
    let loc = crate::spec::Loc::new(&"stack.yaml".into(), 1, 1);
    let mut map = BTreeMap::new();
    for (id, props, deps) in resources {
        let mut p: Attrs = serde_json::from_value(props.clone()).unwrap();
        p.entry("size".into()).or_insert(json!(1));
        p.entry("kind".into()).or_insert(json!("a"));
        map.insert(
            id.to_string(),
            Resource {
                id: id.to_string(),
                schema: match *id {
                    "shared" => &SHARED,
                    "pack" => &PACKED,
                    _ => &FAKE,
                },
                props: p,
                deps: deps.iter().map(|d| d.to_string()).collect(),
                loc: loc.clone(),
            },
        );
    }
    let mut diags = crate::spec::Diagnostics::default();
    let order = crate::model::graph::order(&map, &mut diags);
    assert!(diags.0.is_empty(), "no cycle");
    Desired {
        app: "t".into(),
        stage: "dev".into(),
        region: "us-east-1".into(),
        option: "serverless".into(),
        protect: false,
        root: std::env::temp_dir(),
        resources: map,
        order,
        usage: BTreeMap::new(),
        account_created: None,
        budget_usd: None,
        outputs: BTreeMap::new(),
        adopted: BTreeMap::new(),
    }
}

fn engine(d: Desired) -> Engine {
    let mut e = Engine::new(
        Aws::unconnected("123456789012"),
        d,
        4,
        Arc::new(Silent),
        true,
    );
    e.types = TYPES;
    e
}

/// Plans and applies; the plan's actions by id, and the apply's result.
async fn deploy(d: Desired) -> (BTreeMap<String, Action>, Result<()>) {
    let mut e = engine(d);
    e.command = "deploy";
    let (plan, snap) = e.plan().await.expect("plan");
    let actions = plan
        .resources
        .iter()
        .map(|s| (s.id.clone(), s.action))
        .collect();
    (actions, e.apply(&plan, snap).await.map(|_| ()))
}

fn log() -> Vec<String> {
    cloud(|cl| std::mem::take(&mut cl.log))
}

fn stack() -> Desired {
    desired(&[
        ("a", json!({}), &[]),
        ("b", json!({"peer": "${a.id}"}), &["a"]),
        ("c", json!({}), &[]),
    ])
}

#[tokio::test]
async fn creates_in_dependency_order_then_plans_no_changes() {
    let (actions, r) = deploy(stack()).await;
    r.unwrap();
    assert!(actions.values().all(|a| *a == Action::Create));
    let l = log();
    let pos = |s: &str| l.iter().position(|x| x == s).unwrap();
    assert!(pos("create a") < pos("create b"), "{l:?}");
    assert_eq!(
        cloud(|cl| cl.things["t-dev-b"].attrs["peer"].clone()),
        json!("id-t-dev-a")
    );
    let (actions, r) = deploy(stack()).await;
    r.unwrap();
    assert!(actions.values().all(|a| *a == Action::NoOp), "{actions:?}");
    assert!(log().is_empty(), "a clean plan makes no call");
}

#[tokio::test]
async fn a_failure_skips_only_its_dependents_and_a_rerun_finishes_the_rest() {
    cloud(|cl| cl.failing.insert("a".into()));
    let (_, r) = deploy(stack()).await;
    let err = format!("{:#}", r.unwrap_err());
    assert!(err.contains("a: AccessDenied"), "{err}");
    assert!(
        err.contains("not attempted") && err.contains(": b"),
        "{err}"
    );
    assert!(
        err.contains("fintech deploy --option serverless --stage dev"),
        "{err}"
    );
    let l = log();
    assert!(
        l.contains(&"create c".to_string()),
        "independent work goes on: {l:?}"
    );
    assert!(!l.contains(&"create b".to_string()), "{l:?}");

    // Resume: only what is missing is created; what finished is not redone.
    cloud(|cl| cl.failing.clear());
    let (actions, r) = deploy(stack()).await;
    r.unwrap();
    assert_eq!(actions["c"], Action::NoOp);
    assert_eq!(log(), ["create a", "create b"]);
}

#[tokio::test]
async fn an_in_place_change_updates_and_a_replacing_one_deletes_then_creates() {
    deploy(stack()).await.1.unwrap();
    log();
    let mut d = stack();
    d.resources
        .get_mut("c")
        .unwrap()
        .props
        .insert("size".into(), json!(5));
    d.resources
        .get_mut("a")
        .unwrap()
        .props
        .insert("kind".into(), json!("z"));
    let (actions, r) = deploy(d).await;
    r.unwrap();
    assert_eq!(
        (actions["a"], actions["c"]),
        (Action::Replace, Action::Update)
    );
    let l = log();
    let pos = |s: &str| l.iter().position(|x| x == s).unwrap();
    assert!(pos("delete t-dev-a") < pos("create a"), "{l:?}");
    assert!(l.contains(&"update c".to_string()));
}

#[tokio::test]
async fn leftovers_are_deleted_after_the_declared_work_and_foreign_ones_never() {
    deploy(stack()).await.1.unwrap();
    // Stage `dev-x`'s thing carries stage dev's name prefix: it is listed, refused by its owner
    // tag, and left alone.
    cloud(|cl| {
        cl.things.insert(
            "t-dev-x-c".into(),
            Thing {
                attrs: Attrs::new(),
                stage: "dev-x".into(),
                ty: FAKE.name,
            },
        );
        cl.log.clear();
    });
    let d = desired(&[("a", json!({}), &[]), ("d", json!({}), &["a"])]);
    let (actions, r) = deploy(d).await;
    r.unwrap();
    assert_eq!(
        actions,
        BTreeMap::from([
            ("a".to_string(), Action::NoOp),
            ("b".to_string(), Action::Delete),
            ("c".to_string(), Action::Delete),
            ("d".to_string(), Action::Create),
        ])
    );
    let l = log();
    assert_eq!(l[0], "create d", "{l:?}");
    assert!(cloud(|cl| cl.things.contains_key("t-dev-x-c")), "{l:?}");
}

#[tokio::test]
async fn removing_an_optional_attribute_is_planned_and_applied_as_its_removal() {
    deploy(stack()).await.1.unwrap();
    log();
    let d = desired(&[
        ("a", json!({}), &[]),
        ("b", json!({}), &["a"]),
        ("c", json!({}), &[]),
    ]);
    let (actions, r) = deploy(d.clone()).await;
    r.unwrap();
    assert_eq!(actions["b"], Action::Update);
    assert_eq!(log(), ["update b"]);
    let (actions, _) = deploy(d).await;
    assert!(actions.values().all(|a| *a == Action::NoOp), "{actions:?}");
}

#[tokio::test]
async fn a_shared_resource_is_replaced_first_and_its_predecessor_deleted_after_its_users_moved() {
    let stack = |kind: &str| {
        desired(&[
            ("shared", json!({"kind": kind}), &[]),
            ("user", json!({"peer": "${shared.id}"}), &["shared"]),
        ])
    };
    deploy(stack("a")).await.1.unwrap();
    log();
    let (actions, r) = deploy(stack("z")).await;
    r.unwrap();
    assert_eq!(
        (actions["shared"], actions["user"]),
        (Action::Replace, Action::Update)
    );
    assert_eq!(
        log(),
        ["create shared", "update user", "delete t-dev-shared#a"]
    );
    assert_eq!(
        cloud(|cl| cl.things["t-dev-user"].attrs["peer"].clone()),
        json!("id-t-dev-shared#z")
    );
    let (actions, _) = deploy(stack("z")).await;
    assert!(actions.values().all(|a| *a == Action::NoOp), "{actions:?}");

    // A run that ended between the two leaves the predecessor: the next plan deletes it.
    cloud(|cl| {
        let t = cl.things["t-dev-shared#z"].clone();
        cl.things.insert("t-dev-shared#old".into(), t);
    });
    log();
    let e = engine(stack("z"));
    let (plan, snap) = e.plan().await.unwrap();
    let deletes: Vec<(&str, &str)> = plan
        .resources
        .iter()
        .filter(|s| s.action == Action::Delete)
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect();
    assert_eq!(deletes, [("shared", "t-dev-shared#old")]);
    e.apply(&plan, snap).await.unwrap();
    assert_eq!(log(), ["delete t-dev-shared#old"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packaging_blocks_no_read_of_other_resources() {
    // `pack` packages with blocking work that ends only once `free` has been read: on the async
    // executor it would wait for ever (here: fail after 10 s); off it, both finish.
    let d = desired(&[("pack", json!({}), &[]), ("free", json!({}), &[])]);
    let (plan, _) = engine(d).plan().await.expect("plan");
    assert!(plan.resources.iter().all(|s| s.action == Action::Create));
}

#[tokio::test]
async fn a_failure_keeps_only_the_leftovers_an_unfinished_resource_may_still_use() {
    deploy(stack()).await.1.unwrap();
    log();
    // b moves from a to the new n, which fails: b is not attempted and still uses a, so a is kept;
    // c, which nothing unfinished uses, is deleted as the stack says.
    cloud(|cl| cl.failing.insert("n".into()));
    let d = desired(&[
        ("n", json!({}), &[]),
        ("b", json!({"peer": "${n.id}"}), &["n"]),
    ]);
    let (_, r) = deploy(d.clone()).await;
    let err = format!("{:#}", r.unwrap_err());
    assert!(err.contains("n: AccessDenied"), "{err}");
    assert!(
        err.contains("kept until the re-run (an unfinished resource may still use them), not deleted: a (fake.thing)"),
        "{err}"
    );
    assert_eq!(log(), ["create n", "delete t-dev-c"]);
    cloud(|cl| cl.failing.clear());
    deploy(d).await.1.unwrap();
    assert_eq!(log(), ["create n", "update b", "delete t-dev-a"]);
}
