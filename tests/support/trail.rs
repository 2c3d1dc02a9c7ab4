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

/// `s` with every audit id (12 digits, `-`, 12 hex) and every run of 16 or more hex digits
/// (hashes, HMACs, key ids, trace ids) replaced by `#`, for checking a whole file a person
/// reads (a printed review, a CSV) with [`has_rrn_shape`]: the digits in those ids are chance,
/// and `000000000019-0173914e9abc` is RRN-shaped (`000019-0173914`) one time in thirty. An RRN
/// is 13 digits, with or without its hyphen, so it is never taken for one of them unless it
/// is glued to more hex digits.
pub fn without_ids(s: &str) -> String {
    let b = s.as_bytes();
    let is_hex = |c: u8| c.is_ascii_digit() || (b'a'..=b'f').contains(&c);
    let is_audit_id = |i: usize| {
        b.get(i..i + 25).is_some_and(|w| {
            w[..12].iter().all(u8::is_ascii_digit)
                && w[12] == b'-'
                && w[13..].iter().all(|c| is_hex(*c))
        })
    };
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if is_audit_id(i) {
            out.push('#');
            i += 25;
            continue;
        }
        let run = b[i..].iter().take_while(|c| is_hex(**c)).count();
        if run >= 16 {
            out.push('#');
            i += run;
            continue;
        }
        // Copy up to the next possible start of an id, on a character boundary.
        let next = (i + run.max(1)..=b.len())
            .find(|j| s.is_char_boundary(*j))
            .unwrap_or(b.len());
        out.push_str(&s[i..next]);
        i = next;
    }
    out
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

#[test]
fn ids_are_set_aside_and_an_rrn_beside_them_is_still_found() {
    let review = "작성 auditor-kim (접속기록 000000000019-0173914e9abc), 해시 \
                  8e0ef00e797a7889001011234567890123456789abcdef0123456789abcdef01";
    assert!(has_rrn_shape(review));
    assert_eq!(without_ids(review), "작성 auditor-kim (접속기록 #), 해시 #");
    assert!(!has_rrn_shape(&without_ids(review)));
    for leak in [
        "홍길동 900101-1234567",
        "rrn=9001011234567;",
        "(000000000019-0173914e9abc) 900101-1234567",
    ] {
        assert!(has_rrn_shape(&without_ids(leak)), "{leak}");
    }
}
