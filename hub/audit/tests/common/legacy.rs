//! A trail written before records named several subjects (schema version 3, canonical format
//! v1, the one subject in `access_record`'s own columns), for the migration tests of both
//! stores: after migrating to version 4 it must read back unchanged and still verify.

use super::{all_records, draft};
use minwon_audit::{
    AccessRecord, AuditStore, GENESIS_HASH, RecordFilter, Subject, seal, verify_store,
};

/// Hash of record 1 as builds with format v1 only computed it (pinned in `chain.rs` too).
pub const V1_RECORD_1_HASH: &str =
    "7799ca8278f08deca85a5595e6f855ff70a37775c534f2ec39457c7f214be82a";

/// Records 1..=3 as an older build wrote them: 1 and 3 with one subject without kind, 2 with
/// none.
pub fn legacy_records() -> Vec<AccessRecord> {
    let mut prev = GENESIS_HASH.to_string();
    (1..=3)
        .map(|seq| {
            let mut d = draft(seq);
            d.subjects.truncate(if seq == 2 { 0 } else { 1 });
            for s in &mut d.subjects {
                s.kind.clear();
            }
            let r = seal(seq, &prev, d);
            prev.clone_from(&r.hash);
            r
        })
        .collect()
}

/// The INSERT an older build ran: the subject in `subject_hmac`/`subject_masked`.
pub fn legacy_insert_sql(r: &AccessRecord) -> String {
    let q = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let d = &r.draft;
    let json = |l: &Vec<String>| q(&serde_json::to_string(l).unwrap());
    let subject = d.subjects.first();
    let opt = |s: Option<&String>| s.map_or_else(|| "NULL".to_string(), |s| q(s));
    format!(
        "INSERT INTO access_record (sequence, audit_id, time_ms, account, role, department, \
         channel, client_address, operation, action, subject_hmac, subject_masked, sources, \
         clear_fields, purpose_code, purpose_note, outcome, trace_id, prev_hash, hash) VALUES \
         ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
        r.sequence,
        q(&r.audit_id),
        d.time.timestamp_millis(),
        q(&d.account),
        q(&d.role),
        q(&d.department),
        q(&d.channel),
        q(&d.client_address),
        q(&d.operation),
        q(d.action.as_str()),
        opt(subject.map(|s| &s.hmac)),
        opt(subject.map(|s| &s.masked)),
        json(&d.sources),
        json(&d.clear_fields),
        q(&d.purpose_code),
        q(&d.purpose_note),
        q(d.outcome.as_str()),
        q(&d.trace_id),
        q(&r.prev_hash),
        q(&r.hash),
    )
}

/// Every legacy insert, `;`-separated.
pub fn legacy_trail_sql() -> String {
    legacy_records()
        .iter()
        .map(legacy_insert_sql)
        .collect::<Vec<_>>()
        .join(";\n")
}

/// Checks a store opened (and so migrated) on the legacy trail: it reads back unchanged, its
/// v1 hashes verify, the old subject is found through the new subject index, and a new
/// record naming several subjects (format v2) continues the chain.
pub async fn check_migrated_legacy_trail(store: &dyn AuditStore) {
    let legacy = legacy_records();
    assert_eq!(legacy[0].hash, V1_RECORD_1_HASH, "the old encoding");
    let stored = all_records(store).await;
    assert_eq!(stored, legacy);
    assert_eq!(stored[0].draft.subjects[0].kind, "");
    assert_eq!(verify_store(store, 2).await.unwrap(), 3);
    let by = |hmac: &str| RecordFilter {
        subject_hmacs: vec![hmac.to_string()],
        ..RecordFilter::default()
    };
    let found = store.query(&by(&legacy[0].draft.subjects[0].hmac)).await;
    let found: Vec<u64> = found.unwrap().iter().map(|r| r.sequence).collect();
    assert_eq!(found, vec![1]);

    let next = seal(4, &legacy[2].hash, draft(4));
    assert_eq!(next.draft.subjects.len(), 2);
    store.append(std::slice::from_ref(&next)).await.unwrap();
    assert_eq!(verify_store(store, 2).await.unwrap(), 4);
    let plate: &Subject = &next.draft.subjects[1];
    let found = store.query(&by(&plate.hmac)).await.unwrap();
    assert_eq!(found, vec![next]);
}
