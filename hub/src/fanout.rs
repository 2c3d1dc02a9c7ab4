//! Parallel fan-out of one citizen query to every source that can answer it.
//!
//! Each source gets its own task with its own deadline (the query's deadline, capped per
//! source); a slow or failing source becomes a status, never a failed answer. Results stream
//! out in completion order so a counselor's screen fills progressively.

use crate::policy::SourceAccess;
use crate::registry::Registered;
use crate::resilience::GuardError;
use futures::stream::{FuturesUnordered, Stream};
use minwon_connector_sdk::{CallContext, Case, CitizenKeys, ErrorKind};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tracing::Instrument;

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

/// One planned call.
pub struct Planned {
    /// The connector.
    pub target: Registered,
    /// Its access decision.
    pub access: Arc<SourceAccess>,
}

/// The plan of one query: who is called, who is not and why.
#[derive(Default)]
pub struct Plan {
    /// Sources to call.
    pub calls: Vec<Planned>,
    /// Sources answered without a call (skipped, denied).
    pub settled: Vec<SourceOutcome>,
}

impl Plan {
    /// Names of the sources that will be called.
    pub fn called_sources(&self) -> Vec<String> {
        self.calls
            .iter()
            .map(|p| p.target.descriptor().name.clone())
            .collect()
    }

    /// Every personal field some called source may return in clear, in first-seen order: what
    /// an access record written before the answers arrive must cover.
    pub fn clear_fields_allowed(&self) -> Vec<String> {
        let mut fields: Vec<String> = Vec::new();
        for c in &self.calls {
            for f in c.access.clear_fields() {
                if !fields.iter().any(|x| x == f) {
                    fields.push(f.to_string());
                }
            }
        }
        fields
    }
}

/// Decides which registered sources are called for `keys`.
pub fn plan(
    registry: &[Registered],
    keys: &CitizenKeys,
    requested: &[String],
    access: impl Fn(&Registered) -> Arc<SourceAccess>,
) -> Plan {
    let mut plan = Plan::default();
    for r in registry {
        let d = r.descriptor();
        let settled = |state, detail: &str| SourceOutcome {
            source: d.name.clone(),
            state,
            latency: Duration::ZERO,
            detail: detail.to_string(),
            cases: vec![],
            access: Arc::new(SourceAccess::deny("not called")),
        };
        if !requested.is_empty() && !requested.contains(&d.name) {
            plan.settled
                .push(settled(SourceState::Skipped, "not requested"));
            continue;
        }
        if !d.can_answer(keys) {
            let wanted: Vec<&str> = d.accepts.iter().map(|k| k.as_str()).collect();
            plan.settled.push(settled(
                SourceState::Skipped,
                &format!("needs one of: {}", wanted.join(", ")),
            ));
            continue;
        }
        let decision = access(r);
        if !decision.allowed {
            plan.settled
                .push(settled(SourceState::Denied, &decision.reason));
            continue;
        }
        plan.calls.push(Planned {
            target: r.clone(),
            access: decision,
        });
    }
    plan
}

/// Calls one source within `deadline`, in a client span under `parent`.
pub async fn call_one(
    p: Planned,
    keys: Arc<CitizenKeys>,
    deadline: Instant,
    traceparent: Option<String>,
    parent: tracing::Span,
) -> SourceOutcome {
    let name = p.target.descriptor().name.clone();
    let span = tracing::info_span!(
        parent: &parent,
        "connector",
        otel.name = %format!("connector {name}"),
        otel.kind = "client",
        minwon.source = %name,
        minwon.state = tracing::field::Empty,
        minwon.breaker_state = tracing::field::Empty,
        error.kind = tracing::field::Empty,
    );
    // The back-end sees this span as its parent; without tracing, the request's own context.
    let traceparent = crate::telemetry::traceparent_of(&span).or(traceparent);
    let outcome = call_guarded(p, keys, deadline, traceparent, &span)
        .instrument(span.clone())
        .await;
    let m = crate::telemetry::metrics::global();
    let state = outcome.state.as_str();
    span.record("minwon.state", state);
    m.connector_calls.add(&[&name, state], 1);
    m.connector_duration.observe(&[&name], outcome.latency);
    outcome
}

