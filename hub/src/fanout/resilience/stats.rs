//! Live call statistics of one connector for `ListConnectors`: calls made and a recent-latency
//! reservoir for p50/p99.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Latencies kept for percentiles.
const RESERVOIR: usize = 1024;

/// Counters and recent latencies.
#[derive(Debug, Default)]
pub struct CallStats {
    calls: AtomicU64,
    recent_us: Mutex<VecDeque<u64>>,
}

impl CallStats {
    /// Records one finished call.
    pub fn record(&self, elapsed: Duration) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let mut r = self.recent_us.lock().unwrap_or_else(|p| p.into_inner());
        if r.len() == RESERVOIR {
            r.pop_front();
        }
        r.push_back(elapsed.as_micros().min(u64::MAX as u128) as u64);
    }

    /// Calls recorded since start.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// (p50, p99) of recent calls, in ms; zero when none.
    pub fn percentiles_ms(&self) -> (f64, f64) {
        let mut v: Vec<u64> = self
            .recent_us
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .copied()
            .collect();
        if v.is_empty() {
            return (0.0, 0.0);
        }
        v.sort_unstable();
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize] as f64 / 1000.0;
        (at(0.5), at(0.99))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_recent_calls() {
        let s = CallStats::default();
        assert_eq!(s.percentiles_ms(), (0.0, 0.0));
        for ms in 1..=100 {
            s.record(Duration::from_millis(ms));
        }
        let (p50, p99) = s.percentiles_ms();
        assert!((50.0..=51.0).contains(&p50), "{p50}");
        assert!((98.0..=100.0).contains(&p99), "{p99}");
        assert_eq!(s.calls(), 100);
    }
}
