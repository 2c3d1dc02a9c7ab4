//! Telemetry: structured logs, OpenTelemetry traces and metrics, the Prometheus endpoint.
//!
//! - A span per RPC ([`rpc`]) and per connector call (in `fanout`), carrying only bounded,
//!   non-personal attributes (method, gRPC code, source, state, error kind, breaker state).
//! - W3C `traceparent` from callers continues their trace; every back-end request carries the
//!   trace on (see [`traceparent_of`]).
//! - [`metrics`] holds counters and histograms; [`admin`] serves them as Prometheus text;
//!   [`otel`] exports spans and metrics over OTLP when an endpoint is configured.

pub mod admin;
pub mod metrics;
pub mod otel;

use anyhow::Result;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use serde::Deserialize;
use std::net::SocketAddr;
use std::time::Duration;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// `[telemetry]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetryConfig {
    /// OTLP/gRPC collector endpoint (e.g. `http://otel-collector:4317`); no export when unset.
    pub otlp_endpoint: Option<String>,
    /// `service.name` of exported telemetry.
    pub service_name: String,
    /// Address of the admin HTTP port serving Prometheus `/metrics`; none when unset.
    pub metrics_listen: Option<SocketAddr>,
    /// How often metrics are pushed over OTLP, in ms.
    pub metrics_export_interval_ms: u64,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        TelemetryConfig {
            otlp_endpoint: None,
            service_name: "minwon-hub".to_string(),
            metrics_listen: None,
            metrics_export_interval_ms: 15_000,
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Keeps the exporters alive; [`Telemetry::shutdown`] flushes them.
pub struct Telemetry {
    providers: Option<otel::Providers>,
}

impl Telemetry {
    /// Flushes pending spans and metrics.
    pub fn shutdown(&self) {
        if let Some(p) = &self.providers {
            p.shutdown();
        }
    }
}

/// Installs the global subscriber: logs to stderr (`RUST_LOG`, default `info`) and, with a
/// config, spans into OpenTelemetry. Call once, inside the Tokio runtime.
pub fn init(format: LogFormat, cfg: Option<&TelemetryConfig>) -> Result<Telemetry> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    // Log lines are events only: the fmt layer would otherwise format every field of the
    // per-RPC and per-source spans on every call (a few % of the hub's CPU in
    // `minwon-bench m1`). Events carry their own fields (source, error kind).
    let events_only = tracing_subscriber::filter::filter_fn(|meta| meta.is_event());
    let fmt = match format {
        LogFormat::Text => fmt.with_filter(events_only).boxed(),
        LogFormat::Json => fmt.json().with_filter(events_only).boxed(),
    };
    let providers = match cfg {
        Some(c) => Some(otel::providers(
            c.otlp_endpoint.as_deref(),
            &c.service_name,
            Duration::from_millis(c.metrics_export_interval_ms),
        )?),
        None => None,
    };
    // Spans go to OpenTelemetry only when they are exported: without an endpoint the layer
    // would cost CPU on every call for nothing (trace ids then come from the request).
    let exporting = cfg.is_some_and(|c| c.otlp_endpoint.is_some());
    let otel_layer = providers
        .as_ref()
        .filter(|_| exporting)
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer.tracer("minwon-hub")));
    // Without an exporter no layer wants spans at all, so they are disabled for every layer
    // (a global filter): the registry then never allocates, clones or closes span data, and
    // `info_span!` costs one cached callsite check per call.
    let no_spans =
        (!exporting).then(|| tracing_subscriber::filter::filter_fn(|meta| meta.is_event()));
    tracing_subscriber::registry()
        .with(no_spans)
        .with(filter)
        .with(fmt)
        .with(otel_layer)
        .try_init()?;
    Ok(Telemetry { providers })
}

use tracing_subscriber::Layer as _;

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

/// The server span of one RPC, continuing the caller's `traceparent` from `headers`; the
/// hub's auth layer runs the whole call inside it.
pub fn rpc_span(
    service: &'static str,
    method: &'static str,
    headers: &http::HeaderMap,
) -> tracing::Span {
    let span = tracing::info_span!(
        "rpc",
        otel.name = %format!("{service}/{method}"),
        otel.kind = "server",
        rpc.system = "grpc",
        rpc.service = service,
        rpc.method = method,
        rpc.grpc.status_code = tracing::field::Empty,
    );
    if !span.is_disabled() {
        let parent = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
        if parent.span().span_context().is_valid() {
            let _ = span.set_parent(parent);
        }
    }
    span
}

/// The gRPC status of a response as far as its headers tell: an error answered before any
/// message carries `grpc-status` in the headers (trailers-only); otherwise the call is OK so
/// far (a stream's later error is not counted here, as the handler had answered).
fn status_of<B>(response: &http::Response<B>) -> tonic::Code {
    response
        .headers()
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i32>().ok())
        .map_or(tonic::Code::Ok, tonic::Code::from_i32)
}

/// Counts one RPC (requests by method and code, duration by method) and records its code on
/// the current span.
pub fn count_rpc<B>(method: &'static str, response: &http::Response<B>, elapsed: Duration) {
    let code = status_of(response);
    tracing::Span::current().record("rpc.grpc.status_code", code as i64);
    let m = metrics::global();
    m.rpc_requests.add(&[method, code_label(code)], 1);
    m.rpc_duration.observe(&[method], elapsed);
}

/// The status code's name as its `Debug` form spells it, without formatting on every call.
fn code_label(code: tonic::Code) -> &'static str {
    use tonic::Code as C;
    match code {
        C::Ok => "Ok",
        C::Cancelled => "Cancelled",
        C::Unknown => "Unknown",
        C::InvalidArgument => "InvalidArgument",
        C::DeadlineExceeded => "DeadlineExceeded",
        C::NotFound => "NotFound",
        C::AlreadyExists => "AlreadyExists",
        C::PermissionDenied => "PermissionDenied",
        C::ResourceExhausted => "ResourceExhausted",
        C::FailedPrecondition => "FailedPrecondition",
        C::Aborted => "Aborted",
        C::OutOfRange => "OutOfRange",
        C::Unimplemented => "Unimplemented",
        C::Internal => "Internal",
        C::Unavailable => "Unavailable",
        C::DataLoss => "DataLoss",
        C::Unauthenticated => "Unauthenticated",
    }
}

/// The W3C `traceparent` naming `span` as the parent, when tracing gives it an id.
pub fn traceparent_of(span: &tracing::Span) -> Option<String> {
    let cx = span.context();
    let sc = cx.span().span_context().clone();
    sc.is_valid().then(|| {
        format!(
            "00-{}-{}-{:02x}",
            sc.trace_id(),
            sc.span_id(),
            sc.trace_flags().to_u8()
        )
    })
}

/// The trace id of the current span, when tracing gives it one.
pub fn current_trace_id() -> Option<String> {
    let cx = tracing::Span::current().context();
    let sc = cx.span().span_context().clone();
    sc.is_valid().then(|| sc.trace_id().to_string())
}

#[cfg(test)]
mod tests {
    use super::code_label;

    #[test]
    fn code_labels_match_the_debug_names_dashboards_already_use() {
        for i in 0..=16 {
            let code = tonic::Code::from_i32(i);
            assert_eq!(code_label(code), format!("{code:?}"));
        }
    }
}
