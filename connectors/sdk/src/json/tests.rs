//! The JSON rules pinned once for every connector: lenient reads (trimmed text, won as an
//! integer or "12,340", both date forms, `Y`/`N`), and errors that name the path, never the
//! value.

use super::*;
use crate::ErrorKind;
use chrono::{DateTime, NaiveDate, Utc};
use std::borrow::Cow;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Booking<'a> {
    #[serde(borrow, deserialize_with = "required")]
    no: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "text")]
    name: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "text")]
    blank: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "text")]
    nul: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "won")]
    fee: Option<i64>,
    #[serde(default, deserialize_with = "won")]
    fee_text: Option<i64>,
    #[serde(default, deserialize_with = "won")]
    missing: Option<i64>,
    #[serde(default, deserialize_with = "date")]
    day: Option<NaiveDate>,
    #[serde(default, deserialize_with = "date")]
    day8: Option<NaiveDate>,
    #[serde(default, deserialize_with = "instant")]
    at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "flag")]
    yn: Option<bool>,
    #[serde(default, deserialize_with = "number::<1, 10, _>")]
    n: Option<u64>,
    #[serde(default, borrow)]
    records: Vec<Record<'a>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    #[serde(default, borrow, deserialize_with = "text_max::<8, _>")]
    phone: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "date")]
    due_date: Option<NaiveDate>,
}

const DOC: &str = r#"{
    "no": "B-1", "name": " 김민서 ", "blank": " ", "nul": null, "fee": 14000,
    "feeText": "1,300", "day": "2026-12-18", "day8": "20261218",
    "at": "2026-12-18T09:00:00+09:00", "yn": "Y", "n": 3, "extra": {"ignored": [1, 2]},
    "records": [{"phone": "010"}, {"dueDate": "2026-01-31"}]
}"#;

#[test]
fn typed_reads_follow_one_set_of_rules_and_borrow_from_the_body() {
    let b: Booking = decode(DOC.as_bytes(), "booking").unwrap();
    assert_eq!(b.no, "B-1");
    assert!(
        matches!(b.name, Some(Cow::Borrowed("김민서"))),
        "{:?}",
        b.name
    );
    assert_eq!((b.blank, b.nul), (None, None));
    assert_eq!(
        (b.fee, b.fee_text, b.missing),
        (Some(14_000), Some(1_300), None)
    );
    assert_eq!(b.day, b.day8);
    assert_eq!(b.at.unwrap().to_rfc3339(), "2026-12-18T00:00:00+00:00");
    assert_eq!((b.yn, b.n), (Some(true), Some(3)));
    assert_eq!(b.records[0].phone.as_deref(), Some("010"));
    assert_eq!(b.records[1].due_date, NaiveDate::from_ymd_opt(2026, 1, 31));
    // An escaped string cannot be borrowed; it is still read, owned.
    let b: Booking = decode(r#"{"no": "B\u002d1"}"#.as_bytes(), "booking").unwrap();
    assert_eq!(b.no, "B-1");
}

#[test]
fn errors_name_the_path_and_the_problem_never_the_value() {
    let with = |field: &str, value: &str| {
        DOC.replacen(
            &format!("\"{field}\": "),
            &format!("\"{field}\": {value}, \"was\": "),
            1,
        )
    };
    let cases = [
        (with("no", "\"  \""), "booking no is missing"),
        (DOC.replace("\"no\": \"B-1\",", ""), "booking without no"),
        (with("name", "14000"), "booking name is not a string"),
        (
            with("fee", "-1"),
            "booking fee is not a whole number of won",
        ),
        (
            with("fee", "12.5"),
            "booking fee is not a whole number of won",
        ),
        (
            with("fee", "\"김민서\""),
            "booking fee is not a whole number of won",
        ),
        (
            with("fee", "99999999999999999999"),
            "booking fee is not a whole number of won",
        ),
        (with("day", "\"김민서\""), "booking day is not a date"),
        (with("day8", "[\"김민서\"]"), "booking day8 is not a string"),
        (
            with("at", "\"김민서\""),
            "booking at is not an RFC 3339 time",
        ),
        (with("yn", "\"김민서\""), "booking yn is not a boolean"),
        (with("n", "5000"), "booking n is not a number from 1 to 10"),
        (
            with("records", "\"김민서\""),
            "booking records is not an array",
        ),
        (
            DOC.replace("\"dueDate\": \"2026-01-31\"", "\"dueDate\": \"2026-02-30\""),
            "booking records[1].dueDate is not a date",
        ),
        (
            DOC.replace("{\"phone\": \"010\"}", "{\"phone\": \"010-2345-6789\"}"),
            "booking records[0].phone is longer than 8 bytes",
        ),
        (
            DOC.replace("{\"phone\": \"010\"}", "\"김민서\""),
            "booking records[0] is not an object",
        ),
    ];
    for (body, want) in cases {
        let e = decode::<Booking>(body.as_bytes(), "booking").unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse);
        assert_eq!(e.message, want, "{body}");
    }
}

#[test]
fn broken_json_and_odd_keys_say_where_but_not_what() {
    for body in ["", "{\"no\": \"김민서", "{\"no\": \"B-1\"} trailing", "[1]"] {
        let e = decode::<Booking>(body.as_bytes(), "booking").unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse, "{body}");
        assert!(
            !e.message.contains("김민서") && !e.message.contains("trailing"),
            "{e}"
        );
    }
    // Deep nesting where a field is read is refused without recursing (serde_json skips
    // nested values iteratively; its recursion limit guards the rest).
    let deep = format!(
        "{{\"no\": \"B\", \"name\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let e = decode::<Booking>(deep.as_bytes(), "booking").unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
    // A key from the body is shown only when it looks like a field name.
    #[derive(Debug, Deserialize)]
    struct Open {
        #[allow(dead_code)]
        #[serde(default)]
        m: std::collections::BTreeMap<String, Vec<u8>>,
    }
    let e = decode::<Open>(r#"{"m": {"김민서": "x"}}"#.as_bytes(), "open").unwrap_err();
    assert_eq!(e.message, "open m.? is not an array");
}

#[test]
fn at_follows_dotted_paths() {
    let v: Value = serde_json::from_str(r#"{"applicant": {"phone": "010"}}"#).unwrap();
    assert_eq!(at(&v, "applicant.phone"), Some(&Value::from("010")));
    assert_eq!(at(&v, "applicant.phone.x"), None);
    assert_eq!(at(&v, ""), Some(&v));
}
