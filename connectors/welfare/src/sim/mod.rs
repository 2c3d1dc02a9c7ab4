//! The welfare back-end simulator: the OAuth2 token endpoint and the benefits API over real
//! HTTP on loopback, the SDK's fault switch (`/_sim/fault`) merged in, applications from the
//! synthetic population.
//!
//! Tokens are short-lived ([`SimOptions::token_ttl_secs`], 300 s by default; tests use 1–2 s)
//! so expiry is exercised for real. Test hooks: `POST /_sim/revoke-tokens` forgets every
//! issued token (the next API call gets a 401), `GET /_sim/stats` reports [`SimStats`].
//!
//! Faults apply to the token endpoint and the API alike (a broken back-end is broken for
//! everyone): `http_500` → HTTP 500; `envelope_error` → HTTP 200 with the protocol's in-band
//! error (`{"error":"temporarily_unavailable"}` from the token endpoint,
//! `{"result":{"code":"E500"}}` from the API); `malformed` → HTTP 200 with truncated JSON;
//! `hang`/`slow` via [`FaultSwitch::apply`].
//!
//! The token endpoint, the token store and the bearer check are the SDK's
//! [`minwon_connector_sdk::sim::oauth2`].

pub mod data;

pub use data::{Application, PROGRAMMES, Register, sim_today};

use crate::protocol::{
    DEFAULT_SCOPE, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DETAIL_PREFIX, SEARCH_PATH, TOKEN_PATH,
    code, field, oauth,
};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minwon_connector_sdk::Rrn;
/// The simulator's counters (`GET /_sim/stats`).
pub use minwon_connector_sdk::sim::oauth2::SimStats;
use minwon_connector_sdk::sim::oauth2::{Issuer, TokenPolicy, json_headers};
use minwon_connector_sdk::sim::{FaultAction, FaultSwitch, Population, SimHandle, fault_router};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How the simulator behaves beyond the fault switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOptions {
    /// The only client id accepted.
    pub client_id: String,
    /// The only client secret accepted.
    pub client_secret: String,
    /// Scope granted (space-separated); asking for anything else is `invalid_scope`.
    pub scope: String,
    /// Lifetime of issued tokens, in seconds (`expires_in`).
    pub token_ttl_secs: u64,
    /// Extra time the token endpoint takes, so tests can make concurrent refreshes overlap.
    pub token_delay: Duration,
}

impl SimOptions {
    /// What the token endpoint accepts and grants.
    fn token_policy(&self) -> TokenPolicy {
        TokenPolicy {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            scope: self.scope.clone(),
            token_ttl_secs: self.token_ttl_secs,
            realm: crate::NAME.to_string(),
        }
    }
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            client_id: DEMO_CLIENT_ID.to_string(),
            client_secret: DEMO_CLIENT_SECRET.to_string(),
            scope: DEFAULT_SCOPE.to_string(),
            token_ttl_secs: 300,
            token_delay: Duration::ZERO,
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

/// The simulator's routes (token endpoint, API, test hooks, `/_sim/fault`), for embedding.
pub fn router(population: &Population, options: SimOptions, switch: FaultSwitch) -> Router {
    let state = Arc::new(SimState {
        register: Register::new(population),
        issuer: Issuer::default(),
        policy: options.token_policy(),
        options,
        switch: switch.clone(),
    });
    Router::new()
        .route(TOKEN_PATH, post(token))
        .route(SEARCH_PATH, post(search))
        .route(&format!("{DETAIL_PREFIX}/{{id}}"), get(detail))
        .route("/_sim/revoke-tokens", post(revoke))
        .route("/_sim/stats", get(show_stats))
        .with_state(state)
        .merge(fault_router(switch))
}

/// Revokes every token the simulator at `base_url` issued, as a test would.
pub async fn revoke_tokens(base_url: &str) -> Result<(), String> {
    let url = format!("{}/_sim/revoke-tokens", base_url.trim_end_matches('/'));
    let resp = minwon_connector_sdk::http::tool_client()
        .post(url)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    resp.status()
        .is_success()
        .then_some(())
        .ok_or_else(|| format!("HTTP {}", resp.status()))
}

/// Reads the simulator's counters over HTTP.
pub async fn fetch_stats(base_url: &str) -> Result<SimStats, String> {
    let url = format!("{}/_sim/stats", base_url.trim_end_matches('/'));
    let resp = minwon_connector_sdk::http::tool_client()
        .get(url)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    serde_json::from_slice(&body).map_err(|e| e.to_string())
}

struct SimState {
    register: Register,
    issuer: Issuer,
    policy: TokenPolicy,
    options: SimOptions,
    switch: FaultSwitch,
}

type Shared = State<Arc<SimState>>;

fn json_reply(status: StatusCode, body: Value) -> Response {
    (status, json_headers(), body.to_string()).into_response()
}

fn api_error(status: StatusCode, result_code: &str, message: &str) -> Response {
    json_reply(
        status,
        json!({ field::RESULT: { field::CODE: result_code, field::MESSAGE: message } }),
    )
}

fn ok(data: Value) -> Response {
    json_reply(
        StatusCode::OK,
        json!({ field::RESULT: { field::CODE: code::OK, field::MESSAGE: "정상 처리되었습니다" }, field::DATA: data }),
    )
}

/// A real-looking answer cut short: JSON that does not parse.
fn truncated() -> Response {
    let text = json!({
        field::RESULT: { field::CODE: code::OK },
        field::DATA: { field::BENEFITS: [{ field::APPLICATION_NO: "WF-2026-00000000" }] },
    })
    .to_string();
    let cut = text.get(..text.len() * 2 / 3).unwrap_or(&text);
    let body = format!("{cut}{{\"monthlyAmount\":34");
    (StatusCode::OK, json_headers(), body).into_response()
}

async fn token(State(st): Shared, headers: HeaderMap, body: String) -> Response {
    match st.switch.apply().await {
        FaultAction::Proceed => {}
        FaultAction::Http500 => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response();
        }
        FaultAction::EnvelopeError => {
            return json_reply(
                StatusCode::OK,
                json!({ oauth::ERROR: "temporarily_unavailable", oauth::ERROR_DESCRIPTION: "인증 서버 점검 중입니다" }),
            );
        }
        FaultAction::Malformed => return truncated(),
    }
    if !st.options.token_delay.is_zero() {
        tokio::time::sleep(st.options.token_delay).await;
    }
    st.issuer.token_endpoint(&st.policy, &headers, &body)
}

