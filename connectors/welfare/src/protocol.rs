//! The wire protocol both the connector and the simulator speak, in one place so they agree:
//! endpoint paths, JSON field names, the OAuth2 vocabulary, the API result codes and the demo
//! credentials.
//!
//! Two endpoints families:
//! - `POST /oauth2/token` — OAuth2 client credentials (RFC 6749 §4.4): a form body
//!   `grant_type=client_credentials&scope=…` with the client authenticated either by
//!   `client_id`/`client_secret` in the body or by HTTP Basic; answers
//!   `{"access_token","token_type":"Bearer","expires_in"}` or `{"error":"invalid_client"}`.
//! - `/api/v1/benefits…` — JSON with `Authorization: Bearer <token>`; every answer is
//!   `{"result":{"code","message"},"data":…}`. The citizen's RRN travels in a POST body,
//!   never in the URL (URLs end up in access logs along the way).

/// Token endpoint path below the base URL (the default `token_url`).
pub const TOKEN_PATH: &str = "/oauth2/token";
/// Search of a citizen's benefits: `POST` with body `{"rrn": "YYMMDD-GNNNNNN"}`.
pub const SEARCH_PATH: &str = "/api/v1/benefits/search";
/// Prefix of one application's detail: `GET <DETAIL_PREFIX>/<applicationNo>`.
pub const DETAIL_PREFIX: &str = "/api/v1/benefits";

/// The client id the simulator accepts by default and the config uses by default.
pub const DEMO_CLIENT_ID: &str = "minwon-hub";
/// The client secret the simulator accepts by default and the config uses by default.
pub const DEMO_CLIENT_SECRET: &str = "minwon-demo-welfare-secret";
/// The scope the connector asks for by default and the simulator grants.
pub const DEFAULT_SCOPE: &str = "welfare.read";

/// Content type of JSON bodies.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";
/// The media type of a form body.
pub use minwon_connector_sdk::form::FORM_CONTENT_TYPE;

/// OAuth2 token request and answer names (the SDK's, shared by every OAuth2 connector).
pub use minwon_connector_sdk::oauth2::wire as oauth;

/// JSON field names of the benefits API.
pub mod field {
    /// Envelope: `{"code","message"}`.
    pub const RESULT: &str = "result";
    /// Envelope: result code, see [`super::code`].
    pub const CODE: &str = "code";
    /// Envelope: human message (never copied into our errors).
    pub const MESSAGE: &str = "message";
    /// Envelope: the payload.
    pub const DATA: &str = "data";
    /// Search request: the citizen's RRN `YYMMDD-GNNNNNN`.
    pub const RRN: &str = "rrn";
    /// Payload: the applicant `{"name","phone","address"}` (personal), or null.
    pub const APPLICANT: &str = "applicant";
    /// Payload of a search: the benefits array.
    pub const BENEFITS: &str = "benefits";
    /// Payload of a detail: one benefit.
    pub const BENEFIT: &str = "benefit";
    /// Applicant name (personal).
    pub const NAME: &str = "name";
    /// Applicant phone (personal).
    pub const PHONE: &str = "phone";
    /// Applicant address (personal).
    pub const ADDRESS: &str = "address";
    /// Application number (신청번호), unique and stable: `WF-YYYY-IIIIIISS`.
    pub const APPLICATION_NO: &str = "applicationNo";
    /// Benefit code: `BASIC_PENSION`, `CHILD_ALLOWANCE`, `LIVELIHOOD`, `HOUSING`,
    /// `DISABILITY_PENSION`.
    pub const BENEFIT_CODE: &str = "benefitCode";
    /// Benefit name: 기초연금, 아동수당, 기초생활보장 생계급여, 주거급여, 장애인연금.
    pub const BENEFIT_NAME: &str = "benefitName";
    /// Status word (see the connector's status table).
    pub const STATUS: &str = "status";
    /// Application date `YYYY-MM-DD`.
    pub const APPLICATION_DATE: &str = "applicationDate";
    /// Processing deadline (처리기한) `YYYY-MM-DD`, while undecided.
    pub const DUE_DATE: &str = "dueDate";
    /// Decision date `YYYY-MM-DD`, once decided.
    pub const DECISION_DATE: &str = "decisionDate";
    /// Monthly amount in won, once granted.
    pub const MONTHLY_AMOUNT: &str = "monthlyAmount";
    /// Next payment date `YYYY-MM-DD`, while being paid.
    pub const NEXT_PAYMENT_DATE: &str = "nextPaymentDate";
    /// Bank of the payment account.
    pub const BANK_NAME: &str = "bankName";
    /// Payment account number (personal).
    pub const ACCOUNT_NO: &str = "accountNo";
    /// Reason of a refusal or stop (a fixed phrase, not personal).
    pub const REASON: &str = "reason";
    /// Department in charge.
    pub const DEPT_NAME: &str = "deptName";
    /// Department phone.
    pub const DEPT_TEL: &str = "deptTel";
    /// Last change, RFC 3339.
    pub const UPDATED_AT: &str = "updatedAt";
}

/// API result codes (`result.code`).
pub mod code {
    /// Success.
    pub const OK: &str = "0000";
    /// Malformed request.
    pub const BAD_REQUEST: &str = "E400";
    /// Missing, invalid, expired or revoked access token.
    pub const INVALID_TOKEN: &str = "E401";
    /// Token valid but not allowed (scope).
    pub const FORBIDDEN: &str = "E403";
    /// No such application.
    pub const NOT_FOUND: &str = "E404";
    /// Rate limit.
    pub const RATE_LIMITED: &str = "E429";
    /// Internal error of the back-end.
    pub const SYSTEM_ERROR: &str = "E500";
    /// Back-end in maintenance.
    pub const MAINTENANCE: &str = "E503";
    /// Back-end's own upstream timed out.
    pub const UPSTREAM_TIMEOUT: &str = "E504";
}

/// The detail path of one application.
pub fn detail_path(application_no: &str) -> String {
    format!("{DETAIL_PREFIX}/{application_no}")
}

/// Whether `s` looks like an application number: ASCII letters, digits and hyphens, 1 to 64.
/// Checked before it goes into a URL path.
pub fn is_application_no(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

pub use minwon_connector_sdk::form::{form_decode, form_encode, form_value};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_numbers_are_path_safe() {
        assert!(is_application_no("WF-2026-00000101"));
        assert!(is_application_no("000000000000"));
        for bad in ["", "a/b", "../x", "a b", "x?rrn=1", &"9".repeat(65)] {
            assert!(!is_application_no(bad), "{bad:?}");
        }
        assert_eq!(detail_path("WF-1"), "/api/v1/benefits/WF-1");
    }
}
