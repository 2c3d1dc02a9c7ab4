//! From one bill of the billing service to the unified [`Case`]: the status table, field
//! parsing, and the split between attributes (never personal) and personal fields (the
//! customer's name and service address, masked later by the hub).
//!
//! Every failure is a [`ErrorKind::BadResponse`](minwon_connector_sdk::ErrorKind) whose
//! message names the field, never its value.

use crate::NAME;
use chrono::NaiveDate;
use minwon_connector_sdk::dates::{kst_midnight, parse_date};
use minwon_connector_sdk::json::{self, Scalar};
use minwon_connector_sdk::{Case, CaseKind, CaseStatus, PersonalData};
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The status word of a bill due to be taken by auto-debit; it also sets `auto_debit`.
pub const AUTO_DEBIT_SCHEDULED: &str = "자동이체예정";

/// What a person reads for each attribute key this mapping sets: the descriptor's
/// attribute labels.
pub const ATTRIBUTE_LABELS: &[(&str, &str)] = &[
    ("billing_month", "청구 월"),
    ("auto_debit", "자동이체"),
    ("usage_m3", "사용량(m³)"),
    ("water_amount", "상수도 요금(원)"),
    ("sewage_amount", "하수도 요금(원)"),
    ("water_use_charge", "물이용부담금(원)"),
    ("usage_type", "업종"),
];

/// The one status table: the back-end's word → the unified status. Anything else maps to
/// [`CaseStatus::Unknown`], the word kept in [`Case::source_status`].
pub const STATUS_TABLE: [(&str, CaseStatus); 6] = [
    ("납부완료", CaseStatus::Paid),
    ("미납", CaseStatus::Unpaid),
    (AUTO_DEBIT_SCHEDULED, CaseStatus::Unpaid),
    // An agreed instalment plan: still owed, but collection is not overdue.
    ("분할납부", CaseStatus::Unpaid),
    ("체납", CaseStatus::Overdue),
    ("부과취소", CaseStatus::Cancelled),
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

/// The answer's `customer` object as sent (field names in [`crate::protocol::field`]).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer<'a> {
    /// The customer number echoed back, verbatim (personal).
    #[serde(default, borrow, deserialize_with = "json::string")]
    pub customer_no: Option<Cow<'a, str>>,
    /// Account holder (personal).
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub customer_name: Option<Cow<'a, str>>,
    /// Where the meter is (personal).
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub service_address: Option<Cow<'a, str>>,
    /// 가정용, 일반용, … (not personal).
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub usage_type: Option<Cow<'a, str>>,
}

/// One bill as sent, its fields already checked (field names in [`crate::protocol::field`]).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bill<'a> {
    /// 고지번호.
    #[serde(borrow, deserialize_with = "json::required")]
    pub bill_no: Cow<'a, str>,
    /// (year, month) of `YYYY-MM` or `YYYYMM`.
    #[serde(deserialize_with = "month")]
    pub billing_month: (i32, u32),
    /// m³, rendered plainly.
    #[serde(default, deserialize_with = "usage")]
    pub usage_m3: Option<String>,
    /// 상수도요금.
    #[serde(default, deserialize_with = "json::won")]
    pub water_amount: Option<i64>,
    /// 하수도요금.
    #[serde(default, deserialize_with = "json::won")]
    pub sewage_amount: Option<i64>,
    /// 물이용부담금.
    #[serde(default, deserialize_with = "json::won")]
    pub water_use_charge: Option<i64>,
    /// The amount billed in total.
    #[serde(deserialize_with = "json::required_won")]
    pub total_amount: i64,
    /// Issue date.
    #[serde(default, deserialize_with = "json::date")]
    pub issue_date: Option<NaiveDate>,
    /// Due date.
    #[serde(default, deserialize_with = "json::date")]
    pub due_date: Option<NaiveDate>,
    /// Payment date.
    #[serde(default, deserialize_with = "json::date")]
    pub paid_date: Option<NaiveDate>,
    /// The back-end's status word.
    #[serde(borrow, deserialize_with = "json::required")]
    pub status: Cow<'a, str>,
    /// Collected by auto-debit.
    #[serde(default, deserialize_with = "json::flag")]
    pub auto_debit: Option<bool>,
    /// Office in charge.
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub office_name: Option<Cow<'a, str>>,
    /// Office phone.
    #[serde(default, borrow, deserialize_with = "json::text")]
    pub office_tel: Option<Cow<'a, str>>,
}

/// What the answer's `customer` object contributes to every case.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerInfo {
    /// Name and service address (personal).
    pub personal: PersonalData,
    /// Usage type (가정용, 일반용, …), not personal.
    pub usage_type: Option<String>,
}

/// What the customer object gives every case (absent → nothing known).
pub fn customer_info(customer: Option<&Customer<'_>>) -> CustomerInfo {
    let Some(c) = customer else {
        return CustomerInfo::default();
    };
    let owned = |v: &Option<Cow<'_, str>>| v.as_deref().map(str::to_string);
    CustomerInfo {
        personal: PersonalData {
            name: owned(&c.customer_name),
            address: owned(&c.service_address),
            ..PersonalData::default()
        },
        usage_type: owned(&c.usage_type),
    }
}

