//! One file per resource type: its schema and its driver. Register a new one in `registry.rs`.

pub mod alarm;
pub mod autoscaling;
pub mod bucket;
pub mod budget;
pub mod certificate;
pub mod cluster;
pub mod db_proxy;
pub mod default_vpc;
pub mod distribution;
pub mod dns_alias;
pub mod function;
pub mod generated_secret;
pub mod hosted_zone;
pub mod http_api;
pub mod load_balancer;
pub mod log_group;
pub mod network;
pub mod postgres;
pub mod prefix_list;
pub mod read_replica;
pub mod redis;
pub mod repository;
pub mod role;
pub mod schedule;
pub mod secret;
pub mod security_group;
pub mod service;
pub mod site;
pub mod topic;
pub mod vpc_endpoint;
pub mod web_acl;

/// What every type file uses.
mod prelude {
    pub(crate) use anyhow::{Result, bail};
    pub(crate) use async_trait::async_trait;
    pub(crate) use serde_json::Value;

    pub(crate) use crate::aws::driver::{Driver, Prep};
    pub(crate) use crate::aws::owned::ids_by_prefix;
    pub(crate) use crate::aws::{Attrs, Aws, Call, Live, Names, fit};
    pub(crate) use crate::cost::Pricing;
    pub(crate) use crate::model::schema::Change::*;
    pub(crate) use crate::model::schema::Req::*;
    pub(crate) use crate::model::schema::{
        BOOL, CACHE_NODE_TYPES, Field, RDS_CLASSES, STR, STRS, Tier, Ty, TypeSchema, f,
    };
}
