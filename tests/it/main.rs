//! Integration tests: the `fintech` binary against a real `moto_server` started on 127.0.0.1 per test.

mod harness;
mod proxy;
mod realism;

mod account;
mod alarms;
mod bad_input;
mod containers;
mod conventions;
mod cost;
mod data_safety;
mod deploy;
mod destroy;
mod domain;
mod exact;
mod examples;
mod failures;
mod faults;
mod hostile;
mod image;
mod init;
mod interrupts;
mod kill;
mod logs;
mod network;
mod observe;
mod payload;
mod posture;
mod roundtrip;
mod saved_plans;
mod scaling;
mod schema;
mod secrets;
mod stages;
mod terminal;
mod waf;
