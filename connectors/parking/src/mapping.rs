//! From one JSON ticket item to the unified [`Case`]: the status table, field reading, and the
//! split between attributes (never personal) and personal fields (masked later by the hub).
//!
//! Items are decoded with `serde` derive straight from the body (their text borrowed), each
//! field by the SDK's shared rules in [`minwon_connector_sdk::json`], so that every failure
//! is a `BadResponse` whose message names the field's path, never its value (serde's own
//! messages quote the offending value, which may be a plate or a name).

use crate::NAME;
use crate::protocol::field;
use chrono::{DateTime, NaiveDate, Utc};
use minwon_connector_sdk::json::{self, Object};
use minwon_connector_sdk::{Case, CaseKind, CaseStatus, ConnectorError, PersonalData};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// What a person reads for each key of [`attr`]: the descriptor's attribute labels.
pub const ATTRIBUTE_LABELS: &[(&str, &str)] = &[
    (attr::CATEGORY, "구분"),
    (attr::VIOLATION_TYPE, "위반 종류"),
    (attr::PLACE, "위반 장소"),
    (attr::DISTRICT, "행정동"),
    (attr::TOWING_LOT, "견인 보관소"),
    (attr::TOWING_ADDRESS, "보관소 주소"),
    (attr::TOWING_PHONE, "보관소 전화"),
    (attr::TOWED_AT, "견인 일시"),
];

/// The one status table: the back-end's word → the unified status. Anything else maps to
/// [`CaseStatus::Unknown`], the word kept in [`Case::source_status`].
pub const STATUS_TABLE: [(&str, CaseStatus); 9] = [
    ("사전통지", CaseStatus::Unpaid),
    ("부과", CaseStatus::Unpaid),
    ("납부완료", CaseStatus::Paid),
    ("의견진술", CaseStatus::ObjectionFiled),
    ("이의신청", CaseStatus::ObjectionFiled),
    ("체납", CaseStatus::Overdue),
    ("부과취소", CaseStatus::Cancelled),
    ("견인보관중", CaseStatus::InProgress),
    ("반환완료", CaseStatus::Completed),
];

/// Attribute names set on parking cases (values are never personal).
pub mod attr {
    /// `violation` or `towing`.
    pub const CATEGORY: &str = "category";
    /// Kind of violation.
    pub const VIOLATION_TYPE: &str = "violation_type";
    /// Road location (public place).
    pub const PLACE: &str = "place";
    /// The eup/myeon/dong of the place.
    pub const DISTRICT: &str = "district";
    /// Towing lot name.
    pub const TOWING_LOT: &str = "towing_lot";
    /// Towing lot address (an office, not the citizen's).
    pub const TOWING_ADDRESS: &str = "towing_address";
    /// Towing lot phone.
    pub const TOWING_PHONE: &str = "towing_phone";
    /// When the vehicle was towed, RFC 3339.
    pub const TOWED_AT: &str = "towed_at";
}

/// Longest text accepted in any field; longer is a misbehaving back-end.
const MAX_TEXT: usize = 512;
/// Largest amount accepted, in won.
const MAX_AMOUNT: u64 = 100_000_000;

/// The unified status of a source status word.
pub fn map_status(word: &str) -> CaseStatus {
    let word = word.trim();
    STATUS_TABLE
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, s)| *s)
        .unwrap_or(CaseStatus::Unknown)
}

