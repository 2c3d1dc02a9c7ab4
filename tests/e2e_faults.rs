//! End-to-end: one back-end failing never fails the answer.

mod support;

use minwon_connector_sdk::sim::{Fault, FaultMode, set_fault};
use minwon_proto::v1 as pb;
use pb::citizen_case_service_client::CitizenCaseServiceClient;
use std::time::Duration;
use support::{Demo, authed, query_rrn, state_of};

#[tokio::test]
async fn hanging_source_times_out_while_the_other_answers() {
    let demo = Demo::start();
    let rrn = demo.full_citizen()["rrn"].as_str().unwrap().to_string();
    set_fault(
        &demo.sim_url("tax"),
        Fault {
            mode: FaultMode::Hang,
            delay_ms: 0,
        },
    )
    .await
    .unwrap();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let mut req = authed(query_rrn(&rrn), &demo.token("counselor"));
    req.set_timeout(Duration::from_millis(1500));
    let o = client
        .get_citizen_overview(req)
        .await
        .expect("answer within the deadline")
        .into_inner();
    assert_eq!(state_of(&o, "tax"), pb::SourceState::Timeout);
    assert_eq!(state_of(&o, "saeol"), pb::SourceState::Ok);
    assert!(o.cases.iter().all(|c| c.source != "tax") && !o.cases.is_empty());
    let tax = o.sources.iter().find(|s| s.source == "tax").unwrap();
    assert!(tax.detail.contains("deadline"), "{}", tax.detail);
    assert_eq!(demo.access_record_count(), 1);
}

#[tokio::test]
async fn failing_sources_become_statuses() {
    let demo = Demo::start();
    let rrn = demo.full_citizen()["rrn"].as_str().unwrap().to_string();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    for (mode, state) in [
        (FaultMode::Http500, pb::SourceState::Unavailable),
        (FaultMode::Malformed, pb::SourceState::Error),
    ] {
        set_fault(&demo.sim_url("saeol"), Fault { mode, delay_ms: 0 })
            .await
            .unwrap();
        let o = client
            .get_citizen_overview(authed(query_rrn(&rrn), &demo.token("counselor")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(state_of(&o, "saeol"), state, "{mode:?}");
        assert_eq!(state_of(&o, "tax"), pb::SourceState::Ok);
    }
}

#[tokio::test]
async fn sources_without_a_usable_key_are_skipped() {
    let demo = Demo::start();
    let citizen = demo.full_citizen();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let mut q = query_rrn("");
    q.citizen.as_mut().unwrap().vehicle_numbers =
        vec![citizen["vehicle_numbers"][0].as_str().unwrap().to_string()];
    let o = client
        .get_citizen_overview(authed(q, &demo.token("counselor")))
        .await
        .unwrap()
        .into_inner();
    for s in &o.sources {
        if s.source == "saeol" || s.source == "tax" {
            assert_eq!(s.state, pb::SourceState::Skipped as i32, "{s:?}");
            assert!(s.detail.contains("rrn"));
        }
    }
}
