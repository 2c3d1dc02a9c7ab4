//! The fine connector against its simulator over real HTTP: a vehicle's fines across several
//! pages, every plate of a citizen merged, a plate without fines, the detail call, the
//! service key and the descriptor.

use minwon_connector_sdk::sim::synth::FULL_COVERAGE;
use minwon_connector_sdk::sim::{Population, SimHandle};
use minwon_connector_sdk::{
    CallContext, CaseKind, CaseStatus, CitizenKeys, Connector, ErrorKind, KeyKind, PersonalField,
};
use minwon_connector_traffic::sim::{FineBook, SimOptions};
use minwon_connector_traffic::{TrafficConfig, TrafficConnector};
use std::collections::HashSet;
use std::time::Duration;

async fn sim(options: SimOptions) -> SimHandle {
    minwon_connector_traffic::sim::start_with(
        Population::default_demo(),
        ([127, 0, 0, 1], 0).into(),
        options,
    )
    .await
    .unwrap()
}

fn connector(base_url: &str, page_size: u32) -> TrafficConnector {
    let mut cfg = TrafficConfig::new(base_url);
    cfg.page_size = page_size;
    TrafficConnector::new(cfg).unwrap()
}

fn keys(plates: &[&String]) -> CitizenKeys {
    let plates: Vec<String> = plates.iter().map(|p| p.to_string()).collect();
    CitizenKeys::parse("", &plates, "").unwrap()
}

fn ctx() -> CallContext {
    CallContext::with_budget(Duration::from_secs(5))
}

#[tokio::test]
async fn a_vehicles_fines_span_several_pages_and_all_arrive() {
    let sim = sim(SimOptions::default()).await;
    let pop = Population::default_demo();
    let book = FineBook::new(&pop);
    for page_size in [10, 3, 1000] {
        let conn = connector(&sim.base_url(), page_size);
        for c in &pop.citizens()[..FULL_COVERAGE] {
            let plate = &c.vehicle_numbers[0];
            let expected = book.fines(plate);
            assert!(expected.len() > 10, "spans 2+ pages of 10");
            let cases = conn.fetch_cases(&keys(&[plate]), &ctx()).await.unwrap();
            assert_eq!(cases.len(), expected.len(), "page size {page_size}");
            let ids: Vec<_> = cases.iter().map(|c| c.native_id.as_str()).collect();
            let want: Vec<_> = expected.iter().map(|f| f.no.as_str()).collect();
            assert_eq!(ids, want, "every fine once, in the back-end's order");
            for case in &cases {
                assert_eq!(case.kind, CaseKind::TrafficFine);
                assert_eq!(
                    case.personal.vehicle_number.as_deref(),
                    Some(plate.as_str())
                );
                assert_eq!(case.personal.name.as_deref(), Some(c.name.as_str()));
                assert!(case.amount_krw.unwrap() > 0 && case.due_date.is_some());
                assert!(case.contact.starts_with("031-980-"));
                assert_eq!(case.department, "교통행정과");
                assert!(case.attributes["violation_place"].starts_with("경기도 김포시 "));
                assert!(case.attributes.contains_key("violation_time"));
                for v in case.personal.values() {
                    assert!(!case.attributes.values().any(|a| a.contains(v)));
                }
            }
        }
    }
}

#[tokio::test]
async fn every_plate_of_a_citizen_is_asked_and_merged() {
    let sim = sim(SimOptions::default()).await;
    let pop = Population::default_demo();
    let book = FineBook::new(&pop);
    let conn = connector(&sim.base_url(), 10);
    // (The default demo's full-coverage citizens own one car each; take the first citizen
    // with fines on two cars.)
    let c = pop
        .citizens()
        .iter()
        .find(|c| {
            c.vehicle_numbers.len() >= 2
                && c.vehicle_numbers.iter().all(|p| !book.fines(p).is_empty())
        })
        .expect("a citizen has fines on two vehicles");
    let all: Vec<&String> = c.vehicle_numbers.iter().collect();
    let cases = conn.fetch_cases(&keys(&all), &ctx()).await.unwrap();
    let expected: usize = all.iter().map(|p| book.fines(p).len()).sum();
    assert_eq!(cases.len(), expected);
    let plates: HashSet<_> = cases
        .iter()
        .map(|c| c.personal.vehicle_number.clone().unwrap())
        .collect();
    assert_eq!(plates.len(), all.len(), "fines of both plates");
    let twice = keys(&[all[0], all[1], all[0]]);
    assert_eq!(
        twice.vehicle_numbers.len(),
        2,
        "the keys drop a repeated plate"
    );
    let once = conn.fetch_cases(&twice, &ctx()).await.unwrap();
    assert_eq!(once.len(), expected, "a repeated plate is asked once");
    let second = conn.fetch_cases(&keys(&all[1..]), &ctx()).await.unwrap();
    assert!(!second.is_empty());
    assert!(
        second
            .iter()
            .all(|c| c.personal.vehicle_number.as_ref() == Some(all[1]))
    );
}

