//! The floor of M1's ratio, part of `minwon-bench cost`: what the null hub cannot avoid per
//! overview on top of what the bare twelve-case server already does, counted alone in this
//! process under the same `perf stat -p`.
//!
//! The twelve-case server answers with the null hub's own answer, pre-encoded, copied into
//! each response; so the hub's extra work per overview is at least
//!
//! - **encoding that answer afresh** (its cases are built, masked, per call): prost encoding
//!   of the captured answer into a reused buffer, less the copy of the pre-encoded bytes the
//!   twelve-case server makes instead;
//! - **one durable access record**, the store alone: the null hub's SQLite store (opened by
//!   the hub's own `trail::open_store` from its config: WAL, `synchronous=FULL`) sealing and
//!   appending through its blocking appender, on this thread, in batches of 50 (the most
//!   M1's 50 streams can have in flight), drafts built beforehand: no queue, no hand-off, no
//!   wake-up.
//!
//! A third row, not part of the floor, is the same record through the hub's group-commit
//! writer (`trail::start`, `AuditLog::record` from 50 tasks on one worker): what the hand-off
//! to the writer's thread adds to the store's own work.
//!
//! Everything else the pipeline does (the token, policy, validation, the six in-process
//! calls, masking, building the cases and the draft) is left out: counted as zero. So
//! `echo / (twelve-case + encode + record)` bounds from above the M1 ratio any hub doing this
//! work can reach here, and the 0.35× target's budget per overview (`echo / 0.35`) less that
//! sum is what is left for all of the pipeline.

use crate::perfstat::{Counts, PerfStat};
use crate::report::CostRow;
use anyhow::{Context, Result, ensure};
use minwon_audit::{GENESIS_HASH, RecordDraft, seal};
use minwon_proto::v1 as pb;
use prost::Message;
use prost::bytes::{BufMut, BytesMut};
use std::path::Path;
use std::sync::Arc;

/// Label of the encode row.
pub const ENCODE: &str = "floor: encode the answer";
/// Label of the record row (the store alone).
pub const RECORD: &str = "floor: durable record, store";
/// Label of the writer row (the record through `AuditLog`).
pub const WRITER: &str = "record via AuditLog writer";
/// The purpose note of the floor's records.
const PURPOSE: &str = "minwon-bench floor";

/// The encode row: `n` prost encodings of the captured answer (`answer`, as the null hub sent
/// it), less `n` copies of its bytes.
pub fn encode_row(answer: &[u8], n: u64, out: &Path) -> Result<CostRow> {
    let overview = pb::CitizenOverview::decode(answer).context("decoding the captured answer")?;
    ensure!(
        overview.encoded_len() == answer.len(),
        "the captured answer re-encodes to {} bytes, not {}",
        overview.encoded_len(),
        answer.len()
    );
    let bytes = prost::bytes::Bytes::copy_from_slice(answer);
    let mut buf = BytesMut::with_capacity(answer.len() * 2);
    let encode = count(out, || {
        for _ in 0..n {
            buf.clear();
            // As tonic's codec: the message into the frame buffer, no length prefix.
            overview.encode_raw(&mut buf);
            std::hint::black_box(&buf);
        }
    })?;
    ensure!(
        buf[..] == answer[..],
        "the fresh encoding differs from the captured answer"
    );
    let copy = count(out, || {
        for _ in 0..n {
            buf.clear();
            buf.put_slice(&bytes);
            std::hint::black_box(&buf);
        }
    })?;
    Ok(row(ENCODE, n, minus(encode, copy)))
}

