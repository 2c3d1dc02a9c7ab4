//! End-to-end: the seven departments through the hub (the seventh, `waste`, by configuration
//! only) — keys route to the right sources, and
//! each back-end's own quirks (welfare's expiring OAuth2 tokens, water's Retry-After,
//! parking's cursor pages) are absorbed behind the one API.

mod support;

use minwon_proto::v1 as pb;
use pb::citizen_case_service_client::CitizenCaseServiceClient;
use support::{Demo, authed, query_full, query_rrn, state_of};

#[tokio::test]
async fn a_vehicle_number_alone_asks_traffic_and_parking_and_skips_the_rest() {
    let demo = Demo::start();
    let citizen = demo.full_citizen();
    let plate = citizen["vehicle_numbers"][0].as_str().unwrap().to_string();
    let mut q = query_rrn("");
    q.citizen.as_mut().unwrap().vehicle_numbers = vec![plate];
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let o = client
        .get_citizen_overview(authed(q, &demo.token("counselor")))
        .await
        .unwrap()
        .into_inner();
    for s in ["traffic", "parking"] {
        assert_eq!(state_of(&o, s), pb::SourceState::Ok, "{s}");
    }
    for s in ["saeol", "tax", "welfare", "water"] {
        assert_eq!(state_of(&o, s), pb::SourceState::Skipped, "{s}");
    }
    // Parking pages by 3: a full-coverage plate has at least 7 tickets, so every one of the
    // 3+ pages arrived, and the answer is complete (not partial).
    let tickets = o.cases.iter().filter(|c| c.source == "parking").count();
    assert!(tickets >= 7, "{tickets} tickets");
    let parking = o.sources.iter().find(|s| s.source == "parking").unwrap();
    assert!(!parking.detail.contains("partial"), "{}", parking.detail);
    assert!(
        o.cases
            .iter()
            .all(|c| c.kind == pb::CaseKind::ParkingTicket as i32
                || c.kind == pb::CaseKind::TrafficFine as i32)
    );
}

#[tokio::test]
async fn welfare_refreshes_a_revoked_token_once_and_answers() {
    let demo = Demo::start();
    let citizen = demo.full_citizen();
    let welfare = demo.sim_url("welfare");
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let call = |c: &mut CitizenCaseServiceClient<tonic::transport::Channel>| {
        let req = authed(query_full(&citizen), &demo.token("counselor"));
        let mut c = c.clone();
        async move { c.get_citizen_overview(req).await.unwrap().into_inner() }
    };
    assert_eq!(
        state_of(&call(&mut client).await, "welfare"),
        pb::SourceState::Ok
    );
    assert_eq!(
        state_of(&call(&mut client).await, "welfare"),
        pb::SourceState::Ok
    );
    let before = minwon_connector_welfare::sim::fetch_stats(&welfare)
        .await
        .unwrap();
    assert_eq!(before.tokens_issued, 1, "the token is cached across calls");
    minwon_connector_welfare::sim::revoke_tokens(&welfare)
        .await
        .unwrap();
    assert_eq!(
        state_of(&call(&mut client).await, "welfare"),
        pb::SourceState::Ok,
        "401 → refresh → retry"
    );
    let after = minwon_connector_welfare::sim::fetch_stats(&welfare)
        .await
        .unwrap();
    assert_eq!(after.tokens_issued, 2, "exactly one refresh");
    assert_eq!(after.rejected_tokens, before.rejected_tokens + 1);
}

#[tokio::test]
async fn water_waits_out_a_short_retry_after_and_gives_up_on_a_long_one() {
    use minwon_connector_water::sim::{Throttle, set_throttle};
    let demo = Demo::start();
    let citizen = demo.full_citizen();
    let water = demo.sim_url("water");
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    // One 429 with Retry-After: 1 s fits in the 2.5 s source deadline: waited, then OK.
    set_throttle(
        &water,
        Throttle {
            count: 1,
            retry_after_s: Some(1),
        },
    )
    .await
    .unwrap();
    let o = client
        .get_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(state_of(&o, "water"), pb::SourceState::Ok);
    // Retry-After: 30 s does not fit: the source is reported unavailable at once, the rest OK.
    set_throttle(
        &water,
        Throttle {
            count: 5,
            retry_after_s: Some(30),
        },
    )
    .await
    .unwrap();
    let o = client
        .get_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(state_of(&o, "water"), pb::SourceState::Unavailable);
    let w = o.sources.iter().find(|s| s.source == "water").unwrap();
    assert!(w.detail.contains("rate_limited"), "{}", w.detail);
    assert_eq!(state_of(&o, "tax"), pb::SourceState::Ok);
}

#[tokio::test]
async fn the_waste_department_configured_by_its_table_alone_answers_in_the_overview() {
    let demo = Demo::start();
    assert!(demo.all_sources().contains(&"waste".to_string()));
    let citizen = demo.full_citizen();
    let mut client = CitizenCaseServiceClient::new(demo.channel().await);
    let o = client
        .get_citizen_overview(authed(
            query_rrn(citizen["rrn"].as_str().unwrap()),
            &demo.token("counselor"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(state_of(&o, "waste"), pb::SourceState::Ok);
    let bookings: Vec<_> = o.cases.iter().filter(|c| c.source == "waste").collect();
    assert_eq!(
        bookings.len(),
        3,
        "full-coverage citizens have three bookings"
    );
    for c in bookings {
        assert!(c.case_ref.starts_with("waste:LW-"), "{}", c.case_ref);
        assert!(c.title.starts_with("대형폐기물 배출 신고 ("), "{}", c.title);
        assert_eq!(c.kind, pb::CaseKind::Other as i32);
    }
}
