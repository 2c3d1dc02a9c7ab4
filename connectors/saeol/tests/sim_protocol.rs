//! The connector and the simulator together over real loopback HTTP: what the wire looks
//! like (EUC-KR, SOAPAction, faults with HTTP 500), complaint details, the knowledge base.

use minwon_connector_saeol::SaeolConfig;
use minwon_connector_saeol::schema::{CONTENT_TYPE, DEFAULT_SERVICE_PATH, Operation, el};
use minwon_connector_saeol::soap::write_request;
use minwon_connector_sdk::encoding::encode_euc_kr;
use minwon_connector_sdk::sim::{Population, SimHandle};
use minwon_connector_sdk::{BuiltConnector, CallContext, CaseStatus, CitizenKeys, ErrorKind, Rrn};
use std::time::Duration;

async fn setup() -> (Population, SimHandle, BuiltConnector) {
    let population = Population::default_demo();
    let sim =
        minwon_connector_saeol::sim::start(population.clone(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
    let built = SaeolConfig::new(sim.base_url()).build().unwrap();
    (population, sim, built)
}

fn ctx() -> CallContext {
    CallContext::with_budget(Duration::from_secs(5))
}

#[tokio::test]
async fn wire_is_soap_in_euc_kr() {
    let (_, sim, _) = setup().await;
    let url = format!("{}{DEFAULT_SERVICE_PATH}", sim.base_url());
    let body = encode_euc_kr(&write_request(
        Operation::SearchKnowledge,
        "4157000000",
        &[(el::SRCH_WRD, "여권")],
    ));
    let client = minwon_connector_sdk::http::tool_client();
    let resp = client
        .post(&url)
        .header("content-type", CONTENT_TYPE)
        .header("soapaction", Operation::SearchKnowledge.soap_action())
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], CONTENT_TYPE);
    let bytes = resp.bytes().await.unwrap();
    assert!(bytes.starts_with(b"<?xml version=\"1.0\" encoding=\"EUC-KR\"?>"));
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "Korean text is EUC-KR, not UTF-8"
    );

    // A wrong SOAPAction is a Client fault with HTTP 500, as SOAP 1.1 has it.
    let resp = client
        .post(&url)
        .header("content-type", CONTENT_TYPE)
        .header("soapaction", Operation::GetServerStatus.soap_action())
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 500);
    let text = String::from_utf8_lossy(&resp.bytes().await.unwrap()).into_owned();
    assert!(text.contains("UNKNOWN_OPERATION") && text.contains("soap:Client"));
}

#[tokio::test]
async fn complaints_carry_statuses_personal_fields_and_details() {
    let (population, _sim, built) = setup().await;
    let mut statuses = std::collections::HashSet::new();
    for c in population
        .citizens()
        .iter()
        .filter(|c| population.has_records(c, "saeol"))
        .take(40)
    {
        let keys = CitizenKeys {
            rrn: Some(Rrn::parse(&c.rrn).unwrap()),
            ..CitizenKeys::default()
        };
        let cases = built.connector.fetch_cases(&keys, &ctx()).await.unwrap();
        assert!((1..=4).contains(&cases.len()));
        for case in &cases {
            assert_ne!(case.status, CaseStatus::Unknown, "{}", case.source_status);
            statuses.insert(case.source_status.clone());
            assert_eq!(case.personal.name.as_deref(), Some(c.name.as_str()));
            assert_eq!(case.personal.phone.as_deref(), Some(c.phone.as_str()));
            assert_eq!(case.personal.address.as_deref(), Some(c.address.as_str()));
            assert!(case.contact.starts_with("031-980-"));
            assert!(!case.department.is_empty() && case.opened_at.is_some());
            let one = built
                .connector
                .get_case(&case.native_id, &ctx())
                .await
                .unwrap();
            assert_eq!(&one, case, "detail agrees with the list");
        }
    }
    for s in ["접수", "처리중", "처리완료", "반려"] {
        assert!(statuses.contains(s), "the sample shows {s}");
    }
    let e = built
        .connector
        .get_case("2026-9999999", &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let e = built
        .connector
        .get_case("<bad id>", &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidQuery);
}

#[tokio::test]
async fn knowledge_search_through_the_connector() {
    let (_, _sim, built) = setup().await;
    let kb = built.knowledge.expect("saeol serves the knowledge base");
    let (entries, total) = kb.search("여권", None, 5, &ctx()).await.unwrap();
    assert!(entries.len() == 5 && total >= 10);
    assert!(
        entries
            .iter()
            .any(|e| e.question.contains("여권 재발급 절차"))
    );
    assert!(entries.windows(2).all(|w| w[0].score >= w[1].score));
    let (entries, _) = kb.search("자동차세 연납", None, 3, &ctx()).await.unwrap();
    assert!(entries[0].question.contains("자동차세 연납 할인"));
    assert_eq!(entries[0].department, "세정과");
    let (entries, total) = kb.search("", Some("주민등록"), 100, &ctx()).await.unwrap();
    assert!(total >= 5 && entries.iter().all(|e| e.category == "주민등록"));
    let (entries, total) = kb
        .search("존재하지않는질문", None, 5, &ctx())
        .await
        .unwrap();
    assert!(entries.is_empty() && total == 0);
    let long = "가".repeat(500);
    let e = kb.search(&long, None, 5, &ctx()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidQuery);
}

#[tokio::test]
async fn unregistered_org_is_unauthorized() {
    let (_, sim, _) = setup().await;
    let mut cfg = SaeolConfig::new(sim.base_url());
    cfg.service_path = "/saeol/services/Nope".into();
    let e = cfg.build().unwrap().health.check(&ctx()).await.unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::Unavailable,
        "wrong path (HTTP 404) is not 'no data'"
    );
    let url = format!("{}{DEFAULT_SERVICE_PATH}", sim.base_url());
    let body = write_request(Operation::GetServerStatus, "41570", &[]);
    let resp = minwon_connector_sdk::http::tool_client()
        .post(url)
        .header("content-type", CONTENT_TYPE)
        .header("soapaction", Operation::GetServerStatus.soap_action())
        .body(encode_euc_kr(&body))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 500);
    assert!(String::from_utf8_lossy(&resp.bytes().await.unwrap()).contains("AUTH-ORG-001"));
}
