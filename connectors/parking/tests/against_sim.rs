//! The connector against its simulator over real HTTP: cursor paging across three and more
//! pages, several plates merged, a slow back-end cut short by the deadline (partial, not an
//! error), the simulator's invalid-cursor answer, the detail call, the API key, towing.

use minwon_connector_parking::mapping::attr;
use minwon_connector_parking::protocol::{API_KEY_HEADER, DEMO_API_KEY, SEARCH_PATH};
use minwon_connector_parking::sim::{Register, SimOptions};
use minwon_connector_parking::{ParkingConfig, ParkingConnector};
use minwon_connector_sdk::sim::synth::FULL_COVERAGE;
use minwon_connector_sdk::sim::{Population, SimHandle, SynthCitizen};
use minwon_connector_sdk::{
    CallContext, CaseKind, CaseStatus, CitizenKeys, Connector, ErrorKind, KeyKind, PersonalField,
    VehicleNumber,
};
use std::collections::HashMap;
use std::time::Duration;

async fn sim(options: SimOptions) -> SimHandle {
    minwon_connector_parking::sim::start_with(
        Population::default_demo(),
        ([127, 0, 0, 1], 0).into(),
        options,
    )
    .await
    .unwrap()
}

fn connector(base_url: &str, page_size: u32) -> ParkingConnector {
    let mut cfg = ParkingConfig::new(base_url);
    cfg.page_size = page_size;
    ParkingConnector::new(cfg).unwrap()
}

fn keys(plates: &[String]) -> CitizenKeys {
    CitizenKeys {
        vehicle_numbers: plates
            .iter()
            .map(|p| VehicleNumber::parse(p).unwrap())
            .collect(),
        ..CitizenKeys::default()
    }
}

fn ctx() -> CallContext {
    CallContext::with_budget(Duration::from_secs(5))
}

fn full_coverage() -> Vec<SynthCitizen> {
    Population::default_demo().citizens()[..FULL_COVERAGE].to_vec()
}

#[tokio::test]
async fn every_ticket_of_every_plate_arrives_exactly_once_across_three_or_more_pages() {
    let sim = sim(SimOptions::default()).await;
    let register = Register::new(&Population::default_demo());
    for page_size in [20, 2, 1] {
        let conn = connector(&sim.base_url(), page_size);
        for c in full_coverage() {
            let outcome = conn
                .fetch_outcome(&keys(&c.vehicle_numbers), &ctx())
                .await
                .unwrap();
            assert_eq!(outcome.partial, None);
            let mut expected: HashMap<&str, &str> = HashMap::new();
            for plate in &c.vehicle_numbers {
                for t in register.tickets(plate) {
                    expected.insert(t.no.as_str(), plate.as_str());
                }
            }
            let per_page = page_size.min(3) as usize;
            let min_pages: usize = c
                .vehicle_numbers
                .iter()
                .map(|p| register.tickets(p).len().div_ceil(per_page))
                .sum();
            assert!(min_pages >= 3 && outcome.pages as usize == min_pages);
            assert_eq!(outcome.cases.len(), expected.len(), "page size {page_size}");
            for case in &outcome.cases {
                let plate = expected.remove(case.native_id.as_str()).expect("once");
                assert_eq!(case.personal.vehicle_number.as_deref(), Some(plate));
                assert_eq!(case.personal.name.as_deref(), Some(c.name.as_str()));
                assert_eq!(case.kind, CaseKind::ParkingTicket);
                assert!(case.contact.starts_with("031-980-"), "{}", case.contact);
                assert!(!case.attributes.contains_key("partial"));
            }
        }
    }
}

#[tokio::test]
async fn a_slow_back_end_cut_by_the_deadline_returns_the_fetched_pages_marked_partial() {
    let sim = sim(SimOptions {
        page_delay: Duration::from_millis(150),
        ..SimOptions::default()
    })
    .await;
    let register = Register::new(&Population::default_demo());
    let c = &full_coverage()[0];
    let total: usize = c
        .vehicle_numbers
        .iter()
        .map(|p| register.tickets(p).len())
        .sum();
    let conn = connector(&sim.base_url(), 20);
    let budget = || CallContext::with_budget(Duration::from_millis(500));
    let started = std::time::Instant::now();
    let fetched = conn
        .fetch(&keys(&c.vehicle_numbers), &budget())
        .await
        .expect("a partial answer is not an error");
    let cases = &fetched.cases;
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "returned before the deadline"
    );
    assert!(
        !cases.is_empty() && cases.len() < total,
        "{} of {total}",
        cases.len()
    );
    let detail = fetched.partial.as_deref().expect("marked partial");
    assert!(detail.starts_with("partial:") && !detail.contains(&c.vehicle_numbers[0]));

    let outcome = conn
        .fetch_outcome(&keys(&c.vehicle_numbers), &budget())
        .await
        .unwrap();
    let partial = outcome.partial.expect("partial");
    assert!(partial.incomplete_vehicles >= 1);
    assert!(outcome.detail().unwrap().contains("page(s)"));
    // With time enough, the same slow back-end yields everything.
    let all = conn.fetch(&keys(&c.vehicle_numbers), &ctx()).await.unwrap();
    assert_eq!(all.cases.len(), total);
    assert_eq!(all.partial, None);
}

