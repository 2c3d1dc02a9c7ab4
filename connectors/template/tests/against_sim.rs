//! The connector against its simulator over HTTP, beyond the conformance kit: what a case
//! carries, the descriptor, and the body size limit refusing a big answer before parsing.

use minwon_connector_sdk::sim::{Population, SimHandle};
use minwon_connector_sdk::{
    CallContext, CaseStatus, CitizenKeys, ErrorKind, KeyKind, PersonalField, Rrn,
};
use minwon_connector_template::TemplateConfig;
use minwon_connector_template::mapping::STATUS_TABLE;
use std::time::Duration;

async fn sim() -> SimHandle {
    minwon_connector_template::sim::start(Population::default_demo(), ([127, 0, 0, 1], 0).into())
        .await
        .unwrap()
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
async fn a_full_coverage_citizen_gets_mapped_bookings_with_their_own_personal_fields() {
    let sim = sim().await;
    let built = TemplateConfig::new(sim.base_url()).build().unwrap();
    let pop = Population::default_demo();
    let citizen = &pop.citizens()[0];
    let cases = built
        .connector
        .fetch_cases(&keys(&citizen.rrn), &ctx())
        .await
        .unwrap();
    assert_eq!(cases.len(), 3, "full-coverage citizens have three bookings");
    for c in &cases {
        assert!(c.native_id.starts_with("LW-"), "{}", c.native_id);
        assert!(c.title.starts_with("대형폐기물 배출 신고 ("), "{}", c.title);
        assert!(STATUS_TABLE.iter().any(|(w, _)| *w == c.source_status));
        assert_ne!(c.status, CaseStatus::Unknown);
        assert!(c.amount_krw.unwrap() > 0 && c.due_date.is_some());
        assert_eq!(
            (c.department.as_str(), c.contact.as_str()),
            ("환경과", "031-980-2631")
        );
        assert_eq!(c.personal.name.as_deref(), Some(citizen.name.as_str()));
        assert_eq!(c.personal.phone.as_deref(), Some(citizen.phone.as_str()));
        assert_eq!(
            c.personal.address.as_deref(),
            Some(citizen.address.as_str())
        );
        assert_eq!(c.personal.rrn, None, "the key is not echoed into the case");
    }
    let d = built.connector.descriptor();
    assert_eq!(
        (d.name.as_str(), d.kind.as_str()),
        ("template", "rest-json")
    );
    assert_eq!(d.accepts, vec![KeyKind::Rrn]);
    assert!(d.personal_fields.contains(&PersonalField::Phone));
}

#[tokio::test]
async fn a_body_over_the_size_limit_is_refused_before_parsing() {
    let sim = sim().await;
    let mut cfg = TemplateConfig::new(sim.base_url());
    cfg.http.max_body_bytes = 200;
    let built = cfg.build().unwrap();
    let rrn = Population::default_demo().citizens()[0].rrn.clone();
    let e = built
        .connector
        .fetch_cases(&keys(&rrn), &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    assert!(e.message.contains("200-byte limit"), "{e}");
}