impl SimState {
    /// Faults first, then the bearer token.
    async fn gate(&self, headers: &HeaderMap) -> Option<Response> {
        match self.switch.apply().await {
            FaultAction::Proceed => {}
            FaultAction::Http500 => {
                return Some(
                    (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response(),
                );
            }
            FaultAction::EnvelopeError => {
                return Some(api_error(
                    StatusCode::OK,
                    code::SYSTEM_ERROR,
                    "일시적인 시스템 오류입니다",
                ));
            }
            FaultAction::Malformed => return Some(truncated()),
        }
        if !self.issuer.admit(headers) {
            let mut resp = api_error(
                StatusCode::UNAUTHORIZED,
                code::INVALID_TOKEN,
                "유효하지 않은 토큰입니다",
            );
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static(
                    "Bearer realm=\"welfare\", error=\"invalid_token\"",
                ),
            );
            return Some(resp);
        }
        None
    }
}

async fn search(State(st): Shared, headers: HeaderMap, body: String) -> Response {
    if let Some(r) = st.gate(&headers).await {
        return r;
    }
    let rrn = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| {
            v.get(field::RRN)
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .and_then(|r| Rrn::parse(&r).ok().filter(|p| p.expose() == r));
    let Some(rrn) = rrn else {
        return api_error(
            StatusCode::BAD_REQUEST,
            code::BAD_REQUEST,
            "rrn 형식이 올바르지 않습니다",
        );
    };
    match st.register.by_rrn(rrn.expose()) {
        Some((c, apps)) => ok(json!({
            field::APPLICANT: data::applicant_json(c),
            field::BENEFITS: apps.iter().map(Application::to_json).collect::<Vec<_>>(),
        })),
        None => ok(json!({ field::APPLICANT: null, field::BENEFITS: [] })),
    }
}

async fn detail(State(st): Shared, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Some(r) = st.gate(&headers).await {
        return r;
    }
    match st.register.by_no(&id) {
        Some((c, app)) => {
            ok(json!({ field::APPLICANT: data::applicant_json(c), field::BENEFIT: app.to_json() }))
        }
        None => api_error(
            StatusCode::NOT_FOUND,
            code::NOT_FOUND,
            "해당 신청 건이 없습니다",
        ),
    }
}

async fn revoke(State(st): Shared) -> Response {
    json_reply(StatusCode::OK, json!({ "revoked": st.issuer.revoke_all() }))
}

async fn show_stats(State(st): Shared) -> Response {
    json_reply(StatusCode::OK, json!(st.issuer.stats()))
}