/// Maps one bill; `department` is used when the bill names no office.
pub fn bill_to_case(bill: &Bill<'_>, customer: &CustomerInfo, department: &str) -> Case {
    let (year, month) = bill.billing_month;
    let source_status = bill.status.as_ref();
    let auto_debit = bill.auto_debit.unwrap_or(false) || source_status == AUTO_DEBIT_SCHEDULED;

    let mut attributes = BTreeMap::new();
    attributes.insert("billing_month".to_string(), format!("{year:04}-{month:02}"));
    attributes.insert("auto_debit".to_string(), auto_debit.to_string());
    if let Some(u) = &bill.usage_m3 {
        attributes.insert("usage_m3".to_string(), u.clone());
    }
    for (v, attr) in [
        (bill.water_amount, "water_amount"),
        (bill.sewage_amount, "sewage_amount"),
        (bill.water_use_charge, "water_use_charge"),
    ] {
        if let Some(v) = v {
            attributes.insert(attr.to_string(), v.to_string());
        }
    }
    if let Some(t) = &customer.usage_type {
        attributes.insert("usage_type".to_string(), t.clone());
    }
    Case {
        source: NAME.to_string(),
        native_id: bill.bill_no.to_string(),
        kind: CaseKind::WaterBill,
        title: [
            &year.to_string(),
            "년 ",
            &month.to_string(),
            "월 상하수도 요금",
        ]
        .concat(),
        status: map_status(source_status),
        source_status: source_status.to_string(),
        amount_krw: Some(bill.total_amount),
        opened_at: bill.issue_date.map(kst_midnight),
        updated_at: bill.paid_date.map(kst_midnight),
        due_date: bill.due_date,
        department: bill
            .office_name
            .as_deref()
            .unwrap_or(department)
            .to_string(),
        contact: bill.office_tel.as_deref().unwrap_or("").to_string(),
        attributes,
        personal: customer.personal.clone(),
    }
}

/// Usage in m³: a non-negative finite number, or one written as a string (meters may read
/// decimals), rendered plainly.
fn usage<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let bad = || serde::de::Error::custom("is not a number of m³");
    let n = match json::scalar(d)? {
        Scalar::Null => return Ok(None),
        Scalar::U64(u) => return Ok(Some(u.to_string())),
        Scalar::F64(f) => f,
        Scalar::Str(s) => match s.trim().parse::<serde_json::Number>().map_err(|_| bad())? {
            n if n.is_u64() => return Ok(n.as_u64().map(|u| u.to_string())),
            n => n.as_f64().ok_or_else(bad)?,
        },
        _ => return Err(bad()),
    };
    if (0.0..1e12).contains(&n) {
        Ok(Some(n.to_string()))
    } else {
        Err(bad())
    }
}

