//! The engine: reads live AWS in dependency order and plans against it, applies a plan, destroys a stage.
//! Live AWS is the only state: nothing here is written to disk.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Result, anyhow, bail};
use serde_json::Value;

use super::executor::{self, Outcome};
use super::reporter::Reporter;
use crate::aws::error::describe;
use crate::aws::owned::{self, Owned};
use crate::aws::{self, Attrs, Aws, Call, Live, Names};
use crate::aws::{driver, wait};
use crate::model::eval::{Env, eval_props};
use crate::model::schema::{self, TypeSchema};
use crate::model::{Desired, Resource};
use crate::package;
use crate::plan::{Action, Plan, Step, diff};

/// Everything a command needs to work on one stage.
pub struct Engine {
    pub aws: Arc<Aws>,
    pub desired: Desired,
    pub names: Names,
    pub limit: usize,
    pub reporter: Arc<dyn Reporter>,
    pub offline: bool,
    /// The types whose leftovers the stage may own (the registry; a test may give others).
    pub types: &'static [&'static TypeSchema],
    /// Whether reading the stage builds the payload to compare it (plan, deploy), or only reads
    /// what is live (destroy, outputs: they work without `app/` and offline).
    pub build: bool,
    /// Failures show the whole error chain (`-v`).
    pub verbose: bool,
    /// The command being run (`plan`, `deploy`, `destroy`, `outputs`), for the re-run hint.
    pub command: &'static str,
    /// How long deploy and destroy wait for the stage lock.
    pub lock_timeout: std::time::Duration,
    /// Only errors and the result (`-q`).
    pub quiet: bool,
}

/// What the plan saw: live resources and the prepared desired attributes, reused by apply.
#[derive(Default)]
pub struct Snapshot {
    pub live: BTreeMap<String, Option<Live>>,
    pub prepared: BTreeMap<String, Attrs>,
    pub env: Env,
    /// Live resources of the stage that the stack no longer declares, in deletion order.
    pub undeclared: Vec<Owned>,
    /// The stage's last deploy record (`lock::record_deploy`), when it could be read.
    pub last_deploy: Option<serde_json::Value>,
}

impl Engine {
    pub fn new(
        aws: Arc<Aws>,
        desired: Desired,
        limit: usize,
        reporter: Arc<dyn Reporter>,
        offline: bool,
    ) -> Self {
        let names = Names {
            app: desired.app.clone(),
            stage: desired.stage.clone(),
            region: desired.region.clone(),
            account: aws.account.clone(),
            adopted: Arc::new(desired.adopted.clone()),
            adopting: false,
        };
        Engine {
            aws,
            desired,
            names,
            limit,
            reporter,
            offline,
            types: aws::registry::TYPES,
            build: true,
            verbose: false,
            command: "plan",
            lock_timeout: std::time::Duration::from_secs(300),
            quiet: false,
        }
    }

    fn call<'a>(&'a self, r: &'a Resource) -> Call<'a> {
        Call::new(&self.aws, &self.names, r.schema, &r.id)
    }

    /// Builds `r`'s artifacts (pip, npm, zip) on a blocking thread, so that reads, waits and other
    /// resources keep moving meanwhile.
    async fn prepare_blocking(&self, r: &Resource, mut props: Attrs) -> Result<Attrs> {
        let (d, r, offline) = (self.desired.clone(), r.clone(), self.offline);
        tokio::task::spawn_blocking(move || {
            package::prepare(&d, &r, &mut props, offline).map(|()| props)
        })
        .await?
    }

    fn deps(&self) -> BTreeMap<String, BTreeSet<String>> {
        self.desired.deps()
    }

