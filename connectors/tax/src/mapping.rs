//! From one portal `<item>` to the unified [`Case`]: the status table, field parsing, and the
//! split between attributes (never personal) and personal fields (masked later by the hub).
//!
//! Every failure is a [`ErrorKind::BadResponse`](minwon_connector_sdk::ErrorKind) whose message
//! names the field, never its value.

use crate::NAME;
use crate::protocol::field;
use minwon_connector_sdk::dates::kst_midnight;
use minwon_connector_sdk::portal::Item;
use minwon_connector_sdk::portal::item::{amount, date, number, optional, optional_with};
use minwon_connector_sdk::{Case, CaseKind, CaseStatus, ConnectorError, PersonalData};
use std::collections::BTreeMap;

/// What a person reads for each attribute key this mapping sets: the descriptor's
/// attribute labels.
pub const ATTRIBUTE_LABELS: &[(&str, &str)] = &[
    ("tax_year", "과세 연도"),
    ("tax_item", "세목"),
    ("installment", "과세 기분"),
    ("payment_bank", "납부 은행"),
];

/// The one status table: the back-end's word → the unified status. Anything else maps to
/// [`CaseStatus::Unknown`], the word kept in [`Case::source_status`].
pub const STATUS_TABLE: [(&str, CaseStatus); 4] = [
    ("미납", CaseStatus::Unpaid),
    ("납부완료", CaseStatus::Paid),
    ("체납", CaseStatus::Overdue),
    ("이의신청", CaseStatus::ObjectionFiled),
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

/// What the error messages call one item.
const WHAT: &str = "tax";

/// Maps one item; `department` is used when the item names none.
pub fn item_to_case(item: &Item, department: &str) -> Result<Case, ConnectorError> {
    let required = |name| minwon_connector_sdk::portal::item::required(item, WHAT, name);
    let native_id = required(field::TAX_BILL_NO)?;
    let tax_item = required(field::TAX_ITEM_NM)?;
    let tax_year = number(WHAT, field::TAX_YR, required(field::TAX_YR)?, 1900..=2200)?;
    let period = optional(item, field::LEVY_PRD_NM);
    let source_status = required(field::STTUS_NM)?;
    let amount = optional_with(item, WHAT, field::TAX_AMT, amount)?;
    let opened_at = optional_with(item, WHAT, field::LEVY_DE, date)?.map(kst_midnight);
    let due_date = optional_with(item, WHAT, field::DUE_DE, date)?;
    let paid_on = optional_with(item, WHAT, field::PAY_DE, date)?;

    // `자동차세 2026년 1기`, pieces pushed rather than formatted (a `format!` per case showed).
    let year = tax_year.to_string();
    let mut title =
        String::with_capacity(tax_item.len() + year.len() + 5 + period.map_or(0, str::len));
    title.push_str(tax_item);
    title.push(' ');
    title.push_str(&year);
    title.push('년');
    if let Some(p) = period {
        title.push(' ');
        title.push_str(p);
    }
    let mut attributes = BTreeMap::new();
    attributes.insert("tax_year".to_string(), year);
    attributes.insert("tax_item".to_string(), tax_item.to_string());
    if let Some(p) = period {
        attributes.insert("installment".to_string(), p.to_string());
    }
    if let Some(bank) = optional(item, field::VRTL_ACNT_BANK_NM) {
        attributes.insert("payment_bank".to_string(), bank.to_string());
    }
    let personal = PersonalData {
        name: optional(item, field::TAXPAYER_NM).map(str::to_string),
        address: optional(item, field::OBJ_ADDR).map(str::to_string),
        vehicle_number: optional(item, field::VHCL_NO).map(str::to_string),
        account_number: optional(item, field::VRTL_ACNT_NO).map(str::to_string),
        ..PersonalData::default()
    };
    Ok(Case {
        source: NAME.to_string(),
        native_id: native_id.to_string(),
        kind: CaseKind::TaxBill,
        title,
        status: map_status(source_status),
        source_status: source_status.to_string(),
        amount_krw: amount,
        opened_at,
        updated_at: paid_on.map(kst_midnight),
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

    fn car_tax() -> Item {
        [
            (field::TAX_BILL_NO, "41570-2026-00000312"),
            (field::TAX_ITEM_NM, "자동차세"),
            (field::TAX_YR, "2026"),
            (field::LEVY_PRD_NM, "1기"),
            (field::TAXPAYER_NM, "김민서"),
            (field::VHCL_NO, "12가3456"),
            (field::TAX_AMT, "234,560"),
            (field::LEVY_DE, "20260610"),
            (field::DUE_DE, "20260630"),
            (field::STTUS_NM, "미납"),
            (field::DEPT_NM, "세정과"),
            (field::DEPT_TELNO, "031-980-2143"),
            (field::VRTL_ACNT_BANK_NM, "농협은행"),
            (field::VRTL_ACNT_NO, "79012345678901"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn car_tax_item_maps_to_a_tax_bill_case() {
        let c = item_to_case(&car_tax(), "징수과").unwrap();
        assert_eq!(c.source, "tax");
        assert_eq!(c.kind, CaseKind::TaxBill);
        assert_eq!(c.title, "자동차세 2026년 1기");
        assert_eq!(c.status, CaseStatus::Unpaid);
        assert_eq!(c.source_status, "미납");
        assert_eq!(c.amount_krw, Some(234_560));
        assert_eq!(c.due_date, NaiveDate::from_ymd_opt(2026, 6, 30));
        assert_eq!(
            c.opened_at.unwrap().to_rfc3339(),
            "2026-06-09T15:00:00+00:00"
        );
        assert_eq!(c.department, "세정과");
        assert_eq!(c.contact, "031-980-2143");
        assert_eq!(c.attributes["tax_year"], "2026");
        assert_eq!(c.attributes["installment"], "1기");
        assert_eq!(c.personal.vehicle_number.as_deref(), Some("12가3456"));
        assert_eq!(c.personal.account_number.as_deref(), Some("79012345678901"));
        assert_eq!(c.personal.name.as_deref(), Some("김민서"));
        for v in c.personal.values() {
            assert!(!c.attributes.values().any(|a| a == v), "personal in attrs");
        }
    }

    #[test]
    fn status_table_covers_the_four_words_and_keeps_the_rest_unknown() {
        assert_eq!(map_status("미납"), CaseStatus::Unpaid);
        assert_eq!(map_status(" 납부완료 "), CaseStatus::Paid);
        assert_eq!(map_status("체납"), CaseStatus::Overdue);
        assert_eq!(map_status("이의신청"), CaseStatus::ObjectionFiled);
        let mut item = car_tax();
        item.insert(field::STTUS_NM, "결손처분");
        let c = item_to_case(&item, "세정과").unwrap();
        assert_eq!(c.status, CaseStatus::Unknown);
        assert_eq!(c.source_status, "결손처분");
    }

    #[test]
    fn department_falls_back_to_config_and_optional_fields_may_be_absent() {
        let mut item = car_tax();
        for f in [
            field::DEPT_NM,
            field::DEPT_TELNO,
            field::LEVY_PRD_NM,
            field::VHCL_NO,
            field::LEVY_DE,
        ] {
            item.remove(f);
        }
        item.insert(field::DUE_DE, "2026-06-30");
        let c = item_to_case(&item, "징수과").unwrap();
        assert_eq!(c.department, "징수과");
        assert_eq!(c.title, "자동차세 2026년");
        assert_eq!(c.personal.vehicle_number, None);
        assert_eq!(c.opened_at, None);
        assert_eq!(c.due_date, NaiveDate::from_ymd_opt(2026, 6, 30));
    }

    #[test]
    fn bad_numbers_and_dates_are_bad_response_without_the_value() {
        for (f, v) in [
            (field::TAX_AMT, "12만원"),
            (field::TAX_AMT, "-5000"),
            (field::TAX_AMT, "99999999999999999999999"),
            (field::TAX_YR, "이천이십육"),
            (field::DUE_DE, "20261340"),
            (field::LEVY_DE, "2026061"),
            (field::PAY_DE, "yesterday"),
        ] {
            let mut item = car_tax();
            item.insert(f, v);
            let e = item_to_case(&item, "세정과").unwrap_err();
            assert_eq!(e.kind, ErrorKind::BadResponse, "{f}={v}");
            assert!(e.message.contains(f) && !e.message.contains(v), "{e}");
        }
        let mut item = car_tax();
        item.remove(field::TAX_BILL_NO);
        assert_eq!(
            item_to_case(&item, "세정과").unwrap_err().kind,
            ErrorKind::BadResponse
        );
    }
}
