//! S3 buckets: tagged, guarded (`bucket_guard`), optionally versioned; never deleted while holding data.

use anyhow::{Result, bail};
use aws_sdk_s3::operation::list_object_versions::ListObjectVersionsOutput;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, ObjectIdentifier,
    Tag, Tagging, VersioningConfiguration,
};
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Props, aws_error, code};

/// Whether bucket `c.name` is there, by HeadBucket: absent, or refused as another account's.
async fn exists(c: &Call<'_>) -> Result<bool> {
    match c.aws.s3.head_bucket().bucket(&c.name).send().await {
        Ok(_) => Ok(true),
        Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => Ok(false),
        Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 403) => {
            bail!("bucket {} exists and belongs to another account", c.name)
        }
        Err(e) => Err(aws_error("s3:HeadBucket", e)),
    }
}

pub async fn read(c: &Call<'_>) -> Result<Option<Live>> {
    // A bucket of the account's listing is ours and there (one ListBuckets for all of them); one
    // not listed yet may be new (the listing is eventually consistent) or another account's: asked.
    let prefix = c.names.prefix();
    let listed =
        c.name.starts_with(&prefix) && stage_buckets(c.aws, &prefix).await?.contains(&c.name);
    if !listed && !exists(c).await? {
        return Ok(None);
    }
    // What the bucket has, read at once (one round trip, not seven).
    let settings = futures::try_join!(
        async {
            match c.aws.s3.get_bucket_tagging().bucket(&c.name).send().await {
                Ok(t) => Ok(Some(t)),
                // Untagged: a run killed between CreateBucket and PutBucketTagging. The name
                // carries our account id, so it is ours.
                Err(e) if code(&e) == "NoSuchTagSet" => Ok(None),
                Err(e) => Err(aws_error("s3:GetBucketTagging", e)),
            }
        },
        async {
            match c
                .aws
                .s3
                .get_bucket_versioning()
                .bucket(&c.name)
                .send()
                .await
            {
                Ok(v) => Ok(v.status() == Some(&BucketVersioningStatus::Enabled)),
                // moto quirk: a bucket that never had versioning answers 200 with an empty
                // <GetBucketVersioningResponse/> root the SDK cannot parse; it says "no status":
                // not enabled.
                Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 200) => Ok(false),
                Err(e) => Err(aws_error("s3:GetBucketVersioning", e)),
            }
        },
        super::bucket_guard::read(c.aws, &c.name),
        super::bucket_guard::lifecycle(c.aws, &c.name),
    );
    let (tags, enabled, guard, lifecycle) = match settings {
        Ok(s) => s,
        // Listed, but deleted since (a deleted bucket stays listed for a while).
        Err(_) if listed && !exists(c).await? => return Ok(None),
        Err(e) => return Err(e),
    };
    match tags {
        Some(t) => c.names.check_owner(
            &format!("bucket {}", c.name),
            t.tag_set().iter().map(|t| (t.key(), t.value())),
        )?,
        // Untagged and named for another stage or by hand (an adopted bucket before `adopt
        // --yes` tagged it): not ours.
        None if !c.name.starts_with(&prefix) => {
            c.names.check_owner(&format!("bucket {}", c.name), [])?
        }
        None => {}
    }
    let mut a = Attrs::new();
    a.insert("versioning".into(), Value::from(enabled));
    for (k, v) in [
        ("public_access_blocked", guard.public_access_blocked),
        ("owner_enforced", guard.owner_enforced),
        ("encrypted", guard.encrypted),
        ("tls_only", guard.tls_only),
    ] {
        a.insert(k.into(), Value::from(v));
    }
    a.insert("lifecycle".into(), Value::from(lifecycle));
    let mut o = Attrs::new();
    o.insert("name".into(), Value::from(c.name.clone()));
    o.insert(
        "arn".into(),
        Value::from(format!("arn:aws:s3:::{}", c.name)),
    );
    o.insert(
        "regional_domain".into(),
        Value::from(format!("{}.s3.{}.amazonaws.com", c.name, c.aws.region)),
    );
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

