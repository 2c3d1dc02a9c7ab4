//! The Saeol (새올) connector: civil complaints (민원) and the consultation knowledge base from
//! the city administration system, over SOAP 1.1 with EUC-KR bodies.
//!
//! Layout:
//! - [`config`] — [`SaeolConfig`] (strict TOML table) and `build`, returning the connector,
//!   its health check and its knowledge source.
//! - [`connector`] — [`SaeolConnector`]: one SOAP call per question, the
//!   [`minwon_connector_sdk::Connector`] implementation and the health check.
//! - [`knowledge`] — the `SearchKnowledge` operation as a
//!   [`minwon_connector_sdk::KnowledgeSource`].
//! - [`schema`] — the wire vocabulary: namespace, operations, element names, error codes.
//! - [`soap`] — envelope writer and the strict, depth-limited, prefix-tolerant reader.
//! - [`fault`] — SOAP faults and the one table classifying their error codes.
//! - [`mapping`] — the status table and `mnwnInfo` → [`minwon_connector_sdk::Case`].
//! - `sim` (feature `sim`, default) — the back-end simulator speaking the same protocol.
//!
//! See the crate README for the protocol, element names and the status table.

pub mod config;
pub mod connector;
pub mod fault;
pub mod knowledge;
pub mod mapping;
pub mod schema;
pub mod soap;

#[cfg(feature = "sim")]
pub mod sim;

#[cfg(test)]
mod tests;

pub use config::SaeolConfig;
pub use connector::{SaeolConnector, SaeolHealth};
pub use knowledge::SaeolKnowledge;
pub use mapping::SOURCE;
