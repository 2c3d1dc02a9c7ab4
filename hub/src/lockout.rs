//! Locking an account after repeated authentication failures (안전성 확보조치 기준 art. 5).
//!
//! Failures are counted per (claimed account, client address): a token's `sub` can be claimed
//! by anyone, so counting per account alone would let a stranger lock a counselor out from
//! anywhere. After `max_failures` within `window`, that account is refused from that address
//! for `lock` — even with a valid token — and the lock is logged (the account id is the
//! handler's, not a citizen's).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most (account, address) pairs remembered; the oldest are forgotten first.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

/// Failure counts and locks.
#[derive(Debug)]
pub struct Lockout {
    max_failures: u32,
    window: Duration,
    lock: Duration,
    entries: Mutex<HashMap<(String, String), Entry>>,
}

impl Lockout {
    /// `max_failures` within `window` lock for `lock`; `max_failures == 0` disables locking.
    pub fn new(max_failures: u32, window: Duration, lock: Duration) -> Self {
        Lockout {
            max_failures,
            window,
            lock,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn key(account: &str, addr: &str) -> (String, String) {
        (account.chars().take(128).collect(), addr.to_string())
    }

    /// Whether the account is locked from this address now.
    pub fn is_locked(&self, account: &str, addr: &str) -> bool {
        let now = Instant::now();
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&Self::key(account, addr))
            .and_then(|e| e.locked_until)
            .is_some_and(|until| now < until)
    }

    /// Records a failure; returns true when this failure locks the account.
    pub fn failure(&self, account: &str, addr: &str) -> bool {
        if self.max_failures == 0 {
            return false;
        }
        let now = Instant::now();
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_ENTRIES {
            let oldest = map
                .iter()
                .min_by_key(|(_, e)| e.first)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                map.remove(&k);
            }
        }
        let e = map.entry(Self::key(account, addr)).or_insert(Entry {
            failures: 0,
            first: now,
            locked_until: None,
        });
        if now.duration_since(e.first) > self.window || e.locked_until.is_some_and(|u| now >= u) {
            *e = Entry {
                failures: 0,
                first: now,
                locked_until: None,
            };
        }
        e.failures += 1;
        if e.failures >= self.max_failures && e.locked_until.is_none() {
            e.locked_until = Some(now + self.lock);
            return true;
        }
        false
    }

    /// Forgets the failures after a successful authentication.
    pub fn success(&self, account: &str, addr: &str) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if !map.is_empty() {
            map.remove(&Self::key(account, addr));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_repeated_failures_per_address() {
        let l = Lockout::new(3, Duration::from_secs(60), Duration::from_secs(60));
        assert!(!l.failure("c-1", "10.0.0.1"));
        assert!(!l.failure("c-1", "10.0.0.1"));
        assert!(l.failure("c-1", "10.0.0.1"), "third failure locks");
        assert!(l.is_locked("c-1", "10.0.0.1"));
        assert!(
            !l.is_locked("c-1", "10.0.0.2"),
            "another address is not locked"
        );
        assert!(
            !l.is_locked("c-2", "10.0.0.1"),
            "another account is not locked"
        );
    }

    #[test]
    fn success_resets_and_zero_disables() {
        let l = Lockout::new(2, Duration::from_secs(60), Duration::from_secs(60));
        l.failure("c", "a");
        l.success("c", "a");
        assert!(!l.failure("c", "a"));
        let off = Lockout::new(0, Duration::from_secs(60), Duration::from_secs(60));
        for _ in 0..10 {
            assert!(!off.failure("c", "a"));
        }
        assert!(!off.is_locked("c", "a"));
    }

    #[test]
    fn lock_expires() {
        let l = Lockout::new(1, Duration::from_secs(60), Duration::from_millis(0));
        l.failure("c", "a");
        assert!(!l.is_locked("c", "a"), "a zero-length lock is already over");
    }
}
