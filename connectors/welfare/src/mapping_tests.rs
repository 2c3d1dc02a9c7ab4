//! Unit tests of the mapping: the status table, a paying benefit, pending and refused ones,
//! and wrong types named by field without their values.

use super::*;
use minwon_connector_sdk::ErrorKind;
use serde_json::{Value, json};

/// `data` read as the connector reads it: decoded from body bytes, then mapped.
fn search_to_cases(data: &Value, department: &str) -> Result<Vec<Case>, ConnectorError> {
    let body = serde_json::to_vec(data).unwrap();
    let d: Object<SearchData> = json::decode(&body, "welfare data")?;
    super::search_to_cases(&d.0, department)
}

fn detail_to_case(data: &Value, no: &str, department: &str) -> Result<Case, ConnectorError> {
    let body = serde_json::to_vec(data).unwrap();
    let d: Object<DetailData> = json::decode(&body, "welfare data")?;
    super::detail_to_case(&d.0, no, department)
}

fn benefit_to_case(
    b: &Value,
    person: &PersonalData,
    department: &str,
) -> Result<Case, ConnectorError> {
    let body = serde_json::to_vec(b).unwrap();
    let b: Object<Benefit> = json::decode(&body, "welfare benefit")?;
    Ok(super::benefit_to_case(&b.0, person, department))
}

fn paying() -> Value {
    json!({
        "applicationNo": "WF-2025-00000101",
        "benefitCode": "BASIC_PENSION",
        "benefitName": "기초연금",
        "status": "지급중",
        "applicationDate": "2025-03-14",
        "decisionDate": "2025-04-02",
        "monthlyAmount": 342510,
        "nextPaymentDate": "2026-12-25",
        "bankName": "농협은행",
        "accountNo": "302-1234-5678-91",
        "deptName": "노인복지과",
        "deptTel": "031-980-2281",
        "updatedAt": "2026-11-25T10:15:00+09:00"
    })
}

fn search(benefits: Value) -> Value {
    json!({
        "applicant": {"name": "김민서", "phone": "010-2345-6789", "address": "경기도 김포시 사우동 사우중로 1"},
        "benefits": benefits
    })
}

#[test]
fn a_paying_benefit_maps_to_a_completed_welfare_case() {
    let cases = search_to_cases(&search(json!([paying()])), "복지정책과").unwrap();
    let c = &cases[0];
    assert_eq!(
        (c.source.as_str(), c.kind),
        ("welfare", CaseKind::WelfareApplication)
    );
    assert_eq!(c.title, "기초연금 신청");
    assert_eq!(
        (c.status, c.source_status.as_str()),
        (CaseStatus::Completed, "지급중")
    );
    assert_eq!(c.amount_krw, Some(342_510));
    assert_eq!(c.attributes["monthly_amount"], "342510");
    assert_eq!(c.attributes["next_payment_date"], "2026-12-25");
    assert_eq!(c.attributes["decision_date"], "2025-04-02");
    assert_eq!(c.attributes["payment_bank"], "농협은행");
    assert_eq!(
        c.opened_at.unwrap().to_rfc3339(),
        "2025-03-13T15:00:00+00:00"
    );
    assert_eq!(
        c.updated_at.unwrap().to_rfc3339(),
        "2026-11-25T01:15:00+00:00"
    );
    assert_eq!(
        (c.department.as_str(), c.contact.as_str()),
        ("노인복지과", "031-980-2281")
    );
    assert_eq!(c.personal.name.as_deref(), Some("김민서"));
    assert_eq!(c.personal.phone.as_deref(), Some("010-2345-6789"));
    assert!(c.personal.address.is_some());
    assert_eq!(
        c.personal.account_number.as_deref(),
        Some("302-1234-5678-91")
    );
    for v in c.personal.values() {
        assert!(
            !c.attributes.values().any(|a| a == v),
            "personal value in attributes"
        );
    }
}

