//! The wire protocol both the connector and the simulator speak, in one place so they agree:
//! endpoint paths, JSON field names, the error object and the one table classifying its codes.
//!
//! - `POST <base_url>/api/parking/v1/violations/search` with a JSON body
//!   `{"vehicleNo": "12가3456", "cursor": null, "limit": 20}` answers one page
//!   `{"items": [ … ], "nextCursor": "opaque" | null}`. The plate travels in the body, never in
//!   the URL, because URLs end up in the access logs of every proxy on the way.
//! - `GET <base_url>/api/parking/v1/violations/<ticketNo>` answers `{"item": { … }}`.
//! - Errors, with any HTTP status (also 200): `{"error": {"code": "INVALID_CURSOR",
//!   "message": "…"}}`.
//!
//! Every request carries the API key in the `X-API-Key` header.

use minwon_connector_sdk::{ConnectorError, ErrorKind};

/// Path of the search operation below the base URL.
pub const SEARCH_PATH: &str = "/api/parking/v1/violations/search";
/// Path prefix of the detail operation; the ticket number follows.
pub const DETAIL_PATH: &str = "/api/parking/v1/violations";
/// Header carrying the API key.
pub const API_KEY_HEADER: &str = "x-api-key";
/// The API key the simulator accepts by default and the config uses by default.
pub const DEMO_API_KEY: &str = "minwon-demo-parking-key";
/// Content type of every JSON body.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// Request body field names of the search operation.
pub mod req {
    /// The plate to search (personal).
    pub const VEHICLE_NO: &str = "vehicleNo";
    /// The cursor of the next page, `null` for the first.
    pub const CURSOR: &str = "cursor";
    /// Most items wanted in this page; the back-end may serve fewer.
    pub const LIMIT: &str = "limit";
}

/// Field names of a page and of one ticket item.
pub mod field {
    /// The page's items (array).
    pub const ITEMS: &str = "items";
    /// The cursor of the next page, `null` on the last.
    pub const NEXT_CURSOR: &str = "nextCursor";
    /// The detail answer's single item.
    pub const ITEM: &str = "item";
    /// Ticket number (단속번호), unique and stable.
    pub const TICKET_NO: &str = "ticketNo";
    /// `violation` (주정차 위반 과태료) or `towing` (견인).
    pub const CATEGORY: &str = "category";
    /// Plate of the vehicle (personal).
    pub const VEHICLE_NO: &str = "vehicleNo";
    /// Owner's name (personal).
    pub const OWNER_NAME: &str = "ownerName";
    /// Kind of violation, e.g. 소화전 5m 이내 주정차.
    pub const VIOLATION_TYPE: &str = "violationType";
    /// Road location of the violation (public place, not personal).
    pub const PLACE: &str = "place";
    /// The eup/myeon/dong of the place.
    pub const DISTRICT: &str = "district";
    /// Time of the violation, RFC 3339.
    pub const VIOLATED_AT: &str = "violatedAt";
    /// Amount in won (JSON integer).
    pub const AMOUNT: &str = "amount";
    /// Payment (or opinion-submission) due date, `YYYY-MM-DD`.
    pub const DUE_DATE: &str = "dueDate";
    /// Status word: 사전통지, 의견진술, 부과, 납부완료, 체납, 이의신청, 부과취소, 견인보관중, 반환완료 …
    pub const STATUS: &str = "status";
    /// Last status change, RFC 3339.
    pub const STATUS_CHANGED_AT: &str = "statusChangedAt";
    /// Department in charge.
    pub const DEPARTMENT: &str = "department";
    /// Department phone (031-980-XXXX).
    pub const CONTACT: &str = "contact";
    /// Towing details (object) for towed vehicles, else absent or `null`.
    pub const TOWING: &str = "towing";
    /// Towing lot name, inside `towing`.
    pub const LOT_NAME: &str = "lotName";
    /// Towing lot address, inside `towing`.
    pub const LOT_ADDRESS: &str = "lotAddress";
    /// Towing lot phone, inside `towing`.
    pub const LOT_PHONE: &str = "lotPhone";
    /// When the vehicle was towed, inside `towing`.
    pub const TOWED_AT: &str = "towedAt";
    /// The error object.
    pub const ERROR: &str = "error";
    /// The error object's code.
    pub const CODE: &str = "code";
    /// The error object's human message (never copied into our errors).
    pub const MESSAGE: &str = "message";
}

