//! The water and sewage bill (상수도/하수도 요금) connector: a customer's monthly bills — usage
//! in m³, water, sewage and water-use-charge amounts, total, due date, paid/unpaid/overdue,
//! auto-debit (자동이체) — from the city water works' billing service, spoken to as JSON REST
//! and looked up by the water customer number (수용가번호).
//!
//! The back-end sheds load: it answers HTTP 429 with `Retry-After` when busy and HTTP 503 with
//! `Retry-After` during maintenance. The connector waits and retries only when the wait fits
//! inside the caller's deadline, and otherwise reports `RateLimited` / `Unavailable` at once,
//! with the back-end's `Retry-After` kept in the error.
//!
//! Layout:
//! - [`protocol`] — paths, JSON field names, result codes and request bodies, shared with the
//!   simulator.
//! - [`config`] — [`WaterConfig`], the `[connectors.water]` table, and `build`.
//! - [`retry`] — [`retry::RetryPolicy`]: when a 429/503 is worth waiting for (pure, no I/O).
//! - [`answer`] — reading one HTTP answer: status, JSON envelope, result code classification.
//! - [`mapping`] — one bill → unified `Case`, with the one status table.
//! - [`connector`] — [`WaterConnector`] (the `Connector` impl, with the retry loop) and
//!   [`WaterHealth`].
//! - `sim` (feature `sim`, on by default) — the back-end simulator over loopback HTTP, with its
//!   throttle and maintenance switches.
//!
//! See the crate's README for the protocol, the status table and the fault behaviour.

pub mod answer;
pub mod config;
pub mod connector;
pub mod mapping;
pub mod protocol;
pub mod retry;

#[cfg(feature = "sim")]
pub mod sim;

pub use config::WaterConfig;
pub use connector::{WaterConnector, WaterHealth};

/// The connector's registry name, also the `source` of every case it returns.
pub const NAME: &str = "water";
