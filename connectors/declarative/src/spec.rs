//! The declarative config table, as written in TOML: every key documented here is the user
//! documentation of a `kind = "rest-json"` or `kind = "portal-xml"` connector (see the
//! crate's README and connectors/README.md). Unknown keys are errors naming the key.

use minwon_connector_sdk::http::HttpSettings;
use serde::Deserialize;
use std::collections::BTreeMap;

mod auth;
mod paging;

pub use auth::{Auth, KeyLocation};
pub use paging::Paging;

/// A whole `[connectors.<name>]` table of a declarative connector.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// `rest-json` or `portal-xml`.
    pub kind: Kind,
    /// Base URL of the back-end; the operations' paths are appended.
    pub base_url: String,
    /// Owning department, shown in the descriptor and used when a record names none.
    pub department: String,
    /// The citizen key this source answers from: `rrn`, `vehicle_number`, `water_customer_no`.
    pub accepts: KeyName,
    /// The unified case kind of every record: `complaint`, `tax_bill`, `traffic_fine`,
    /// `welfare_application`, `water_bill`, `parking_ticket`, `other`.
    pub case_kind: CaseKindName,
    /// How requests authenticate (`[connectors.<name>.auth]`); none when absent.
    #[serde(default)]
    pub auth: Auth,
    /// The look-up of a citizen's records.
    pub search: Search,
    /// The look-up of one record by its id.
    pub detail: Detail,
    /// The result envelope of a `rest-json` back-end (`portal-xml` uses the portal's own).
    #[serde(default)]
    pub envelope: Option<Envelope>,
    /// From a record to the unified case.
    pub mapping: Mapping,
    /// The health check.
    #[serde(default)]
    pub health: Health,
    /// HTTP client settings, as for every connector.
    #[serde(default)]
    pub http: HttpSettings,
}

/// The protocol family.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// JSON over HTTP, with a configured envelope.
    RestJson,
    /// The public-data-portal XML envelope (`resultCode`, `items`, `totalCount`).
    PortalXml,
}

impl Kind {
    /// The name in config and descriptors.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RestJson => "rest-json",
            Kind::PortalXml => "portal-xml",
        }
    }
}

/// A citizen key kind, as named in config.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KeyName {
    /// Resident registration number.
    Rrn,
    /// Vehicle plate number (each of the citizen's plates is searched).
    VehicleNumber,
    /// Water utility customer number.
    WaterCustomerNo,
}

/// A case kind, as named in config.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum CaseKindName {
    Complaint,
    TaxBill,
    TrafficFine,
    WelfareApplication,
    WaterBill,
    ParkingTicket,
    Other,
}

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET (parameters in the query string only: no citizen key).
    Get,
    /// POST.
    #[default]
    Post,
}

/// Where a request parameter goes.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ParamIn {
    /// A `{name}` placeholder in the path.
    Path,
    /// The query string.
    Query,
    /// An `application/x-www-form-urlencoded` body.
    Form,
    /// A JSON object body.
    Json,
}

/// How a citizen key is written.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KeyFormat {
    /// As the SDK keeps it (`YYMMDD-GNNNNNN`, plate without spaces, customer number).
    #[default]
    Canonical,
    /// Digits only (an RRN's 13 digits).
    Digits,
}

/// The search operation.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Search {
    /// `GET` or `POST` (default `POST`).
    #[serde(default)]
    pub method: Method,
    /// Path below the base URL.
    pub path: String,
    /// Parameter name of the citizen key.
    pub key_param: String,
    /// Where the key goes: `form` or `json` (never `path` or `query`: keys are personal data
    /// and URLs end up in access logs).
    pub key_in: ParamIn,
    /// How the key is written.
    #[serde(default)]
    pub key_format: KeyFormat,
    /// `rest-json`: the dotted path of the records array in the answer (e.g. `bookings`).
    #[serde(default)]
    pub items: Option<String>,
    /// Constant parameters sent beside the key, in the same place (e.g. `{ months = 24 }`):
    /// text or whole numbers.
    #[serde(default)]
    pub params: BTreeMap<String, ConstParam>,
    /// Paging.
    #[serde(default)]
    pub paging: Paging,
}

