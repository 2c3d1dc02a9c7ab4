//! Reading one HTTP answer of the booking service: the HTTP status first, then the JSON
//! envelope `{"result": {"code", "message"}, "bookings": […]}` and the one table classifying
//! its result codes.
//!
//! PROTOCOL: the envelope and the code table are this back-end's; the *rules* are every
//! connector's:
//! - classify the HTTP status with the SDK's `classify_status` before looking at the body;
//! - an error inside an HTTP 200 body is classified by its code (never success, never
//!   `BadResponse` when it is well formed);
//! - messages are built from statuses, known codes and field names only. The back-end's
//!   `result.message` is free text that may name the citizen, and serde's own error text quotes
//!   the offending value: neither is ever copied into a `ConnectorError`.

use crate::mapping::Booking;
use crate::protocol::code;
use minwon_connector_sdk::http::{RawResponse, classify_status};
use minwon_connector_sdk::json;
use minwon_connector_sdk::{ConnectorError, ErrorKind};
use serde::Deserialize;

/// How errors name this answer.
const WHAT: &str = "answer";

/// The envelope as sent, decoded straight from the body with `serde` derive, its text
/// borrowed. Every part is optional here so that the result code is judged first.
// PROTOCOL: the envelope's parts.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default, borrow)]
    result: Option<json::ResultCode<'a>>,
    #[serde(default, borrow)]
    bookings: Option<Vec<Booking<'a>>>,
}

/// The one table of result codes: code → (kind, what it means). [`code::OK`] is success and
/// not in the table; a code not listed is `Unavailable` (and not echoed).
pub const RESULT_CODES: [(&str, ErrorKind, &str); 4] = [
    (code::NO_BOOKINGS, ErrorKind::NotFound, "no bookings"),
    (code::NO_BOOKING, ErrorKind::NotFound, "no such booking"),
    (
        code::INVALID_REQUEST,
        ErrorKind::InvalidQuery,
        "request refused as invalid",
    ),
    (
        code::SYSTEM_ERROR,
        ErrorKind::Unavailable,
        "booking system error",
    ),
];

/// The error for a non-success result code.
pub fn classify_code(result_code: &str) -> ConnectorError {
    match RESULT_CODES.iter().find(|(c, _, _)| *c == result_code) {
        Some((c, kind, meaning)) => {
            ConnectorError::new(*kind, format!("back-end result code {c}: {meaning}"))
        }
        None => ConnectorError::unavailable("back-end answered an unrecognised result code"),
    }
}

/// Reads one answer: a non-2xx status is classified by the status (its `Retry-After` kept);
/// a 2xx body must be the envelope with result code [`code::OK`] and a `bookings` array, whose
/// elements are returned decoded (borrowing from the body) but unmapped. A failure code
/// decides even when other parts of the body are malformed.
pub fn read_answer(raw: &RawResponse) -> Result<Vec<Booking<'_>>, ConnectorError> {
    if let Some(err) = classify_status(raw) {
        return Err(err);
    }
    // serde_json refuses nesting deeper than 128 levels, so a hostile body cannot overflow the
    // stack; the body's size was already capped by `BackendClient::send`. Errors name the
    // field's path, never its value (see `minwon_connector_sdk::json`).
    let envelope = match json::decode::<Envelope>(&raw.body, WHAT) {
        Ok(e) => e,
        Err(e) => {
            return Err(match json::ResultHead::code_of(&raw.body, WHAT) {
                Some(c) if c != code::OK => classify_code(&c),
                _ => e,
            });
        }
    };
    let result_code = envelope
        .result
        .and_then(|r| r.code)
        .ok_or_else(|| ConnectorError::bad_response("answer without a string result.code"))?;
    if result_code != code::OK {
        return Err(classify_code(&result_code));
    }
    envelope
        .bookings
        .ok_or_else(|| ConnectorError::bad_response("answer without bookings"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status,
            content_type: Some("application/json".into()),
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_success_envelope_yields_the_bookings() {
        let r = raw(
            200,
            r#"{"result":{"code":"0000","message":"정상"},"bookings":[
                {"bookingNo":"LW-1","status":"접수"},{"bookingNo":"LW-2","status":"접수"}]}"#,
        );
        let b = read_answer(&r).unwrap();
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn in_band_codes_are_classified_by_the_one_table_without_echoing_the_message() {
        for (c, kind) in [
            ("1001", ErrorKind::NotFound),
            ("1002", ErrorKind::NotFound),
            ("2001", ErrorKind::InvalidQuery),
            ("9001", ErrorKind::Unavailable),
            ("7777", ErrorKind::Unavailable),
        ] {
            let body = format!(r#"{{"result":{{"code":"{c}","message":"김민서 님"}}}}"#);
            let e = read_answer(&raw(200, &body)).unwrap_err();
            assert_eq!(e.kind, kind, "{c}");
            assert!(!e.message.contains("김민서"), "{e}");
        }
    }

    #[test]
    fn http_statuses_come_first() {
        for (status, kind) in [
            (500, ErrorKind::Unavailable),
            (503, ErrorKind::Unavailable),
            (429, ErrorKind::RateLimited),
            (401, ErrorKind::Unauthorized),
            (400, ErrorKind::InvalidQuery),
        ] {
            let r = raw(status, r#"{"result":{"code":"0000"},"bookings":[]}"#);
            assert_eq!(read_answer(&r).unwrap_err().kind, kind, "{status}");
        }
    }

    #[test]
    fn shapes_other_than_the_envelope_are_bad_response() {
        for body in [
            "",
            "not json",
            "[1,2]",
            r#"{"result":{}}"#,
            r#"{"result":{"code":0}}"#,
            r#"{"result":{"code":"0000"}}"#,
            r#"{"result":{"code":"0000"},"bookings":{}}"#,
        ] {
            let e = read_answer(&raw(200, body)).unwrap_err();
            assert_eq!(e.kind, ErrorKind::BadResponse, "{body}");
        }
    }
}
