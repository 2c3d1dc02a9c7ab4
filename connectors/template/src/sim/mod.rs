//! The booking service simulator: the JSON protocol over real HTTP on loopback, with the SDK's
//! fault switch (`POST /_sim/fault`) merged in and bookings from the synthetic population
//! ([`data`]).
//!
//! Every protocol request first passes the fault switch ([`FaultSwitch::apply`] does the
//! waiting for `slow` and `hang`), then:
//!
//! | fault / situation | answer |
//! |---|---|
//! | `none`, `slow` | normal answer (after `delay_ms`) |
//! | `hang` | no answer, ever |
//! | `http_500` | HTTP 500 |
//! | `envelope_error` | HTTP 200 with result code 9001 (the protocol's own error) |
//! | `malformed` | HTTP 200 with truncated JSON |
//! | body not the request JSON, bad RRN | HTTP 400, code 2001 |
//! | applicant without bookings / unknown booking | HTTP 200, code 1001 / 1002 |

mod data;

pub use data::{Booking, Ledger, OFFICE, sim_today};

use crate::protocol::{DETAIL_PATH, DetailRequest, JSON_CONTENT_TYPE, SEARCH_PATH, SearchRequest};
use crate::protocol::{code, field};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use minwon_connector_sdk::Rrn;
use minwon_connector_sdk::sim::{FaultAction, FaultSwitch, Population, SimHandle, fault_router};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;

/// Starts the simulator on `addr` (port 0 picks a free port); it serves until the handle is
/// shut down or dropped.
pub async fn start(population: Population, addr: SocketAddr) -> std::io::Result<SimHandle> {
    SimHandle::serve(router(&population, FaultSwitch::default()), addr).await
}

/// Starts the simulator serving the records the population holds for the source named
/// `source` (e.g. a declarative connector's table name) instead of this crate's own.
pub async fn start_for(
    source: &str,
    population: Population,
    addr: SocketAddr,
) -> std::io::Result<SimHandle> {
    SimHandle::serve(
        router_for(source, &population, FaultSwitch::default()),
        addr,
    )
    .await
}

/// The simulator's routes (the protocol and `/_sim/fault`), for embedding in another server.
pub fn router(population: &Population, switch: FaultSwitch) -> Router {
    router_for(crate::NAME, population, switch)
}

/// The routes, serving the records the population holds for `source`.
pub fn router_for(source: &str, population: &Population, switch: FaultSwitch) -> Router {
    let state = Arc::new(SimState {
        ledger: Ledger::for_source(population, source),
        switch: switch.clone(),
    });
    // PROTOCOL: the back-end's routes.
    Router::new()
        .route(SEARCH_PATH, post(search))
        .route(DETAIL_PATH, post(detail))
        .with_state(state)
        .merge(fault_router(switch))
}

struct SimState {
    ledger: Ledger,
    switch: FaultSwitch,
}

type Shared = State<Arc<SimState>>;

fn answer(status: StatusCode, body: &Value) -> Response {
    let headers = [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)];
    (status, headers, body.to_string()).into_response()
}

fn result(result_code: &str, message: &str) -> Value {
    json!({ field::RESULT: { field::CODE: result_code, "message": message } })
}

fn bookings_answer(bookings: &[Booking]) -> Response {
    let mut body = result(code::OK, "정상 처리되었습니다.");
    body[field::BOOKINGS] = bookings.iter().map(Booking::to_json).collect();
    answer(StatusCode::OK, &body)
}

fn invalid() -> Response {
    let body = result(code::INVALID_REQUEST, "요청 형식이 올바르지 않습니다.");
    answer(StatusCode::BAD_REQUEST, &body)
}

/// Applies the fault switch; `Err` is the faulty answer to send instead of the real one.
// PROTOCOL: what each fault looks like in this protocol (the in-band error and the garbage).
async fn gate(switch: &FaultSwitch) -> Result<(), Response> {
    match switch.apply().await {
        FaultAction::Proceed => Ok(()),
        FaultAction::Http500 => {
            Err((StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response())
        }
        FaultAction::EnvelopeError => Err(answer(
            StatusCode::OK,
            &result(code::SYSTEM_ERROR, "배출 신고 DB 연결 오류가 발생했습니다."),
        )),
        FaultAction::Malformed => {
            let cut = r#"{"result":{"code":"0000"},"bookings":[{"bookingNo":"LW-2026-00"#;
            Err(([(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], cut).into_response())
        }
    }
}

async fn search(State(st): Shared, body: Bytes) -> Response {
    if let Err(r) = gate(&st.switch).await {
        return r;
    }
    let Ok(req) = serde_json::from_slice::<SearchRequest>(&body) else {
        return invalid();
    };
    // The back-end checks the key's format as a real one would.
    let Ok(rrn) = Rrn::parse(&req.rrn) else {
        return invalid();
    };
    match st.ledger.bookings(rrn.expose()) {
        Some(list) => bookings_answer(list),
        None => answer(
            StatusCode::OK,
            &result(code::NO_BOOKINGS, "배출 신고 내역이 없습니다."),
        ),
    }
}

async fn detail(State(st): Shared, body: Bytes) -> Response {
    if let Err(r) = gate(&st.switch).await {
        return r;
    }
    let Ok(req) = serde_json::from_slice::<DetailRequest>(&body) else {
        return invalid();
    };
    match st.ledger.booking(req.booking_no.trim()) {
        Some(b) => bookings_answer(std::slice::from_ref(b)),
        None => answer(
            StatusCode::OK,
            &result(code::NO_BOOKING, "신고 내역이 없습니다."),
        ),
    }
}
