//! End-to-end: real OTLP data. The test runs its own OTLP collector (a tonic server from the
//! `opentelemetry-proto` definitions), points the hub at it, and checks the spans that arrive:
//! names, attributes, parent links (continuing the caller's `traceparent`), and no personal
//! value anywhere. It also scrapes the Prometheus endpoint, and reads the audit checkpoints
//! back from the hub's JSON log, as a cluster's log collector would keep them.

mod support;

use minwon_proto::v1 as pb;
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::trace::v1::Span;
use pb::citizen_case_service_client::CitizenCaseServiceClient;
use std::sync::{Arc, Mutex};
use support::{Demo, authed, personal_values, query_full};
use tonic::{Request, Response, Status};

#[derive(Clone, Default)]
struct Collector {
    spans: Arc<Mutex<Vec<Span>>>,
    metric_names: Arc<Mutex<Vec<String>>>,
}

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        req: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let mut spans = self.spans.lock().unwrap();
        for rs in req.into_inner().resource_spans {
            for ss in rs.scope_spans {
                spans.extend(ss.spans);
            }
        }
        Ok(Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

#[tonic::async_trait]
impl MetricsService for Collector {
    async fn export(
        &self,
        req: Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, Status> {
        let mut names = self.metric_names.lock().unwrap();
        for rm in req.into_inner().resource_metrics {
            for sm in rm.scope_metrics {
                names.extend(sm.metrics.into_iter().map(|m| m.name));
            }
        }
        Ok(Response::new(ExportMetricsServiceResponse {
            partial_success: None,
        }))
    }
}

fn attr(span: &Span, key: &str) -> Option<String> {
    use opentelemetry_proto::tonic::common::v1::any_value::Value;
    span.attributes.iter().find(|a| a.key == key).and_then(|a| {
        match a.value.as_ref()?.value.as_ref()? {
            Value::StringValue(s) => Some(s.clone()),
            Value::IntValue(i) => Some(i.to_string()),
            other => Some(format!("{other:?}")),
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_and_metrics_arrive_over_otlp_without_personal_data() {
    let collector = Collector::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let server = tonic::transport::Server::builder()
        .add_service(TraceServiceServer::new(collector.clone()))
        .add_service(MetricsServiceServer::new(collector.clone()))
        .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener));
    tokio::spawn(server);

    let mut demo = Demo::start_with_env(&[
        ("MINWON_TELEMETRY__OTLP_ENDPOINT", endpoint.as_str()),
        ("MINWON_TELEMETRY__METRICS_EXPORT_INTERVAL_MS", "500"),
    ]);
    let citizen = demo.full_citizen();
    let caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let mut req = authed(query_full(&citizen), &demo.token("counselor"));
    req.metadata_mut().insert(
        "traceparent",
        format!("00-{caller_trace}-{caller_span}-01")
            .parse()
            .unwrap(),
    );
    client.get_citizen_overview(req).await.expect("overview");

    // Prometheus text at the admin port.
    let metrics_url = demo.endpoints["metrics"].as_str().unwrap().to_string();
    let text = minwon_connector_sdk::http::tool_client()
        .get(&metrics_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("minwon_rpc_requests_total{method=\"GetCitizenOverview\",code=\"Ok\"} 1"),
        "{text}"
    );
    assert!(text.contains("minwon_connector_calls_total{source=\"tax\",state=\"ok\"} 1"));
    assert!(text.contains("minwon_breaker_state{source=\"saeol\"} 0"));
    assert!(text.contains("minwon_audit_write_duration_seconds_count{outcome=\"committed\"} 1"));

    drop(client);
    assert!(
        demo.terminate(),
        "clean exit flushes telemetry; log:\n{}",
        demo.log()
    );

    let spans = collector.spans.lock().unwrap().clone();
    let rpc = spans
        .iter()
        .find(|s| s.name == "minwon.v1.CitizenCaseService/GetCitizenOverview")
        .unwrap_or_else(|| {
            panic!(
                "RPC span exported; got {:?}",
                spans.iter().map(|s| &s.name).collect::<Vec<_>>()
            )
        });
    assert_eq!(
        hex::encode(&rpc.trace_id),
        caller_trace,
        "continues the caller's trace"
    );
    assert_eq!(
        hex::encode(&rpc.parent_span_id),
        caller_span,
        "child of the caller's span"
    );
    assert_eq!(
        attr(rpc, "rpc.method").as_deref(),
        Some("GetCitizenOverview")
    );
    assert_eq!(attr(rpc, "rpc.grpc.status_code").as_deref(), Some("0"));
    for source in demo.all_sources() {
        let s = spans
            .iter()
            .find(|s| s.name == format!("connector {source}"))
            .unwrap_or_else(|| panic!("span for {source}"));
        assert_eq!(
            s.parent_span_id, rpc.span_id,
            "{source} span is a child of the RPC span"
        );
        assert_eq!(s.trace_id, rpc.trace_id);
        assert_eq!(attr(s, "minwon.state").as_deref(), Some("ok"));
        assert_eq!(attr(s, "minwon.breaker_state").as_deref(), Some("closed"));
    }
    let everything = format!("{spans:?}");
    for v in personal_values(&citizen) {
        assert!(!everything.contains(&v), "a personal value reached a span");
    }
    let names = collector.metric_names.lock().unwrap().clone();
    assert!(
        names.iter().any(|n| n == "minwon_rpc_requests_total"),
        "OTLP metrics: {names:?}"
    );
}

/// The back-end itself receives W3C trace context: the tax simulator, wrapped to keep every
/// `traceparent` header it is sent, is called with the caller's trace id (and a span id of
/// the hub's own); without a caller trace, with the trace id of the access record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_ends_receive_the_hubs_traceparent() {
    use minwon_connector_sdk::sim::{FaultSwitch, Population, SimHandle};
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let keep = seen.clone();
    let router = minwon_connector_tax::sim::router(
        &Population::default_demo(),
        Default::default(),
        FaultSwitch::default(),
    )
    .layer(tower::util::MapRequestLayer::new(
        move |req: axum::extract::Request| {
            if let Some(tp) = req.headers().get("traceparent") {
                keep.lock()
                    .unwrap()
                    .push(tp.to_str().unwrap_or("").to_string());
            }
            req
        },
    ));
    let sim = SimHandle::serve(router, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let url = sim.base_url();
    let demo = tokio::task::block_in_place(|| {
        Demo::start_with_env(&[("MINWON_CONNECTORS__TAX__BASE_URL", url.as_str())])
    });
    let citizen = demo.full_citizen();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);

    let caller_trace = "0af7651916cd43dd8448eb211c80319c";
    let caller_span = "b7ad6b7169203331";
    let mut req = authed(query_full(&citizen), &demo.token("counselor"));
    req.metadata_mut().insert(
        "traceparent",
        format!("00-{caller_trace}-{caller_span}-01")
            .parse()
            .unwrap(),
    );
    let o = client.get_citizen_overview(req).await.unwrap().into_inner();
    assert_eq!(support::state_of(&o, "tax"), pb::SourceState::Ok);
    let got: Vec<String> = std::mem::take(&mut *seen.lock().unwrap());
    assert!(
        !got.is_empty(),
        "the tax back-end was called with a traceparent"
    );
    for tp in &got {
        let parts: Vec<&str> = tp.split('-').collect();
        assert_eq!(parts.len(), 4, "{tp}");
        assert_eq!(parts[1], caller_trace, "same trace as the caller: {tp}");
        assert_eq!(parts[2].len(), 16, "{tp}");
        assert_ne!(parts[2], caller_span, "the hub's own span as parent: {tp}");
    }

    // No caller trace: the back-end gets the trace the access record names.
    let o = client
        .get_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
        .await
        .unwrap()
        .into_inner();
    let got: Vec<String> = std::mem::take(&mut *seen.lock().unwrap());
    assert!(!got.is_empty());
    let conn = rusqlite::Connection::open_with_flags(
        demo.audit_db(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let sequence: i64 = o.audit_id.split('-').next().unwrap().parse().unwrap();
    let trace_id: String = conn
        .query_row(
            "SELECT trace_id FROM access_record WHERE sequence = ?1",
            [sequence],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(trace_id.len(), 32);
    for tp in &got {
        assert_eq!(tp.split('-').nth(1), Some(trace_id.as_str()), "{tp}");
    }
}

fn hub() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_minwon-hub"))
}

/// `audit verify --config C` plus `args`; (success, stdout + stderr).
fn verify_with(config: &std::path::Path, args: &[&std::ffi::OsStr]) -> (bool, String) {
    let out = hub()
        .args(["audit", "verify", "--config"])
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_logged_as_json_events_verify_the_trail_and_reveal_a_cut_tail() {
    let mut demo = Demo::start_with(
        &["--log-format", "json"],
        &[("MINWON_AUDIT__CHECKPOINT_EVERY_RECORDS", "2")],
    );
    let citizen = demo.full_citizen();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    for _ in 0..5 {
        client
            .get_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
            .await
            .unwrap();
    }
    drop(client);
    // The shutdown checkpoint seals the head too; then the log is complete.
    assert!(demo.terminate(), "clean exit; log:\n{}", demo.log());
    let log = demo.dir().join("hub.log");
    let events: Vec<serde_json::Value> = demo
        .log()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["fields"]["message"] == "audit_checkpoint")
        .collect();
    assert!(
        events.len() >= 2,
        "checkpoint events in the log:\n{}",
        demo.log()
    );
    for e in &events {
        for field in ["sequence", "head_hash", "time_ms", "key_id", "signature"] {
            assert!(!e["fields"][field].is_null(), "{field} missing in {e}");
        }
    }
    let records = demo.access_record_count() as u64;
    let config = demo.dir().join("demo-config.toml");
    let (ok, out) = verify_with(&config, &["--checkpoints".as_ref(), log.as_os_str()]);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("{} checkpoints collected", events.len())),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "0 records after the last checkpoint at sequence {records}"
        )),
        "{out}"
    );
    // The checkpoint file's own format is accepted the same way.
    let file = demo.dir().join("audit-checkpoints.jsonl");
    let (ok, out) = verify_with(&config, &["--checkpoints".as_ref(), file.as_os_str()]);
    assert!(ok, "{out}");

    // Cut the tail in the database together with its checkpoints, and the checkpoint file:
    // only the collected log still knows how long the trail was.
    let conn = rusqlite::Connection::open(demo.audit_db()).unwrap();
    for t in ["access_record_no_delete", "audit_checkpoint_no_delete"] {
        conn.execute(&format!("DROP TRIGGER \"{t}\""), []).unwrap();
    }
    conn.execute("DELETE FROM access_record WHERE sequence > 2", [])
        .unwrap();
    conn.execute("DELETE FROM audit_checkpoint", []).unwrap();
    drop(conn);
    std::fs::write(&file, "").unwrap();
    let (ok, out) = verify_with(&config, &[]);
    assert!(ok, "without an outside copy the cut goes unseen: {out}");
    assert!(
        out.contains("2 records, none covered by a checkpoint"),
        "{out}"
    );
    let (ok, out) = verify_with(&config, &["--checkpoints".as_ref(), log.as_os_str()]);
    assert!(!ok, "the collected log reveals the cut: {out}");
    assert!(
        out.contains("FAILED at sequence 3") && out.contains("cut"),
        "{out}"
    );
}
