//! Property tests: whatever the back-end sends — arbitrary bytes, truncated or mutated real
//! pages, wrong types in any field, deep nesting, huge values — the response handling never
//! panics and always ends in a classified error or well-formed cases, with no personal value
//! in the error text.

use minwon_connector_parking::connector::read_page;
use minwon_connector_parking::mapping::item_to_case;
use minwon_connector_sdk::http::RawResponse;
use minwon_connector_sdk::{ConnectorError, ErrorKind};
use proptest::prelude::*;
use serde_json::{Value, json};

const NAME: &str = "홍길동";
const PLATE: &str = "12가3456";

fn real_page() -> Value {
    let item = |no: &str, towing: Value| {
        json!({"ticketNo": no, "category": if towing.is_null() {"violation"} else {"towing"},
               "vehicleNo": PLATE, "ownerName": NAME, "violationType": "횡단보도 주정차",
               "place": "김포시 구래동 구래로 88 앞", "district": "구래동",
               "violatedAt": "2026-10-02T18:05:00+09:00", "amount": 40000,
               "dueDate": "2026-12-26", "status": "부과",
               "statusChangedAt": "2026-11-01T09:00:00+09:00", "department": "주차관리과",
               "contact": "031-980-5424", "towing": towing})
    };
    json!({"items": [
        item("41570-PK-2026-000001001", Value::Null),
        item("41570-PK-2026-000001002", json!({"lotName": "구래동 견인보관소",
            "lotAddress": "김포시 구래동 김포한강8로 201", "lotPhone": "031-980-5672",
            "towedAt": "2026-12-14T10:00:00+09:00"})),
    ], "nextCursor": "c100000003abcdef0123456789"})
}

/// The connector's handling of one response: page, then mapping.
fn handle(body: &[u8], status: u16) -> Result<usize, ConnectorError> {
    let raw = RawResponse {
        status,
        content_type: Some("application/json".into()),
        retry_after: None,
        body: body.to_vec(),
    };
    let page = read_page(&raw)?;
    page.items
        .iter()
        .map(|i| item_to_case(i, "주차관리과"))
        .collect::<Result<Vec<_>, _>>()
        .map(|c| c.len())
}

fn check(result: Result<usize, ConnectorError>) -> Result<(), TestCaseError> {
    if let Err(e) = result {
        prop_assert!(!e.message.is_empty());
        for v in [NAME, PLATE] {
            prop_assert!(!e.message.contains(v), "leak in {}", e);
        }
    }
    Ok(())
}

/// A JSON value of any shape, up to a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn the_real_page_maps_to_cases() {
    assert_eq!(handle(real_page().to_string().as_bytes(), 200).unwrap(), 2);
}

#[test]
fn deep_nesting_and_huge_bodies_are_bad_response_not_a_crash() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(
        handle(deep.as_bytes(), 200).unwrap_err().kind,
        ErrorKind::BadResponse
    );
    let mut page = real_page();
    page["items"][0]["place"] = json!("가".repeat(1_000_000));
    assert_eq!(
        handle(page.to_string().as_bytes(), 200).unwrap_err().kind,
        ErrorKind::BadResponse
    );
    let many = json!({"items": vec![real_page()["items"][0].clone(); 20_000], "nextCursor": null});
    assert_eq!(handle(many.to_string().as_bytes(), 200).unwrap(), 20_000);
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in ".{0,600}", status in prop::sample::select(vec![200u16, 400, 404, 429, 500])) {
        check(handle(s.as_bytes(), status))?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..400)) {
        check(handle(&b, 200))?;
    }

    #[test]
    fn truncated_or_mutated_pages_never_panic(cut in 0usize..1500, at in 0usize..1500, ch in any::<char>()) {
        let ok = real_page().to_string();
        let mut s: String = ok.chars().take(cut).collect();
        let pos = s.char_indices().nth(at).map(|(i, _)| i).unwrap_or(s.len());
        s.insert(pos, ch);
        check(handle(s.as_bytes(), 200))?;
    }

    #[test]
    fn any_value_in_any_field_is_classified(
        field in prop::sample::select(vec!["ticketNo", "category", "vehicleNo", "ownerName",
            "place", "violatedAt", "amount", "dueDate", "status", "statusChangedAt", "towing",
            "contact", "items", "nextCursor"]),
        value in any_json(),
    ) {
        let mut page = real_page();
        if field == "items" || field == "nextCursor" {
            page[field] = value;
        } else {
            page["items"][1][field] = value;
        }
        check(handle(page.to_string().as_bytes(), 200))?;
    }

    #[test]
    fn wrong_types_in_amount_or_dates_are_bad_response(
        amount in prop_oneof![".{1,12}".prop_map(Value::from), (-1_000_000i64..0).prop_map(Value::from),
                              (0.5f64..1e9).prop_map(|f| json!(f + 0.25))],
        date in "[0-9a-z가-힣/.]{1,12}",
    ) {
        let mut page = real_page();
        page["items"][0]["amount"] = amount;
        let e = handle(page.to_string().as_bytes(), 200).unwrap_err();
        prop_assert_eq!(e.kind, ErrorKind::BadResponse);
        let mut page = real_page();
        page["items"][0]["dueDate"] = json!(date.clone());
        if chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").is_err() {
            let e = handle(page.to_string().as_bytes(), 200).unwrap_err();
            prop_assert_eq!(e.kind, ErrorKind::BadResponse);
        }
    }
}
