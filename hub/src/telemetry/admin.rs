//! The admin HTTP port: Prometheus `/metrics` (counters and histograms from
//! [`super::metrics`], plus gauges read live from the connectors: breaker state and in-flight
//! calls), and the auditor's console under `/console/` ([`crate::console`]).

use super::metrics::{self, GaugeSample};
use crate::api::Hub;
use crate::fanout::resilience::breaker::BreakerState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Numeric encoding of breaker states for the gauge.
pub fn breaker_value(s: BreakerState) -> f64 {
    match s {
        BreakerState::Closed => 0.0,
        BreakerState::Open => 1.0,
        BreakerState::HalfOpen => 2.0,
        BreakerState::ForcedOpen => 3.0,
        BreakerState::ForcedClosed => 4.0,
    }
}

/// Gauges computed now.
pub fn gauges(hub: &Hub) -> Vec<GaugeSample> {
    let mut out = Vec::new();
    for r in &hub.registry.connectors {
        let name = r.descriptor().name.clone();
        let snap = r.guard.snapshot();
        out.push(GaugeSample {
            name: "minwon_breaker_state",
            help: "Circuit breaker state: 0 closed, 1 open, 2 half-open, 3 forced open, 4 forced closed.",
            labels: vec![("source", name.clone())],
            value: breaker_value(snap.breaker.state),
        });
        out.push(GaugeSample {
            name: "minwon_connector_in_flight",
            help: "Calls in flight to the back-end.",
            labels: vec![("source", name)],
            value: snap.in_flight as f64,
        });
    }
    out
}

async fn render(State(hub): State<Arc<Hub>>) -> ([(&'static str, &'static str); 1], String) {
    (
        [("content-type", "text/plain; version=0.0.4; charset=utf-8")],
        metrics::global().render(&gauges(&hub)),
    )
}

/// Serves `/metrics` and `/console/` on `listener` until the task is aborted.
pub async fn serve(listener: TcpListener, hub: Arc<Hub>) {
    let app = Router::new()
        .route("/metrics", get(render))
        .with_state(hub.clone())
        .merge(crate::console::router(hub));
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    if let Err(e) = axum::serve(listener, app).await {
        tracing::error!(error = %e, "metrics endpoint stopped");
    }
}
