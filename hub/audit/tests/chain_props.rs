//! Property tests: any drafts (arbitrary Unicode in every text field) chain and verify, any
//! single mutation of any field is caught at the mutated record, and SQLite stores them
//! byte for byte.

mod common;

use chrono::DateTime;
use minwon_audit::{
    AccessRecord, Action, AuditError, AuditStore, GENESIS_HASH, Outcome, RecordDraft, Subject,
    seal, verify_chain,
};
use proptest::collection::vec;
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    any::<String>()
}

fn arb_draft() -> impl Strategy<Value = RecordDraft> {
    let who = (text(), text(), text(), text(), text(), text());
    let what = (
        prop_oneof![Just(Action::View), Just(Action::Export)],
        // Subjects: any count, kinds possibly empty (records of format v1 have none).
        vec((text(), text(), text()), 0..4),
        vec(text(), 0..4),
        vec(text(), 0..4),
    );
    let why = (
        text(),
        text(),
        prop_oneof![
            Just(Outcome::Allowed),
            Just(Outcome::Denied),
            Just(Outcome::Failed)
        ],
        text(),
    );
    // Any time chrono can hold to the nanosecond, roughly years 1..9999.
    let time = (-62_000_000_000i64..253_000_000_000i64, 0u32..1_000_000_000);
    (time, who, what, why).prop_map(
        |(
            (secs, nanos),
            (account, role, department, channel, client_address, operation),
            (action, subjects, sources, clear_fields),
            (purpose_code, purpose_note, outcome, trace_id),
        )| RecordDraft {
            time: DateTime::from_timestamp(secs, nanos).unwrap(),
            account,
            role,
            department,
            channel,
            client_address,
            operation,
            action,
            subjects: subjects
                .into_iter()
                .map(|(kind, hmac, masked)| Subject { kind, hmac, masked })
                .collect(),
            sources,
            clear_fields,
            purpose_code,
            purpose_note,
            outcome,
            trace_id,
        },
    )
}

fn chain(drafts: Vec<RecordDraft>) -> Vec<AccessRecord> {
    let mut prev = GENESIS_HASH.to_string();
    drafts
        .into_iter()
        .zip(1u64..)
        .map(|(draft, seq)| {
            let r = seal(seq, &prev, draft);
            prev.clone_from(&r.hash);
            r
        })
        .collect()
}

/// Changes one byte of `s` (an ASCII byte stays ASCII, so the text stays valid UTF-8); a
/// non-ASCII position swaps its whole character; an empty string gains one character.
fn mutate_text(s: &mut String, pos: usize, k: u8) {
    if s.is_empty() {
        s.push(char::from(b'a' + k % 26));
        return;
    }
    let mut bytes = s.clone().into_bytes();
    let i = pos % bytes.len();
    if bytes[i].is_ascii() {
        bytes[i] ^= 1 + k % 127;
        *s = String::from_utf8(bytes).expect("ASCII flip keeps UTF-8 valid");
    } else {
        let (start, c) = s.char_indices().rev().find(|(j, _)| *j <= i).unwrap();
        let replacement = if c == '가' { '나' } else { '가' };
        s.replace_range(start..start + c.len_utf8(), &replacement.to_string());
    }
}

fn mutate_list(list: &mut Vec<String>, pos: usize, k: u8) {
    if list.is_empty() {
        list.push(String::new());
    } else {
        let i = pos % list.len();
        mutate_text(&mut list[i], pos / 7, k);
    }
}

const FIELDS: usize = 22;

