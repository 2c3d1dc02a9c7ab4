//! The connector against its simulator over real HTTP: every application of a citizen with
//! its payment details, the status table over a population, the detail call, and the
//! descriptor.

use minwon_connector_sdk::sim::synth::FULL_COVERAGE;
use minwon_connector_sdk::sim::{Population, SimHandle};
use minwon_connector_sdk::{
    CallContext, CaseKind, CaseStatus, CitizenKeys, Connector, ErrorKind, KeyKind, PersonalField,
    Rrn,
};
use minwon_connector_welfare::sim::{Register, sim_today};
use minwon_connector_welfare::{WelfareConfig, WelfareConnector};
use std::collections::HashSet;
use std::time::Duration;

async fn sim() -> SimHandle {
    minwon_connector_welfare::sim::start(Population::default_demo(), ([127, 0, 0, 1], 0).into())
        .await
        .unwrap()
}

fn connector(base_url: &str) -> WelfareConnector {
    WelfareConnector::new(WelfareConfig::new(base_url)).unwrap()
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
async fn full_coverage_citizens_get_every_application_with_payment_details() {
    let sim = sim().await;
    let pop = Population::default_demo();
    let register = Register::new(&pop);
    let conn = connector(&sim.base_url());
    for c in &pop.citizens()[..FULL_COVERAGE] {
        let (_, expected) = register.by_rrn(&c.rrn).unwrap();
        let cases = conn.fetch_cases(&keys(&c.rrn), &ctx()).await.unwrap();
        assert!(cases.len() >= 2);
        assert_eq!(
            cases
                .iter()
                .map(|c| c.native_id.as_str())
                .collect::<Vec<_>>(),
            expected.iter().map(|a| a.no.as_str()).collect::<Vec<_>>()
        );
        for (case, app) in cases.iter().zip(expected) {
            assert_eq!(case.kind, CaseKind::WelfareApplication);
            assert_eq!(case.title, format!("{} 신청", app.programme.name));
            assert_eq!(case.source_status, app.status);
            assert_eq!(case.personal.name.as_deref(), Some(c.name.as_str()));
            assert_eq!(case.personal.phone.as_deref(), Some(c.phone.as_str()));
            assert_eq!(case.personal.address.as_deref(), Some(c.address.as_str()));
            assert_eq!(
                case.personal.account_number.is_some(),
                app.account.is_some()
            );
            assert_eq!(case.amount_krw, app.monthly);
            assert_eq!(case.department, app.programme.dept);
            assert!(case.contact.starts_with("031-980-"));
            assert!(case.opened_at.is_some() && case.updated_at.is_some());
            if matches!(app.status, "지급중" | "지급결정") {
                let next = &case.attributes["next_payment_date"];
                assert!(next.as_str() > sim_today().to_string().as_str(), "{next}");
                assert!(case.attributes.contains_key("monthly_amount"));
            }
        }
    }
}

#[tokio::test]
async fn statuses_across_the_population_map_through_the_table() {
    let sim = sim().await;
    let pop = Population::default_demo();
    let conn = connector(&sim.base_url());
    let mut seen = HashSet::new();
    let mut empty = 0;
    for c in &pop.citizens()[..120] {
        let cases = conn.fetch_cases(&keys(&c.rrn), &ctx()).await.unwrap();
        empty += usize::from(cases.is_empty());
        assert_eq!(cases.is_empty(), !pop.has_records(c, "welfare"));
        for case in cases {
            seen.insert(case.status);
            if case.status == CaseStatus::Unknown {
                assert_eq!(case.source_status, "환수결정");
            }
        }
    }
    assert!(empty > 10, "citizens without records answer an empty list");
    for s in [
        CaseStatus::Received,
        CaseStatus::InProgress,
        CaseStatus::Completed,
        CaseStatus::Rejected,
        CaseStatus::Cancelled,
    ] {
        assert!(seen.contains(&s), "{s:?}");
    }
}

#[tokio::test]
async fn get_case_returns_the_listed_application_and_refuses_odd_ids() {
    let sim = sim().await;
    let conn = connector(&sim.base_url());
    let rrn = Population::default_demo().citizens()[2].rrn.clone();
    for listed in conn.fetch_cases(&keys(&rrn), &ctx()).await.unwrap() {
        assert_eq!(
            conn.get_case(&listed.native_id, &ctx()).await.unwrap(),
            listed
        );
    }
    for missing in ["WF-2026-99999999", "000000000000"] {
        let e = conn.get_case(missing, &ctx()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "{missing}");
    }
    for odd in ["", "a b", "../search", "x?rrn=1", &"9".repeat(65)] {
        let e = conn.get_case(odd, &ctx()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidQuery, "{odd:?}");
    }
}

#[tokio::test]
async fn descriptor_and_keys_without_rrn() {
    let conn = connector("http://127.0.0.1:9");
    let d = conn.descriptor();
    assert_eq!(
        (d.name.as_str(), d.kind.as_str()),
        ("welfare", "rest-json-oauth2")
    );
    assert_eq!(d.department, "복지정책과");
    assert_eq!(d.accepts, [KeyKind::Rrn]);
    assert_eq!(
        d.personal_fields,
        [
            PersonalField::Name,
            PersonalField::Phone,
            PersonalField::Address,
            PersonalField::AccountNumber
        ]
    );
    let e = conn
        .fetch_cases(&CitizenKeys::default(), &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidQuery);
}
