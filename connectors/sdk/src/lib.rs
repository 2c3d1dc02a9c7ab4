//! The connector SDK: everything a department connector is built from, and nothing about the
//! wire API (no tonic here — connectors know the domain, the hub knows gRPC).
//!
//! Layout:
//! - [`keys`] — validated citizen keys (RRN, vehicle number, water customer number) whose
//!   `Debug` never prints the value.
//! - [`model`] — the unified case model every connector returns.
//! - [`error`] — [`ConnectorError`] and its one classification, [`ErrorKind`].
//! - [`connector`] — the [`Connector`] trait, its [`Descriptor`], health checks, and the
//!   [`KnowledgeSource`] trait for the public knowledge base.
//! - [`http`] — the shared back-end HTTP client: deadlines, body size limit, trace context,
//!   status classification; [`tls`] — its rustls configuration (city CA bundles, client
//!   certificates) and TLS failure messages.
//! - [`dates`] — KST and the date, date-time and won parsers every connector shares;
//!   [`json`] — JSON answers decoded with serde derive from the body, the shared field
//!   helpers, errors that name the path, never the value.
//! - [`oauth2`] — OAuth2 client credentials: the token request, the token endpoint's error
//!   table, the token cache (single-flight refresh, refresh once on a rejected token).
//! - [`encoding`] — charset handling for legacy bodies (EUC-KR); [`xml`] — the quick reader
//!   of plain XML the portal and SOAP readers try before quick-xml.
//! - [`portal`] — the public-data-portal XML envelope, its result codes, the HTTP reading
//!   (429, Retry-After) and item field readers; [`paging`] — the guarded loops that fetch
//!   every page (page number, offset, cursor); [`form`] — form-encoded request bodies.
//! - [`mask`] — masked forms of personal values (used by `Debug` impls and the hub).
//! - [`config`] — loading a connector's TOML config table strictly; [`secret`] — the
//!   [`Credential`] type of service keys, API keys and client secrets (`secrecy`).
//! - `sim` (feature `sim`) — simulator plumbing: the fault switch, the synthetic population,
//!   an OAuth2 token endpoint.
//! - `conformance` (feature `conformance`) — the kit every connector passes.

pub mod config;
pub mod connector;
pub mod dates;
pub mod encoding;
pub mod error;
pub mod form;
pub mod http;
pub mod json;
pub mod keys;
pub mod mask;
pub mod model;
pub mod oauth2;
pub mod paging;
pub mod portal;
pub mod secret;
pub mod tls;
pub mod xml;

#[cfg(feature = "sim")]
pub mod sim;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use connector::{
    BuiltConnector, CallContext, Connector, Descriptor, Fetched, HealthCheck, KnowledgeEntry,
    KnowledgeSource, PersonalField,
};
pub use error::{ConnectorError, ErrorKind};
pub use keys::{CitizenKeys, KeyError, KeyKind, Rrn, VehicleNumber, WaterCustomerNo};
pub use model::{Case, CaseKind, CaseStatus, PersonalData};
pub use secret::Credential;
