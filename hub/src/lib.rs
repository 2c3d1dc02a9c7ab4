//! minwon-hub: one citizen-case gRPC API in front of every department back-end.
//!
//! The modules follow a query in order (see `DESIGN.md`, "The data flow"):
//! - [`access`] — [`access::auth`] (bearer JWT → principal), [`access::validate`] (citizen
//!   keys and purpose, bad input named by field, never echoed) and [`access::policy`] (which
//!   sources and which personal fields, clear or masked, for this caller).
//! - [`fanout`] — plan and run parallel calls to every connector that can answer, each
//!   through its [`fanout::resilience`] guard (bulkhead → breaker → deadline → one retry);
//!   [`fanout::registry`] is the one table of connectors.
//! - [`trail`] — the access record, committed before the response leaves (`minwon_audit`
//!   does the work; this is the hub's glue: store, writer, checkpoints, the monthly review).
//! - [`answer`] — the domain model to protobuf, masking applied field by field.
//! - [`api`] — the tonic services, their auth layer, and the one place errors become
//!   `tonic::Status`.
//!
//! Around them: [`server`] (building and serving, health, gRPC-Web), [`telemetry`] (logs,
//! OpenTelemetry, Prometheus), [`config`] (TOML + `MINWON_…` environment overrides, key
//! material), [`guidance`] (knowledge base, knowledge gaps, office directory), [`console`]
//! (the auditor's web console on the admin port), [`cli`] (the operators' commands),
//! [`demo`] (simulated back-ends + hub + demo files) and [`counselor`] (the demo's reference
//! counselor screen).

pub mod access;
pub mod answer;
pub mod api;
pub mod cli;
pub mod config;
pub mod console;
pub mod counselor;
#[cfg(feature = "demo")]
pub mod demo;
pub mod fanout;
pub mod guidance;
pub mod server;
pub mod telemetry;
pub mod trail;
