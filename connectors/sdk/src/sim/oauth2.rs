//! A simulator's OAuth2 side: a client-credentials token endpoint (client authenticated by
//! form body or HTTP Basic), the store of issued short-lived tokens, their revocation, the
//! bearer check of API requests, and the counters tests read. The welfare simulator and the
//! declarative connector's test back-ends serve it; the client side is [`crate::oauth2`].

use super::synth::SynthRng;
use crate::form::{form_decode, form_value};
use crate::oauth2::wire;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Content type of the token endpoint's answers.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// What the token endpoint accepts and grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPolicy {
    /// The only client id accepted.
    pub client_id: String,
    /// The only client secret accepted.
    pub client_secret: String,
    /// Scope granted (space-separated); asking for anything else is `invalid_scope`.
    pub scope: String,
    /// Lifetime of issued tokens, in seconds (`expires_in`).
    pub token_ttl_secs: u64,
    /// The realm named in `WWW-Authenticate`.
    pub realm: String,
}

/// Counters of what the simulator saw.
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

    /// Issues a token living `policy.token_ttl_secs` (tests call it to skip the endpoint).
    pub fn issue(&self, policy: &TokenPolicy) -> String {
        let mut inner = self.lock();
        let now = Instant::now();
        inner.tokens.retain(|_, e| *e > now);
        let rng = inner.rng.get_or_insert_with(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            SynthRng::new(nanos)
        });
        let token = format!("sim.{:016x}{:016x}", rng.next_u64(), rng.next_u64());
        let ttl = Duration::from_secs(policy.token_ttl_secs);
        inner.tokens.insert(token.clone(), now + ttl);
        inner.stats.tokens_issued += 1;
        token
    }

    fn refuse(
        &self,
        policy: &TokenPolicy,
        status: StatusCode,
        error: &str,
        basic: bool,
    ) -> Response {
        self.lock().stats.token_refusals += 1;
        let body = json!({
            wire::ERROR: error,
            wire::ERROR_DESCRIPTION: "요청이 거부되었습니다",
        });
        let mut resp = (status, json_headers(), body.to_string()).into_response();
        if basic
            && status == StatusCode::UNAUTHORIZED
            && let Ok(v) =
                header::HeaderValue::from_str(&format!("Basic realm=\"{}\"", policy.realm))
        {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        resp
    }

    /// Answers one token request (call it after the fault switch).
    pub fn token_endpoint(
        &self,
        policy: &TokenPolicy,
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
            form_value(&form, wire::CLIENT_ID),
            form_value(&form, wire::CLIENT_SECRET),
        );
        let (id, secret) = match (&basic, posted) {
            (Some(_), (Some(_), _) | (_, Some(_))) => {
                // RFC 6749 §2.3: one authentication method per request.
                return self.refuse(policy, StatusCode::BAD_REQUEST, "invalid_request", false);
            }
            (Some(Some((id, secret))), _) => (Some(id.as_str()), Some(secret.as_str())),
            (Some(None), _) => (None, None),
            (None, (id, secret)) => (id, secret),
        };
        if form_value(&form, wire::GRANT_TYPE) != Some(wire::CLIENT_CREDENTIALS) {
            return self.refuse(
                policy,
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                false,
            );
        }
        if id != Some(policy.client_id.as_str()) || secret != Some(policy.client_secret.as_str()) {
            let basic = basic.is_some();
            return self.refuse(policy, StatusCode::UNAUTHORIZED, "invalid_client", basic);
        }
        let granted: Vec<&str> = policy.scope.split_whitespace().collect();
        let asked = form_value(&form, wire::SCOPE).unwrap_or("");
        if !asked.split_whitespace().all(|s| granted.contains(&s)) {
            return self.refuse(policy, StatusCode::BAD_REQUEST, "invalid_scope", false);
        }
        let token = self.issue(policy);
        let body = json!({
            wire::ACCESS_TOKEN: token,
            wire::TOKEN_TYPE: "Bearer",
            wire::EXPIRES_IN: policy.token_ttl_secs,
            wire::SCOPE: policy.scope,
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

    fn policy(ttl: u64) -> TokenPolicy {
        TokenPolicy {
            client_id: "hub".into(),
            client_secret: "s".into(),
            scope: "read".into(),
            token_ttl_secs: ttl,
            realm: "sim".into(),
        }
    }

    #[test]
    fn basic_credentials_decode_after_form_decoding() {
        let b64 = base64::engine::general_purpose::STANDARD.encode("hub%3A1:a+b%2F%3D");
        assert_eq!(decode_basic(&b64), Some(("hub:1".into(), "a b/=".into())));
        assert_eq!(decode_basic("%%%"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_expire_and_revocation_forgets_them() {
        let issuer = Issuer::default();
        let token = issuer.issue(&policy(2));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        assert!(issuer.admit(&headers));
        tokio::time::advance(std::time::Duration::from_secs(3)).await;
        assert!(!issuer.admit(&headers), "expired");
        let token = issuer.issue(&policy(2));
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

    #[test]
    fn wrong_credentials_grant_or_scope_are_refused_and_counted() {
        let issuer = Issuer::default();
        let p = policy(60);
        for (body, status) in [
            (
                "grant_type=client_credentials&client_id=hub&client_secret=x",
                401,
            ),
            ("grant_type=password&client_id=hub&client_secret=s", 400),
            (
                "grant_type=client_credentials&client_id=hub&client_secret=s&scope=write",
                400,
            ),
        ] {
            let r = issuer.token_endpoint(&p, &HeaderMap::new(), body);
            assert_eq!(r.status().as_u16(), status, "{body}");
        }
        let ok = issuer.token_endpoint(
            &p,
            &HeaderMap::new(),
            "grant_type=client_credentials&client_id=hub&client_secret=s&scope=read",
        );
        assert_eq!(ok.status(), StatusCode::OK);
        let s = issuer.stats();
        assert_eq!((s.token_refusals, s.tokens_issued), (3, 1));
    }
}
