//! The simulator's OAuth2 side: `POST /oauth2/token` (client credentials, by form body or
//! HTTP Basic), the store of issued short-lived tokens, their revocation, and the counters
//! tests read from `GET /_sim/stats`.

use super::SimOptions;
use crate::protocol::{JSON_CONTENT_TYPE, form_decode, form_value, oauth};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use minwon_connector_sdk::sim::synth::SynthRng;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::time::Instant;

/// Counters of what the simulator saw, as `GET /_sim/stats` reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimStats {
    /// Tokens issued.
    pub tokens_issued: u64,
    /// Token requests refused (wrong credentials, grant or scope).
    pub token_refusals: u64,
    /// API requests refused with 401 (no, unknown, expired or revoked token).
    pub rejected_tokens: u64,
    /// API requests served with a valid token.
    pub api_calls: u64,
}

#[derive(Debug, Default)]
struct Inner {
    tokens: HashMap<String, Instant>,
    stats: SimStats,
    rng: Option<SynthRng>,
}

/// Issued tokens and counters.
#[derive(Debug, Default)]
pub struct Issuer {
    inner: Mutex<Inner>,
}

impl Issuer {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The counters so far.
    pub fn stats(&self) -> SimStats {
        self.lock().stats
    }

    /// Forgets every token issued so far; returns how many were live.
    pub fn revoke_all(&self) -> usize {
        let mut inner = self.lock();
        let now = Instant::now();
        let live = inner.tokens.values().filter(|e| **e > now).count();
        inner.tokens.clear();
        live
    }

    /// Whether an API request's `Authorization` carries a live token; counts the outcome.
    pub fn admit(&self, headers: &HeaderMap) -> bool {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim());
        let mut inner = self.lock();
        let now = Instant::now();
        let live = token.is_some_and(|t| inner.tokens.get(t).is_some_and(|e| *e > now));
        if live {
            inner.stats.api_calls += 1;
        } else {
            inner.stats.rejected_tokens += 1;
        }
        live
    }

    fn issue(&self, options: &SimOptions) -> String {
        let mut inner = self.lock();
        let now = Instant::now();
        inner.tokens.retain(|_, e| *e > now);
        let rng = inner.rng.get_or_insert_with(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            SynthRng::new(nanos)
        });
        let token = format!("wf.{:016x}{:016x}", rng.next_u64(), rng.next_u64());
        inner
            .tokens
            .insert(token.clone(), now + options.token_ttl());
        inner.stats.tokens_issued += 1;
        token
    }

    fn refuse(&self, status: StatusCode, error: &str, basic: bool) -> Response {
        self.lock().stats.token_refusals += 1;
        let body = json!({
            oauth::ERROR: error,
            oauth::ERROR_DESCRIPTION: "요청이 거부되었습니다",
        });
        let mut resp = (status, json_headers(), body.to_string()).into_response();
        if basic && status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic realm=\"welfare\""),
            );
        }
        resp
    }

    /// Answers one token request (after the fault switch).
    pub fn token_endpoint(
        &self,
        options: &SimOptions,
        headers: &HeaderMap,
        body: &str,
    ) -> Response {
        let form = form_decode(body);
        let basic = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Basic "))
            .map(decode_basic);
        let posted = (
            form_value(&form, oauth::CLIENT_ID),
            form_value(&form, oauth::CLIENT_SECRET),
        );
        let (id, secret) = match (&basic, posted) {
            (Some(_), (Some(_), _) | (_, Some(_))) => {
                // RFC 6749 §2.3: one authentication method per request.
                return self.refuse(StatusCode::BAD_REQUEST, "invalid_request", false);
            }
            (Some(Some((id, secret))), _) => (Some(id.as_str()), Some(secret.as_str())),
            (Some(None), _) => (None, None),
            (None, (id, secret)) => (id, secret),
        };
        if form_value(&form, oauth::GRANT_TYPE) != Some(oauth::CLIENT_CREDENTIALS) {
            return self.refuse(StatusCode::BAD_REQUEST, "unsupported_grant_type", false);
        }
        if id != Some(options.client_id.as_str()) || secret != Some(options.client_secret.as_str())
        {
            return self.refuse(StatusCode::UNAUTHORIZED, "invalid_client", basic.is_some());
        }
        let granted: Vec<&str> = options.scope.split_whitespace().collect();
        let asked = form_value(&form, oauth::SCOPE).unwrap_or("");
        if !asked.split_whitespace().all(|s| granted.contains(&s)) {
            return self.refuse(StatusCode::BAD_REQUEST, "invalid_scope", false);
        }
        let token = self.issue(options);
        let body = json!({
            oauth::ACCESS_TOKEN: token,
            oauth::TOKEN_TYPE: "Bearer",
            oauth::EXPIRES_IN: options.token_ttl_secs,
            oauth::SCOPE: options.scope,
        });
        let mut resp = (StatusCode::OK, json_headers(), body.to_string()).into_response();
        resp.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        resp
    }
}

/// `base64(urlencode(id) ":" urlencode(secret))` → (id, secret); `None` when malformed.
fn decode_basic(b64: &str) -> Option<(String, String)> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (id, secret) = text.split_once(':')?;
    let pairs = form_decode(&format!("i={id}&s={secret}"));
    Some((
        form_value(&pairs, "i")?.to_string(),
        form_value(&pairs, "s")?.to_string(),
    ))
}

/// The `Content-Type` of every JSON answer.
pub fn json_headers() -> [(header::HeaderName, &'static str); 1] {
    [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_decode_after_form_decoding() {
        let b64 = base64::engine::general_purpose::STANDARD.encode("hub%3A1:a+b%2F%3D");
        assert_eq!(decode_basic(&b64), Some(("hub:1".into(), "a b/=".into())));
        assert_eq!(decode_basic("%%%"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_expire_and_revocation_forgets_them() {
        let issuer = Issuer::default();
        let options = SimOptions {
            token_ttl_secs: 2,
            ..SimOptions::default()
        };
        let token = issuer.issue(&options);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        assert!(issuer.admit(&headers));
        tokio::time::advance(std::time::Duration::from_secs(3)).await;
        assert!(!issuer.admit(&headers), "expired");
        let token = issuer.issue(&options);
        headers.insert(
            header::AUTHORIZATION,
            format!("bearer {token}").parse().unwrap(),
        );
        assert!(issuer.admit(&headers));
        assert_eq!(issuer.revoke_all(), 1);
        assert!(!issuer.admit(&headers), "revoked");
        let s = issuer.stats();
        assert_eq!((s.tokens_issued, s.api_calls, s.rejected_tokens), (2, 2, 2));
    }
}
