//! What one durable record costs the SQLite writer, counted rather than timed. `append_cost
//! <batches> [batch] [same|random]` seals `batches × batch` records (64 a batch unless given;
//! one subject each, as an overview's: the same citizen every time, or a different one each,
//! which writes the subject index at random) and commits them through the store's blocking
//! appender — the path the audit writer's own thread takes — into a fresh database in a
//! temporary folder. Run it under callgrind (instructions) or `strace -c` (syscalls) twice,
//! e.g. with 1 and with 21 batches, and divide the difference by the extra records: the setup
//! (opening, schema, first pages) cancels out. See BENCHMARKS.md, "Issue 15, third session".
//!
//! ```text
//! cargo build --release -p minwon-audit --example append_cost
//! valgrind --tool=callgrind target/release/examples/append_cost 21
//! ```

use minwon_audit::{AuditStore, GENESIS_HASH, RecordDraft, SqliteStore, seal};

/// Records per commit unless given: M4's 64 writers fill batches of about this size.
const BATCH: u64 = 64;

#[path = "support/draft.rs"]
mod draft;

/// Record `n`'s draft: one of 15 counselors, the same citizen every time or a different one.
fn draft(n: u64, random_subject: bool) -> RecordDraft {
    let subject = if random_subject {
        n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    } else {
        7
    };
    draft::overview(
        format!("counselor{:02}", n % 15),
        subject,
        n,
        "append_cost example",
    )
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
