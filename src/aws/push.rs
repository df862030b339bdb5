//! A service's image, built by fintech, into its ECR repository: nothing is sent when ECR has
//! the digest; else the blobs the registry lacks and the manifest are pushed with the login
//! `GetAuthorizationToken` gives, to the registry it names.

use anyhow::{Result, anyhow};

use super::{Attrs, Aws, Props, ecr};
use crate::package::oci;

/// Where the pushes of emulators go when their `GetAuthorizationToken` names no registry that
/// answers (`http://127.0.0.1:5000`, say); AWS's own answer is used when unset.
pub const REGISTRY_ENV: &str = "FINTECH_REGISTRY_ENDPOINT";

/// Makes sure the repository has the image `props` pin (`image_ref`, from the layout `image_layout`).
pub async fn push_image(aws: &Aws, id: &str, props: &Attrs) -> Result<()> {
    let image_ref = props.s("image_ref")?;
    let (url, digest) = image_ref
        .split_once('@')
        .ok_or_else(|| anyhow!("`{id}`: image {image_ref} is not pinned by digest"))?;
    if ecr::has_image(aws, url, digest).await? {
        return Ok(());
    }
    let login = ecr::login(aws).await?;
    let endpoint = std::env::var(REGISTRY_ENV)
        .ok()
        .filter(|e| !e.is_empty())
        .unwrap_or(login.endpoint);
    if endpoint.is_empty() {
        anyhow::bail!(
            "`{id}`: GetAuthorizationToken named no registry to push to; set {REGISTRY_ENV}"
        );
    }
    let endpoint = if endpoint.contains("://") {
        endpoint
    } else {
        oci::reference::api_root(&endpoint)
    };
    let repo = oci::reference::repository_name(url);
    let registry =
        oci::distribution::Registry::new(&endpoint, Some((&login.user, &login.password)))?;
    let layout = std::path::PathBuf::from(props.s("image_layout")?);
    let pushed = oci::push(
        &registry,
        &layout,
        repo,
        digest,
        props.s("image_tag")?,
        &|| aws.mutated(),
    )
    .await
    .map_err(|e| e.context(format!("`{id}`: pushing {url}@{digest} to {endpoint}")))?;
    eprintln!(
        "{id}: pushed {} of {} blobs ({:.1} MB) and the manifest of {digest} to {url}",
        pushed.uploaded,
        pushed.blobs,
        pushed.bytes as f64 / 1e6
    );
    Ok(())
}
