//! The local tax back-end simulator: the portal-XML protocol over real HTTP on loopback, the
//! SDK's fault switch (`/_sim/fault`) merged in, bills from the synthetic population.
//!
//! Behaviour: a wrong `serviceKey` gets the gateway's `OpenAPI_ServiceResponse` with reason
//! code 30; a missing parameter code 11, a malformed one code 10; a taxpayer or bill without
//! data code 03. `numOfRows` above [`SimOptions::max_rows`] is clamped (and echoed). Faults:
//! `http_500` → HTTP 500, `envelope_error` → HTTP 200 with result code 22, `malformed` → HTTP
//! 200 with a truncated document, `hang`/`slow` via [`FaultSwitch::apply`].

mod data;

pub use data::{Bill, Ledger, TAX_YEARS, sim_today};

use crate::protocol::{
    DEMO_SERVICE_KEY, OP_DETAIL, OP_LIST, SERVICE_PATH, XML_CONTENT_TYPE, form_decode, form_value,
    param,
};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use minwon_connector_sdk::portal::{write_gateway_error, write_page, write_result_error};
use minwon_connector_sdk::sim::{FaultAction, FaultSwitch, Population, SimHandle, fault_router};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// How the simulator behaves beyond the fault switch.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    /// The only service key accepted.
    pub service_key: String,
    /// Largest `numOfRows` served; larger requests are clamped, as portals do.
    pub max_rows: u32,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            service_key: DEMO_SERVICE_KEY.to_string(),
            max_rows: 1000,
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
        ledger: Ledger::new(population),
        options,
        switch: switch.clone(),
    });
    Router::new()
        .route(&format!("{SERVICE_PATH}/{OP_LIST}"), post(list))
        .route(&format!("{SERVICE_PATH}/{OP_DETAIL}"), post(detail))
        .with_state(state)
        .merge(fault_router(switch))
}

struct SimState {
    ledger: Ledger,
    options: SimOptions,
    switch: FaultSwitch,
}

type Shared = State<Arc<SimState>>;
type Params = Query<HashMap<String, String>>;

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, XML_CONTENT_TYPE)], body).into_response()
}

fn result_error(code: &str, msg: &str) -> Response {
    xml(write_result_error(code, msg))
}

impl SimState {
    /// Faults first (a broken back-end is broken for everyone), then the service key.
    async fn gate(&self, query: &HashMap<String, String>) -> Option<Response> {
        match self.switch.apply().await {
            FaultAction::Proceed => {}
            FaultAction::Http500 => {
                return Some(
                    (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response(),
                );
            }
            FaultAction::EnvelopeError => {
                return Some(result_error(
                    "22",
                    "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR",
                ));
            }
            FaultAction::Malformed => {
                let page = write_page(
                    &[vec![("taxBillNo", "41570-2026-00000000".into())]],
                    10,
                    1,
                    1,
                );
                let cut = page.len() * 2 / 3;
                let garbled = format!("{}<taxAmt>1<</", page.get(..cut).unwrap_or(&page));
                return Some(xml(garbled));
            }
        }
        if query.get(param::SERVICE_KEY) != Some(&self.options.service_key) {
            return Some(xml(write_gateway_error(
                "30",
                "SERVICE_KEY_IS_NOT_REGISTERED_ERROR",
            )));
        }
        None
    }
}

/// A positive number parameter, with a default when absent; `Err` when malformed.
fn number(form: &[(String, String)], name: &str, default: u32) -> Result<u32, ()> {
    match form_value(form, name).map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) => v.parse::<u32>().ok().filter(|n| *n >= 1).ok_or(()),
    }
}

async fn list(State(st): Shared, Query(query): Params, body: String) -> Response {
    if let Some(r) = st.gate(&query).await {
        return r;
    }
    let form = form_decode(&body);
    let rrn = match form_value(&form, param::RRN).map(str::trim) {
        None | Some("") => return result_error("11", "NO_MANDATORY_REQUEST_PARAMETERS_ERROR"),
        Some(r) if r.len() == 13 && r.bytes().all(|b| b.is_ascii_digit()) => r,
        Some(_) => return result_error("10", "INVALID_REQUEST_PARAMETER_ERROR"),
    };
    let (Ok(rows), Ok(page_no)) = (
        number(&form, param::NUM_OF_ROWS, 10),
        number(&form, param::PAGE_NO, 1),
    ) else {
        return result_error("10", "INVALID_REQUEST_PARAMETER_ERROR");
    };
    let rows = rows.min(st.options.max_rows.max(1));
    let bills = st.ledger.bills(rrn);
    if bills.is_empty() {
        return result_error("03", "NODATA_ERROR");
    }
    let start = (page_no as usize - 1).saturating_mul(rows as usize);
    let items: Vec<_> = bills
        .iter()
        .skip(start)
        .take(rows as usize)
        .map(Bill::to_item)
        .collect();
    xml(write_page(&items, rows, page_no, bills.len() as u32))
}

async fn detail(State(st): Shared, Query(query): Params, body: String) -> Response {
    if let Some(r) = st.gate(&query).await {
        return r;
    }
    let form = form_decode(&body);
    let no = match form_value(&form, param::TAX_BILL_NO).map(str::trim) {
        None | Some("") => return result_error("11", "NO_MANDATORY_REQUEST_PARAMETERS_ERROR"),
        Some(n) => n,
    };
    match st.ledger.bill(no) {
        Some(b) => xml(write_page(&[b.to_item()], 1, 1, 1)),
        None => result_error("03", "NODATA_ERROR"),
    }
}
