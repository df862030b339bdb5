//! The stage lock: an object written only if absent (S3 conditional write) in a private bucket of the
//! app's, naming who holds it, so two deploys of one stage never run at once (a second one waits up
//! to `--lock-timeout`). `fintech unlock` clears one left by a killed run. Beside it, the record of
//! the stage's last deploy that changed something (`fintech stages` shows it).

use anyhow::{Result, bail};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Tag, Tagging};
use serde_json::{Value, json};

use super::{Aws, Names, aws_error, code, fit};

/// A held lock; release it with [`release`].
pub struct Lock {
    bucket: String,
    key: String,
}

fn bucket(names: &Names) -> String {
    fit(
        &format!(
            "{}-fintech-locks-{}-{}",
            names.app, names.account, names.region
        ),
        63,
    )
}

fn key(names: &Names) -> String {
    format!("stages/{}.lock", names.stage)
}

fn host() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

fn user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| {
            // SAFETY: getuid has no preconditions and cannot fail.
            #[cfg(unix)]
            let uid = unsafe { libc::getuid() };
            #[cfg(not(unix))]
            let uid = "?";
            format!("uid {uid}")
        })
}

/// A lock held by a process of this machine that no longer runs (a killed run) can be taken over.
fn holder_is_dead_here(held: &Value) -> bool {
    let here = format!("{}@{}", user(), host());
    let pid = held["pid"].as_u64().unwrap_or(0);
    held["holder"].as_str() == Some(here.as_str())
        && pid > 0
        && cfg!(target_os = "linux")
        && !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Who holds a lock, in words: `ci@runner-7 running `deploy` (pid 4242, since 2026-11-26T09:40:03Z)`.
pub fn holder_text(held: &Value) -> String {
    let since = held["since_unix"]
        .as_i64()
        .map_or_else(|| "?".to_string(), utc);
    format!(
        "{} running `{}` (pid {}, since {since})",
        held["holder"].as_str().unwrap_or("?"),
        held["command"].as_str().unwrap_or("?"),
        held["pid"],
    )
}

/// Takes the lock of the stage for `command`, waiting up to `timeout` for its holder to give it
/// back (saying once who holds it, when `tell`), or fails naming the holder. A lock left by a run
/// of this machine that died is taken over.
pub async fn acquire(
    aws: &Aws,
    names: &Names,
    command: &str,
    timeout: std::time::Duration,
    tell: bool,
) -> Result<Lock> {
    let bucket = bucket(names);
    ensure_bucket(aws, names, &bucket).await?;
    let key = key(names);
    let start = std::time::Instant::now();
    let mut told = false;
    let mut taken_over = false;
    loop {
        let held = match try_acquire(aws, command, &bucket, &key).await? {
            None => return Ok(Lock { bucket, key }),
            Some(held) => held,
        };
        if !taken_over && holder_is_dead_here(&held) {
            taken_over = true;
            let dead = Lock {
                bucket: bucket.clone(),
                key: key.clone(),
            };
            release(aws, dead).await?;
            continue;
        }
        let stage = &names.stage;
        if start.elapsed() >= timeout {
            let waited = if timeout.is_zero() {
                String::new()
            } else {
                format!(" (waited {}s, --lock-timeout)", start.elapsed().as_secs())
            };
            bail!(
                "stage `{stage}` is locked by {}{waited}; wait for it, or if that run is dead: fintech unlock --stage {stage}",
                holder_text(&held)
            );
        }
        if tell && !told {
            told = true;
            eprintln!(
                "Stage `{stage}` is locked by {}; waiting up to {}s for it (--lock-timeout).",
                holder_text(&held),
                timeout.as_secs()
            );
        }
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_secs(2)) => {}
            () = crate::interrupt::stopped() => return Err(crate::interrupt::error(&format!("while waiting for the lock of stage `{stage}`"))),
        }
    }
}

