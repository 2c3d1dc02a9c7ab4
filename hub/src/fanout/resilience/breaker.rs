//! The circuit breaker: a self-contained state machine with resilience4j's semantics, fed by
//! classified outcomes.
//!
//! - **Closed**: calls pass; outcomes fill a count-based sliding window of `window` calls.
//!   Once it holds `minimum_calls`, the breaker opens when the failure rate or the slow-call
//!   rate reaches its threshold.
//! - **Open**: calls are refused at once until `open_wait` has passed, then the first call
//!   turns the breaker half-open.
//! - **HalfOpen**: at most `half_open_calls` probes are let through; when all have reported,
//!   the breaker closes (rates under the thresholds) or opens again. The phase is bounded by
//!   `half_open_max`: probes that never report cannot keep it half-open forever — past the
//!   bound the breaker re-opens. A probe whose call is dropped (cancelled) counts as a failure.
//! - **Forced** open or closed by an admin, until set back to automatic.
//!
//! What counts as a failure is decided by the caller from the connector's error
//! classification ([`minwon_connector_sdk::ErrorKind::counts_as_failure`]); this module only
//! counts. Time is `tokio::time::Instant`, so tests run with paused time.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Breaker settings (validated by [`BreakerSettings::validate`]).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BreakerSettings {
    /// Size of the count-based sliding window.
    pub window: usize,
    /// Calls recorded before any rate is judged.
    pub minimum_calls: usize,
    /// Failure rate (percent) at or above which the breaker opens.
    pub failure_rate_threshold: f64,
    /// A call taking at least this long counts as slow, in ms.
    pub slow_call_duration_ms: u64,
    /// Slow-call rate (percent) at or above which the breaker opens.
    pub slow_call_rate_threshold: f64,
    /// How long the breaker stays open before probing, in ms.
    pub open_wait_ms: u64,
    /// Probes let through while half-open.
    pub half_open_calls: usize,
    /// Longest the half-open phase may last before re-opening, in ms.
    pub half_open_max_ms: u64,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        BreakerSettings {
            window: 20,
            minimum_calls: 10,
            failure_rate_threshold: 50.0,
            slow_call_duration_ms: 2_000,
            slow_call_rate_threshold: 80.0,
            open_wait_ms: 10_000,
            half_open_calls: 3,
            half_open_max_ms: 10_000,
        }
    }
}

impl BreakerSettings {
    /// Checks the rules; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.window == 0 {
            return Err("breaker.window must be at least 1".into());
        }
        if self.minimum_calls == 0 || self.minimum_calls > self.window {
            return Err("breaker.minimum_calls must be between 1 and breaker.window".into());
        }
        for (name, v) in [
            ("failure_rate_threshold", self.failure_rate_threshold),
            ("slow_call_rate_threshold", self.slow_call_rate_threshold),
        ] {
            if !(v > 0.0 && v <= 100.0) {
                return Err(format!(
                    "breaker.{name} must be above 0 and at most 100 (percent)"
                ));
            }
        }
        if self.half_open_calls == 0 {
            return Err("breaker.half_open_calls must be at least 1".into());
        }
        if self.open_wait_ms == 0 || self.half_open_max_ms == 0 || self.slow_call_duration_ms == 0 {
            return Err("breaker durations must be greater than 0".into());
        }
        Ok(())
    }
}

/// The breaker's state, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BreakerState {
    /// Calls pass.
    Closed,
    /// Calls are refused.
    Open,
    /// A few probes pass.
    HalfOpen,
    /// Forced open by an admin.
    ForcedOpen,
    /// Forced closed by an admin.
    ForcedClosed,
}

impl BreakerState {
    /// Bounded label for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
            BreakerState::ForcedOpen => "forced_open",
            BreakerState::ForcedClosed => "forced_closed",
        }
    }
}

/// An admin override.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Override {
    /// Normal operation (resets to closed with an empty window).
    Auto,
    /// Refuse every call.
    ForceOpen,
    /// Let every call through and judge nothing.
    ForceClosed,
}

