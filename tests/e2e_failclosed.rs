//! End-to-end: fail closed, recover by itself. The hub's audit store is the machine's
//! PostgreSQL, reached through a relay the test can cut. While cut, every call that would
//! reveal personal data is refused with UNAVAILABLE and the case service reports NOT_SERVING,
//! while the public knowledge search keeps answering; once the relay is back, the hub
//! recovers without a restart and the chain still verifies.
//!
//! History rewritten under the running hub (the embedded SQLite trail's head changed behind
//! its back) is different: the writer finds it when it re-reads the head, refuses every
//! personal-data answer from then on, turns NOT_SERVING for good and counts
//! `minwon_audit_integrity_failures_total`.
//!
//! Uses `MINWON_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`). With `CI`
//! set the test must run; elsewhere, without a reachable server, it says so and skips.

mod support;

use minwon_proto::v1 as pb;
use pb::citizen_case_service_client::CitizenCaseServiceClient;
use pb::knowledge_service_client::KnowledgeServiceClient;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use support::{Demo, authed, query_full};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

fn pg_url() -> String {
    std::env::var("MINWON_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A TCP relay to PostgreSQL that can be cut (open connections closed, new ones dropped).
struct Relay {
    port: u16,
    cut: Arc<AtomicBool>,
    /// Connections currently relayed.
    open: Arc<std::sync::atomic::AtomicUsize>,
}

impl Relay {
    /// Cuts the relay and waits until every relayed connection is closed.
    async fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        while self.open.load(Ordering::SeqCst) > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

async fn relay(target: String) -> Relay {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let cut = Arc::new(AtomicBool::new(false));
    let open = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let flag = cut.clone();
    let counter = open.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else {
                return;
            };
            if flag.load(Ordering::SeqCst) {
                continue; // dropped: the client sees the connection close
            }
            let flag = flag.clone();
            let target = target.clone();
            let counter = counter.clone();
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else {
                    counter.fetch_sub(1, Ordering::SeqCst);
                    return;
                };
                let copy = tokio::io::copy_bidirectional(&mut inbound, &mut outbound);
                let watch = async {
                    while !flag.load(Ordering::SeqCst) {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                };
                tokio::select! { _ = copy => {}, _ = watch => {} }
                counter.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    Relay { port, cut, open }
}

fn host_port(url: &str) -> Option<String> {
    let rest = url.split("://").nth(1)?;
    let hostpart = rest.split('/').next()?;
    let hostpart = hostpart.rsplit('@').next()?;
    Some(if hostpart.contains(':') {
        hostpart.to_string()
    } else {
        format!("{hostpart}:5432")
    })
}

async fn case_health(demo: &Demo) -> i32 {
    let mut h = HealthClient::new(demo.channel().await);
    h.check(tonic_health::pb::HealthCheckRequest {
        service: "minwon.v1.CitizenCaseService".into(),
    })
    .await
    .map(|r| r.into_inner().status)
    .unwrap_or(-1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_store_outage_fails_closed_and_recovers_without_restart() {
    let url = pg_url();
    let target = host_port(&url).expect("MINWON_TEST_PG_URL is a postgres:// URL");
    if tokio::net::TcpStream::connect(&target).await.is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run this test: PostgreSQL at {target} is unreachable"
        );
        eprintln!(
            "*** SKIPPED: no PostgreSQL at {target}; set MINWON_TEST_PG_URL to run the fail-closed test"
        );
        return;
    }
    let relay = relay(target).await;
    let relayed = {
        let (scheme_user, rest) = url
            .split_once('@')
            .map(|(a, b)| (format!("{a}@"), b.to_string()))
            .unwrap_or_else(|| {
                let (s, r) = url.split_once("://").unwrap();
                (format!("{s}://"), r.to_string())
            });
        let db = rest
            .split_once('/')
            .map(|(_, d)| d.to_string())
            .unwrap_or_default();
        format!("{scheme_user}127.0.0.1:{}/{db}", relay.port)
    };
    let schema = format!("e2e_failclosed_{}", std::process::id());
    let demo = Demo::start_with_env(&[
        ("MINWON_AUDIT__POSTGRES_URL", relayed.as_str()),
        ("MINWON_AUDIT__POSTGRES_SCHEMA", schema.as_str()),
        ("MINWON_AUDIT__WRITE_TIMEOUT_MS", "1500"),
    ]);
    let citizen = demo.full_citizen();
    let mut cases = CitizenCaseServiceClient::new(demo.channel().await);
    let mut kb = KnowledgeServiceClient::new(demo.channel().await);
    let search = || pb::SearchKnowledgeRequest {
        query: "여권".into(),
        category: String::new(),
        limit: 3,
    };
    cases
        .get_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
        .await
        .expect("works with the store up");

    relay.cut().await;
    let e = cases
        .get_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unavailable, "{}", e.message());
    assert!(e.message().contains("access trail"));
    kb.search_knowledge(authed(search(), &demo.token("chatbot")))
        .await
        .expect("public search keeps working");
    // A search the knowledge base cannot answer is a knowledge gap, whose store (the same
    // PostgreSQL) is down too: counting it fails in the background, the search does not.
    let unanswerable = pb::SearchKnowledgeRequest {
        query: "우주정거장 견학 신청".into(),
        ..search()
    };
    kb.search_knowledge(authed(unanswerable, &demo.token("chatbot")))
        .await
        .expect("a knowledge gap with its store down still answers");
    let mut waited = 0;
    while case_health(&demo).await != ServingStatus::NotServing as i32 {
        assert!(
            waited < 100,
            "health turns NOT_SERVING while the store is down"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }

    relay.cut.store(false, Ordering::SeqCst);
    let mut recovered = false;
    for _ in 0..60 {
        if cases
            .get_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
            .await
            .is_ok()
        {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        recovered,
        "the hub recovers by itself once the store is back; log:\n{}",
        demo.log()
    );
    let mut waited = 0;
    while case_health(&demo).await != ServingStatus::Serving as i32 {
        assert!(waited < 100, "health returns to SERVING");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    let mut audit = pb::audit_service_client::AuditServiceClient::new(demo.channel().await);
    let v = audit
        .verify_audit_log(authed(
            pb::VerifyAuditLogRequest::default(),
            &demo.token("auditor"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(v.ok, "one valid chain across the outage: {v:?}");

    // Leave the shared database clean.
    if let Ok((client, conn)) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
        tokio::spawn(conn);
        let _ = client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .await;
    }
}

/// The Prometheus text of the admin port, over a plain HTTP/1.0 request (no client stack
/// needed for one GET on loopback).
async fn scrape(demo: &Demo) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = demo.endpoints["metrics"].as_str().unwrap();
    let rest = url.strip_prefix("http://").expect("http metrics URL");
    let (host, path) = rest.split_once('/').unwrap_or((rest, "metrics"));
    let mut conn = tokio::net::TcpStream::connect(host).await.unwrap();
    conn.write_all(format!("GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut text = String::new();
    conn.read_to_string(&mut text).await.unwrap();
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trail_rewritten_under_the_running_hub_fails_closed_for_good() {
    let demo = Demo::start();
    let citizen = demo.full_citizen();
    let mut cases = CitizenCaseServiceClient::new(demo.channel().await);
    for _ in 0..3 {
        cases
            .get_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
            .await
            .expect("works while the trail is intact");
    }
    assert!(
        scrape(&demo)
            .await
            .contains("minwon_audit_integrity_failures_total{} 0")
    );
    // Rewrite the head record's hash with SQL from a connection of the test's own.
    let conn = rusqlite::Connection::open(demo.audit_db()).unwrap();
    conn.execute_batch("DROP TRIGGER access_record_no_update; DROP TRIGGER access_record_links;")
        .unwrap();
    conn.execute(
        "UPDATE access_record SET hash = ?1 WHERE sequence = (SELECT max(sequence) FROM access_record)",
        [&"ab".repeat(32)],
    )
    .unwrap();
    drop(conn);
    let before = demo.access_record_count();
    // The next append conflicts, the writer re-reads the head and finds it does not continue.
    for _ in 0..2 {
        let e = cases
            .get_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), tonic::Code::Unavailable, "{}", e.message());
    }
    assert_eq!(
        demo.access_record_count(),
        before,
        "nothing chained onto the rewritten head"
    );
    let mut waited = 0;
    while case_health(&demo).await != ServingStatus::NotServing as i32 {
        assert!(
            waited < 100,
            "health turns NOT_SERVING; log:\n{}",
            demo.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    let text = scrape(&demo).await;
    assert!(
        text.contains("minwon_audit_integrity_failures_total{} 1"),
        "{text}"
    );
    let log = demo.log();
    assert!(log.contains("integrity lost"), "{log}");
    for v in support::personal_values(&citizen) {
        assert!(!log.contains(&v), "a personal value in the log");
    }
}
