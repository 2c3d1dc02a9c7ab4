//! Reading the access trail in end-to-end tests: the auditor's query, and the checks that no
//! raw RRN appears in what the trail keeps.

use super::{Demo, authed};
use minwon_proto::v1 as pb;
use pb::audit_service_client::AuditServiceClient;

/// Every record the auditor's `QueryAccessRecords` returns for `q`.
pub async fn query_trail(demo: &Demo, q: pb::QueryAccessRecordsRequest) -> Vec<pb::AccessRecord> {
    let mut audit = AuditServiceClient::new(demo.channel().await);
    let mut stream = audit
        .query_access_records(authed(q, &demo.token("auditor")))
        .await
        .expect("the auditor's query")
        .into_inner();
    let mut out = Vec::new();
    while let Some(r) = stream.message().await.expect("a record") {
        out.push(r);
    }
    out
}

/// Whether `s` contains something shaped like an RRN: `\d{6}-?\d{7}` anywhere.
pub fn has_rrn_shape(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |from: usize, n: usize| {
        b.get(from..from + n)
            .is_some_and(|w| w.iter().all(u8::is_ascii_digit))
    };
    (0..b.len()).any(|i| {
        digits(i, 6) && {
            let j = if b.get(i + 6) == Some(&b'-') {
                i + 7
            } else {
                i + 6
            };
            digits(j, 7)
        }
    })
}

/// Every text of a record a person reads. Hex values (hashes, HMACs, trace id) and the audit id
/// (12 digits, `-`, 12 hex) are left out: digits in them are chance, not data.
pub fn readable_fields(r: &pb::AccessRecord) -> Vec<String> {
    let mut out = vec![
        r.account.clone(),
        r.role.clone(),
        r.department.clone(),
        r.channel.clone(),
        r.client_address.clone(),
        r.action.clone(),
        r.subject_masked.clone(),
        r.purpose_note.clone(),
        r.operation.clone(),
    ];
    out.extend(r.sources.iter().cloned());
    out.extend(r.clear_fields.iter().cloned());
    for s in &r.subjects {
        out.push(s.kind.clone());
        out.push(s.masked.clone());
    }
    out
}

/// Every readable text the audit database holds in its record and subject tables (the same
/// columns as [`readable_fields`], read straight from SQLite).
pub fn db_readable_text(demo: &Demo) -> Vec<String> {
    let conn = rusqlite::Connection::open_with_flags(
        demo.audit_db(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open audit db");
    let mut out = Vec::new();
    for sql in [
        "SELECT account || char(10) || role || char(10) || department || char(10) || channel \
         || char(10) || client_address || char(10) || operation || char(10) || action \
         || char(10) || coalesce(subject_masked, '') || char(10) || sources || char(10) \
         || clear_fields || char(10) || purpose_code || char(10) || purpose_note \
         || char(10) || outcome FROM access_record",
        "SELECT kind || char(10) || masked FROM access_subject",
    ] {
        let mut stmt = conn.prepare(sql).expect("query");
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).expect("rows");
        out.extend(rows.map(|r| r.expect("row")));
    }
    out
}

/// The audit database's files (main file and write-ahead log) as bytes.
pub fn db_bytes(demo: &Demo) -> Vec<u8> {
    let mut bytes = std::fs::read(demo.audit_db()).expect("audit db");
    let wal = demo.audit_db().with_extension("db-wal");
    if let Ok(more) = std::fs::read(wal) {
        bytes.extend(more);
    }
    bytes
}

#[test]
fn rrn_shapes_are_found_in_both_forms_and_only_then() {
    assert!(has_rrn_shape("tax:900101-1234567"));
    assert!(has_rrn_shape("x9001011234567y"));
    assert!(!has_rrn_shape("900101-123456"));
    assert!(!has_rrn_shape("tax:****"));
    assert!(!has_rrn_shape("900101-1******"));
}
