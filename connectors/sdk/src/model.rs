//! The unified case model: what every connector returns, whatever its back-end speaks.

use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

/// What kind of case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseKind {
    /// A civil complaint (민원).
    Complaint,
    /// A local tax bill.
    TaxBill,
    /// A traffic fine (과태료/범칙금).
    TrafficFine,
    /// A welfare application or benefit.
    WelfareApplication,
    /// A water and sewage bill.
    WaterBill,
    /// A parking violation ticket or towing.
    ParkingTicket,
    /// Anything else.
    Other,
}

/// The unified status; each connector maps its source's own words onto it in one table and
/// keeps the original in [`Case::source_status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseStatus {
    /// Filed, not yet handled.
    Received,
    /// Being handled.
    InProgress,
    /// Handled to the end.
    Completed,
    /// Refused or dismissed.
    Rejected,
    /// Bill or fine not yet paid, before its due date.
    Unpaid,
    /// Paid.
    Paid,
    /// Unpaid past its due date.
    Overdue,
    /// The citizen objected; collection suspended.
    ObjectionFiled,
    /// Withdrawn or cancelled.
    Cancelled,
    /// Handed to another department or agency that now handles it (Saeol's 이첩).
    Transferred,
    /// The source's word is not in the connector's table (kept in `source_status`).
    Unknown,
}

/// Personal fields a case may carry. The hub masks them per policy before they leave; the
/// connector fills what the back-end returned, in clear.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PersonalData {
    /// Citizen's name.
    pub name: Option<String>,
    /// Resident registration number.
    pub rrn: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Vehicle plate number.
    pub vehicle_number: Option<String>,
    /// Bank or virtual account number.
    pub account_number: Option<String>,
}

impl std::fmt::Debug for PersonalData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Only which fields are present, never their values.
        let present = |o: &Option<String>| o.as_ref().map(|_| "<set>");
        f.debug_struct("PersonalData")
            .field("name", &present(&self.name))
            .field("rrn", &present(&self.rrn))
            .field("phone", &present(&self.phone))
            .field("address", &present(&self.address))
            .field("vehicle_number", &present(&self.vehicle_number))
            .field("account_number", &present(&self.account_number))
            .finish()
    }
}

impl PersonalData {
    /// Every value present, for leak checks in tests.
    pub fn values(&self) -> Vec<&str> {
        [
            &self.name,
            &self.rrn,
            &self.phone,
            &self.address,
            &self.vehicle_number,
            &self.account_number,
        ]
        .into_iter()
        .filter_map(|o| o.as_deref())
        .collect()
    }
}

/// One case in the unified model.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Source name (the connector's registry name), e.g. `tax`.
    pub source: String,
    /// The back-end's own id; with `source` it forms the case reference `<source>:<id>`.
    pub native_id: String,
    /// What kind of case.
    pub kind: CaseKind,
    /// Short human title.
    pub title: String,
    /// Unified status.
    pub status: CaseStatus,
    /// The source's own status word, verbatim.
    pub source_status: String,
    /// Amount in won, for bills and fines.
    pub amount_krw: Option<i64>,
    /// When the case was opened.
    pub opened_at: Option<DateTime<Utc>>,
    /// Last change.
    pub updated_at: Option<DateTime<Utc>>,
    /// Payment or handling due date.
    pub due_date: Option<NaiveDate>,
    /// Handling department.
    pub department: String,
    /// Department contact (office phone), not the citizen's.
    pub contact: String,
    /// Source-specific extras; never personal data.
    pub attributes: BTreeMap<String, String>,
    /// The citizen's personal fields, in clear; masked by the hub.
    pub personal: PersonalData,
}

impl Case {
    /// The case reference `<source>:<native id>`.
    pub fn case_ref(&self) -> String {
        // Pushed, not `format!`ed: this runs for every case of every answer.
        let mut r = String::with_capacity(self.source.len() + 1 + self.native_id.len());
        r.push_str(&self.source);
        r.push(':');
        r.push_str(&self.native_id);
        r
    }
}

/// Splits a case reference `<source>:<native id>` into its parts.
pub fn split_case_ref(case_ref: &str) -> Option<(&str, &str)> {
    let (source, id) = case_ref.split_once(':')?;
    (!source.is_empty() && !id.is_empty()).then_some((source, id))
}