/// The typed refusal of an open breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("circuit open")]
pub struct CircuitOpen;

#[derive(Debug, Clone, Copy)]
struct Sample {
    failure: bool,
    slow: bool,
}

#[derive(Debug)]
enum Phase {
    Closed,
    Open {
        until: Instant,
    },
    HalfOpen {
        since: Instant,
        issued: usize,
        results: Vec<Sample>,
    },
    ForcedOpen,
    ForcedClosed,
}

#[derive(Debug)]
struct Inner {
    phase: Phase,
    window: VecDeque<Sample>,
    /// Bumped on every transition, so a permit from an older phase cannot vote in a new one.
    epoch: u64,
    transitions: u64,
}

/// A rates snapshot for `ListConnectors`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakerSnapshot {
    /// Current state.
    pub state: BreakerState,
    /// Calls in the window.
    pub window_calls: usize,
    /// Failure rate in the window, percent.
    pub failure_rate: f64,
    /// Slow-call rate in the window, percent.
    pub slow_call_rate: f64,
    /// Transitions since start.
    pub transitions: u64,
}

/// A circuit breaker for one connector.
#[derive(Debug, Clone)]
pub struct Breaker {
    name: Arc<str>,
    settings: Arc<BreakerSettings>,
    inner: Arc<Mutex<Inner>>,
}

/// Permission for one call. Report its outcome with [`Permit::record`]; dropping it unreported
/// counts as a failure for a half-open probe and as nothing otherwise.
#[derive(Debug)]
pub struct Permit {
    breaker: Breaker,
    epoch: u64,
    probe: bool,
    done: bool,
}

impl Permit {
    /// Whether this call is a half-open probe.
    pub fn is_probe(&self) -> bool {
        self.probe
    }

    /// Reports the call: `failure` from the error classification, `elapsed` for slowness.
    pub fn record(mut self, failure: bool, elapsed: Duration) {
        self.done = true;
        let slow = elapsed >= Duration::from_millis(self.breaker.settings.slow_call_duration_ms);
        self.breaker.on_result(self.epoch, Sample { failure, slow });
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.done && self.probe {
            self.breaker.on_result(
                self.epoch,
                Sample {
                    failure: true,
                    slow: false,
                },
            );
        }
    }
}

fn rates(samples: &[Sample]) -> (f64, f64) {
    if samples.is_empty() {
        return (0.0, 0.0);
    }
    let n = samples.len() as f64;
    let f = samples.iter().filter(|s| s.failure).count() as f64;
    let s = samples.iter().filter(|s| s.slow).count() as f64;
    (100.0 * f / n, 100.0 * s / n)
}