/// Error codes the back-end uses inside its error object.
pub mod code {
    /// No such ticket.
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// The cursor is not one the back-end issued for this search.
    pub const INVALID_CURSOR: &str = "INVALID_CURSOR";
    /// A malformed request (plate, limit, body).
    pub const INVALID_REQUEST: &str = "INVALID_REQUEST";
    /// Missing or wrong API key.
    pub const UNAUTHORIZED: &str = "UNAUTHORIZED";
    /// Too many requests.
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    /// The enforcement database is unreachable.
    pub const DB_ERROR: &str = "DB_ERROR";
    /// Planned maintenance.
    pub const MAINTENANCE: &str = "MAINTENANCE";
    /// Any other server fault.
    pub const INTERNAL_ERROR: &str = "INTERNAL_ERROR";
}

/// The one table classifying the back-end's error codes. A code not in it is `Unavailable`:
/// the back-end said it failed, in a shape we understand.
pub const ERROR_TABLE: [(&str, ErrorKind); 8] = [
    (code::NOT_FOUND, ErrorKind::NotFound),
    (code::INVALID_CURSOR, ErrorKind::InvalidQuery),
    (code::INVALID_REQUEST, ErrorKind::InvalidQuery),
    (code::UNAUTHORIZED, ErrorKind::Unauthorized),
    (code::RATE_LIMITED, ErrorKind::RateLimited),
    (code::DB_ERROR, ErrorKind::Unavailable),
    (code::MAINTENANCE, ErrorKind::Unavailable),
    (code::INTERNAL_ERROR, ErrorKind::Unavailable),
];

/// The classified error for a back-end error object. The message names the code only when it
/// is in the table (a free-form code could carry anything), never the back-end's message.
pub fn classify_error_code(code: &str, http_status: u16) -> ConnectorError {
    match ERROR_TABLE.iter().find(|(c, _)| *c == code) {
        Some((c, kind)) => {
            ConnectorError::new(*kind, format!("back-end error {c} (HTTP {http_status})"))
        }
        None => ConnectorError::unavailable(format!(
            "back-end error with an unrecognised code (HTTP {http_status})"
        )),
    }
}

/// The search request body.
pub fn search_body(vehicle_no: &str, cursor: Option<&str>, limit: u32) -> String {
    serde_json::json!({
        req::VEHICLE_NO: vehicle_no,
        req::CURSOR: cursor,
        req::LIMIT: limit,
    })
    .to_string()
}

/// An error object body, as the back-end writes it.
pub fn error_body(code: &str, message: &str) -> String {
    serde_json::json!({ field::ERROR: { field::CODE: code, field::MESSAGE: message } }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_classify_and_unknown_codes_are_unavailable_without_echo() {
        assert_eq!(
            classify_error_code("NOT_FOUND", 404).kind,
            ErrorKind::NotFound
        );
        assert_eq!(
            classify_error_code("RATE_LIMITED", 200).kind,
            ErrorKind::RateLimited
        );
        let e = classify_error_code("김민서 12가3456", 200);
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert!(!e.message.contains("12가3456"), "{e}");
    }

    #[test]
    fn search_body_is_json_with_a_null_first_cursor() {
        let v: serde_json::Value =
            serde_json::from_str(&search_body("12가3456", None, 20)).unwrap();
        assert_eq!(v["vehicleNo"], "12가3456");
        assert!(v["cursor"].is_null());
        assert_eq!(v["limit"], 20);
    }
}
