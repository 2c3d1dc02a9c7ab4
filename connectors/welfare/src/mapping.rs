//! From the benefits API's JSON to the unified [`Case`]: the one status table, field parsing
//! with type checks, and the split between attributes (never personal) and personal fields
//! (masked later by the hub).
//!
//! Every failure is a `BadResponse` whose message names the field, never its value.

use crate::NAME;
use crate::protocol::field;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
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

/// A string field, trimmed; `None` when absent, null or blank; `BadResponse` for another type.
fn text<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    what: &str,
) -> Result<Option<&'a str>, ConnectorError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim()).filter(|s| !s.is_empty())),
        Some(_) => Err(bad(format!("welfare {what} {name} is not a string"))),
    }
}

fn required<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    what: &str,
) -> Result<&'a str, ConnectorError> {
    text(obj, name, what)?.ok_or_else(|| bad(format!("welfare {what} without {name}")))
}

/// Won: a non-negative JSON integer, or a string of digits (`,` allowed).
fn amount(obj: &Map<String, Value>, name: &str) -> Result<Option<i64>, ConnectorError> {
    let err = || {
        bad(format!(
            "welfare benefit {name} is not a whole number of won"
        ))
    };
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().filter(|a| *a >= 0).map(Some).ok_or_else(err),
        Some(Value::String(s)) => {
            let digits: String = s.trim().chars().filter(|c| *c != ',').collect();
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err());
            }
            digits.parse::<i64>().map(Some).map_err(|_| err())
        }
        Some(_) => Err(err()),
    }
}

/// `YYYY-MM-DD` (or `YYYYMMDD`).
fn date(obj: &Map<String, Value>, name: &str) -> Result<Option<NaiveDate>, ConnectorError> {
    let Some(v) = text(obj, name, "benefit")? else {
        return Ok(None);
    };
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .filter(|_| v.len() == 10)
        .or_else(|| {
            NaiveDate::parse_from_str(v, "%Y%m%d")
                .ok()
                .filter(|_| v.len() == 8)
        })
        .map(Some)
        .ok_or_else(|| bad(format!("welfare benefit {name} is not a date")))
}

/// RFC 3339 instant.
fn instant(obj: &Map<String, Value>, name: &str) -> Result<Option<DateTime<Utc>>, ConnectorError> {
    let Some(v) = text(obj, name, "benefit")? else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(v)
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|_| bad(format!("welfare benefit {name} is not an RFC 3339 time")))
}

/// Midnight of a date in Korea (UTC+9), as a UTC instant.
fn kst_midnight(d: NaiveDate) -> DateTime<Utc> {
    let kst = chrono::FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset");
    match kst.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN)) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        _ => d.and_time(chrono::NaiveTime::MIN).and_utc(),
    }
}

/// The applicant's personal fields (`applicant` may be absent or null).
pub fn applicant(data: &Map<String, Value>) -> Result<PersonalData, ConnectorError> {
    let Some(a) = data.get(field::APPLICANT).filter(|v| !v.is_null()) else {
        return Ok(PersonalData::default());
    };
    let a = object(a, field::APPLICANT)?;
    let get = |name| text(a, name, field::APPLICANT).map(|v| v.map(str::to_string));
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
    let b = object(benefit, WHAT)?;
    let native_id = required(b, field::APPLICATION_NO, WHAT)?;
    let benefit_name = required(b, field::BENEFIT_NAME, WHAT)?;
    let source_status = required(b, field::STATUS, WHAT)?;
    let benefit_code = text(b, field::BENEFIT_CODE, WHAT)?;
    let applied = date(b, field::APPLICATION_DATE)?;
    let decided = date(b, field::DECISION_DATE)?;
    let next_payment = date(b, field::NEXT_PAYMENT_DATE)?;
    let due = date(b, field::DUE_DATE)?;
    let monthly = amount(b, field::MONTHLY_AMOUNT)?;
    let updated = instant(b, field::UPDATED_AT)?;
    let bank = text(b, field::BANK_NAME, WHAT)?;
    let account = text(b, field::ACCOUNT_NO, WHAT)?;
    let reason = text(b, field::REASON, WHAT)?;

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
        department: text(b, field::DEPT_NAME, WHAT)?
            .unwrap_or(department)
            .to_string(),
        contact: text(b, field::DEPT_TEL, WHAT)?.unwrap_or("").to_string(),
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
