//! Who we are in AWS: the account of the credentials (STS GetCallerIdentity, the first call of every
//! command), and, when that fails, one paragraph naming the cause and the fix.

use anyhow::{Result, anyhow};
use aws_smithy_types::error::display::DisplayErrorContext;

/// Where the credentials were meant to come from and go to, for the error's wording.
pub struct Context<'a> {
    pub profile: Option<&'a str>,
    pub endpoint_url: Option<&'a str>,
    pub region: &'a str,
}

/// The account the SDK's credentials belong to.
pub async fn account(sdk: &aws_types::SdkConfig, cx: &Context<'_>) -> Result<String> {
    let sts = aws_sdk_sts::Client::new(sdk);
    let start = std::time::Instant::now();
    match sts.get_caller_identity().send().await {
        Ok(who) => Ok(who.account().unwrap_or_default().to_string()),
        Err(e) => {
            let code = aws_sdk_sts::error::ProvideErrorMetadata::code(&e)
                .unwrap_or_default()
                .to_string();
            let status = e.raw_response().map(|r| r.status().as_u16());
            if status.is_some_and(|s| s >= 500) {
                let attempts = sdk.retry_config().map_or(1, |r| r.max_attempts());
                return Err(anyhow!(
                    "AWS STS kept failing ({}): gave up after {attempts} attempts in {:.1}s; AWS or the network to it is failing (https://health.aws.amazon.com shows AWS's side), run this again later",
                    if code.is_empty() {
                        format!("HTTP {}", status.unwrap_or(500))
                    } else {
                        code
                    },
                    start.elapsed().as_secs_f64()
                ));
            }
            let chain = format!("{}", DisplayErrorContext(&e));
            Err(explain(&code, &chain, cx))
        }
    }
}

/// The error for a failed GetCallerIdentity: AWS's `code` (if it answered) and the SDK's whole
/// error `chain`.
fn explain(code: &str, chain: &str, cx: &Context<'_>) -> anyhow::Error {
    let profile = cx.profile.unwrap_or("default");
    let login = format!("aws sso login --profile {profile}");
    let text = match code {
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => format!(
            "the AWS session of profile `{profile}` has expired (temporary credentials end): \
             renew them (`{login}` for SSO, or your tool's login again), then run this again"
        ),
        "InvalidClientTokenId" | "UnrecognizedClientException" => format!(
            "AWS does not know this access key ({code}): it was deleted, deactivated, or is \
             not for this partition; check AWS_ACCESS_KEY_ID or profile `{profile}` \
             (`aws configure list` shows which credentials are used)"
        ),
        "SignatureDoesNotMatch" => "AWS refused the request signature (SignatureDoesNotMatch): the secret access \
             key does not go with the access key id; check AWS_SECRET_ACCESS_KEY or the profile's \
             aws_secret_access_key"
            .to_string(),
        "AccessDenied" | "AccessDeniedException" => format!(
            "AWS refused even to say who these credentials are (AccessDenied on \
             sts:GetCallerIdentity, which needs no permission: an organization policy denies \
             it in {}); use credentials of an account and region allowed to deploy",
            cx.region
        ),
        _ if chain.contains("SSO token has expired")
            || chain.contains("SSO session") && chain.contains("expired") =>
        {
            format!(
                "the SSO session of profile `{profile}` has expired: run `{login}`, then run \
                 this again"
            )
        }
        _ if chain.contains("no providers in chain provided credentials") => "no AWS credentials found: run `aws configure` (access keys) or `aws configure sso` and \
             `aws sso login`, then pass `--profile NAME` (or set AWS_PROFILE); or set \
             AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. An emulator (AWS_ENDPOINT_URL) takes \
             any non-empty keys"
            .to_string(),
        _ if chain.contains("ProfileFile")
            || chain.contains("profile") && chain.contains("not defined") =>
        {
            format!(
                "profile `{profile}` is not in the AWS config files (~/.aws/config, \
                 ~/.aws/credentials): create it with `aws configure --profile {profile}` or \
                 `aws configure sso`, or pass another --profile"
            )
        }
        _ if code.is_empty() => match cx.endpoint_url {
            Some(url) => format!(
                "nothing answers at {url} (AWS_ENDPOINT_URL or --endpoint-url): start the \
                 emulator there, or unset AWS_ENDPOINT_URL to use AWS"
            ),
            None => format!(
                "cannot reach AWS STS in {}: check the network, a proxy (HTTPS_PROXY), and \
                 that the region exists and is enabled for the account",
                cx.region
            ),
        },
        _ => format!(
            "AWS refused these credentials ({code}); check AWS_PROFILE / AWS_ACCESS_KEY_ID \
             (`aws configure list` shows which are used)"
        ),
    };
    anyhow!("{text}\n(sts:GetCallerIdentity: {chain})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(code: &str, chain: &str, endpoint: Option<&str>) -> String {
        let cx = Context {
            profile: Some("dev"),
            endpoint_url: endpoint,
            region: "eu-west-1",
        };
        explain(code, chain, &cx).to_string()
    }

    #[test]
    fn each_cause_is_named_with_its_fix() {
        let none = said(
            "",
            "dispatch failure: other: the credential provider was not enabled: no providers in chain provided credentials",
            None,
        );
        assert!(
            none.starts_with("no AWS credentials found: run `aws configure`"),
            "{none}"
        );
        let sso = said(
            "",
            "an error occurred while loading an access token: the SSO token has expired and cannot be refreshed",
            None,
        );
        assert!(
            sso.starts_with(
                "the SSO session of profile `dev` has expired: run `aws sso login --profile dev`"
            ),
            "{sso}"
        );
        let expired = said("ExpiredToken", "service error", None);
        assert!(expired.contains("has expired"), "{expired}");
        let key = said("InvalidClientTokenId", "service error", None);
        assert!(key.contains("AWS does not know this access key"), "{key}");
        let down = said(
            "",
            "dispatch failure: io error: Connection refused",
            Some("http://127.0.0.1:9"),
        );
        assert!(
            down.starts_with("nothing answers at http://127.0.0.1:9"),
            "{down}"
        );
        let offline = said("", "dispatch failure: timeout", None);
        assert!(
            offline.starts_with("cannot reach AWS STS in eu-west-1"),
            "{offline}"
        );
        assert!(
            offline.contains("\n(sts:GetCallerIdentity: dispatch failure: timeout)"),
            "the SDK's own words follow: {offline}"
        );
    }
}
