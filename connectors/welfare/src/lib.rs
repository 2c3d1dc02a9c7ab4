//! The welfare (복지) connector: a citizen's welfare applications and benefits — 기초연금
//! (basic pension), 아동수당 (child allowance), 기초생활보장 생계급여 (basic livelihood
//! security), 주거급여 (housing benefit), 장애인연금 (disability pension) — with status,
//! application and decision dates, monthly amount, next payment date and payment account,
//! from a JSON REST API protected by **OAuth2 client credentials**.
//!
//! Layout:
//! - [`protocol`] — endpoint paths, JSON and OAuth2 names, result codes, demo credentials;
//!   shared with the simulator.
//! - [`config`] — [`WelfareConfig`], the `[connectors.welfare]` table, and `build`.
//! - OAuth2 itself — the token request, the token endpoint's error table and the token cache
//!   (reuse until shortly before expiry, one shared refresh) — is the SDK's
//!   [`minwon_connector_sdk::oauth2`], shared with declarative connectors.
//! - [`api`] — reading the API's JSON envelope and its one result-code table.
//! - [`mapping`] — benefit JSON → unified `Case`, with the one status table.
//! - [`connector`] — [`WelfareConnector`] (the `Connector` impl: refresh once and retry once
//!   on a rejected token) and [`WelfareHealth`].
//! - `sim` (feature `sim`, on by default) — the back-end simulator over loopback HTTP, with
//!   short-lived tokens, revocation and counters for tests.
//!
//! See the crate's README for the protocol, the status table and the fault behaviour.

pub mod api;
pub mod config;
pub mod connector;
pub mod mapping;
pub mod protocol;

#[cfg(feature = "sim")]
pub mod sim;

pub use config::{ClientSecret, TokenAuth, WelfareConfig};
pub use connector::{WelfareConnector, WelfareHealth};

/// The connector's registry name, also the `source` of every case it returns.
pub const NAME: &str = "welfare";
