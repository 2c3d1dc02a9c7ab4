//! Reading one HTTP answer of the billing service: the HTTP status first, then the JSON
//! envelope `{"result": {"code", "message"}, "customer": {…}, "bills": […]}` and the one table
//! classifying its result codes.
//!
//! Messages are built from HTTP statuses, known result codes and field names only. The
//! back-end's own `result.message` is never copied: it is free text and may name the customer.

use crate::mapping::{Bill, Customer};
use crate::protocol::code;
use minwon_connector_sdk::http::{RawResponse, classify_status};
use minwon_connector_sdk::json;
use minwon_connector_sdk::{ConnectorError, ErrorKind};
use serde::Deserialize;
use std::borrow::Cow;

/// How errors name this answer.
const WHAT: &str = "water answer";

/// A successful answer, decoded from the body and borrowing its text, not yet mapped.
pub struct Answer<'a> {
    /// The customer object, when the answer has one.
    pub customer: Option<Customer<'a>>,
    /// The bills, newest first.
    pub bills: Vec<Bill<'a>>,
}

impl std::fmt::Debug for Answer<'_> {
    // Counts only: the customer and the bills are personal.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answer")
            .field("customer", &self.customer.is_some())
            .field("bills", &self.bills.len())
            .finish()
    }
}

/// The envelope as sent: every part optional here, so the result code is judged first.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default, borrow)]
    result: Option<json::ResultCode<'a>>,
    #[serde(default, borrow)]
    customer: Option<Customer<'a>>,
    #[serde(default, borrow)]
    bills: Option<Vec<Bill<'a>>>,
}

/// The one table of result codes: code → (kind, what it means). [`code::OK`] is success and
/// not in the table; a code not listed is `Unavailable`.
pub const RESULT_CODES: [(&str, ErrorKind, &str); 6] = [
    (
        code::NO_CUSTOMER,
        ErrorKind::NotFound,
        "no such water customer",
    ),
    (code::NO_BILL, ErrorKind::NotFound, "no such water bill"),
    (
        code::INVALID_REQUEST,
        ErrorKind::InvalidQuery,
        "request refused as invalid",
    ),
    (
        code::TOO_MANY_REQUESTS,
        ErrorKind::RateLimited,
        "too many requests",
    ),
    (
        code::SYSTEM_ERROR,
        ErrorKind::Unavailable,
        "billing system error",
    ),
    (
        code::MAINTENANCE,
        ErrorKind::Unavailable,
        "planned maintenance",
    ),
];

/// The error for a non-success result code.
pub fn classify_code(result_code: &str) -> ConnectorError {
    match RESULT_CODES.iter().find(|(c, _, _)| *c == result_code) {
        Some((c, kind, meaning)) => {
            ConnectorError::new(*kind, format!("back-end result code {c}: {meaning}"))
        }
        // An unknown code is not echoed: it is back-end text of unknown shape.
        None => ConnectorError::unavailable("back-end answered an unrecognised result code"),
    }
}

/// Reads one answer: a non-2xx status is classified by the status (with `Retry-After` kept,
/// and the known result code of a JSON error body named); a 2xx body must be the envelope with
/// result code [`code::OK`], a `bills` array and, optionally, a `customer` object. A failure
/// code decides even when other parts of the body are malformed.
pub fn read_answer(raw: &RawResponse) -> Result<Answer<'_>, ConnectorError> {
    if let Some(mut http_err) = classify_status(raw) {
        if let Some(meaning) = error_body_code(&raw.body)
            .and_then(|c| RESULT_CODES.iter().find(|(k, _, _)| *k == c))
            .map(|(c, _, m)| format!(" (result code {c}: {m})"))
        {
            http_err.message.push_str(&meaning);
        }
        return Err(http_err);
    }
    let envelope = match json::decode::<Envelope>(&raw.body, WHAT) {
        Ok(e) => e,
        Err(e) => {
            return Err(match error_body_code(&raw.body) {
                Some(c) if c != code::OK => classify_code(&c),
                _ => e,
            });
        }
    };
    let result_code = envelope
        .result
        .and_then(|r| r.code)
        .ok_or_else(|| ConnectorError::bad_response(format!("{WHAT} without result.code")))?;
    if result_code != code::OK {
        return Err(classify_code(&result_code));
    }
    let bills = envelope
        .bills
        .ok_or_else(|| ConnectorError::bad_response(format!("{WHAT} without bills")))?;
    Ok(Answer {
        customer: envelope.customer,
        bills,
    })
}

