//! Property tests: whatever the back-end sends — arbitrary bytes, truncated or mutated real
//! answers, wrong JSON types in any field, deep nesting, huge values — the search answer and
//! the token answer are handled without a panic and end in well-formed cases or a classified
//! error, with no personal value (nor the token) in the text.

use minwon_connector_sdk::http::RawResponse;
use minwon_connector_sdk::oauth2::read_token_response;
use minwon_connector_sdk::{ConnectorError, ErrorKind};
use minwon_connector_welfare::connector::handle_search;
use proptest::prelude::*;
use serde_json::{Value, json};

const NAME: &str = "홍길동";
const PHONE: &str = "010-2345-6789";
const ADDRESS: &str = "경기도 김포시 사우동 사우중로 1";
const ACCOUNT: &str = "302-1234-5678-91";
const TOKEN: &str = "tok.SECRET-abc";

const BENEFIT_FIELDS: [&str; 15] = [
    "applicationNo",
    "benefitCode",
    "benefitName",
    "status",
    "applicationDate",
    "dueDate",
    "decisionDate",
    "monthlyAmount",
    "nextPaymentDate",
    "bankName",
    "accountNo",
    "reason",
    "deptName",
    "deptTel",
    "updatedAt",
];

fn benefit(no: &str) -> Value {
    json!({
        "applicationNo": no, "benefitCode": "BASIC_PENSION", "benefitName": "기초연금",
        "status": "지급중", "applicationDate": "2025-03-14", "dueDate": null,
        "decisionDate": "2025-04-02", "monthlyAmount": 342510, "nextPaymentDate": "2026-12-25",
        "bankName": "농협은행", "accountNo": ACCOUNT, "reason": null, "deptName": "노인복지과",
        "deptTel": "031-980-2281", "updatedAt": "2026-11-25T10:15:00+09:00"
    })
}

fn answer(benefits: Vec<Value>) -> Value {
    json!({
        "result": {"code": "0000", "message": "정상"},
        "data": {
            "applicant": {"name": NAME, "phone": PHONE, "address": ADDRESS},
            "benefits": benefits
        }
    })
}

fn raw(status: u16, body: &[u8]) -> RawResponse {
    RawResponse {
        status,
        content_type: Some("application/json;charset=UTF-8".into()),
        retry_after: None,
        body: body.to_vec(),
    }
}

fn handle(body: &[u8], status: u16) -> Result<usize, ConnectorError> {
    handle_search(&raw(status, body), "복지정책과").map(|c| c.len())
}

fn check(result: Result<usize, ConnectorError>) -> Result<(), TestCaseError> {
    if let Err(e) = result {
        prop_assert!(!e.message.is_empty());
        for v in [NAME, PHONE, ADDRESS, ACCOUNT, TOKEN, "900101"] {
            prop_assert!(!e.message.contains(v), "leak in {}", e);
        }
    }
    Ok(())
}

/// Any JSON value, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn the_real_answer_maps_to_cases() {
    let body = answer(vec![benefit("WF-1"), benefit("WF-2")]).to_string();
    assert_eq!(handle(body.as_bytes(), 200).unwrap(), 2);
}

#[test]
fn deep_nesting_is_refused_without_overflow() {
    for depth in [200, 10_000, 100_000] {
        let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert_eq!(
            handle(body.as_bytes(), 200).unwrap_err().kind,
            ErrorKind::BadResponse
        );
        let nested = format!(
            r#"{{"result":{{"code":"0000"}},"data":{{"benefits":[{}{}]}}}}"#,
            "{\"a\":".repeat(depth / 4),
            "1".to_string() + &"}".repeat(depth / 4)
        );
        assert_eq!(
            handle(nested.as_bytes(), 200).unwrap_err().kind,
            ErrorKind::BadResponse
        );
        let token = format!(
            r#"{{"access_token":{}1{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        assert!(read_token_response(&raw(200, token.as_bytes())).is_err());
    }
}

#[test]
fn many_benefits_and_huge_strings_are_handled() {
    let many: Vec<Value> = (0..5_000).map(|i| benefit(&format!("WF-{i}"))).collect();
    assert_eq!(
        handle(answer(many).to_string().as_bytes(), 200).unwrap(),
        5_000
    );
    let mut b = benefit("WF-1");
    b["reason"] = json!("사유".repeat(200_000));
    assert_eq!(
        handle(answer(vec![b]).to_string().as_bytes(), 200).unwrap(),
        1
    );
    let mut b = benefit("WF-1");
    b["monthlyAmount"] = json!("9".repeat(100_000));
    assert_eq!(
        handle(answer(vec![b]).to_string().as_bytes(), 200)
            .unwrap_err()
            .kind,
        ErrorKind::BadResponse
    );
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in ".{0,600}", status in prop::sample::select(vec![200u16, 400, 401, 403, 404, 500, 503])) {
        check(handle(s.as_bytes(), status))?;
        let _ = read_token_response(&raw(status, s.as_bytes()));
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..400)) {
        check(handle(&b, 200))?;
        let _ = read_token_response(&raw(200, &b));
    }

    #[test]
    fn truncated_or_mutated_answers_never_panic(cut in 0usize..1200, at in 0usize..1200, ch in any::<char>()) {
        let ok = answer(vec![benefit("WF-1"), benefit("WF-2")]).to_string();
        let mut s: String = ok.chars().take(cut).collect();
        let pos = s.char_indices().nth(at).map(|(i, _)| i).unwrap_or(s.len());
        s.insert(pos, ch);
        check(handle(s.as_bytes(), 200))?;
        let token = format!(r#"{{"access_token":"{TOKEN}","token_type":"Bearer","expires_in":300}}"#);
        let mut t: String = token.chars().take(cut % (token.len() + 1)).collect();
        let pos = t.char_indices().nth(at).map(|(i, _)| i).unwrap_or(t.len());
        t.insert(pos, ch);
        if let Err(e) = read_token_response(&raw(200, t.as_bytes())) {
            prop_assert!(!e.message.contains(TOKEN), "token in {}", e);
        }
    }

    #[test]
    fn any_value_in_any_benefit_field_is_cases_or_bad_response(idx in 0usize..BENEFIT_FIELDS.len(), v in any_json()) {
        let mut b = benefit("WF-1");
        b[BENEFIT_FIELDS[idx]] = v;
        match handle(answer(vec![b]).to_string().as_bytes(), 200) {
            Ok(n) => prop_assert_eq!(n, 1),
            Err(e) => {
                prop_assert_eq!(e.kind, ErrorKind::BadResponse);
                prop_assert!(e.message.contains(BENEFIT_FIELDS[idx]), "names the field: {}", e);
                check(Err(e))?;
            }
        }
    }

    #[test]
    fn any_envelope_shape_is_classified(result in any_json(), data in any_json(), status in prop::sample::select(vec![200u16, 404, 500])) {
        let body = json!({"result": result, "data": data}).to_string();
        check(handle(body.as_bytes(), status))?;
    }

    #[test]
    fn any_token_answer_shape_is_classified(v in any_json(), status in prop::sample::select(vec![200u16, 400, 401, 500])) {
        match read_token_response(&raw(status, v.to_string().as_bytes())) {
            Ok(t) => prop_assert!(!t.access_token.expose().is_empty() && status == 200),
            Err(e) => prop_assert!(!e.message.is_empty()),
        }
    }
}