/// One ticket item as sent (field names in [`crate::protocol::field`]); every text at most
/// [`MAX_TEXT`] bytes.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticket<'a> {
    /// 단속번호.
    #[serde(borrow, deserialize_with = "json::required_max::<MAX_TEXT, _>")]
    pub ticket_no: Cow<'a, str>,
    /// `violation` or `towing`.
    #[serde(borrow, deserialize_with = "json::required_max::<MAX_TEXT, _>")]
    pub category: Cow<'a, str>,
    /// The back-end's status word.
    #[serde(borrow, deserialize_with = "json::required_max::<MAX_TEXT, _>")]
    pub status: Cow<'a, str>,
    /// Road location (public place).
    #[serde(default, borrow, deserialize_with = "json::text_max::<MAX_TEXT, _>")]
    pub place: Option<Cow<'a, str>>,
    /// Towing details of a towed vehicle.
    #[serde(default, borrow)]
    pub towing: Option<Object<Towing<'a>>>,
    /// Kind of violation.
    #[serde(default, borrow, deserialize_with = "json::text_max::<MAX_TEXT, _>")]
    pub violation_type: Option<Cow<'a, str>>,
    /// The eup/myeon/dong of the place.
    #[serde(default, borrow, deserialize_with = "json::text_max::<MAX_TEXT, _>")]
    pub district: Option<Cow<'a, str>>,
    /// Owner (personal).
    #[serde(default, borrow, deserialize_with = "json::text_max::<MAX_TEXT, _>")]
    pub owner_name: Option<Cow<'a, str>>,
    /// Plate (personal).
    #[serde(default, borrow, deserialize_with = "json::text_max::<MAX_TEXT, _>")]
    pub vehicle_no: Option<Cow<'a, str>>,
    /// Won as a JSON integer: this back-end's schema fixes the type, so a string (which the
    /// SDK's `won` would accept) is a broken answer here.
    #[serde(default, deserialize_with = "json::number::<0, MAX_AMOUNT, _>")]
    pub amount: Option<u64>,
    /// When the violation happened.
    #[serde(default, deserialize_with = "json::instant")]
    pub violated_at: Option<DateTime<Utc>>,
    /// Last status change.
    #[serde(default, deserialize_with = "json::instant")]
    pub status_changed_at: Option<DateTime<Utc>>,
    /// This back-end writes dates one way only; anything else is a broken answer.
    #[serde(default, deserialize_with = "json::date_iso")]
    pub due_date: Option<NaiveDate>,
    /// Department in charge.
    #[serde(default, borrow, deserialize_with = "json::text_max::<MAX_TEXT, _>")]
    pub department: Option<Cow<'a, str>>,
    /// Department phone.
    #[serde(default, borrow, deserialize_with = "json::text_max::<MAX_TEXT, _>")]
    pub contact: Option<Cow<'a, str>>,
}

/// The `towing` object.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Towing<'a> {
    /// Towing lot name.
    #[serde(borrow, deserialize_with = "json::required_max::<MAX_TEXT, _>")]
    pub lot_name: Cow<'a, str>,
    /// Towing lot address (an office).
    #[serde(default, borrow, deserialize_with = "json::text_max::<MAX_TEXT, _>")]
    pub lot_address: Option<Cow<'a, str>>,
    /// Towing lot phone.
    #[serde(default, borrow, deserialize_with = "json::text_max::<MAX_TEXT, _>")]
    pub lot_phone: Option<Cow<'a, str>>,
    /// When the vehicle was towed.
    #[serde(default, deserialize_with = "json::instant")]
    pub towed_at: Option<DateTime<Utc>>,
}