    /// Reads every resource (a resource after its dependencies, so references resolve) and diffs it.
    pub async fn plan(&self) -> Result<(Plan, Snapshot)> {
        let state = Mutex::new((
            Snapshot {
                env: Env {
                    account: Some(self.aws.account.clone()),
                    ..Env::default()
                },
                ..Snapshot::default()
            },
            BTreeMap::new(),
        ));
        // Reads that need nothing from other resources start at once; each resource's step below
        // takes its answer when it gets there.
        let mut early = Vec::new();
        let mut answers = BTreeMap::new();
        for (id, r) in &self.desired.resources {
            if r.schema.driver.reads_early() {
                let (tx, rx) = tokio::sync::oneshot::channel();
                early.push((id.clone(), tx));
                answers.insert(id.clone(), rx);
            }
        }
        // Those with the longest chains of dependents first: they hold the plan up.
        let deps = self.deps();
        let height = executor::heights(&deps);
        early.sort_by_key(|(id, _)| std::cmp::Reverse(height.get(id).copied().unwrap_or(0)));
        let answers = Mutex::new(answers);
        let blank = state.lock().expect("not poisoned").0.env.clone();
        // Interrupted, no more of them start (as the executor starts no more steps).
        let early = futures::StreamExt::for_each_concurrent(
            futures::StreamExt::take_until(
                futures::stream::iter(early),
                crate::interrupt::stopped(),
            ),
            self.limit,
            |(id, tx)| {
                let blank = &blank;
                async move {
                    let r = &self.desired.resources[&id];
                    let (props, unknown) = eval_props(&r.props, blank);
                    let c = self.call(r);
                    let answer = self
                        .reported(&id, "reading", driver::read(&c, &props, &unknown))
                        .await;
                    // The step may be gone (a dependency failed): nobody wants the answer then.
                    let _ = tx.send(answer);
                }
            },
        );
        let steps = executor::run(&deps, self.limit, |id| {
            let (state, answers) = (&state, &answers);
            async move {
                let r = &self.desired.resources[&id];
                let early = answers.lock().expect("not poisoned").remove(&id);
                let (mut props, mut unknown) =
                    eval_props(&r.props, &state.lock().expect("not poisoned").0.env);
                if r.schema.driver.packages() {
                    // Reading only (destroy, outputs): nothing is built, app/ need not exist.
                    if self.build {
                        let work = self.prepare_blocking(r, props);
                        props = self.reported(&id, "packaging", work).await?;
                    }
                } else {
                    package::prepare(&self.desired, r, &mut props, self.offline)?;
                }
                let c = self.call(r);
                let live = match early {
                    Some(answer) => {
                        r.schema
                            .driver
                            .complete(&self.aws, &mut props, &mut unknown)
                            .await?;
                        answer.await.map_err(|_| {
                            anyhow!("`{id}` was not read: the run was interrupted")
                        })??
                    }
                    None => {
                        self.reported(&id, "reading", async {
                            r.schema
                                .driver
                                .complete(&self.aws, &mut props, &mut unknown)
                                .await?;
                            driver::read(&c, &props, &unknown).await
                        })
                        .await?
                    }
                };
                let mut step = diff::diff(
                    &id,
                    &c.name,
                    r.schema,
                    &props,
                    &unknown,
                    live.as_ref().map(|l| &l.attrs),
                );
                step.notes = live.as_ref().map(|l| l.notes.clone()).unwrap_or_default();
                let mut st = state.lock().expect("not poisoned");
                if let (Some(l), false) = (
                    &live,
                    matches!(step.action, Action::Create | Action::Replace),
                ) {
                    // Outputs derived from an attribute this update changes are not known yet.
                    let mut outputs = l.outputs.clone();
                    for c in &step.changes {
                        outputs.retain(|o, _| !schema::output_follows(r.schema, o, &c.attribute));
                    }
                    st.0.env.outputs.insert(id.clone(), outputs);
                }
                st.0.live.insert(id.clone(), live);
                st.0.prepared.insert(id.clone(), props);
                st.1.insert(id, step);
                Ok(())
            }
        });
        // What the stage owns and no longer declares: listed beside the reads (it needs none).
        let declared: Vec<(&str, &str)> = self
            .desired
            .resources
            .values()
            .map(|r| (r.schema.name, r.id.as_str()))
            .collect();
        let undeclared = owned::undeclared(&self.aws, &self.names, self.types, &declared);
        // What the last deploy deployed, to tell drift from changes of the stack files; a plan
        // does not fail for want of it.
        let record = crate::aws::lock::last_deploy(&self.aws, &self.names);
        let (outcomes, (), leftovers, (), record) =
            futures::join!(steps, early, undeclared, self.prefetch(&blank), record);
        self.reporter.close();
        failures("read", &outcomes, &self.rerun(), self.verbose, &[], None)?;
        let (mut snap, mut steps) = state.into_inner().expect("not poisoned");
        let mut leftovers = leftovers?;
        // Earlier generations of declared resources (a replacement's predecessor not yet deleted)
        // go the same way as what the stack no longer declares.
        for r in self.desired.resources.values() {
            if let Some(Some(l)) = snap.live.get(&r.id) {
                leftovers.extend(l.superseded.iter().map(|s| Owned {
                    schema: r.schema,
                    id: r.id.clone(),
                    live: s.clone(),
                }));
            }
        }
        leftovers.sort_by_key(|o| o.schema.driver.delete_rank());
        snap.undeclared = leftovers;
        let mut resources: Vec<Step> = self
            .desired
            .order
            .iter()
            .filter_map(|id| steps.remove(id))
            .collect();
        resources.extend(self.undeclared_steps(&snap));
        let mut plan = self.plan_of(resources);
        snap.last_deploy = record.ok().flatten();
        if let Some(record) = &snap.last_deploy {
            crate::plan::drift::mark(&mut plan, &snap.prepared, &record["attrs"]);
        }
        Ok((plan, snap))
    }