/// The record row: `n` records sealed and committed by the null hub's store (its config in
/// `dir`) through its blocking appender on this thread, `batch` per transaction.
pub fn record_row(dir: &Path, n: u64, batch: usize, out: &Path) -> Result<CostRow> {
    let cfg = crate::nullhub::config(dir)?;
    let rt = crate::pin::one_worker_runtime()?;
    let store = rt.block_on(minwon_hub::trail::open_store(&cfg.audit))?;
    let mut appender = store
        .blocking_appender()
        .context("the null hub's SQLite store has no blocking appender")?;
    let batch = batch.max(1);
    let one = crate::m4::draft(PURPOSE)?;
    let mut drafts: Vec<RecordDraft> = (0..n).map(|_| one.clone()).collect();
    let mut prev = GENESIS_HASH.to_string();
    let mut sequence = 0u64;
    let mut failed = None;
    let counts = count(out, || {
        let mut drafts = drafts.drain(..).peekable();
        while drafts.peek().is_some() {
            let records: Vec<_> = drafts
                .by_ref()
                .take(batch)
                .map(|d| {
                    sequence += 1;
                    let r = seal(sequence, &prev, d);
                    prev.clone_from(&r.hash);
                    r
                })
                .collect();
            if let Err(e) = appender.append(&records) {
                failed = Some(e);
                return;
            }
        }
    })?;
    drop(appender);
    rt.block_on(async move { drop(store) });
    if let Some(e) = failed {
        anyhow::bail!("appending to the null hub's store: {e}");
    }
    Ok(row(RECORD, n, counts))
}

/// The writer row: `n` durable records through the null hub's audit writer (its config in
/// `dir`), `in_flight` at a time from tasks on one tokio worker, as M1's 50 streams give the
/// hub.
pub fn writer_row(dir: &Path, n: u64, in_flight: usize, out: &Path) -> Result<CostRow> {
    let cfg = crate::nullhub::config(dir)?;
    let rt = crate::pin::one_worker_runtime()?;
    let (log, _keys) = rt.block_on(minwon_hub::trail::start(&cfg.audit))?;
    let log = Arc::new(log);
    let in_flight = in_flight.max(1);
    // Drafts are built before the window: building one is the pipeline's work, not the floor.
    let one = crate::m4::draft(PURPOSE)?;
    let mut per_task: Vec<Vec<RecordDraft>> = (0..in_flight).map(|_| Vec::new()).collect();
    for i in 0..n {
        per_task[i as usize % in_flight].push(one.clone());
    }
    let mut committed = 0u64;
    let counts = count(out, || {
        committed = rt.block_on(async {
            let tasks: Vec<_> = per_task
                .drain(..)
                .map(|drafts| {
                    let log = Arc::clone(&log);
                    tokio::spawn(async move {
                        let mut ok = 0u64;
                        for d in drafts {
                            ok += u64::from(log.record(d).await.is_ok());
                        }
                        ok
                    })
                })
                .collect();
            let mut ok = 0;
            for t in tasks {
                ok += t.await.unwrap_or(0);
            }
            ok
        });
    })?;
    // The store's pool must be dropped inside the runtime it was built on.
    rt.block_on(async move {
        log.shutdown().await;
        drop(log);
    });
    ensure!(
        committed == n,
        "{} of {n} records failed to commit",
        n - committed
    );
    Ok(row(WRITER, n, counts))
}

/// Counts `work` under `perf stat` attached to this process (its other threads are idle).
fn count(out: &Path, work: impl FnOnce()) -> Result<Counts> {
    let perf = PerfStat::attach(std::process::id(), out)?;
    work();
    perf.stop()
}

/// `a − b`, event by event, at least 0 (a copy counted as dearer than the encoding is noise,
/// and a context switch counted in the copy's window and not the encoding's is perf's own).
fn minus(a: Counts, b: Counts) -> Counts {
    let d = |x: Option<f64>, y: Option<f64>| Some((x? - y?).max(0.0));
    Counts {
        instructions: d(a.instructions, b.instructions),
        task_clock_ms: d(a.task_clock_ms, b.task_clock_ms),
        context_switches: d(a.context_switches, b.context_switches),
        cpu_migrations: d(a.cpu_migrations, b.cpu_migrations),
    }
}

fn row(name: &str, n: u64, c: Counts) -> CostRow {
    crate::cost::row(name, n, 0, None, c)
}

/// The floor's sum and the M1 ratio it allows, from a cost table's rows (`None` unless the
/// echo, the twelve-case server and both floor rows have CPU figures).
pub fn bound(rows: &[CostRow]) -> Option<Bound> {
    let cpu = |name: &str| rows.iter().find(|r| r.server == name)?.cpu_us;
    let echo = cpu(crate::cost::ECHO)?;
    let twelve = cpu(crate::cost::TWELVE)?;
    let (encode, record) = (cpu(ENCODE)?, cpu(RECORD)?);
    let floor = twelve + encode + record;
    Some(Bound {
        echo,
        twelve,
        encode,
        record,
        floor,
        ceiling: echo / floor,
        hub: cpu(crate::cost::NULL_HUB),
    })
}

