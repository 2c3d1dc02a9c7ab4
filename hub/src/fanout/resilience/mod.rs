//! Resilience around every connector call, composed once per connector in a fixed order:
//! **bulkhead** (max in flight, else "busy" at once) → **breaker** (open: refused at once) →
//! **deadline** (the caller's, capped per connector) → **at most one retry** (idempotent
//! reads, retryable errors, within the deadline and the retry budget) → the connector.
//!
//! Each piece is its own small module; [`Guard`] only composes them and keeps the live
//! statistics `ListConnectors` reports.

pub mod breaker;
pub mod retry;
pub mod settings;
pub mod stats;

use breaker::{Breaker, BreakerSnapshot};
use minwon_connector_sdk::ConnectorError;
use retry::RetryBudget;
use settings::ConnectorSettings;
use stats::CallStats;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// Why a guarded call did not produce a result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GuardError {
    /// The breaker is open: the back-end was not called.
    #[error("circuit open: the back-end failed repeatedly and is given time to recover")]
    CircuitOpen,
    /// The bulkhead is full: the back-end was not called.
    #[error("busy: {0} calls already in flight to this back-end")]
    Busy(usize),
    /// The call was made and failed.
    #[error(transparent)]
    Failed(#[from] ConnectorError),
}

/// Live state for `ListConnectors`.
#[derive(Debug, Clone, PartialEq)]
pub struct GuardSnapshot {
    /// Breaker state and window rates.
    pub breaker: BreakerSnapshot,
    /// Calls in flight now.
    pub in_flight: usize,
    /// Calls made since start (not counting refused ones).
    pub calls: u64,
    /// Recent median latency, ms.
    pub p50_ms: f64,
    /// Recent 99th-percentile latency, ms.
    pub p99_ms: f64,
}

/// The resilience pieces of one connector.
#[derive(Debug)]
pub struct Guard {
    settings: ConnectorSettings,
    breaker: Breaker,
    bulkhead: Arc<Semaphore>,
    budget: RetryBudget,
    stats: CallStats,
}

impl Guard {
    /// Builds the pieces from validated settings.
    pub fn new(name: &str, settings: ConnectorSettings) -> Self {
        Guard {
            breaker: Breaker::new(name, settings.breaker.clone()),
            bulkhead: Arc::new(Semaphore::new(settings.max_in_flight)),
            budget: RetryBudget::new(settings.retry.clone()),
            stats: CallStats::default(),
            settings,
        }
    }

    /// The breaker (for admin overrides).
    pub fn breaker(&self) -> &Breaker {
        &self.breaker
    }

    /// The deadline of a call to this connector, given the caller's.
    pub fn deadline(&self, caller: Instant) -> Instant {
        caller.min(Instant::now() + Duration::from_millis(self.settings.deadline_ms))
    }

    /// Runs `attempt` (given the attempt's deadline) through bulkhead, breaker, deadline and
    /// retry. `attempt` must be an idempotent read: it may run twice.
    pub async fn call<T, F, Fut>(
        &self,
        caller_deadline: Instant,
        attempt: F,
    ) -> Result<T, GuardError>
    where
        F: Fn(Instant) -> Fut,
        Fut: Future<Output = Result<T, ConnectorError>>,
    {
        let _slot = self
            .bulkhead
            .clone()
            .try_acquire_owned()
            .map_err(|_| GuardError::Busy(self.settings.max_in_flight))?;
        let permit = self
            .breaker
            .try_acquire()
            .map_err(|_| GuardError::CircuitOpen)?;
        let deadline = self.deadline(caller_deadline);
        self.budget.deposit();
        let start = Instant::now();
        let mut result = bounded(&attempt, deadline).await;
        // A `Retry-After` means the connector already honoured the back-end's wait as far as
        // the deadline allowed; retrying sooner would only hammer it.
        if let Err(e) = &result
            && e.kind.is_retryable()
            && e.retry_after.is_none()
        {
            let backoff = self.budget.backoff();
            // Worth retrying only if the backoff and another attempt as long as the first fit.
            let needed = backoff + start.elapsed().max(Duration::from_millis(20));
            if Instant::now() + needed < deadline && self.budget.try_withdraw() {
                tracing::debug!(kind = e.kind.as_str(), "retrying once");
                tokio::time::sleep(backoff).await;
                result = bounded(&attempt, deadline).await;
            }
        }
        let elapsed = start.elapsed();
        let failure = matches!(&result, Err(e) if e.kind.counts_as_failure());
        permit.record(failure, elapsed);
        self.stats.record(elapsed);
        result.map_err(GuardError::Failed)
    }

