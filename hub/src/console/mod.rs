//! The auditor's web console, served on the admin port under `/console/`.
//!
//! Server-rendered Korean pages (maud), with a style sheet and one small script embedded in
//! the binary: the city's network is closed, so nothing is loaded from outside. The console
//! has no privilege of its own: a session only holds the bearer token its user signed in
//! with, and every page calls the same gRPC service implementations in-process
//! ([`calls`]), so authentication, authorization and the access record are exactly the
//! API's.
//!
//! - [`session`]: sign-in, the session cookie (`HttpOnly`, `SameSite=Strict`, `Secure` behind
//!   TLS), CSRF tokens on every POST.
//! - [`records`]: recent access with filters and paging; one data subject's history (the
//!   RRN only ever in a POST body).
//! - [`review_page`]: the monthly review with its flags and sign-off, and the print view.
//! - [`status`]: chain and checkpoint verification; connector health and breakers.
//! - [`report`]: the printable review, shared with `minwon-hub audit review`.
//! - [`view`]: the page layout and formatting helpers.

mod calls;
mod records;
pub mod report;
mod review_page;
mod session;
mod status;
pub mod view;

use crate::api::Hub;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::sync::Arc;

pub use session::Sessions;

/// The console's state: the hub and the signed-in sessions.
#[derive(Clone)]
pub struct Console {
    /// The hub whose services the console calls.
    pub hub: Arc<Hub>,
    /// Signed-in sessions.
    pub sessions: Arc<Sessions>,
}

/// The Content-Security-Policy of every console response: only the console's own script and
/// styles, no inline script or style, no framing, forms only to itself.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const CONSOLE_CSS: &str = include_str!("assets/console.css");
const CONSOLE_JS: &str = include_str!("assets/console.js");
const ICON_SVG: &str = include_str!("assets/icon.svg");

/// The `/console` routes over `hub`.
pub fn router(hub: Arc<Hub>) -> Router {
    let state = Console {
        hub,
        sessions: Arc::new(Sessions::default()),
    };
    Router::new()
        .route("/console", get(|| async { Redirect::to("/console/") }))
        .route("/console/", get(session::home))
        .route(
            "/console/login",
            get(session::login_page).post(session::login),
        )
        .route("/console/logout", post(session::logout))
        .route("/console/records", get(records::list))
        .route(
            "/console/subject",
            get(records::subject_form).post(records::subject_history),
        )
        .route("/console/review", get(review_page::show))
        .route("/console/review/print", get(review_page::print))
        .route("/console/review/sign-off", post(review_page::sign_off))
        .route("/console/verify", get(status::verify))
        .route("/console/connectors", get(status::connectors))
        .route(
            "/console/assets/console.css",
            get(|| asset(CONSOLE_CSS, "text/css")),
        )
        .route(
            "/console/assets/print.css",
            get(|| asset(report::PRINT_CSS, "text/css")),
        )
        .route(
            "/console/assets/icon.svg",
            get(|| asset(ICON_SVG, "image/svg+xml")),
        )
        .route(
            "/console/assets/console.js",
            get(|| asset(CONSOLE_JS, "text/javascript")),
        )
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

async fn asset(body: &'static str, kind: &'static str) -> Response {
    let mut r = body.into_response();
    let content_type = format!("{kind}; charset=utf-8");
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

/// Headers on every console response: CSP, no framing, no sniffing, no referrer, and no
/// caching (pages show access records; nothing of them should stay in a browser cache).
async fn security_headers(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
