//! Throttling invalid tokens per client address (안전성 확보조치 기준 art. 5: repeated failed
//! authentication must be limited).
//!
//! What is counted is the *address*, never an account: an invalid token's claims are
//! unverified, so counting them against the `sub` they name would let anyone lock a counselor
//! out (the hub did exactly that before). After `max_failures` invalid tokens within `window`
//! from one address, that address is throttled for `lock`: its tokens are no longer verified
//! (a signature check is the expensive part), except tokens the hub verified before, so
//! counselors sharing a desk address keep working while a script behind it is stopped.
//!
//! Memory is bounded (`MAX_ADDRESSES`) and eviction is O(1): addresses are forgotten oldest
//! first through a queue beside the map, instead of scanning the map for the oldest entry under
//! the lock.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most addresses remembered; the oldest are forgotten first.
const MAX_ADDRESSES: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    first: Instant,
    throttled_until: Option<Instant>,
    /// Which queue slot is this entry's; older slots for the same address are stale.
    stamp: u64,
}

#[derive(Debug, Default)]
struct State {
    entries: HashMap<IpAddr, Entry>,
    order: VecDeque<(IpAddr, u64)>,
    next_stamp: u64,
}

impl State {
    /// Forgets the oldest live entry. Stale queue slots (entries replaced or removed) are
    /// skipped; each slot is popped once, so the cost is O(1) amortized.
    fn evict_oldest(&mut self) {
        while let Some((addr, stamp)) = self.order.pop_front() {
            if self.entries.get(&addr).is_some_and(|e| e.stamp == stamp) {
                self.entries.remove(&addr);
                return;
            }
        }
    }

    fn insert(&mut self, addr: IpAddr, now: Instant) -> &mut Entry {
        if self.entries.len() >= MAX_ADDRESSES {
            self.evict_oldest();
        }
        // Stale slots accumulate when entries are reset; compact before they outgrow the map.
        if self.order.len() > 2 * MAX_ADDRESSES {
            let entries = &self.entries;
            self.order
                .retain(|(a, s)| entries.get(a).is_some_and(|e| e.stamp == *s));
        }
        self.next_stamp += 1;
        let stamp = self.next_stamp;
        self.order.push_back((addr, stamp));
        let fresh = Entry {
            failures: 0,
            first: now,
            throttled_until: None,
            stamp,
        };
        let e = self.entries.entry(addr).or_insert(fresh);
        *e = fresh;
        e
    }
}

/// Invalid-token counts and throttles per client address.
#[derive(Debug)]
pub struct Throttle {
    max_failures: u32,
    window: Duration,
    lock: Duration,
    state: Mutex<State>,
}

impl Throttle {
    /// `max_failures` invalid tokens within `window` throttle an address for `lock`;
    /// `max_failures == 0` disables throttling.
    pub fn new(max_failures: u32, window: Duration, lock: Duration) -> Self {
        Throttle {
            max_failures,
            window,
            lock,
            state: Mutex::new(State::default()),
        }
    }

    /// How long `addr` stays throttled, if it is.
    pub fn throttled_for(&self, addr: Option<IpAddr>) -> Option<Duration> {
        let addr = addr?;
        if self.max_failures == 0 {
            return None;
        }
        let now = Instant::now();
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state
            .entries
            .get(&addr)
            .and_then(|e| e.throttled_until)
            .filter(|until| now < *until)
            .map(|until| until - now)
    }

    /// Counts an invalid token from `addr`; true when this one starts a throttle.
    pub fn failure(&self, addr: Option<IpAddr>) -> bool {
        let Some(addr) = addr else { return false };
        if self.max_failures == 0 {
            return false;
        }
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let expired = state.entries.get(&addr).is_none_or(|e| {
            now.duration_since(e.first) > self.window || e.throttled_until.is_some_and(|u| now >= u)
        });
        let e = if expired {
            state.insert(addr, now)
        } else {
            state.entries.get_mut(&addr).expect("present: not expired")
        };
        e.failures += 1;
        if e.failures >= self.max_failures && e.throttled_until.is_none() {
            e.throttled_until = Some(now + self.lock);
            return true;
        }
        false
    }

    /// Addresses remembered now (for tests and metrics).
    pub fn len(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entries
            .len()
    }

    /// Whether no address is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn throttles_an_address_after_repeated_invalid_tokens() {
        let t = Throttle::new(3, Duration::from_secs(60), Duration::from_secs(60));
        assert!(!t.failure(ip("10.0.0.1")));
        assert!(!t.failure(ip("10.0.0.1")));
        assert!(t.failure(ip("10.0.0.1")), "third failure throttles");
        assert!(t.throttled_for(ip("10.0.0.1")).is_some());
        assert!(t.throttled_for(ip("10.0.0.2")).is_none(), "other addresses");
        assert!(t.throttled_for(None).is_none());
        assert!(!t.failure(None), "an unknown address is never counted");
    }

    #[test]
    fn zero_disables_and_throttles_expire() {
        let off = Throttle::new(0, Duration::from_secs(60), Duration::from_secs(60));
        for _ in 0..10 {
            assert!(!off.failure(ip("10.0.0.1")));
        }
        assert!(off.throttled_for(ip("10.0.0.1")).is_none());
        let short = Throttle::new(1, Duration::from_secs(60), Duration::ZERO);
        assert!(short.failure(ip("10.0.0.1")));
        assert!(short.throttled_for(ip("10.0.0.1")).is_none());
    }

    #[test]
    fn memory_is_bounded_and_the_oldest_address_goes_first() {
        let t = Throttle::new(5, Duration::from_secs(600), Duration::from_secs(60));
        let first = ip("10.255.255.255");
        t.failure(first);
        for i in 0..(MAX_ADDRESSES as u32 + 10) {
            t.failure(Some(IpAddr::from(std::net::Ipv4Addr::from(i))));
        }
        assert_eq!(t.len(), MAX_ADDRESSES);
        let state = t.state.lock().unwrap();
        assert!(
            !state.entries.contains_key(&first.unwrap()),
            "oldest evicted"
        );
        assert!(state.order.len() <= 2 * MAX_ADDRESSES + 1);
    }
}