/// Maps one item; `department` is used when the item names none.
pub fn item_to_case(t: &Ticket<'_>, department: &str) -> Result<Case, ConnectorError> {
    let towing = t.towing.as_ref().map(|Object(t)| t);
    let lot = towing.map(|t| t.lot_name.as_ref());
    let place = t.place.as_deref();
    let title = match (t.category.as_ref(), lot, place) {
        ("towing", Some(lot), _) => ["견인 (", lot, ")"].concat(),
        ("towing", None, _) => {
            return Err(bad(format!("towing ticket without {}", field::TOWING)));
        }
        ("violation", _, Some(p)) => ["주정차 위반 과태료 (", p, ")"].concat(),
        ("violation", _, None) => "주정차 위반 과태료".to_string(),
        _ => {
            return Err(bad(format!(
                "ticket {} is not a known category",
                field::CATEGORY
            )));
        }
    };

    let mut attributes = BTreeMap::new();
    attributes.insert(attr::CATEGORY.to_string(), t.category.to_string());
    let mut put = |k: &str, v: Option<&str>| {
        if let Some(v) = v {
            attributes.insert(k.to_string(), v.to_string());
        }
    };
    put(attr::VIOLATION_TYPE, t.violation_type.as_deref());
    put(attr::PLACE, place);
    put(attr::DISTRICT, t.district.as_deref());
    if let Some(tow) = towing {
        put(attr::TOWING_LOT, lot);
        put(attr::TOWING_ADDRESS, tow.lot_address.as_deref());
        put(attr::TOWING_PHONE, tow.lot_phone.as_deref());
        put(
            attr::TOWED_AT,
            tow.towed_at.map(|t| t.to_rfc3339()).as_deref(),
        );
    }

    let personal = PersonalData {
        name: t.owner_name.as_deref().map(str::to_string),
        vehicle_number: t.vehicle_no.as_deref().map(|v| v.replace(' ', "")),
        ..PersonalData::default()
    };
    Ok(Case {
        source: NAME.to_string(),
        native_id: t.ticket_no.to_string(),
        kind: CaseKind::ParkingTicket,
        title,
        status: map_status(&t.status),
        source_status: t.status.to_string(),
        // At most MAX_AMOUNT, so it fits.
        amount_krw: t.amount.and_then(|a| i64::try_from(a).ok()),
        opened_at: t.violated_at,
        updated_at: t.status_changed_at,
        due_date: t.due_date,
        department: t.department.as_deref().unwrap_or(department).to_string(),
        contact: t.contact.as_deref().unwrap_or("").to_string(),
        attributes,
        personal,
    })
}

