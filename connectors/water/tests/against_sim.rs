//! The connector against its simulator over real HTTP: bills and their fields, the months
//! window, statuses, the detail call, the descriptor, and keys without a customer number.

use minwon_connector_sdk::sim::synth::FULL_COVERAGE;
use minwon_connector_sdk::sim::{Population, SimHandle};
use minwon_connector_sdk::{
    CallContext, CaseKind, CaseStatus, CitizenKeys, Connector, ErrorKind, KeyKind, PersonalField,
    WaterCustomerNo,
};
use minwon_connector_water::sim::{LATEST_MONTH, Ledger};
use minwon_connector_water::{WaterConfig, WaterConnector};
use std::collections::HashSet;
use std::time::Duration;

async fn sim() -> SimHandle {
    minwon_connector_water::sim::start(Population::default_demo(), ([127, 0, 0, 1], 0).into())
        .await
        .unwrap()
}

fn connector(base_url: &str, months: u32) -> WaterConnector {
    let mut cfg = WaterConfig::new(base_url);
    cfg.months = months;
    WaterConnector::new(cfg).unwrap()
}

fn keys(no: &str) -> CitizenKeys {
    CitizenKeys {
        water_customer_no: Some(WaterCustomerNo::parse(no).unwrap()),
        ..CitizenKeys::default()
    }
}

fn ctx() -> CallContext {
    CallContext::with_budget(Duration::from_secs(5))
}

#[tokio::test]
async fn a_customers_latest_months_arrive_as_water_bill_cases() {
    let sim = sim().await;
    let pop = Population::default_demo();
    let ledger = Ledger::new(&pop);
    let conn = connector(&sim.base_url(), 12);
    for c in &pop.citizens()[..FULL_COVERAGE] {
        let account = ledger.account(&c.water_customer_no).unwrap();
        let cases = conn
            .fetch_cases(&keys(&c.water_customer_no), &ctx())
            .await
            .unwrap();
        assert_eq!(cases.len(), 12);
        let latest = format!("{}-{:02}", LATEST_MONTH.0, LATEST_MONTH.1);
        assert_eq!(cases[0].attributes["billing_month"], latest);
        assert_eq!(cases[0].title, "2026년 11월 상하수도 요금");
        for (case, bill) in cases.iter().zip(&account.bills) {
            assert_eq!(case.native_id, bill.no);
            assert_eq!(case.kind, CaseKind::WaterBill);
            assert_eq!(case.amount_krw, Some(bill.total));
            assert_eq!(case.attributes["usage_m3"], bill.usage_m3.to_string());
            assert_eq!(case.attributes["water_amount"], bill.water.to_string());
            assert_eq!(case.attributes["sewage_amount"], bill.sewage.to_string());
            assert_eq!(case.attributes["water_use_charge"], bill.charge.to_string());
            assert_eq!(case.attributes["auto_debit"], bill.auto_debit.to_string());
            assert_eq!(case.due_date, Some(bill.due));
            assert_eq!(case.personal.name.as_deref(), Some(c.name.as_str()));
            assert_eq!(case.personal.address.as_deref(), Some(c.address.as_str()));
            assert_eq!(case.department, "수도과");
            assert!(case.contact.starts_with("031-980-"));
            let text = format!("{:?}", case.attributes);
            assert!(!text.contains(&c.water_customer_no) && !text.contains(&c.name));
        }
    }
}

#[tokio::test]
async fn months_limits_the_window() {
    let sim = sim().await;
    let pop = Population::default_demo();
    let c = &pop.citizens()[0];
    for (months, expected) in [(1, 1), (24, 24), (60, 24)] {
        let cases = connector(&sim.base_url(), months)
            .fetch_cases(&keys(&c.water_customer_no), &ctx())
            .await
            .unwrap();
        assert_eq!(cases.len(), expected, "months = {months}");
    }
}

#[tokio::test]
async fn statuses_map_through_the_table_and_auto_debit_shows() {
    let sim = sim().await;
    let pop = Population::default_demo();
    let conn = connector(&sim.base_url(), 24);
    let mut statuses = HashSet::new();
    let mut unknown_words = HashSet::new();
    for c in &pop.citizens()[..60] {
        for case in conn
            .fetch_cases(&keys(&c.water_customer_no), &ctx())
            .await
            .unwrap()
        {
            statuses.insert(case.status);
            if case.source_status == "자동이체예정" {
                assert_eq!(case.status, CaseStatus::Unpaid);
                assert_eq!(case.attributes["auto_debit"], "true");
            }
            if case.status == CaseStatus::Unknown {
                unknown_words.insert(case.source_status.clone());
            }
        }
    }
    for s in [
        CaseStatus::Paid,
        CaseStatus::Unpaid,
        CaseStatus::Overdue,
        CaseStatus::Cancelled,
        CaseStatus::Unknown,
    ] {
        assert!(statuses.contains(&s), "{s:?}");
    }
    assert_eq!(unknown_words, HashSet::from(["감면심사중".to_string()]));
}

#[tokio::test]
async fn a_customer_without_records_has_no_cases() {
    let sim = sim().await;
    let pop = Population::default_demo();
    let c = pop
        .citizens()
        .iter()
        .find(|c| !pop.has_records(c, "water"))
        .unwrap();
    let cases = connector(&sim.base_url(), 12)
        .fetch_cases(&keys(&c.water_customer_no), &ctx())
        .await
        .unwrap();
    assert!(cases.is_empty());
}

#[tokio::test]
async fn get_case_returns_the_listed_bill_and_refuses_odd_ids() {
    let sim = sim().await;
    let conn = connector(&sim.base_url(), 12);
    let no = Population::default_demo().citizens()[1]
        .water_customer_no
        .clone();
    let cases = conn.fetch_cases(&keys(&no), &ctx()).await.unwrap();
    for listed in cases.iter().take(3) {
        assert_eq!(
            &conn.get_case(&listed.native_id, &ctx()).await.unwrap(),
            listed
        );
    }
    let e = conn.get_case("W-209901-000001", &ctx()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    for odd in ["", "a b", "x\"}", &"9".repeat(65)] {
        let e = conn.get_case(odd, &ctx()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidQuery, "{odd:?}");
    }
}

#[tokio::test]
async fn descriptor_and_keys_without_a_customer_number() {
    let conn = connector("http://127.0.0.1:9", 12);
    let d = conn.descriptor();
    assert_eq!((d.name.as_str(), d.kind.as_str()), ("water", "rest-json"));
    assert_eq!(d.department, "수도과");
    assert_eq!(d.accepts, [KeyKind::WaterCustomerNo]);
    assert_eq!(
        d.personal_fields,
        [PersonalField::Name, PersonalField::Address]
    );
    let e = conn
        .fetch_cases(&CitizenKeys::default(), &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidQuery);
}
