//! From one booking of the booking service to the unified [`Case`]: the status table, field
//! parsing, and the split between attributes (never personal) and personal fields (the
//! applicant's name, phone and collection address — masked later by the hub, per policy).
//!
//! PROTOCOL: the field names and the status words are this back-end's. The rules are every
//! connector's: one status table, the source's word kept verbatim in `source_status`, unknown
//! words mapped to `Unknown` (not an error), and every failure a `BadResponse` whose message
//! names the field, never its value.

use crate::NAME;
use crate::protocol::field;
use minwon_connector_sdk::dates::kst_midnight;
use minwon_connector_sdk::json::Fields;
use minwon_connector_sdk::{Case, CaseKind, CaseStatus, ConnectorError, PersonalData};
use serde_json::Value;
use std::collections::BTreeMap;

/// The one status table: the back-end's word → the unified status. Anything else maps to
/// [`CaseStatus::Unknown`], the word kept in [`Case::source_status`].
// PROTOCOL: the back-end's status words.
pub const STATUS_TABLE: [(&str, CaseStatus); 4] = [
    ("접수", CaseStatus::Received),
    // Fee paid, collection date booked: the department is handling it.
    ("수거예정", CaseStatus::InProgress),
    ("수거완료", CaseStatus::Completed),
    ("취소", CaseStatus::Cancelled),
];

/// The unified status of a source status word.
pub fn map_status(word: &str) -> CaseStatus {
    let word = word.trim();
    STATUS_TABLE
        .iter()
        .find(|(w, _)| *w == word)
        .map_or(CaseStatus::Unknown, |(_, s)| *s)
}

/// Maps one booking; `department` is used when the booking names no office.
pub fn booking_to_case(booking: &Value, department: &str) -> Result<Case, ConnectorError> {
    let b = Fields::new(booking, "booking")?;
    let booking_no = b.required(field::BOOKING_NO)?;
    let source_status = b.required(field::STATUS)?;
    let (summary, count) = items(&b)?;
    let collection = b.date(field::COLLECTION_DATE)?;

    let mut attributes = BTreeMap::new();
    if !summary.is_empty() {
        attributes.insert("items".to_string(), summary.join(", "));
    }
    attributes.insert("item_count".to_string(), count.to_string());
    if let Some(d) = collection {
        attributes.insert("collection_date".to_string(), d.to_string());
    }
    // RENAME: the case title and kind.
    let title = match summary.first() {
        None => "대형폐기물 배출 신고".to_string(),
        Some(first) if summary.len() == 1 => format!("대형폐기물 배출 신고 ({first})"),
        Some(first) => format!("대형폐기물 배출 신고 ({first} 외 {}건)", summary.len() - 1),
    };
    let text_or = |name: &str, default: &str| -> Result<String, ConnectorError> {
        Ok(b.text(name)?.unwrap_or(default).to_string())
    };
    Ok(Case {
        source: NAME.to_string(),
        native_id: booking_no.to_string(),
        kind: CaseKind::Other,
        title,
        status: map_status(source_status),
        source_status: source_status.to_string(),
        amount_krw: b.won(field::TOTAL_FEE)?,
        opened_at: b.date(field::APPLIED_DATE)?.map(kst_midnight),
        updated_at: None,
        due_date: collection,
        department: text_or(field::DEPT_NAME, department)?,
        contact: text_or(field::DEPT_TEL, "")?,
        attributes,
        personal: PersonalData {
            name: b.text(field::APPLICANT_NAME)?.map(str::to_string),
            phone: b.text(field::APPLICANT_PHONE)?.map(str::to_string),
            address: b.text(field::COLLECTION_ADDRESS)?.map(str::to_string),
            ..PersonalData::default()
        },
    })
}

