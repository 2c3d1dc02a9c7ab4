//! From one fine `<item>` to the unified [`Case`]: the one status table, the title, and the
//! split between attributes (never personal: the violation place is a road location) and
//! personal fields (plate, owner's name and address — masked later by the hub).

use crate::NAME;
use crate::protocol::field;
use minwon_connector_sdk::dates::{format_kst_rfc3339, kst_midnight};
use minwon_connector_sdk::portal::Item;
use minwon_connector_sdk::portal::item::{amount, date, datetime_kst, number, optional, required};
use minwon_connector_sdk::{Case, CaseKind, CaseStatus, ConnectorError, PersonalData};
use std::collections::BTreeMap;

/// What a person reads for each attribute key this mapping sets: the descriptor's
/// attribute labels.
pub const ATTRIBUTE_LABELS: &[(&str, &str)] = &[
    ("fine_type", "과태료 종류"),
    ("violation", "위반 내용"),
    ("violation_place", "위반 장소"),
    ("violation_time", "위반 일시"),
    ("camera", "단속 장비"),
    ("speed_limit_kmh", "제한 속도(km/h)"),
    ("speed_kmh", "주행 속도(km/h)"),
    ("penalty_points", "벌점"),
    ("original_amount", "원래 금액(원)"),
];

/// What the error messages call one item.
const WHAT: &str = "traffic fine";

/// The one status table: the back-end's word → the unified status. Anything else maps to
/// [`CaseStatus::Unknown`], the word kept in [`Case::source_status`].
pub const STATUS_TABLE: [(&str, CaseStatus); 12] = [
    // Notified before the levy; paying now earns the 20% reduction.
    ("사전통지", CaseStatus::Unpaid),
    ("부과", CaseStatus::Unpaid),
    // Reduced (감경) amount offered, not yet paid.
    ("감경", CaseStatus::Unpaid),
    ("납부", CaseStatus::Paid),
    ("납부완료", CaseStatus::Paid),
    ("감경납부", CaseStatus::Paid),
    ("체납", CaseStatus::Overdue),
    // An unpaid 범칙금 goes before a summary court: overdue from the citizen's side.
    ("즉결심판회부", CaseStatus::Overdue),
    ("의견진술", CaseStatus::ObjectionFiled),
    ("이의제기", CaseStatus::ObjectionFiled),
    ("부과취소", CaseStatus::Cancelled),
    ("불처분", CaseStatus::Cancelled),
];

/// The unified status of a source status word.
pub fn map_status(word: &str) -> CaseStatus {
    let word = word.trim();
    STATUS_TABLE
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, s)| *s)
        .unwrap_or(CaseStatus::Unknown)
}

/// A plate without its spaces (`12가 3456` → `12가3456`), allocated once at its size.
fn without_spaces(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    v.split_whitespace().for_each(|p| out.push_str(p));
    out
}

/// The case title: `과속 단속 과태료 (제한 60km/h, 주행 78km/h)`, or without the speeds.
pub fn title(violation: &str, fine_kind: &str, speeds: Option<(u32, u32)>) -> String {
    // Pieces pushed into one allocation rather than formatted (a `format!` per case showed).
    let mut t = String::with_capacity(violation.len() + fine_kind.len() + 48);
    t.push_str(violation);
    t.push_str(" 단속 ");
    t.push_str(fine_kind);
    if let Some((limit, speed)) = speeds {
        t.push_str(" (제한 ");
        t.push_str(&limit.to_string());
        t.push_str("km/h, 주행 ");
        t.push_str(&speed.to_string());
        t.push_str("km/h)");
    }
    t
}

