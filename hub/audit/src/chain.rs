//! The hash chain that makes the trail tamper-evident.
//!
//! # Hash
//!
//! `hash = hex(SHA-256(prev_hash || canonical_bytes(sequence, draft)))`, where `prev_hash` is
//! the previous record's hash as 64 lower-case ASCII hex digits ([`GENESIS_HASH`], 64 zeros,
//! for sequence 1). Changing, deleting, inserting or reordering any record breaks the link of
//! the record after it, so [`verify_chain`] names the first bad sequence.
//!
//! # Canonical bytes (formats v1 and v2)
//!
//! A fixed, length-prefixed binary encoding, independent of any serializer's whims. Two
//! formats exist; which one a record uses follows from its content alone, so nothing extra
//! is stored and the verifier needs no hint:
//!
//! - **v1** for every record v1 can express: no subject, or exactly one subject without a
//!   kind (how builds before subject kinds wrote it). Records already in a city's trail are
//!   v1 and keep verifying byte for byte; the trail is never rewritten.
//! - **v2** for everything else: one or more subjects with a kind (every new record that
//!   names someone), or several subjects.
//!
//! ```text
//! "minwon-audit/v1\0" | "minwon-audit/v2\0"   16-byte format tag
//! u64be  sequence
//! i64be  time in milliseconds since the Unix epoch, UTC
//! str    account, role, department, channel, client_address, operation
//! str    action                        "view" | "export"
//! v1:  u8 0 (no subject) | 1 followed by  str hmac, str masked
//! v2:  u64be subject count, then per subject  str kind, str hmac, str masked
//! list   sources
//! list   clear_fields
//! str    purpose_code, purpose_note
//! str    outcome                       "allowed" | "denied" | "failed"
//! str    trace_id
//!
//! str  = u64be byte length, then the UTF-8 bytes
//! list = u64be element count, then each element as str
//! ```
//!
//! Every field is length-prefixed, so within a format no two different records encode to the
//! same bytes; the tags differ, and the format is a function of the content, so across formats
//! neither. A v1 record's subject has no kind to hash, which is why v1 is only chosen for a
//! kindless subject: a subject with a kind is always hashed with it.
//!
//! # Audit id
//!
//! `audit_id = format!("{sequence:012}-{}", &hash[..12])`. It is *derived* from the sequence
//! and the hash, so it cannot be an input to the hash; it is left out of the canonical bytes,
//! and [`verify_chain`] instead recomputes it and rejects a record whose stored id differs. It
//! therefore adds no freedom an attacker could use, and a receipt's id names exactly one record
//! content: whoever holds it can check the record it points at.

use crate::{AccessRecord, AuditError, RecordDraft};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// `prev_hash` of the first record: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Tag that opens format v1 (no subject, or one subject without kind).
const FORMAT_V1: &[u8; 16] = b"minwon-audit/v1\0";
/// Tag that opens format v2 (subjects with kinds); a future format change bumps it again.
const FORMAT_V2: &[u8; 16] = b"minwon-audit/v2\0";

/// The canonical format of a record: 1 when v1 can express it, else 2 (see the module docs).
pub fn format_of(draft: &RecordDraft) -> u8 {
    match draft.subjects.as_slice() {
        [] => 1,
        [only] if only.kind.is_empty() => 1,
        _ => 2,
    }
}

/// Where canonical bytes go: a buffer ([`canonical_bytes`]) or straight into the hash
/// ([`record_hash`], so sealing a record builds no byte buffer).
trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl Sink for Sha256 {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

/// The canonical bytes of a record (format v1 or v2, see the module docs).
pub fn canonical_bytes(sequence: u64, draft: &RecordDraft) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    encode(sequence, draft, &mut out);
    out
}

fn encode(sequence: u64, draft: &RecordDraft, out: &mut impl Sink) {
    let v1 = format_of(draft) == 1;
    out.put(if v1 { FORMAT_V1 } else { FORMAT_V2 });
    out.put(&sequence.to_be_bytes());
    out.put(&draft.time.timestamp_millis().to_be_bytes());
    for s in [
        &draft.account,
        &draft.role,
        &draft.department,
        &draft.channel,
        &draft.client_address,
        &draft.operation,
    ] {
        put_str(out, s);
    }
    put_str(out, draft.action.as_str());
    if v1 {
        match draft.subjects.first() {
            None => out.put(&[0]),
            Some(subject) => {
                out.put(&[1]);
                put_str(out, &subject.hmac);
                put_str(out, &subject.masked);
            }
        }
    } else {
        out.put(&(draft.subjects.len() as u64).to_be_bytes());
        for subject in &draft.subjects {
            put_str(out, &subject.kind);
            put_str(out, &subject.hmac);
            put_str(out, &subject.masked);
        }
    }
    put_list(out, &draft.sources);
    put_list(out, &draft.clear_fields);
    put_str(out, &draft.purpose_code);
    put_str(out, &draft.purpose_note);
    put_str(out, draft.outcome.as_str());
    put_str(out, &draft.trace_id);
}

