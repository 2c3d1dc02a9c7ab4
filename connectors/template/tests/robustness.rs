//! Property tests of the response handling: whatever the back-end sends — arbitrary bytes,
//! truncated or mutated real answers, wrong types in any field, deep nesting, huge values —
//! it never panics and ends in well-formed cases or a classified error whose text carries no
//! personal value. (A body over `max_body_bytes` never reaches the parser: see
//! `tests/against_sim.rs`.)

use minwon_connector_sdk::http::RawResponse;
use minwon_connector_sdk::{ConnectorError, ErrorKind};
use minwon_connector_template::answer::read_answer;
use minwon_connector_template::connector::search_result;
use proptest::prelude::*;
use serde_json::{Value, json};

const NAME: &str = "홍길동";
const PHONE: &str = "010-2345-6789";
const ADDRESS: &str = "경기도 김포시 사우동 사우중로 12";

fn real_answer() -> Value {
    let booking = |no: &str, status: &str| {
        json!({"bookingNo": no, "applicantName": NAME, "applicantPhone": PHONE,
            "collectionAddress": ADDRESS,
            "items": [{"itemName": "장롱", "spec": "폭 1m 이상", "quantity": 1, "fee": 10000}],
            "totalFee": 10000, "appliedDate": "2026-12-14", "collectionDate": "2026-12-18",
            "status": status, "deptName": "환경과", "deptTel": "031-980-2631"})
    };
    json!({"result": {"code": "0000", "message": "정상"},
        "bookings": [booking("LW-2026-000100", "수거예정"), booking("LW-2025-000101", "수거완료")]})
}

/// The connector's handling of one search answer: status, envelope, mapping.
fn handle(body: &[u8], status: u16) -> Result<usize, ConnectorError> {
    let raw = RawResponse {
        status,
        content_type: Some("application/json;charset=UTF-8".into()),
        retry_after: None,
        body: body.to_vec(),
    };
    search_result(read_answer(&raw), "환경과").map(|c| c.len())
}

fn check(result: Result<usize, ConnectorError>) -> Result<(), TestCaseError> {
    if let Err(e) = result {
        prop_assert!(!e.message.is_empty());
        for v in [NAME, PHONE, ADDRESS] {
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
        let e = handle(body.as_bytes(), 200).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse);
        let nested = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        let text = real_answer()
            .to_string()
            .replace("\"totalFee\":10000", &format!("\"totalFee\":{nested}"));
        let e = handle(text.as_bytes(), 200).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse);
    }
}

#[test]
fn huge_values_are_handled_without_echo() {
    let mut v = real_answer();
    v["bookings"][0]["applicantName"] = json!("김".repeat(1_000_000));
    assert_eq!(handle(v.to_string().as_bytes(), 200).unwrap(), 2);
    v["bookings"][0]["totalFee"] = json!("9".repeat(100_000));
    let e = handle(v.to_string().as_bytes(), 200).unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
    assert!(e.message.len() < 200, "no value echoed: {e}");
}

/// Values of the wrong type or shape for a field.
fn wrong_value() -> impl Strategy<Value = Value> {
    prop_oneof![
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
    fn arbitrary_text_never_panics(
        s in ".{0,600}",
        status in prop::sample::select(vec![200u16, 400, 429, 500, 503]),
    ) {
        check(handle(s.as_bytes(), status))?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..400)) {
        check(handle(&b, 200))?;
    }

    #[test]
    fn truncated_or_mutated_answers_never_panic(
        cut in 0usize..1200, at in 0usize..1200, ch in any::<char>(),
    ) {
        let ok = real_answer().to_string();
        let mut s: String = ok.chars().take(cut).collect();
        let pos = s.char_indices().nth(at).map_or(s.len(), |(i, _)| i);
        s.insert(pos, ch);
        check(handle(s.as_bytes(), 200))?;
    }

    #[test]
    fn wrong_types_anywhere_are_classified(
        path in prop::sample::select(vec![
            "/result", "/result/code", "/bookings", "/bookings/0", "/bookings/0/bookingNo",
            "/bookings/0/applicantName", "/bookings/0/items", "/bookings/0/items/0",
            "/bookings/0/items/0/itemName", "/bookings/0/items/0/quantity",
            "/bookings/0/totalFee", "/bookings/0/appliedDate", "/bookings/1/collectionDate",
            "/bookings/1/status", "/bookings/1/deptTel",
        ]),
        value in wrong_value(),
    ) {
        let mut v = real_answer();
        if let Some(slot) = v.pointer_mut(path) {
            *slot = value;
        }
        let r = handle(v.to_string().as_bytes(), 200);
        // A replaced result code is classified by the code table; anything else wrong is a
        // bad response (some replacements are still valid, e.g. a string where one belongs).
        if let Err(e) = &r && path != "/result/code" {
            prop_assert_eq!(e.kind, ErrorKind::BadResponse, "{}: {}", path, e);
        }
        check(r)?;
    }
}