/// A constant request parameter.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ConstParam {
    /// A whole number (sent as a JSON number in a JSON body).
    Number(u32),
    /// Text.
    Text(String),
}

/// The detail operation.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Detail {
    /// `GET` or `POST` (default `POST`).
    #[serde(default)]
    pub method: Method,
    /// Path below the base URL.
    pub path: String,
    /// Parameter name of the record id.
    pub id_param: String,
    /// Where the id goes (any of `path`, `query`, `form`, `json`: an id is not personal).
    pub id_in: ParamIn,
    /// `rest-json`: dotted path of the record, or of an array holding exactly it.
    #[serde(default)]
    pub items: Option<String>,
}

/// A `rest-json` result envelope: where the result code is and what each code means.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Dotted path of the result code, e.g. `result.code`.
    pub code: String,
    /// The success codes.
    pub ok: Vec<String>,
    /// Other codes: `not_found`, `invalid_query`, `unauthorized`, `rate_limited`,
    /// `unavailable`. A code not listed is `unavailable` (and never echoed).
    #[serde(default)]
    pub codes: BTreeMap<String, ErrorName>,
}

/// An error classification, as named in config.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum ErrorName {
    NotFound,
    InvalidQuery,
    Unauthorized,
    RateLimited,
    Unavailable,
}

/// From one record to the unified case. Values are dotted paths into the record (for
/// `portal-xml`, element names below `<item>`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The record's id (the case's native id); required in every record.
    pub id: String,
    /// The title: text with `{path}` placeholders, e.g. `"자동차세 {taxYr}년"`.
    pub title: String,
    /// The source's status word; required in every record.
    pub status: String,
    /// Native status word → unified status (`received`, `in_progress`, `completed`,
    /// `rejected`, `unpaid`, `paid`, `overdue`, `objection_filed`, `cancelled`); a word not
    /// listed is `unknown`, kept verbatim.
    pub status_table: BTreeMap<String, StatusName>,
    /// Amount in won.
    #[serde(default)]
    pub amount: Option<String>,
    /// Date the case opened (a date, taken as KST midnight).
    #[serde(default)]
    pub opened: Option<String>,
    /// Date of the last change (a date, taken as KST midnight).
    #[serde(default)]
    pub updated: Option<String>,
    /// Due date.
    #[serde(default)]
    pub due: Option<String>,
    /// A `chrono` format for every date (e.g. `%Y.%m.%d`); default `YYYY-MM-DD` or `YYYYMMDD`.
    #[serde(default)]
    pub date_format: Option<String>,
    /// The office in charge; the table's `department` when absent from a record.
    #[serde(default)]
    pub department: Option<String>,
    /// The office's phone.
    #[serde(default)]
    pub contact: Option<String>,
    /// Attribute name → path: non-personal facts shown with the case.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Attribute name → what a person reads for it (e.g. `collection_date = "수거 예정일"`);
    /// each name must be one of `attributes`. An attribute without a label is shown by its
    /// name.
    #[serde(default)]
    pub attribute_labels: BTreeMap<String, String>,
    /// Personal field (`name`, `phone`, `address`, `vehicle_number`, `account_number`) →
    /// path. These, and only these, are personal: the hub masks them per policy.
    #[serde(default)]
    pub personal: BTreeMap<PersonalName, String>,
}

/// A unified status, as named in config.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum StatusName {
    Received,
    InProgress,
    Completed,
    Rejected,
    Unpaid,
    Paid,
    Overdue,
    ObjectionFiled,
    Cancelled,
}

/// A personal field, as named in config.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum PersonalName {
    Name,
    Phone,
    Address,
    VehicleNumber,
    AccountNumber,
}

/// The health check: a detail look-up of an id no record has; the back-end's own "no such
/// record" (an envelope code, never a bare 404) means up.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Health {
    /// The id asked for.
    #[serde(default = "default_probe_id")]
    pub probe_id: String,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            probe_id: default_probe_id(),
        }
    }
}

fn default_probe_id() -> String {
    "0".to_string()
}
