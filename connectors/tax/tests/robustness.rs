//! Property tests: whatever the back-end sends — arbitrary text, truncated or mutated real
//! envelopes, wrong types in amount and date fields — the response handling never panics and
//! always ends in a classified error or well-formed cases, with no personal value in the text.

use minwon_connector_sdk::ErrorKind;
use minwon_connector_sdk::http::RawResponse;
use minwon_connector_sdk::portal::write_page;
use minwon_connector_tax::connector::{items_to_cases, read_page};
use minwon_connector_tax::protocol::field;
use proptest::prelude::*;

const NAME: &str = "홍길동";
const PLATE: &str = "12가3456";
const ACCOUNT: &str = "79012345678901";

fn envelope(amount: &str, due: &str) -> String {
    envelope_with_numbers(amount, due, ["41570-2026-00000101", "41570-2026-00000102"])
}

fn envelope_with_numbers(amount: &str, due: &str, numbers: [&str; 2]) -> String {
    let item = |no: &str| {
        vec![
            (field::TAX_BILL_NO, no.to_string()),
            (field::TAX_ITEM_NM, "자동차세".into()),
            (field::TAX_YR, "2026".into()),
            (field::LEVY_PRD_NM, "2기".into()),
            (field::TAXPAYER_NM, NAME.into()),
            (field::VHCL_NO, PLATE.into()),
            (field::TAX_AMT, amount.into()),
            (field::LEVY_DE, "20261210".into()),
            (field::DUE_DE, due.into()),
            (field::STTUS_NM, "미납".into()),
            (field::VRTL_ACNT_NO, ACCOUNT.into()),
        ]
    };
    write_page(&[item(numbers[0]), item(numbers[1])], 10, 1, 2)
}

/// The connector's handling of one response: envelope, then mapping.
fn handle(body: &[u8], status: u16) -> Result<usize, minwon_connector_sdk::ConnectorError> {
    let raw = RawResponse {
        status,
        content_type: Some("application/xml;charset=UTF-8".into()),
        retry_after: None,
        body: body.to_vec(),
    };
    let page = read_page(&raw)?;
    items_to_cases(&page.items, "세정과").map(|c| c.len())
}

fn check(result: Result<usize, minwon_connector_sdk::ConnectorError>) -> Result<(), TestCaseError> {
    if let Err(e) = result {
        prop_assert!(!e.message.is_empty());
        for v in [NAME, PLATE, ACCOUNT] {
            prop_assert!(!e.message.contains(v), "leak in {}", e);
        }
    }
    Ok(())
}

#[test]
fn the_real_envelope_maps_to_cases() {
    assert_eq!(
        handle(envelope("123,000", "20261231").as_bytes(), 200).unwrap(),
        2
    );
}

#[test]
fn a_repeated_bill_number_is_bad_response() {
    let same = envelope_with_numbers("1000", "20261231", ["B1", "B1"]);
    assert_eq!(
        handle(same.as_bytes(), 200).unwrap_err().kind,
        ErrorKind::BadResponse
    );
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in ".{0,600}", status in prop::sample::select(vec![200u16, 400, 403, 500, 503])) {
        check(handle(s.as_bytes(), status))?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..400)) {
        check(handle(&b, 200))?;
    }

    #[test]
    fn truncated_or_mutated_envelopes_never_panic(cut in 0usize..2000, at in 0usize..2000, ch in any::<char>()) {
        let ok = envelope("123000", "20261231");
        let mut s: String = ok.chars().take(cut).collect();
        let pos = s.char_indices().nth(at).map(|(i, _)| i).unwrap_or(s.len());
        s.insert(pos, ch);
        check(handle(s.as_bytes(), 200))?;
    }

    #[test]
    fn wrong_types_in_amount_or_date_are_bad_response(amount in "[^0-9,\\s]{1,12}|[1-9][0-9]{19,29}|-[0-9]{1,6}", due in "[0-9a-z가-힣/.]{0,12}") {
        let e = handle(envelope(&amount, "20261231").as_bytes(), 200).unwrap_err();
        prop_assert_eq!(e.kind, ErrorKind::BadResponse);
        let trimmed = due.trim();
        let valid_due = chrono::NaiveDate::parse_from_str(trimmed, "%Y%m%d").is_ok() && trimmed.len() == 8;
        if !trimmed.is_empty() && !valid_due {
            let e = handle(envelope("5000", &due).as_bytes(), 200).unwrap_err();
            prop_assert_eq!(e.kind, ErrorKind::BadResponse);
        }
    }
}

/// HTTP 429 is a quota error whatever the body says — even a NODATA envelope (which the tax
/// connector's old reader took for "no bills") — and a `Retry-After` is kept on a code 22
/// sent with HTTP 200.
#[test]
fn quota_answers_are_rate_limited_never_no_data() {
    use minwon_connector_sdk::portal::write_result_error;
    let nodata = write_result_error("03", "NODATA_ERROR");
    let e = handle(nodata.as_bytes(), 429).unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
    let raw = RawResponse {
        status: 200,
        content_type: Some("application/xml;charset=UTF-8".into()),
        retry_after: Some(std::time::Duration::from_secs(30)),
        body: write_result_error("22", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR")
            .into_bytes(),
    };
    let e = read_page(&raw).unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert_eq!(e.retry_after, Some(std::time::Duration::from_secs(30)));
}
