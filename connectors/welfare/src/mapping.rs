//! From the benefits API's JSON to the unified [`Case`]: the one status table, field parsing
//! with type checks, and the split between attributes (never personal) and personal fields
//! (masked later by the hub).
//!
//! Every failure is a `BadResponse` whose message names the field, never its value.

use crate::NAME;
use chrono::{DateTime, NaiveDate, Utc};
use minwon_connector_sdk::dates::{format_date_dashed, kst_midnight};
use minwon_connector_sdk::json::{self, Object};
use minwon_connector_sdk::{Case, CaseKind, CaseStatus, ConnectorError, PersonalData};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

/// What a person reads for each attribute key this mapping sets: the descriptor's
/// attribute labels.
pub const ATTRIBUTE_LABELS: &[(&str, &str)] = &[
    ("benefit_name", "급여명"),
    ("benefit_code", "급여 코드"),
    ("application_date", "신청일"),
    ("decision_date", "결정일"),
    ("next_payment_date", "다음 지급일"),
    ("monthly_amount", "월 지급액(원)"),
    ("payment_bank", "지급 은행"),
    ("reason", "사유"),
];

/// The one status table: the back-end's word → the unified status. Anything else maps to
/// [`CaseStatus::Unknown`], the word kept in [`Case::source_status`].
pub const STATUS_TABLE: [(&str, CaseStatus); 13] = [
    ("접수", CaseStatus::Received),
    ("조사중", CaseStatus::InProgress),
    ("심사중", CaseStatus::InProgress),
    ("보완요청", CaseStatus::InProgress),
    ("지급결정", CaseStatus::Completed),
    ("지급중", CaseStatus::Completed),
    ("지급종료", CaseStatus::Completed),
    ("부적합", CaseStatus::Rejected),
    ("기각", CaseStatus::Rejected),
    ("이의신청", CaseStatus::ObjectionFiled),
    ("중지", CaseStatus::Cancelled),
    ("지급중지", CaseStatus::Cancelled),
    ("취하", CaseStatus::Cancelled),
];

/// The unified status of a source status word.
pub fn map_status(word: &str) -> CaseStatus {
    let word = word.trim();
    STATUS_TABLE
        .iter()
        .find(|(w, _)| *w == word)
        .map_or(CaseStatus::Unknown, |(_, s)| *s)
}

fn bad(what: String) -> ConnectorError {
    ConnectorError::bad_response(what)
}

/// A search answer's `data`: `{"applicant", "benefits": [...]}`; null or absent `benefits`
/// is an empty list.
#[derive(Deserialize)]
pub struct SearchData<'a> {
    /// The applicant (absent or null: nothing known).
    #[serde(default, borrow)]
    pub applicant: Option<Object<Applicant<'a>>>,
    /// The applications.
    #[serde(default, borrow)]
    pub benefits: Option<Vec<Object<Benefit<'a>>>>,
}

/// A detail answer's `data`: `{"applicant", "benefit": {...}}`.
#[derive(Deserialize)]
pub struct DetailData<'a> {
    /// The applicant (absent or null: nothing known).
    #[serde(default, borrow)]
    pub applicant: Option<Object<Applicant<'a>>>,
    /// The one application.
    #[serde(borrow)]
    pub benefit: Object<Benefit<'a>>,
}

/// The applicant's personal fields as sent.
#[derive(Deserialize)]
pub struct Applicant<'a> {
    /// Name (personal).
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub name: Option<Cow<'a, str>>,
    /// Phone (personal).
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub phone: Option<Cow<'a, str>>,
    /// Address (personal).
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub address: Option<Cow<'a, str>>,
}

