//! gRPC-Web for browsers: the translation layer comes from `tonic-web`; CORS is explicit —
//! only the configured origins may call from a browser (none by default).

use anyhow::{Context, Result};
use http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Request headers a gRPC-Web client sends.
const ALLOWED_HEADERS: [&str; 8] = [
    "authorization",
    // A chatbot or SMS gateway's verified citizen (SelfService), and the caller's language.
    "x-minwon-citizen-token",
    "accept-language",
    "content-type",
    "x-grpc-web",
    "x-user-agent",
    "grpc-timeout",
    "traceparent",
];
/// Response headers a browser must be allowed to read.
const EXPOSED_HEADERS: [&str; 4] = [
    "grpc-status",
    "grpc-message",
    "grpc-status-details-bin",
    // GetCase's access record id (crate::api::citizen::AUDIT_ID_HEADER).
    "x-minwon-audit-id",
];

/// A CORS layer allowing exactly `origins` (`*` allows any origin; empty allows none).
pub fn cors_layer(origins: &[String]) -> Result<CorsLayer> {
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        let list = origins
            .iter()
            .map(|o| {
                HeaderValue::from_str(o).with_context(|| {
                    format!("server.cors_allowed_origins: {o:?} is not a valid origin")
                })
            })
            .collect::<Result<Vec<_>>>()?;
        AllowOrigin::list(list)
    };
    Ok(CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::POST, Method::OPTIONS])
        .allow_headers(ALLOWED_HEADERS.map(HeaderName::from_static))
        .expose_headers(EXPOSED_HEADERS.map(HeaderName::from_static))
        .max_age(std::time::Duration::from_secs(600)))
}
