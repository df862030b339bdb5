//! `ec2.security_group`: a security group; ingress rules only admit what is listed.

use super::prelude::*;

#[rustfmt::skip]
const INGRESS_RULE: &[Field] = &[
    f("port", Ty::Int { min: 0, max: 65535 }, Required, InPlace, "TCP port admitted (the first of a range with `to_port`)"),
    f("to_port", Ty::Int { min: 0, max: 65535 }, Optional, InPlace, "last TCP port of a range"),
    f("from", STR, Optional, InPlace, "security group id admitted (e.g. ${app_sg.id})"),
    f("cidr", STR, Optional, InPlace, "IPv4 range admitted (e.g. 0.0.0.0/0)"),
    f("prefix_list", STR, Optional, InPlace, "prefix list id admitted (e.g. ${cloudfront.id}; an AWS-managed list counts as its weight, 55 for CloudFront's, against the group's 60 rules)"),
    f("description", STR, Default("\"\""), InPlace, "what the rule is for"),
];

#[rustfmt::skip]
pub static SCHEMA: TypeSchema = TypeSchema {
    name: "ec2.security_group",
    driver: &SecurityGroup,
    doc: "A security group; ingress rules only admit what is listed",
    fields: &[
        f("vpc", STR, Required, Replace, "VPC id, e.g. ${network.id}"),
        f("description", STR, Default("\"managed by fintech\""), Replace, "group description"),
        f("ingress", Ty::List(&Ty::Obj(INGRESS_RULE)), Default("[]"), InPlace, "admitted traffic"),
    ],
    computed: &[],
    outputs: &["id", "name"],
    tier: Tier::Network,
    data_bearing: false,
    lookup: false,
    hidden: &[],
};

/// The driver of `ec2.security_group`.
#[derive(Debug)]
pub struct SecurityGroup;

#[async_trait]
impl Driver for SecurityGroup {
    fn delete_rank(&self) -> u8 {
        16
    }
    fn pricing(&self) -> Pricing {
        Pricing::Free
    }
    fn prepare(&self, _: &Prep<'_>, p: &mut Attrs) -> Result<()> {
        // A range of one port is that port (AWS reports it so); a range must not run backwards.
        if let Some(Value::Array(rules)) = p.get_mut("ingress") {
            for r in rules.iter_mut().filter_map(Value::as_object_mut) {
                let (port, end) = (
                    r.get("port").and_then(Value::as_i64),
                    r.get("to_port").and_then(Value::as_i64),
                );
                match (port, end) {
                    (Some(a), Some(b)) if b == a => {
                        r.remove("to_port");
                    }
                    (Some(a), Some(b)) if b < a => {
                        bail!("an ingress rule's to_port ({b}) is below its port ({a})")
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
    fn create_before_delete(&self) -> bool {
        true // the resources using a group must move to its replacement before it can go
    }
    async fn prefetch(&self, aws: &Aws, names: &Names, _: &Attrs) -> Result<()> {
        crate::aws::ec2::group_ids(aws, names).await.map(drop)
    }
    async fn read(&self, c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
        crate::aws::ec2::read_sg(c, p).await
    }
    async fn create(&self, c: &Call<'_>, p: &Attrs) -> Result<()> {
        crate::aws::ec2::create_sg(c, p).await
    }
    async fn update(&self, c: &Call<'_>, p: &Attrs, live: &Live, _: &[String]) -> Result<()> {
        crate::aws::ec2::update_sg(c, p, live).await
    }
    async fn delete(&self, c: &Call<'_>, _: &Attrs, live: &Live) -> Result<()> {
        crate::aws::ec2::delete_sg(c, live).await
    }
    async fn detach(&self, c: &Call<'_>, live: &Live) -> Result<()> {
        crate::aws::ec2::revoke_all(c, live).await
    }
    async fn list(&self, aws: &Aws, names: &Names) -> Result<Vec<(String, Attrs)>> {
        // Groups are found by their ownership tags: their names carry a hash (see ec2.rs).
        let ids = crate::aws::ec2::group_ids(aws, names).await?;
        Ok(ids.into_iter().map(|id| (id, Attrs::new())).collect())
    }
}
