//! M5 — breaker cost, timed in this binary: a call through a closed breaker
//! (`try_acquire` + `Permit::record`) and a rejection by an open one, against doing nothing and
//! an uncontended mutex in the same run. Median of 7 rounds of 1,000,000 operations each.
//! The criterion bench `benches/breaker.rs` measures the same four things with statistics:
//! `cargo bench -p minwon-bench --bench breaker`.

use crate::report::Row;
use crate::suite::Ctx;
use anyhow::Result;
use minwon_hub::fanout::resilience::breaker::{Breaker, BreakerSettings, BreakerState};
use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const OPS: u32 = 1_000_000;
const ROUNDS: usize = 7;

/// Median ns per call of `f` over [`ROUNDS`] rounds of [`OPS`] calls.
pub fn ns_per_op(mut f: impl FnMut()) -> f64 {
    let mut rounds: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..OPS {
                f();
            }
            t.elapsed().as_nanos() as f64 / OPS as f64
        })
        .collect();
    crate::load::quantile(&mut rounds, 0.5)
}

/// Settings that keep a breaker closed under successes and open for an hour once tripped.
pub fn settings() -> BreakerSettings {
    BreakerSettings {
        window: 20,
        minimum_calls: 10,
        open_wait_ms: 3_600_000,
        ..BreakerSettings::default()
    }
}

/// A breaker tripped open by a window of failures.
pub fn tripped() -> Breaker {
    let b = Breaker::new("bench-open", settings());
    for _ in 0..40 {
        if let Ok(p) = b.try_acquire() {
            p.record(true, Duration::from_millis(1));
        }
    }
    b
}

/// Runs M5.
pub fn run(_ctx: &mut Ctx) -> Result<Vec<Row>> {
    println!("M5: breaker cost (in-process timing; criterion: cargo bench -p minwon-bench)");
    let noop = ns_per_op(|| black_box(()));
    let m = Mutex::new(0u64);
    let mutex = ns_per_op(|| {
        if let Ok(mut g) = black_box(&m).lock() {
            *g += 1;
        }
    });
    let closed = Breaker::new("bench-closed", settings());
    let mut closed_refused = 0u64;
    let pass_ns = ns_per_op(|| match black_box(&closed).try_acquire() {
        Ok(p) => p.record(false, Duration::from_micros(50)),
        Err(_) => closed_refused += 1,
    });
    let open = tripped();
    let is_open = open.state() == BreakerState::Open;
    let mut open_passed = 0u64;
    let reject_ns = ns_per_op(|| {
        if black_box(&open).try_acquire().is_ok() {
            open_passed += 1;
        }
    });
    let mk = |id: &str, what: &str, ns: f64, ok: bool, note: String| {
        let mut r = Row::new(id, what, "≤ 1 µs added per call");
        r.measured = format!(
            "{ns:.1} ns/op ({:.1} ns added over doing nothing)",
            ns - noop
        );
        r.baseline = format!(
            "no-op {noop:.1} ns; uncontended mutex {mutex:.1} ns → {:.1}× the mutex",
            ns / mutex.max(1e-9)
        );
        r.pass = Some(ok && ns - noop <= 1_000.0);
        r.notes = note;
        r
    };
    Ok(vec![
        mk(
            "M5 closed",
            "breaker: call through a closed breaker (try_acquire + record)",
            pass_ns,
            closed_refused == 0,
            format!(
                "median of {ROUNDS}×{OPS} calls, one thread; {closed_refused} refused (must be 0)."
            ),
        ),
        mk(
            "M5 open",
            "breaker: rejection by an open breaker",
            reject_ns,
            is_open && open_passed == 0,
            format!(
                "breaker tripped by failures (state {:?}); {open_passed} let through (must be 0).",
                open.state()
            ),
        ),
    ])
}
