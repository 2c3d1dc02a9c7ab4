//! The water billing back-end simulator: the JSON protocol over real HTTP on loopback, the
//! SDK's fault switch (`/_sim/fault`) and this simulator's throttle and maintenance switches
//! ([`control`]) merged in, bills from the synthetic population ([`data`]).
//!
//! Every protocol request passes, in order: the maintenance window (HTTP 503, `Retry-After`,
//! JSON notice), forced throttling (HTTP 429, `Retry-After`), the in-flight limit
//! ([`SimOptions::max_in_flight`]; over it, HTTP 429), then the fault switch: `http_500` →
//! HTTP 500, `envelope_error` → HTTP 200 with result code 9001, `malformed` → HTTP 200 with
//! truncated JSON, `hang`/`slow` via [`FaultSwitch::apply`]. A malformed request is HTTP 400
//! with code 2001; an unknown customer or bill is HTTP 200 with code 1001 / 1002.

pub mod control;
mod data;

pub use control::{Control, Maintenance, Throttle, get_throttle, set_maintenance, set_throttle};
pub use data::{Account, Bill, LATEST_MONTH, Ledger, MAX_HISTORY, OFFICE, sim_today};

use crate::protocol::{
    DETAIL_PATH, DetailRequest, JSON_CONTENT_TYPE, MAX_MONTHS, SEARCH_PATH, SearchRequest, code,
    field,
};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use minwon_connector_sdk::sim::{FaultAction, FaultSwitch, Population, SimHandle, fault_router};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How the simulator behaves beyond the switches.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    /// Protocol requests served at once; one more gets HTTP 429 ("under load").
    pub max_in_flight: usize,
    /// `Retry-After` seconds sent with an under-load 429 (`None`: no header).
    pub busy_retry_after_s: Option<u64>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            max_in_flight: 64,
            busy_retry_after_s: Some(1),
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
    let router = router(
        &population,
        options,
        FaultSwitch::default(),
        Control::default(),
    );
    SimHandle::serve(router, addr).await
}

/// The simulator's routes (the protocol, `/_sim/fault`, `/_sim/throttle`,
/// `/_sim/maintenance`), for embedding in another server.
pub fn router(
    population: &Population,
    options: SimOptions,
    switch: FaultSwitch,
    control: Control,
) -> Router {
    let state = Arc::new(SimState {
        ledger: Ledger::new(population),
        options,
        switch: switch.clone(),
        control: control.clone(),
        in_flight: Arc::default(),
    });
    Router::new()
        .route(SEARCH_PATH, post(search))
        .route(DETAIL_PATH, post(detail))
        .with_state(state)
        .merge(fault_router(switch))
        .merge(control.router())
}

struct SimState {
    ledger: Ledger,
    options: SimOptions,
    switch: FaultSwitch,
    control: Control,
    in_flight: Arc<AtomicUsize>,
}

type Shared = State<Arc<SimState>>;

/// Holds one in-flight slot; released when the request ends or is dropped.
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn answer(status: StatusCode, body: &Value, retry_after_s: Option<u64>) -> Response {
    let mut resp = (
        status,
        [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)],
        body.to_string(),
    )
        .into_response();
    if let Some(s) = retry_after_s {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    resp
}

fn result(result_code: &str, message: &str) -> Value {
    json!({ "result": { "code": result_code, "message": message } })
}

impl SimState {
    /// Maintenance, throttling, load and faults, in that order; `Ok` holds the request's
    /// in-flight slot for as long as it is served.
    async fn gate(&self) -> Result<InFlight, Response> {
        let m = self.control.maintenance();
        if m.on {
            let mut body = result(code::MAINTENANCE, "상수도 요금 시스템 정기 점검 중입니다.");
            body[field::MAINTENANCE] = json!({
                "notice": "정기 점검: 매월 셋째 주 일요일 02:00~06:00 (점검 중 요금 조회 불가)",
                "retryAfterSeconds": m.retry_after_s,
                "contact": "031-980-5421",
            });
            return Err(answer(
                StatusCode::SERVICE_UNAVAILABLE,
                &body,
                m.retry_after_s,
            ));
        }
        let too_many = result(
            code::TOO_MANY_REQUESTS,
            "요청이 많아 처리할 수 없습니다. 잠시 후 다시 시도해 주십시오.",
        );
        if let Some(retry_after) = self.control.take_throttled() {
            return Err(answer(
                StatusCode::TOO_MANY_REQUESTS,
                &too_many,
                retry_after,
            ));
        }
        let slot = InFlight(self.in_flight.clone());
        if self.in_flight.fetch_add(1, Ordering::SeqCst) >= self.options.max_in_flight {
            let retry_after = self.options.busy_retry_after_s;
            return Err(answer(
                StatusCode::TOO_MANY_REQUESTS,
                &too_many,
                retry_after,
            ));
        }
        match self.switch.apply().await {
            FaultAction::Proceed => Ok(slot),
            FaultAction::Http500 => {
                Err((StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response())
            }
            FaultAction::EnvelopeError => Err(answer(
                StatusCode::OK,
                &result(code::SYSTEM_ERROR, "요금 DB 연결 오류가 발생했습니다."),
                None,
            )),
            FaultAction::Malformed => {
                let cut = r#"{"result":{"code":"0000","message":"정상 처리"},"bills":[{"billNo":"W-202611-0"#;
                Err(([(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], cut).into_response())
            }
        }
    }
}

fn invalid() -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        &result(code::INVALID_REQUEST, "요청 형식이 올바르지 않습니다."),
        None,
    )
}

fn bills_answer(account: &Account, bills: &[Bill]) -> Response {
    let mut body = result(code::OK, "정상 처리되었습니다.");
    body[field::CUSTOMER] = account.customer_json();
    body[field::BILLS] = bills.iter().map(Bill::to_json).collect();
    answer(StatusCode::OK, &body, None)
}

async fn search(State(st): Shared, body: Bytes) -> Response {
    let _slot = match st.gate().await {
        Ok(slot) => slot,
        Err(r) => return r,
    };
    let Ok(req) = serde_json::from_slice::<SearchRequest>(&body) else {
        return invalid();
    };
    let no = req.customer_no.trim().replace('-', "");
    let valid_no = (6..=20).contains(&no.len()) && no.bytes().all(|b| b.is_ascii_digit());
    if !valid_no || !(1..=MAX_MONTHS).contains(&req.months) {
        return invalid();
    }
    match st.ledger.account(&no) {
        Some(a) => {
            let n = (req.months as usize).min(a.bills.len());
            bills_answer(a, &a.bills[..n])
        }
        None => answer(
            StatusCode::OK,
            &result(code::NO_CUSTOMER, "수용가 정보가 없습니다."),
            None,
        ),
    }
}

async fn detail(State(st): Shared, body: Bytes) -> Response {
    let _slot = match st.gate().await {
        Ok(slot) => slot,
        Err(r) => return r,
    };
    let Ok(req) = serde_json::from_slice::<DetailRequest>(&body) else {
        return invalid();
    };
    match st.ledger.bill(req.bill_no.trim()) {
        Some((account, bill)) => bills_answer(account, std::slice::from_ref(bill)),
        None => answer(
            StatusCode::OK,
            &result(code::NO_BILL, "고지 내역이 없습니다."),
            None,
        ),
    }
}