/// Maps one item; `department` is used when the item names none. `plate` is the plate the
/// list was asked for: an item for another plate is refused (another citizen's data), and an
/// item without a plate gets this one.
pub fn item_to_case(
    item: &Item,
    department: &str,
    plate: Option<&str>,
) -> Result<Case, ConnectorError> {
    let native_id = required(item, WHAT, field::FINE_NO)?;
    let fine_kind = required(item, WHAT, field::FINE_SE_NM)?;
    let violation = required(item, WHAT, field::VIO_TYPE_NM)?;
    let source_status = required(item, WHAT, field::STTUS_NM)?;
    let speed = |name| {
        optional(item, name)
            .map(|v| number(WHAT, name, v, 1..=400))
            .transpose()
    };
    let (limit, driven) = (speed(field::LMT_SPD)?, speed(field::DRV_SPD)?);
    let amount_krw = optional(item, field::FINE_AMT)
        .map(|v| amount(WHAT, field::FINE_AMT, v))
        .transpose()?;
    let original = optional(item, field::ORGNL_AMT)
        .map(|v| amount(WHAT, field::ORGNL_AMT, v))
        .transpose()?;
    let points = optional(item, field::PNLTY_PNT)
        .map(|v| number(WHAT, field::PNLTY_PNT, v, 0..=200))
        .transpose()?;
    let violated_at = optional(item, field::VIO_DT)
        .map(|v| datetime_kst(WHAT, field::VIO_DT, v))
        .transpose()?;
    let day = |name| {
        optional(item, name)
            .map(|v| date(WHAT, name, v))
            .transpose()
    };
    let (noticed, due_date, paid) = (
        day(field::NTC_DE)?,
        day(field::DUE_DE)?,
        day(field::PAY_DE)?,
    );

    let vehicle = optional(item, field::VHCL_NO);
    // Compared without its spaces, byte by byte rather than through a copy.
    if let (Some(asked), Some(got)) = (plate, vehicle)
        && !got
            .split_whitespace()
            .flat_map(str::bytes)
            .eq(asked.bytes())
    {
        return Err(ConnectorError::bad_response(
            "fine list answered a fine of another vehicle",
        ));
    }

    let mut attributes = BTreeMap::new();
    let mut attr = |k: &str, v: String| {
        attributes.insert(k.to_string(), v);
    };
    attr("fine_type", fine_kind.to_string());
    attr("violation", violation.to_string());
    if let Some(p) = optional(item, field::VIO_PLC_NM) {
        attr("violation_place", p.to_string());
    }
    if let Some(t) = violated_at {
        attr("violation_time", format_kst_rfc3339(t));
    }
    if let Some(d) = optional(item, field::CRDN_EQPMNT_NM) {
        attr("camera", d.to_string());
    }
    if let Some(l) = limit {
        attr("speed_limit_kmh", l.to_string());
    }
    if let Some(s) = driven {
        attr("speed_kmh", s.to_string());
    }
    if let Some(p) = points {
        attr("penalty_points", p.to_string());
    }
    if let Some(o) = original {
        attr("original_amount", o.to_string());
    }

    let personal = PersonalData {
        name: optional(item, field::OWNR_NM).map(str::to_string),
        address: optional(item, field::OWNR_ADDR).map(str::to_string),
        vehicle_number: vehicle
            .map(without_spaces)
            .or_else(|| plate.map(str::to_string)),
        ..PersonalData::default()
    };
    Ok(Case {
        source: NAME.to_string(),
        native_id: native_id.to_string(),
        kind: CaseKind::TrafficFine,
        title: title(violation, fine_kind, limit.zip(driven)),
        status: map_status(source_status),
        source_status: source_status.to_string(),
        amount_krw,
        opened_at: noticed.map(kst_midnight).or(violated_at),
        updated_at: paid.map(kst_midnight),
        due_date,
        department: optional(item, field::DEPT_NM)
            .unwrap_or(department)
            .to_string(),
        contact: optional(item, field::DEPT_TELNO).unwrap_or("").to_string(),
        attributes,
        personal,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use minwon_connector_sdk::ErrorKind;

    fn speeding() -> Item {
        [
            (field::FINE_NO, "41570-2026-TF00000101"),
            (field::FINE_SE_NM, "과태료"),
            (field::VIO_TYPE_NM, "과속"),
            (field::CRDN_EQPMNT_NM, "고정식 과속 카메라"),
            (field::LMT_SPD, "60"),
            (field::DRV_SPD, "78"),
            (
                field::VIO_PLC_NM,
                "경기도 김포시 사우동 김포대로 사우사거리",
            ),
            (field::VIO_DT, "20261003143512"),
            (field::VHCL_NO, "12가3456"),
            (field::OWNR_NM, "김민서"),
            (field::OWNR_ADDR, "경기도 김포시 사우동 사우중로 12"),
            (field::FINE_AMT, "40,000"),
            (field::NTC_DE, "20261012"),
            (field::DUE_DE, "20261111"),
            (field::STTUS_NM, "부과"),
            (field::DEPT_NM, "교통행정과"),
            (field::DEPT_TELNO, "031-980-2583"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn a_speeding_item_maps_to_a_traffic_fine_case() {
        let c = item_to_case(&speeding(), "교통행정과", Some("12가3456")).unwrap();
        assert_eq!(c.source, "traffic");
        assert_eq!(c.kind, CaseKind::TrafficFine);
        assert_eq!(c.title, "과속 단속 과태료 (제한 60km/h, 주행 78km/h)");
        assert_eq!(
            (c.status, c.source_status.as_str()),
            (CaseStatus::Unpaid, "부과")
        );
        assert_eq!(c.amount_krw, Some(40_000));
        assert_eq!(c.due_date, NaiveDate::from_ymd_opt(2026, 11, 11));
        assert_eq!(
            c.opened_at.unwrap().to_rfc3339(),
            "2026-10-11T15:00:00+00:00"
        );
        assert_eq!(c.attributes["violation_time"], "2026-10-03T14:35:12+09:00");
        assert_eq!(
            c.attributes["violation_place"],
            "경기도 김포시 사우동 김포대로 사우사거리"
        );
        assert_eq!(c.attributes["speed_kmh"], "78");
        assert_eq!(c.contact, "031-980-2583");
        assert_eq!(c.personal.vehicle_number.as_deref(), Some("12가3456"));
        assert_eq!(c.personal.name.as_deref(), Some("김민서"));
        for v in c.personal.values() {
            assert!(!c.attributes.values().any(|a| a == v), "personal in attrs");
        }
    }

    #[test]
    fn the_status_table_maps_every_word_and_keeps_the_rest_unknown() {
        for (word, status) in STATUS_TABLE {
            assert_eq!(map_status(&format!(" {word} ")), status);
        }
        assert_eq!(map_status("의견진술"), CaseStatus::ObjectionFiled);
        assert_eq!(map_status("감경"), CaseStatus::Unpaid);
        let mut item = speeding();
        item.insert(field::STTUS_NM, "타기관이송");
        let c = item_to_case(&item, "교통행정과", None).unwrap();
        assert_eq!(
            (c.status, c.source_status.as_str()),
            (CaseStatus::Unknown, "타기관이송")
        );
    }

    #[test]
    fn a_signal_fine_has_no_speeds_and_takes_the_asked_plate() {
        let mut item = speeding();
        for f in [
            field::LMT_SPD,
            field::DRV_SPD,
            field::VHCL_NO,
            field::DEPT_NM,
            field::NTC_DE,
        ] {
            item.remove(f);
        }
        item.insert(field::VIO_TYPE_NM, "신호위반");
        item.insert(field::FINE_SE_NM, "범칙금");
        item.insert(field::PNLTY_PNT, "15");
        let c = item_to_case(&item, "교통행정과", Some("12가3456")).unwrap();
        assert_eq!(c.title, "신호위반 단속 범칙금");
        assert_eq!(c.department, "교통행정과");
        assert_eq!(c.attributes["penalty_points"], "15");
        assert_eq!(c.personal.vehicle_number.as_deref(), Some("12가3456"));
        assert_eq!(
            c.opened_at.unwrap().to_rfc3339(),
            "2026-10-03T05:35:12+00:00"
        );
    }

    #[test]
    fn a_fine_of_another_vehicle_is_refused() {
        let e = item_to_case(&speeding(), "교통행정과", Some("34나5678")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse);
        assert!(!e.message.contains("12가3456") && !e.message.contains("34나5678"));
    }

    #[test]
    fn bad_values_are_bad_response_naming_the_field_only() {
        for (f, v) in [
            (field::FINE_AMT, "사만원"),
            (field::LMT_SPD, "빠름"),
            (field::DRV_SPD, "99999"),
            (field::VIO_DT, "2026-10-03"),
            (field::DUE_DE, "20261340"),
            (field::PNLTY_PNT, "-5"),
            (field::ORGNL_AMT, "1.5"),
        ] {
            let mut item = speeding();
            item.insert(f, v);
            let e = item_to_case(&item, "교통행정과", None).unwrap_err();
            assert_eq!(e.kind, ErrorKind::BadResponse, "{f}={v}");
            assert!(e.message.contains(f) && !e.message.contains(v), "{e}");
        }
        for f in [
            field::FINE_NO,
            field::FINE_SE_NM,
            field::VIO_TYPE_NM,
            field::STTUS_NM,
        ] {
            let mut item = speeding();
            item.remove(f);
            assert_eq!(
                item_to_case(&item, "x", None).unwrap_err().kind,
                ErrorKind::BadResponse
            );
        }
    }
}
