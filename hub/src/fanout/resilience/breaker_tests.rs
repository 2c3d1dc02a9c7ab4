//! Breaker state machine tests, with paused time so waits cost nothing.

use super::*;
use proptest::prelude::*;

fn settings() -> BreakerSettings {
    BreakerSettings {
        window: 10,
        minimum_calls: 5,
        failure_rate_threshold: 50.0,
        slow_call_duration_ms: 1_000,
        slow_call_rate_threshold: 60.0,
        open_wait_ms: 30_000,
        half_open_calls: 2,
        half_open_max_ms: 5_000,
    }
}

const FAST: Duration = Duration::from_millis(10);

fn call(b: &Breaker, failure: bool) {
    b.try_acquire().expect("permit").record(failure, FAST);
}

#[tokio::test(start_paused = true)]
async fn opens_at_exactly_the_threshold() {
    let b = Breaker::new("t", settings());
    // 5 calls, 2 failures = 40%: stays closed.
    for f in [true, false, true, false, false] {
        call(&b, f);
    }
    assert_eq!(b.state(), BreakerState::Closed);
    // 6 calls, 3 failures = 50%: opens exactly at the threshold.
    call(&b, true);
    assert_eq!(b.state(), BreakerState::Open);
    assert_eq!(b.try_acquire().unwrap_err(), CircuitOpen);
}

#[tokio::test(start_paused = true)]
async fn judges_nothing_before_minimum_calls() {
    let b = Breaker::new("t", settings());
    for _ in 0..4 {
        call(&b, true);
    }
    assert_eq!(
        b.state(),
        BreakerState::Closed,
        "4 failures < minimum_calls"
    );
    call(&b, true);
    assert_eq!(b.state(), BreakerState::Open);
}

