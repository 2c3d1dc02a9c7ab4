//! Reading the token endpoint's answer: a token and its lifetime, or an error classified by
//! the one table of RFC 6749 error codes. Messages carry the RFC error code at most — never
//! `error_description` (free text that may echo request values), never the secret or a token.

use super::IssuedToken;
use super::wire::{self, DEFAULT_EXPIRES_IN_SECS, MAX_EXPIRES_IN_SECS};
use crate::http::RawResponse;
use crate::{ConnectorError, Credential, ErrorKind};
use serde_json::Value;
use std::time::Duration;

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
/// [`TOKEN_ERROR_TABLE`]; a 2xx without a usable token is `BadResponse`.
pub fn read_token_response(raw: &RawResponse) -> Result<IssuedToken, ConnectorError> {
    let json: Option<Value> = serde_json::from_slice(&raw.body).ok();
    let error_code = json
        .as_ref()
        .and_then(|v| v.get(wire::ERROR))
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
            format!("token endpoint refused with HTTP {status}{what}"),
        )
        .with_retry_after(raw.retry_after));
    }
    parse_token(json)
}

fn parse_token(json: &Value) -> Result<IssuedToken, ConnectorError> {
    let bad = |m: &str| ConnectorError::bad_response(format!("token answer: {m}"));
    let obj = json.as_object().ok_or_else(|| bad("not a JSON object"))?;
    let token = match obj.get(wire::ACCESS_TOKEN) {
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
    match obj.get(wire::TOKEN_TYPE) {
        None => {}
        Some(Value::String(t)) if t.eq_ignore_ascii_case("bearer") => {}
        Some(_) => return Err(bad("token_type is not Bearer")),
    }
    let secs = match obj.get(wire::EXPIRES_IN) {
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
