//! Reading the benefits API's answers: the HTTP status, the JSON envelope
//! `{"result":{"code","message"},"data":…}` and the one table classifying its result codes.
//!
//! A rejected access token (HTTP 401, or result code `E401`) is kept apart as
//! [`ApiError::TokenRejected`], since the connector answers it by refreshing once and
//! retrying. The envelope's `message` is free text from the back-end that may echo request
//! values: it is never copied into an error; messages carry the result code at most.

use crate::protocol::{code, field};
use minwon_connector_sdk::http::{RawResponse, classify_status};
use minwon_connector_sdk::json::{self, Object};
use minwon_connector_sdk::{ConnectorError, ErrorKind};
use serde::Deserialize;

/// How errors name this answer.
const WHAT: &str = "welfare API answer";

/// The envelope as sent, `data` decoded as the operation's own shape.
#[derive(Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
struct Envelope<'a, T> {
    #[serde(default, borrow)]
    result: Option<json::ResultCode<'a>>,
    #[serde(default)]
    data: Option<Object<T>>,
}

/// The one table of API result codes other than success: code → classification.
/// [`code::INVALID_TOKEN`] is listed for completeness; it becomes [`ApiError::TokenRejected`].
/// An unlisted code is `Unavailable` (the back-end reported a failure we do not know).
pub const RESULT_CODE_TABLE: [(&str, ErrorKind); 8] = [
    (code::BAD_REQUEST, ErrorKind::InvalidQuery),
    (code::INVALID_TOKEN, ErrorKind::Unauthorized),
    (code::FORBIDDEN, ErrorKind::Unauthorized),
    (code::NOT_FOUND, ErrorKind::NotFound),
    (code::RATE_LIMITED, ErrorKind::RateLimited),
    (code::SYSTEM_ERROR, ErrorKind::Unavailable),
    (code::MAINTENANCE, ErrorKind::Unavailable),
    (code::UPSTREAM_TIMEOUT, ErrorKind::Timeout),
];

/// Why an API call did not yield data: the SDK's OAuth2 outcome, whose `TokenRejected` the
/// token cache answers by refreshing once and retrying.
pub use minwon_connector_sdk::oauth2::CallError as ApiError;

/// The classification of a non-success result code.
pub fn classify_code(result_code: &str) -> ErrorKind {
    RESULT_CODE_TABLE
        .iter()
        .find(|(c, _)| *c == result_code)
        .map_or(ErrorKind::Unavailable, |(_, k)| *k)
}

/// A result code safe to quote in a message: short ASCII letters and digits only, so a
/// back-end cannot smuggle a personal value into our logs through it.
fn quotable(result_code: &str) -> &str {
    let ok = (1..=8).contains(&result_code.len())
        && result_code.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok { result_code } else { "(unrecognised)" }
}

