//! A test back-end for declarative tables that need OAuth2 and paging: bulky-waste bookings
//! (the template simulator's ledger, drawn for the source `bulky`) behind a client-credentials
//! token endpoint (the SDK's simulator issuer), searched page by page over real loopback HTTP —
//! by cursor (`POST /api/bulky/v1/cursor`) or by offset (`POST /api/bulky/v1/offset`) — with
//! the SDK's fault switch on the API and [`Quirk`]s a test turns on to make it lie.
//!
//! Requests are JSON: `{"rrn", "cursor"?, "size"?}` / `{"rrn", "offset", "limit"}` /
//! `{"bookingNo"}`; answers `{"result":{"code"}, "bookings":[…], "paging":{"next"}, "total"}`
//! with the template's codes (`1001` no bookings, `1002` no such booking, `2001` bad request,
//! `9001` system error). A request without a live token gets HTTP 401.

#![allow(dead_code)] // each test file uses its own part

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use minwon_connector_sdk::sim::oauth2::{Issuer, SimStats, TokenPolicy, json_headers};
use minwon_connector_sdk::sim::{FaultAction, FaultSwitch, Population, SimHandle, fault_router};
use minwon_connector_template::sim::Ledger;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The source name the ledger is drawn for.
pub const SOURCE: &str = "bulky";
/// The client the token endpoint accepts.
pub const CLIENT_ID: &str = "minwon-hub";
/// Its secret.
pub const CLIENT_SECRET: &str = "bulky-s3cret-7f";
/// The scope granted.
pub const SCOPE: &str = "bookings.read";

/// Ways the back-end lies, one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Quirk {
    /// Honest.
    #[default]
    None,
    /// Every cursor page after the first names the first page's next cursor again.
    RepeatCursor,
    /// Pages after the first are empty, while the total (offset) or a next cursor (cursor)
    /// still promises more.
    EmptyPageEarly,
    /// The offset answer claims a total of a million.
    HugeTotal,
    /// Every page holds one record more than asked (while records last).
    OversizedPage,
    /// Every API request is refused with HTTP 401, whatever the token.
    RejectTokens,
    /// The token endpoint answers HTTP 500.
    TokenEndpointDown,
}

/// The back-end's state, shared with the test.
pub struct Gateway {
    issuer: Issuer,
    policy: TokenPolicy,
    ledger: Ledger,
    switch: FaultSwitch,
    quirk: Mutex<Quirk>,
    searches: AtomicU64,
}

impl Gateway {
    /// The token endpoint's and the bearer check's counters.
    pub fn stats(&self) -> SimStats {
        self.issuer.stats()
    }

    /// Search requests answered (every page counts).
    pub fn searches(&self) -> u64 {
        self.searches.load(Ordering::SeqCst)
    }

    /// Forgets every issued token: the next API call gets a 401.
    pub fn revoke_tokens(&self) -> usize {
        self.issuer.revoke_all()
    }

    /// Turns a lie on (or off with [`Quirk::None`]).
    pub fn set_quirk(&self, q: Quirk) {
        *self.quirk.lock().unwrap() = q;
    }

    fn quirk(&self) -> Quirk {
        *self.quirk.lock().unwrap()
    }

    /// The booking numbers of the citizen with this RRN, in the ledger's order.
    pub fn booking_numbers(&self, rrn: &str) -> Vec<String> {
        self.ledger
            .bookings(rrn)
            .unwrap_or_default()
            .iter()
            .map(|b| b.no.clone())
            .collect()
    }
}

/// Starts the back-end for `population` on a free loopback port.
pub async fn start(population: &Population) -> (SimHandle, Arc<Gateway>) {
    let switch = FaultSwitch::default();
    let gw = Arc::new(Gateway {
        issuer: Issuer::default(),
        policy: TokenPolicy {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            scope: SCOPE.into(),
            token_ttl_secs: 300,
            realm: SOURCE.into(),
        },
        ledger: Ledger::for_source(population, SOURCE),
        switch: switch.clone(),
        quirk: Mutex::new(Quirk::None),
        searches: AtomicU64::new(0),
    });
    let router = Router::new()
        .route("/oauth2/token", post(token))
        .route("/api/bulky/v1/cursor", post(cursor_search))
        .route("/api/bulky/v1/offset", post(offset_search))
        .route("/api/bulky/v1/detail", post(detail))
        .with_state(gw.clone())
        .merge(fault_router(switch));
    let sim = SimHandle::serve(router, ([127, 0, 0, 1], 0).into())
        .await
        .expect("the test back-end starts");
    (sim, gw)
}