fn mutate(r: &mut AccessRecord, field: usize, pos: usize, k: u8) {
    let d = &mut r.draft;
    match field {
        0 => r.sequence = r.sequence.wrapping_add(1 + u64::from(k)),
        1 => d.time += chrono::Duration::milliseconds(1 + i64::from(k)),
        2 => mutate_text(&mut d.account, pos, k),
        3 => mutate_text(&mut d.role, pos, k),
        4 => mutate_text(&mut d.department, pos, k),
        5 => mutate_text(&mut d.channel, pos, k),
        6 => mutate_text(&mut d.client_address, pos, k),
        7 => mutate_text(&mut d.operation, pos, k),
        8 => {
            d.action = if d.action == Action::View {
                Action::Export
            } else {
                Action::View
            }
        }
        9 => {
            if d.subjects.pop().is_none() {
                d.subjects.push(Subject {
                    kind: String::new(),
                    hmac: String::new(),
                    masked: String::new(),
                });
            }
        }
        10 => match d.subjects.len() {
            0 => d.subjects.push(Subject {
                kind: String::new(),
                hmac: "x".into(),
                masked: String::new(),
            }),
            n => mutate_text(&mut d.subjects[pos % n].hmac, pos / 5, k),
        },
        11 => match d.subjects.len() {
            0 => d.subjects.push(Subject {
                kind: String::new(),
                hmac: String::new(),
                masked: "x".into(),
            }),
            n => mutate_text(&mut d.subjects[pos % n].masked, pos / 5, k),
        },
        21 => match d.subjects.len() {
            0 => d.subjects.push(Subject {
                kind: "rrn".into(),
                hmac: String::new(),
                masked: String::new(),
            }),
            n => mutate_text(&mut d.subjects[pos % n].kind, pos / 5, k),
        },
        12 => mutate_list(&mut d.sources, pos, k),
        13 => mutate_list(&mut d.clear_fields, pos, k),
        14 => mutate_text(&mut d.purpose_code, pos, k),
        15 => mutate_text(&mut d.purpose_note, pos, k),
        16 => {
            d.outcome = match d.outcome {
                Outcome::Allowed => Outcome::Denied,
                Outcome::Denied => Outcome::Failed,
                Outcome::Failed => Outcome::Allowed,
            }
        }
        17 => mutate_text(&mut d.trace_id, pos, k),
        18 => mutate_text(&mut r.audit_id, pos, k),
        19 => mutate_text(&mut r.prev_hash, pos, k),
        20 => mutate_text(&mut r.hash, pos, k),
        _ => unreachable!(),
    }
}

proptest! {
    #[test]
    fn any_drafts_chain_and_verify(drafts in vec(arb_draft(), 1..8)) {
        let records = chain(drafts.clone());
        prop_assert!(verify_chain(&records, Some(GENESIS_HASH)).is_ok());
        for (r, d) in records.iter().zip(&drafts) {
            prop_assert_eq!(r.draft.time.timestamp_millis(), d.time.timestamp_millis());
            prop_assert_eq!(r.draft.time.timestamp_subsec_nanos() % 1_000_000, 0);
        }
    }

    #[test]
    fn any_single_mutation_is_caught_at_the_mutated_record(
        drafts in vec(arb_draft(), 1..6),
        which in any::<usize>(),
        field in 0..FIELDS,
        pos in any::<usize>(),
        k in any::<u8>(),
    ) {
        let mut records = chain(drafts);
        let i = which % records.len();
        let before = records[i].clone();
        mutate(&mut records[i], field, pos, k);
        prop_assert_ne!(&records[i], &before, "the mutation changed something");
        match verify_chain(&records, Some(GENESIS_HASH)) {
            Err(AuditError::Corrupt { sequence, .. }) => {
                prop_assert_eq!(sequence, records[i].sequence)
            }
            other => prop_assert!(false, "mutation of field {} not caught: {:?}", field, other),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn sqlite_stores_any_chain_byte_for_byte(drafts in vec(arb_draft(), 1..6)) {
        let records = chain(drafts);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let stored = runtime.block_on(async {
            let (_dir, store) = common::sqlite();
            store.append(&records).await.unwrap();
            common::all_records(&store).await
        });
        prop_assert_eq!(&stored, &records);
        prop_assert!(verify_chain(&stored, Some(GENESIS_HASH)).is_ok());
    }
}
