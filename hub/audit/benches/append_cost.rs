//! What one durable record costs the SQLite writer, counted rather than timed: `append_cost
//! <batches> [batch] [same|random]` seals `batches × batch` records (default 64 a batch, one
//! subject each, as an overview's: the same citizen every time, or a different one each, which
//! writes the subject index at random) and commits them through the store's blocking appender — the path the audit writer's own thread takes —
//! into a fresh database in a temporary folder. Run it under callgrind (instructions) or
//! `strace -c` (syscalls) twice, with 1 and with 21 batches, and divide the difference by
//! 20 × 64: the setup (opening, schema, first pages) cancels out. See BENCHMARKS.md, "Audit
//! append cost".

use minwon_audit::{
    Action, AuditStore, GENESIS_HASH, Outcome, RecordDraft, SqliteStore, Subject, seal,
};

/// Records per commit unless given: M4's 64 writers fill batches of about this size.
const BATCH: u64 = 64;

fn draft(n: u64, random_subject: bool) -> RecordDraft {
    let subject = if random_subject {
        n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    } else {
        7
    };
    RecordDraft {
        time: chrono::Utc::now(),
        account: format!("counselor{:02}", n % 15),
        role: "counselor".into(),
        department: "민원여권과".into(),
        channel: "phone".into(),
        client_address: "10.0.0.7".into(),
        operation: "GetCitizenOverview".into(),
        action: Action::View,
        subjects: vec![Subject {
            kind: "rrn".into(),
            hmac: format!("{subject:064x}"),
            masked: "900101-1******".into(),
        }],
        sources: ["saeol", "tax", "traffic", "welfare", "water", "parking"]
            .map(String::from)
            .to_vec(),
        clear_fields: vec![],
        purpose_code: "citizen_inquiry".into(),
        purpose_note: "전화 문의".into(),
        outcome: Outcome::Allowed,
        trace_id: format!("{n:032x}"),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arg = |i: usize| std::env::args().nth(i);
    let batches: u64 = arg(1).map_or(Ok(21), |a| a.parse())?;
    let batch: u64 = arg(2).map_or(Ok(BATCH), |a| a.parse())?;
    let random_subject = match arg(3).as_deref() {
        None | Some("random") => true,
        Some("same") => false,
        Some(other) => return Err(format!("subjects: `same` or `random`, not {other:?}").into()),
    };
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("audit.db"))?;
    let mut appender = store
        .blocking_appender()
        .ok_or("the SQLite store has a blocking appender")?;
    let mut prev = GENESIS_HASH.to_string();
    let mut sequence = 0;
    for _ in 0..batches {
        let records: Vec<_> = (0..batch)
            .map(|_| {
                sequence += 1;
                let r = seal(sequence, &prev, draft(sequence, random_subject));
                prev.clone_from(&r.hash);
                r
            })
            .collect();
        appender.append(&records)?;
    }
    println!("{sequence} records committed in {batches} batches of {batch}");
    Ok(())
}
