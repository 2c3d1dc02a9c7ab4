//! End-to-end: each fault type on one back-end trips its breaker while the other source keeps
//! answering; an open breaker costs no waiting; the breaker heals through half-open by itself.

mod support;

use minwon_connector_sdk::sim::{Fault, FaultMode, set_fault};
use minwon_proto::v1 as pb;
use pb::citizen_case_service_client::CitizenCaseServiceClient;
use pb::connector_admin_service_client::ConnectorAdminServiceClient;
use std::time::Duration;
use support::{Demo, authed, query_rrn, state_of};

/// Breaker tuned small so the test is short; the fault switch does the rest.
const ENV: &[(&str, &str)] = &[
    ("MINWON_RESILIENCE__DEFAULTS__BREAKER__WINDOW", "6"),
    ("MINWON_RESILIENCE__DEFAULTS__BREAKER__MINIMUM_CALLS", "3"),
    (
        "MINWON_RESILIENCE__DEFAULTS__BREAKER__SLOW_CALL_DURATION_MS",
        "300",
    ),
    ("MINWON_RESILIENCE__DEFAULTS__BREAKER__OPEN_WAIT_MS", "1000"),
    ("MINWON_RESILIENCE__DEFAULTS__BREAKER__HALF_OPEN_CALLS", "2"),
];

async fn breaker_of(demo: &Demo, source: &str) -> pb::ConnectorStats {
    support::connectors(demo)
        .await
        .into_iter()
        .find(|c| c.name == source)
        .unwrap()
        .stats
        .unwrap()
}

async fn overview(demo: &Demo, rrn: &str) -> pb::CitizenOverview {
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let mut req = authed(query_rrn(rrn), &demo.token("counselor"));
    req.set_timeout(Duration::from_millis(1200));
    client
        .get_citizen_overview(req)
        .await
        .expect("the overview always answers")
        .into_inner()
}

async fn trips_and_heals(mode: FaultMode, delay_ms: u64) {
    let demo = Demo::start_with_env(ENV);
    let rrn = demo.full_citizen()["rrn"].as_str().unwrap().to_string();
    set_fault(&demo.sim_url("tax"), Fault { mode, delay_ms })
        .await
        .unwrap();

    // Within the window the faulty source fails (or is slow) and the healthy one answers.
    let mut opened_after = None;
    for i in 1..=6 {
        let o = overview(&demo, &rrn).await;
        assert_eq!(
            state_of(&o, "saeol"),
            pb::SourceState::Ok,
            "{mode:?}: healthy source stays OK"
        );
        if state_of(&o, "tax") == pb::SourceState::CircuitOpen {
            opened_after = Some(i);
            break;
        }
    }
    let opened_after = opened_after.unwrap_or_else(|| panic!("{mode:?}: breaker never opened"));
    assert!(
        opened_after >= 4,
        "{mode:?}: not before minimum_calls ({opened_after})"
    );
    assert_eq!(
        breaker_of(&demo, "tax").await.breaker_state,
        pb::BreakerState::Open as i32
    );

    // While open, the source is not called at all: even a hanging back-end costs nothing.
    set_fault(
        &demo.sim_url("tax"),
        Fault {
            mode: FaultMode::Hang,
            delay_ms: 0,
        },
    )
    .await
    .unwrap();
    let calls_before = breaker_of(&demo, "tax").await.calls;
    let o = overview(&demo, &rrn).await;
    assert_eq!(state_of(&o, "tax"), pb::SourceState::CircuitOpen);
    assert_eq!(
        breaker_of(&demo, "tax").await.calls,
        calls_before,
        "an open breaker makes no call"
    );

    // Clear the fault, wait out open_wait: probes go through half-open and close it.
    set_fault(
        &demo.sim_url("tax"),
        Fault {
            mode: FaultMode::None,
            delay_ms: 0,
        },
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for _ in 0..2 {
        let o = overview(&demo, &rrn).await;
        assert_eq!(
            state_of(&o, "tax"),
            pb::SourceState::Ok,
            "{mode:?}: probe succeeds"
        );
    }
    let stats = breaker_of(&demo, "tax").await;
    assert_eq!(
        stats.breaker_state,
        pb::BreakerState::Closed as i32,
        "{mode:?}: healed"
    );
    assert!(
        stats.breaker_transitions >= 3,
        "closed → open → half-open → closed"
    );
}

#[tokio::test]
async fn hang_trips_the_breaker() {
    trips_and_heals(FaultMode::Hang, 0).await;
}

#[tokio::test]
async fn http_500_trips_the_breaker() {
    trips_and_heals(FaultMode::Http500, 0).await;
}

#[tokio::test]
async fn envelope_error_trips_the_breaker() {
    trips_and_heals(FaultMode::EnvelopeError, 0).await;
}

#[tokio::test]
async fn malformed_trips_the_breaker() {
    trips_and_heals(FaultMode::Malformed, 0).await;
}

#[tokio::test]
async fn slow_calls_trip_the_breaker() {
    // Slower than slow_call_duration (300 ms) but inside the deadline: answers arrive, the
    // slow-call rate opens the breaker.
    trips_and_heals(FaultMode::Slow, 500).await;
}

#[tokio::test]
async fn admin_forces_a_breaker_and_it_is_audited() {
    let demo = Demo::start();
    let rrn = demo.full_citizen()["rrn"].as_str().unwrap().to_string();
    let mut admin = ConnectorAdminServiceClient::new(demo.channel().await);
    let set = |mode: pb::BreakerMode, token: String| pb::SetBreakerRequest {
        name: "tax".into(),
        mode: mode as i32,
        reason: format!("maintenance window ({token:.0})"),
    };
    let e = admin
        .set_breaker(authed(
            set(pb::BreakerMode::ForceOpen, String::new()),
            &demo.token("counselor"),
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied);
    let info = admin
        .set_breaker(authed(
            set(pb::BreakerMode::ForceOpen, String::new()),
            &demo.token("admin"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        info.stats.unwrap().breaker_state,
        pb::BreakerState::ForcedOpen as i32
    );
    assert_eq!(
        state_of(&overview(&demo, &rrn).await, "tax"),
        pb::SourceState::CircuitOpen
    );
    admin
        .set_breaker(authed(
            set(pb::BreakerMode::Auto, String::new()),
            &demo.token("admin"),
        ))
        .await
        .unwrap();
    assert_eq!(
        state_of(&overview(&demo, &rrn).await, "tax"),
        pb::SourceState::Ok
    );
    // Denied attempt, two changes, two overviews.
    assert_eq!(demo.access_record_count(), 5);
    let bad = pb::SetBreakerRequest {
        name: "tax".into(),
        mode: 0,
        reason: "x".into(),
    };
    assert_eq!(
        admin
            .set_breaker(authed(bad, &demo.token("admin")))
            .await
            .unwrap_err()
            .code(),
        tonic::Code::InvalidArgument
    );
}
