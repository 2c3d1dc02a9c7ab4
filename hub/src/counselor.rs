//! The reference counselor screen, served by `minwon-hub demo` only: a small loopback HTTP
//! server with the built assets of `hub/counselor/` (embedded at compile time, so the hub
//! builds with only the Rust toolchain; `hub/counselor/build.sh` rebuilds them) and one
//! `config.json` telling the screen where the hub's gRPC-Web is.
//!
//! It is a separate port on purpose: not the gRPC port (whose CORS allows exactly this
//! screen's origin) and not the admin port. Every response carries a strict Content Security
//! Policy: scripts and styles only from this origin, no inline code, network only to this
//! origin and the hub.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;

/// The page (Korean), built from `hub/counselor/src/index.html`.
const INDEX_HTML: &str = include_str!("../counselor/dist/index.html");
/// The bundled screen with the TypeScript client, built by `hub/counselor/build.sh`.
const APP_JS: &str = include_str!("../counselor/dist/app.js");
/// The screen's styles.
const APP_CSS: &str = include_str!("../counselor/dist/app.css");
/// The tab icon (a browser asks for one; a 404 would be a console error).
const FAVICON_SVG: &str = include_str!("../counselor/dist/favicon.svg");

/// The screen's origin and the hub it talks to.
#[derive(Debug, Clone)]
pub struct ScreenSite {
    /// The hub's gRPC-Web base URL, e.g. `http://127.0.0.1:50051`.
    pub hub_url: String,
}

impl ScreenSite {
    /// The Content Security Policy of every response: this origin for code, styles and
    /// images; network calls only to this origin (config.json) and the hub.
    pub fn csp(&self) -> String {
        format!(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             connect-src 'self' {}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            self.hub_url
        )
    }

    fn respond(&self, content_type: &'static str, body: String) -> Response {
        let mut r = (
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            body,
        )
            .into_response();
        let h = r.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&self.csp()) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        // The screen shows personal data: never cached, never a referrer.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        h.insert(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        );
        r
    }

    /// The routes: `/` (the page), `/app.js`, `/app.css`, `/favicon.svg`, `/config.json`.
    pub fn router(self) -> Router {
        let config = serde_json::json!({ "hub": self.hub_url }).to_string();
        let (a, b, c, d, e) = (self.clone(), self.clone(), self.clone(), self.clone(), self);
        Router::new()
            .route(
                "/",
                get(move || async move { a.respond("text/html; charset=utf-8", INDEX_HTML.into()) }),
            )
            .route(
                "/app.js",
                get(move || async move {
                    b.respond("text/javascript; charset=utf-8", APP_JS.into())
                }),
            )
            .route(
                "/app.css",
                get(move || async move { c.respond("text/css; charset=utf-8", APP_CSS.into()) }),
            )
            .route(
                "/favicon.svg",
                get(move || async move { d.respond("image/svg+xml", FAVICON_SVG.into()) }),
            )
            .route(
                "/config.json",
                get(move || async move { e.respond("application/json", config.clone()) }),
            )
    }
}

/// Binds a free loopback port for the screen; returns it with the screen's origin
/// (`http://127.0.0.1:<port>`), which the demo hub's CORS allows.
pub async fn bind_loopback() -> std::io::Result<(TcpListener, String)> {
    let listener = TcpListener::bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let origin = format!("http://{}", listener.local_addr()?);
    Ok((listener, origin))
}

/// Serves the screen on `listener` until the task is aborted or the process ends.
pub async fn serve(listener: TcpListener, site: ScreenSite) {
    if let Err(e) = axum::serve(listener, site.router()).await {
        tracing::error!(error = %e, "counselor screen stopped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_no_inline_code_and_only_the_hub_besides_this_origin() {
        let site = ScreenSite {
            hub_url: "http://127.0.0.1:50051".into(),
        };
        let csp = site.csp();
        assert!(csp.contains("script-src 'self';"), "{csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
        assert!(csp.contains("connect-src 'self' http://127.0.0.1:50051;"));
        assert!(csp.starts_with("default-src 'none'"));
    }

    #[test]
    fn the_page_loads_its_code_from_files_not_inline() {
        assert!(INDEX_HTML.contains(r#"src="/app.js""#));
        assert!(INDEX_HTML.contains(r#"href="/app.css""#));
        assert!(!INDEX_HTML.contains("<script>"), "no inline script");
        assert!(!INDEX_HTML.contains("style="), "no inline style");
        assert!(INDEX_HTML.contains(r#"lang="ko""#));
    }
}
