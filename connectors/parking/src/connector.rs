//! [`ParkingConnector`]: the unified connector calls translated into the parking service's JSON
//! REST operations — every plate searched (concurrently), every cursor page followed within the
//! deadline — and [`ParkingHealth`], its health check.

use crate::NAME;
use crate::config::ParkingConfig;
use crate::mapping::item_to_case;
use crate::paging::{CursorLimits, CursorPage, Fetched, fetch_all};
use crate::partial::{FetchOutcome, Partial};
use crate::protocol::{
    API_KEY_HEADER, DETAIL_PATH, JSON_CONTENT_TYPE, SEARCH_PATH, classify_error_code, code, field,
    search_body,
};
use minwon_connector_sdk::http::{BackendClient, RawResponse, classify_status};
use minwon_connector_sdk::{
    CallContext, Case, CitizenKeys, Connector, ConnectorError, Descriptor, ErrorKind, HealthCheck,
    KeyKind, PersonalField, VehicleNumber,
};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// Ticket number the health check asks for: no ticket has it, so a healthy back-end answers
/// its `NOT_FOUND` error object after checking the API key.
pub const HEALTH_PROBE_TICKET_NO: &str = "0";
/// Longest ticket number accepted by `get_case`.
const MAX_TICKET_NO_LEN: usize = 64;

/// The parking violation and towing connector. `Debug` shows the config, whose API key is
/// a `secrecy` secret.
#[derive(Debug)]
pub struct ParkingConnector {
    config: ParkingConfig,
    client: BackendClient,
    descriptor: Descriptor,
    search_url: String,
    detail_url: String,
}

impl ParkingConnector {
    /// A connector for a validated config.
    pub fn new(config: ParkingConfig) -> Result<Self, ConnectorError> {
        let client = BackendClient::new(&config.http)?;
        let base = config.base_url.trim_end_matches('/');
        let descriptor = Descriptor {
            name: NAME.to_string(),
            department: config.department.clone(),
            kind: "rest-json".to_string(),
            base_url: config.base_url.clone(),
            accepts: vec![KeyKind::VehicleNumber],
            personal_fields: vec![PersonalField::Name, PersonalField::VehicleNumber],
        };
        Ok(ParkingConnector {
            search_url: format!("{base}{SEARCH_PATH}"),
            detail_url: format!("{base}{DETAIL_PATH}"),
            config,
            client,
            descriptor,
        })
    }