    /// Every resource's [`driver::Driver::prefetch`], at once; what fails is asked again, and
    /// reported, by the read that needs it.
    async fn prefetch(&self, blank: &Env) {
        let asks = self.desired.resources.values().map(|r| {
            // What is not known yet is there, as null.
            let (mut declared, unknown) = eval_props(&r.props, blank);
            declared.extend(unknown.into_keys().map(|k| (k, serde_json::Value::Null)));
            async move {
                let _ = r
                    .schema
                    .driver
                    .prefetch(&self.aws, &self.names, &declared)
                    .await;
            }
        });
        futures::future::join_all(asks).await;
    }

    fn plan_of(&self, resources: Vec<Step>) -> Plan {
        Plan {
            format_version: 1,
            app: self.desired.app.clone(),
            stage: self.desired.stage.clone(),
            option: self.desired.option.clone(),
            region: self.desired.region.clone(),
            account: self.aws.account.clone(),
            resources,
        }
    }

    /// Applies `plan`: each resource as soon as its dependencies are done, bounded; returns the outputs.
    pub async fn apply(&self, plan: &Plan, snap: Snapshot) -> Result<Env> {
        // The declared resources' steps; deletes of undeclared ones (which may share an id with a
        // declared resource of another type) run after them.
        let steps: BTreeMap<&str, &Step> = plan
            .resources
            .iter()
            .filter(|s| s.action != Action::Delete)
            .map(|s| (s.id.as_str(), s))
            .collect();
        let Snapshot {
            live,
            env,
            undeclared,
            ..
        } = snap;
        let env = Mutex::new(env);
        // Predecessors of replacements created first: deleted once everything else is done.
        let replaced: Mutex<Vec<Owned>> = Mutex::new(Vec::new());
        let outcomes = executor::run(&self.deps(), self.limit, |id| {
            let (env, live, steps, replaced) = (&env, &live, &steps, &replaced);
            async move {
                let step = steps[id.as_str()];
                if !step.action.is_change() {
                    return Ok(());
                }
                let r = &self.desired.resources[&id];
                let (mut props, unknown) = eval_props(&r.props, &env.lock().expect("not poisoned"));
                if !unknown.is_empty() {
                    bail!(
                        "values still unknown after their dependencies were applied: {}",
                        unknown.into_keys().collect::<Vec<_>>().join(", ")
                    );
                }
                // Evaluated afresh: an output of a resource updated just now may differ from the
                // plan's (a balancer given a certificate reports https). Packaging again is cheap:
                // zips, site builds and dependencies are cached by content.
                if r.schema.driver.packages() {
                    props = self.prepare_blocking(r, props).await?;
                } else {
                    package::prepare(&self.desired, r, &mut props, self.offline)?;
                }
                r.schema
                    .driver
                    .complete_for_apply(&self.aws, &id, &mut props)
                    .await?;
                let c = self.call(r);
                let current = live.get(&id).cloned().flatten();
                let work = async {
                    match (step.action, current) {
                        (Action::Update, Some(l)) => {
                            driver::update_what_differs(&c, &props, l).await
                        }
                        (Action::Replace, Some(l)) if c.driver().create_before_delete() => {
                            let new = driver::create(&c, &props).await?;
                            replaced.lock().expect("not poisoned").push(Owned {
                                schema: r.schema,
                                id: id.clone(),
                                live: l,
                            });
                            Ok(new)
                        }
                        (Action::Replace, Some(l)) => {
                            c.driver().delete(&c, &props, &l).await?;
                            driver::create(&c, &props).await
                        }
                        _ => driver::create(&c, &props).await,
                    }
                };
                let l = self.reported(&id, verb(step.action), work).await?;
                env.lock()
                    .expect("not poisoned")
                    .outputs
                    .insert(id.clone(), l.outputs);
                Ok(())
            }
        })
        .await;
        self.report_skips(&outcomes);
        self.reporter.close();
        let mut leftovers = replaced.into_inner().expect("not poisoned");
        leftovers.extend(undeclared);
        leftovers.sort_by_key(|o| o.schema.driver.delete_rank());
        self.finish("apply", &outcomes, &live, &leftovers).await?;
        Ok(env.into_inner().expect("not poisoned"))
    }

