//! The wire protocol both the connector and the simulator speak, in one place so they agree:
//! endpoint paths, item element names, and `application/x-www-form-urlencoded` encoding.
//!
//! Requests are `POST <base_url><SERVICE_PATH>/<operation>?serviceKey=<key>` with the query
//! parameters in a form body. The service key stays in the query string as the public-data
//! portal expects; personal data (the RRN) goes in the body, because query strings end up in
//! access logs of every proxy and web server on the way.

/// Path of the service below the base URL (institution code / service name).
pub const SERVICE_PATH: &str = "/1741000/LocalTaxService";
/// Operation listing a taxpayer's bills, paged. Form: `rrn`, `numOfRows`, `pageNo`.
pub const OP_LIST: &str = "getLocalTaxBillList";
/// Operation returning one bill. Form: `taxBillNo`.
pub const OP_DETAIL: &str = "getLocalTaxBillDetail";
/// The service key the simulator accepts by default and the config uses by default.
pub const DEMO_SERVICE_KEY: &str = "minwon-demo-tax-key";
/// Content type of every XML answer.
pub const XML_CONTENT_TYPE: &str = "application/xml;charset=UTF-8";
/// The media type of a form body.
pub use minwon_connector_sdk::form::FORM_CONTENT_TYPE;

/// Request parameter names.
pub mod param {
    /// The service key (query string).
    pub const SERVICE_KEY: &str = "serviceKey";
    /// Taxpayer RRN, 13 digits (form body).
    pub const RRN: &str = "rrn";
    /// Page size (form body).
    pub const NUM_OF_ROWS: &str = "numOfRows";
    /// 1-based page number (form body).
    pub const PAGE_NO: &str = "pageNo";
    /// Bill number (form body).
    pub const TAX_BILL_NO: &str = "taxBillNo";
}

/// Element names inside one `<item>`.
pub mod field {
    /// Bill number (고지번호), unique and stable.
    pub const TAX_BILL_NO: &str = "taxBillNo";
    /// Tax item name (세목명): 자동차세, 재산세, 주민세, 지방소득세.
    pub const TAX_ITEM_NM: &str = "taxItemNm";
    /// Tax year (과세연도), four digits.
    pub const TAX_YR: &str = "taxYr";
    /// Levy period (기분): 1기, 2기, 7월분, 9월분, 8월분, 종합소득분.
    pub const LEVY_PRD_NM: &str = "levyPrdNm";
    /// Taxpayer name (personal).
    pub const TAXPAYER_NM: &str = "taxpayerNm";
    /// Vehicle plate of a car tax bill (personal).
    pub const VHCL_NO: &str = "vhclNo";
    /// Address of the taxed object (personal).
    pub const OBJ_ADDR: &str = "objAddr";
    /// Amount due in won, digits.
    pub const TAX_AMT: &str = "taxAmt";
    /// Levy date `YYYYMMDD`.
    pub const LEVY_DE: &str = "levyDe";
    /// Payment due date `YYYYMMDD`.
    pub const DUE_DE: &str = "dueDe";
    /// Payment date `YYYYMMDD`, when paid.
    pub const PAY_DE: &str = "payDe";
    /// Status word: 미납, 납부완료, 체납, 이의신청 (others possible).
    pub const STTUS_NM: &str = "sttusNm";
    /// Department in charge.
    pub const DEPT_NM: &str = "deptNm";
    /// Department phone.
    pub const DEPT_TELNO: &str = "deptTelno";
    /// Bank of the virtual account.
    pub const VRTL_ACNT_BANK_NM: &str = "vrtlAcntBankNm";
    /// Virtual account number for payment (personal).
    pub const VRTL_ACNT_NO: &str = "vrtlAcntNo";
}

pub use minwon_connector_sdk::form::{form_decode, form_encode, form_value};
