//! A `portal-xml` table for the local tax service, against the tax crate's simulator: the
//! portal envelope, service key, form body and page paging all come from the SDK, and the
//! bills match the tax crate's own connector.

use minwon_connector_declarative::DeclarativeConfig;
use minwon_connector_sdk::sim::Population;
use minwon_connector_sdk::{CallContext, CitizenKeys, Rrn};
use minwon_connector_tax::TaxConfig;
use std::time::Duration;

const TABLE: &str = r#"
kind = "portal-xml"
base_url = "BASE"
department = "세정과"
accepts = "rrn"
case_kind = "tax_bill"

[auth]
type = "service_key"
name = "serviceKey"
in = "query"
value = "minwon-demo-tax-key"

[search]
path = "/1741000/LocalTaxService/getLocalTaxBillList"
key_param = "rrn"
key_in = "form"
key_format = "digits"
paging = { type = "page", page_param = "pageNo", size_param = "numOfRows", size = 2, max_pages = 50 }

[detail]
path = "/1741000/LocalTaxService/getLocalTaxBillDetail"
id_param = "taxBillNo"
id_in = "form"

[mapping]
id = "taxBillNo"
title = "{taxItemNm} {taxYr}년 {levyPrdNm}"
status = "sttusNm"
amount = "taxAmt"
opened = "levyDe"
due = "dueDe"
department = "deptNm"
contact = "deptTelno"
personal = { name = "taxpayerNm", address = "objAddr", vehicle_number = "vhclNo", account_number = "vrtlAcntNo" }
status_table = { "미납" = "unpaid", "납부완료" = "paid", "체납" = "overdue", "이의신청" = "objection_filed" }
"#;

fn ctx() -> CallContext {
    CallContext::with_budget(Duration::from_secs(5))
}

#[tokio::test]
async fn a_portal_xml_table_pages_through_the_tax_simulator_like_the_crate() {
    let pop = Population::default_demo();
    let sim = minwon_connector_tax::sim::start(pop.clone(), ([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    let table = TABLE.replace("BASE", &sim.base_url());
    let built = DeclarativeConfig::from_toml_str("localtax", &table)
        .unwrap()
        .build()
        .unwrap();
    let tax = TaxConfig::new(sim.base_url()).build().unwrap().connector;
    let mut compared = 0;
    for citizen in pop.citizens().iter().take(6) {
        let keys = CitizenKeys {
            rrn: Some(Rrn::parse(&citizen.rrn).unwrap()),
            ..CitizenKeys::default()
        };
        let ours = built.connector.fetch_cases(&keys, &ctx()).await.unwrap();
        let theirs = tax.fetch_cases(&keys, &ctx()).await.unwrap();
        let view = |cs: &[minwon_connector_sdk::Case]| {
            cs.iter()
                .map(|c| {
                    (
                        c.native_id.clone(),
                        c.status,
                        c.amount_krw,
                        c.opened_at,
                        c.due_date,
                        c.personal.clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(view(&ours), view(&theirs), "citizen {}", citizen.index);
        if let Some(first) = ours.first() {
            let one = built
                .connector
                .get_case(&first.native_id, &ctx())
                .await
                .unwrap();
            assert_eq!(one.native_id, first.native_id);
        }
        compared += ours.len();
    }
    assert!(compared > 4, "bills compared: {compared}");
    built
        .health
        .check(&ctx())
        .await
        .expect("NODATA for the probe means up");
    // A wrong service key is the portal's own code 30: Unauthorized, the key never shown.
    let wrong = table.replace("minwon-demo-tax-key", "not-the-key-7f3a");
    let bad = DeclarativeConfig::from_toml_str("localtax", &wrong)
        .unwrap()
        .build()
        .unwrap();
    let e = bad.health.check(&ctx()).await.unwrap_err();
    assert_eq!(e.kind, minwon_connector_sdk::ErrorKind::Unauthorized, "{e}");
    assert!(!e.message.contains("not-the-key"));
}