type Shared = State<Arc<Gateway>>;

fn reply(status: StatusCode, body: Value) -> Response {
    (status, json_headers(), body.to_string()).into_response()
}

fn coded(status: StatusCode, code: &str) -> Response {
    reply(
        status,
        json!({ "result": { "code": code, "message": "…" } }),
    )
}

async fn token(State(gw): Shared, headers: HeaderMap, body: String) -> Response {
    if gw.quirk() == Quirk::TokenEndpointDown {
        return (StatusCode::INTERNAL_SERVER_ERROR, "down").into_response();
    }
    gw.issuer.token_endpoint(&gw.policy, &headers, &body)
}

/// Faults, then the bearer token; `Err` is the answer to send instead.
async fn gate(gw: &Gateway, headers: &HeaderMap) -> Result<(), Response> {
    match gw.switch.apply().await {
        FaultAction::Proceed => {}
        FaultAction::Http500 => {
            return Err((StatusCode::INTERNAL_SERVER_ERROR, "oops").into_response());
        }
        FaultAction::EnvelopeError => return Err(coded(StatusCode::OK, "9001")),
        FaultAction::Malformed => {
            return Err(
                (json_headers(), r#"{"result":{"code":"0000"},"bookings":[{"#).into_response(),
            );
        }
    }
    if !gw.issuer.admit(headers) || gw.quirk() == Quirk::RejectTokens {
        return Err(coded(StatusCode::UNAUTHORIZED, "4010"));
    }
    Ok(())
}

/// The citizen's bookings as JSON, or the status and result code to answer instead.
fn bookings_of(gw: &Gateway, body: &Value) -> Result<Vec<Value>, (StatusCode, &'static str)> {
    let rrn = body.get("rrn").and_then(Value::as_str);
    let Some(rrn) = rrn.filter(|r| minwon_connector_sdk::Rrn::parse(r).is_ok()) else {
        return Err((StatusCode::BAD_REQUEST, "2001"));
    };
    match gw.ledger.bookings(rrn) {
        Some(list) => Ok(list.iter().map(|b| b.to_json()).collect()),
        None => Err((StatusCode::OK, "1001")),
    }
}

fn cursor_for(offset: usize) -> String {
    format!("bk{offset:05}z")
}

fn offset_of(cursor: &str) -> Option<usize> {
    cursor.strip_prefix("bk")?.strip_suffix('z')?.parse().ok()
}

fn page(all: &[Value], offset: usize, n: usize) -> Vec<Value> {
    all.iter().skip(offset).take(n).cloned().collect()
}

async fn cursor_search(State(gw): Shared, headers: HeaderMap, body: String) -> Response {
    if let Err(r) = gate(&gw, &headers).await {
        return r;
    }
    gw.searches.fetch_add(1, Ordering::SeqCst);
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return coded(StatusCode::BAD_REQUEST, "2001");
    };
    let all = match bookings_of(&gw, &body) {
        Ok(a) => a,
        Err((status, code)) => return coded(status, code),
    };
    let size = body.get("size").and_then(Value::as_u64).unwrap_or(100) as usize;
    let offset = match body.get("cursor").and_then(Value::as_str) {
        None => 0,
        Some(c) => match offset_of(c) {
            Some(o) => o,
            None => return coded(StatusCode::OK, "1002"),
        },
    };
    let quirk = gw.quirk();
    let take = if quirk == Quirk::OversizedPage {
        size + 1
    } else {
        size
    };
    let mut items = page(&all, offset, take);
    let end = offset + items.len();
    let mut next = (end < all.len()).then(|| cursor_for(end));
    match quirk {
        Quirk::RepeatCursor if offset > 0 => next = Some(cursor_for(size)),
        Quirk::EmptyPageEarly if offset > 0 => {
            items.clear();
            next = Some(cursor_for(offset + size));
        }
        _ => {}
    }
    reply(
        StatusCode::OK,
        json!({ "result": { "code": "0000" }, "bookings": items, "paging": { "next": next } }),
    )
}