/// The result code of a JSON body, if it has one (whatever the rest of it holds).
fn error_body_code(body: &[u8]) -> Option<Cow<'_, str>> {
    json::ResultHead::code_of(body, WHAT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn raw(status: u16, body: &str, retry_after: Option<u64>) -> RawResponse {
        RawResponse {
            status,
            content_type: Some("application/json".into()),
            retry_after: retry_after.map(Duration::from_secs),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_success_envelope_yields_customer_and_bills() {
        let r = raw(
            200,
            r#"{"result":{"code":"0000","message":"정상"},"customer":{"customerNo":"1"},"bills":[
                {"billNo":"W1","billingMonth":"2026-10","status":"미납","totalAmount":1},
                {"billNo":"W2","billingMonth":"2026-09","status":"미납","totalAmount":1}]}"#,
            None,
        );
        let a = read_answer(&r).unwrap();
        assert_eq!(a.bills.len(), 2);
        assert!(a.customer.is_some());
        let r = raw(200, r#"{"result":{"code":"0000"},"bills":[]}"#, None);
        let a = read_answer(&r).unwrap();
        assert!(a.customer.is_none() && a.bills.is_empty());
    }

    #[test]
    fn in_band_codes_are_classified_by_the_one_table() {
        for (c, kind) in [
            ("1001", ErrorKind::NotFound),
            ("1002", ErrorKind::NotFound),
            ("2001", ErrorKind::InvalidQuery),
            ("4290", ErrorKind::RateLimited),
            ("9001", ErrorKind::Unavailable),
            ("9503", ErrorKind::Unavailable),
            ("7777", ErrorKind::Unavailable),
        ] {
            let body = format!(r#"{{"result":{{"code":"{c}","message":"김민서 고객"}}}}"#);
            let e = read_answer(&raw(200, &body, None)).unwrap_err();
            assert_eq!(e.kind, kind, "{c}");
            assert!(!e.message.contains("김민서"), "{e}");
        }
        let e = read_answer(&raw(200, r#"{"result":{"code":"x김민서"}}"#, None)).unwrap_err();
        assert!(!e.message.contains("김민서"), "{e}");
    }

    #[test]
    fn a_failure_code_wins_over_malformed_bills_and_a_bad_bill_is_named_by_path() {
        let e =
            read_answer(&raw(200, r#"{"bills":{},"result":{"code":"9001"}}"#, None)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unavailable);
        let body = r#"{"result":{"code":"0000"},"bills":[
            {"billNo":"W1","billingMonth":"2026-10","status":"미납","totalAmount":1},
            {"billNo":"W2","billingMonth":"2026-10","status":"미납","totalAmount":1,"dueDate":"김민서"}]}"#;
        let e = read_answer(&raw(200, body, None)).unwrap_err();
        assert_eq!(e.message, "water answer bills[1].dueDate is not a date");
    }

    #[test]
    fn http_errors_keep_retry_after_and_name_a_known_code() {
        let e = read_answer(&raw(
            503,
            r#"{"result":{"code":"9503","message":"점검"},"maintenance":{}}"#,
            Some(60),
        ))
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert_eq!(e.retry_after, Some(Duration::from_secs(60)));
        assert!(
            e.message.contains("503") && e.message.contains("maintenance"),
            "{e}"
        );
        let e = read_answer(&raw(429, "busy", Some(1))).unwrap_err();
        assert_eq!(
            (e.kind, e.retry_after),
            (ErrorKind::RateLimited, Some(Duration::from_secs(1)))
        );
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
            r#"{"result":{"code":"0000"},"bills":{}}"#,
            r#"{"result":{"code":"0000"},"bills":[],"customer":"x"}"#,
        ] {
            let e = read_answer(&raw(200, body, None)).unwrap_err();
            assert_eq!(e.kind, ErrorKind::BadResponse, "{body}");
        }
    }
}
