//! The wire protocol both the connector and the simulator speak, in one place so they agree:
//! endpoint paths, JSON field names, result codes and the request bodies.
//!
//! Both operations are `POST` with a JSON body. **Why not `GET /customers/{customerNo}/bills`:**
//! the customer number identifies a household (and, with the bills, its name and address); a
//! path or query string lands in the access logs of every web server, proxy and gateway on the
//! way, logs we do not control. A request body does not.

use serde::{Deserialize, Serialize};

/// Searching a customer's bills. Body: [`SearchRequest`].
pub const SEARCH_PATH: &str = "/api/water/v2/bills/search";
/// One bill by its number. Body: [`DetailRequest`].
pub const DETAIL_PATH: &str = "/api/water/v2/bills/detail";
/// Content type of every request and answer body.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";
/// Most billing months one search may ask for.
pub const MAX_MONTHS: u32 = 60;

/// Body of a bill search. No `Debug`: the customer number is personal.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SearchRequest {
    /// The water customer number (수용가번호), digits only.
    pub customer_no: String,
    /// How many of the latest billing months to return, 1 to [`MAX_MONTHS`].
    pub months: u32,
}

/// Body of a bill detail request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DetailRequest {
    /// The bill number (고지번호).
    pub bill_no: String,
}

/// JSON field names of the answers.
pub mod field {
    /// The result object `{"code", "message"}`, present in every answer.
    pub const RESULT: &str = "result";
    /// Result code, see [`super::code`].
    pub const CODE: &str = "code";
    /// Human-readable result message (Korean).
    pub const MESSAGE: &str = "message";
    /// The customer object.
    pub const CUSTOMER: &str = "customer";
    /// Customer number echoed back (personal).
    pub const CUSTOMER_NO: &str = "customerNo";
    /// Customer (account holder) name (personal).
    pub const CUSTOMER_NAME: &str = "customerName";
    /// Service address, where the meter is (personal).
    pub const SERVICE_ADDRESS: &str = "serviceAddress";
    /// Usage type (업종): 가정용, 일반용, 욕탕용.
    pub const USAGE_TYPE: &str = "usageType";
    /// The array of bills, newest first.
    pub const BILLS: &str = "bills";
    /// Bill number (고지번호), unique and stable.
    pub const BILL_NO: &str = "billNo";
    /// Billing month `YYYY-MM`.
    pub const BILLING_MONTH: &str = "billingMonth";
    /// Water used in the month, m³ (number).
    pub const USAGE_M3: &str = "usageM3";
    /// Water charge (상수도요금), won.
    pub const WATER_AMOUNT: &str = "waterAmount";
    /// Sewage charge (하수도요금), won.
    pub const SEWAGE_AMOUNT: &str = "sewageAmount";
    /// Water use charge (물이용부담금), won.
    pub const WATER_USE_CHARGE: &str = "waterUseCharge";
    /// Amount billed in total, won.
    pub const TOTAL_AMOUNT: &str = "totalAmount";
    /// Issue date `YYYY-MM-DD`.
    pub const ISSUE_DATE: &str = "issueDate";
    /// Due date `YYYY-MM-DD`.
    pub const DUE_DATE: &str = "dueDate";
    /// Payment date `YYYY-MM-DD`, or null.
    pub const PAID_DATE: &str = "paidDate";
    /// Status word: 납부완료, 미납, 체납, 자동이체예정, 분할납부, 부과취소 (others possible).
    pub const STATUS: &str = "status";
    /// Whether the bill is collected by auto-debit (자동이체), boolean.
    pub const AUTO_DEBIT: &str = "autoDebit";
    /// Office in charge (수도과).
    pub const OFFICE_NAME: &str = "officeName";
    /// Office phone, 031-980-XXXX.
    pub const OFFICE_TEL: &str = "officeTel";
    /// The maintenance notice object in a 503 answer.
    pub const MAINTENANCE: &str = "maintenance";
}

/// Result codes (`result.code`).
pub mod code {
    /// Success.
    pub const OK: &str = "0000";
    /// No such customer.
    pub const NO_CUSTOMER: &str = "1001";
    /// No such bill.
    pub const NO_BILL: &str = "1002";
    /// The request was malformed (missing field, bad customer number, months out of range).
    pub const INVALID_REQUEST: &str = "2001";
    /// Too many requests (sent with HTTP 429, or in-band with HTTP 200).
    pub const TOO_MANY_REQUESTS: &str = "4290";
    /// The billing database failed.
    pub const SYSTEM_ERROR: &str = "9001";
    /// Planned maintenance (sent with HTTP 503 and `Retry-After`).
    pub const MAINTENANCE: &str = "9503";
}