/// `YYYY-MM` (or `YYYYMM`) → (year, month).
fn month<'de, D: Deserializer<'de>>(d: D) -> Result<(i32, u32), D::Error> {
    let v = json::required(d)?;
    // `YYYYMM01` built in one buffer (a replace and a `format!` per bill before).
    let mut digits = String::with_capacity(8);
    digits.extend(v.chars().filter(|c| *c != '-'));
    let ok = (v.len() == 7 || v.len() == 6) && digits.len() == 6;
    digits.push_str("01");
    ok.then(|| parse_date(&digits))
        .flatten()
        .map(|d| {
            use chrono::Datelike;
            (d.year(), d.month())
        })
        .ok_or_else(|| serde::de::Error::custom("is not a month"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use minwon_connector_sdk::{ConnectorError, ErrorKind};
    use serde_json::{Value, json};

    /// A bill read as the connector reads it: decoded from body bytes, then mapped.
    fn map(
        bill: &Value,
        customer: &CustomerInfo,
        department: &str,
    ) -> Result<Case, ConnectorError> {
        let body = serde_json::to_vec(bill).unwrap();
        let bill: Bill = json::decode(&body, "bill")?;
        Ok(bill_to_case(&bill, customer, department))
    }

    fn decode_customer(c: &Value) -> Result<CustomerInfo, ConnectorError> {
        let body = serde_json::to_vec(c).unwrap();
        let c: Customer = json::decode(&body, "customer")?;
        Ok(customer_info(Some(&c)))
    }

    fn bill() -> Value {
        json!({
            "billNo": "W-202610-000001", "billingMonth": "2026-10", "usageM3": 18,
            "waterAmount": 13_500, "sewageAmount": 10_080, "waterUseCharge": 3_060,
            "totalAmount": 26_640, "issueDate": "2026-11-05", "dueDate": "2026-11-30",
            "paidDate": null, "status": "자동이체예정", "autoDebit": true,
            "officeName": "수도과", "officeTel": "031-980-5421"
        })
    }

    fn customer() -> CustomerInfo {
        let c = json!({"customerNo": "201412345678", "customerName": "김민서",
            "serviceAddress": "경기도 김포시 사우동 사우중로 12", "usageType": "가정용"});
        decode_customer(&c).unwrap()
    }

    #[test]
    fn a_bill_maps_to_a_water_bill_case() {
        let c = map(&bill(), &customer(), "상하수도사업소").unwrap();
        assert_eq!((c.source.as_str(), c.kind), ("water", CaseKind::WaterBill));
        assert_eq!(c.title, "2026년 10월 상하수도 요금");
        assert_eq!(
            (c.status, c.source_status.as_str()),
            (CaseStatus::Unpaid, "자동이체예정")
        );
        assert_eq!(c.amount_krw, Some(26_640));
        assert_eq!(c.due_date, NaiveDate::from_ymd_opt(2026, 11, 30));
        assert_eq!(
            c.opened_at.unwrap().to_rfc3339(),
            "2026-11-04T15:00:00+00:00"
        );
        assert_eq!(c.updated_at, None);
        assert_eq!(
            (c.department.as_str(), c.contact.as_str()),
            ("수도과", "031-980-5421")
        );
        for (k, v) in [
            ("billing_month", "2026-10"),
            ("usage_m3", "18"),
            ("water_amount", "13500"),
            ("sewage_amount", "10080"),
            ("water_use_charge", "3060"),
            ("auto_debit", "true"),
            ("usage_type", "가정용"),
        ] {
            assert_eq!(c.attributes[k], v, "{k}");
        }
        assert_eq!(c.personal.name.as_deref(), Some("김민서"));
        assert!(
            c.personal
                .address
                .as_deref()
                .unwrap()
                .starts_with("경기도 김포시")
        );
        for v in c.personal.values() {
            assert!(
                !c.attributes.values().any(|a| a.contains(v)),
                "personal in attrs"
            );
        }
    }

    #[test]
    fn status_table_and_unknown_words() {
        for (w, s) in [
            ("납부완료", CaseStatus::Paid),
            (" 미납 ", CaseStatus::Unpaid),
            ("분할납부", CaseStatus::Unpaid),
            ("체납", CaseStatus::Overdue),
            ("부과취소", CaseStatus::Cancelled),
            ("감면심사중", CaseStatus::Unknown),
        ] {
            assert_eq!(map_status(w), s, "{w}");
        }
        let mut b = bill();
        b["status"] = json!("감면심사중");
        b["autoDebit"] = json!("N");
        let c = map(&b, &customer(), "수도과").unwrap();
        assert_eq!(
            (c.status, c.source_status.as_str()),
            (CaseStatus::Unknown, "감면심사중")
        );
        assert_eq!(c.attributes["auto_debit"], "false");
    }

    #[test]
    fn the_auto_debit_status_sets_the_flag_even_without_it() {
        let mut b = bill();
        b.as_object_mut().unwrap().remove("autoDebit");
        let c = map(&b, &CustomerInfo::default(), "수도과").unwrap();
        assert_eq!(c.attributes["auto_debit"], "true");
        assert_eq!(c.personal, PersonalData::default());
    }

    #[test]
    fn optional_fields_may_be_absent_and_strings_are_accepted() {
        let b = json!({"billNo": "X1", "billingMonth": "202603", "status": "미납",
            "totalAmount": "12,340", "usageM3": "7.5"});
        let c = map(&b, &CustomerInfo::default(), "수도과").unwrap();
        assert_eq!(c.title, "2026년 3월 상하수도 요금");
        assert_eq!(c.amount_krw, Some(12_340));
        assert_eq!(c.attributes["usage_m3"], "7.5");
        assert_eq!((c.department.as_str(), c.contact.as_str()), ("수도과", ""));
        assert_eq!((c.due_date, c.opened_at), (None, None));
    }

    #[test]
    fn wrong_types_and_values_are_bad_response_naming_the_field_not_the_value() {
        for (f, v) in [
            ("totalAmount", json!("1만2천원")),
            ("totalAmount", json!(-5)),
            ("totalAmount", json!(12.5)),
            ("totalAmount", json!("99999999999999999999999")),
            ("totalAmount", json!(null)),
            ("waterAmount", json!([1])),
            ("usageM3", json!(-1)),
            ("usageM3", json!({"m3": 1})),
            ("billingMonth", json!("2026-13")),
            ("billingMonth", json!("시월분")),
            ("dueDate", json!("2026-02-30")),
            ("paidDate", json!(20261130)),
            ("autoDebit", json!("예")),
            ("status", json!(3)),
            ("billNo", json!("")),
            ("officeTel", json!(["031"])),
        ] {
            let mut b = bill();
            b[f] = v.clone();
            let e = map(&b, &customer(), "수도과").unwrap_err();
            assert_eq!(e.kind, ErrorKind::BadResponse, "{f}={v}");
            assert!(e.message.contains(f), "{e}");
            if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
                assert!(!e.message.contains(s), "{e}");
            }
        }
        let bad = json!({"customerName": 7});
        assert!(decode_customer(&bad).is_err());
        assert!(map(&json!([1]), &customer(), "수도과").is_err());
    }
}
