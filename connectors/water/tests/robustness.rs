//! Property tests: whatever the back-end sends — arbitrary bytes, truncated or mutated real
//! answers, wrong types in amount, month and date fields, deep nesting, huge values — the
//! answer handling never panics and always ends in a classified error or well-formed cases,
//! with no personal value in the error text.

use minwon_connector_sdk::http::RawResponse;
use minwon_connector_sdk::{ConnectorError, ErrorKind};
use minwon_connector_water::answer::read_answer;
use minwon_connector_water::connector::search_result;
use proptest::prelude::*;
use serde_json::{Value, json};

const CUSTOMER_NO: &str = "201412345678";
const NAME: &str = "홍길동";
const ADDRESS: &str = "경기도 김포시 사우동 사우중로 12";

fn real_answer() -> Value {
    let bill = |no: &str, month: &str| {
        json!({"billNo": no, "billingMonth": month, "usageM3": 18, "waterAmount": 13_500,
            "sewageAmount": 10_080, "waterUseCharge": 3_060, "totalAmount": 26_640,
            "issueDate": "2026-12-05", "dueDate": "2026-12-31", "paidDate": null,
            "status": "미납", "autoDebit": false, "officeName": "수도과",
            "officeTel": "031-980-5421"})
    };
    json!({
        "result": {"code": "0000", "message": "정상"},
        "customer": {"customerNo": CUSTOMER_NO, "customerName": NAME,
            "serviceAddress": ADDRESS, "usageType": "가정용"},
        "bills": [bill("W-202611-000001", "2026-11"), bill("W-202610-000001", "2026-10")],
    })
}

/// The connector's handling of one search answer: status, envelope, mapping.
fn handle(body: &[u8], status: u16) -> Result<usize, ConnectorError> {
    let raw = RawResponse {
        status,
        content_type: Some("application/json;charset=UTF-8".into()),
        retry_after: None,
        body: body.to_vec(),
    };
    search_result(read_answer(&raw), CUSTOMER_NO, "수도과").map(|c| c.len())
}

fn check(result: Result<usize, ConnectorError>) -> Result<(), TestCaseError> {
    if let Err(e) = result {
        prop_assert!(!e.message.is_empty());
        for v in [CUSTOMER_NO, NAME, ADDRESS] {
            prop_assert!(!e.message.contains(v), "leak in {}", e);
        }
    }
    Ok(())
}

#[test]
fn the_real_answer_maps_to_cases() {
    assert_eq!(
        handle(real_answer().to_string().as_bytes(), 200).unwrap(),
        2
    );
}

#[test]
fn deep_nesting_is_bad_response_not_a_stack_overflow() {
    for depth in [200, 100_000] {
        let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert_eq!(
            handle(body.as_bytes(), 200).unwrap_err().kind,
            ErrorKind::BadResponse
        );
        let v = real_answer();
        let nested = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        let text = v
            .to_string()
            .replace("\"usageM3\":18", &format!("\"usageM3\":{nested}"));
        assert_eq!(
            handle(text.as_bytes(), 200).unwrap_err().kind,
            ErrorKind::BadResponse
        );
    }
}

#[test]
fn huge_values_are_handled() {
    let mut v = real_answer();
    v["customer"]["customerName"] = json!("김".repeat(1_000_000));
    assert_eq!(handle(v.to_string().as_bytes(), 200).unwrap(), 2);
    v["bills"][0]["totalAmount"] = json!("9".repeat(100_000));
    let e = handle(v.to_string().as_bytes(), 200).unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
    assert!(e.message.len() < 200, "no value echoed");
}

/// Values of the wrong type or shape for a field.
fn wrong_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(null)),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,24}".prop_map(Value::from),
        Just(json!([1, "2"])),
        Just(json!({"k": "v"})),
    ]
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in ".{0,600}", status in prop::sample::select(vec![200u16, 400, 429, 500, 503])) {
        check(handle(s.as_bytes(), status))?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..400)) {
        check(handle(&b, 200))?;
    }

    #[test]
    fn truncated_or_mutated_answers_never_panic(cut in 0usize..1200, at in 0usize..1200, ch in any::<char>()) {
        let ok = real_answer().to_string();
        let mut s: String = ok.chars().take(cut).collect();
        let pos = s.char_indices().nth(at).map(|(i, _)| i).unwrap_or(s.len());
        s.insert(pos, ch);
        check(handle(s.as_bytes(), 200))?;
    }

    #[test]
    fn wrong_types_anywhere_are_classified(
        path in prop::sample::select(vec![
            "/result", "/result/code", "/customer", "/customer/customerNo",
            "/customer/customerName", "/bills", "/bills/0", "/bills/0/billNo",
            "/bills/0/billingMonth", "/bills/0/usageM3", "/bills/0/totalAmount",
            "/bills/0/waterAmount", "/bills/0/dueDate", "/bills/0/paidDate",
            "/bills/0/status", "/bills/0/autoDebit", "/bills/1/issueDate",
        ]),
        value in wrong_value(),
    ) {
        let mut v = real_answer();
        if let Some(slot) = v.pointer_mut(path) {
            *slot = value;
        }
        let r = handle(v.to_string().as_bytes(), 200);
        // A replaced result code is classified by the code table; anything else wrong is
        // a bad response.
        if let Err(e) = &r && path != "/result/code" {
            prop_assert_eq!(e.kind, ErrorKind::BadResponse, "{}: {}", path, e);
        }
        check(r)?;
    }
}
