//! OAuth2 client credentials: the token request, the reading of the token endpoint's answer
//! (with its one error table), and [`TokenCache`], which keeps the token until shortly before
//! it expires and lets concurrent callers share a single refresh.
//!
//! The cache is one `tokio::sync::Mutex` around the current token. A caller holding it while
//! the token is fresh leaves at once; a caller finding it stale refreshes *while holding it*,
//! so everyone else waits for that one refresh and then re-checks — no thundering herd. The
//! refresh runs on the caller's deadline; if that caller goes away the lock is released and
//! the next waiter refreshes on its own deadline (cancel-safe).

use crate::config::{ClientSecret, TokenAuth};
use crate::protocol::{DEFAULT_EXPIRES_IN_SECS, FORM_CONTENT_TYPE, MAX_EXPIRES_IN_SECS, oauth};
use base64::Engine;
use minwon_connector_sdk::form::form_encode;
use minwon_connector_sdk::http::{BackendClient, RawResponse};
use minwon_connector_sdk::{CallContext, ConnectorError, Credential, ErrorKind};
use serde_json::Value;
use std::future::Future;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// An access token as sent in `Authorization: Bearer`. `Debug` never shows the value (it is
/// a `secrecy` secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bearer {
    value: Credential,
    generation: u64,
}

impl Bearer {
    /// The token, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        self.value.expose()
    }

    /// Which issuance this is, counted by the cache (1 for the first token).
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

/// A token as the token endpoint issued it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The access token (never printed).
    pub access_token: Credential,
    /// Its lifetime (capped at [`MAX_EXPIRES_IN_SECS`]).
    pub expires_in: Duration,
}

#[derive(Debug)]
struct Cached {
    bearer: Bearer,
    refresh_at: Instant,
}

/// The current token and the lock that makes its refresh single-flight. `Debug` shows the
/// token only as `secrecy` does: `[REDACTED]`.
#[derive(Debug)]
pub struct TokenCache {
    slot: Mutex<(Option<Cached>, u64)>,
    skew: Duration,
}

impl TokenCache {
    /// A cache replacing tokens `skew` before they expire (at most half their lifetime).
    pub fn new(skew: Duration) -> Self {
        TokenCache {
            slot: Mutex::new((None, 0)),
            skew,
        }
    }

    /// A fresh token: the cached one unless it is due for refresh or is `rejected` (the token a
    /// data call just saw refused); otherwise one obtained by `fetch`, which runs at most once
    /// at a time across all callers. Waiting for the lock is bounded by `deadline`.
    pub async fn get<F, Fut>(
        &self,
        deadline: Instant,
        rejected: Option<&Bearer>,
        fetch: F,
    ) -> Result<Bearer, ConnectorError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<IssuedToken, ConnectorError>>,
    {
        let mut slot = tokio::time::timeout_at(deadline, self.slot.lock())
            .await
            .map_err(|_| ConnectorError::timeout("deadline passed waiting for a token refresh"))?;
        if let Some(c) = &slot.0 {
            let is_rejected = rejected.is_some_and(|r| r.generation == c.bearer.generation);
            if !is_rejected && Instant::now() < c.refresh_at {
                return Ok(c.bearer.clone());
            }
        }
        slot.0 = None;
        let issued = fetch().await?;
        let now = Instant::now();
        let skew = self.skew.min(issued.expires_in / 2);
        slot.1 += 1;
        let bearer = Bearer {
            value: issued.access_token,
            generation: slot.1,
        };
        slot.0 = Some(Cached {
            bearer: bearer.clone(),
            refresh_at: now + issued.expires_in.saturating_sub(skew),
        });
        tracing::debug!(
            connector = crate::NAME,
            generation = slot.1,
            "access token obtained"
        );
        Ok(bearer)
    }
}

/// Everything needed to ask the token endpoint for a token.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// Token endpoint URL.
    pub url: String,
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: ClientSecret,
    /// Scope, possibly empty (then not sent).
    pub scope: String,
    /// Where the client credentials go.
    pub auth: TokenAuth,
}

impl TokenRequest {
    /// Asks for a token within the call's deadline.
    pub async fn fetch(
        &self,
        client: &BackendClient,
        ctx: &CallContext,
    ) -> Result<IssuedToken, ConnectorError> {
        let mut pairs = vec![(oauth::GRANT_TYPE, oauth::CLIENT_CREDENTIALS)];
        if !self.scope.is_empty() {
            pairs.push((oauth::SCOPE, self.scope.as_str()));
        }
        let mut req = client
            .inner()
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, FORM_CONTENT_TYPE)
            .header(reqwest::header::ACCEPT, "application/json");
        match self.auth {
            TokenAuth::ClientSecretPost => {
                pairs.push((oauth::CLIENT_ID, self.client_id.as_str()));
                pairs.push((oauth::CLIENT_SECRET, self.client_secret.expose()));
            }
            TokenAuth::ClientSecretBasic => {
                req = req.header(reqwest::header::AUTHORIZATION, self.basic_header());
            }
        }
        let raw = client.send(req.body(form_encode(&pairs)), ctx).await?;
        read_token_response(&raw)
    }

    /// `Basic base64(urlencode(id) ":" urlencode(secret))`, as RFC 6749 §2.3.1 asks.
    fn basic_header(&self) -> String {
        let pair = format!(
            "{}:{}",
            form_component(&self.client_id),
            form_component(self.client_secret.expose()),
        );
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }
}

