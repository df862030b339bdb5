//! AWS regions: a stage's region must be one AWS has (checked before any call: a typo would
//! otherwise end in an endpoint that does not resolve, or a request the SDK cannot build).

use crate::spec::diag::did_you_mean;

/// Every AWS region as of this release (commercial, GovCloud, China, the European Sovereign Cloud).
pub const KNOWN: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
    "us-gov-east-1",
    "us-gov-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eusc-de-east-1",
];

/// Lets a region AWS opened after this release through: `FINTECH_ALLOW_REGION=<name>`.
const ALLOW: &str = "FINTECH_ALLOW_REGION";

/// `None` when `region` is usable, else the hint to show with the error.
pub fn problem(region: &str) -> Option<String> {
    if KNOWN.contains(&region) || std::env::var(ALLOW).is_ok_and(|a| a == region) {
        return None;
    }
    Some(match did_you_mean(region, KNOWN.iter().copied()) {
        Some(r) => format!("did you mean `{r}`?"),
        None => format!(
            "regions look like `us-east-1` or `eu-west-3`; if AWS opened `{}` after this version of fintech, set {ALLOW} to its name",
            crate::spec::diag::printable(region)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_regions_pass_and_typos_get_the_nearest() {
        assert_eq!(problem("eu-west-3"), None);
        assert_eq!(
            problem("us-east-9").as_deref(),
            Some("did you mean `us-east-1`?")
        );
        assert!(problem("evil.com/x?y#").unwrap().contains(ALLOW));
    }
}