fn bad(message: impl Into<String>) -> ConnectorError {
    ConnectorError::bad_response(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use minwon_connector_sdk::ErrorKind;
    use serde_json::{Value, json};

    /// An item read as the connector reads it: decoded from body bytes, then mapped.
    fn map(item: &Value, department: &str) -> Result<Case, ConnectorError> {
        let body = serde_json::to_vec(item).unwrap();
        let t: Object<Ticket> = json::decode(&body, "ticket")?;
        item_to_case(&t.0, department)
    }

    fn violation() -> Value {
        json!({
            "ticketNo": "41570-PK-2026-00000101",
            "category": "violation",
            "vehicleNo": "12가3456",
            "ownerName": "김민서",
            "violationType": "소화전 5m 이내 주정차",
            "place": "김포시 사우동 사우중로 12 앞",
            "district": "사우동",
            "violatedAt": "2026-11-03T08:41:00+09:00",
            "amount": 80000,
            "dueDate": "2026-11-28",
            "status": "사전통지",
            "statusChangedAt": "2026-11-05T09:00:00+09:00",
            "department": "주차관리과",
            "contact": "031-980-5432",
            "towing": null
        })
    }

    fn towing() -> Value {
        let mut v = violation();
        v["category"] = json!("towing");
        v["status"] = json!("견인보관중");
        v["towing"] = json!({"lotName": "풍무동 견인보관소", "lotAddress": "김포시 풍무동 풍무로 60",
                             "lotPhone": "031-980-5671", "towedAt": "2026-12-14T10:20:00+09:00"});
        v
    }

    #[test]
    fn a_violation_maps_to_a_parking_ticket_case() {
        let c = map(&violation(), "교통과").unwrap();
        assert_eq!(
            (c.source.as_str(), c.kind),
            ("parking", CaseKind::ParkingTicket)
        );
        assert_eq!(c.title, "주정차 위반 과태료 (김포시 사우동 사우중로 12 앞)");
        assert_eq!(
            (c.status, c.source_status.as_str()),
            (CaseStatus::Unpaid, "사전통지")
        );
        assert_eq!(c.amount_krw, Some(80_000));
        assert_eq!(
            c.opened_at.unwrap().to_rfc3339(),
            "2026-11-02T23:41:00+00:00"
        );
        assert_eq!(c.due_date, NaiveDate::from_ymd_opt(2026, 11, 28));
        assert_eq!(
            (c.department.as_str(), c.contact.as_str()),
            ("주차관리과", "031-980-5432")
        );
        assert_eq!(c.attributes[attr::DISTRICT], "사우동");
        assert_eq!(c.personal.vehicle_number.as_deref(), Some("12가3456"));
        assert_eq!(c.personal.name.as_deref(), Some("김민서"));
        for v in c.personal.values() {
            assert!(
                !c.attributes.values().any(|a| a.contains(v)),
                "personal in attrs"
            );
        }
    }

    #[test]
    fn a_towed_car_is_in_progress_with_the_lot_in_attributes() {
        let c = map(&towing(), "주차관리과").unwrap();
        assert_eq!(c.title, "견인 (풍무동 견인보관소)");
        assert_eq!(c.status, CaseStatus::InProgress);
        assert_eq!(c.attributes[attr::TOWING_LOT], "풍무동 견인보관소");
        assert_eq!(c.attributes[attr::TOWING_PHONE], "031-980-5671");
        assert_eq!(c.attributes[attr::TOWED_AT], "2026-12-14T01:20:00+00:00");
        let mut no_lot = towing();
        no_lot["towing"] = Value::Null;
        assert_eq!(map(&no_lot, "x").unwrap_err().kind, ErrorKind::BadResponse);
    }

    #[test]
    fn status_table_and_unknown_words() {
        for (w, s) in [
            ("부과", CaseStatus::Unpaid),
            ("납부완료", CaseStatus::Paid),
            ("의견진술", CaseStatus::ObjectionFiled),
            ("이의신청", CaseStatus::ObjectionFiled),
            ("체납", CaseStatus::Overdue),
            ("부과취소", CaseStatus::Cancelled),
            (" 반환완료 ", CaseStatus::Completed),
        ] {
            assert_eq!(map_status(w), s, "{w}");
        }
        let mut v = violation();
        v["status"] = json!("공시송달");
        let c = map(&v, "x").unwrap();
        assert_eq!(
            (c.status, c.source_status.as_str()),
            (CaseStatus::Unknown, "공시송달")
        );
    }

    #[test]
    fn optional_fields_may_be_absent_and_department_falls_back() {
        let mut v = violation();
        let o = v.as_object_mut().unwrap();
        for f in [
            "place",
            "department",
            "contact",
            "amount",
            "dueDate",
            "violatedAt",
            "towing",
        ] {
            o.remove(f);
        }
        let c = map(&v, "주차관리과").unwrap();
        assert_eq!(c.title, "주정차 위반 과태료");
        assert_eq!((c.department.as_str(), c.amount_krw), ("주차관리과", None));
    }

    #[test]
    fn wrong_types_and_values_are_bad_response_naming_the_field_not_the_value() {
        for (f, v) in [
            ("amount", json!("8만원")),
            ("amount", json!(-1)),
            ("amount", json!(1.5)),
            ("amount", json!(1e300)),
            ("dueDate", json!("20261128")),
            ("violatedAt", json!("어제")),
            ("vehicleNo", json!(123)),
            ("ownerName", json!(["김민서"])),
            ("towing", json!("풍무동")),
            ("category", json!("fine")),
            ("ticketNo", Value::Null),
            ("place", json!("김".repeat(400))),
        ] {
            let mut item = violation();
            item[f] = v.clone();
            let e = map(&item, "x").unwrap_err();
            assert_eq!(e.kind, ErrorKind::BadResponse, "{f}={v}");
            assert!(
                !e.message.contains("김민서") && !e.message.contains("12가3456"),
                "{e}"
            );
        }
        assert_eq!(
            map(&json!([1]), "x").unwrap_err().kind,
            ErrorKind::BadResponse
        );
    }
}