/// Reads one API answer into its `data`, decoded as `T` straight from the body (borrowing
/// from it). HTTP 401 is always a rejected token. Otherwise a well-formed envelope decides (an
/// error envelope wins over the HTTP status, as it is more precise, and over a malformed
/// `data`); without one, a non-2xx status is classified the usual way and a 2xx is
/// `BadResponse`.
pub fn read_answer<'a, T: Deserialize<'a>>(raw: &'a RawResponse) -> Result<T, ApiError> {
    if raw.status == 401 {
        return Err(ApiError::TokenRejected);
    }
    let http_error = classify_status(raw);
    let (result, data) = match json::decode::<Envelope<T>>(&raw.body, WHAT) {
        Ok(env) => (env.result, Ok(env.data)),
        Err(data_error) => match json::decode::<json::ResultHead>(&raw.body, WHAT) {
            Ok(head) => (head.result, Err(data_error)),
            Err(e) => return Err(http_error.unwrap_or(e).into()),
        },
    };
    let result_code = result.and_then(|r| r.code);
    match (result_code.as_deref().map(str::trim), http_error) {
        (Some(code::OK), None) => match data? {
            Some(Object(data)) => Ok(data),
            None => Err(ConnectorError::bad_response(format!(
                "welfare API answered success without a {} object",
                field::DATA
            ))
            .into()),
        },
        (Some(code::OK), Some(e)) | (None, Some(e)) => Err(e.into()),
        (Some(code::INVALID_TOKEN), _) => Err(ApiError::TokenRejected),
        (Some(c), _) => Err(ConnectorError::new(
            classify_code(c),
            format!("welfare API result code {}", quotable(c)),
        )
        .with_retry_after(raw.retry_after)
        .into()),
        (None, None) => Err(ConnectorError::bad_response(format!(
            "welfare API answer without {}.{}",
            field::RESULT,
            field::CODE
        ))
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn raw(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status,
            content_type: Some("application/json".into()),
            retry_after: Some(Duration::from_secs(2)),
            body: body.as_bytes().to_vec(),
        }
    }

    /// Any `data` object, for tests of the envelope alone.
    type Data = std::collections::BTreeMap<String, serde_json::Value>;

    fn read(status: u16, body: &str) -> Result<Data, ApiError> {
        read_answer::<Data>(&raw(status, body))
    }

    fn kind(status: u16, body: &str) -> ErrorKind {
        match read(status, body) {
            Err(ApiError::Failed(e)) => e.kind,
            other => panic!("{status} {body}: {other:?}"),
        }
    }

    #[test]
    fn success_yields_the_data_object() {
        let d = read(200, r#"{"result":{"code":"0000"},"data":{"benefits":[]}}"#).unwrap();
        assert_eq!(d["benefits"], serde_json::json!([]));
        assert_eq!(
            kind(200, r#"{"result":{"code":"0000"}}"#),
            ErrorKind::BadResponse
        );
        assert_eq!(
            kind(200, r#"{"result":{"code":"0000"},"data":[1]}"#),
            ErrorKind::BadResponse
        );
    }

    #[test]
    fn rejected_tokens_are_told_apart() {
        assert_eq!(read(401, ""), Err(ApiError::TokenRejected));
        assert_eq!(
            read(200, r#"{"result":{"code":"E401"}}"#),
            Err(ApiError::TokenRejected)
        );
        assert_eq!(
            kind(403, r#"{"result":{"code":"E403"}}"#),
            ErrorKind::Unauthorized
        );
    }

    #[test]
    fn result_codes_classify_by_the_table_whatever_the_status() {
        for (status, c, k) in [
            (200, "E500", ErrorKind::Unavailable),
            (500, "E500", ErrorKind::Unavailable),
            (200, "E503", ErrorKind::Unavailable),
            (404, "E404", ErrorKind::NotFound),
            (400, "E400", ErrorKind::InvalidQuery),
            (200, "E429", ErrorKind::RateLimited),
            (200, "E504", ErrorKind::Timeout),
            (200, "X999", ErrorKind::Unavailable),
        ] {
            let body =
                format!(r#"{{"result":{{"code":"{c}","message":"홍길동 900101-1234567"}}}}"#);
            let Err(ApiError::Failed(e)) = read(status, &body) else {
                panic!("{c}")
            };
            assert_eq!(e.kind, k, "{c}");
            assert!(
                !e.message.contains("홍길동") && !e.message.contains("900101"),
                "{e}"
            );
        }
    }

    #[test]
    fn codes_are_quoted_only_when_harmless() {
        let Err(ApiError::Failed(e)) = read(200, r#"{"result":{"code":"9001011234567"}}"#) else {
            panic!()
        };
        assert!(!e.message.contains("9001011234567"), "{e}");
        assert_eq!(e.kind, ErrorKind::Unavailable);
    }

    #[test]
    fn without_an_envelope_the_status_decides() {
        assert_eq!(kind(500, "<html>"), ErrorKind::Unavailable);
        assert_eq!(kind(503, ""), ErrorKind::Unavailable);
        assert_eq!(kind(429, "busy"), ErrorKind::RateLimited);
        assert_eq!(kind(200, "{\"result\":"), ErrorKind::BadResponse);
        assert_eq!(kind(200, "{}"), ErrorKind::BadResponse);
        assert_eq!(
            kind(200, r#"{"result":{"code":7}}"#),
            ErrorKind::BadResponse
        );
    }
}
