//! The traffic connector: a citizen's traffic fines — speed and signal camera fines, 과태료
//! for the vehicle's owner and 범칙금 for an identified driver — by vehicle number, from the
//! city's traffic fine service spoken to as a public-data-portal style XML API (every plate of
//! the citizen, every page of each); plus the public bus route information of the same
//! department, outside the `Connector` trait because it holds no personal data.
//!
//! Layout:
//! - [`protocol`] — endpoint paths, parameter and element names, shared with the simulator.
//! - [`config`] — [`TrafficConfig`], the `[connectors.traffic]` table, `build` and
//!   `bus_client`.
//! - [`connector`] — [`TrafficConnector`] (the `Connector` impl) and [`TrafficHealth`];
//!   responses are read by the SDK's `portal::read_page` (429, Retry-After, bare 404).
//! - [`mapping`] — fine item → unified `Case`, with the one status table.
//! - [`bus`] — [`BusRouteClient`]: route lookup and search (public data);
//!   [`bus_knowledge`] — the same routes as entries of the hub's public knowledge search.
//! - `sim` (feature `sim`, on by default) — the back-end simulator over loopback HTTP.
//!
//! See the crate's README for the protocol, the status table and the fault behaviour.

pub mod bus;
pub mod bus_knowledge;
pub mod config;
pub mod connector;
pub mod mapping;
pub mod protocol;

#[cfg(feature = "sim")]
pub mod sim;

pub use bus::{BusRoute, BusRouteClient, BusRouteInfo, BusRouteType, BusStop};
pub use config::TrafficConfig;
pub use connector::{TrafficConnector, TrafficHealth};

/// The connector's registry name, also the `source` of every case it returns.
pub const NAME: &str = "traffic";
