//! minwon-hub: one citizen-case gRPC API in front of every department back-end.
//!
//! A query flows through these modules in order (see `DESIGN.md`):
//! - [`auth`] — bearer JWT → [`auth::Principal`] (who, role, department, channel, address).
//! - [`validate`] — citizen keys and purpose checked; bad input named by field, never echoed.
//! - [`policy`] — which sources and which personal fields, clear or masked, for this caller.
//! - [`fanout`] — parallel calls to every connector that can answer, each through its
//!   [`resilience`] guard (bulkhead → breaker → deadline → one retry).
//! - [`convert`] — the domain model to protobuf, masking applied field by field.
//! - `minwon_audit` (crate) — the access record, committed before the response leaves;
//!   [`trail`] opens it from the config (SQLite or PostgreSQL, signed checkpoints).
//! - [`api`] — the tonic services, and the one place errors become `tonic::Status`.
//!
//! Around them: [`telemetry`] (logs, OpenTelemetry, Prometheus), [`health`] (gRPC health per service), [`web`] (gRPC-Web and CORS), [`config`] (TOML + `MINWON_…` environment overrides), [`registry`] (the one
//! list of connectors), [`directory`] (the eup/myeon/dong offices and address routing), [`gaps`] (the
//! knowledge-gap report), [`knowledge`] (the consultation knowledge index and its refresh; CLI in
//! [`knowledge_cli`]), [`keys`] (key material), [`server`] (the gRPC server and its
//! shutdown), [`console`] (the auditor's web console on the admin port), [`review`] (the
//! monthly access review), [`demo`] (simulated back-ends + hub + demo files) and [`counselor`]
//! (the demo's reference counselor screen).

pub mod api;
pub mod audit_cli;
pub mod auth;
pub mod config;
mod config_secrets;
pub mod console;
pub mod convert;
pub mod counselor;
#[cfg(feature = "demo")]
pub mod demo;
pub mod directory;
pub mod fanout;
pub mod gaps;
pub mod health;
pub mod keys;
pub mod knowledge;
pub mod knowledge_cli;
pub mod policy;
pub mod registry;
pub mod resilience;
pub mod review;
pub mod review_cli;
pub mod server;
pub mod telemetry;
pub mod trail;
pub mod validate;
pub mod web;
