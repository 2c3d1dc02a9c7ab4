//! Criterion bench for M5: a call through a closed breaker (`try_acquire` + `record`), a
//! rejection by an open one, and two baselines in the same run — doing nothing and an
//! uncontended mutex. Run with `cargo bench -p minwon-bench --bench breaker`.

use criterion::{Criterion, criterion_group, criterion_main};
use minwon_hub::fanout::resilience::breaker::{Breaker, BreakerSettings};
use std::hint::black_box;
use std::sync::Mutex;
use std::time::Duration;

fn settings() -> BreakerSettings {
    BreakerSettings {
        window: 20,
        minimum_calls: 10,
        open_wait_ms: 3_600_000,
        ..BreakerSettings::default()
    }
}

fn breaker(c: &mut Criterion) {
    let mut g = c.benchmark_group("breaker");
    g.bench_function("baseline_noop", |b| b.iter(|| black_box(())));
    let m = Mutex::new(0u64);
    g.bench_function("baseline_uncontended_mutex", |b| {
        b.iter(|| {
            if let Ok(mut v) = black_box(&m).lock() {
                *v += 1;
            }
        })
    });
    let closed = Breaker::new("bench-closed", settings());
    g.bench_function("closed_call", |b| {
        b.iter(|| {
            if let Ok(p) = black_box(&closed).try_acquire() {
                p.record(false, Duration::from_micros(50));
            }
        })
    });
    let open = Breaker::new("bench-open", settings());
    for _ in 0..40 {
        if let Ok(p) = open.try_acquire() {
            p.record(true, Duration::from_millis(1));
        }
    }
    g.bench_function("open_rejection", |b| {
        b.iter(|| black_box(black_box(&open).try_acquire().is_err()))
    });
    g.finish();
}

criterion_group!(benches, breaker);
criterion_main!(benches);
