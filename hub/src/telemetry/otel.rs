//! OpenTelemetry: the tracer provider (spans exported over OTLP/gRPC when an endpoint is
//! configured) and the meter provider mirroring [`super::metrics`] to OTLP.

use super::metrics;
use anyhow::{Context, Result};
use opentelemetry::KeyValue;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::time::Duration;

/// The providers, shut down (flushed) on exit.
pub struct Providers {
    /// Traces.
    pub tracer: SdkTracerProvider,
    /// Metrics (only with an endpoint).
    pub meter: Option<SdkMeterProvider>,
}

impl Providers {
    /// Flushes and stops exporting.
    pub fn shutdown(&self) {
        let _ = self.tracer.force_flush();
        let _ = self.tracer.shutdown();
        if let Some(m) = &self.meter {
            let _ = m.shutdown();
        }
    }
}

fn resource(service: &str) -> Resource {
    Resource::builder()
        .with_service_name(service.to_string())
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Builds the providers. Without an endpoint, spans still get ids (so the trace id in access
/// records and the `traceparent` sent to back-ends are real) but are not exported.
pub fn providers(
    endpoint: Option<&str>,
    service: &str,
    metrics_interval: Duration,
) -> Result<Providers> {
    let mut tracer = SdkTracerProvider::builder().with_resource(resource(service));
    let mut meter = None;
    if let Some(ep) = endpoint {
        let spans = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(ep)
            .with_timeout(Duration::from_secs(5))
            .build()
            .context("building the OTLP span exporter")?;
        tracer = tracer.with_batch_exporter(spans);
        let exporter = opentelemetry_otlp::MetricExporter::builder()
            .with_tonic()
            .with_endpoint(ep)
            .build()
            .context("building the OTLP metric exporter")?;
        let reader = opentelemetry_sdk::metrics::PeriodicReader::builder(exporter)
            .with_interval(metrics_interval)
            .build();
        let provider = SdkMeterProvider::builder()
            .with_resource(resource(service))
            .with_reader(reader)
            .build();
        mirror_metrics(&provider);
        meter = Some(provider);
    }
    Ok(Providers {
        tracer: tracer.build(),
        meter,
    })
}

fn observe(
    c: &metrics::CounterVec,
    names: &'static [&'static str],
    obs: &dyn opentelemetry::metrics::AsyncInstrument<u64>,
) {
    for (values, v) in c.series() {
        let attrs: Vec<KeyValue> = names
            .iter()
            .zip(values)
            .map(|(n, v)| KeyValue::new(*n, v))
            .collect();
        obs.observe(v, &attrs);
    }
}

/// A metric mirrored to OTLP: its name, where to read it, its label names.
type Mirrored<T> = (&'static str, fn() -> &'static T, &'static [&'static str]);

/// Registers observable instruments that read the process metrics at each export.
fn mirror_metrics(provider: &SdkMeterProvider) {
    let meter = provider.meter("minwon-hub");
    let counters: [Mirrored<metrics::CounterVec>; 7] = [
        (
            "minwon_rpc_requests_total",
            || &metrics::global().rpc_requests,
            &["method", "code"],
        ),
        (
            "minwon_connector_calls_total",
            || &metrics::global().connector_calls,
            &["source", "state"],
        ),
        (
            "minwon_connector_errors_total",
            || &metrics::global().connector_errors,
            &["source", "kind"],
        ),
        (
            "minwon_breaker_transitions_total",
            || &metrics::global().breaker_transitions,
            &["source", "to"],
        ),
        (
            "minwon_audit_store_failures_total",
            || &metrics::global().audit_failures,
            &["reason"],
        ),
        (
            "minwon_audit_integrity_failures_total",
            || &metrics::global().audit_integrity_failures,
            &[],
        ),
        (
            "minwon_knowledge_gaps_total",
            || &metrics::global().knowledge_gaps,
            &["outcome"],
        ),
    ];
    for (name, get, labels) in counters {
        let _ = meter
            .u64_observable_counter(name)
            .with_callback(move |obs| observe(get(), labels, obs))
            .build();
    }
    let histograms: [Mirrored<metrics::HistogramVec>; 3] = [
        (
            "minwon_rpc_duration_seconds",
            || &metrics::global().rpc_duration,
            &["method"],
        ),
        (
            "minwon_connector_duration_seconds",
            || &metrics::global().connector_duration,
            &["source"],
        ),
        (
            "minwon_audit_write_duration_seconds",
            || &metrics::global().audit_write,
            &["outcome"],
        ),
    ];
    // Histograms go out as their count and sum (OTLP has no observable histogram); the full
    // bucket distribution is on the Prometheus endpoint.
    for (name, get, labels) in histograms {
        let _ = meter
            .u64_observable_counter(format!("{name}_count"))
            .with_callback(move |obs| {
                for (values, cell) in get().series() {
                    let attrs: Vec<KeyValue> = labels
                        .iter()
                        .zip(values)
                        .map(|(n, v)| KeyValue::new(*n, v))
                        .collect();
                    obs.observe(cell.count(), &attrs);
                }
            })
            .build();
        let _ = meter
            .f64_observable_counter(format!("{name}_sum"))
            .with_callback(move |obs| {
                for (values, cell) in get().series() {
                    let attrs: Vec<KeyValue> = labels
                        .iter()
                        .zip(values)
                        .map(|(n, v)| KeyValue::new(*n, v))
                        .collect();
                    obs.observe(cell.sum_secs(), &attrs);
                }
            })
            .build();
    }
}
