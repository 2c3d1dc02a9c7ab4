//! The local tax (지방세) connector: a citizen's local tax bills — car tax (자동차세),
//! property tax (재산세), resident tax (주민세), local income tax (지방소득세) — from the city's
//! tax service, spoken to as a public-data-portal style XML API, every page fetched.
//!
//! Layout:
//! - [`protocol`] — endpoint paths, element names and form encoding, shared with the simulator.
//! - [`config`] — [`TaxConfig`], the `[connectors.tax]` table, and `build`.
//! - [`connector`] — [`TaxConnector`] (the `Connector` impl) and [`TaxHealth`].
//! - [`paging`] — the guarded loop fetching every page.
//! - [`mapping`] — item → unified `Case`, with the one status table.
//! - `sim` (feature `sim`, on by default) — the back-end simulator over loopback HTTP.
//!
//! See the crate's README for the protocol, the status table and the fault behaviour.

pub mod config;
pub mod connector;
pub mod mapping;
pub mod protocol;

#[cfg(feature = "sim")]
pub mod sim;

pub use config::TaxConfig;
pub use connector::{TaxConnector, TaxHealth};

/// The connector's registry name, also the `source` of every case it returns.
pub const NAME: &str = "tax";
