//! The static site in its bucket: upload only files whose MD5 differs from the ETag, delete removed ones,
//! set content types and cache headers, and invalidate only the changed paths in CloudFront.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Props, aws_error, code};
use crate::package::site as local;

/// Every object in `bucket` with its ETag (the MD5 for single-part uploads); `None` if there is no bucket.
pub async fn list(aws: &Aws, bucket: &str) -> Result<Option<BTreeMap<String, String>>> {
    let mut out = BTreeMap::new();
    let mut token = None;
    loop {
        let r = aws
            .s3
            .list_objects_v2()
            .bucket(bucket)
            .set_continuation_token(token)
            .send()
            .await;
        let page = match r {
            Ok(p) => p,
            Err(e) if code(&e) == "NoSuchBucket" => return Ok(None),
            Err(e) => return Err(aws_error("s3:ListObjectsV2", e)),
        };
        for o in page.contents() {
            out.insert(
                o.key().unwrap_or_default().to_string(),
                o.e_tag().unwrap_or_default().trim_matches('"').to_string(),
            );
        }
        token = page.next_continuation_token().map(str::to_string);
        if token.is_none() {
            return Ok(Some(out));
        }
    }
}

pub async fn read(c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
    let Some(files) = list(c.aws, p.s("bucket")?).await? else {
        return Ok(None);
    };
    if files.is_empty() {
        return Ok(None);
    }
    let mut live = Live::default();
    let map: serde_json::Map<String, Value> = files
        .into_iter()
        .map(|(k, v)| (k, Value::from(v)))
        .collect();
    live.outputs.insert("files".into(), Value::from(map.len()));
    live.attrs.insert("files".into(), Value::Object(map));
    Ok(Some(live))
}

/// Uploads what changed, deletes what was removed, then invalidates the changed paths.
pub async fn sync(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let bucket = p.s("bucket")?;
    let root = std::path::PathBuf::from(p.s("source_dir")?);
    let want = local::manifest(&root)?;
    let have = list(c.aws, bucket).await?.unwrap_or_default();
    let mut changed = Vec::new();
    for (key, md5) in &want {
        if have.get(key) == Some(md5) {
            continue;
        }
        let body = ByteStream::from_path(root.join(key))
            .await
            .with_context(|| format!("reading {key}"))?;
        c.aws.mutated();
        c.aws
            .s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(body)
            .content_type(local::content_type(key))
            .cache_control(local::cache_control(key))
            .send()
            .await
            .map_err(|e| aws_error("s3:PutObject", e))?;
        changed.push(key.clone());
    }
    let removed: Vec<String> = have
        .keys()
        .filter(|k| !want.contains_key(*k))
        .cloned()
        .collect();
    delete_keys(c.aws, bucket, removed.clone()).await?;
    changed.extend(removed);
    if let Some(dist) = p.opt("distribution")
        && !changed.is_empty()
        && !have.is_empty()
    {
        invalidate(c, dist, &changed).await?;
    }
    Ok(())
}

async fn invalidate(c: &Call<'_>, dist: &str, keys: &[String]) -> Result<()> {
    let mut paths: Vec<String> = keys.iter().flat_map(|k| local::paths_for(k)).collect();
    paths.sort();
    paths.dedup();
    c.aws.mutated();
    c.aws
        .cloudfront
        .create_invalidation()
        .distribution_id(dist)
        .invalidation_batch(
            InvalidationBatch::builder()
                // Unique per request: a repeated CallerReference makes CloudFront answer with
                // the earlier invalidation and invalidate nothing.
                .caller_reference(super::unique(&local::digest(&paths)))
                .paths(
                    Paths::builder()
                        .quantity(paths.len() as i32)
                        .set_items(Some(paths))
                        .build()?,
                )
                .build()?,
        )
        .send()
        .await
        .map_err(|e| aws_error("cloudfront:CreateInvalidation", e))?;
    Ok(())
}

/// Deletes `keys` from `bucket`, a thousand at a time.
pub async fn delete_keys(aws: &Aws, bucket: &str, keys: Vec<String>) -> Result<()> {
    for chunk in keys.chunks(1000) {
        let objects: Vec<ObjectIdentifier> = chunk
            .iter()
            .filter_map(|k| ObjectIdentifier::builder().key(k).build().ok())
            .collect();
        delete_objects(aws, bucket, objects).await?;
    }
    Ok(())
}

/// One DeleteObjects call (at most 1000 objects). S3 answers 200 even when some keys failed: those
/// are listed in the response, and any of them is an error here.
pub async fn delete_objects(aws: &Aws, bucket: &str, objects: Vec<ObjectIdentifier>) -> Result<()> {
    aws.mutated();
    let out = aws
        .s3
        .delete_objects()
        .bucket(bucket)
        .delete(
            Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()?,
        )
        .send()
        .await
        .map_err(|e| aws_error("s3:DeleteObjects", e))?;
    if let Some(first) = out.errors().first() {
        anyhow::bail!(
            "s3:DeleteObjects: {} of the objects of {bucket} were not deleted, e.g. {}: {}: {}",
            out.errors().len(),
            first.key().unwrap_or_default(),
            first.code().unwrap_or_default(),
            first.message().unwrap_or_default()
        );
    }
    Ok(())
}

pub async fn delete(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let bucket = p.s("bucket")?;
    if let Some(files) = list(c.aws, bucket).await? {
        delete_keys(c.aws, bucket, files.into_keys().collect()).await?;
    }
    Ok(())
}
