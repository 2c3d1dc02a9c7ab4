//! Property tests: whatever the back-end sends — arbitrary bytes and text, truncated or
//! mutated real envelopes, wrong types in numeric and date fields, deep nesting, huge
//! documents — the response handling of the fine list and the bus service never panics and
//! always ends in a classified error or well-formed values, with no personal value in the text.

use minwon_connector_sdk::http::RawResponse;
use minwon_connector_sdk::portal::read_page;
use minwon_connector_sdk::portal::write_page;
use minwon_connector_sdk::{ConnectorError, ErrorKind};
use minwon_connector_traffic::bus::{item_to_route_info, item_to_stop};
use minwon_connector_traffic::connector::items_to_cases;
use minwon_connector_traffic::protocol::{bus_field, field};
use proptest::prelude::*;
use std::collections::HashSet;

const PLATE: &str = "12가3456";
const NAME: &str = "홍길동";
const ADDR: &str = "경기도 김포시 사우동 사우중로 12";

fn fine(no: &str, speed: &str, at: &str) -> Vec<(&'static str, String)> {
    vec![
        (field::FINE_NO, no.into()),
        (field::FINE_SE_NM, "과태료".into()),
        (field::VIO_TYPE_NM, "과속".into()),
        (field::LMT_SPD, "60".into()),
        (field::DRV_SPD, speed.into()),
        (
            field::VIO_PLC_NM,
            "경기도 김포시 사우동 김포대로 사우사거리".into(),
        ),
        (field::VIO_DT, at.into()),
        (field::VHCL_NO, PLATE.into()),
        (field::OWNR_NM, NAME.into()),
        (field::OWNR_ADDR, ADDR.into()),
        (field::FINE_AMT, "40000".into()),
        (field::DUE_DE, "20261231".into()),
        (field::STTUS_NM, "부과".into()),
    ]
}

fn envelope(speed: &str, at: &str) -> String {
    write_page(
        &[fine("F1", speed, at), fine("F2", "81", "20261003143512")],
        10,
        1,
        2,
    )
}

fn bus_envelope(first: &str, seq: &str) -> String {
    let route = vec![
        (bus_field::ROUTE_ID, "233000031".to_string()),
        (bus_field::ROUTE_NO, "60-3".into()),
        (bus_field::ROUTE_TP_NM, "일반".into()),
        (bus_field::ST_STA_NM, "마송터미널".into()),
        (bus_field::ED_STA_NM, "김포공항역".into()),
        (bus_field::FIRST_TM, first.into()),
        (bus_field::LAST_TM, "2330".into()),
        (bus_field::STATION_SEQ, seq.into()),
        (bus_field::STATION_ID, "41570001".into()),
        (bus_field::STATION_NM, "사우역".into()),
    ];
    write_page(&[route], 10, 1, 1)
}

fn raw(body: &[u8], status: u16) -> RawResponse {
    RawResponse {
        status,
        content_type: Some("application/xml;charset=UTF-8".into()),
        retry_after: None,
        body: body.to_vec(),
    }
}

/// The connector's handling of one fine-list response: envelope, then mapping.
fn handle(body: &[u8], status: u16) -> Result<usize, ConnectorError> {
    let page = read_page(&raw(body, status))?;
    items_to_cases(&page.items, "교통행정과", Some(PLATE), &mut HashSet::new()).map(|c| c.len())
}

/// The bus client's handling of one response: envelope, then route and stop mapping.
fn handle_bus(body: &[u8]) -> Result<usize, ConnectorError> {
    let page = read_page(&raw(body, 200))?;
    for item in &page.items {
        item_to_route_info(item)?;
        item_to_stop(item)?;
    }
    Ok(page.items.len())
}

fn check(result: Result<usize, ConnectorError>) -> Result<(), TestCaseError> {
    if let Err(e) = result {
        prop_assert!(!e.message.is_empty());
        for v in [PLATE, NAME, ADDR] {
            prop_assert!(!e.message.contains(v), "leak in {}", e);
        }
    }
    Ok(())
}

