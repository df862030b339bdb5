//! Every resource type `fintech` knows, in one list. A new type is a file in `types/` and a line here.

use super::types::*;
use crate::model::schema::TypeSchema;

/// The registered types.
pub static TYPES: &[&TypeSchema] = &[
    &default_vpc::SCHEMA,
    &network::SCHEMA,
    &prefix_list::SCHEMA,
    &security_group::SCHEMA,
    &vpc_endpoint::SCHEMA,
    &postgres::SCHEMA,
    &read_replica::SCHEMA,
    &db_proxy::SCHEMA,
    &redis::SCHEMA,
    &role::SCHEMA,
    &function::SCHEMA,
    &http_api::SCHEMA,
    &bucket::SCHEMA,
    &hosted_zone::SCHEMA,
    &certificate::SCHEMA,
    &web_acl::SCHEMA,
    &distribution::SCHEMA,
    &dns_alias::SCHEMA,
    &site::SCHEMA,
    &schedule::SCHEMA,
    &repository::SCHEMA,
    &cluster::SCHEMA,
    &log_group::SCHEMA,
    &load_balancer::SCHEMA,
    &service::SCHEMA,
    &autoscaling::SCHEMA,
    &budget::SCHEMA,
    &topic::SCHEMA,
    &alarm::SCHEMA,
    &secret::SCHEMA,
    &generated_secret::SCHEMA,
];
