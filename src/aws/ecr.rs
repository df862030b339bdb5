//! ECR: the image repository (scan on push, a lifecycle policy keeping the last N images), and
//! finding an image by tag to pin its digest.

use anyhow::Result;
use aws_sdk_ecr::types::{ImageIdentifier, ImageScanningConfiguration, Tag};
use serde_json::{Value, json};

use super::{Attrs, Aws, Call, Live, Props, aws_error, code};

fn lifecycle(keep: i64) -> String {
    json!({"rules": [{"rulePriority": 1, "description": format!("keep the last {keep} images"),
        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep},
        "action": {"type": "expire"}}]})
    .to_string()
}

/// Repository `c.name`, if it is there.
async fn describe(c: &Call<'_>) -> Result<Option<aws_sdk_ecr::types::Repository>> {
    match c
        .aws
        .ecr
        .describe_repositories()
        .repository_names(&c.name)
        .send()
        .await
    {
        Ok(out) => Ok(out.repositories().first().cloned()),
        Err(e) if code(&e) == "RepositoryNotFoundException" => Ok(None),
        Err(e) => Err(aws_error("ecr:DescribeRepositories", e)),
    }
}

/// The ownership tags, as ECR takes them.
fn tags(c: &Call<'_>) -> Vec<Tag> {
    c.tags()
        .into_iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

pub async fn read(c: &Call<'_>) -> Result<Option<Live>> {
    let Some(repo) = describe(c).await? else {
        return Ok(None);
    };
    let arn = repo.repository_arn().unwrap_or_default().to_string();
    let tags = c
        .aws
        .ecr
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| aws_error("ecr:ListTagsForResource", e))?;
    c.names.check_owner(
        &format!("ECR repository {}", c.name),
        tags.tags().iter().map(|t| (t.key(), t.value())),
    )?;
    let mut a = Attrs::new();
    if let Some(s) = repo.image_scanning_configuration() {
        a.insert("scan_on_push".into(), Value::from(s.scan_on_push()));
    }
    match c
        .aws
        .ecr
        .get_lifecycle_policy()
        .repository_name(&c.name)
        .send()
        .await
    {
        Ok(p) => {
            let doc: Value = serde_json::from_str(p.lifecycle_policy_text().unwrap_or("{}"))
                .unwrap_or(Value::Null);
            if let Some(n) = doc["rules"][0]["selection"]["countNumber"].as_i64() {
                a.insert("keep_images".into(), Value::from(n));
            }
        }
        Err(e) if code(&e) == "LifecyclePolicyNotFoundException" => {
            a.insert("keep_images".into(), Value::from(0));
        }
        Err(e) => return Err(aws_error("ecr:GetLifecyclePolicy", e)),
    }
    let mut o = Attrs::new();
    o.insert(
        "url".into(),
        Value::from(repo.repository_uri().unwrap_or_default()),
    );
    o.insert("arn".into(), Value::from(arn));
    o.insert("name".into(), Value::from(c.name.clone()));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let tags = tags(c);
    c.aws.mutated();
    let r = c
        .aws
        .ecr
        .create_repository()
        .repository_name(&c.name)
        .image_scanning_configuration(
            ImageScanningConfiguration::builder()
                .scan_on_push(p.b("scan_on_push")?)
                .build(),
        )
        .set_tags(Some(tags))
        .send()
        .await;
    match r {
        Ok(_) => {}
        Err(e) if code(&e) == "RepositoryAlreadyExistsException" => {}
        Err(e) => return Err(aws_error("ecr:CreateRepository", e)),
    }
    put_lifecycle(c, p).await
}

async fn put_lifecycle(c: &Call<'_>, p: &Attrs) -> Result<()> {
    c.aws.mutated();
    c.aws
        .ecr
        .put_lifecycle_policy()
        .repository_name(&c.name)
        .lifecycle_policy_text(lifecycle(p.i("keep_images")?))
        .send()
        .await
        .map_err(|e| aws_error("ecr:PutLifecyclePolicy", e))?;
    Ok(())
}