/// One form-encoded component (the SDK encodes pairs; an empty name leaves `=value`, and `=`
/// itself is always escaped, so only the separator is cut).
fn form_component(s: &str) -> String {
    form_encode(&[("", s)]).split_off(1)
}

/// The one table of token endpoint error codes (RFC 6749 §5.2, plus the §4.1.2.1 codes some
/// servers use here): refusals of our credentials are `Unauthorized` (an answer, not a failing
/// back-end); server trouble is `Unavailable`.
pub const TOKEN_ERROR_TABLE: [(&str, ErrorKind); 10] = [
    ("invalid_client", ErrorKind::Unauthorized),
    ("unauthorized_client", ErrorKind::Unauthorized),
    ("invalid_grant", ErrorKind::Unauthorized),
    ("invalid_scope", ErrorKind::Unauthorized),
    ("access_denied", ErrorKind::Unauthorized),
    ("invalid_request", ErrorKind::Unauthorized),
    ("unsupported_grant_type", ErrorKind::Unauthorized),
    ("server_error", ErrorKind::Unavailable),
    ("temporarily_unavailable", ErrorKind::Unavailable),
    ("slow_down", ErrorKind::RateLimited),
];

/// Reads the token endpoint's answer. HTTP 400/401/403 → `Unauthorized`; 429 →
/// `RateLimited`; 408/504 → `Timeout`; any other non-2xx → `Unavailable` (a 404 here is a
/// wrong `token_url`, not "no records"). A 2xx with `error` is classified by
/// [`TOKEN_ERROR_TABLE`]; a 2xx without a usable token is `BadResponse`. Messages carry the
/// RFC error code at most — never `error_description`, never the client secret.
pub fn read_token_response(raw: &RawResponse) -> Result<IssuedToken, ConnectorError> {
    let json: Option<Value> = serde_json::from_slice(&raw.body).ok();
    let error_code = json
        .as_ref()
        .and_then(|v| v.get(oauth::ERROR))
        .and_then(Value::as_str)
        .map(str::trim);
    let known = error_code.and_then(|c| TOKEN_ERROR_TABLE.iter().find(|(w, _)| *w == c));
    let named = known.map_or(String::new(), |(w, _)| format!(" ({w})"));
    let status = raw.status;
    if !(200..=299).contains(&status) {
        let kind = match status {
            400 | 401 | 403 => ErrorKind::Unauthorized,
            429 => ErrorKind::RateLimited,
            408 | 504 => ErrorKind::Timeout,
            _ => ErrorKind::Unavailable,
        };
        return Err(ConnectorError::new(
            kind,
            format!("token endpoint answered HTTP {status}{named}"),
        )
        .with_retry_after(raw.retry_after));
    }
    let Some(json) = &json else {
        return Err(ConnectorError::bad_response(
            "token endpoint answer is not JSON",
        ));
    };
    if let Some(code) = error_code {
        let kind = known.map_or(ErrorKind::Unavailable, |(_, k)| *k);
        let what = if known.is_some() {
            named
        } else if code.is_empty() {
            " (empty error code)".to_string()
        } else {
            " (unrecognised error code)".to_string()
        };
        return Err(ConnectorError::new(
            kind,
            format!("token endpoint refused with HTTP 200{what}"),
        )
        .with_retry_after(raw.retry_after));
    }
    parse_token(json)
}

fn parse_token(json: &Value) -> Result<IssuedToken, ConnectorError> {
    let bad = |m: &str| ConnectorError::bad_response(format!("token answer: {m}"));
    let obj = json.as_object().ok_or_else(|| bad("not a JSON object"))?;
    let token = match obj.get(oauth::ACCESS_TOKEN) {
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(bad("access_token is not a string")),
        None => return Err(bad("no access_token")),
    };
    // RFC 6750 b64token: what may go into an Authorization header verbatim.
    let token_ok = (1..=4096).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b));
    if !token_ok {
        return Err(bad(
            "access_token is not a bearer token (RFC 6750 b64token)",
        ));
    }
    match obj.get(oauth::TOKEN_TYPE) {
        None => {}
        Some(Value::String(t)) if t.eq_ignore_ascii_case("bearer") => {}
        Some(_) => return Err(bad("token_type is not Bearer")),
    }
    let secs = match obj.get(oauth::EXPIRES_IN) {
        None | Some(Value::Null) => DEFAULT_EXPIRES_IN_SECS,
        Some(Value::Number(n)) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
            .ok_or_else(|| bad("expires_in is negative"))?,
        // Some servers send the number as a string.
        Some(Value::String(s)) => s
            .trim()
            .parse::<u64>()
            .map_err(|_| bad("expires_in is not a number of seconds"))?,
        Some(_) => return Err(bad("expires_in is not a number of seconds")),
    };
    Ok(IssuedToken {
        access_token: Credential::new(token),
        expires_in: Duration::from_secs(secs.min(MAX_EXPIRES_IN_SECS)),
    })
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod tests;
