//! The connector template: a small, complete department connector to copy. It speaks to a
//! fictional 환경과 (environment department) system of **large-waste collection bookings**
//! (대형폐기물 배출 신고) — a citizen reports a wardrobe or a sofa, pays the fee, and the city
//! collects it on a booked date — as JSON REST, looked up by the citizen's RRN.
//!
//! It is deliberately *not* registered in the hub: it exists to be copied. The steps are in
//! `connectors/README.md`; every place a new connector changes is marked `RENAME:` (names,
//! department, key) or `PROTOCOL:` (what the back-end speaks).
//!
//! Layout (one file per purpose, each short):
//! - [`protocol`] — paths, JSON field names, result codes and request bodies, shared with the
//!   simulator so both agree.
//! - [`config`] — [`TemplateConfig`], the `[connectors.template]` table, and `build`.
//! - [`answer`] — one HTTP answer → the envelope's bookings or a classified error.
//! - [`mapping`] — one booking → unified `Case`, with the one status table.
//! - [`connector`] — [`TemplateConnector`] (the `Connector` impl) and [`TemplateHealth`].
//! - `sim` (feature `sim`, on by default) — the back-end simulator over loopback HTTP.

pub mod answer;
pub mod config;
pub mod connector;
pub mod mapping;
pub mod protocol;

#[cfg(feature = "sim")]
pub mod sim;

pub use config::TemplateConfig;
pub use connector::{TemplateConnector, TemplateHealth};

/// The connector's registry name, also the `source` of every case it returns.
// RENAME: the registry name (lower case); it is also the `[connectors.<name>]` table name.
pub const NAME: &str = "template";
