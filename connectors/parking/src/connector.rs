//! [`ParkingConnector`]: the unified connector calls translated into the parking service's JSON
//! REST operations — every plate searched (concurrently), every cursor page followed within the
//! deadline — and [`ParkingHealth`], its health check.

use crate::NAME;
use crate::config::ParkingConfig;
use crate::mapping::{Ticket, item_to_case};
use crate::paging::{CursorLimits, CursorPage, Fetched, fetch_all};
use crate::partial::{FetchOutcome, Partial};
use crate::protocol::{
    API_KEY_HEADER, DETAIL_PATH, JSON_CONTENT_TYPE, SEARCH_PATH, classify_error_code, code, field,
    search_body,
};
use minwon_connector_sdk::http::{BackendClient, RawResponse, classify_status};
use minwon_connector_sdk::json::{self, Object, Scalar};
use minwon_connector_sdk::{
    CallContext, Case, CitizenKeys, Connector, ConnectorError, Descriptor, ErrorKind, HealthCheck,
    KeyKind, PersonalField, VehicleNumber,
};
use serde::Deserialize;
use std::borrow::Cow;
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
            attribute_labels: Descriptor::labels(crate::mapping::ATTRIBUTE_LABELS),
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
                let raw = self.client.send(req, ctx).await?;
                // Mapped here, while the body the tickets borrow from lives.
                let page = read_page(&raw)?;
                let items = page
                    .items
                    .iter()
                    .map(|t| item_to_case(t, &self.config.department))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(CursorPage {
                    items,
                    next_cursor: page.next_cursor,
                })
            }
        })
        .await?;
        let mut cases = Vec::with_capacity(fetched.items.len());
        for mut case in fetched.items {
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

/// How errors name this back-end's answers.
const WHAT: &str = "parking answer";

/// The back-end's error object; a code that is not a string counts as none.
#[derive(Deserialize)]
pub struct ErrorObject<'a> {
    #[serde(default, borrow, deserialize_with = "error_code_text")]
    code: Option<Cow<'a, str>>,
}

fn error_code_text<'de: 'a, 'a, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Cow<'a, str>>, D::Error> {
    Ok(match json::scalar(d)? {
        Scalar::Str(s) => Some(s),
        _ => None,
    })
}

/// Only the error object, for a body whose other parts did not decode.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(default, borrow)]
    error: Option<Object<ErrorObject<'a>>>,
}

/// One search page as sent.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageBody<'a> {
    #[serde(default, borrow)]
    error: Option<Object<ErrorObject<'a>>>,
    #[serde(default, borrow)]
    items: Option<Vec<Object<Ticket<'a>>>>,
    #[serde(default, borrow, deserialize_with = "json::string")]
    next_cursor: Option<Cow<'a, str>>,
}

/// A detail answer as sent.
#[derive(Deserialize)]
struct DetailBody<'a> {
    #[serde(default, borrow)]
    error: Option<Object<ErrorObject<'a>>>,
    #[serde(default, borrow)]
    item: Option<Object<Ticket<'a>>>,
}

/// The `code` of a body's error object, when it has a well-formed one.
fn error_code(body: &[u8]) -> Option<Cow<'_, str>> {
    json::decode::<Head>(body, WHAT).ok()?.error?.0.code
}

/// Reads a response as JSON of shape `T`, decoded straight from the body: an error object
/// (with any HTTP status) is classified by its code; otherwise a non-2xx status by the SDK's
/// table; a 2xx body that is not the expected JSON is BadResponse naming the field's path.
fn read_json<'a, T: Deserialize<'a>>(
    raw: &'a RawResponse,
    error_of: impl Fn(&T) -> Option<&ErrorObject<'a>>,
) -> Result<T, ConnectorError> {
    let classified = |c: &str| classify_error_code(c, raw.status).with_retry_after(raw.retry_after);
    let body = match json::decode::<T>(&raw.body, WHAT) {
        Ok(body) => body,
        Err(e) => {
            return Err(match error_code(&raw.body) {
                Some(c) => classified(&c),
                None => classify_status(raw).unwrap_or(e),
            });
        }
    };
    let error = error_of(&body);
    if let Some(c) = error.and_then(|e| e.code.as_deref()) {
        return Err(classified(c));
    }
    if let Some(e) = classify_status(raw) {
        return Err(e);
    }
    match error {
        Some(_) => Err(ConnectorError::bad_response(
            "an error object without a string code",
        )),
        None => Ok(body),
    }
}

/// Reads one search page: `items` must be an array of objects, `nextCursor` a string or
/// null. The tickets borrow from the body.
pub fn read_page(raw: &RawResponse) -> Result<CursorPage<Ticket<'_>>, ConnectorError> {
    let page = read_json::<PageBody>(raw, |p| p.error.as_ref().map(|e| &e.0))?;
    let items = page.items.ok_or_else(|| {
        ConnectorError::bad_response(format!("search answer without an {} array", field::ITEMS))
    })?;
    Ok(CursorPage {
        items: items.into_iter().map(|Object(t)| t).collect(),
        next_cursor: page.next_cursor.map(Cow::into_owned),
    })
}

/// Reads a detail answer: its `item` object, mapped.
pub fn read_detail(raw: &RawResponse, department: &str) -> Result<Case, ConnectorError> {
    let detail = read_json::<DetailBody>(raw, |d| d.error.as_ref().map(|e| &e.0))?;
    let Some(Object(item)) = detail.item else {
        return Err(ConnectorError::bad_response(
            "detail answer without an item object",
        ));
    };
    item_to_case(&item, department)
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
        let raw = self.detail(native_id, ctx).await?;
        let case = read_detail(&raw, &self.config.department)?;
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
        // The envelope only: an answer about some ticket is an answer too.
        match read_json::<Head>(&raw, |h| h.error.as_ref().map(|e| &e.0)) {
            Ok(_) => Ok(()),
            // Only the service's own NOT_FOUND object means up: a bare 404 from a web server
            // in front (a wrong base_url) is down.
            Err(e) if e.kind == ErrorKind::NotFound => {
                let own = error_code(&raw.body).as_deref() == Some(code::NOT_FOUND);
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