    /// Every ticket of every plate in `keys`, and whether the deadline cut paging short. The
    /// typed form of the trait's `fetch` (see [`crate::partial`]).
    ///
    /// A plate whose first page did not arrive in time counts as incomplete; when nothing at
    /// all arrived the answer is a `Timeout` error, since an empty list would read "no records".
    /// Any other failure of any plate fails the call.
    pub async fn fetch_outcome(
        &self,
        keys: &CitizenKeys,
        ctx: &CallContext,
    ) -> Result<FetchOutcome, ConnectorError> {
        let mut plates: Vec<&VehicleNumber> = Vec::new();
        for p in &keys.vehicle_numbers {
            if !plates.contains(&p) {
                plates.push(p);
            }
        }
        if plates.is_empty() {
            return Err(ConnectorError::invalid_query(
                "the parking source answers by vehicle number; none was given",
            ));
        }
        let ctx = self.paging_context(ctx);
        let results =
            futures::future::join_all(plates.iter().map(|p| self.fetch_plate(p, &ctx))).await;
        let mut cases = Vec::new();
        let mut seen = HashSet::new();
        let (mut pages, mut incomplete, mut timed_out) = (0, 0, None);
        for r in results {
            match r {
                Ok(f) => {
                    pages += f.pages;
                    incomplete += usize::from(f.partial);
                    for c in f.items {
                        if !seen.insert(c.native_id.clone()) {
                            return Err(ConnectorError::bad_response(
                                "the same ticket number arrived twice",
                            ));
                        }
                        cases.push(c);
                    }
                }
                Err(e) if e.kind == ErrorKind::Timeout => {
                    incomplete += 1;
                    timed_out = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        if let Some(e) = timed_out
            && cases.is_empty()
        {
            return Err(e);
        }
        let partial = (incomplete > 0).then_some(Partial {
            incomplete_vehicles: incomplete,
        });
        tracing::debug!(
            connector = NAME,
            cases = cases.len(),
            pages,
            partial = partial.is_some(),
            "parking tickets fetched"
        );
        Ok(FetchOutcome {
            cases,
            pages,
            partial,
        })
    }

    /// The caller's context with the deadline moved `deadline_margin_ms` earlier (at most half
    /// the remaining budget), so a partial answer is returned before the hub cancels the call.
    fn paging_context(&self, ctx: &CallContext) -> CallContext {
        let margin = Duration::from_millis(self.config.deadline_margin_ms).min(ctx.remaining() / 2);
        CallContext {
            deadline: ctx.deadline.checked_sub(margin).unwrap_or(ctx.deadline),
            traceparent: ctx.traceparent.clone(),
        }
    }

    /// Every page of one plate, mapped; a ticket for another plate is refused.
    async fn fetch_plate(
        &self,
        plate: &VehicleNumber,
        ctx: &CallContext,
    ) -> Result<Fetched<Case>, ConnectorError> {
        let limits = CursorLimits {
            limit: self.config.page_size,
            max_pages: self.config.max_pages,
            max_items: self.config.max_items,
            deadline: ctx.deadline,
        };
        let fetched = fetch_all(limits, |cursor| {
            let body = search_body(plate.expose(), cursor.as_deref(), self.config.page_size);
            async move {
                let req = self
                    .request(self.client.inner().post(&self.search_url))
                    .body(body);
                read_page(&self.client.send(req, ctx).await?)
            }
        })
        .await?;
        let mut cases = Vec::with_capacity(fetched.items.len());
        for item in &fetched.items {
            let mut case = item_to_case(item, &self.config.department)?;
            match &case.personal.vehicle_number {
                Some(v) if v != plate.expose() => {
                    return Err(ConnectorError::bad_response(
                        "a ticket for another vehicle than the one searched was returned",
                    ));
                }
                Some(_) => {}
                None => case.personal.vehicle_number = Some(plate.expose().to_string()),
            }
            cases.push(case);
        }
        Ok(Fetched {
            items: cases,
            pages: fetched.pages,
            partial: fetched.partial,
        })
    }

    fn request(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        req.header(API_KEY_HEADER, self.config.api_key.expose())
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::CONTENT_TYPE, JSON_CONTENT_TYPE)
    }

    /// One ticket by number, the raw response.
    async fn detail(
        &self,
        ticket_no: &str,
        ctx: &CallContext,
    ) -> Result<RawResponse, ConnectorError> {
        let url = format!("{}/{ticket_no}", self.detail_url);
        self.client
            .send(self.request(self.client.inner().get(url)), ctx)
            .await
    }
}

/// The `code` of a body's error object, when it has a well-formed one.
fn error_code(v: &Value) -> Option<&str> {
    v.get(field::ERROR)?.get(field::CODE)?.as_str()
}

/// Reads a response as JSON: an error object (with any HTTP status) is classified by its code;
/// otherwise a non-2xx status by the SDK's table; a 2xx body that is not JSON is BadResponse.
pub fn read_json(raw: &RawResponse) -> Result<Value, ConnectorError> {
    let parsed = serde_json::from_slice::<Value>(&raw.body);
    if let Ok(v) = &parsed
        && let Some(c) = error_code(v)
    {
        return Err(classify_error_code(c, raw.status).with_retry_after(raw.retry_after));
    }
    if let Some(e) = classify_status(raw) {
        return Err(e);
    }
    match parsed {
        Ok(v) if v.get(field::ERROR).is_some_and(|e| !e.is_null()) => Err(
            ConnectorError::bad_response("an error object without a string code"),
        ),
        Ok(v) => Ok(v),
        Err(e) => Err(ConnectorError::bad_response(format!(
            "body is not JSON ({:?} error at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        ))),
    }
}

/// Reads one search page: `items` must be an array, `nextCursor` a string or null.
pub fn read_page(raw: &RawResponse) -> Result<CursorPage<Value>, ConnectorError> {
    let mut v = read_json(raw)?;
    let obj = v
        .as_object_mut()
        .ok_or_else(|| ConnectorError::bad_response("search answer is not an object"))?;
    let items = match obj.remove(field::ITEMS) {
        Some(Value::Array(items)) => items,
        _ => {
            return Err(ConnectorError::bad_response(format!(
                "search answer without an {} array",
                field::ITEMS
            )));
        }
    };
    let next_cursor = match obj.remove(field::NEXT_CURSOR) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => {
            return Err(ConnectorError::bad_response(format!(
                "search answer {} is not a string",
                field::NEXT_CURSOR
            )));
        }
    };
    Ok(CursorPage { items, next_cursor })
}

#[async_trait::async_trait]
impl Connector for ParkingConnector {
    fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    async fn fetch_cases(
        &self,
        keys: &CitizenKeys,
        ctx: &CallContext,
    ) -> Result<Vec<Case>, ConnectorError> {
        Ok(self.fetch_outcome(keys, ctx).await?.cases)
    }

    async fn fetch(
        &self,
        keys: &CitizenKeys,
        ctx: &CallContext,
    ) -> Result<minwon_connector_sdk::Fetched, ConnectorError> {
        Ok(self.fetch_outcome(keys, ctx).await?.into_fetched())
    }

    async fn get_case(&self, native_id: &str, ctx: &CallContext) -> Result<Case, ConnectorError> {
        let well_formed = !native_id.is_empty()
            && native_id.len() <= MAX_TICKET_NO_LEN
            && native_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !well_formed {
            return Err(ConnectorError::invalid_query(
                "a parking ticket number is letters, digits and hyphens, at most 64",
            ));
        }
        let v = read_json(&self.detail(native_id, ctx).await?)?;
        let item = v
            .get(field::ITEM)
            .filter(|i| i.is_object())
            .ok_or_else(|| ConnectorError::bad_response("detail answer without an item object"))?;
        let case = item_to_case(item, &self.config.department)?;
        if case.native_id != native_id {
            return Err(ConnectorError::bad_response(
                "detail answered another ticket number",
            ));
        }
        Ok(case)
    }
}

/// The health check: one detail request for a number no ticket has.
#[derive(Debug)]
pub struct ParkingHealth {
    connector: Arc<ParkingConnector>,
}

impl ParkingHealth {
    /// The health check of `connector`.
    pub fn new(connector: Arc<ParkingConnector>) -> Self {
        ParkingHealth { connector }
    }
}

#[async_trait::async_trait]
impl HealthCheck for ParkingHealth {
    async fn check(&self, ctx: &CallContext) -> Result<(), ConnectorError> {
        let raw = self.connector.detail(HEALTH_PROBE_TICKET_NO, ctx).await?;
        match read_json(&raw) {
            Ok(_) => Ok(()),
            // Only the service's own NOT_FOUND object means up: a bare 404 from a web server
            // in front (a wrong base_url) is down.
            Err(e) if e.kind == ErrorKind::NotFound => {
                let own = serde_json::from_slice::<Value>(&raw.body)
                    .ok()
                    .is_some_and(|v| error_code(&v) == Some(code::NOT_FOUND));
                if own {
                    Ok(())
                } else {
                    Err(ConnectorError::unavailable(
                        "health probe got a 404 that is not the service's own answer",
                    ))
                }
            }
            Err(e) => Err(e),
        }
    }
}