/// Creates bucket `name` in the region (ours already is fine) and waits until S3 answers for it:
/// a new bucket answers NoSuchBucket to the calls that configure it for a while (the Terraform
/// provider waits for HeadBucket the same way, up to its bucketPropagationTimeout).
pub async fn create_bucket(aws: &Aws, name: &str) -> Result<()> {
    let mut b = aws.s3.create_bucket().bucket(name);
    if aws.region != "us-east-1" {
        b = b.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(aws.region.as_str()))
                .build(),
        );
    }
    aws.mutated();
    match b.send().await {
        Ok(_) => {}
        Err(e) if code(&e) == "BucketAlreadyOwnedByYou" => {}
        Err(e) => return Err(aws_error("s3:CreateBucket", e)),
    }
    let what = format!("bucket {name} to be visible");
    super::wait::until(&what, super::wait::PROPAGATION, || async {
        Ok(aws.s3.head_bucket().bucket(name).send().await.is_ok())
    })
    .await
}

/// The ownership tags, as S3 takes them.
fn tags(c: &Call<'_>) -> Vec<Tag> {
    c.tags()
        .into_iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    create_bucket(c.aws, &c.name).await?;
    let tags = tags(c);
    c.aws.mutated();
    c.aws
        .s3
        .put_bucket_tagging()
        .bucket(&c.name)
        .tagging(Tagging::builder().set_tag_set(Some(tags)).build()?)
        .send()
        .await
        .map_err(|e| aws_error("s3:PutBucketTagging", e))?;
    super::bucket_guard::apply(c.aws, &c.name, None).await?;
    super::bucket_guard::put_lifecycle(c.aws, &c.name, expire_days(p)).await?;
    if p.b("versioning")? {
        versioning(c, true).await?;
    }
    Ok(())
}

pub async fn update(c: &Call<'_>, p: &Attrs, live: &Live, changed: &[String]) -> Result<()> {
    let flag = |k: &str| live.attrs.get(k).and_then(Value::as_bool).unwrap_or(false);
    let have = super::bucket_guard::Posture {
        public_access_blocked: flag("public_access_blocked"),
        owner_enforced: flag("owner_enforced"),
        encrypted: flag("encrypted"),
        tls_only: flag("tls_only"),
    };
    super::bucket_guard::apply(c.aws, &c.name, Some(&have)).await?;
    for k in changed {
        match k.as_str() {
            "versioning" => versioning(c, p.b(k)?).await?,
            "lifecycle" => {
                super::bucket_guard::put_lifecycle(c.aws, &c.name, expire_days(p)).await?
            }
            _ => {}
        }
    }
    Ok(())
}

/// Days after which objects expire, when the stack sets it.
pub fn expire_days(p: &Attrs) -> Option<i64> {
    p.get("expire_days").and_then(Value::as_i64)
}

async fn versioning(c: &Call<'_>, on: bool) -> Result<()> {
    let status = if on {
        BucketVersioningStatus::Enabled
    } else {
        BucketVersioningStatus::Suspended
    };
    c.aws.mutated();
    c.aws
        .s3
        .put_bucket_versioning()
        .bucket(&c.name)
        .versioning_configuration(VersioningConfiguration::builder().status(status).build())
        .send()
        .await
        .map_err(|e| aws_error("s3:PutBucketVersioning", e))?;
    Ok(())
}

/// Deletes the bucket. One still holding objects (or object versions) is emptied only with
/// `force_destroy: true`.
pub async fn delete(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let Some(page) = versions(c.aws, &c.name).await? else {
        return Ok(()); // gone already
    };
    if !page.versions().is_empty() || !page.delete_markers().is_empty() {
        if !p.b("force_destroy")? {
            bail!(
                "bucket {} still holds objects; set `force_destroy: true` on `{}` to let destroy empty it",
                c.name,
                c.id
            );
        }
        empty(c.aws, &c.name).await?;
    }
    c.aws.mutated();
    match c.aws.s3.delete_bucket().bucket(&c.name).send().await {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "NoSuchBucket" => Ok(()),
        Err(e) => Err(aws_error("s3:DeleteBucket", e)),
    }
}

