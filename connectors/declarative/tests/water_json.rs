//! A `rest-json` table keyed by the water customer number, with a constant parameter
//! (`months`), against the water crate's simulator: the bills match the water crate's own.

use minwon_connector_declarative::DeclarativeConfig;
use minwon_connector_sdk::sim::Population;
use minwon_connector_sdk::{CallContext, Case, CitizenKeys, KeyKind, WaterCustomerNo};
use minwon_connector_water::WaterConfig;
use std::time::Duration;

const TABLE: &str = r#"
kind = "rest-json"
base_url = "BASE"
department = "수도과"
accepts = "water_customer_no"
case_kind = "water_bill"

[search]
path = "/api/water/v2/bills/search"
key_param = "customerNo"
key_in = "json"
items = "bills"
params = { months = 24 }

[detail]
path = "/api/water/v2/bills/detail"
id_param = "billNo"
id_in = "json"
items = "bills"

[envelope]
code = "result.code"
ok = ["0000"]
codes = { "1001" = "not_found", "1002" = "not_found", "2001" = "invalid_query", "4290" = "rate_limited", "9001" = "unavailable" }

[mapping]
id = "billNo"
title = "{billingMonth} 상하수도 요금"
status = "status"
amount = "totalAmount"
opened = "issueDate"
updated = "paidDate"
due = "dueDate"
department = "officeName"
contact = "officeTel"
attributes = { usage_m3 = "usageM3" }
status_table = { "납부완료" = "paid", "미납" = "unpaid", "자동이체예정" = "unpaid", "분할납부" = "unpaid", "체납" = "overdue", "부과취소" = "cancelled" }
"#;

fn ctx() -> CallContext {
    CallContext::with_budget(Duration::from_secs(5))
}

#[tokio::test]
async fn a_customer_number_table_with_a_constant_parameter_matches_the_water_crate() {
    let pop = Population::default_demo();
    let sim = minwon_connector_water::sim::start(pop.clone(), ([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    let built =
        DeclarativeConfig::from_toml_str("waterbills", &TABLE.replace("BASE", &sim.base_url()))
            .unwrap()
            .build()
            .unwrap();
    assert_eq!(
        built.connector.descriptor().accepts,
        vec![KeyKind::WaterCustomerNo]
    );
    let mut cfg = WaterConfig::new(sim.base_url());
    cfg.months = 24;
    let water = cfg.build().unwrap().connector;
    let view = |cs: &[Case]| {
        cs.iter()
            .map(|c| {
                (
                    c.native_id.clone(),
                    c.status,
                    c.amount_krw,
                    c.opened_at,
                    c.due_date,
                )
            })
            .collect::<Vec<_>>()
    };
    let mut compared = 0;
    for citizen in pop.citizens().iter().take(6) {
        let keys = CitizenKeys {
            water_customer_no: Some(WaterCustomerNo::parse(&citizen.water_customer_no).unwrap()),
            ..CitizenKeys::default()
        };
        let ours = built.connector.fetch_cases(&keys, &ctx()).await.unwrap();
        let theirs = water.fetch_cases(&keys, &ctx()).await.unwrap();
        assert_eq!(view(&ours), view(&theirs), "citizen {}", citizen.index);
        compared += ours.len();
    }
    assert!(compared > 6, "bills compared: {compared}");
    built
        .health
        .check(&ctx())
        .await
        .expect("code 1002 for the probe means up");
}
