//! The traffic back-end simulator: the fine service and the bus route service over real HTTP
//! on loopback, the SDK's fault switch (`/_sim/fault`) merged in, fines from the synthetic
//! population.
//!
//! Behaviour: a wrong `serviceKey` gets the gateway's `OpenAPI_ServiceResponse` with reason
//! code 30; a missing parameter code 11, a malformed one code 10; no data code 03.
//! `numOfRows` above [`SimOptions::max_rows`] is clamped (and echoed). A per-service-key quota
//! ([`SimOptions::quota`]) answers every request past it as [`SimOptions::quota_answer`] says:
//! HTTP 200 with code 22, HTTP 429 with `Retry-After`, or both in turn. Faults: `http_500` →
//! HTTP 500, `envelope_error` → HTTP 200 with result code 22, `malformed` → HTTP 200 with a
//! truncated document, `hang`/`slow` via [`FaultSwitch::apply`].

mod bus;
mod fines;

pub use bus::{ROUTES, RouteDef};
pub use fines::{Fine, FineBook, sim_today};

use crate::protocol::{
    BUS_SERVICE_PATH, DEMO_SERVICE_KEY, FINE_SERVICE_PATH, OP_BUS_ROUTE, OP_BUS_ROUTE_LIST,
    OP_BUS_STATIONS, OP_FINE_DETAIL, OP_FINE_LIST, XML_CONTENT_TYPE, form_decode, form_value,
    param,
};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minwon_connector_sdk::VehicleNumber;
use minwon_connector_sdk::portal::{write_gateway_error, write_page, write_result_error};
use minwon_connector_sdk::sim::{FaultAction, FaultSwitch, Population, SimHandle, fault_router};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// How an exhausted quota is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaAnswer {
    /// HTTP 200 with result code 22 (`LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR`), the
    /// portal's usual way.
    ResultCode22,
    /// HTTP 429, with `Retry-After: <secs>` when given.
    TooManyRequests {
        /// The `Retry-After` seconds, if any.
        retry_after_secs: Option<u64>,
    },
    /// Code 22 and 429 in turn (the first refusal is code 22), as some gateways do.
    Alternate {
        /// The `Retry-After` seconds on the 429 answers, if any.
        retry_after_secs: Option<u64>,
    },
}

/// How the simulator behaves beyond the fault switch.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    /// The only service key accepted.
    pub service_key: String,
    /// Largest `numOfRows` served; larger requests are clamped, as portals do.
    pub max_rows: u32,
    /// Requests each service key may make (both services together) before its quota is
    /// exhausted; `None` means unlimited.
    pub quota: Option<u32>,
    /// How requests past the quota are answered.
    pub quota_answer: QuotaAnswer,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            service_key: DEMO_SERVICE_KEY.to_string(),
            max_rows: 1000,
            quota: None,
            quota_answer: QuotaAnswer::ResultCode22,
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

/// The simulator's routes (both services and `/_sim/fault`), for embedding in another server.
pub fn router(population: &Population, options: SimOptions, switch: FaultSwitch) -> Router {
    let state = Arc::new(SimState {
        book: FineBook::new(population),
        stop_ids: bus::stop_ids(),
        options,
        used: Mutex::default(),
        switch: switch.clone(),
    });
    let fine = |op: &str| format!("{FINE_SERVICE_PATH}/{op}");
    let bus = |op: &str| format!("{BUS_SERVICE_PATH}/{op}");
    Router::new()
        .route(&fine(OP_FINE_LIST), post(fine_list))
        .route(&fine(OP_FINE_DETAIL), post(fine_detail))
        .route(&bus(OP_BUS_ROUTE), get(bus::route_info))
        .route(&bus(OP_BUS_ROUTE_LIST), get(bus::route_list))
        .route(&bus(OP_BUS_STATIONS), get(bus::stations))
        .with_state(state)
        .merge(fault_router(switch))
}

/// Everything the services answer from.
struct SimState {
    book: FineBook,
    stop_ids: HashMap<&'static str, String>,
    options: SimOptions,
    /// Requests and refusals so far, by service key.
    used: Mutex<HashMap<String, (u32, u32)>>,
    switch: FaultSwitch,
}

type Shared = State<Arc<SimState>>;
type Params = Query<HashMap<String, String>>;
type ItemFields = Vec<(&'static str, String)>;

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, XML_CONTENT_TYPE)], body).into_response()
}

fn result_error(code: &str, msg: &str) -> Response {
    xml(write_result_error(code, msg))
}

