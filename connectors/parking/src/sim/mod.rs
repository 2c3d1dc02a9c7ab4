//! The parking back-end simulator: the cursor-paged JSON protocol over real HTTP on loopback,
//! the SDK's fault switch (`/_sim/fault`) merged in, tickets from the synthetic population.
//!
//! Behaviour: a missing or wrong `X-API-Key` is HTTP 401 `UNAUTHORIZED`; a body that is not
//! JSON, a missing or malformed `vehicleNo` or a `limit` outside 1..=1000 is HTTP 400
//! `INVALID_REQUEST`; a cursor it did not issue for this plate is HTTP 400 `INVALID_CURSOR`; an
//! unknown ticket is HTTP 404 `NOT_FOUND`; a plate without tickets is an empty page. Pages hold
//! at most [`SimOptions::max_page_size`] tickets (3 by default), whatever `limit` asks, and each
//! search page waits [`SimOptions::page_delay`]. Faults: `http_500` → HTTP 500 with an HTML
//! page, `envelope_error` → HTTP 200 with a `DB_ERROR` error object, `malformed` → HTTP 200
//! with a truncated page, `hang`/`slow` via [`FaultSwitch::apply`].

mod cursor;
mod data;

pub use data::{Register, Ticket, sim_today};

use crate::protocol::{
    API_KEY_HEADER, DEMO_API_KEY, DETAIL_PATH, JSON_CONTENT_TYPE, SEARCH_PATH, code, error_body,
    field, req,
};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minwon_connector_sdk::VehicleNumber;
use minwon_connector_sdk::sim::{FaultAction, FaultSwitch, Population, SimHandle, fault_router};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How the simulator behaves beyond the fault switch.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    /// The only API key accepted.
    pub api_key: String,
    /// Most tickets per page, whatever the request's `limit` (3 by default, so the
    /// full-coverage citizens' tickets span at least three pages).
    pub max_page_size: usize,
    /// Delay before answering each search page (on top of the fault switch's delay).
    pub page_delay: Duration,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            api_key: DEMO_API_KEY.to_string(),
            max_page_size: 3,
            page_delay: Duration::ZERO,
        }
    }
}

/// Starts the simulator with default options on `addr` (port 0 picks a free port).
pub async fn start(population: Population, addr: SocketAddr) -> std::io::Result<SimHandle> {
    start_with(population, addr, SimOptions::default()).await
}

/// Starts the simulator with `options`.
pub async fn start_with(
    population: Population,
    addr: SocketAddr,
    options: SimOptions,
) -> std::io::Result<SimHandle> {
    SimHandle::serve(router(&population, options, FaultSwitch::default()), addr).await
}

/// The simulator's routes (the protocol and `/_sim/fault`), for embedding in another server.
pub fn router(population: &Population, options: SimOptions, switch: FaultSwitch) -> Router {
    let state = Arc::new(SimState {
        register: Register::new(population),
        secret: population.seed() ^ 0x5041_524b, // "PARK": cursors differ per population
        options,
        switch: switch.clone(),
    });
    Router::new()
        .route(SEARCH_PATH, post(search))
        .route(&format!("{DETAIL_PATH}/{{no}}"), get(detail))
        .with_state(state)
        .merge(fault_router(switch))
}

struct SimState {
    register: Register,
    secret: u64,
    options: SimOptions,
    switch: FaultSwitch,
}

type Shared = State<Arc<SimState>>;

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], body).into_response()
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(status, error_body(code, message))
}

impl SimState {
    /// Faults first (a broken back-end is broken for everyone), then the API key.
    async fn gate(&self, headers: &HeaderMap) -> Option<Response> {
        match self.switch.apply().await {
            FaultAction::Proceed => {}
            FaultAction::Http500 => {
                let page = "<html><body><h1>500 Internal Server Error</h1></body></html>";
                return Some(
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        [(header::CONTENT_TYPE, "text/html")],
                        page,
                    )
                        .into_response(),
                );
            }
            FaultAction::EnvelopeError => {
                return Some(error(
                    StatusCode::OK,
                    code::DB_ERROR,
                    "단속정보 DB 연결 실패",
                ));
            }
            FaultAction::Malformed => {
                let page = json!({ field::ITEMS: [{ field::TICKET_NO: "41570-PK-2026-000000000",
                    field::STATUS: "부과", field::AMOUNT: 40000 }], field::NEXT_CURSOR: null })
                .to_string();
                let cut = page.len() * 2 / 3;
                let garbled = format!("{}\"amount\":4", page.get(..cut).unwrap_or(&page));
                return Some(json_response(StatusCode::OK, garbled));
            }
        }
        let key = headers.get(API_KEY_HEADER).and_then(|v| v.to_str().ok());
        if key != Some(self.options.api_key.as_str()) {
            return Some(error(
                StatusCode::UNAUTHORIZED,
                code::UNAUTHORIZED,
                "API 키가 없거나 올바르지 않습니다",
            ));
        }
        None
    }
}

async fn search(State(st): Shared, headers: HeaderMap, body: String) -> Response {
    if let Some(r) = st.gate(&headers).await {
        return r;
    }
    let invalid = |m: &str| error(StatusCode::BAD_REQUEST, code::INVALID_REQUEST, m);
    let Ok(Value::Object(req)) = serde_json::from_str::<Value>(&body) else {
        return invalid("본문이 JSON 객체가 아닙니다");
    };
    let plate = match req.get(req::VEHICLE_NO).and_then(Value::as_str) {
        Some(p) => match VehicleNumber::parse(p) {
            Ok(v) => v.expose().to_string(),
            Err(_) => return invalid("vehicleNo 형식 오류"),
        },
        None => return invalid("vehicleNo 누락"),
    };
    let limit = match req.get(req::LIMIT) {
        None | Some(Value::Null) => st.options.max_page_size,
        Some(v) => match v.as_u64().filter(|n| (1..=1000).contains(n)) {
            Some(n) => n as usize,
            None => return invalid("limit 은 1 ~ 1000"),
        },
    };
    let offset = match req.get(req::CURSOR) {
        None | Some(Value::Null) => 0,
        Some(Value::String(c)) => match cursor::decode(st.secret, &plate, c) {
            Some(o) => o,
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    code::INVALID_CURSOR,
                    "유효하지 않은 커서입니다",
                );
            }
        },
        Some(_) => return invalid("cursor 는 문자열 또는 null"),
    };
    if !st.options.page_delay.is_zero() {
        tokio::time::sleep(st.options.page_delay).await;
    }
    let tickets = st.register.tickets(&plate);
    let size = limit.min(st.options.max_page_size.max(1));
    let end = (offset + size).min(tickets.len());
    let items: Vec<Value> = tickets
        .get(offset..end)
        .unwrap_or(&[])
        .iter()
        .map(Ticket::to_json)
        .collect();
    let next = (end < tickets.len()).then(|| cursor::encode(st.secret, &plate, end));
    let page = json!({ field::ITEMS: items, field::NEXT_CURSOR: next });
    json_response(StatusCode::OK, page.to_string())
}

async fn detail(State(st): Shared, headers: HeaderMap, Path(no): Path<String>) -> Response {
    if let Some(r) = st.gate(&headers).await {
        return r;
    }
    match st.register.ticket(&no) {
        Some(t) => json_response(
            StatusCode::OK,
            json!({ field::ITEM: t.to_json() }).to_string(),
        ),
        None => error(
            StatusCode::NOT_FOUND,
            code::NOT_FOUND,
            "해당 단속 건이 없습니다",
        ),
    }
}
