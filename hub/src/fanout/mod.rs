//! Parallel fan-out of one citizen query to every source that can answer it.
//!
//! Each source is called concurrently with its own deadline (the query's deadline, capped per
//! source); a slow or failing source becomes a status, never a failed answer. Results stream
//! out in completion order so a counselor's screen fills progressively.
//!
//! Step 4 of a request (DESIGN.md): [`plan`] which sources can answer, [`run`] them in
//! parallel, each through its [`resilience`] guard; [`registry`] is the one table of
//! connectors the hub can build.

mod plan;
pub mod registry;
pub mod resilience;
mod run;

pub use plan::{Plan, Planned, plan};
pub use run::{call_one, run};

use crate::access::policy::SourceAccess;
use minwon_connector_sdk::{Case, ErrorKind};
use std::sync::Arc;
use std::time::Duration;

/// How one source ended (domain form of `minwon.v1.SourceState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceState {
    /// Answered.
    Ok,
    /// Holds nothing for the citizen.
    NotFound,
    /// Not called (no usable key, or not asked for).
    Skipped,
    /// Deadline passed.
    Timeout,
    /// Breaker open.
    CircuitOpen,
    /// Down, overloaded or refusing.
    Unavailable,
    /// The caller may not see it.
    Denied,
    /// Unusable answer or internal error.
    Error,
}

impl SourceState {
    /// Bounded label for metrics and spans.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceState::Ok => "ok",
            SourceState::NotFound => "not_found",
            SourceState::Skipped => "skipped",
            SourceState::Timeout => "timeout",
            SourceState::CircuitOpen => "circuit_open",
            SourceState::Unavailable => "unavailable",
            SourceState::Denied => "denied",
            SourceState::Error => "error",
        }
    }

    /// From a connector error's classification.
    pub fn from_error(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::Timeout => SourceState::Timeout,
            ErrorKind::Unavailable | ErrorKind::RateLimited => SourceState::Unavailable,
            ErrorKind::NotFound => SourceState::NotFound,
            ErrorKind::BadResponse
            | ErrorKind::Unauthorized
            | ErrorKind::InvalidQuery
            | ErrorKind::Internal => SourceState::Error,
        }
    }
}

/// One source's result.
#[derive(Debug, Clone)]
pub struct SourceOutcome {
    /// Source name.
    pub source: String,
    /// State.
    pub state: SourceState,
    /// Time spent.
    pub latency: Duration,
    /// Human detail, no personal data.
    pub detail: String,
    /// Cases (empty unless `Ok`).
    pub cases: Vec<Case>,
    /// The access decision for this source (masking is applied with it).
    pub access: Arc<SourceAccess>,
}

/// Parses a `grpc-timeout` header value (`<digits><unit>`, unit one of H M S m u n).
pub fn parse_grpc_timeout(v: &str) -> Option<Duration> {
    if v.len() < 2 || v.len() > 9 {
        return None;
    }
    let (num, unit) = v.split_at(v.len() - 1);
    let n: u64 = num.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.checked_mul(3600)?),
        "M" => Duration::from_secs(n.checked_mul(60)?),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeout_units() {
        assert_eq!(
            parse_grpc_timeout("1500m"),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_grpc_timeout("2S"), Some(Duration::from_secs(2)));
        assert_eq!(parse_grpc_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_grpc_timeout("10x"), None);
        assert_eq!(parse_grpc_timeout("m"), None);
    }

    #[test]
    fn error_kinds_map_to_states() {
        assert_eq!(
            SourceState::from_error(ErrorKind::Timeout),
            SourceState::Timeout
        );
        assert_eq!(
            SourceState::from_error(ErrorKind::RateLimited),
            SourceState::Unavailable
        );
        assert_eq!(
            SourceState::from_error(ErrorKind::NotFound),
            SourceState::NotFound
        );
        assert_eq!(
            SourceState::from_error(ErrorKind::BadResponse),
            SourceState::Error
        );
    }
}