#[test]
fn the_status_table_and_unknown_words() {
    for (w, s) in [
        ("접수", CaseStatus::Received),
        ("조사중", CaseStatus::InProgress),
        (" 심사중 ", CaseStatus::InProgress),
        ("보완요청", CaseStatus::InProgress),
        ("지급결정", CaseStatus::Completed),
        ("지급종료", CaseStatus::Completed),
        ("부적합", CaseStatus::Rejected),
        ("기각", CaseStatus::Rejected),
        ("이의신청", CaseStatus::ObjectionFiled),
        ("중지", CaseStatus::Cancelled),
        ("지급중지", CaseStatus::Cancelled),
        ("취하", CaseStatus::Cancelled),
        ("환수결정", CaseStatus::Unknown),
    ] {
        assert_eq!(map_status(w), s, "{w}");
    }
    let mut b = paying();
    b["status"] = json!("환수결정");
    let c = benefit_to_case(&b, &PersonalData::default(), "복지정책과").unwrap();
    assert_eq!(
        (c.status, c.source_status.as_str()),
        (CaseStatus::Unknown, "환수결정")
    );
}

#[test]
fn a_pending_application_has_a_deadline_and_no_payment() {
    let b = json!({
        "applicationNo": "WF-2026-00000102", "benefitName": "아동수당", "status": "접수",
        "applicationDate": "20261201", "dueDate": "2026-12-31",
        "monthlyAmount": null, "nextPaymentDate": null, "accountNo": null
    });
    let c = benefit_to_case(&b, &PersonalData::default(), "아동보육과").unwrap();
    assert_eq!(c.status, CaseStatus::Received);
    assert_eq!(c.due_date, NaiveDate::from_ymd_opt(2026, 12, 31));
    assert_eq!((c.amount_krw, c.updated_at), (None, None));
    assert_eq!(
        (c.department.as_str(), c.contact.as_str()),
        ("아동보육과", "")
    );
    assert!(!c.attributes.contains_key("next_payment_date"));
    assert_eq!(c.personal, PersonalData::default());
}

#[test]
fn empty_or_null_benefits_are_no_cases_and_applicant_may_be_null() {
    for data in [
        json!({"applicant": null, "benefits": []}),
        json!({"benefits": null}),
        json!({}),
    ] {
        assert!(search_to_cases(&data, "x").unwrap().is_empty(), "{data}");
    }
}

#[test]
fn wrong_types_are_bad_response_naming_the_field_not_the_value() {
    for (f, v) in [
        ("monthlyAmount", json!("34만원")),
        ("monthlyAmount", json!(-5)),
        ("monthlyAmount", json!(1.5)),
        ("monthlyAmount", json!("99999999999999999999999")),
        ("nextPaymentDate", json!("2026-13-45")),
        ("applicationDate", json!(20250314)),
        ("updatedAt", json!("어제")),
        ("status", json!({"word": "지급중"})),
        ("accountNo", json!(3021234567891u64)),
        ("applicationNo", json!(null)),
    ] {
        let mut b = paying();
        b[f] = v.clone();
        let e = search_to_cases(&search(json!([b])), "x").unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse, "{f}={v}");
        assert!(e.message.contains(f), "{e}");
        let shown = v.to_string();
        assert!(
            shown.len() < 4 || !e.message.contains(shown.trim_matches('"')),
            "{e}"
        );
    }
    let e = search_to_cases(&json!({"applicant": {"name": 7}, "benefits": []}), "x").unwrap_err();
    assert!(e.message.contains("name"), "{e}");
    for data in [json!([]), json!({"benefits": {}}), json!({"benefits": [1]})] {
        let e = search_to_cases(&data, "x").unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse, "{data}");
    }
}

#[test]
fn duplicates_and_foreign_details_are_refused() {
    let e = search_to_cases(&search(json!([paying(), paying()])), "x").unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
    let detail = json!({"applicant": null, "benefit": paying()});
    assert_eq!(
        detail_to_case(&detail, "WF-2025-00000101", "x")
            .unwrap()
            .native_id,
        "WF-2025-00000101"
    );
    let e = detail_to_case(&detail, "WF-2025-00000102", "x").unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
    let e = detail_to_case(&json!({"applicant": null}), "WF-1", "x").unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
}
