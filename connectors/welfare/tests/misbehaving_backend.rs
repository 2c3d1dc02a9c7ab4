//! The connector against tiny hand-written back-ends that misbehave in ways the simulator does
//! not: refusing every token, a wrong token URL, oversized bodies, 403 instead of 401. Also
//! pins what goes on the wire: the RRN in the JSON body (never the URL), the bearer header,
//! and the token request form.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::IntoResponse;
use axum::routing::post;
use minwon_connector_sdk::sim::SimHandle;
use minwon_connector_sdk::{CallContext, CitizenKeys, Connector, ConnectorError, ErrorKind, Rrn};
use minwon_connector_welfare::protocol::{SEARCH_PATH, TOKEN_PATH, form_decode, form_value};
use minwon_connector_welfare::{WelfareConfig, WelfareConnector};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const RRN: &str = "900101-1234567";

/// One request as the back-end saw it: path and query, `Authorization`, body.
#[derive(Debug, Clone)]
struct Seen {
    uri: String,
    auth: String,
    body: String,
}

type Log = Arc<Mutex<Vec<Seen>>>;

const TOKEN_OK: &str = r#"{"access_token":"t0k3n","token_type":"Bearer","expires_in":300}"#;
const EMPTY_SEARCH: &str = r#"{"result":{"code":"0000"},"data":{"applicant":null,"benefits":[]}}"#;

