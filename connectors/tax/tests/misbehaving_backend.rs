//! The connector against tiny hand-written back-ends that misbehave in ways the simulator does
//! not: lying about `totalCount`, quota errors with HTTP 429 or 403, EUC-KR bodies. Also pins
//! that the RRN travels in the form body, never in the URL.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use minwon_connector_sdk::encoding::encode_euc_kr;
use minwon_connector_sdk::portal::{write_gateway_error, write_page};
use minwon_connector_sdk::sim::SimHandle;
use minwon_connector_sdk::{CallContext, CitizenKeys, Connector, ErrorKind, Rrn};
use minwon_connector_tax::protocol::{OP_LIST, SERVICE_PATH, field, form_decode, form_value};
use minwon_connector_tax::{TaxConfig, TaxConnector};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const RRN: &str = "900101-1234567";

type Seen = Arc<Mutex<Vec<(String, String)>>>;

fn item(n: u32) -> Vec<(&'static str, String)> {
    vec![
        (field::TAX_BILL_NO, format!("B{n}")),
        (field::TAX_ITEM_NM, "주민세".into()),
        (field::TAX_YR, "2026".into()),
        (field::TAX_AMT, "11000".into()),
        (field::STTUS_NM, "미납".into()),
    ]
}

/// Serves `answer(page_no)` on the list operation, recording (query, body) of each request.
async fn backend(answer: fn(u32) -> Response) -> (SimHandle, Seen) {
    let seen: Seen = Arc::default();
    let handler = move |State(seen): State<Seen>, RawQuery(q): RawQuery, body: String| async move {
        let page: u32 = form_value(&form_decode(&body), "pageNo")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        seen.lock().unwrap().push((q.unwrap_or_default(), body));
        answer(page)
    };
    let router = Router::new()
        .route(&format!("{SERVICE_PATH}/{OP_LIST}"), post(handler))
        .with_state(seen.clone());
    let sim = SimHandle::serve(router, ([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    (sim, seen)
}

async fn fetch(sim: &SimHandle) -> Result<usize, minwon_connector_sdk::ConnectorError> {
    let conn = TaxConnector::new(TaxConfig::new(sim.base_url())).unwrap();
    let keys = CitizenKeys {
        rrn: Some(Rrn::parse(RRN).unwrap()),
        ..CitizenKeys::default()
    };
    conn.fetch_cases(&keys, &CallContext::with_budget(Duration::from_secs(5)))
        .await
        .map(|c| c.len())
}

fn xml(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "application/xml;charset=UTF-8")],
        body,
    )
        .into_response()
}

#[tokio::test]
async fn a_back_end_announcing_more_than_it_delivers_ends_with_bad_response() {
    let (sim, seen) = backend(|page| {
        let items: Vec<_> = if page == 1 {
            (0..10).map(item).collect()
        } else {
            vec![]
        };
        xml(write_page(&items, 10, page, 40))
    })
    .await;
    let e = fetch(&sim).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    assert_eq!(
        seen.lock().unwrap().len(),
        2,
        "stops at the first empty page"
    );
}

#[tokio::test]
async fn the_rrn_travels_in_the_form_body_never_in_the_url() {
    let (sim, seen) = backend(|page| {
        let start = (page - 1) * 10;
        let items: Vec<_> = (start..(start + 10).min(12)).map(item).collect();
        xml(write_page(&items, 10, page, 12))
    })
    .await;
    assert_eq!(fetch(&sim).await.unwrap(), 12);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    for (query, body) in seen.iter() {
        assert!(
            !query.contains("9001011234567") && !query.contains("rrn"),
            "{query}"
        );
        assert!(query.starts_with("serviceKey="), "{query}");
        assert_eq!(form_value(&form_decode(body), "rrn"), Some("9001011234567"));
    }
}

#[tokio::test]
async fn an_absurd_total_count_costs_one_request() {
    let (sim, seen) = backend(|page| xml(write_page(&[item(1)], 10, page, 4_000_000_000))).await;
    assert_eq!(fetch(&sim).await.unwrap_err().kind, ErrorKind::BadResponse);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn quota_errors_are_rate_limited_with_any_http_status() {
    let (sim, _) = backend(|_| {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "7")],
            "slow down",
        )
            .into_response()
    })
    .await;
    let e = fetch(&sim).await.unwrap_err();
    assert_eq!(
        (e.kind, e.retry_after),
        (ErrorKind::RateLimited, Some(Duration::from_secs(7)))
    );
    let (sim, _) = backend(|_| {
        let body = write_gateway_error("22", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR");
        (StatusCode::FORBIDDEN, body).into_response()
    })
    .await;
    assert_eq!(fetch(&sim).await.unwrap_err().kind, ErrorKind::RateLimited);
}

#[tokio::test]
async fn euc_kr_bodies_are_decoded() {
    let (sim, _) = backend(|page| {
        let body = encode_euc_kr(&write_page(&[item(1), item(2)], 10, page, 2));
        ([(header::CONTENT_TYPE, "text/xml;charset=euc-kr")], body).into_response()
    })
    .await;
    assert_eq!(fetch(&sim).await.unwrap(), 2);
}