async fn call_guarded(
    p: Planned,
    keys: Arc<CitizenKeys>,
    deadline: Instant,
    traceparent: Option<String>,
    span: &tracing::Span,
) -> SourceOutcome {
    let start = Instant::now();
    let name = p.target.descriptor().name.clone();
    let budget_ms = p
        .target
        .guard
        .deadline(deadline)
        .saturating_duration_since(start)
        .as_millis();
    let connector = &p.target.connector;
    let (keys, traceparent) = (&keys, &traceparent);
    let result = p
        .target
        .guard
        .call(deadline, |d| async move {
            let ctx = CallContext {
                deadline: d,
                traceparent: traceparent.clone(),
            };
            connector.fetch(keys, &ctx).await
        })
        .await;
    let latency = start.elapsed();
    let (state, detail, cases) = match result {
        Ok(f) if f.cases.is_empty() && f.partial.is_none() => {
            (SourceState::NotFound, "no records".to_string(), vec![])
        }
        Ok(f) => {
            let detail = f
                .partial
                .unwrap_or_else(|| format!("{} case(s)", f.cases.len()));
            (SourceState::Ok, detail, f.cases)
        }
        Err(e @ GuardError::CircuitOpen) => (SourceState::CircuitOpen, e.to_string(), vec![]),
        Err(e @ GuardError::Busy(_)) => (SourceState::Unavailable, e.to_string(), vec![]),
        Err(GuardError::Failed(e)) => {
            let state = SourceState::from_error(e.kind);
            span.record("error.kind", e.kind.as_str());
            crate::telemetry::metrics::global()
                .connector_errors
                .add(&[&name, e.kind.as_str()], 1);
            tracing::info!(source = %name, kind = e.kind.as_str(), "source failed");
            let detail = if e.kind == ErrorKind::Timeout {
                format!("deadline of {budget_ms} ms exceeded")
            } else {
                e.to_string()
            };
            (state, detail, vec![])
        }
    };
    span.record(
        "minwon.breaker_state",
        p.target.guard.breaker().state().as_str(),
    );
    SourceOutcome {
        source: name,
        state,
        latency,
        detail,
        cases,
        access: p.access,
    }
}

/// Runs every planned call concurrently, yielding outcomes as they finish.
pub fn run(
    calls: Vec<Planned>,
    keys: CitizenKeys,
    deadline: Instant,
    traceparent: Option<String>,
) -> impl Stream<Item = SourceOutcome> + Send + 'static {
    let keys = Arc::new(keys);
    let parent = tracing::Span::current();
    let futs: FuturesUnordered<_> = calls
        .into_iter()
        .map(|p| {
            let keys = keys.clone();
            let tp = traceparent.clone();
            let name = p.target.descriptor().name.clone();
            // A task per source, so one source's slow parsing never delays another's I/O;
            // aborted if the caller goes away, so an abandoned query frees its bulkhead slots.
            let mut handle = AbortOnDrop(tokio::spawn(call_one(
                p,
                keys,
                deadline,
                tp,
                parent.clone(),
            )));
            async move {
                (&mut handle.0).await.unwrap_or_else(|e| SourceOutcome {
                    source: name,
                    state: SourceState::Error,
                    latency: Duration::ZERO,
                    detail: if e.is_panic() {
                        "connector panicked".into()
                    } else {
                        "call cancelled".into()
                    },
                    cases: vec![],
                    access: Arc::new(SourceAccess::deny("failed")),
                })
            }
        })
        .collect();
    futs
}

/// A task handle that aborts the task when dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
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