/// Writes the lock if absent; `Some(holder)` when someone has it.
async fn try_acquire(aws: &Aws, command: &str, bucket: &str, key: &str) -> Result<Option<Value>> {
    let (host, user) = (host(), user());
    let since = now_unix();
    // The nonce tells this attempt's lock from anyone else's: a PutObject whose answer was lost,
    // sent again by the SDK, meets its own lock (412) and must not wait for itself.
    let nonce = super::unique("lock");
    let holder = json!({"holder": format!("{user}@{host}"), "pid": std::process::id(), "command": command, "since_unix": since, "nonce": nonce});
    aws.mutated();
    let r = aws
        .s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .if_none_match("*")
        .content_type("application/json")
        .body(ByteStream::from(holder.to_string().into_bytes()))
        .send()
        .await;
    match r {
        Ok(_) => Ok(None),
        Err(e)
            if matches!(
                code(&e),
                "PreconditionFailed" | "ConditionalRequestConflict"
            ) || e.raw_response().is_some_and(|r| r.status().as_u16() == 412) =>
        {
            // Given back in between: the next try takes it.
            let held = holder_of(aws, bucket, key)
                .await
                .ok()
                .flatten()
                .unwrap_or(Value::Null);
            if held["nonce"].as_str() == Some(nonce.as_str()) {
                return Ok(None);
            }
            Ok(Some(held))
        }
        Err(e) => Err(aws_error("s3:PutObject (lock)", e)),
    }
}

