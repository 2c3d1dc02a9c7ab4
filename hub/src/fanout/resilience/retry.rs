//! The retry budget and backoff: at most one retry per call, only for retryable errors, only
//! when the backoff plus a useful attempt still fit before the deadline, and only while the
//! budget (retries ≤ `budget_ratio` × calls) allows — so retries never amplify an outage.

use super::settings::RetrySettings;
use rand::Rng;
use std::sync::Mutex;
use std::time::Duration;

/// A token bucket of retries: each call deposits `ratio`, each retry withdraws one.
#[derive(Debug)]
pub struct RetryBudget {
    settings: RetrySettings,
    balance: Mutex<f64>,
}

impl RetryBudget {
    /// An empty budget.
    pub fn new(settings: RetrySettings) -> Self {
        RetryBudget {
            settings,
            balance: Mutex::new(0.0),
        }
    }

    /// Records one call (earns `ratio` of a retry).
    pub fn deposit(&self) {
        let mut b = self.balance.lock().unwrap_or_else(|p| p.into_inner());
        *b = (*b + self.settings.budget_ratio).min(self.settings.budget_max);
    }

    /// Takes one retry if the budget allows.
    pub fn try_withdraw(&self) -> bool {
        if !self.settings.enabled {
            return false;
        }
        let mut b = self.balance.lock().unwrap_or_else(|p| p.into_inner());
        // A small tolerance: ten deposits of 0.1 must buy one retry despite rounding.
        if *b >= 1.0 - 1e-9 {
            *b = (*b - 1.0).max(0.0);
            true
        } else {
            false
        }
    }

    /// A jittered backoff in [0.5, 1.5) × the base.
    pub fn backoff(&self) -> Duration {
        let base = self.settings.backoff_ms as f64;
        Duration::from_micros((base * rand::rng().random_range(0.5..1.5) * 1000.0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_calls_earn_one_retry() {
        let b = RetryBudget::new(RetrySettings::default());
        assert!(!b.try_withdraw(), "no retries before any call");
        for _ in 0..9 {
            b.deposit();
        }
        assert!(!b.try_withdraw());
        b.deposit();
        assert!(b.try_withdraw());
        assert!(!b.try_withdraw());
    }

    #[test]
    fn budget_is_capped_and_can_be_disabled() {
        let b = RetryBudget::new(RetrySettings::default());
        for _ in 0..1000 {
            b.deposit();
        }
        let n = (0..100).filter(|_| b.try_withdraw()).count();
        assert_eq!(n, 5);
        let off = RetryBudget::new(RetrySettings {
            enabled: false,
            ..RetrySettings::default()
        });
        for _ in 0..100 {
            off.deposit();
        }
        assert!(!off.try_withdraw());
    }

    #[test]
    fn backoff_is_jittered_around_the_base() {
        let b = RetryBudget::new(RetrySettings::default());
        for _ in 0..100 {
            let d = b.backoff();
            assert!(d >= Duration::from_millis(25) && d < Duration::from_millis(75));
        }
    }
}
