//! When an HTTP 429 or 503 is worth waiting for. Pure decisions, no clock and no I/O, so every
//! rule is tested without sleeping; the connector's loop does the waiting.
//!
//! The rule: wait for the back-end's `Retry-After` only when the wait plus the time the retried
//! request is expected to take (the margin) still fits before the caller's deadline, and at
//! most `max_retries` times per call. A 429 without `Retry-After` waits a short default
//! backoff under the same rule; a 503 without `Retry-After` is not retried here (the hub's own
//! retry layer decides about plain outages).

use std::time::Duration;

/// The retry settings of one connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Most waits per call (0 = never wait).
    pub max_retries: u32,
    /// Wait after a 429 that carries no usable `Retry-After`.
    pub default_backoff: Duration,
    /// Time kept free after a wait for the retried request itself.
    pub margin: Duration,
}

/// What to do after an answer that was not a success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Wait this long, then send the request again.
    Retry(Duration),
    /// The answer is not one a wait can fix (not 429, or 503 without `Retry-After`).
    NotRetryable,
    /// The call already waited `max_retries` times.
    RetriesExhausted,
    /// Waiting (plus the margin) would end past the deadline.
    NoTimeLeft,
}

impl Plan {
    /// A short, value-free note for the error message when giving up, if any.
    pub fn give_up_note(self) -> Option<&'static str> {
        match self {
            Plan::Retry(_) | Plan::NotRetryable => None,
            Plan::RetriesExhausted => Some("still refused after the configured retries"),
            Plan::NoTimeLeft => Some("the requested wait does not fit before the deadline"),
        }
    }
}

impl RetryPolicy {
    /// Decides about one refused answer: its HTTP `status`, its `Retry-After`, the number of
    /// waits already made in this call, and the time left before the deadline.
    pub fn plan(
        &self,
        status: u16,
        retry_after: Option<Duration>,
        retries_done: u32,
        remaining: Duration,
    ) -> Plan {
        let wait = match (status, retry_after) {
            (429, Some(d)) => d,
            (429, None) => self.default_backoff,
            (503, Some(d)) => d,
            _ => return Plan::NotRetryable,
        };
        if retries_done >= self.max_retries {
            return Plan::RetriesExhausted;
        }
        match wait.checked_add(self.margin) {
            Some(needed) if needed <= remaining => Plan::Retry(wait),
            _ => Plan::NoTimeLeft,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;
    const MS: fn(u64) -> Duration = Duration::from_millis;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 2,
            default_backoff: MS(500),
            margin: MS(200),
        }
    }

    #[test]
    fn a_429_whose_wait_fits_is_retried_after_exactly_retry_after() {
        assert_eq!(policy().plan(429, Some(S(1)), 0, S(5)), Plan::Retry(S(1)));
        assert_eq!(
            policy().plan(429, Some(S(1)), 1, MS(1200)),
            Plan::Retry(S(1))
        );
    }

    #[test]
    fn the_margin_counts_against_the_deadline() {
        assert_eq!(
            policy().plan(429, Some(S(1)), 0, MS(1199)),
            Plan::NoTimeLeft
        );
        assert_eq!(policy().plan(429, Some(S(30)), 0, S(5)), Plan::NoTimeLeft);
        assert_eq!(policy().plan(503, Some(S(60)), 0, S(5)), Plan::NoTimeLeft);
        assert_eq!(
            policy().plan(429, Some(S(1)), 0, Duration::ZERO),
            Plan::NoTimeLeft
        );
    }

    #[test]
    fn a_429_without_retry_after_uses_the_default_backoff() {
        assert_eq!(policy().plan(429, None, 0, S(5)), Plan::Retry(MS(500)));
        assert_eq!(policy().plan(429, None, 0, MS(600)), Plan::NoTimeLeft);
    }

    #[test]
    fn a_503_is_retried_only_with_retry_after() {
        assert_eq!(policy().plan(503, Some(S(1)), 0, S(5)), Plan::Retry(S(1)));
        assert_eq!(policy().plan(503, None, 0, S(5)), Plan::NotRetryable);
    }

    #[test]
    fn other_statuses_are_not_retried_here() {
        for status in [200, 400, 401, 404, 500, 502, 504] {
            assert_eq!(
                policy().plan(status, Some(S(1)), 0, S(5)),
                Plan::NotRetryable,
                "{status}"
            );
        }
    }

    #[test]
    fn retries_stop_at_the_configured_count() {
        assert_eq!(
            policy().plan(429, Some(S(0)), 2, S(5)),
            Plan::RetriesExhausted
        );
        let never = RetryPolicy {
            max_retries: 0,
            ..policy()
        };
        assert_eq!(never.plan(429, Some(S(0)), 0, S(5)), Plan::RetriesExhausted);
    }

    #[test]
    fn an_absurd_retry_after_does_not_overflow() {
        assert_eq!(
            policy().plan(429, Some(Duration::MAX), 0, S(5)),
            Plan::NoTimeLeft
        );
    }

    #[test]
    fn give_up_notes_name_the_reason_only() {
        assert!(
            Plan::NoTimeLeft
                .give_up_note()
                .unwrap()
                .contains("deadline")
        );
        assert!(Plan::RetriesExhausted.give_up_note().is_some());
        assert!(Plan::NotRetryable.give_up_note().is_none());
    }
}