/// Serves fixed answers: `token` on the token endpoint and `api` on the search endpoint.
async fn backend(token: (u16, String), api: (u16, String)) -> (SimHandle, Log) {
    let log: Log = Arc::default();
    let handler = |answer: (u16, String)| {
        move |State(log): State<Log>, uri: Uri, headers: HeaderMap, body: String| {
            let answer = answer.clone();
            async move {
                let auth = headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                log.lock().unwrap().push(Seen {
                    uri: uri.to_string(),
                    auth,
                    body,
                });
                let status = StatusCode::from_u16(answer.0).unwrap();
                (
                    status,
                    [(header::CONTENT_TYPE, "application/json")],
                    answer.1,
                )
                    .into_response()
            }
        }
    };
    let router: Router = Router::new()
        .route(TOKEN_PATH, post(handler(token)))
        .route(SEARCH_PATH, post(handler(api)))
        .with_state(log.clone());
    let sim = SimHandle::serve(router, ([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    (sim, log)
}

async fn fetch_with(cfg: WelfareConfig) -> Result<usize, ConnectorError> {
    let conn = WelfareConnector::new(cfg).unwrap();
    let keys = CitizenKeys {
        rrn: Some(Rrn::parse(RRN).unwrap()),
        ..CitizenKeys::default()
    };
    conn.fetch_cases(&keys, &CallContext::with_budget(Duration::from_secs(5)))
        .await
        .map(|c| c.len())
}

async fn fetch(sim: &SimHandle) -> Result<usize, ConnectorError> {
    fetch_with(WelfareConfig::new(sim.base_url())).await
}

fn count(log: &Log, path: &str) -> usize {
    log.lock()
        .unwrap()
        .iter()
        .filter(|s| s.uri.starts_with(path))
        .count()
}

#[tokio::test]
async fn a_second_401_is_unauthorized_after_exactly_one_refresh() {
    let (sim, log) = backend((200, TOKEN_OK.into()), (401, String::new())).await;
    let e = fetch(&sim).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized, "{e}");
    assert!(!e.kind.counts_as_failure());
    assert_eq!((count(&log, TOKEN_PATH), count(&log, SEARCH_PATH)), (2, 2));
}

#[tokio::test]
async fn a_403_is_unauthorized_without_a_refresh() {
    let body = r#"{"result":{"code":"E403","message":"insufficient_scope"}}"#;
    let (sim, log) = backend((200, TOKEN_OK.into()), (403, body.into())).await;
    assert_eq!(fetch(&sim).await.unwrap_err().kind, ErrorKind::Unauthorized);
    assert_eq!((count(&log, TOKEN_PATH), count(&log, SEARCH_PATH)), (1, 1));
}

#[tokio::test]
async fn what_goes_on_the_wire() {
    let (sim, log) = backend((200, TOKEN_OK.into()), (200, EMPTY_SEARCH.into())).await;
    assert_eq!(fetch(&sim).await.unwrap(), 0);
    let log = log.lock().unwrap();
    let (token, search) = (&log[0], &log[1]);
    let form = form_decode(&token.body);
    assert_eq!(form_value(&form, "grant_type"), Some("client_credentials"));
    assert_eq!(form_value(&form, "client_id"), Some("minwon-hub"));
    assert_eq!(form_value(&form, "scope"), Some("welfare.read"));
    assert_eq!(
        token.auth, "",
        "client_secret_post: no Authorization header"
    );
    assert_eq!(search.uri, SEARCH_PATH, "nothing in the query string");
    assert!(!search.uri.contains("900101") && !search.uri.contains("rrn"));
    assert_eq!(search.auth, "Bearer t0k3n");
    let body: serde_json::Value = serde_json::from_str(&search.body).unwrap();
    assert_eq!(body, serde_json::json!({"rrn": RRN}));
}

#[tokio::test]
async fn token_endpoint_failures_are_classified() {
    for (status, body, kind) in [
        (
            401,
            r#"{"error":"invalid_client"}"#,
            ErrorKind::Unauthorized,
        ),
        (
            400,
            r#"{"error":"invalid_request"}"#,
            ErrorKind::Unauthorized,
        ),
        (503, "", ErrorKind::Unavailable),
        (500, r#"{"error":"server_error"}"#, ErrorKind::Unavailable),
        (404, "no such path", ErrorKind::Unavailable),
        (
            200,
            r#"{"error":"temporarily_unavailable"}"#,
            ErrorKind::Unavailable,
        ),
        (200, r#"{"access_token":"a b c"}"#, ErrorKind::BadResponse),
        (200, "<html>login</html>", ErrorKind::BadResponse),
    ] {
        let (sim, log) = backend((status, body.into()), (200, EMPTY_SEARCH.into())).await;
        let e = fetch(&sim).await.unwrap_err();
        assert_eq!(e.kind, kind, "{status} {body}: {e}");
        assert_eq!(count(&log, SEARCH_PATH), 0, "no API call without a token");
    }
}

#[tokio::test]
async fn a_wrong_token_url_is_unavailable_never_not_found() {
    let (sim, _) = backend((200, TOKEN_OK.into()), (200, EMPTY_SEARCH.into())).await;
    let mut cfg = WelfareConfig::new(sim.base_url());
    cfg.token_url = Some(format!("{}/oauth/token", sim.base_url()));
    let e = fetch_with(cfg).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable, "{e}");
}

#[tokio::test]
async fn a_token_answer_without_expires_in_is_still_used() {
    let (sim, log) = backend(
        (200, r#"{"access_token":"x"}"#.into()),
        (200, EMPTY_SEARCH.into()),
    )
    .await;
    let conn = WelfareConnector::new(WelfareConfig::new(sim.base_url())).unwrap();
    let keys = CitizenKeys {
        rrn: Some(Rrn::parse(RRN).unwrap()),
        ..CitizenKeys::default()
    };
    for _ in 0..3 {
        conn.fetch_cases(&keys, &CallContext::with_budget(Duration::from_secs(5)))
            .await
            .unwrap();
    }
    assert_eq!(count(&log, TOKEN_PATH), 1);
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_before_parsing() {
    let huge = format!(
        r#"{{"result":{{"code":"0000"}},"data":{{"benefits":[],"pad":"{}"}}}}"#,
        "가".repeat(20_000)
    );
    let (sim, _) = backend((200, TOKEN_OK.into()), (200, huge)).await;
    let mut cfg = WelfareConfig::new(sim.base_url());
    cfg.http.max_body_bytes = 16 * 1024;
    let e = fetch_with(cfg.clone()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse);
    assert!(e.message.contains("limit"), "{e}");
    let huge_token = format!(r#"{{"access_token":"{}"}}"#, "a".repeat(40_000));
    let (sim, _) = backend((200, huge_token), (200, EMPTY_SEARCH.into())).await;
    cfg.base_url = sim.base_url();
    let e = fetch_with(cfg).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
}
