//! [`TemplateConnector`]: the unified connector calls translated into the booking service's
//! two JSON operations; and [`TemplateHealth`], its health check.
//!
//! What every connector must do, and where this one does it:
//! - **deadline**: every request goes through `BackendClient::send`, which ends at
//!   `ctx.deadline` with `Timeout`; a connector that loops (pages, retries) checks
//!   `ctx.remaining()` before each step;
//! - **cancel-safety**: the hub drops the future at its deadline, so nothing here holds state
//!   across an `.await` that a drop could leave half-updated;
//! - **NotFound vs empty**: "this citizen has nothing" is an empty list from `fetch_cases`;
//!   an unknown id is `NotFound` from `get_case`;
//! - **every page**: this back-end answers in one page; see the tax connector (portal paging,
//!   `minwon_connector_sdk::paging`) or parking (cursor paging, partial results) otherwise;
//! - **no personal data in errors**: the key travels only in the request body.

use crate::NAME;
use crate::answer::read_answer;
use crate::config::TemplateConfig;
use crate::mapping::{Booking, booking_to_case};
use crate::protocol::{DETAIL_PATH, DetailRequest, JSON_CONTENT_TYPE, SEARCH_PATH, SearchRequest};
use minwon_connector_sdk::http::{BackendClient, RawResponse};
use minwon_connector_sdk::{
    CallContext, Case, CitizenKeys, Connector, ConnectorError, Descriptor, ErrorKind, HealthCheck,
    KeyKind, PersonalField,
};
use std::collections::HashSet;
use std::sync::Arc;

/// Booking number the health check asks for: no booking has it, so a healthy back-end answers
/// "no such booking" (1002) — a real request through the normal path, as cheap as one gets.
pub const HEALTH_PROBE_BOOKING_NO: &str = "0";
/// Longest booking number accepted by `get_case`.
const MAX_BOOKING_NO_LEN: usize = 64;

/// The template connector.
// RENAME: `TemplateConnector` → `<Name>Connector`.
#[derive(Debug)]
pub struct TemplateConnector {
    config: TemplateConfig,
    client: BackendClient,
    descriptor: Descriptor,
    search_url: String,
    detail_url: String,
}

impl TemplateConnector {
    /// A connector for a validated config.
    pub fn new(config: TemplateConfig) -> Result<Self, ConnectorError> {
        let client = BackendClient::new(&config.http)?;
        let base = config.base_url.trim_end_matches('/');
        let descriptor = Descriptor {
            name: NAME.to_string(),
            department: config.department.clone(),
            // PROTOCOL: the protocol family shown by ListConnectors.
            kind: "rest-json".to_string(),
            base_url: config.base_url.clone(),
            // RENAME: the keys this source answers from; the hub calls it only when the query
            // carries one of them, and marks it SKIPPED otherwise.
            accepts: vec![KeyKind::Rrn],
            // RENAME: the personal fields its cases may carry (shown by ListConnectors).
            personal_fields: vec![
                PersonalField::Name,
                PersonalField::Phone,
                PersonalField::Address,
            ],
            attribute_labels: Descriptor::labels(crate::mapping::ATTRIBUTE_LABELS),
        };
        Ok(TemplateConnector {
            search_url: format!("{base}{SEARCH_PATH}"),
            detail_url: format!("{base}{DETAIL_PATH}"),
            config,
            client,
            descriptor,
        })
    }

    /// One POST of a JSON body, within the deadline; the raw answer, read by the caller with
    /// [`read_answer`] (the decoded bookings borrow from its body).
    // PROTOCOL: how one request is sent (method, headers, credentials, body encoding).
    async fn post(
        &self,
        url: &str,
        body: Vec<u8>,
        ctx: &CallContext,
    ) -> Result<RawResponse, ConnectorError> {
        let req = self
            .client
            .inner()
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, JSON_CONTENT_TYPE)
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body);
        self.client.send(req, ctx).await
    }

    /// Asks for one booking by number.
    async fn detail(
        &self,
        booking_no: &str,
        ctx: &CallContext,
    ) -> Result<RawResponse, ConnectorError> {
        let body = serde_json::to_vec(&DetailRequest {
            booking_no: booking_no.to_string(),
        })
        .map_err(|_| ConnectorError::internal("serializing the detail request"))?;
        self.post(&self.detail_url, body, ctx).await
    }
}

/// The cases of a search answer: "no bookings" is an empty list, and each booking number may
/// appear once. Public so the property tests drive it without a network.
pub fn search_result(
    answer: Result<Vec<Booking<'_>>, ConnectorError>,
    department: &str,
) -> Result<Vec<Case>, ConnectorError> {
    let bookings = match answer {
        Ok(b) => b,
        Err(e) if e.kind == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut seen = HashSet::new();
    let mut cases = Vec::with_capacity(bookings.len());
    for b in &bookings {
        let case = booking_to_case(b, department);
        if !seen.insert(case.native_id.clone()) {
            return Err(ConnectorError::bad_response(
                "the same booking number arrived twice",
            ));
        }
        cases.push(case);
    }
    Ok(cases)
}

#[async_trait::async_trait]
impl Connector for TemplateConnector {
    fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    async fn fetch_cases(
        &self,
        keys: &CitizenKeys,
        ctx: &CallContext,
    ) -> Result<Vec<Case>, ConnectorError> {
        // RENAME: the key this source answers from.
        let rrn = keys.rrn.as_ref().ok_or_else(|| {
            ConnectorError::invalid_query("this source answers by RRN; none was given")
        })?;
        let body = serde_json::to_vec(&SearchRequest {
            rrn: rrn.expose().to_string(),
        })
        .map_err(|_| ConnectorError::internal("serializing the search request"))?;
        let raw = self.post(&self.search_url, body, ctx).await?;
        let cases = search_result(read_answer(&raw), &self.config.department)?;
        tracing::debug!(connector = NAME, cases = cases.len(), "bookings fetched");
        Ok(cases)
    }

    async fn get_case(&self, native_id: &str, ctx: &CallContext) -> Result<Case, ConnectorError> {
        let well_formed = !native_id.is_empty()
            && native_id.len() <= MAX_BOOKING_NO_LEN
            && native_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !well_formed {
            return Err(ConnectorError::invalid_query(
                "a booking number is letters, digits and hyphens, at most 64",
            ));
        }
        let raw = self.detail(native_id, ctx).await?;
        let bookings = read_answer(&raw)?;
        let [one] = bookings.as_slice() else {
            return Err(ConnectorError::bad_response(
                "booking detail did not answer exactly one booking",
            ));
        };
        let case = booking_to_case(one, &self.config.department);
        if case.native_id != native_id {
            return Err(ConnectorError::bad_response(
                "booking detail answered another booking number",
            ));
        }
        Ok(case)
    }
}

/// The health check: one booking-detail request for a number no booking has.
#[derive(Debug)]
pub struct TemplateHealth {
    connector: Arc<TemplateConnector>,
}

impl TemplateHealth {
    /// The health check of `connector`.
    pub fn new(connector: Arc<TemplateConnector>) -> Self {
        TemplateHealth { connector }
    }
}

#[async_trait::async_trait]
impl HealthCheck for TemplateHealth {
    async fn check(&self, ctx: &CallContext) -> Result<(), ConnectorError> {
        let raw = self.connector.detail(HEALTH_PROBE_BOOKING_NO, ctx).await?;
        match read_answer(&raw) {
            Ok(_) => Ok(()),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
}
