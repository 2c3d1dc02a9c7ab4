//! The shared back-end HTTP client: one place for deadlines, the body size limit, the W3C
//! trace context and the classification of HTTP-level failures.

use crate::connector::CallContext;
use crate::error::{ConnectorError, ErrorKind};
use serde::Deserialize;
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
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout_ms: 1_000,
            max_body_bytes: 4 * 1024 * 1024,
            pool_max_idle: 32,
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
    /// Builds the client. Fails only on a broken TLS/system setup.
    pub fn new(settings: &HttpSettings) -> Result<Self, ConnectorError> {
        let client = reqwest::Client::builder()
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
            if let Some(len) = resp.content_length()
                && len as usize > self.max_body_bytes
            {
                return Err(too_large(self.max_body_bytes));
            }
            let mut body = Vec::new();
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
/// category, since URLs may carry query keys.
pub fn classify_transport(e: reqwest::Error) -> ConnectorError {
    if e.is_timeout() {
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
/// 401/403 unauthorized, 404 not found, 400/422 invalid query, 408/504 timeout, other 5xx
/// unavailable. Returns `None` for 2xx.
pub fn classify_status(resp: &RawResponse) -> Option<ConnectorError> {
    let s = resp.status;
    let kind = match s {
        200..=299 => return None,
        429 => ErrorKind::RateLimited,
        401 | 403 => ErrorKind::Unauthorized,
        404 => ErrorKind::NotFound,
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
