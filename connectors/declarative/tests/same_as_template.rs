//! The declarative `waste` table and the template crate it was written from give the same
//! cases for the same citizen, against the same simulator — the proof that a department can
//! be added by configuration alone. (The titles differ by design: the crate summarises every
//! item, the table names the first; the source names differ as the table is `waste`.)

use minwon_connector_declarative::{DeclarativeConfig, waste_table};
use minwon_connector_sdk::sim::Population;
use minwon_connector_sdk::{CallContext, Case, CitizenKeys, PersonalField, Rrn};
use minwon_connector_template::TemplateConfig;
use std::time::Duration;

fn ctx() -> CallContext {
    CallContext::with_budget(Duration::from_secs(5))
}

/// What both must agree on: everything but the source name, title and attributes.
fn comparable(c: &Case) -> impl PartialEq + std::fmt::Debug {
    (
        c.native_id.clone(),
        c.kind,
        c.status,
        c.source_status.clone(),
        c.amount_krw,
        c.opened_at,
        c.updated_at,
        c.due_date,
        c.department.clone(),
        c.contact.clone(),
        c.personal.clone(),
        c.attributes.get("collection_date").cloned(),
    )
}

#[tokio::test]
async fn the_declarative_table_and_the_template_crate_give_the_same_cases() {
    let pop = Population::default_demo();
    let sim = minwon_connector_template::sim::start(pop.clone(), ([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    let crate_conn = TemplateConfig::new(sim.base_url())
        .build()
        .unwrap()
        .connector;
    let table = waste_table(&sim.base_url()).unwrap();
    let declarative = DeclarativeConfig::from_toml("waste", table)
        .unwrap()
        .build()
        .unwrap()
        .connector;
    let mut compared = 0;
    for citizen in pop.citizens().iter().take(12) {
        let keys = CitizenKeys {
            rrn: Some(Rrn::parse(&citizen.rrn).unwrap()),
            ..CitizenKeys::default()
        };
        let a = crate_conn.fetch_cases(&keys, &ctx()).await.unwrap();
        let b = declarative.fetch_cases(&keys, &ctx()).await.unwrap();
        assert_eq!(
            a.iter().map(comparable).collect::<Vec<_>>(),
            b.iter().map(comparable).collect::<Vec<_>>(),
            "citizen {}",
            citizen.index
        );
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(y.source, "waste");
            assert!(y.title.starts_with("대형폐기물 배출 신고 ("), "{}", y.title);
            // The detail look-up agrees too.
            let one = declarative.get_case(&x.native_id, &ctx()).await.unwrap();
            assert_eq!(comparable(&one), comparable(x));
        }
        compared += a.len();
    }
    assert!(compared >= 10, "enough bookings compared: {compared}");
    let (dc, dd) = (crate_conn.descriptor(), declarative.descriptor());
    assert_eq!(
        (dc.kind.as_str(), &dc.accepts),
        (dd.kind.as_str(), &dd.accepts)
    );
    let mut personal = dd.personal_fields.clone();
    personal.sort();
    assert_eq!(
        personal,
        vec![
            PersonalField::Name,
            PersonalField::Phone,
            PersonalField::Address
        ]
    );
    assert_eq!(dd.department, "자원순환과");
}
