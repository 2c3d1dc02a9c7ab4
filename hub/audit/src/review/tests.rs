//! The review on a seeded trail with fixed times: each flag fires on what it is for and not
//! on its near miss.

use super::*;
use crate::chain::{GENESIS_HASH, seal};
use crate::kst::Month;
use crate::test_support::draft;
use crate::{RecordDraft, Subject};
use chrono::{NaiveDate, NaiveDateTime, TimeZone};

/// A KST wall-clock time `"2026-11-03 07:00"` in UTC.
fn kst(text: &str) -> DateTime<Utc> {
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    crate::kst::offset()
        .from_local_datetime(&local)
        .unwrap()
        .with_timezone(&Utc)
}

fn subject(n: u64) -> Subject {
    Subject {
        kind: "rrn".into(),
        hmac: format!("{n:064x}"),
        masked: format!("9001{n:02}-1******"),
    }
}

/// A look-up by `account` at KST `time` of subject `n`.
fn lookup(account: &str, time: &str, n: u64) -> RecordDraft {
    let mut d = draft(1);
    d.account = account.into();
    d.time = kst(time);
    d.subjects = vec![subject(n)];
    d
}

fn chain(drafts: Vec<RecordDraft>) -> Vec<AccessRecord> {
    let mut prev = GENESIS_HASH.to_string();
    drafts
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let r = seal(i as u64 + 1, &prev, d);
            prev.clone_from(&r.hash);
            r
        })
        .collect()
}

fn config() -> ReviewConfig {
    ReviewConfig {
        holidays: vec![NaiveDate::from_ymd_opt(2026, 11, 10).unwrap()],
        ..ReviewConfig::default()
    }
}

fn review(records: &[AccessRecord]) -> AccessReview {
    build(
        Month::parse("2026-11").unwrap(),
        records,
        records,
        &config(),
        Verification::default(),
    )
}

fn flags_of(r: &AccessReview, kind: FlagKind) -> Vec<(String, Vec<u64>)> {
    r.flags
        .iter()
        .filter(|f| f.kind == kind)
        .map(|f| (f.account.clone(), f.sequences.clone()))
        .collect()
}

#[test]
fn off_hours_are_before_and_after_office_hours_weekends_and_holidays_in_kst() {
    let records = chain(vec![
        lookup("c1", "2026-11-03 07:00", 1), // 1: Tuesday before 08:30
        lookup("c1", "2026-11-03 08:30", 2), // 2: opening minute: in hours
        lookup("c1", "2026-11-03 18:29", 3), // 3: in hours
        lookup("c1", "2026-11-03 18:30", 4), // 4: closing minute: off
        lookup("c2", "2026-11-07 11:00", 5), // 5: Saturday
        lookup("c2", "2026-11-10 11:00", 6), // 6: the configured holiday
        lookup("c3", "2026-11-01 01:00", 7), // 7: Sunday 1 Nov KST = 31 Oct 16:00 UTC
        lookup("c3", "2026-12-01 01:00", 8), // 8: December in Seoul: not this month
    ]);
    let r = review(&records);
    assert_eq!(r.records, 7, "the month is cut at KST midnights");
    assert_eq!(
        flags_of(&r, FlagKind::OffHours),
        vec![
            ("c1".into(), vec![1, 4]),
            ("c2".into(), vec![5]),
            ("c2".into(), vec![6]),
            ("c3".into(), vec![7]),
        ]
    );
    let c1 = r.accounts.iter().find(|a| a.account == "c1").unwrap();
    assert_eq!(
        (c1.records, c1.off_hours_lookups, c1.distinct_subjects),
        (4, 2, 4)
    );
    assert_eq!(c1.lookups_per_source.get("tax"), Some(&4));
    let holiday = r.flags.iter().find(|f| f.sequences == vec![6]).unwrap();
    assert!(holiday.detail.contains("공휴일"), "{}", holiday.detail);
}

#[test]
fn many_subjects_in_a_day_need_both_the_floor_and_k_times_the_role_median() {
    let mut drafts = Vec::new();
    // Three counselors with 2 subjects on 4 Nov; c9 with 31 (> 30 and > 3 × 2), c8 with 6
    // on 5 Nov (> 3 × median but under the floor).
    for account in ["c1", "c2", "c3"] {
        for n in 0..2 {
            drafts.push(lookup(account, "2026-11-04 10:00", n));
        }
    }
    for n in 0..31 {
        drafts.push(lookup("c9", "2026-11-04 11:00", 100 + n));
    }
    for n in 0..6 {
        drafts.push(lookup("c8", "2026-11-05 11:00", 200 + n));
    }
    let records = chain(drafts);
    let r = review(&records);
    let many = flags_of(&r, FlagKind::ManySubjects);
    assert_eq!(many.len(), 1, "{many:?}");
    assert_eq!(many[0].0, "c9");
    assert_eq!(many[0].1, (7..=37).collect::<Vec<u64>>());
}

