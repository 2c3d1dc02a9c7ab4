//! From Saeol records to the unified model: the status table (the ONE place a Saeol status
//! word is interpreted), date parsing (KST wall-clock strings) and `mnwnInfo` → [`Case`].

use crate::schema::el;
use crate::soap::Element;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use minwon_connector_sdk::dates;
use minwon_connector_sdk::{Case, CaseKind, CaseStatus, ConnectorError, PersonalData};
use std::collections::BTreeMap;

/// What a person reads for each attribute key this mapping sets: the descriptor's
/// attribute labels.
pub const ATTRIBUTE_LABELS: &[(&str, &str)] =
    &[("category", "민원 분류"), ("channel", "접수 경로")];

/// Registry name of this source.
pub const SOURCE: &str = "saeol";

/// Saeol's status words and their unified meaning.
pub const STATUS_TABLE: [(&str, CaseStatus); 6] = [
    ("접수", CaseStatus::Received),
    ("처리중", CaseStatus::InProgress),
    ("처리완료", CaseStatus::Completed),
    ("반려", CaseStatus::Rejected),
    ("취하", CaseStatus::Cancelled),
    // 이첩: the complaint went to the department (or agency) responsible for it; it is still
    // open there, so neither completed nor unknown.
    ("이첩", CaseStatus::Transferred),
];

/// The unified status of a Saeol status word (surrounding blanks ignored).
pub fn status_of(word: &str) -> CaseStatus {
    let w = word.trim();
    STATUS_TABLE
        .iter()
        .find(|(k, _)| *k == w)
        .map(|(_, s)| *s)
        .unwrap_or(CaseStatus::Unknown)
}

/// `yyyyMMddHHmmss` (or `yyyyMMdd`) in KST → UTC; `None` when it does not parse.
pub fn parse_kst(value: &str) -> Option<DateTime<Utc>> {
    let v = value.trim();
    match v.len() {
        14 => dates::parse_datetime_kst(v),
        8 => parse_date(v).map(dates::kst_midnight),
        _ => None,
    }
}

/// `yyyyMMdd` → date.
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    dates::parse_date_as(value, "%Y%m%d")
}

/// Formats a KST wall-clock time as Saeol writes it.
pub fn format_kst(t: NaiveDateTime) -> String {
    dates::format_compact(t)
}

fn required<'a>(rec: &'a Element, name: &str) -> Result<&'a str, ConnectorError> {
    rec.child_text(name).ok_or_else(|| {
        ConnectorError::bad_response(format!("{} record lacks {name}", el::MNWN_INFO))
    })
}

fn optional_date<T>(rec: &Element, name: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
    let raw = rec.child_text(name)?;
    let parsed = parse(raw);
    if parsed.is_none() {
        // Field name only: the value is not ours to log.
        tracing::debug!(source = SOURCE, field = name, "unparsable date left out");
    }
    parsed
}

/// Maps one `mnwnInfo` record to a case. Missing number, title or status is a bad response;
/// an unparsable date is left out rather than failing the whole answer.
pub fn complaint_to_case(rec: &Element) -> Result<Case, ConnectorError> {
    let native_id = required(rec, el::MNWN_NO)?.to_string();
    let title = required(rec, el::MNWN_TTL)?.to_string();
    let source_status = required(rec, el::PRCS_STTS_NM)?.to_string();
    let opened_at = optional_date(rec, el::RCPT_DT, parse_kst);
    let updated_at = optional_date(rec, el::PRCS_DT, parse_kst).or(opened_at);
    let text = |name: &str| rec.child_text(name).map(str::to_string);
    let mut attributes = BTreeMap::new();
    // Category and channel only: free-text content may hold personal data.
    if let Some(c) = text(el::MNWN_CLSF_NM) {
        attributes.insert("category".to_string(), c);
    }
    if let Some(c) = text(el::RCPT_PATH_NM) {
        attributes.insert("channel".to_string(), c);
    }
    Ok(Case {
        source: SOURCE.to_string(),
        status: status_of(&source_status),
        kind: CaseKind::Complaint,
        native_id,
        title,
        source_status,
        amount_krw: None,
        opened_at,
        updated_at,
        due_date: optional_date(rec, el::PRCS_DDLN_DT, parse_date),
        department: text(el::PRCS_DEPT_NM).unwrap_or_default(),
        contact: text(el::CHRG_TELNO).unwrap_or_default(),
        attributes,
        personal: PersonalData {
            name: text(el::APLCNT_NM),
            phone: text(el::APLCNT_TELNO),
            address: text(el::APLCNT_ADDR),
            ..PersonalData::default()
        },
    })
}

/// Every `mnwnInfo` inside a list response, mapped; `resultCnt`, when given, must agree.
pub fn complaints_from_list(resp: &Element) -> Result<Vec<Case>, ConnectorError> {
    let records: Vec<&Element> = match resp.child(el::MNWN_LIST) {
        Some(list) => list.children_named(el::MNWN_INFO).collect(),
        None => Vec::new(),
    };
    if let Some(cnt) = resp.child_text(el::RESULT_CNT) {
        let n: usize = cnt.parse().map_err(|_| {
            ConnectorError::bad_response(format!("{} is not a number", el::RESULT_CNT))
        })?;
        if n != records.len() {
            return Err(ConnectorError::bad_response(format!(
                "{} says {n} but {} records arrived",
                el::RESULT_CNT,
                records.len()
            )));
        }
    }
    records.into_iter().map(complaint_to_case).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_table_covers_every_saeol_word() {
        assert_eq!(status_of("접수"), CaseStatus::Received);
        assert_eq!(status_of(" 처리중 "), CaseStatus::InProgress);
        assert_eq!(status_of("처리완료"), CaseStatus::Completed);
        assert_eq!(status_of("반려"), CaseStatus::Rejected);
        assert_eq!(status_of("취하"), CaseStatus::Cancelled);
        assert_eq!(status_of("이첩"), CaseStatus::Transferred);
        assert_eq!(status_of(" 이첩"), CaseStatus::Transferred);
        assert_eq!(status_of("이관"), CaseStatus::Unknown);
        assert_eq!(status_of(""), CaseStatus::Unknown);
    }

    #[test]
    fn kst_times_convert_to_utc() {
        let t = parse_kst("20260305093000").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-05T00:30:00+00:00");
        assert_eq!(
            parse_kst("20260305").unwrap().to_rfc3339(),
            "2026-03-04T15:00:00+00:00"
        );
        assert!(parse_kst("2026-03-05").is_none());
        assert!(parse_kst("20261345000000").is_none());
        assert_eq!(parse_date("20260310"), NaiveDate::from_ymd_opt(2026, 3, 10));
    }
}
