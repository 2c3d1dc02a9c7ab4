//! Running a plan: one task per source, each under its own deadline and in its own client
//! span; outcomes stream back in completion order.

use super::resilience::GuardError;
use super::{Planned, SourceOutcome, SourceState};
use crate::access::policy::SourceAccess;
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
