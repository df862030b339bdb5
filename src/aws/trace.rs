//! `-vv`: one line on stderr per AWS request attempt: service, operation, HTTP status (or why no
//! answer came) and how long it took. An SDK interceptor on every client, silent unless enabled.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

static ON: AtomicBool = AtomicBool::new(false);

/// Turns the request lines on for the rest of the process.
pub fn enable() {
    ON.store(true, Ordering::Relaxed);
}

fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// The interceptor every client is built with.
#[derive(Debug)]
pub struct Trace;

/// When the attempt began.
#[derive(Debug, Clone)]
struct Began(Instant);

impl Storable for Began {
    type Storer = StoreReplace<Self>;
}

impl Intercept for Trace {
    fn name(&self) -> &'static str {
        "fintech-trace"
    }

    fn read_before_transmit(
        &self,
        _ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if enabled() {
            cfg.interceptor_state().store_put(Began(Instant::now()));
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if !enabled() {
            return Ok(());
        }
        let (service, operation) = cfg
            .load::<Metadata>()
            .map_or(("?", "?"), |m| (m.service(), m.name()));
        let took = cfg.load::<Began>().map_or(0, |b| b.0.elapsed().as_millis());
        let status = match ctx.response() {
            Some(r) => r.status().as_u16().to_string(),
            None => "no answer".to_string(),
        };
        eprintln!("aws {service} {operation} {status} {took}ms");
        Ok(())
    }
}