fn put_str(out: &mut impl Sink, s: &str) {
    out.put(&(s.len() as u64).to_be_bytes());
    out.put(s.as_bytes());
}

fn put_list(out: &mut impl Sink, items: &[String]) {
    out.put(&(items.len() as u64).to_be_bytes());
    for item in items {
        put_str(out, item);
    }
}

/// The hex hash of a record with the given predecessor hash.
pub fn record_hash(prev_hash: &str, sequence: u64, draft: &RecordDraft) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    encode(sequence, draft, &mut hasher);
    hex::encode(hasher.finalize())
}

/// The public id of a record, derived from its sequence and hash.
pub fn audit_id_for(sequence: u64, hash: &str) -> String {
    let prefix = hash.get(..12).unwrap_or(hash);
    // `format!("{sequence:012}-{prefix}")`, pushed: this runs for every record.
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(sequence);
    let mut id = String::with_capacity(digits.len().max(12) + 1 + prefix.len());
    for _ in digits.len()..12 {
        id.push('0');
    }
    id.push_str(digits);
    id.push('-');
    id.push_str(prefix);
    id
}

/// `time` cut to whole milliseconds, the precision the trail keeps.
pub fn truncate_to_millis(time: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(time.timestamp_millis()).unwrap_or(time)
}

/// Chains a draft after `prev_hash` as record `sequence`: truncates its time to milliseconds
/// and computes hash and audit id.
pub fn seal(sequence: u64, prev_hash: &str, mut draft: RecordDraft) -> AccessRecord {
    draft.time = truncate_to_millis(draft.time);
    let hash = record_hash(prev_hash, sequence, &draft);
    AccessRecord {
        sequence,
        audit_id: audit_id_for(sequence, &hash),
        draft,
        prev_hash: prev_hash.to_string(),
        hash,
    }
}

/// Verifies a consecutive run of records.
///
/// Checks, record by record: sequence numbers start at 1 or above and are consecutive; the
/// first record's `prev_hash` equals `expected_prev` when given (and [`GENESIS_HASH`] whenever
/// its sequence is 1); each later `prev_hash` equals the hash before it; the time is whole
/// milliseconds; the hash recomputes; the audit id is the derived one. Pass `None` to verify a
/// window whose predecessor is unknown. The error names the first bad sequence.
///
/// `records` must be a consecutive run (an unfiltered query); a filtered selection has gaps by
/// design. To check a whole stored trail, use [`crate::verify_store`].
pub fn verify_chain(
    records: &[AccessRecord],
    expected_prev: Option<&str>,
) -> Result<(), AuditError> {
    verify_run(records, expected_prev, true)
}

/// [`verify_chain`] without recomputing each record's hash and audit id: sequences, links and
/// times only. For records this process sealed a moment ago ([`seal`], by the audit writer,
/// handed to its store's appender unchanged): recomputing their hashes there cost as much as
/// sealing them and could only find a fault of this very code, which the chain's
/// verification of the stored trail finds anyway.
pub(crate) fn verify_links(
    records: &[AccessRecord],
    expected_prev: Option<&str>,
) -> Result<(), AuditError> {
    verify_run(records, expected_prev, false)
}