    /// After the declared work: deletes the leftovers no unfinished resource may still use (a
    /// failure stops only what depends on it), then reports the failures, naming what was kept.
    async fn finish(
        &self,
        what: &str,
        outcomes: &BTreeMap<String, Outcome>,
        live: &BTreeMap<String, Option<Live>>,
        leftovers: &[Owned],
    ) -> Result<()> {
        let unfinished: BTreeSet<&str> = outcomes
            .iter()
            .filter(|(_, o)| !matches!(o, Outcome::Done))
            .map(|(id, _)| id.as_str())
            .collect();
        let deps = self.deps();
        // Interrupted, nothing more is done: every leftover waits for the re-run.
        let (kept, gone): (Vec<&Owned>, Vec<&Owned>) = leftovers.iter().partition(|o| {
            crate::interrupt::requested() || still_used(o, &unfinished, &deps, live)
        });
        let deleted = self.delete_leftovers(&gone).await;
        let kept: Vec<String> = kept
            .iter()
            .map(|o| format!("{} ({})", o.id, o.schema.name))
            .collect();
        failures(
            what,
            outcomes,
            &self.rerun(),
            self.verbose,
            &kept,
            deleted.as_ref().err(),
        )?;
        deleted
    }

    /// A plan deleting every live resource of the stage.
    pub fn destroy_plan(&self, snap: &Snapshot) -> Plan {
        let mut steps: Vec<Step> = self
            .desired
            .order
            .iter()
            .rev()
            .filter_map(|id| Some((id, snap.live.get(id)?.as_ref()?)))
            .map(|(id, live)| {
                let r = &self.desired.resources[id];
                diff::delete(
                    id,
                    &self.names.physical(r.schema, id),
                    r.schema,
                    live.borrowed,
                )
            })
            .collect();
        steps.extend(self.undeclared_steps(snap));
        self.plan_of(steps)
    }

    /// The undeclared live resources as resources (their live attributes as properties), for costing.
    pub fn undeclared_resources(&self, snap: &Snapshot) -> Vec<Resource> {
        snap.undeclared
            .iter()
            .map(|o| Resource {
                id: o.id.clone(),
                schema: o.schema,
                props: o.live.attrs.clone(),
                deps: Default::default(),
                loc: self
                    .desired
                    .resources
                    .values()
                    .next()
                    .map(|r| r.loc.clone())
                    .unwrap_or_else(|| crate::spec::Loc::new(&"aws".into(), 0, 0)),
            })
            .collect()
    }

    fn undeclared_steps<'a>(&'a self, snap: &'a Snapshot) -> impl Iterator<Item = Step> + 'a {
        snap.undeclared.iter().map(|o| {
            // The name it really has (a superseded generation's differs from today's).
            let name = match o.live.outputs.get("name").and_then(Value::as_str) {
                Some(n) => n.to_string(),
                None => self.names.physical(o.schema, &o.id),
            };
            diff::delete(&o.id, &name, o.schema, o.live.borrowed)
        })
    }

