//! The connector against tiny hand-written back-ends that misbehave in ways the simulator does
//! not: lying about `totalCount`, answering another vehicle's fines, the same fine under two
//! plates, EUC-KR bodies, a huge body. Also pins that plates travel in the form body, never in
//! the URL.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use minwon_connector_sdk::encoding::encode_euc_kr;
use minwon_connector_sdk::portal::write_page;
use minwon_connector_sdk::sim::SimHandle;
use minwon_connector_sdk::{CallContext, CitizenKeys, Connector, ConnectorError, ErrorKind};
use minwon_connector_traffic::protocol::{
    FINE_SERVICE_PATH, OP_FINE_LIST, field, form_decode, form_value, param,
};
use minwon_connector_traffic::{TrafficConfig, TrafficConnector};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PLATES: [&str; 2] = ["12가3456", "123나4567"];

type Seen = Arc<Mutex<Vec<(String, String)>>>;
type Answer = fn(&str, u32) -> Response;

/// A fine of `plate` numbered `n`.
fn item(plate: &str, n: u32) -> Vec<(&'static str, String)> {
    vec![
        (field::FINE_NO, format!("F{n}")),
        (field::FINE_SE_NM, "과태료".into()),
        (field::VIO_TYPE_NM, "신호위반".into()),
        (field::VHCL_NO, plate.into()),
        (field::FINE_AMT, "70000".into()),
        (field::STTUS_NM, "부과".into()),
    ]
}

fn xml(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "application/xml;charset=UTF-8")],
        body,
    )
        .into_response()
}

/// Serves `answer(plate, page_no)` on the list operation, recording (query, body).
async fn backend(answer: Answer) -> (SimHandle, Seen) {
    let seen: Seen = Arc::default();
    let handler = move |State(seen): State<Seen>, RawQuery(q): RawQuery, body: String| async move {
        let form = form_decode(&body);
        let page = form_value(&form, param::PAGE_NO)
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        let plate = form_value(&form, param::VHCL_NO).unwrap_or("").to_string();
        seen.lock().unwrap().push((q.unwrap_or_default(), body));
        answer(&plate, page)
    };
    let router = Router::new()
        .route(
            &format!("{FINE_SERVICE_PATH}/{OP_FINE_LIST}"),
            post(handler),
        )
        .with_state(seen.clone());
    let sim = SimHandle::serve(router, ([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    (sim, seen)
}

async fn fetch(sim: &SimHandle, max_body: Option<usize>) -> Result<usize, ConnectorError> {
    let mut cfg = TrafficConfig::new(sim.base_url());
    if let Some(m) = max_body {
        cfg.http.max_body_bytes = m;
    }
    let plates: Vec<String> = PLATES.iter().map(|p| p.to_string()).collect();
    let keys = CitizenKeys::parse("", &plates, "").unwrap();
    TrafficConnector::new(cfg)
        .unwrap()
        .fetch_cases(&keys, &CallContext::with_budget(Duration::from_secs(5)))
        .await
        .map(|c| c.len())
}

/// An honest back-end: 12 fines for the first plate, 1 for the second, numbered apart.
fn honest(plate: &str, page: u32) -> Response {
    let (total, base) = if plate == PLATES[0] {
        (12, 0)
    } else {
        (1, 100)
    };
    let start = (page - 1) * 10;
    let items: Vec<_> = (start..(start + 10).min(total))
        .map(|n| item(plate, base + n))
        .collect();
    xml(write_page(&items, 10, page, total))
}

#[tokio::test]
async fn plates_travel_in_the_form_body_never_in_the_url() {
    let (sim, seen) = backend(honest).await;
    assert_eq!(fetch(&sim, None).await.unwrap(), 13);
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.len(),
        3,
        "two pages for the first plate, one for the second"
    );
    for (query, body) in seen.iter() {
        assert!(
            query.starts_with("serviceKey=") && !query.contains("vhclNo"),
            "{query}"
        );
        let plate = form_value(&form_decode(body), param::VHCL_NO).map(str::to_string);
        assert!(PLATES.iter().any(|p| Some(p.to_string()) == plate));
        for p in PLATES {
            assert!(
                !query.contains(&minwon_connector_traffic::protocol::form_encode(&[("", p)])[1..])
            );
        }
    }
}

#[tokio::test]
async fn a_fine_of_another_vehicle_is_refused_as_bad_response() {
    let (sim, _) = backend(|_, page| xml(write_page(&[item("99다9999", 1)], 10, page, 1))).await;
    let e = fetch(&sim, None).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    assert!(!PLATES.iter().any(|p| e.message.contains(p)) && !e.message.contains("99다9999"));
}

#[tokio::test]
async fn the_same_fine_under_two_plates_is_bad_response() {
    let (sim, _) = backend(|plate, page| xml(write_page(&[item(plate, 7)], 10, page, 1))).await;
    assert_eq!(
        fetch(&sim, None).await.unwrap_err().kind,
        ErrorKind::BadResponse
    );
}

#[tokio::test]
async fn a_back_end_announcing_more_than_it_delivers_ends_with_bad_response() {
    let (sim, _) = backend(|plate, page| {
        let items: Vec<_> = if page == 1 {
            (0..10).map(|n| item(plate, n)).collect()
        } else {
            vec![]
        };
        xml(write_page(&items, 10, page, 40))
    })
    .await;
    assert_eq!(
        fetch(&sim, None).await.unwrap_err().kind,
        ErrorKind::BadResponse
    );
}

#[tokio::test]
async fn euc_kr_bodies_are_decoded() {
    let (sim, _) = backend(|plate, page| {
        let n = if plate == PLATES[0] { 1 } else { 2 };
        let body = encode_euc_kr(&write_page(&[item(plate, n)], 10, page, 1));
        ([(header::CONTENT_TYPE, "text/xml;charset=euc-kr")], body).into_response()
    })
    .await;
    assert_eq!(fetch(&sim, None).await.unwrap(), 2);
}

#[tokio::test]
async fn a_huge_body_is_refused_before_parsing() {
    let (sim, _) = backend(|plate, page| {
        let mut it = item(plate, 1);
        it.push((field::VIO_PLC_NM, "김포".repeat(200_000)));
        xml(write_page(&[it], 10, page, 1))
    })
    .await;
    let e = fetch(&sim, Some(64 * 1024)).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    assert!(e.message.contains("limit"), "{e}");
}