/// The lock's content, `None` when nobody holds it.
async fn holder_of(aws: &Aws, bucket: &str, key: &str) -> Result<Option<Value>> {
    let out = match aws.s3.get_object().bucket(bucket).key(key).send().await {
        Ok(out) => out,
        Err(e) if matches!(code(&e), "NoSuchKey" | "NoSuchBucket") => return Ok(None),
        Err(e) => return Err(aws_error("s3:GetObject (lock)", e)),
    };
    let bytes = out.body.collect().await?.into_bytes();
    Ok(Some(serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
}

/// Gives the lock back.
pub async fn release(aws: &Aws, lock: Lock) -> Result<()> {
    aws.mutated();
    aws.s3
        .delete_object()
        .bucket(&lock.bucket)
        .key(&lock.key)
        .send()
        .await
        .map_err(|e| aws_error("s3:DeleteObject (lock)", e))?;
    Ok(())
}

/// Who holds the stage's lock, if anyone.
pub async fn holder(aws: &Aws, names: &Names) -> Result<Option<Value>> {
    holder_of(aws, &bucket(names), &key(names)).await
}

/// Removes the stage's lock if a run of this machine that died holds it (a run killed after its
/// last change, before giving the lock back): a run with nothing to change leaves no stale lock.
pub async fn reap(aws: &Aws, names: &Names) -> Result<()> {
    match holder(aws, names).await? {
        Some(held) if holder_is_dead_here(&held) => clear(aws, names).await,
        _ => Ok(()),
    }
}

/// Removes the stage's lock, whoever holds it.
pub async fn clear(aws: &Aws, names: &Names) -> Result<()> {
    release(
        aws,
        Lock {
            bucket: bucket(names),
            key: key(names),
        },
    )
    .await
}

/// The lock bucket: guarded like every bucket (`bucket_guard`) and tagged, created on first use.
async fn ensure_bucket(aws: &Aws, names: &Names, bucket: &str) -> Result<()> {
    if aws.s3.head_bucket().bucket(bucket).send().await.is_ok() {
        // Made by an older version, or by a run stopped before it was guarded: put right (what
        // it has already is not sent again).
        let have = super::bucket_guard::read(aws, bucket).await?;
        super::bucket_guard::apply(aws, bucket, Some(&have))
            .await
            .map_err(|e| e.context("guarding the lock bucket"))?;
        return Ok(());
    }
    super::s3::create_bucket(aws, bucket)
        .await
        .map_err(|e| e.context("creating the lock bucket"))?;
    super::bucket_guard::apply(aws, bucket, None)
        .await
        .map_err(|e| e.context("guarding the lock bucket"))?;
    let tags = vec![
        Tag::builder()
            .key("fintech:app")
            .value(&names.app)
            .build()?,
        Tag::builder().key("fintech:role").value("locks").build()?,
    ];
    aws.mutated();
    aws.s3
        .put_bucket_tagging()
        .bucket(bucket)
        .tagging(Tagging::builder().set_tag_set(Some(tags)).build()?)
        .send()
        .await
        .map_err(|e| aws_error("s3:PutBucketTagging (locks)", e))?;
    Ok(())
}

fn deployed_key(names: &Names) -> String {
    format!("stages/{}.deployed", names.stage)
}

/// Records, while the lock is held, that a deploy of the stage changed something: when, by whom,
/// with which option and fintech, and what it did. A deploy that changes nothing writes nothing.
pub async fn record_deploy(aws: &Aws, lock: &Lock, names: &Names, what: Value) -> Result<()> {
    let mut record = json!({"by": format!("{}@{}", user(), host()), "at_unix": now_unix(), "fintech": crate::cli::VERSION});
    if let (Some(r), Value::Object(w)) = (record.as_object_mut(), what) {
        r.extend(w);
    }
    aws.mutated();
    aws.s3
        .put_object()
        .bucket(&lock.bucket)
        .key(deployed_key(names))
        .content_type("application/json")
        .body(ByteStream::from(record.to_string().into_bytes()))
        .send()
        .await
        .map_err(|e| aws_error("s3:PutObject (the stage's deploy record)", e))?;
    Ok(())
}

/// The stage's last deploy record, if it has one (none: never deployed by this fintech, or only
/// before records were kept).
pub async fn last_deploy(aws: &Aws, names: &Names) -> Result<Option<Value>> {
    let got = aws
        .s3
        .get_object()
        .bucket(bucket(names))
        .key(deployed_key(names))
        .send()
        .await;
    let body = match got {
        Ok(o) => o.body,
        // Without s3:ListBucket, S3 answers a missing key with 403: no record to show either.
        Err(e)
            if matches!(
                code(&e),
                "NoSuchKey" | "NoSuchBucket" | "NotFound" | "AccessDenied"
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(aws_error("s3:GetObject (the stage's deploy record)", e)),
    };
    let bytes = body
        .collect()
        .await
        .map(|b| b.into_bytes())
        .unwrap_or_default();
    Ok(serde_json::from_slice(&bytes).ok())
}

/// When a record says the deploy happened, as `2026-11-27T09:40:03Z`.
pub fn record_time(record: &Value) -> Option<String> {
    record["at_unix"].as_i64().map(utc)
}

/// Seconds since the Unix epoch, now.
fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Unix seconds as `2026-11-27T09:40:03Z`.
fn utc(secs: i64) -> String {
    aws_smithy_types::DateTime::from_secs(secs)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|_| secs.to_string())
}

/// The stages of the app in this region that have a deploy record, with it.
pub async fn recorded_stages(aws: &Aws, app: &str) -> Result<Vec<(String, Value)>> {
    let names = Names {
        app: app.to_string(),
        stage: String::new(),
        region: aws.region.clone(),
        account: aws.account.clone(),
        ..Names::default()
    };
    let bucket = bucket(&names);
    let mut keys = Vec::new();
    let mut pages = aws
        .s3
        .list_objects_v2()
        .bucket(&bucket)
        .prefix("stages/")
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(p) => p,
            Err(e) if matches!(code(&e), "NoSuchBucket" | "AccessDenied") => return Ok(Vec::new()),
            Err(e) => return Err(aws_error("s3:ListObjectsV2 (deploy records)", e)),
        };
        for o in page.contents() {
            if let Some(stage) = o
                .key()
                .and_then(|k| k.strip_prefix("stages/"))
                .and_then(|k| k.strip_suffix(".deployed"))
            {
                keys.push(stage.to_string());
            }
        }
    }
    let mut out = Vec::new();
    for stage in keys {
        let names = Names {
            stage: stage.clone(),
            ..names.clone()
        };
        if let Some(r) = last_deploy(aws, &names).await? {
            out.push((stage, r));
        }
    }
    Ok(out)
}