pub async fn update(c: &Call<'_>, p: &Attrs, changed: &[String]) -> Result<()> {
    if changed.iter().any(|k| k == "scan_on_push") {
        c.aws.mutated();
        c.aws
            .ecr
            .put_image_scanning_configuration()
            .repository_name(&c.name)
            .image_scanning_configuration(
                ImageScanningConfiguration::builder()
                    .scan_on_push(p.b("scan_on_push")?)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| aws_error("ecr:PutImageScanningConfiguration", e))?;
    }
    if changed.iter().any(|k| k == "keep_images") {
        put_lifecycle(c, p).await?;
    }
    Ok(())
}

/// Deletes the repository and its images (they are rebuilt from the sources).
pub async fn delete(c: &Call<'_>) -> Result<()> {
    c.aws.mutated();
    match c
        .aws
        .ecr
        .delete_repository()
        .repository_name(&c.name)
        .force(true)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "RepositoryNotFoundException" => Ok(()),
        Err(e) => Err(aws_error("ecr:DeleteRepository", e)),
    }
}

/// The digest of the image tagged `tag` in the repository at `url`, if it was pushed.
pub async fn find_image(aws: &Aws, url: &str, tag: &str) -> Result<Option<String>> {
    image_digest(aws, url, ImageIdentifier::builder().image_tag(tag).build()).await
}

/// Whether the repository at `url` has the image `digest`.
pub async fn has_image(aws: &Aws, url: &str, digest: &str) -> Result<bool> {
    Ok(image_digest(
        aws,
        url,
        ImageIdentifier::builder().image_digest(digest).build(),
    )
    .await?
    .is_some())
}

async fn image_digest(aws: &Aws, url: &str, id: ImageIdentifier) -> Result<Option<String>> {
    let repo = crate::package::oci::reference::repository_name(url);
    match aws
        .ecr
        .describe_images()
        .repository_name(repo)
        .image_ids(id)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .image_details()
            .first()
            .and_then(|d| d.image_digest().map(str::to_string))),
        Err(e)
            if matches!(
                code(&e),
                "ImageNotFoundException" | "RepositoryNotFoundException"
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(aws_error("ecr:DescribeImages", e)),
    }
}

/// A registry login from `GetAuthorizationToken`: the user, password and the registry's address
/// (`https://ACCOUNT.dkr.ecr.REGION.amazonaws.com`).
pub struct Login {
    pub user: String,
    pub password: String,
    pub endpoint: String,
}

pub async fn login(aws: &Aws) -> Result<Login> {
    let out = aws
        .ecr
        .get_authorization_token()
        .send()
        .await
        .map_err(|e| aws_error("ecr:GetAuthorizationToken", e))?;
    let data = out.authorization_data().first();
    let token = data
        .and_then(|d| d.authorization_token())
        .unwrap_or_default();
    let decoded = String::from_utf8(base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        token,
    )?)?;
    let (user, password) = decoded.split_once(':').unwrap_or(("AWS", ""));
    Ok(Login {
        user: user.to_string(),
        password: password.to_string(),
        endpoint: data
            .and_then(|d| d.proxy_endpoint())
            .unwrap_or_default()
            .to_string(),
    })
}

/// Every repository name of the registry.
pub async fn repository_names(aws: &Aws) -> Result<Vec<String>> {
    let page = super::pages!("ecr:DescribeRepositories", aws.ecr.describe_repositories());
    Ok(page
        .iter()
        .flat_map(|p| p.repositories())
        .filter_map(|r| r.repository_name().map(str::to_string))
        .collect())
}

/// Tags repository `c.name`, made without fintech, as the stage's (`fintech adopt`).
pub async fn take_over(c: &Call<'_>) -> Result<()> {
    let arn = describe(c)
        .await?
        .and_then(|r| r.repository_arn().map(str::to_string))
        .ok_or_else(|| anyhow::anyhow!("ECR repository {} is gone", c.name))?;
    let tags = tags(c);
    c.aws.mutated();
    c.aws
        .ecr
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(|e| aws_error("ecr:TagResource", e))?;
    Ok(())
}
