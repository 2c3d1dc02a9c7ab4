//! The shared back-end HTTP client: one place for TLS (see [`crate::tls`]), deadlines, the
//! body size limit, the W3C trace context and the classification of HTTP-level failures.
//!
//! Redirects are never followed: a 307/308 would re-send a POST body holding an RRN to
//! whatever host the `Location` names. A redirect is a [`ErrorKind::BadResponse`] naming the
//! status, never the location.

use crate::connector::CallContext;
use crate::error::{ConnectorError, ErrorKind};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// HTTP settings every connector config embeds as `[connectors.<name>.http]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSettings {
    /// TCP connect timeout in milliseconds.
    pub connect_timeout_ms: u64,
    /// Largest response body accepted, in bytes; a larger body is refused before parsing.
    pub max_body_bytes: usize,
    /// Idle connections kept per back-end host.
    pub pool_max_idle: usize,
    /// PEM bundle of CA certificates *added* to the trusted public roots: the city's internal
    /// CA or GPKI, for `https://` back-ends whose certificates it issued.
    pub ca_file: Option<PathBuf>,
    /// PEM client certificate (chain, leaf first) for back-ends that require mutual TLS; set
    /// together with `client_key_file`.
    pub client_cert_file: Option<PathBuf>,
    /// PEM private key of `client_cert_file`.
    pub client_key_file: Option<PathBuf>,
    /// Allow a plain `http://` base URL to a host that is not loopback. Off by default: RRNs,
    /// service keys and client secrets would cross the network in clear. The hub logs a
    /// warning at every start while it is on.
    pub allow_plaintext: bool,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout_ms: 1_000,
            max_body_bytes: 4 * 1024 * 1024,
            pool_max_idle: 32,
            ca_file: None,
            client_cert_file: None,
            client_key_file: None,
            allow_plaintext: false,
        }
    }
}

/// A response read in full (within the size limit).
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// `Retry-After` in seconds, if any.
    pub retry_after: Option<Duration>,
    /// The body.
    pub body: Vec<u8>,
}

/// A reqwest client with the settings applied.
#[derive(Debug, Clone)]
pub struct BackendClient {
    client: reqwest::Client,
    max_body_bytes: usize,
}