    /// Deletes what the stack no longer declares and the predecessors of replacements, one at a
    /// time, dependents first. Only reached when the plan was allowed (data-bearing ones need
    /// --allow-data-loss), so a bucket is emptied.
    async fn delete_leftovers(&self, leftovers: &[&Owned]) -> Result<()> {
        let mut detached: Vec<&str> = Vec::new();
        for o in leftovers {
            // Leftovers of one type may refer to each other (security groups' rules): all of a
            // type drop those references before the first of them goes.
            if !detached.contains(&o.schema.name) {
                detached.push(o.schema.name);
                for g in leftovers.iter().filter(|g| g.schema.name == o.schema.name) {
                    let c = Call::new(&self.aws, &self.names, g.schema, &g.id);
                    c.driver().detach(&c, &g.live).await?;
                }
            }
            // What it has live stands for its declaration; a leftover bucket is emptied, a leftover
            // database keeps a final snapshot.
            let mut props = o.live.attrs.clone();
            props.insert("force_destroy".into(), Value::Bool(true));
            props.insert("final_snapshot".into(), Value::Bool(true));
            let label = format!("{} ({})", o.id, o.schema.name);
            let c = Call::new(&self.aws, &self.names, o.schema, &o.id);
            self.reported(&label, "deleting", c.driver().delete(&c, &props, &o.live))
                .await
                .map_err(|e| {
                    e.context(format!(
                        "deleting `{}`, which the stack no longer declares",
                        o.id
                    ))
                })?;
        }
        Ok(())
    }

    /// Deletes every live resource, dependents first, tolerating half-created ones.
    pub async fn destroy(&self, snap: &Snapshot) -> Result<()> {
        let outcomes = executor::run(
            &executor::reversed(&self.deps()),
            self.limit,
            |id| async move {
                let r = &self.desired.resources[&id];
                let Some(Some(l)) = snap.live.get(&id) else {
                    return Ok(());
                };
                if r.schema.lookup || l.borrowed {
                    return Ok(());
                }
                let (mut props, _) = eval_props(&r.props, &snap.env);
                overlay(&mut props, &snap.prepared[&id]);
                let c = self.call(r);
                self.reported(&id, "deleting", c.driver().delete(&c, &props, l))
                    .await
            },
        )
        .await;
        self.report_skips(&outcomes);
        self.reporter.close();
        self.finish("destroy", &outcomes, &snap.live, &snap.undeclared)
            .await
    }

    /// Waits for every resource AWS is still rolling out ([`driver::Driver::settle`]), all at once.
    pub async fn settle(&self, env: &Env) -> Result<()> {
        let waits = self.desired.resources.values().map(|r| async move {
            let Some(outputs) = env.outputs.get(&r.id) else {
                return Ok(());
            };
            let c = self.call(r);
            let t = Instant::now();
            r.schema.driver.settle(&c, outputs).await?;
            let secs = t.elapsed().as_secs_f64();
            if secs >= 1.0 && !self.quiet {
                eprintln!("{}: rolled out in {secs:.0}s", r.id);
            }
            Ok::<(), anyhow::Error>(())
        });
        futures::future::try_join_all(waits).await?;
        Ok(())
    }

    /// The stack's declared outputs, evaluated against what is live (`null` where not deployed).
    pub fn outputs(&self, env: &Env) -> BTreeMap<String, Value> {
        self.desired
            .outputs
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    crate::model::eval::eval(v, env).unwrap_or(Value::Null),
                )
            })
            .collect()
    }

    /// Runs `work` for `label`, telling the reporter when it starts, ends or fails.
    async fn reported<T>(
        &self,
        label: &str,
        verb: &str,
        work: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        self.reporter.start(label, verb);
        let t = Instant::now();
        let (reporter, id) = (self.reporter.clone(), label.to_string());
        let listener = Arc::new(move |what: &str| reporter.wait(&id, what));
        match wait::reporting(listener, work).await {
            Ok(v) => {
                self.reporter.finish(label, verb, t.elapsed().as_secs_f64());
                Ok(v)
            }
            Err(e) => {
                self.reporter.fail(label, &describe(&e, false));
                Err(e)
            }
        }
    }

    fn report_skips(&self, outcomes: &BTreeMap<String, Outcome>) {
        for (id, o) in outcomes {
            if let Outcome::Skipped(because) = o {
                self.reporter.skip(id, because);
            }
        }
    }

    /// The command that runs this again: the one the user ran.
    fn rerun(&self) -> String {
        let cmd = self.command;
        let option = if cmd == "destroy" {
            String::new()
        } else {
            format!(" --option {}", self.desired.option)
        };
        format!("fintech {cmd}{option} --stage {}", self.desired.stage)
    }
}

/// What the plan prepared: attributes evaluation alone does not give (zip, hashes, manifests, the
/// image digest) and values packaging normalised (a balancer's subnets). Values unknown at plan time
/// are not there and keep their fresh evaluation.
fn overlay(props: &mut Attrs, prepared: &Attrs) {
    for (k, v) in prepared {
        props.insert(k.clone(), v.clone());
    }
}

