//! The parking connector: parking violation tickets (주정차 위반 과태료) and towing (견인) by
//! vehicle number, from the city's parking enforcement service — a JSON REST API paged by
//! opaque cursors. Every plate in the query is searched and every page followed within the
//! deadline; when the deadline ends first, what arrived is returned marked partial.
//!
//! Layout:
//! - [`protocol`] — paths, JSON field names, the error object and its one code table, shared
//!   with the simulator.
//! - [`config`] — [`ParkingConfig`], the `[connectors.parking]` table, and `build`.
//! - [`connector`] — [`ParkingConnector`] (the `Connector` impl) and [`ParkingHealth`].
//! - [`paging`] — the guarded cursor loop (cycles, empty pages, caps, the deadline).
//! - [`partial`] — how a partial answer reaches the hub (the SDK's `Fetched::partial`).
//! - [`mapping`] — ticket item → unified `Case`, with the one status table.
//! - `sim` (feature `sim`, on by default) — the back-end simulator over loopback HTTP.
//!
//! See the crate's README for the protocol, the status table and the fault behaviour.

pub mod config;
pub mod connector;
pub mod mapping;
pub mod paging;
pub mod partial;
pub mod protocol;

#[cfg(feature = "sim")]
pub mod sim;

pub use config::ParkingConfig;
pub use connector::{ParkingConnector, ParkingHealth};
pub use partial::{FetchOutcome, Partial};

/// The connector's registry name, also the `source` of every case it returns.
pub const NAME: &str = "parking";