/// One benefit application as sent (field names in [`crate::protocol::field`]).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Benefit<'a> {
    /// Application number, unique and stable.
    #[serde(borrow, deserialize_with = "json::required")]
    pub application_no: Cow<'a, str>,
    /// e.g. 기초연금.
    #[serde(borrow, deserialize_with = "json::required")]
    pub benefit_name: Cow<'a, str>,
    /// The back-end's status word.
    #[serde(borrow, deserialize_with = "json::required")]
    pub status: Cow<'a, str>,
    /// e.g. BASIC_PENSION.
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub benefit_code: Option<Cow<'a, str>>,
    /// Applied on.
    #[serde(default, deserialize_with = "json::date")]
    pub application_date: Option<NaiveDate>,
    /// Decided on.
    #[serde(default, deserialize_with = "json::date")]
    pub decision_date: Option<NaiveDate>,
    /// Next payment.
    #[serde(default, deserialize_with = "json::date")]
    pub next_payment_date: Option<NaiveDate>,
    /// Deadline of a pending application.
    #[serde(default, deserialize_with = "json::date")]
    pub due_date: Option<NaiveDate>,
    /// Won per month.
    #[serde(default, deserialize_with = "json::won")]
    pub monthly_amount: Option<i64>,
    /// Last change.
    #[serde(default, deserialize_with = "json::instant")]
    pub updated_at: Option<DateTime<Utc>>,
    /// Payment bank.
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub bank_name: Option<Cow<'a, str>>,
    /// Payment account (personal).
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub account_no: Option<Cow<'a, str>>,
    /// Reason of a decision.
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub reason: Option<Cow<'a, str>>,
    /// Department in charge.
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub dept_name: Option<Cow<'a, str>>,
    /// Department phone.
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub dept_tel: Option<Cow<'a, str>>,
}

fn owned(v: &Option<Cow<'_, str>>) -> Option<String> {
    v.as_deref().map(str::to_string)
}

/// The applicant's personal fields (`applicant` may be absent or null).
pub fn applicant(a: Option<&Object<Applicant<'_>>>) -> PersonalData {
    let Some(Object(a)) = a else {
        return PersonalData::default();
    };
    PersonalData {
        name: owned(&a.name),
        phone: owned(&a.phone),
        address: owned(&a.address),
        ..PersonalData::default()
    }
}

/// Maps one benefit; `person` is the applicant's data, `department` the fallback.
pub fn benefit_to_case(b: &Benefit<'_>, person: &PersonalData, department: &str) -> Case {
    let ymd = format_date_dashed;
    let mut attributes = BTreeMap::new();
    attributes.insert("benefit_name".to_string(), b.benefit_name.to_string());
    let optional_attrs = [
        ("benefit_code", owned(&b.benefit_code)),
        ("application_date", b.application_date.map(ymd)),
        ("decision_date", b.decision_date.map(ymd)),
        ("next_payment_date", b.next_payment_date.map(ymd)),
        ("monthly_amount", b.monthly_amount.map(|m| m.to_string())),
        ("payment_bank", owned(&b.bank_name)),
        ("reason", owned(&b.reason)),
    ];
    for (k, v) in optional_attrs {
        if let Some(v) = v {
            attributes.insert(k.to_string(), v);
        }
    }
    Case {
        source: NAME.to_string(),
        native_id: b.application_no.to_string(),
        kind: CaseKind::WelfareApplication,
        title: [b.benefit_name.as_ref(), " 신청"].concat(),
        status: map_status(&b.status),
        source_status: b.status.to_string(),
        amount_krw: b.monthly_amount,
        opened_at: b.application_date.map(kst_midnight),
        updated_at: b.updated_at.or(b.decision_date.map(kst_midnight)),
        due_date: b.due_date,
        department: b.dept_name.as_deref().unwrap_or(department).to_string(),
        contact: b.dept_tel.as_deref().unwrap_or("").to_string(),
        attributes,
        personal: PersonalData {
            account_number: owned(&b.account_no),
            ..person.clone()
        },
    }
}

/// Maps a search answer's `data`; an application number twice is `BadResponse`.
pub fn search_to_cases(d: &SearchData<'_>, department: &str) -> Result<Vec<Case>, ConnectorError> {
    let person = applicant(d.applicant.as_ref());
    let items = d.benefits.as_deref().unwrap_or_default();
    let mut seen = HashSet::new();
    let mut cases = Vec::with_capacity(items.len());
    for Object(item) in items {
        let case = benefit_to_case(item, &person, department);
        if !seen.insert(case.native_id.clone()) {
            return Err(bad("the same application number arrived twice".into()));
        }
        cases.push(case);
    }
    Ok(cases)
}

/// Maps a detail answer's `data`, checking it is the application asked for.
pub fn detail_to_case(
    d: &DetailData<'_>,
    application_no: &str,
    department: &str,
) -> Result<Case, ConnectorError> {
    let case = benefit_to_case(&d.benefit.0, &applicant(d.applicant.as_ref()), department);
    if case.native_id != application_no {
        return Err(bad("welfare detail answered another application".into()));
    }
    Ok(case)
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