fn quota_22() -> Response {
    result_error("22", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR")
}

impl SimState {
    /// Faults first (a broken back-end is broken for everyone), then the service key, then
    /// the key's quota.
    async fn gate(&self, query: &HashMap<String, String>) -> Option<Response> {
        match self.switch.apply().await {
            FaultAction::Proceed => {}
            FaultAction::Http500 => {
                return Some(
                    (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response(),
                );
            }
            FaultAction::EnvelopeError => return Some(quota_22()),
            FaultAction::Malformed => {
                let page = write_page(&[vec![("fineNo", "41570-2026-TF0000000".into())]], 10, 1, 1);
                let cut = page.len() * 2 / 3;
                let garbled = format!("{}<fineAmt>1<</", page.get(..cut).unwrap_or(&page));
                return Some(xml(garbled));
            }
        }
        match query.get(param::SERVICE_KEY) {
            Some(key) if *key == self.options.service_key => self.count(key),
            _ => Some(xml(write_gateway_error(
                "30",
                "SERVICE_KEY_IS_NOT_REGISTERED_ERROR",
            ))),
        }
    }

    /// Counts one request of `key`; past the quota, the refusal to send.
    fn count(&self, key: &str) -> Option<Response> {
        let limit = self.options.quota?;
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        let (requests, refusals) = used.entry(key.to_string()).or_default();
        *requests = requests.saturating_add(1);
        if *requests <= limit {
            return None;
        }
        *refusals = refusals.saturating_add(1);
        let too_many = |secs: Option<u64>| {
            let mut r = (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
            if let Some(s) = secs {
                r.headers_mut().insert(header::RETRY_AFTER, s.into());
            }
            r
        };
        Some(match self.options.quota_answer {
            QuotaAnswer::ResultCode22 => quota_22(),
            QuotaAnswer::TooManyRequests { retry_after_secs } => too_many(retry_after_secs),
            QuotaAnswer::Alternate { retry_after_secs } if *refusals % 2 == 0 => {
                too_many(retry_after_secs)
            }
            QuotaAnswer::Alternate { .. } => quota_22(),
        })
    }
}

/// A positive number parameter, with a default when absent; `Err` when malformed.
fn number(value: Option<&str>, default: u32) -> Result<u32, ()> {
    match value.map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) => v.parse::<u32>().ok().filter(|n| *n >= 1).ok_or(()),
    }
}

/// One page of `all` (`numOfRows`, `pageNo` as given), or code 03 when `all` is empty.
fn paged(
    st: &SimState,
    (rows, page): (Option<&str>, Option<&str>),
    all: Vec<ItemFields>,
) -> Response {
    let (Ok(rows), Ok(page_no)) = (number(rows, 10), number(page, 1)) else {
        return result_error("10", "INVALID_REQUEST_PARAMETER_ERROR");
    };
    if all.is_empty() {
        return result_error("03", "NODATA_ERROR");
    }
    let rows = rows.min(st.options.max_rows.max(1));
    let start = (page_no as usize - 1).saturating_mul(rows as usize);
    let total = all.len() as u32;
    let items: Vec<_> = all.into_iter().skip(start).take(rows as usize).collect();
    xml(write_page(&items, rows, page_no, total))
}

async fn fine_list(State(st): Shared, Query(query): Params, body: String) -> Response {
    if let Some(r) = st.gate(&query).await {
        return r;
    }
    let form = form_decode(&body);
    let plate = match form_value(&form, param::VHCL_NO).map(str::trim) {
        None | Some("") => return result_error("11", "NO_MANDATORY_REQUEST_PARAMETERS_ERROR"),
        Some(p) => match VehicleNumber::parse(p) {
            Ok(v) => v,
            Err(_) => return result_error("10", "INVALID_REQUEST_PARAMETER_ERROR"),
        },
    };
    let items = st
        .book
        .fines(plate.expose())
        .iter()
        .map(Fine::to_item)
        .collect();
    let paging = (
        form_value(&form, param::NUM_OF_ROWS),
        form_value(&form, param::PAGE_NO),
    );
    paged(&st, paging, items)
}

async fn fine_detail(State(st): Shared, Query(query): Params, body: String) -> Response {
    if let Some(r) = st.gate(&query).await {
        return r;
    }
    let form = form_decode(&body);
    let no = match form_value(&form, param::FINE_NO).map(str::trim) {
        None | Some("") => return result_error("11", "NO_MANDATORY_REQUEST_PARAMETERS_ERROR"),
        Some(n) => n,
    };
    match st.book.fine(no) {
        Some(f) => xml(write_page(&[f.to_item()], 1, 1, 1)),
        None => result_error("03", "NODATA_ERROR"),
    }
}