#[test]
fn the_same_subject_repeatedly_denial_bursts_exports_overrides_and_empty_notes_are_flagged() {
    let mut drafts = Vec::new();
    for i in 0..5 {
        drafts.push(lookup("c1", &format!("2026-11-04 10:0{i}"), 7)); // 1-5: five times
    }
    for i in 0..4 {
        drafts.push(lookup("c2", &format!("2026-11-04 10:0{i}"), 8)); // 6-9: four: no flag
    }
    for i in 0..5 {
        let mut d = lookup("c3", &format!("2026-11-04 11:0{}", i * 2), 9 + i); // 10-14
        d.outcome = Outcome::Denied;
        drafts.push(d);
    }
    for h in 0..4 {
        let mut d = lookup("c4", &format!("2026-11-04 1{h}:00"), 20 + h); // 15-18: spread out
        d.outcome = Outcome::Denied;
        drafts.push(d);
    }
    let mut export = lookup("a1", "2026-11-05 10:00", 30); // 19
    export.action = Action::Export;
    drafts.push(export);
    let mut breaker = lookup("admin1", "2026-11-05 10:00", 0); // 20
    breaker.operation = "SetBreaker".into();
    breaker.subjects.clear();
    breaker.sources = vec!["tax".into()];
    drafts.push(breaker);
    let mut no_note = lookup("c5", "2026-11-05 10:00", 31); // 21
    no_note.purpose_note = " ".into();
    drafts.push(no_note);
    let records = chain(drafts);
    let r = review(&records);
    assert_eq!(
        flags_of(&r, FlagKind::RepeatedSubject),
        vec![("c1".into(), vec![1, 2, 3, 4, 5])]
    );
    assert_eq!(
        flags_of(&r, FlagKind::DenialBurst),
        vec![("c3".into(), vec![10, 11, 12, 13, 14])]
    );
    assert_eq!(
        flags_of(&r, FlagKind::Export),
        vec![("a1".into(), vec![19])]
    );
    assert_eq!(
        flags_of(&r, FlagKind::BreakerOverride),
        vec![("admin1".into(), vec![20])]
    );
    assert_eq!(
        flags_of(&r, FlagKind::EmptyPurposeNote),
        vec![("c5".into(), vec![21])]
    );
    let c3 = r.accounts.iter().find(|a| a.account == "c3").unwrap();
    assert_eq!(c3.denials, 5);
    // No flag detail names a subject other than masked.
    let json = output::to_json(&r);
    assert!(
        !json.contains(&format!("{:064x}", 7)),
        "no subject HMAC in the flags"
    );
}

#[test]
fn sign_offs_of_the_month_are_read_from_their_records_and_other_months_are_not() {
    let month = Month::parse("2026-11").unwrap();
    let mut a = lookup("auditor1", "2026-12-02 10:00", 0);
    a.operation = SIGN_OFF_OPERATION.into();
    a.subjects.clear();
    a.purpose_note = sign_off_note(month, "  이상 없음 ");
    let mut other = a.clone();
    other.purpose_note = sign_off_note(Month::parse("2026-10").unwrap(), "");
    let mut lookalike = a.clone();
    lookalike.purpose_note = "2026-110 x".into();
    let records = chain(vec![a, other, lookalike]);
    let s = sign_offs(month, &records);
    assert_eq!(s.len(), 1);
    assert_eq!((s[0].sequence, s[0].reviewer.as_str()), (1, "auditor1"));
    assert_eq!(s[0].comment, "이상 없음");
}

#[test]
fn the_csv_opens_with_a_bom_and_guards_formulas() {
    let records = chain(vec![lookup("=cmd|' /C calc'!A0", "2026-11-03 07:00", 1)]);
    let csv = output::to_csv(&review(&records));
    assert!(csv.starts_with(crate::csv::BOM.as_bytes()));
    let text = String::from_utf8(csv).unwrap();
    assert!(text.contains(",'=cmd|' /C calc'!A0,"), "{text}");
    let rows = crate::csv::parse(&text).unwrap();
    assert_eq!(
        rows[1][1], "=cmd|' /C calc'!A0",
        "the guard reads back exact"
    );
}
