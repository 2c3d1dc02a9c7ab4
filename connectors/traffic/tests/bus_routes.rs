//! The public bus route client against the simulator over real HTTP: lookup found and not
//! found, search by stop name, stops in order, and failures classified.

use chrono::NaiveTime;
use minwon_connector_sdk::sim::{Fault, FaultMode, Population, SimHandle, set_fault};
use minwon_connector_sdk::{CallContext, ErrorKind};
use minwon_connector_traffic::sim::ROUTES;
use minwon_connector_traffic::{BusRouteClient, BusRouteType, TrafficConfig};
use std::time::Duration;

async fn start() -> (SimHandle, BusRouteClient) {
    let sim = minwon_connector_traffic::sim::start(
        Population::generate(1, 5),
        ([127, 0, 0, 1], 0).into(),
    )
    .await
    .unwrap();
    let client = TrafficConfig::new(sim.base_url()).bus_client().unwrap();
    (sim, client)
}

fn ctx() -> CallContext {
    CallContext::with_budget(Duration::from_secs(5))
}

#[tokio::test]
async fn a_route_is_found_with_its_stops_in_order() {
    let (_sim, bus) = start().await;
    let r = bus
        .route("60-3", &ctx())
        .await
        .unwrap()
        .expect("60-3 runs in Gimpo");
    assert_eq!(r.info.route_no, "60-3");
    assert_eq!(r.info.route_type, BusRouteType::General);
    assert_eq!(
        (r.info.start_stop.as_str(), r.info.end_stop.as_str()),
        ("마송터미널", "김포공항역")
    );
    assert_eq!(r.info.first_bus, NaiveTime::from_hms_opt(5, 0, 0).unwrap());
    assert_eq!(r.info.last_bus, NaiveTime::from_hms_opt(23, 30, 0).unwrap());
    assert_eq!(r.info.peak_interval_min, Some(12));
    assert_eq!(r.stops.len(), 13);
    assert_eq!(r.stops.first().unwrap().name, r.info.start_stop);
    assert_eq!(r.stops.last().unwrap().name, r.info.end_stop);
    assert!(
        r.stops
            .iter()
            .enumerate()
            .all(|(i, s)| s.seq == i as u32 + 1)
    );
    assert!(r.stops.iter().any(|s| s.name == "사우역"));
}

#[tokio::test]
async fn route_numbers_are_normalized_and_every_route_resolves() {
    let (_sim, bus) = start().await;
    let g = bus.route(" g6000 ", &ctx()).await.unwrap().unwrap();
    assert_eq!(
        (g.info.route_no.as_str(), &g.info.route_type),
        ("G6000", &BusRouteType::Metropolitan)
    );
    for def in ROUTES {
        let r = bus.route(def.no, &ctx()).await.unwrap().unwrap();
        assert_eq!(r.stops.len(), def.stops.len(), "{}", def.no);
    }
    let village = bus.route("87", &ctx()).await.unwrap().unwrap();
    assert_eq!(village.info.route_type, BusRouteType::Village);
    assert!(
        village.stops.iter().any(|s| s.name == "풍무역"),
        "a 골드라인 feeder"
    );
    // A stop keeps its id across routes.
    let id = |r: &minwon_connector_traffic::BusRoute| {
        r.stops
            .iter()
            .find(|s| s.name == "구래역")
            .map(|s| s.id.clone())
    };
    assert_eq!(
        id(&g),
        id(&bus.route("60-3", &ctx()).await.unwrap().unwrap())
    );
}

#[tokio::test]
async fn an_unknown_route_is_none_and_an_odd_number_invalid() {
    let (_sim, bus) = start().await;
    assert_eq!(bus.route("9999", &ctx()).await.unwrap(), None);
    assert_eq!(bus.route("M6117", &ctx()).await.unwrap(), None);
    for odd in ["", "60&3", "a/b"] {
        let e = bus.route(odd, &ctx()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidQuery, "{odd:?}");
    }
}

#[tokio::test]
async fn search_finds_routes_by_stop_and_number() {
    let (_sim, bus) = start().await;
    let hits = bus.search_routes("사우역", &ctx()).await.unwrap();
    let nos: Vec<_> = hits.iter().map(|r| r.route_no.as_str()).collect();
    for want in ["60-3", "70", "3000", "87"] {
        assert!(nos.contains(&want), "{nos:?}");
    }
    assert!(!nos.contains(&"G6000"));
    let by_no = bus.search_routes("g6", &ctx()).await.unwrap();
    assert_eq!(by_no.len(), 1);
    assert!(
        bus.search_routes("없는정류장", &ctx())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        bus.search_routes(" ", &ctx()).await.unwrap_err().kind,
        ErrorKind::InvalidQuery
    );
}

#[tokio::test]
async fn back_end_failures_are_classified_and_the_check_follows_them() {
    let (sim, bus) = start().await;
    bus.check(&ctx()).await.unwrap();
    for (mode, kind) in [
        (FaultMode::Http500, ErrorKind::Unavailable),
        (FaultMode::EnvelopeError, ErrorKind::RateLimited),
        (FaultMode::Malformed, ErrorKind::BadResponse),
    ] {
        set_fault(&sim.base_url(), Fault { mode, delay_ms: 0 })
            .await
            .unwrap();
        assert_eq!(
            bus.route("70", &ctx()).await.unwrap_err().kind,
            kind,
            "{mode:?}"
        );
        assert_eq!(bus.check(&ctx()).await.unwrap_err().kind, kind, "{mode:?}");
    }
    set_fault(
        &sim.base_url(),
        Fault {
            mode: FaultMode::Hang,
            delay_ms: 0,
        },
    )
    .await
    .unwrap();
    let short = CallContext::with_budget(Duration::from_millis(200));
    assert_eq!(
        bus.search_routes("구래역", &short).await.unwrap_err().kind,
        ErrorKind::Timeout
    );
}

#[tokio::test]
async fn routes_serialize_for_the_knowledge_service() {
    let (_sim, bus) = start().await;
    let r = bus.route("1002", &ctx()).await.unwrap().unwrap();
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["info"]["route_no"], "1002");
    assert_eq!(json["info"]["route_type"], "Seat");
    assert_eq!(json["stops"][0]["name"], "양곡터미널");
}