fn verify_run(
    records: &[AccessRecord],
    expected_prev: Option<&str>,
    rehash: bool,
) -> Result<(), AuditError> {
    let mut previous: Option<&AccessRecord> = None;
    for record in records {
        let seq = record.sequence;
        match previous {
            None => {
                if seq == 0 {
                    return Err(AuditError::corrupt(seq, "sequence numbers start at 1"));
                }
                if let Some(expected) = expected_prev
                    && record.prev_hash != expected
                {
                    return Err(AuditError::corrupt(
                        seq,
                        "does not link to the expected predecessor",
                    ));
                }
            }
            Some(prev) => {
                if Some(seq) != prev.sequence.checked_add(1) {
                    return Err(AuditError::corrupt(
                        seq,
                        format!("sequence does not follow {}", prev.sequence),
                    ));
                }
                if record.prev_hash != prev.hash {
                    return Err(AuditError::corrupt(
                        seq,
                        "prev_hash does not match the previous hash",
                    ));
                }
            }
        }
        if seq == 1 && record.prev_hash != GENESIS_HASH {
            return Err(AuditError::corrupt(
                seq,
                "first record does not link to genesis",
            ));
        }
        if record.draft.time.timestamp_subsec_nanos() % 1_000_000 != 0 {
            return Err(AuditError::corrupt(seq, "time is not whole milliseconds"));
        }
        if rehash && record_hash(&record.prev_hash, seq, &record.draft) != record.hash {
            return Err(AuditError::corrupt(seq, "hash mismatch"));
        }
        if rehash && audit_id_for(seq, &record.hash) != record.audit_id {
            return Err(AuditError::corrupt(seq, "audit id mismatch"));
        }
        previous = Some(record);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Subject;
    use crate::test_support::{chain_of, draft};

    #[test]
    fn audit_ids_are_written_as_the_formatting_machinery_writes_them() {
        let hash = hex::encode([0xab; 32]);
        for sequence in [1, 19, 999_999_999_999, 1_000_000_000_000, u64::MAX] {
            assert_eq!(
                audit_id_for(sequence, &hash),
                format!("{sequence:012}-{}", &hash[..12])
            );
        }
        assert_eq!(audit_id_for(7, "abc"), "000000000007-abc");
    }

    /// See [`the_v2_encoding_is_stable`].
    const V2_KNOWN_HASH: &str = "770f47dd3bebc45184eae73b5d2c245088cf435dae912b0ca83b3b85d0fe9815";

    fn corrupt_at(result: Result<(), AuditError>) -> u64 {
        match result {
            Err(AuditError::Corrupt { sequence, .. }) => sequence,
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }

    #[test]
    fn a_sealed_chain_verifies() {
        let chain = chain_of(5);
        assert_eq!(chain[0].prev_hash, GENESIS_HASH);
        assert_eq!(chain[4].sequence, 5);
        assert_eq!(
            chain[2].audit_id,
            format!("000000000003-{}", &chain[2].hash[..12])
        );
        verify_chain(&chain, Some(GENESIS_HASH)).unwrap();
        verify_chain(&chain, None).unwrap();
        verify_chain(&chain[2..], Some(&chain[1].hash)).unwrap();
        verify_chain(&[], None).unwrap();
    }

    #[test]
    fn sealing_truncates_time_to_milliseconds() {
        let mut d = draft(1);
        d.time = DateTime::from_timestamp(1_700_000_000, 123_456_789).unwrap();
        let r = seal(1, GENESIS_HASH, d);
        assert_eq!(r.draft.time.timestamp_subsec_nanos(), 123_000_000);
    }

    #[test]
    fn a_changed_field_is_caught_at_its_record() {
        let mut chain = chain_of(5);
        chain[2].draft.account.push('x');
        assert_eq!(corrupt_at(verify_chain(&chain, None)), 3);

        let mut chain = chain_of(5);
        chain[3].draft.outcome = crate::Outcome::Denied;
        assert_eq!(corrupt_at(verify_chain(&chain, None)), 4);

        let mut chain = chain_of(5);
        chain[1].audit_id = "000000000002-000000000000".into();
        assert_eq!(corrupt_at(verify_chain(&chain, None)), 2);

        let mut chain = chain_of(5);
        chain[0].draft.time += chrono::Duration::microseconds(1);
        assert_eq!(corrupt_at(verify_chain(&chain, None)), 1);
    }

    #[test]
    fn a_deleted_record_is_caught() {
        let mut chain = chain_of(5);
        chain.remove(2);
        assert_eq!(corrupt_at(verify_chain(&chain, None)), 4);
        // Deleting the first record is caught against the expected predecessor.
        let chain = chain_of(3);
        assert_eq!(corrupt_at(verify_chain(&chain[1..], Some(GENESIS_HASH))), 2);
    }

    #[test]
    fn an_inserted_record_is_caught() {
        let mut chain = chain_of(5);
        let forged = seal(3, &chain[1].hash, draft(99));
        chain.insert(2, forged);
        assert_eq!(corrupt_at(verify_chain(&chain, None)), 3);
    }

    #[test]
    fn swapped_records_are_caught() {
        let mut chain = chain_of(5);
        chain.swap(2, 3);
        assert_eq!(corrupt_at(verify_chain(&chain, None)), 4);
    }

    #[test]
    fn a_recomputed_hash_still_breaks_the_next_link() {
        let mut chain = chain_of(5);
        chain[1].draft.purpose_code = "other".into();
        chain[1] = seal(2, &chain[0].hash, chain[1].draft.clone());
        assert_eq!(corrupt_at(verify_chain(&chain, None)), 3);
    }

    #[test]
    fn moving_bytes_between_fields_changes_the_encoding() {
        let mut a = draft(1);
        let mut b = draft(1);
        a.account = "ab".into();
        a.role = "c".into();
        b.account = "a".into();
        b.role = "bc".into();
        assert_ne!(canonical_bytes(1, &a), canonical_bytes(1, &b));
        let mut c = draft(1);
        let mut d = draft(1);
        c.sources = vec!["ab".into()];
        d.sources = vec!["a".into(), "b".into()];
        assert_ne!(canonical_bytes(1, &c), canonical_bytes(1, &d));
    }

    /// `draft(1)` as builds before subject kinds wrote it: one subject, no kind.
    fn v1_draft() -> RecordDraft {
        let mut d = draft(1);
        d.subjects = vec![Subject {
            kind: String::new(),
            hmac: format!("{:064x}", 1),
            masked: "900101-1******".into(),
        }];
        d
    }

    #[test]
    fn a_v1_record_written_by_older_builds_still_verifies() {
        // Known answer for format v1, pinned when v1 was the only format and cross-checked then
        // against an independent implementation of the format in the module docs. If this
        // changes, the records already in a city's trail stop verifying.
        let r = seal(1, GENESIS_HASH, v1_draft());
        assert_eq!(format_of(&r.draft), 1);
        assert_eq!(&canonical_bytes(1, &r.draft)[..16], b"minwon-audit/v1\0");
        assert_eq!(
            r.hash,
            "7799ca8278f08deca85a5595e6f855ff70a37775c534f2ec39457c7f214be82a"
        );
        verify_chain(std::slice::from_ref(&r), Some(GENESIS_HASH)).unwrap();
        // A record naming no one is v1 too, as it always was.
        let mut none = draft(1);
        none.subjects.clear();
        assert_eq!(format_of(&none), 1);
    }

    #[test]
    fn the_v2_encoding_is_stable() {
        // Known answer for format v2, cross-checked against an independent (Python)
        // implementation of the format in the module docs.
        let mut d = v1_draft();
        d.subjects[0].kind = "rrn".into();
        d.subjects.push(Subject {
            kind: "vehicle_number".into(),
            hmac: format!("{:064x}", 2),
            masked: "12가****".into(),
        });
        let r = seal(1, GENESIS_HASH, d);
        assert_eq!(format_of(&r.draft), 2);
        assert_eq!(&canonical_bytes(1, &r.draft)[..16], b"minwon-audit/v2\0");
        assert_eq!(r.hash, V2_KNOWN_HASH);
    }

    #[test]
    fn subjects_and_their_kinds_are_hashed() {
        let base = seal(1, GENESIS_HASH, draft(1));
        assert_eq!(format_of(&base.draft), 2, "a subject with a kind is v2");
        let mut chain = vec![base.clone()];
        chain[0].draft.subjects[0].kind = "vehicle_number".into();
        assert_eq!(corrupt_at(verify_chain(&chain, None)), 1);
        // Dropping the kind would turn it into a v1 record: a different hash, caught.
        let mut chain = vec![base.clone()];
        chain[0].draft.subjects[0].kind.clear();
        assert_eq!(corrupt_at(verify_chain(&chain, None)), 1);
        // Adding, removing or reordering subjects is caught.
        let mut two = draft(1);
        two.subjects.push(Subject {
            kind: "water_customer_no".into(),
            hmac: "ff".into(),
            masked: "2024****".into(),
        });
        let sealed = seal(1, GENESIS_HASH, two);
        let mut chain = vec![sealed.clone()];
        chain[0].draft.subjects.pop();
        assert_eq!(corrupt_at(verify_chain(&chain, None)), 1);
        let mut chain = vec![sealed];
        chain[0].draft.subjects.reverse();
        assert_eq!(corrupt_at(verify_chain(&chain, None)), 1);
        // Moving bytes between a kind and its hmac changes the encoding.
        let mut a = draft(1);
        let mut b = draft(1);
        a.subjects[0].kind = "rrnx".into();
        a.subjects[0].hmac = "y".into();
        b.subjects[0].kind = "rrn".into();
        b.subjects[0].hmac = "xy".into();
        assert_ne!(canonical_bytes(1, &a), canonical_bytes(1, &b));
    }

    #[test]
    fn the_streamed_hash_is_the_hash_of_the_documented_bytes() {
        for d in [draft(1), v1_draft()] {
            let mut hasher = Sha256::new();
            hasher.update(GENESIS_HASH.as_bytes());
            hasher.update(canonical_bytes(7, &d));
            assert_eq!(
                record_hash(GENESIS_HASH, 7, &d),
                hex::encode(hasher.finalize())
            );
        }
    }
}
