//! Running a plan: every source called concurrently in the query's task, each under its own
//! deadline and in its own client span; outcomes stream back in completion order.

use super::resilience::GuardError;
use super::{Planned, SourceOutcome, SourceState};
use crate::access::policy::SourceAccess;
use futures::FutureExt;
use futures::stream::{FuturesUnordered, Stream};
use minwon_connector_sdk::{CallContext, CitizenKeys, ErrorKind};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tracing::Instrument;

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
            let detail = f.partial.unwrap_or_else(|| cases_detail(f.cases.len()));
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

/// `"<n> case(s)"`, pushed rather than `format!`ed: it is written for every source of every
/// answer.
fn cases_detail(n: usize) -> String {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(n);
    let mut d = String::with_capacity(digits.len() + 8);
    d.push_str(digits);
    d.push_str(" case(s)");
    d
}

/// Runs every planned call concurrently, yielding outcomes as they finish.
///
/// The calls are polled together inside the caller's task rather than spawned: a spawn per
/// source cost a task allocation, a scheduler round and a join wake-up each, six times per
/// overview, and bought nothing on a runtime where many overviews already keep every worker
/// busy. Dropping the stream (the caller went away) drops the calls, which frees their
/// bulkhead slots; a connector that panics becomes an `Error` outcome, not a failed answer.
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
            let name = p.target.descriptor().name.clone();
            let call = call_one(
                p,
                keys.clone(),
                deadline,
                traceparent.clone(),
                parent.clone(),
            );
            std::panic::AssertUnwindSafe(call)
                .catch_unwind()
                .map(move |r| r.unwrap_or_else(|_| panicked(name)))
        })
        .collect();
    futs
}

/// The outcome of a connector that panicked (its message is not shown: it may hold anything).
fn panicked(source: String) -> SourceOutcome {
    SourceOutcome {
        source,
        state: SourceState::Error,
        latency: Duration::ZERO,
        detail: "connector panicked".into(),
        cases: vec![],
        access: Arc::new(SourceAccess::deny("failed")),
    }
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