/// The floor of M1 in CPU µs per overview.
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    /// The bare echo's cost per request.
    pub echo: f64,
    /// The bare twelve-case server's.
    pub twelve: f64,
    /// Encoding the answer afresh, less copying it.
    pub encode: f64,
    /// One durable record.
    pub record: f64,
    /// `twelve + encode + record`: the least a hub doing this work costs.
    pub floor: f64,
    /// `echo / floor`: the highest M1 ratio such a hub reaches.
    pub ceiling: f64,
    /// The null hub's measured cost, when it was counted.
    pub hub: Option<f64>,
}

impl Bound {
    /// What the 0.35× target leaves the pipeline: `echo / 0.35 − floor` (negative: the
    /// target is below the floor).
    pub fn budget_left(&self) -> f64 {
        self.echo / crate::m1::TARGET - self.floor
    }

    /// One paragraph for the terminal and BENCHMARKS.md.
    pub fn text(&self) -> String {
        let hub = self.hub.map_or(String::new(), |h| {
            format!(
                " The null hub measured {h:.1} µs: {:.1} µs above the floor, its pipeline's own work.",
                h - self.floor
            )
        });
        format!(
            "M1 floor: bare twelve-case {:.1} + fresh encode {:.1} + one durable record {:.1} = \
             {:.1} µs per overview, against the bare echo's {:.1} µs, so a hub doing no other \
             work reaches at most {:.2}× the echo. The {:.2}× target allows {:.1} µs per \
             overview, which leaves {:.1} µs for the whole pipeline.{hub}",
            self.twelve,
            self.encode,
            self.record,
            self.floor,
            self.echo,
            self.ceiling,
            crate::m1::TARGET,
            self.echo / crate::m1::TARGET,
            self.budget_left(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::cpu_row;

    #[test]
    fn the_bound_adds_the_floor_to_the_twelve_case_server_and_divides_the_echo_by_it() {
        let rows = [
            cpu_row(crate::cost::ECHO, Some(15.0)),
            cpu_row(crate::cost::NULL_HUB, Some(107.0)),
            cpu_row(crate::cost::TWELVE, Some(32.0)),
            cpu_row(ENCODE, Some(3.0)),
            cpu_row(RECORD, Some(15.0)),
            cpu_row(WRITER, Some(20.0)),
        ];
        let b = bound(&rows).expect("every row has a CPU figure");
        assert!((b.floor - 50.0).abs() < 1e-9, "{b:?}");
        assert!((b.ceiling - 0.3).abs() < 1e-9, "{b:?}");
        // 15 / 0.35 = 42.86 µs allowed, 50 of it the floor.
        assert!((b.budget_left() - (15.0 / 0.35 - 50.0)).abs() < 1e-9);
        assert!(b.text().contains("at most 0.30× the echo"), "{}", b.text());
        assert!(b.text().contains("57.0 µs above the floor"), "{}", b.text());
    }

    #[test]
    fn no_bound_without_every_figure() {
        let rows = [
            cpu_row(crate::cost::ECHO, Some(15.0)),
            cpu_row(crate::cost::TWELVE, Some(32.0)),
            cpu_row(ENCODE, None),
            cpu_row(RECORD, Some(15.0)),
        ];
        assert!(bound(&rows).is_none());
        assert!(bound(&rows[..2]).is_none());
    }

    #[test]
    fn minus_subtracts_what_both_counted_and_keeps_none_where_either_did_not() {
        let a = Counts {
            instructions: None,
            task_clock_ms: Some(5.0),
            context_switches: Some(3.0),
            cpu_migrations: Some(1.0),
        };
        let b = Counts {
            instructions: Some(1.0),
            task_clock_ms: Some(2.0),
            context_switches: Some(1.0),
            cpu_migrations: None,
        };
        let d = minus(a, b);
        assert_eq!(d.instructions, None);
        assert_eq!(d.task_clock_ms, Some(3.0));
        assert_eq!(d.context_switches, Some(2.0));
        assert_eq!(d.cpu_migrations, None);
        assert_eq!(
            minus(b, a).task_clock_ms,
            Some(0.0),
            "noise never goes below 0"
        );
    }
}