/// The items as `"장롱(폭 1m 이상) 1"` lines, and the total quantity.
fn items(b: &Fields<'_>) -> Result<(Vec<String>, u64), ConnectorError> {
    let list = b.array(field::ITEMS)?;
    let (mut lines, mut total) = (Vec::with_capacity(list.len()), 0u64);
    for item in list {
        let i = Fields::new(item, "booking item")?;
        let name = i.required(field::ITEM_NAME)?;
        let quantity = i.number(field::QUANTITY, 1..=1000)?.unwrap_or(1);
        total += quantity;
        lines.push(match i.text(field::SPEC)? {
            Some(spec) => format!("{name}({spec}) {quantity}"),
            None => format!("{name} {quantity}"),
        });
    }
    Ok((lines, total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use minwon_connector_sdk::ErrorKind;
    use serde_json::json;

    fn booking() -> Value {
        json!({
            "bookingNo": "LW-2026-000301", "applicantName": "김민서",
            "applicantPhone": "010-2345-6789",
            "collectionAddress": "경기도 김포시 사우동 사우중로 12",
            "items": [{"itemName": "장롱", "spec": "폭 1m 이상", "quantity": 1, "fee": 10000},
                      {"itemName": "의자", "quantity": 2, "fee": 4000}],
            "totalFee": 14000, "appliedDate": "2026-12-14", "collectionDate": "2026-12-18",
            "status": "수거예정", "deptName": "환경과", "deptTel": "031-980-2631"
        })
    }

    #[test]
    fn a_booking_maps_to_a_case() {
        let c = booking_to_case(&booking(), "자원순환과").unwrap();
        assert_eq!((c.source.as_str(), c.kind), ("template", CaseKind::Other));
        assert_eq!(c.title, "대형폐기물 배출 신고 (장롱(폭 1m 이상) 1 외 1건)");
        assert_eq!(
            (c.status, c.source_status.as_str()),
            (CaseStatus::InProgress, "수거예정")
        );
        assert_eq!(c.amount_krw, Some(14_000));
        assert_eq!(c.due_date, NaiveDate::from_ymd_opt(2026, 12, 18));
        assert_eq!(
            c.opened_at.unwrap().to_rfc3339(),
            "2026-12-13T15:00:00+00:00"
        );
        assert_eq!(
            (c.department.as_str(), c.contact.as_str()),
            ("환경과", "031-980-2631")
        );
        assert_eq!(c.attributes["items"], "장롱(폭 1m 이상) 1, 의자 2");
        assert_eq!(c.attributes["item_count"], "3");
        assert_eq!(c.personal.name.as_deref(), Some("김민서"));
        assert_eq!(c.personal.phone.as_deref(), Some("010-2345-6789"));
        for v in c.personal.values() {
            assert!(
                !c.attributes.values().any(|a| a.contains(v)),
                "personal in attributes"
            );
        }
    }

    #[test]
    fn status_table_and_unknown_words() {
        for (w, s) in [
            ("접수", CaseStatus::Received),
            (" 수거예정 ", CaseStatus::InProgress),
            ("수거완료", CaseStatus::Completed),
            ("취소", CaseStatus::Cancelled),
            ("수거불가", CaseStatus::Unknown),
        ] {
            assert_eq!(map_status(w), s, "{w}");
        }
    }

    #[test]
    fn optional_fields_may_be_absent() {
        let b = json!({"bookingNo": "X1", "status": "접수", "totalFee": "8,000"});
        let c = booking_to_case(&b, "환경과").unwrap();
        assert_eq!(c.title, "대형폐기물 배출 신고");
        assert_eq!(
            (c.amount_krw, c.department.as_str()),
            (Some(8_000), "환경과")
        );
        assert_eq!(c.personal, PersonalData::default());
    }

    #[test]
    fn wrong_types_are_bad_response_naming_the_field_not_the_value() {
        for (f, v) in [
            ("bookingNo", json!("")),
            ("status", json!(3)),
            ("totalFee", json!("팔천원")),
            ("totalFee", json!(-5)),
            ("totalFee", json!(1.5)),
            ("appliedDate", json!("2026-02-30")),
            ("collectionDate", json!(20261218)),
            ("items", json!("장롱")),
            ("items", json!([{"quantity": 1}])),
            ("items", json!([{"itemName": "장롱", "quantity": 0}])),
            ("applicantName", json!(["김민서"])),
        ] {
            let mut b = booking();
            b[f] = v.clone();
            let e = booking_to_case(&b, "환경과").unwrap_err();
            assert_eq!(e.kind, ErrorKind::BadResponse, "{f}={v}");
            assert!(
                !e.message.contains("김민서") && !e.message.contains("팔천원"),
                "{e}"
            );
        }
        assert!(booking_to_case(&json!([1]), "환경과").is_err());
    }
}
