//! The connector against tiny hand-written back-ends that misbehave in ways the simulator does
//! not: cyclic cursors, endless empty pages, endless fresh cursors, a rejected own cursor,
//! another vehicle's ticket, oversized bodies, 429s. Also pins that the plate travels in the
//! JSON body, never in the URL. None of them may make the connector loop forever.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use minwon_connector_parking::protocol::{SEARCH_PATH, error_body};
use minwon_connector_parking::{ParkingConfig, ParkingConnector};
use minwon_connector_sdk::sim::SimHandle;
use minwon_connector_sdk::{
    CallContext, CitizenKeys, Connector, ConnectorError, ErrorKind, VehicleNumber,
};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PLATE: &str = "12가3456";
const OTHER_PLATE: &str = "98너7654";

type Seen = Arc<Mutex<Vec<(String, Value)>>>;

fn item(n: usize, plate: &str) -> Value {
    json!({"ticketNo": format!("T{n}"), "category": "violation", "vehicleNo": plate,
           "ownerName": "홍길동", "status": "부과", "amount": 40000,
           "place": "김포시 사우동 사우중로 12 앞"})
}

fn page(items: Vec<Value>, next: Option<&str>) -> Response {
    json_ok(json!({"items": items, "nextCursor": next}).to_string())
}

fn json_ok(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Serves `answer(cursor)` on the search path, recording (URI, body) of each request.
async fn backend(answer: fn(Option<&str>) -> Response) -> (SimHandle, Seen) {
    let seen: Seen = Arc::default();
    let handler = move |State(seen): State<Seen>, uri: Uri, body: String| async move {
        let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let resp = answer(v["cursor"].as_str());
        seen.lock().unwrap().push((uri.to_string(), v));
        resp
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
    cfg: impl FnOnce(&mut ParkingConfig),
) -> Result<usize, ConnectorError> {
    let mut config = ParkingConfig::new(sim.base_url());
    config.max_pages = 10;
    cfg(&mut config);
    let conn = ParkingConnector::new(config).unwrap();
    let keys = CitizenKeys {
        vehicle_numbers: vec![VehicleNumber::parse(PLATE).unwrap()],
        ..CitizenKeys::default()
    };
    let result = conn
        .fetch_cases(&keys, &CallContext::with_budget(Duration::from_secs(5)))
        .await;
    if let Err(e) = &result {
        let text = format!("{e} {e:?}");
        assert!(!text.contains(PLATE) && !text.contains(OTHER_PLATE) && !text.contains("홍길동"));
    }
    result.map(|c| c.len())
}

async fn fetch(sim: &SimHandle) -> Result<usize, ConnectorError> {
    fetch_with(sim, |_| {}).await
}

#[tokio::test]
async fn a_cyclic_cursor_ends_with_bad_response_not_an_endless_loop() {
    let (sim, seen) = backend(|cursor| match cursor {
        None => page(vec![item(1, PLATE)], Some("a")),
        Some("a") => page(vec![item(2, PLATE)], Some("b")),
        _ => page(vec![item(3, PLATE)], Some("a")),
    })
    .await;
    let e = fetch(&sim).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    assert_eq!(
        seen.lock().unwrap().len(),
        3,
        "stops at the first repeated cursor"
    );
}

#[tokio::test]
async fn endless_empty_pages_with_a_next_cursor_stop() {
    let (sim, seen) = backend(|cursor| {
        let n = cursor.map_or(0, |c| c.len());
        page(vec![], Some(&"x".repeat(n + 1)))
    })
    .await;
    assert_eq!(fetch(&sim).await.unwrap_err().kind, ErrorKind::BadResponse);
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn endless_fresh_cursors_stop_at_max_pages() {
    let (sim, seen) = backend(|cursor| {
        let n = cursor.map_or(0, |c| c.len());
        page(vec![item(n, PLATE)], Some(&"x".repeat(n + 1)))
    })
    .await;
    let e = fetch_with(&sim, |c| c.max_pages = 7).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    assert!(e.message.contains("max_pages"), "{e}");
    assert_eq!(seen.lock().unwrap().len(), 7);
}

#[tokio::test]
async fn a_back_end_refusing_its_own_cursor_is_bad_response() {
    let (sim, seen) = backend(|cursor| match cursor {
        None => page(vec![item(1, PLATE)], Some("expired")),
        Some(_) => (
            StatusCode::BAD_REQUEST,
            error_body("INVALID_CURSOR", "유효하지 않은 커서입니다"),
        )
            .into_response(),
    })
    .await;
    let e = fetch(&sim).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn the_plate_travels_in_the_json_body_never_in_the_url() {
    let (sim, seen) = backend(|cursor| match cursor {
        None => page(vec![item(1, PLATE), item(2, PLATE)], Some("p2")),
        Some(_) => page(vec![item(3, PLATE)], None),
    })
    .await;
    assert_eq!(fetch(&sim).await.unwrap(), 3);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    for (uri, body) in seen.iter() {
        assert_eq!(uri, SEARCH_PATH);
        assert_eq!(body["vehicleNo"], PLATE);
        assert_eq!(body["limit"], 20);
    }
    assert!(seen[0].1["cursor"].is_null());
    assert_eq!(seen[1].1["cursor"], "p2");
}

#[tokio::test]
async fn another_vehicles_ticket_and_repeated_tickets_are_refused() {
    let (sim, _) = backend(|_| page(vec![item(1, PLATE), item(2, OTHER_PLATE)], None)).await;
    assert_eq!(fetch(&sim).await.unwrap_err().kind, ErrorKind::BadResponse);
    let (sim, _) = backend(|cursor| match cursor {
        None => page(vec![item(1, PLATE)], Some("p2")),
        Some(_) => page(vec![item(1, PLATE)], None),
    })
    .await;
    assert_eq!(fetch(&sim).await.unwrap_err().kind, ErrorKind::BadResponse);
}

#[tokio::test]
async fn a_page_larger_than_asked_or_than_the_body_limit_is_refused() {
    let (sim, _) = backend(|_| page((0..30).map(|n| item(n, PLATE)).collect(), None)).await;
    assert_eq!(fetch(&sim).await.unwrap_err().kind, ErrorKind::BadResponse);
    let (sim, _) = backend(|_| page((0..10).map(|n| item(n, PLATE)).collect(), None)).await;
    let e = fetch_with(&sim, |c| c.http.max_body_bytes = 1024)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    assert!(e.message.contains("limit"), "{e}");
}

#[tokio::test]
async fn rate_limits_and_unknown_error_codes_are_classified_failures() {
    let (sim, _) = backend(|_| {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "7")],
            error_body("RATE_LIMITED", "잠시 후 다시 시도하세요"),
        )
            .into_response()
    })
    .await;
    let e = fetch(&sim).await.unwrap_err();
    assert_eq!(
        (e.kind, e.retry_after),
        (ErrorKind::RateLimited, Some(Duration::from_secs(7)))
    );
    let (sim, _) = backend(|_| json_ok(error_body("홍길동 12가3456", "x"))).await;
    let e = fetch(&sim).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable, "{e}");
    assert!(e.kind.counts_as_failure());
}