#[tokio::test(start_paused = true)]
async fn non_failures_never_open_it() {
    let b = Breaker::new("t", settings());
    for _ in 0..50 {
        call(&b, false);
    }
    assert_eq!(b.state(), BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn slow_calls_open_it() {
    let b = Breaker::new("t", settings());
    for i in 0..5 {
        let slow = if i < 3 {
            Duration::from_millis(1_500)
        } else {
            FAST
        };
        b.try_acquire().unwrap().record(false, slow);
    }
    assert_eq!(b.snapshot().slow_call_rate, 60.0);
    assert_eq!(
        b.state(),
        BreakerState::Open,
        "60% slow reaches the slow threshold"
    );
}

#[tokio::test(start_paused = true)]
async fn sliding_window_forgets_old_calls() {
    let b = Breaker::new("t", settings());
    for _ in 0..2 {
        call(&b, true);
    }
    for _ in 0..10 {
        call(&b, false);
    }
    assert_eq!(b.state(), BreakerState::Closed);
    assert_eq!(b.snapshot().window_calls, 10);
    assert_eq!(b.snapshot().failure_rate, 0.0);
}

fn open_it(b: &Breaker) {
    for _ in 0..5 {
        call(b, true);
    }
    assert_eq!(b.state(), BreakerState::Open);
}

#[tokio::test(start_paused = true)]
async fn half_open_success_closes() {
    let b = Breaker::new("t", settings());
    open_it(&b);
    tokio::time::advance(Duration::from_millis(29_999)).await;
    assert!(b.try_acquire().is_err(), "still open before open_wait");
    tokio::time::advance(Duration::from_millis(1)).await;
    let p1 = b.try_acquire().expect("first probe");
    assert!(p1.is_probe());
    assert_eq!(b.state(), BreakerState::HalfOpen);
    let p2 = b.try_acquire().expect("second probe");
    assert!(
        b.try_acquire().is_err(),
        "no more than half_open_calls probes"
    );
    p1.record(false, FAST);
    assert_eq!(b.state(), BreakerState::HalfOpen, "waits for every probe");
    p2.record(false, FAST);
    assert_eq!(b.state(), BreakerState::Closed);
    assert_eq!(
        b.snapshot().window_calls,
        0,
        "closing starts a fresh window"
    );
}

#[tokio::test(start_paused = true)]
async fn half_open_failure_reopens() {
    let b = Breaker::new("t", settings());
    open_it(&b);
    tokio::time::advance(Duration::from_secs(30)).await;
    let p1 = b.try_acquire().unwrap();
    let p2 = b.try_acquire().unwrap();
    p1.record(true, FAST);
    p2.record(false, FAST);
    assert_eq!(b.state(), BreakerState::Open, "50% probe failures re-open");
}

#[tokio::test(start_paused = true)]
async fn a_probe_that_never_returns_does_not_wedge_half_open() {
    let b = Breaker::new("t", settings());
    open_it(&b);
    tokio::time::advance(Duration::from_secs(30)).await;
    let stuck1 = b.try_acquire().unwrap();
    let stuck2 = b.try_acquire().unwrap();
    assert!(b.try_acquire().is_err());
    // The probes never report; past half_open_max the phase ends and the breaker re-opens…
    tokio::time::advance(Duration::from_millis(5_000)).await;
    assert!(b.try_acquire().is_err());
    assert_eq!(b.state(), BreakerState::Open);
    // …and probes again after the next open wait, where late reports no longer vote.
    stuck1.record(false, FAST);
    stuck2.record(false, FAST);
    assert_eq!(b.state(), BreakerState::Open);
    tokio::time::advance(Duration::from_secs(30)).await;
    let p = b.try_acquire().expect("probing again");
    p.record(false, FAST);
    b.try_acquire().unwrap().record(false, FAST);
    assert_eq!(b.state(), BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_probe_counts_as_failure() {
    let b = Breaker::new("t", settings());
    open_it(&b);
    tokio::time::advance(Duration::from_secs(30)).await;
    drop(b.try_acquire().unwrap());
    b.try_acquire().unwrap().record(false, FAST);
    assert_eq!(b.state(), BreakerState::Open);
}

#[tokio::test(start_paused = true)]
async fn concurrent_probes_are_limited() {
    let b = Breaker::new("t", settings());
    open_it(&b);
    tokio::time::advance(Duration::from_secs(30)).await;
    let granted: Vec<Permit> = (0..10).filter_map(|_| b.try_acquire().ok()).collect();
    assert_eq!(granted.len(), 2);
    assert_eq!(b.probes_in_flight(), 2);
}

#[tokio::test(start_paused = true)]
async fn admin_overrides() {
    let b = Breaker::new("t", settings());
    b.set_override(Override::ForceOpen);
    assert!(b.try_acquire().is_err());
    tokio::time::advance(Duration::from_secs(3600)).await;
    assert!(b.try_acquire().is_err(), "forced open does not probe");
    b.set_override(Override::ForceClosed);
    for _ in 0..20 {
        call(&b, true);
    }
    assert_eq!(
        b.state(),
        BreakerState::ForcedClosed,
        "forced closed judges nothing"
    );
    b.set_override(Override::Auto);
    assert_eq!(b.state(), BreakerState::Closed);
}

#[test]
fn settings_are_validated() {
    let mut s = settings();
    s.minimum_calls = 11;
    assert!(s.validate().unwrap_err().contains("minimum_calls"));
    let mut s = settings();
    s.failure_rate_threshold = 0.0;
    assert!(s.validate().unwrap_err().contains("failure_rate_threshold"));
    assert!(settings().validate().is_ok());
}

#[derive(Debug, Clone)]
enum Step {
    Call { failure: bool, slow: bool },
    StartProbe,
    FinishProbe { failure: bool },
    DropProbe,
    Advance(u64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (any::<bool>(), any::<bool>()).prop_map(|(failure, slow)| Step::Call { failure, slow }),
        2 => Just(Step::StartProbe),
        2 => any::<bool>().prop_map(|failure| Step::FinishProbe { failure }),
        1 => Just(Step::DropProbe),
        2 => (0u64..40_000).prop_map(Step::Advance),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn invariants_hold_over_random_outcomes(steps in proptest::collection::vec(step(), 1..200)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
        rt.block_on(async {
            let s = settings();
            let b = Breaker::new("p", s.clone());
            let mut held: Vec<Permit> = Vec::new();
            let mut half_open_since: Option<Instant> = None;
            for st in steps {
                let before = b.state();
                match st {
                    Step::Call { failure, slow } => {
                        if let Ok(p) = b.try_acquire() {
                            let d = if slow { Duration::from_millis(2_000) } else { FAST };
                            p.record(failure, d);
                        }
                    }
                    Step::StartProbe => {
                        if let Ok(p) = b.try_acquire() { held.push(p); }
                    }
                    Step::FinishProbe { failure } => {
                        if let Some(p) = held.pop() { p.record(failure, FAST); }
                    }
                    Step::DropProbe => { held.pop(); }
                    Step::Advance(ms) => tokio::time::advance(Duration::from_millis(ms)).await,
                }
                let snap = b.snapshot();
                // Never more than half_open_calls probes in flight.
                prop_assert!(b.probes_in_flight() <= s.half_open_calls);
                // Never opened from closed with fewer than minimum_calls in the window.
                if before == BreakerState::Closed && snap.state == BreakerState::Open {
                    prop_assert!(snap.window_calls >= s.minimum_calls);
                }
                // Always leaves half-open: within half_open_max of entering it, a call sees
                // another state.
                match (snap.state, half_open_since) {
                    (BreakerState::HalfOpen, None) => half_open_since = Some(Instant::now()),
                    (BreakerState::HalfOpen, Some(since)) => {
                        if Instant::now().duration_since(since) >= Duration::from_millis(s.half_open_max_ms) {
                            let _ = b.try_acquire();
                            prop_assert_ne!(b.state(), BreakerState::HalfOpen);
                            half_open_since = None;
                        }
                    }
                    _ => half_open_since = None,
                }
            }
            Ok(())
        })?;
    }
}
