//! From one booking of the booking service to the unified [`Case`]: the status table, field
//! parsing, and the split between attributes (never personal) and personal fields (the
//! applicant's name, phone and collection address — masked later by the hub, per policy).
//!
//! PROTOCOL: the field names and the status words are this back-end's. The rules are every
//! connector's: one status table, the source's word kept verbatim in `source_status`, unknown
//! words mapped to `Unknown` (not an error), and every failure a `BadResponse` whose message
//! names the field, never its value.

use crate::NAME;
use chrono::NaiveDate;
use minwon_connector_sdk::dates::kst_midnight;
use minwon_connector_sdk::json;
use minwon_connector_sdk::{Case, CaseKind, CaseStatus, PersonalData};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// What a person reads for each attribute key this mapping sets: the descriptor's
/// attribute labels.
// RENAME: one label per attribute key `booking_to_case` sets (the conformance suite checks).
pub const ATTRIBUTE_LABELS: &[(&str, &str)] = &[
    ("items", "품목"),
    ("item_count", "품목 수"),
    ("collection_date", "수거 예정일"),
];

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

/// One booking as sent, decoded with the SDK's field rules (trimmed text, won as an integer
/// or `"12,340"`, both date forms); its text borrows from the body.
// PROTOCOL: the back-end's field names (camelCase here, see `protocol::field`) and types.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Booking<'a> {
    /// 신고번호.
    #[serde(borrow, deserialize_with = "json::required")]
    pub booking_no: Cow<'a, str>,
    /// The back-end's status word.
    #[serde(borrow, deserialize_with = "json::required")]
    pub status: Cow<'a, str>,
    /// The items put out (absent or null is none).
    #[serde(default, borrow, deserialize_with = "items")]
    pub items: Vec<Item<'a>>,
    /// Booked collection date.
    #[serde(default, deserialize_with = "json::date")]
    pub collection_date: Option<NaiveDate>,
    /// Application date.
    #[serde(default, deserialize_with = "json::date")]
    pub applied_date: Option<NaiveDate>,
    /// Fee, won.
    #[serde(default, deserialize_with = "json::won")]
    pub total_fee: Option<i64>,
    /// Office in charge.
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub dept_name: Option<Cow<'a, str>>,
    /// Office phone.
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub dept_tel: Option<Cow<'a, str>>,
    /// Applicant (personal).
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub applicant_name: Option<Cow<'a, str>>,
    /// Applicant's phone (personal).
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub applicant_phone: Option<Cow<'a, str>>,
    /// Where the items are put out (personal).
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub collection_address: Option<Cow<'a, str>>,
}

impl std::fmt::Debug for Booking<'_> {
    // The number and status only: the applicant's fields are personal.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Booking")
            .field("booking_no", &self.booking_no)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// One item of a booking.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Item<'a> {
    /// Item name, e.g. 장롱.
    #[serde(borrow, deserialize_with = "json::required")]
    pub item_name: Cow<'a, str>,
    /// Size class.
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub spec: Option<Cow<'a, str>>,
    /// How many (1 when absent).
    #[serde(default, deserialize_with = "json::number::<1, 1000, _>")]
    pub quantity: Option<u64>,
}

/// The items array; `null` is none.
fn items<'de: 'a, 'a, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Item<'a>>, D::Error> {
    Ok(Option::<Vec<Item<'a>>>::deserialize(d)?.unwrap_or_default())
}

/// Maps one booking; `department` is used when the booking names no office.
pub fn booking_to_case(b: &Booking<'_>, department: &str) -> Case {
    let (summary, count) = summarize(&b.items);

    let mut attributes = BTreeMap::new();
    if !summary.is_empty() {
        attributes.insert("items".to_string(), summary.join(", "));
    }
    attributes.insert("item_count".to_string(), count.to_string());
    if let Some(d) = b.collection_date {
        attributes.insert("collection_date".to_string(), d.to_string());
    }
    // RENAME: the case title and kind.
    let title = match summary.first() {
        None => "대형폐기물 배출 신고".to_string(),
        Some(first) if summary.len() == 1 => format!("대형폐기물 배출 신고 ({first})"),
        Some(first) => format!("대형폐기물 배출 신고 ({first} 외 {}건)", summary.len() - 1),
    };
    let owned = |v: &Option<Cow<'_, str>>| v.as_deref().map(str::to_string);
    Case {
        source: NAME.to_string(),
        native_id: b.booking_no.to_string(),
        kind: CaseKind::Other,
        title,
        status: map_status(&b.status),
        source_status: b.status.to_string(),
        amount_krw: b.total_fee,
        opened_at: b.applied_date.map(kst_midnight),
        updated_at: None,
        due_date: b.collection_date,
        department: b.dept_name.as_deref().unwrap_or(department).to_string(),
        contact: b.dept_tel.as_deref().unwrap_or("").to_string(),
        attributes,
        personal: PersonalData {
            name: owned(&b.applicant_name),
            phone: owned(&b.applicant_phone),
            address: owned(&b.collection_address),
            ..PersonalData::default()
        },
    }
}

/// The items as `"장롱(폭 1m 이상) 1"` lines, and the total quantity.
fn summarize(items: &[Item<'_>]) -> (Vec<String>, u64) {
    let (mut lines, mut total) = (Vec::with_capacity(items.len()), 0u64);
    for i in items {
        let quantity = i.quantity.unwrap_or(1);
        total += quantity;
        lines.push(match &i.spec {
            Some(spec) => format!("{}({spec}) {quantity}", i.item_name),
            None => format!("{} {quantity}", i.item_name),
        });
    }
    (lines, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use minwon_connector_sdk::{ConnectorError, ErrorKind};
    use serde_json::{Value, json};

    /// A booking read as the connector reads it: decoded from body bytes, then mapped.
    fn map(booking: &Value, department: &str) -> Result<Case, ConnectorError> {
        let body = serde_json::to_vec(booking).unwrap();
        let b: Booking = json::decode(&body, "booking")?;
        Ok(booking_to_case(&b, department))
    }

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
        let c = map(&booking(), "자원순환과").unwrap();
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
        let c = map(&b, "환경과").unwrap();
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
            let e = map(&b, "환경과").unwrap_err();
            assert_eq!(e.kind, ErrorKind::BadResponse, "{f}={v}");
            assert!(
                !e.message.contains("김민서") && !e.message.contains("팔천원"),
                "{e}"
            );
        }
        assert!(map(&json!([1]), "환경과").is_err());
    }
}