impl Breaker {
    /// A closed breaker named after its connector.
    pub fn new(name: &str, settings: BreakerSettings) -> Self {
        Breaker {
            name: name.into(),
            settings: Arc::new(settings),
            inner: Arc::new(Mutex::new(Inner {
                phase: Phase::Closed,
                window: VecDeque::new(),
                epoch: 0,
                transitions: 0,
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The state is always consistent between statements; a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn transition(&self, inner: &mut Inner, to: Phase) {
        let from = state_of(&inner.phase);
        inner.phase = to;
        inner.epoch += 1;
        inner.transitions += 1;
        let to = state_of(&inner.phase);
        if matches!(to, BreakerState::Closed) {
            inner.window.clear();
        }
        tracing::warn!(source = %self.name, from = from.as_str(), to = to.as_str(), "circuit breaker transition");
        crate::telemetry::metrics::global()
            .breaker_transitions
            .add(&[&self.name, to.as_str()], 1);
    }

    /// Asks to make a call: a permit, or [`CircuitOpen`] at once.
    pub fn try_acquire(&self) -> Result<Permit, CircuitOpen> {
        let now = Instant::now();
        let mut g = self.lock();
        let half_open_max = Duration::from_millis(self.settings.half_open_max_ms);
        if let Phase::Open { until } = g.phase
            && now >= until
        {
            self.transition(
                &mut g,
                Phase::HalfOpen {
                    since: now,
                    issued: 0,
                    results: Vec::new(),
                },
            );
        }
        if let Phase::HalfOpen { since, .. } = g.phase
            && now.duration_since(since) >= half_open_max
        {
            // Probes that never reported: the phase is over, back to open.
            let until = now + Duration::from_millis(self.settings.open_wait_ms);
            self.transition(&mut g, Phase::Open { until });
        }
        let epoch = g.epoch;
        let permit = |probe| Permit {
            breaker: self.clone(),
            epoch,
            probe,
            done: false,
        };
        match &mut g.phase {
            Phase::Closed | Phase::ForcedClosed => Ok(permit(false)),
            Phase::Open { .. } | Phase::ForcedOpen => Err(CircuitOpen),
            Phase::HalfOpen { issued, .. } => {
                if *issued < self.settings.half_open_calls {
                    *issued += 1;
                    Ok(permit(true))
                } else {
                    Err(CircuitOpen)
                }
            }
        }
    }

    fn on_result(&self, epoch: u64, sample: Sample) {
        let now = Instant::now();
        let mut g = self.lock();
        if g.epoch != epoch {
            return; // from an earlier phase; it no longer votes
        }
        let s = &self.settings;
        match &mut g.phase {
            Phase::Closed => {
                g.window.push_back(sample);
                while g.window.len() > s.window {
                    g.window.pop_front();
                }
                if g.window.len() >= s.minimum_calls {
                    let (f, sl) = rates(g.window.make_contiguous());
                    if f >= s.failure_rate_threshold || sl >= s.slow_call_rate_threshold {
                        let until = now + Duration::from_millis(s.open_wait_ms);
                        self.transition(&mut g, Phase::Open { until });
                    }
                }
            }
            Phase::HalfOpen { results, .. } => {
                results.push(sample);
                if results.len() >= s.half_open_calls {
                    let (f, sl) = rates(results);
                    if f >= s.failure_rate_threshold || sl >= s.slow_call_rate_threshold {
                        let until = now + Duration::from_millis(s.open_wait_ms);
                        self.transition(&mut g, Phase::Open { until });
                    } else {
                        self.transition(&mut g, Phase::Closed);
                    }
                }
            }
            Phase::Open { .. } | Phase::ForcedOpen | Phase::ForcedClosed => {}
        }
    }

    /// Applies an admin override.
    pub fn set_override(&self, o: Override) {
        let mut g = self.lock();
        let to = match o {
            Override::Auto => Phase::Closed,
            Override::ForceOpen => Phase::ForcedOpen,
            Override::ForceClosed => Phase::ForcedClosed,
        };
        self.transition(&mut g, to);
    }

    /// Current state (an expired open wait reads as open until the next call probes).
    pub fn state(&self) -> BreakerState {
        state_of(&self.lock().phase)
    }

    /// State and window rates.
    pub fn snapshot(&self) -> BreakerSnapshot {
        let mut g = self.lock();
        let (failure_rate, slow_call_rate) = rates(g.window.make_contiguous());
        BreakerSnapshot {
            state: state_of(&g.phase),
            window_calls: g.window.len(),
            failure_rate,
            slow_call_rate,
            transitions: g.transitions,
        }
    }

    /// Probes currently let through (half-open only).
    pub fn probes_in_flight(&self) -> usize {
        match &self.lock().phase {
            Phase::HalfOpen {
                issued, results, ..
            } => issued - results.len(),
            _ => 0,
        }
    }
}

fn state_of(p: &Phase) -> BreakerState {
    match p {
        Phase::Closed => BreakerState::Closed,
        Phase::Open { .. } => BreakerState::Open,
        Phase::HalfOpen { .. } => BreakerState::HalfOpen,
        Phase::ForcedOpen => BreakerState::ForcedOpen,
        Phase::ForcedClosed => BreakerState::ForcedClosed,
    }
}

#[cfg(test)]
#[path = "breaker_tests.rs"]
mod tests;
