//! The wire protocol both the connector and the simulator speak, in one place so they agree:
//! endpoint paths, JSON field names, result codes and the request bodies.
//!
//! PROTOCOL: this whole file describes the back-end; replace it with yours.
//!
//! Both operations are `POST` with a JSON body. **Why not `GET /bookings?rrn=…`:** a path or
//! query string lands in the access logs of every web server, proxy and gateway on the way —
//! logs the hub does not control or audit. A request body does not. Keep personal keys out of
//! URLs in every connector.

use serde::{Deserialize, Serialize};

/// A citizen's bookings. Body: [`SearchRequest`].
pub const SEARCH_PATH: &str = "/api/waste/v1/bookings/search";
/// One booking by its number. Body: [`DetailRequest`].
pub const DETAIL_PATH: &str = "/api/waste/v1/bookings/detail";
/// Content type of every request and answer body.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// Body of a booking search. No `Debug`: the RRN is personal, and a derived `Debug` would
/// print it into any log line that formats the request.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SearchRequest {
    /// The applicant's RRN, `YYMMDD-GNNNNNN`.
    pub rrn: String,
}

/// Body of a booking detail request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DetailRequest {
    /// The booking number (신고번호).
    pub booking_no: String,
}

/// JSON field names of the answers.
pub mod field {
    /// The result object `{"code", "message"}`, present in every answer.
    pub const RESULT: &str = "result";
    /// Result code, see [`super::code`].
    pub const CODE: &str = "code";
    /// The array of bookings, newest first.
    pub const BOOKINGS: &str = "bookings";
    /// Booking number (신고번호), unique and stable.
    pub const BOOKING_NO: &str = "bookingNo";
    /// Applicant's name (personal).
    pub const APPLICANT_NAME: &str = "applicantName";
    /// Applicant's phone (personal).
    pub const APPLICANT_PHONE: &str = "applicantPhone";
    /// Where the items are put out for collection (personal).
    pub const COLLECTION_ADDRESS: &str = "collectionAddress";
    /// The items: `[{"itemName", "spec", "quantity", "fee"}]`.
    pub const ITEMS: &str = "items";
    /// Item name, e.g. 장롱.
    pub const ITEM_NAME: &str = "itemName";
    /// Item size class, e.g. `폭 1m 이상`.
    pub const SPEC: &str = "spec";
    /// How many of the item.
    pub const QUANTITY: &str = "quantity";
    /// Total fee of the booking (수수료), won.
    pub const TOTAL_FEE: &str = "totalFee";
    /// Application date `YYYY-MM-DD`.
    pub const APPLIED_DATE: &str = "appliedDate";
    /// Booked collection date `YYYY-MM-DD`.
    pub const COLLECTION_DATE: &str = "collectionDate";
    /// Status word: 접수, 수거예정, 수거완료, 취소 (others possible).
    pub const STATUS: &str = "status";
    /// Office in charge.
    pub const DEPT_NAME: &str = "deptName";
    /// Office phone, 031-980-XXXX.
    pub const DEPT_TEL: &str = "deptTel";
}

/// Result codes (`result.code`).
pub mod code {
    /// Success.
    pub const OK: &str = "0000";
    /// The applicant has no bookings.
    pub const NO_BOOKINGS: &str = "1001";
    /// No such booking number.
    pub const NO_BOOKING: &str = "1002";
    /// The request was malformed (missing field, bad RRN).
    pub const INVALID_REQUEST: &str = "2001";
    /// The booking database failed (sent in-band with HTTP 200).
    pub const SYSTEM_ERROR: &str = "9001";
}