async fn offset_search(State(gw): Shared, headers: HeaderMap, body: String) -> Response {
    if let Err(r) = gate(&gw, &headers).await {
        return r;
    }
    gw.searches.fetch_add(1, Ordering::SeqCst);
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return coded(StatusCode::BAD_REQUEST, "2001");
    };
    let all = match bookings_of(&gw, &body) {
        Ok(a) => a,
        Err((status, code)) => return coded(status, code),
    };
    let (Some(offset), Some(limit)) = (
        body.get("offset").and_then(Value::as_u64),
        body.get("limit").and_then(Value::as_u64),
    ) else {
        return coded(StatusCode::BAD_REQUEST, "2001");
    };
    let (offset, limit) = (offset as usize, limit as usize);
    let quirk = gw.quirk();
    let take = if quirk == Quirk::OversizedPage {
        limit + 1
    } else {
        limit
    };
    let mut items = page(&all, offset, take);
    let mut total = all.len();
    match quirk {
        Quirk::EmptyPageEarly if offset > 0 => items.clear(),
        Quirk::HugeTotal => total = 1_000_000,
        _ => {}
    }
    reply(
        StatusCode::OK,
        json!({ "result": { "code": "0000" }, "bookings": items, "total": total }),
    )
}

async fn detail(State(gw): Shared, headers: HeaderMap, body: String) -> Response {
    if let Err(r) = gate(&gw, &headers).await {
        return r;
    }
    let no = serde_json::from_str::<Value>(&body).ok().and_then(|v| {
        v.get("bookingNo")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    let Some(no) = no else {
        return coded(StatusCode::BAD_REQUEST, "2001");
    };
    match gw.ledger.booking(&no) {
        Some(b) => reply(
            StatusCode::OK,
            json!({ "result": { "code": "0000" }, "bookings": [b.to_json()] }),
        ),
        None => coded(StatusCode::OK, "1002"),
    }
}

/// The `bulky` table (TOML text): the waste example's mapping behind OAuth2, searched by
/// `paging` (a TOML inline table), against the back-end at `base_url`.
pub fn table(base_url: &str, paging: &str, client_secret: &str, client_auth: &str) -> String {
    let path = if paging.contains("\"offset\"") {
        "offset"
    } else {
        "cursor"
    };
    format!(
        r#"
kind = "rest-json"
base_url = "{base_url}"
department = "자원순환과"
accepts = "rrn"
case_kind = "other"

[auth]
type = "oauth2_client_credentials"
token_url = "{base_url}/oauth2/token"
client_id = "{CLIENT_ID}"
client_secret = "{client_secret}"
scope = "{SCOPE}"
client_auth = "{client_auth}"

[search]
path = "/api/bulky/v1/{path}"
key_param = "rrn"
key_in = "json"
items = "bookings"
paging = {paging}

[detail]
path = "/api/bulky/v1/detail"
id_param = "bookingNo"
id_in = "json"
items = "bookings"

[envelope]
code = "result.code"
ok = ["0000"]
codes = {{ "1001" = "not_found", "1002" = "not_found", "2001" = "invalid_query", "9001" = "unavailable" }}

[mapping]
id = "bookingNo"
title = "대형폐기물 배출 신고 ({{items.0.itemName}})"
status = "status"
amount = "totalFee"
opened = "appliedDate"
due = "collectionDate"
department = "deptName"
contact = "deptTel"
personal = {{ name = "applicantName", phone = "applicantPhone", address = "collectionAddress" }}
status_table = {{ "접수" = "received", "수거예정" = "in_progress", "수거완료" = "completed", "취소" = "cancelled" }}
"#
    )
}

/// Cursor paging, `size` a page, at most `max_pages` pages.
pub fn cursor_paging(size: u32, max_pages: u32) -> String {
    format!(
        r#"{{ type = "cursor", cursor_param = "cursor", next = "paging.next", size_param = "size", size = {size}, max_pages = {max_pages} }}"#
    )
}

/// Offset paging, `limit` a page, at most `max_pages` pages, with the total when `total`.
pub fn offset_paging(limit: u32, max_pages: u32, total: bool) -> String {
    let total = if total { r#", total = "total""# } else { "" };
    format!(
        r#"{{ type = "offset", offset_param = "offset", limit_param = "limit", limit = {limit}, max_pages = {max_pages}{total} }}"#
    )
}