    /// Live state.
    pub fn snapshot(&self) -> GuardSnapshot {
        let (p50_ms, p99_ms) = self.stats.percentiles_ms();
        GuardSnapshot {
            breaker: self.breaker.snapshot(),
            in_flight: self.settings.max_in_flight - self.bulkhead.available_permits(),
            calls: self.stats.calls(),
            p50_ms,
            p99_ms,
        }
    }
}

async fn bounded<T, F, Fut>(attempt: &F, deadline: Instant) -> Result<T, ConnectorError>
where
    F: Fn(Instant) -> Fut,
    Fut: Future<Output = Result<T, ConnectorError>>,
{
    match tokio::time::timeout_at(deadline, attempt(deadline)).await {
        Ok(r) => r,
        Err(_) => Err(ConnectorError::timeout("no answer before the deadline")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minwon_connector_sdk::ErrorKind;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn guard(max_in_flight: usize) -> Guard {
        let mut s = ConnectorSettings {
            max_in_flight,
            ..Default::default()
        };
        s.retry.budget_ratio = 1.0;
        Guard::new("t", s)
    }

    #[tokio::test(start_paused = true)]
    async fn retries_once_for_retryable_errors_only() {
        let g = guard(4);
        let n = AtomicUsize::new(0);
        let r: Result<(), _> = g
            .call(Instant::now() + Duration::from_secs(2), |_| async {
                n.fetch_add(1, Ordering::SeqCst);
                Err(ConnectorError::unavailable("down"))
            })
            .await;
        assert!(matches!(r, Err(GuardError::Failed(e)) if e.kind == ErrorKind::Unavailable));
        assert_eq!(n.load(Ordering::SeqCst), 2, "one retry, not more");
        n.store(0, Ordering::SeqCst);
        let _ = g
            .call(Instant::now() + Duration::from_secs(2), |_| async {
                n.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(ConnectorError::not_found("none"))
            })
            .await;
        assert_eq!(
            n.load(Ordering::SeqCst),
            1,
            "NotFound is an answer, not retried"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn no_retry_when_the_deadline_is_spent() {
        let g = guard(4);
        let n = AtomicUsize::new(0);
        let r: Result<(), _> = g
            .call(Instant::now() + Duration::from_millis(300), |_| async {
                n.fetch_add(1, Ordering::SeqCst);
                std::future::pending::<()>().await;
                Ok(())
            })
            .await;
        assert!(matches!(r, Err(GuardError::Failed(e)) if e.kind == ErrorKind::Timeout));
        assert_eq!(n.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn bulkhead_refuses_at_once_when_full() {
        let g = Arc::new(guard(1));
        let g2 = g.clone();
        let hold = tokio::spawn(async move {
            g2.call(Instant::now() + Duration::from_secs(5), |_| async {
                tokio::time::sleep(Duration::from_secs(1)).await;
                Ok(())
            })
            .await
        });
        tokio::task::yield_now().await;
        assert_eq!(g.snapshot().in_flight, 1);
        let r: Result<(), _> = g
            .call(Instant::now() + Duration::from_secs(5), |_| async {
                Ok(())
            })
            .await;
        assert_eq!(r.unwrap_err(), GuardError::Busy(1));
        hold.await.unwrap().unwrap();
        assert_eq!(g.snapshot().in_flight, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn failures_open_the_breaker_and_then_cost_nothing() {
        let g = guard(8);
        for _ in 0..10 {
            let _ = g
                .call(Instant::now() + Duration::from_secs(1), |_| async {
                    Err::<(), _>(ConnectorError::bad_response("garbage"))
                })
                .await;
        }
        let n = AtomicUsize::new(0);
        let r: Result<(), _> = g
            .call(Instant::now() + Duration::from_secs(1), |_| async {
                n.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
            .await;
        assert_eq!(r.unwrap_err(), GuardError::CircuitOpen);
        assert_eq!(
            n.load(Ordering::SeqCst),
            0,
            "an open breaker does not call the back-end"
        );
    }
}
