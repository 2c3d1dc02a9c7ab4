//! From the benefits API's JSON to the unified [`Case`]: the one status table, field parsing
//! with type checks, and the split between attributes (never personal) and personal fields
//! (masked later by the hub).
//!
//! Every failure is a `BadResponse` whose message names the field, never its value.

use crate::NAME;
use crate::protocol::field;
use chrono::NaiveDate;
use minwon_connector_sdk::dates::kst_midnight;
use minwon_connector_sdk::json::Fields;
use minwon_connector_sdk::{Case, CaseKind, CaseStatus, ConnectorError, PersonalData};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};

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

/// A JSON object or `BadResponse` naming `what`.
fn object<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, ConnectorError> {
    v.as_object()
        .ok_or_else(|| bad(format!("welfare {what} is not a JSON object")))
}

/// The applicant's personal fields (`applicant` may be absent or null).
pub fn applicant(data: &Map<String, Value>) -> Result<PersonalData, ConnectorError> {
    let Some(a) = data.get(field::APPLICANT).filter(|v| !v.is_null()) else {
        return Ok(PersonalData::default());
    };
    let a = Fields::object(object(a, field::APPLICANT)?, "welfare applicant");
    let get = |name| a.text(name).map(|v| v.map(str::to_string));
    Ok(PersonalData {
        name: get(field::NAME)?,
        phone: get(field::PHONE)?,
        address: get(field::ADDRESS)?,
        ..PersonalData::default()
    })
}

/// Maps one benefit object; `person` is the applicant's data, `department` the fallback.
pub fn benefit_to_case(
    benefit: &Value,
    person: &PersonalData,
    department: &str,
) -> Result<Case, ConnectorError> {
    const WHAT: &str = "benefit";
    let b = Fields::object(object(benefit, WHAT)?, "welfare benefit");
    let native_id = b.required(field::APPLICATION_NO)?;
    let benefit_name = b.required(field::BENEFIT_NAME)?;
    let source_status = b.required(field::STATUS)?;
    let benefit_code = b.text(field::BENEFIT_CODE)?;
    let applied = b.date(field::APPLICATION_DATE)?;
    let decided = b.date(field::DECISION_DATE)?;
    let next_payment = b.date(field::NEXT_PAYMENT_DATE)?;
    let due = b.date(field::DUE_DATE)?;
    let monthly = b.won(field::MONTHLY_AMOUNT)?;
    let updated = b.instant(field::UPDATED_AT)?;
    let bank = b.text(field::BANK_NAME)?;
    let account = b.text(field::ACCOUNT_NO)?;
    let reason = b.text(field::REASON)?;

    let ymd = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let mut attributes = BTreeMap::new();
    attributes.insert("benefit_name".to_string(), benefit_name.to_string());
    let optional_attrs = [
        ("benefit_code", benefit_code.map(str::to_string)),
        ("application_date", applied.map(ymd)),
        ("decision_date", decided.map(ymd)),
        ("next_payment_date", next_payment.map(ymd)),
        ("monthly_amount", monthly.map(|m| m.to_string())),
        ("payment_bank", bank.map(str::to_string)),
        ("reason", reason.map(str::to_string)),
    ];
    for (k, v) in optional_attrs {
        if let Some(v) = v {
            attributes.insert(k.to_string(), v);
        }
    }
    Ok(Case {
        source: NAME.to_string(),
        native_id: native_id.to_string(),
        kind: CaseKind::WelfareApplication,
        title: format!("{benefit_name} 신청"),
        status: map_status(source_status),
        source_status: source_status.to_string(),
        amount_krw: monthly,
        opened_at: applied.map(kst_midnight),
        updated_at: updated.or(decided.map(kst_midnight)),
        due_date: due,
        department: b.text(field::DEPT_NAME)?.unwrap_or(department).to_string(),
        contact: b.text(field::DEPT_TEL)?.unwrap_or("").to_string(),
        attributes,
        personal: PersonalData {
            account_number: account.map(str::to_string),
            ..person.clone()
        },
    })
}

/// Maps a search answer's `data`: `{"applicant", "benefits": [...]}`. Null or absent
/// `benefits` is an empty list; an application number twice is `BadResponse`.
pub fn search_to_cases(data: &Value, department: &str) -> Result<Vec<Case>, ConnectorError> {
    let d = object(data, "search data")?;
    let person = applicant(d)?;
    let items = match d.get(field::BENEFITS) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(bad(format!("welfare {} is not an array", field::BENEFITS))),
    };
    let mut seen = HashSet::new();
    let mut cases = Vec::with_capacity(items.len());
    for item in items {
        let case = benefit_to_case(item, &person, department)?;
        if !seen.insert(case.native_id.clone()) {
            return Err(bad("the same application number arrived twice".into()));
        }
        cases.push(case);
    }
    Ok(cases)
}

/// Maps a detail answer's `data`: `{"applicant", "benefit": {...}}`, checking it is the
/// application asked for.
pub fn detail_to_case(
    data: &Value,
    application_no: &str,
    department: &str,
) -> Result<Case, ConnectorError> {
    let d = object(data, "detail data")?;
    let person = applicant(d)?;
    let benefit = d
        .get(field::BENEFIT)
        .ok_or_else(|| bad(format!("welfare detail without {}", field::BENEFIT)))?;
    let case = benefit_to_case(benefit, &person, department)?;
    if case.native_id != application_no {
        return Err(bad("welfare detail answered another application".into()));
    }
    Ok(case)
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