#[tokio::test]
async fn a_plate_without_fines_is_just_no_fines() {
    let sim = sim(SimOptions::default()).await;
    let pop = Population::default_demo();
    let book = FineBook::new(&pop);
    let conn = connector(&sim.base_url(), 10);
    let with = &pop.citizens()[0].vehicle_numbers[0];
    let without = pop
        .citizens()
        .iter()
        .flat_map(|c| &c.vehicle_numbers)
        .find(|p| book.fines(p).is_empty())
        .expect("some plate has no fines");
    let cases = conn
        .fetch_cases(&keys(&[without, with]), &ctx())
        .await
        .unwrap();
    assert_eq!(cases.len(), book.fines(with).len());
    assert!(
        conn.fetch_cases(&keys(&[without]), &ctx())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn status_words_map_through_the_one_table() {
    let sim = sim(SimOptions::default()).await;
    let pop = Population::default_demo();
    let conn = connector(&sim.base_url(), 100);
    let mut statuses = HashSet::new();
    for c in pop
        .citizens()
        .iter()
        .filter(|c| !c.vehicle_numbers.is_empty())
        .take(60)
    {
        let all: Vec<&String> = c.vehicle_numbers.iter().collect();
        for case in conn.fetch_cases(&keys(&all), &ctx()).await.unwrap() {
            statuses.insert(case.status);
            if case.attributes.contains_key("speed_kmh") {
                assert!(case.title.contains("km/h"), "{}", case.title);
            }
        }
    }
    for s in [
        CaseStatus::Unpaid,
        CaseStatus::Paid,
        CaseStatus::Overdue,
        CaseStatus::ObjectionFiled,
    ] {
        assert!(statuses.contains(&s), "{s:?}");
    }
}

#[tokio::test]
async fn get_case_returns_the_listed_fine_and_refuses_odd_ids() {
    let sim = sim(SimOptions::default()).await;
    let conn = connector(&sim.base_url(), 10);
    let pop = Population::default_demo();
    let plate = &pop.citizens()[1].vehicle_numbers[0];
    let cases = conn.fetch_cases(&keys(&[plate]), &ctx()).await.unwrap();
    for listed in cases.iter().take(3) {
        assert_eq!(
            &conn.get_case(&listed.native_id, &ctx()).await.unwrap(),
            listed
        );
    }
    let e = conn
        .get_case("41570-2026-TF9999999", &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    for odd in ["", "a b", "x&vhclNo=1", &"9".repeat(65)] {
        let e = conn.get_case(odd, &ctx()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidQuery, "{odd:?}");
    }
}

#[tokio::test]
async fn a_wrong_service_key_is_unauthorized_and_the_source_down() {
    let sim = sim(SimOptions::default()).await;
    let mut cfg = TrafficConfig::new(sim.base_url());
    cfg.service_key = "not-the-key+/=".into();
    let built = cfg.build().unwrap();
    let plate = &Population::default_demo().citizens()[0].vehicle_numbers[0].clone();
    let e = built
        .connector
        .fetch_cases(&keys(&[plate]), &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized, "{e}");
    assert_eq!(
        built.health.check(&ctx()).await.unwrap_err().kind,
        ErrorKind::Unauthorized
    );
}

#[tokio::test]
async fn a_service_key_with_special_characters_is_encoded() {
    let key = "ab+c/d==";
    let sim = sim(SimOptions {
        service_key: key.into(),
        ..SimOptions::default()
    })
    .await;
    let mut cfg = TrafficConfig::new(sim.base_url());
    cfg.service_key = key.into();
    cfg.build().unwrap().health.check(&ctx()).await.unwrap();
    cfg.bus_client().unwrap().check(&ctx()).await.unwrap();
}

#[tokio::test]
async fn a_body_over_the_size_limit_is_refused() {
    let sim = sim(SimOptions::default()).await;
    let mut cfg = TrafficConfig::new(sim.base_url());
    cfg.http.max_body_bytes = 512;
    let conn = TrafficConnector::new(cfg).unwrap();
    let plate = &Population::default_demo().citizens()[0].vehicle_numbers[0].clone();
    let e = conn.fetch_cases(&keys(&[plate]), &ctx()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    assert!(e.message.contains("limit"), "{e}");
}

#[tokio::test]
async fn descriptor_and_keys_without_a_plate() {
    let conn = connector("http://127.0.0.1:9", 10);
    let d = conn.descriptor();
    assert_eq!(
        (d.name.as_str(), d.kind.as_str()),
        ("traffic", "portal-xml")
    );
    assert_eq!(d.department, "교통행정과");
    assert_eq!(d.accepts, [KeyKind::VehicleNumber]);
    for f in [
        PersonalField::VehicleNumber,
        PersonalField::Name,
        PersonalField::Address,
    ] {
        assert!(d.personal_fields.contains(&f));
    }
    assert!(!d.personal_fields.contains(&PersonalField::Rrn));
    let e = conn
        .fetch_cases(&CitizenKeys::default(), &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidQuery);
}