impl BackendClient {
    /// Builds the client with its TLS settings. Fails when a TLS file cannot be used (the
    /// message names the key).
    pub fn new(settings: &HttpSettings) -> Result<Self, ConnectorError> {
        let tls = crate::tls::client_config(crate::tls::TlsFiles {
            ca_file: settings.ca_file.as_deref(),
            client_cert_file: settings.client_cert_file.as_deref(),
            client_key_file: settings.client_key_file.as_deref(),
        })?;
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_millis(settings.connect_timeout_ms))
            .pool_max_idle_per_host(settings.pool_max_idle)
            .user_agent(concat!("minwon-hub/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConnectorError::internal(format!("building HTTP client: {e}")))?;
        Ok(BackendClient {
            client,
            max_body_bytes: settings.max_body_bytes,
        })
    }

    /// The underlying client, to build requests.
    pub fn inner(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends `req` within the context's deadline, passes `traceparent` on, and reads the body
    /// up to the size limit. Transport failures and a missed deadline are classified here;
    /// HTTP statuses are left to the caller (see [`classify_status`]).
    pub async fn send(
        &self,
        mut req: reqwest::RequestBuilder,
        ctx: &CallContext,
    ) -> Result<RawResponse, ConnectorError> {
        if let Some(tp) = &ctx.traceparent {
            req = req.header("traceparent", tp);
        }
        let fut = async {
            let mut resp = req.send().await.map_err(classify_transport)?;
            let status = resp.status().as_u16();
            let header = |name: &str| {
                resp.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let content_type = header("content-type");
            let retry_after = header("retry-after").and_then(|v| parse_retry_after(&v));
            let announced = resp.content_length();
            if let Some(len) = announced
                && len as usize > self.max_body_bytes
            {
                return Err(too_large(self.max_body_bytes));
            }
            // Room for the announced length at once (already checked against the limit),
            // rather than growing chunk by chunk.
            let mut body = Vec::with_capacity(announced.map_or(0, |l| l as usize));
            while let Some(chunk) = resp.chunk().await.map_err(classify_transport)? {
                if body.len() + chunk.len() > self.max_body_bytes {
                    return Err(too_large(self.max_body_bytes));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(RawResponse {
                status,
                content_type,
                retry_after,
                body,
            })
        };
        match tokio::time::timeout_at(ctx.deadline, fut).await {
            Ok(r) => r,
            Err(_) => Err(ConnectorError::timeout(
                "back-end did not answer before the deadline",
            )),
        }
    }
}

/// A plain reqwest client for tools and tests (the fault switch, simulator control), on the
/// same TLS stack as [`BackendClient`].
pub fn tool_client() -> reqwest::Client {
    crate::tls::install_crypto_provider();
    reqwest::Client::new()
}

impl BackendClient {
    /// POSTs a form body (see [`crate::form`]) accepting `accept`, within the deadline.
    pub async fn post_form(
        &self,
        url: &str,
        form: String,
        accept: &str,
        ctx: &CallContext,
    ) -> Result<RawResponse, ConnectorError> {
        let req = self
            .client
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                crate::form::FORM_CONTENT_TYPE,
            )
            .header(reqwest::header::ACCEPT, accept)
            .body(form);
        self.send(req, ctx).await
    }
}

fn too_large(limit: usize) -> ConnectorError {
    ConnectorError::bad_response(format!("response body larger than the {limit}-byte limit"))
}

/// Parses `Retry-After` given in seconds (the HTTP-date form is treated as absent).
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Classifies a transport-level reqwest error. Its text is kept out of the message beyond the
/// category, since URLs may carry query keys. A TLS failure is `Unavailable` with what to check
/// ("certificate not trusted", "certificate is for another host", "handshake failed").
pub fn classify_transport(e: reqwest::Error) -> ConnectorError {
    if let Some(what) = crate::tls::describe_tls_failure(&e) {
        ConnectorError::unavailable(what)
    } else if e.is_timeout() {
        ConnectorError::timeout("back-end request timed out")
    } else if e.is_connect() {
        ConnectorError::unavailable("cannot connect to back-end")
    } else if e.is_body() || e.is_decode() {
        ConnectorError::unavailable("back-end connection broke while reading the body")
    } else {
        ConnectorError::unavailable("HTTP transport error talking to back-end")
    }
}

/// Classifies a non-success HTTP status the usual way: 429 rate limited (with `Retry-After`),
/// 401/403 unauthorized, 400/422 invalid query, 408/504 timeout, other 5xx
/// unavailable, anything else (a redirect included: they are not followed) a bad response
/// naming only the status. Returns `None` for 2xx.
///
/// A **bare 404 is unavailable**, not "not found": a back-end says "no such record" in its own
/// answer (an envelope code, an error object the connector reads first), while a 404 nobody
/// explains means the URL serves nothing — a wrong base URL or path. Read as NotFound it would
/// make a misconfigured connector look healthy and every citizen look like they had no records.
pub fn classify_status(resp: &RawResponse) -> Option<ConnectorError> {
    let s = resp.status;
    let kind = match s {
        200..=299 => return None,
        429 => ErrorKind::RateLimited,
        401 | 403 => ErrorKind::Unauthorized,
        404 => {
            return Some(ConnectorError::unavailable(
                "back-end answered HTTP 404 without its own answer (wrong base URL or path?)",
            ));
        }
        400 | 422 => ErrorKind::InvalidQuery,
        408 | 504 => ErrorKind::Timeout,
        500..=599 => ErrorKind::Unavailable,
        _ => ErrorKind::BadResponse,
    };
    Some(
        ConnectorError::new(kind, format!("back-end answered HTTP {s}"))
            .with_retry_after(resp.retry_after),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16) -> RawResponse {
        RawResponse {
            status,
            content_type: None,
            retry_after: Some(Duration::from_secs(3)),
            body: vec![],
        }
    }

    #[test]
    fn a_bare_404_is_unavailable_never_not_found() {
        let e = classify_status(&resp(404)).unwrap();
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert!(e.message.contains("404") && e.message.contains("base URL"));
    }

    #[test]
    fn statuses_classify() {
        assert!(classify_status(&resp(200)).is_none());
        assert_eq!(
            classify_status(&resp(429)).unwrap().kind,
            ErrorKind::RateLimited
        );
        assert_eq!(
            classify_status(&resp(429)).unwrap().retry_after,
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            classify_status(&resp(503)).unwrap().kind,
            ErrorKind::Unavailable
        );
        assert_eq!(
            classify_status(&resp(401)).unwrap().kind,
            ErrorKind::Unauthorized
        );
        assert_eq!(
            classify_status(&resp(504)).unwrap().kind,
            ErrorKind::Timeout
        );
        assert_eq!(
            classify_status(&resp(302)).unwrap().kind,
            ErrorKind::BadResponse
        );
    }

    #[test]
    fn retry_after_seconds_only() {
        assert_eq!(parse_retry_after(" 5 "), Some(Duration::from_secs(5)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}

/// TLS and redirects against a real loopback server (the simulators' TLS server) with
/// certificates made here.
#[cfg(all(test, feature = "sim"))]
mod tls_tests {
    use super::*;
    use crate::sim::{SimHandle, tls_server_config};
    use axum::Router;
    use axum::routing::get;
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    use std::net::SocketAddr;
    use std::path::Path;

    struct Ca(CertifiedIssuer<'static, KeyPair>);

    impl Ca {
        fn new(name: &str) -> Ca {
            let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            p.distinguished_name
                .push(rcgen::DnType::CommonName, name.to_string());
            Ca(CertifiedIssuer::self_signed(p, KeyPair::generate().unwrap()).unwrap())
        }
        fn leaf(&self, host: &str) -> (String, String) {
            let key = KeyPair::generate().unwrap();
            let cert = CertificateParams::new(vec![host.to_string()])
                .unwrap()
                .signed_by(&key, &self.0)
                .unwrap();
            (cert.pem(), key.serialize_pem())
        }
        fn pem(&self) -> String {
            self.0.pem()
        }
    }

    fn app() -> Router {
        Router::new().route("/ok", get(|| async { "fine" })).route(
            "/moved",
            get(|| async {
                (
                    axum::http::StatusCode::TEMPORARY_REDIRECT,
                    [("location", "https://elsewhere.example/steal?rrn=1")],
                )
            }),
        )
    }

    async fn serve(cert: &(String, String), client_ca: Option<&str>) -> SimHandle {
        let tls = tls_server_config(&cert.0, &cert.1, client_ca).unwrap();
        SimHandle::serve_tls(app(), SocketAddr::from(([127, 0, 0, 1], 0)), tls)
            .await
            .unwrap()
    }

    fn file(dir: &Path, name: &str, text: &str) -> Option<std::path::PathBuf> {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        Some(p)
    }

    async fn get_path(settings: &HttpSettings, url: String) -> Result<RawResponse, ConnectorError> {
        let client = BackendClient::new(settings).unwrap();
        let ctx = CallContext::with_budget(Duration::from_secs(5));
        let resp = client.send(client.inner().get(url), &ctx).await?;
        match classify_status(&resp) {
            Some(e) => Err(e),
            None => Ok(resp),
        }
    }

    #[tokio::test]
    async fn https_with_the_city_ca_answers_and_failures_say_what_to_fix() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let city = Ca::new("Gimpo City Internal CA");
        let sim = serve(&city.leaf("localhost"), None).await;
        let with_ca = HttpSettings {
            ca_file: file(dir, "city.pem", &city.pem()),
            ..HttpSettings::default()
        };
        let ok = get_path(&with_ca, format!("{}/ok", sim.base_url()))
            .await
            .unwrap();
        assert_eq!(ok.body, b"fine");

        // The same server without the city CA: not trusted.
        let e = get_path(&HttpSettings::default(), format!("{}/ok", sim.base_url()))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert!(e.message.contains("certificate not trusted"), "{e}");

        // A certificate the city CA issued for another host.
        let other = serve(&city.leaf("welfare.gimpo.go.kr"), None).await;
        let e = get_path(&with_ca, format!("{}/ok", other.base_url()))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert!(e.message.contains("certificate is for another host"), "{e}");

        // A redirect is not followed and names only its status.
        let e = get_path(&with_ca, format!("{}/moved", sim.base_url()))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse);
        assert!(e.message.contains("307"), "{e}");
        assert!(!e.message.contains("elsewhere"), "{e}");

        // Speaking TLS to a plain HTTP port is a handshake failure, not a hang.
        let plain = SimHandle::serve(app(), SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let e = get_path(
            &with_ca,
            format!("https://localhost:{}/ok", plain.addr().port()),
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert!(e.message.starts_with("TLS: handshake failed"), "{e}");
    }

    #[tokio::test]
    async fn mutual_tls_needs_the_client_certificate() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let city = Ca::new("Gimpo City Internal CA");
        let clients = Ca::new("Gimpo Hub Clients CA");
        let sim = serve(&city.leaf("localhost"), Some(&clients.pem())).await;
        let url = format!("{}/ok", sim.base_url());
        let no_cert = HttpSettings {
            ca_file: file(dir, "city.pem", &city.pem()),
            ..HttpSettings::default()
        };
        let e = get_path(&no_cert, url.clone()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert!(e.message.contains("client certificate"), "{e}");
        let (cert, key) = clients.leaf("minwon-hub.gimpo.internal");
        let with_cert = HttpSettings {
            client_cert_file: file(dir, "hub.pem", &cert),
            client_key_file: file(dir, "hub-key.pem", &key),
            ..no_cert
        };
        assert_eq!(get_path(&with_cert, url).await.unwrap().body, b"fine");
    }
}