fn mutate(s: &str, cut: usize, at: usize, ch: char) -> String {
    let mut s: String = s.chars().take(cut).collect();
    let pos = s.char_indices().nth(at).map(|(i, _)| i).unwrap_or(s.len());
    s.insert(pos, ch);
    s
}

#[test]
fn the_real_envelopes_map() {
    assert_eq!(
        handle(envelope("78", "20261003143512").as_bytes(), 200).unwrap(),
        2
    );
    assert_eq!(handle_bus(bus_envelope("0500", "1").as_bytes()).unwrap(), 1);
}

#[test]
fn deep_nesting_and_huge_documents_are_classified() {
    let deep = format!(
        "<response><header><resultCode>00</resultCode></header><body><items><item>{}{}</item></items></body></response>",
        "<a>".repeat(5000),
        "</a>".repeat(5000)
    );
    assert_eq!(
        handle(deep.as_bytes(), 200).unwrap_err().kind,
        ErrorKind::BadResponse
    );
    let many: Vec<_> = (0..5000)
        .map(|n| fine(&format!("F{n}"), "78", "20261003143512"))
        .collect();
    let huge = write_page(&many, 5000, 1, 5000);
    assert_eq!(handle(huge.as_bytes(), 200).unwrap(), 5000);
    let long = write_page(
        &[fine(&"F".repeat(1_000_000), "78", "20261003143512")],
        10,
        1,
        1,
    );
    assert_eq!(handle(long.as_bytes(), 200).unwrap(), 1);
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in ".{0,600}", status in prop::sample::select(vec![200u16, 400, 403, 429, 500, 503])) {
        check(handle(s.as_bytes(), status))?;
        check(handle_bus(s.as_bytes()))?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..400)) {
        check(handle(&b, 200))?;
        check(handle_bus(&b))?;
    }

    #[test]
    fn truncated_or_mutated_envelopes_never_panic(cut in 0usize..2500, at in 0usize..2500, ch in any::<char>()) {
        check(handle(mutate(&envelope("78", "20261003143512"), cut, at, ch).as_bytes(), 200))?;
        check(handle_bus(mutate(&bus_envelope("0500", "1"), cut, at, ch).as_bytes()))?;
    }

    #[test]
    fn nested_elements_inside_items_never_panic(depth in 0usize..40, tag in "[a-zA-Z]{1,8}") {
        let open: String = (0..depth).map(|_| format!("<{tag}>")).collect();
        let close: String = (0..depth).map(|_| format!("</{tag}>")).collect();
        let body = envelope("78", "20261003143512").replace("<fineAmt>", &format!("<fineAmt>{open}1{close}"));
        check(handle(body.as_bytes(), 200))?;
    }

    #[test]
    fn wrong_types_in_numbers_and_dates_are_bad_response(
        speed in "[^0-9\\s]{1,8}|[1-9][0-9]{5,20}|-[0-9]{1,4}",
        at in "[0-9a-z가-힣:/ ]{1,16}",
        first in "[^0-9\\s]{1,5}|2[5-9][0-9]{2}|[0-9]{1,3}",
    ) {
        let e = handle(envelope(&speed, "20261003143512").as_bytes(), 200).unwrap_err();
        prop_assert_eq!(e.kind, ErrorKind::BadResponse);
        let t = at.trim();
        let valid = chrono::NaiveDateTime::parse_from_str(t, "%Y%m%d%H%M%S").is_ok()
            || chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").is_ok();
        if !t.is_empty() && !valid {
            let e = handle(envelope("78", &at).as_bytes(), 200).unwrap_err();
            prop_assert_eq!(e.kind, ErrorKind::BadResponse);
        }
        let e = handle_bus(bus_envelope(&first, "1").as_bytes()).unwrap_err();
        prop_assert_eq!(e.kind, ErrorKind::BadResponse);
    }
}
