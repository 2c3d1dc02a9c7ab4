//! The connector against tiny hand-written back-ends that misbehave in ways the simulator does
//! not: answering about another customer, repeating a bill, oversized bodies, `Retry-After` in
//! the HTTP-date form, plain 5xx. Also pins that the customer number travels in the JSON body,
//! never in the URL.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use minwon_connector_sdk::http::HttpSettings;
use minwon_connector_sdk::sim::SimHandle;
use minwon_connector_sdk::{
    CallContext, CitizenKeys, Connector, ConnectorError, ErrorKind, WaterCustomerNo,
};
use minwon_connector_water::protocol::{JSON_CONTENT_TYPE, SEARCH_PATH, SearchRequest};
use minwon_connector_water::{WaterConfig, WaterConnector};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CUSTOMER_NO: &str = "201412345678";

type Seen = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

fn bill(no: &str) -> serde_json::Value {
    json!({"billNo": no, "billingMonth": "2026-11", "status": "미납", "totalAmount": 23_400})
}

fn ok_body(customer_no: &str, bills: Vec<serde_json::Value>) -> Response {
    let body = json!({
        "result": {"code": "0000", "message": "정상"},
        "customer": {"customerNo": customer_no, "customerName": "홍길동"},
        "bills": bills,
    });
    (
        [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)],
        body.to_string(),
    )
        .into_response()
}

/// Serves `answer(request_number)` (from 1) on the search path, recording (URI, body).
async fn backend(answer: fn(usize) -> Response) -> (SimHandle, Seen) {
    let seen: Seen = Arc::default();
    let handler = move |State(seen): State<Seen>, uri: Uri, body: axum::body::Bytes| async move {
        let n = {
            let mut s = seen.lock().unwrap();
            s.push((uri.to_string(), body.to_vec()));
            s.len()
        };
        answer(n)
    };
    let router = Router::new()
        .route(SEARCH_PATH, post(handler))
        .with_state(seen.clone());
    let sim = SimHandle::serve(router, ([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    (sim, seen)
}

async fn fetch_with(
    sim: &SimHandle,
    cfg: impl FnOnce(&mut WaterConfig),
) -> Result<usize, ConnectorError> {
    let mut config = WaterConfig::new(sim.base_url());
    cfg(&mut config);
    let conn = WaterConnector::new(config).unwrap();
    let keys = CitizenKeys {
        water_customer_no: Some(WaterCustomerNo::parse("2014-1234-5678").unwrap()),
        ..CitizenKeys::default()
    };
    conn.fetch_cases(&keys, &CallContext::with_budget(Duration::from_secs(5)))
        .await
        .map(|c| c.len())
}

async fn fetch(sim: &SimHandle) -> Result<usize, ConnectorError> {
    fetch_with(sim, |_| {}).await
}

#[tokio::test]
async fn the_customer_number_travels_in_the_json_body_never_in_the_url() {
    let (sim, seen) = backend(|_| ok_body(CUSTOMER_NO, vec![bill("B1"), bill("B2")])).await;
    assert_eq!(fetch(&sim).await.unwrap(), 2);
    let seen = seen.lock().unwrap();
    let (uri, body) = &seen[0];
    assert_eq!(uri, SEARCH_PATH);
    let req: SearchRequest = serde_json::from_slice(body).unwrap();
    assert_eq!((req.customer_no.as_str(), req.months), (CUSTOMER_NO, 12));
}

#[tokio::test]
async fn an_answer_about_another_customer_is_refused() {
    let (sim, _) = backend(|_| ok_body("209999999999", vec![bill("B1")])).await;
    let e = fetch(&sim).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    assert!(!e.message.contains("209999999999") && !e.message.contains(CUSTOMER_NO));
    let (sim, _) = backend(|_| ok_body("2014-1234-5678", vec![bill("B1")])).await;
    assert_eq!(
        fetch(&sim).await.unwrap(),
        1,
        "hyphens in the echo are fine"
    );
}

#[tokio::test]
async fn a_repeated_bill_number_is_bad_response() {
    let (sim, _) = backend(|_| ok_body(CUSTOMER_NO, vec![bill("B1"), bill("B1")])).await;
    assert_eq!(fetch(&sim).await.unwrap_err().kind, ErrorKind::BadResponse);
}

#[tokio::test]
async fn a_body_over_the_size_limit_is_refused_before_parsing() {
    let (sim, _) = backend(|_| {
        let bills = (0..2_000).map(|i| bill(&format!("B{i}"))).collect();
        ok_body(CUSTOMER_NO, bills)
    })
    .await;
    let e = fetch_with(&sim, |c| {
        c.http = HttpSettings {
            max_body_bytes: 16 * 1024,
            ..HttpSettings::default()
        }
    })
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
    assert!(e.message.contains("limit"), "{e}");
    assert_eq!(fetch(&sim).await.unwrap(), 2_000, "fits the default limit");
}

#[tokio::test]
async fn an_http_date_retry_after_counts_as_absent_and_the_default_backoff_applies() {
    let (sim, seen) = backend(|n| match n {
        1 => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "Wed, 21 Oct 2026 07:28:00 GMT")],
            "busy",
        )
            .into_response(),
        _ => ok_body(CUSTOMER_NO, vec![bill("B1")]),
    })
    .await;
    assert_eq!(
        fetch_with(&sim, |c| c.retry_default_backoff_ms = 50)
            .await
            .unwrap(),
        1
    );
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn plain_5xx_and_gateway_errors_are_not_retried_by_the_connector() {
    let (sim, seen) =
        backend(|_| (StatusCode::BAD_GATEWAY, [(header::RETRY_AFTER, "0")], "").into_response())
            .await;
    let e = fetch(&sim).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable);
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "the hub's retry layer decides"
    );
}

#[tokio::test]
async fn an_in_band_too_many_requests_is_rate_limited() {
    let (sim, seen) = backend(|_| {
        let body = json!({"result": {"code": "4290", "message": "잠시 후"}});
        (
            [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)],
            body.to_string(),
        )
            .into_response()
    })
    .await;
    assert_eq!(fetch(&sim).await.unwrap_err().kind, ErrorKind::RateLimited);
    assert_eq!(seen.lock().unwrap().len(), 1, "no Retry-After to honour");
}