fn verb(a: Action) -> &'static str {
    match a {
        Action::Create => "creating",
        Action::Update => "updating",
        Action::Replace => "replacing",
        Action::Delete => "deleting",
        Action::NoOp | Action::Read => "reading",
    }
}

/// Whether leftover `o` may still be in use by a resource whose work did not finish: it shares
/// the resource's id (its predecessor), a resource depending on that id did not finish (it may not
/// have moved off it), or an unfinished resource's live attributes name one of its outputs.
fn still_used(
    o: &Owned,
    unfinished: &BTreeSet<&str>,
    deps: &BTreeMap<String, BTreeSet<String>>,
    live: &BTreeMap<String, Option<Live>>,
) -> bool {
    if unfinished.is_empty() {
        return false;
    }
    let dependent_unfinished = deps
        .iter()
        .any(|(id, d)| d.contains(&o.id) && unfinished.contains(id.as_str()));
    let names: Vec<&str> = o
        .live
        .outputs
        .values()
        .filter_map(Value::as_str)
        .filter(|v| v.len() >= 6)
        .collect();
    let referenced = unfinished.iter().any(|u| {
        live.get(*u).and_then(Option::as_ref).is_some_and(|l| {
            let text = serde_json::to_string(&l.attrs).unwrap_or_default();
            names.iter().any(|n| text.contains(n))
        })
    });
    unfinished.contains(o.id.as_str()) || dependent_unfinished || referenced
}

/// One error naming every failed resource, what AWS said, what was skipped (or not started, when
/// the run was interrupted), the leftovers kept for the re-run (and why a leftover's deletion
/// failed), and how to re-run.
fn failures(
    what: &str,
    outcomes: &BTreeMap<String, Outcome>,
    rerun: &str,
    verbose: bool,
    kept: &[String],
    also: Option<&anyhow::Error>,
) -> Result<()> {
    let failed: Vec<String> = outcomes
        .iter()
        .filter_map(|(id, o)| match o {
            Outcome::Failed(e) => Some(format!("  {id}: {}", describe(e, verbose))),
            _ => None,
        })
        .collect();
    let ids = |f: fn(&Outcome) -> bool| -> Vec<&str> {
        outcomes
            .iter()
            .filter(|(_, o)| f(o))
            .map(|(id, _)| id.as_str())
            .collect()
    };
    let not_started = ids(|o| matches!(o, Outcome::NotStarted));
    if failed.is_empty() && not_started.is_empty() {
        return Ok(());
    }
    let skipped = ids(|o| matches!(o, Outcome::Skipped(_)));
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut msg = if crate::interrupt::requested() && what == "read" {
        "interrupted while reading the stage: nothing was changed".to_string()
    } else if crate::interrupt::requested() {
        let done = ids(|o| matches!(o, Outcome::Done)).len();
        let mut m = format!(
            "{what} interrupted: {done} resource{} done, {} stopped in flight, {} not started",
            plural(done),
            failed.len(),
            not_started.len()
        );
        if !failed.is_empty() {
            m.push_str(&format!(":\n{}", failed.join("\n")));
        }
        if !not_started.is_empty() {
            m.push_str(&format!("\nnot started: {}", not_started.join(", ")));
        }
        m
    } else if what == "read" {
        // Nothing was changed: the resources that could not be read for want of a failed one are
        // no news.
        return Err(anyhow!(
            "reading the stage failed, nothing was changed:\n{}\nfix the cause and run again: {rerun}",
            failed.join("\n")
        ));
    } else {
        format!(
            "{what} failed for {} resource{}:\n{}",
            failed.len(),
            plural(failed.len()),
            failed.join("\n")
        )
    };
    if !skipped.is_empty() {
        msg.push_str(&format!(
            "\nnot attempted (they depend on a failed resource): {}",
            skipped.join(", ")
        ));
    }
    if !kept.is_empty() {
        msg.push_str(&format!(
            "\nkept until the re-run (an unfinished resource may still use them), not deleted: {}",
            kept.join(", ")
        ));
    }
    if let Some(e) = also {
        msg.push_str(&format!("\nalso: {}", describe(e, verbose)));
    }
    let how = if crate::interrupt::requested() {
        "resume with"
    } else {
        "fix the cause and re-run"
    };
    msg.push_str(&format!(
        "\n{how}: {rerun} (finished resources are not redone)"
    ));
    Err(anyhow!(msg))
}
