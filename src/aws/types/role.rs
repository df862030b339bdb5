//! `iam.role`: an IAM role assumed by an AWS service, with an inline least-privilege policy.

use super::prelude::*;

#[rustfmt::skip]
pub(crate) const STATEMENT: &[Field] = &[
    f("effect", Ty::Enum(&["Allow", "Deny"]), Default("\"Allow\""), InPlace, "Allow or Deny"),
    f("actions", STRS, Required, InPlace, "IAM actions, e.g. logs:PutLogEvents"),
    f("resources", STRS, Required, InPlace, "ARNs the actions apply to"),
];

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "iam.role",
    driver: &Role,
    doc: "An IAM role assumed by an AWS service, with an inline least-privilege policy",
    fields: &[
        f("service", STR, Required, InPlace, "service principal, e.g. lambda.amazonaws.com"),
        f("statements", Ty::List(&Ty::Obj(STATEMENT)), Default("[]"), InPlace, "the inline policy"),
        f("managed_policies", STRS, Default("[]"), InPlace, "managed policy ARNs attached"),
        f("same_account_only", BOOL, Default("true"), Local, "the service may assume the role on behalf of this account only (aws:SourceAccount in the trust policy: the confused-deputy guard)"),
    ],
    computed: &[("source_guarded", InPlace)],
    outputs: &["arn", "name"],
    tier: Tier::Operations,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `iam.role`.
#[derive(Debug)]
pub struct Role;

#[async_trait]
impl Driver for Role {
    fn delete_rank(&self) -> u8 {
        10
    }
    fn pricing(&self) -> Pricing {
        Pricing::Free
    }
    fn prepare(&self, _: &Prep<'_>, p: &mut Attrs) -> Result<()> {
        // The trust policy admits the service only on behalf of this account (unless told not to).
        let guarded = p
            .get("same_account_only")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        p.insert("source_guarded".into(), Value::Bool(guarded));
        Ok(())
    }
    fn reads_early(&self) -> bool {
        true
    }
    async fn read(&self, c: &Call<'_>, _: &Attrs) -> Result<Option<Live>> {
        crate::aws::iam::read(c).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::iam::create(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, _: &Live, changed: &[String]) -> Result<()> {
        crate::aws::iam::update(c, p, changed).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, _: &Live) -> Result<()> {
        crate::aws::iam::delete(c).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        Ok(ids_by_prefix(
            names,
            crate::aws::iam::role_names(aws).await?,
        ))
    }
}
