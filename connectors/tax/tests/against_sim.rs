//! The connector against its simulator over real HTTP: paging across several pages, the
//! service key, the detail call, and the descriptor.

use minwon_connector_sdk::Connector;
use minwon_connector_sdk::sim::synth::FULL_COVERAGE;
use minwon_connector_sdk::sim::{Population, SimHandle};
use minwon_connector_sdk::{
    CallContext, CaseKind, CaseStatus, CitizenKeys, ErrorKind, KeyKind, PersonalField, Rrn,
};
use minwon_connector_tax::sim::{Ledger, SimOptions};
use minwon_connector_tax::{TaxConfig, TaxConnector};
use std::collections::HashSet;
use std::time::Duration;

async fn sim(options: SimOptions) -> SimHandle {
    minwon_connector_tax::sim::start_with(
        Population::default_demo(),
        ([127, 0, 0, 1], 0).into(),
        options,
    )
    .await
    .unwrap()
}

fn connector(base_url: &str, page_size: u32) -> TaxConnector {
    let mut cfg = TaxConfig::new(base_url);
    cfg.page_size = page_size;
    TaxConnector::new(cfg).unwrap()
}

fn keys(rrn: &str) -> CitizenKeys {
    CitizenKeys {
        rrn: Some(Rrn::parse(rrn).unwrap()),
        ..CitizenKeys::default()
    }
}

fn ctx() -> CallContext {
    CallContext::with_budget(Duration::from_secs(5))
}

#[tokio::test]
async fn full_coverage_citizens_bills_span_several_pages_and_all_arrive() {
    let sim = sim(SimOptions::default()).await;
    let pop = Population::default_demo();
    let ledger = Ledger::new(&pop);
    for page_size in [10, 3, 1000] {
        let conn = connector(&sim.base_url(), page_size);
        for c in &pop.citizens()[..FULL_COVERAGE] {
            let expected = ledger.bills(&c.rrn.replace('-', ""));
            assert!(expected.len() > 10, "spans 2+ pages of 10");
            let cases = conn.fetch_cases(&keys(&c.rrn), &ctx()).await.unwrap();
            assert_eq!(cases.len(), expected.len(), "page size {page_size}");
            let ids: HashSet<_> = cases.iter().map(|c| c.native_id.as_str()).collect();
            assert!(expected.iter().all(|b| ids.contains(b.no.as_str())));
            for case in &cases {
                assert_eq!(case.kind, CaseKind::TaxBill);
                assert_eq!(case.personal.name.as_deref(), Some(c.name.as_str()));
                assert!(case.amount_krw.unwrap() > 0 && case.due_date.is_some());
                assert!(case.contact.starts_with("031-980-"));
            }
        }
    }
}

#[tokio::test]
async fn a_clamping_back_end_still_yields_every_bill() {
    let sim = sim(SimOptions {
        max_rows: 4,
        ..SimOptions::default()
    })
    .await;
    let pop = Population::default_demo();
    let c = &pop.citizens()[0];
    let cases = connector(&sim.base_url(), 10)
        .fetch_cases(&keys(&c.rrn), &ctx())
        .await
        .unwrap();
    assert_eq!(
        cases.len(),
        Ledger::new(&pop).bills(&c.rrn.replace('-', "")).len()
    );
}

#[tokio::test]
async fn statuses_and_car_tax_fields_come_through() {
    let sim = sim(SimOptions::default()).await;
    let pop = Population::default_demo();
    let conn = connector(&sim.base_url(), 10);
    let mut statuses = HashSet::new();
    for c in &pop.citizens()[..40] {
        for case in conn.fetch_cases(&keys(&c.rrn), &ctx()).await.unwrap() {
            statuses.insert(case.status);
            if case.attributes["tax_item"] == "자동차세" {
                let plate = case.personal.vehicle_number.as_deref().unwrap();
                assert!(c.vehicle_numbers.iter().any(|v| v == plate));
                assert!(case.title.starts_with("자동차세 ") && case.title.ends_with('기'));
            }
            assert!(case.personal.account_number.is_some());
        }
    }
    for s in [CaseStatus::Unpaid, CaseStatus::Paid, CaseStatus::Overdue] {
        assert!(statuses.contains(&s), "{s:?}");
    }
}

#[tokio::test]
async fn a_wrong_service_key_is_unauthorized() {
    let sim = sim(SimOptions::default()).await;
    let mut cfg = TaxConfig::new(sim.base_url());
    cfg.service_key = "not-the-key+/=".into();
    let built = cfg.build().unwrap();
    let rrn = Population::default_demo().citizens()[0].rrn.clone();
    let e = built
        .connector
        .fetch_cases(&keys(&rrn), &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized, "{e}");
    let e = built.health.check(&ctx()).await.unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::Unauthorized,
        "a wrong key makes the source down"
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
    let mut cfg = TaxConfig::new(sim.base_url());
    cfg.service_key = key.into();
    let built = cfg.build().unwrap();
    built.health.check(&ctx()).await.unwrap();
}

#[tokio::test]
async fn get_case_returns_the_listed_bill_and_refuses_odd_ids() {
    let sim = sim(SimOptions::default()).await;
    let conn = connector(&sim.base_url(), 10);
    let rrn = Population::default_demo().citizens()[1].rrn.clone();
    let cases = conn.fetch_cases(&keys(&rrn), &ctx()).await.unwrap();
    for listed in cases.iter().take(3) {
        assert_eq!(
            &conn.get_case(&listed.native_id, &ctx()).await.unwrap(),
            listed
        );
    }
    let e = conn
        .get_case("41570-2026-99999999", &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    for odd in ["", "a b", "x&rrn=1", &"9".repeat(65)] {
        let e = conn.get_case(odd, &ctx()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidQuery, "{odd:?}");
    }
}

#[tokio::test]
async fn descriptor_and_keys_without_rrn() {
    let conn = connector("http://127.0.0.1:9", 10);
    let d = conn.descriptor();
    assert_eq!((d.name.as_str(), d.kind.as_str()), ("tax", "portal-xml"));
    assert_eq!(d.department, "세정과");
    assert_eq!(d.accepts, [KeyKind::Rrn]);
    for f in [PersonalField::VehicleNumber, PersonalField::AccountNumber] {
        assert!(d.personal_fields.contains(&f));
    }
    let e = conn
        .fetch_cases(&CitizenKeys::default(), &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidQuery);
}