/// The first page (at most 1000) of the object versions and delete markers of `bucket`; `None`
/// when the bucket does not exist.
async fn versions(aws: &Aws, bucket: &str) -> Result<Option<ListObjectVersionsOutput>> {
    match aws.s3.list_object_versions().bucket(bucket).send().await {
        Ok(page) => Ok(Some(page)),
        Err(e) if code(&e) == "NoSuchBucket" => Ok(None),
        Err(e) => Err(aws_error("s3:ListObjectVersions", e)),
    }
}

/// Deletes every version and delete marker of every object of `bucket` (a plain bucket's objects
/// are their one `null` version), one page of at most 1000 at a time, so memory stays flat
/// whatever the bucket holds. Each round lists from the start again: what was deleted is gone
/// from the listing (S3 lists consistently), and no marker points at a deleted version (moto 5.2,
/// given such markers, left versions unlisted: the bucket was then not empty). Returns how many
/// were deleted.
pub async fn empty(aws: &Aws, bucket: &str) -> Result<usize> {
    let mut deleted = 0;
    while let Some(page) = versions(aws, bucket).await? {
        let ids: Vec<ObjectIdentifier> = page
            .versions()
            .iter()
            .map(|v| (v.key(), v.version_id()))
            .chain(
                page.delete_markers()
                    .iter()
                    .map(|m| (m.key(), m.version_id())),
            )
            .filter_map(|(k, v)| {
                ObjectIdentifier::builder()
                    .set_key(k.map(str::to_string))
                    .set_version_id(v.map(str::to_string))
                    .build()
                    .ok()
            })
            .collect();
        if ids.is_empty() {
            break;
        }
        deleted += ids.len();
        super::site::delete_objects(aws, bucket, ids).await?;
    }
    Ok(deleted)
}

/// The names of the account's buckets that start with `prefix`.
pub async fn bucket_names(aws: &Aws, prefix: &str) -> Result<Vec<String>> {
    Ok(stage_buckets(aws, prefix).await?.to_vec())
}

/// The account's buckets named with `prefix`, listed once per epoch (see [`Aws::epoch`]) for
/// every bucket's read.
async fn stage_buckets(aws: &Aws, prefix: &str) -> Result<std::sync::Arc<Vec<String>>> {
    aws.buckets
        .get(prefix, aws.epoch(), || async {
            // Paginated (an account whose bucket quota is above 10 000 must be), and filtered
            // here too (an emulator may not filter).
            let pages = super::pages!(
                "s3:ListBuckets",
                aws.s3.list_buckets().prefix(prefix).max_buckets(1000)
            );
            Ok(pages
                .iter()
                .flat_map(|p| p.buckets())
                .filter_map(|b| b.name().filter(|n| n.starts_with(prefix)))
                .map(str::to_string)
                .collect())
        })
        .await
}

/// Adds the ownership tags to bucket `c.name`, made without fintech, keeping the tags it has
/// (PutBucketTagging replaces the whole set).
pub async fn take_over(c: &Call<'_>) -> Result<()> {
    let mut set: Vec<Tag> = match c.aws.s3.get_bucket_tagging().bucket(&c.name).send().await {
        Ok(t) => t.tag_set().to_vec(),
        Err(e) if code(&e) == "NoSuchTagSet" => Vec::new(),
        Err(e) => return Err(aws_error("s3:GetBucketTagging", e)),
    };
    let ours = tags(c);
    set.retain(|t| !ours.iter().any(|o| o.key() == t.key()));
    set.extend(ours);
    c.aws.mutated();
    c.aws
        .s3
        .put_bucket_tagging()
        .bucket(&c.name)
        .tagging(Tagging::builder().set_tag_set(Some(set)).build()?)
        .send()
        .await
        .map_err(|e| aws_error("s3:PutBucketTagging", e))?;
    Ok(())
}