#[tokio::test]
async fn the_simulator_refuses_a_cursor_it_did_not_issue_with_a_json_400() {
    let sim = sim(SimOptions::default()).await;
    let plate = &full_coverage()[0].vehicle_numbers[0];
    let post = |cursor: serde_json::Value| {
        let body = serde_json::json!({"vehicleNo": plate, "cursor": cursor, "limit": 3});
        minwon_connector_sdk::http::tool_client()
            .post(format!("{}{SEARCH_PATH}", sim.base_url()))
            .header(API_KEY_HEADER, DEMO_API_KEY)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    let first: serde_json::Value = post(serde_json::Value::Null)
        .await
        .unwrap()
        .text()
        .await
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    let real = first["nextCursor"].as_str().unwrap().to_string();
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    let mut tampered = real.clone();
    tampered.replace_range(2..10, "00000001");
    for bad in [serde_json::json!("garbage"), serde_json::json!(tampered)] {
        let resp = post(bad).await.unwrap();
        assert_eq!(resp.status().as_u16(), 400);
        let v: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
        assert_eq!(v["error"]["code"], "INVALID_CURSOR");
    }
    assert_eq!(
        post(serde_json::json!(real))
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn a_towed_car_is_in_progress_with_the_lot_and_statuses_map() {
    let sim = sim(SimOptions::default()).await;
    let conn = connector(&sim.base_url(), 20);
    let pop = Population::default_demo();
    let towed = &pop.citizens()[0]; // even citizen numbers: still at the lot
    let cases = conn
        .fetch_cases(&keys(&towed.vehicle_numbers), &ctx())
        .await
        .unwrap();
    let tow = cases
        .iter()
        .find(|c| c.source_status == "견인보관중")
        .expect("citizen 0's car is at the lot");
    assert_eq!(tow.status, CaseStatus::InProgress);
    assert!(tow.title.starts_with("견인 (") && tow.title.ends_with("견인보관소)"));
    assert!(tow.attributes[attr::TOWING_PHONE].starts_with("031-980-"));
    assert!(tow.title.contains(&tow.attributes[attr::TOWING_LOT]));
    let mut statuses = std::collections::HashSet::new();
    for c in &pop.citizens()[..40] {
        if c.vehicle_numbers.is_empty() {
            continue;
        }
        for case in conn
            .fetch_cases(&keys(&c.vehicle_numbers), &ctx())
            .await
            .unwrap()
        {
            statuses.insert(case.status);
            if case.attributes[attr::CATEGORY] == "violation" {
                assert!(
                    case.title.starts_with("주정차 위반 과태료 (김포시 "),
                    "{}",
                    case.title
                );
                assert!(case.amount_krw.unwrap() >= 40_000 && case.due_date.is_some());
            }
        }
    }
    for s in [
        CaseStatus::Unpaid,
        CaseStatus::Paid,
        CaseStatus::Overdue,
        CaseStatus::ObjectionFiled,
        CaseStatus::Completed,
    ] {
        assert!(statuses.contains(&s), "{s:?}");
    }
}

#[tokio::test]
async fn get_case_returns_the_listed_ticket_and_refuses_odd_ids() {
    let sim = sim(SimOptions::default()).await;
    let conn = connector(&sim.base_url(), 20);
    let plates = &full_coverage()[1].vehicle_numbers;
    let cases = conn.fetch_cases(&keys(plates), &ctx()).await.unwrap();
    for listed in cases.iter().take(4) {
        assert_eq!(
            &conn.get_case(&listed.native_id, &ctx()).await.unwrap(),
            listed
        );
    }
    let e = conn
        .get_case("41570-PK-2026-999999999", &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    for odd in ["", "a b", "../search", "x?y=1", &"9".repeat(65)] {
        let e = conn.get_case(odd, &ctx()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidQuery, "{odd:?}");
    }
}

#[tokio::test]
async fn a_wrong_api_key_is_unauthorized_and_the_source_down() {
    let sim = sim(SimOptions::default()).await;
    let mut cfg = ParkingConfig::new(sim.base_url());
    cfg.api_key = "not-the-key".into();
    let built = cfg.build().unwrap();
    let e = built
        .connector
        .fetch_cases(&keys(&full_coverage()[0].vehicle_numbers), &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized, "{e}");
    let e = built.health.check(&ctx()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized);
}

#[tokio::test]
async fn a_wrong_base_path_makes_the_health_check_fail() {
    let sim = sim(SimOptions::default()).await;
    let built = ParkingConfig::new(format!("{}/elsewhere", sim.base_url()))
        .build()
        .unwrap();
    assert!(built.health.check(&ctx()).await.is_err());
}

#[tokio::test]
async fn descriptor_and_keys_without_a_plate() {
    let conn = connector("http://127.0.0.1:9", 20);
    let d = conn.descriptor();
    assert_eq!((d.name.as_str(), d.kind.as_str()), ("parking", "rest-json"));
    assert_eq!(d.accepts, [KeyKind::VehicleNumber]);
    assert_eq!(
        d.personal_fields,
        [PersonalField::Name, PersonalField::VehicleNumber]
    );
    let e = conn
        .fetch_cases(&CitizenKeys::default(), &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidQuery);
}
