//! [`WaterConnector`]: the unified connector calls translated into the billing service's two
//! JSON operations, with `Retry-After` honoured within the caller's deadline; and
//! [`WaterHealth`], its health check.

use crate::NAME;
use crate::answer::{Answer, read_answer};
use crate::config::WaterConfig;
use crate::mapping::{bill_to_case, customer_info};
use crate::protocol::{
    DETAIL_PATH, DetailRequest, JSON_CONTENT_TYPE, SEARCH_PATH, SearchRequest, field,
};
use crate::retry::{Plan, RetryPolicy};
use minwon_connector_sdk::http::BackendClient;
use minwon_connector_sdk::{
    CallContext, Case, CitizenKeys, Connector, ConnectorError, Descriptor, ErrorKind, HealthCheck,
    KeyKind, PersonalField,
};
use std::collections::HashSet;
use std::sync::Arc;
use tokio::time::Instant;

/// Bill number the health check asks for: no bill has it, so a healthy back-end answers
/// "no such bill" (1002) — a real request through the normal path, as cheap as one gets.
pub const HEALTH_PROBE_BILL_NO: &str = "0";
/// Longest bill number accepted by `get_case`.
const MAX_BILL_NO_LEN: usize = 64;

/// The water bill connector.
#[derive(Debug)]
pub struct WaterConnector {
    config: WaterConfig,
    client: BackendClient,
    policy: RetryPolicy,
    descriptor: Descriptor,
    search_url: String,
    detail_url: String,
}

impl WaterConnector {
    /// A connector for a validated config.
    pub fn new(config: WaterConfig) -> Result<Self, ConnectorError> {
        let client = BackendClient::new(&config.http)?;
        let base = config.base_url.trim_end_matches('/');
        let descriptor = Descriptor {
            name: NAME.to_string(),
            department: config.department.clone(),
            kind: "rest-json".to_string(),
            base_url: config.base_url.clone(),
            accepts: vec![KeyKind::WaterCustomerNo],
            personal_fields: vec![PersonalField::Name, PersonalField::Address],
            attribute_labels: Descriptor::labels(crate::mapping::ATTRIBUTE_LABELS),
        };
        Ok(WaterConnector {
            search_url: format!("{base}{SEARCH_PATH}"),
            detail_url: format!("{base}{DETAIL_PATH}"),
            policy: config.retry_policy(),
            config,
            client,
            descriptor,
        })
    }

    /// One POST of a JSON body, its answer handed to `read` (the answer borrows from the
    /// body, so it is read here, while the body lives). A 429, or a 503 with `Retry-After`, is
    /// waited out and retried while the wait plus the margin fits before the deadline (at most
    /// `max_retries` times); otherwise the classified error goes to `read` at once, its
    /// `Retry-After` kept.
    async fn post<T>(
        &self,
        url: &str,
        body: Vec<u8>,
        ctx: &CallContext,
        read: impl Fn(Result<Answer<'_>, ConnectorError>) -> Result<T, ConnectorError>,
    ) -> Result<T, ConnectorError> {
        let mut retries = 0;
        loop {
            let req = self
                .client
                .inner()
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, JSON_CONTENT_TYPE)
                .header(reqwest::header::ACCEPT, "application/json")
                .body(body.clone());
            let raw = self.client.send(req, ctx).await?;
            let err = match read_answer(&raw) {
                Ok(answer) => return read(Ok(answer)),
                Err(e) => e,
            };
            match self
                .policy
                .plan(raw.status, raw.retry_after, retries, ctx.remaining())
            {
                Plan::Retry(wait) => {
                    tracing::debug!(
                        connector = NAME,
                        status = raw.status,
                        wait_ms = wait.as_millis() as u64,
                        "back-end asked to retry later; waiting within the deadline"
                    );
                    // Never past the deadline, whatever the arithmetic above said.
                    let until = Instant::now()
                        .checked_add(wait)
                        .map_or(ctx.deadline, |t| t.min(ctx.deadline));
                    tokio::time::sleep_until(until).await;
                    retries += 1;
                }
                plan => {
                    let mut err = err;
                    if let Some(note) = plan.give_up_note() {
                        err.message = format!("{}; {note}", err.message);
                    }
                    return read(Err(err));
                }
            }
        }
    }

    /// Asks for one bill by number; its answer goes to `read`.
    async fn detail<T>(
        &self,
        bill_no: &str,
        ctx: &CallContext,
        read: impl Fn(Result<Answer<'_>, ConnectorError>) -> Result<T, ConnectorError>,
    ) -> Result<T, ConnectorError> {
        let body = serde_json::to_vec(&DetailRequest {
            bill_no: bill_no.to_string(),
        })
        .map_err(|_| ConnectorError::internal("serializing the detail request"))?;
        self.post(&self.detail_url, body, ctx, read).await
    }
}

/// The cases of a search answer for `customer_no` (digits): "no such customer" is an empty
/// list; the answer must be about that customer and list each bill once.
pub fn search_result(
    answer: Result<Answer<'_>, ConnectorError>,
    customer_no: &str,
    department: &str,
) -> Result<Vec<Case>, ConnectorError> {
    let answer = match answer {
        Ok(a) => a,
        Err(e) if e.kind == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    check_customer_echo(&answer, customer_no)?;
    let customer = customer_info(answer.customer.as_ref());
    let mut seen = HashSet::new();
    let mut cases = Vec::with_capacity(answer.bills.len());
    for bill in &answer.bills {
        let case = bill_to_case(bill, &customer, department);
        if !seen.insert(case.native_id.clone()) {
            return Err(ConnectorError::bad_response(
                "the same bill number arrived twice",
            ));
        }
        cases.push(case);
    }
    Ok(cases)
}

/// A back-end answering about another customer than the one asked is refused: handing that
/// on would show one household's bills to a query about another.
fn check_customer_echo(answer: &Answer<'_>, customer_no: &str) -> Result<(), ConnectorError> {
    let echoed = answer
        .customer
        .as_ref()
        .and_then(|c| c.customer_no.as_ref());
    match echoed {
        None => Ok(()),
        Some(s) if s.trim().replace('-', "") == customer_no => Ok(()),
        Some(_) => Err(ConnectorError::bad_response(format!(
            "answer {} differs from the one asked",
            field::CUSTOMER_NO
        ))),
    }
}

/// The one case of a detail answer for `bill_no`.
pub fn detail_result(
    answer: Answer<'_>,
    bill_no: &str,
    department: &str,
) -> Result<Case, ConnectorError> {
    let bill = match answer.bills.as_slice() {
        [] => return Err(ConnectorError::not_found("no such water bill")),
        [one] => one,
        _ => {
            return Err(ConnectorError::bad_response(
                "bill detail answered more than one bill",
            ));
        }
    };
    let case = bill_to_case(bill, &customer_info(answer.customer.as_ref()), department);
    if case.native_id != bill_no {
        return Err(ConnectorError::bad_response(
            "bill detail answered another bill number",
        ));
    }
    Ok(case)
}

#[async_trait::async_trait]
impl Connector for WaterConnector {
    fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    async fn fetch_cases(
        &self,
        keys: &CitizenKeys,
        ctx: &CallContext,
    ) -> Result<Vec<Case>, ConnectorError> {
        let customer_no = keys.water_customer_no.as_ref().ok_or_else(|| {
            ConnectorError::invalid_query(
                "the water source answers by water customer number; none was given",
            )
        })?;
        let body = serde_json::to_vec(&SearchRequest {
            customer_no: customer_no.expose().to_string(),
            months: self.config.months,
        })
        .map_err(|_| ConnectorError::internal("serializing the search request"))?;
        let department = &self.config.department;
        let cases = self
            .post(&self.search_url, body, ctx, |answer| {
                search_result(answer, customer_no.expose(), department)
            })
            .await?;
        tracing::debug!(connector = NAME, cases = cases.len(), "water bills fetched");
        Ok(cases)
    }

    async fn get_case(&self, native_id: &str, ctx: &CallContext) -> Result<Case, ConnectorError> {
        let well_formed = !native_id.is_empty()
            && native_id.len() <= MAX_BILL_NO_LEN
            && native_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !well_formed {
            return Err(ConnectorError::invalid_query(
                "a water bill number is letters, digits and hyphens, at most 64",
            ));
        }
        let department = &self.config.department;
        self.detail(native_id, ctx, |answer| {
            detail_result(answer?, native_id, department)
        })
        .await
    }
}

/// The health check: one bill-detail request for a number no bill has.
#[derive(Debug)]
pub struct WaterHealth {
    connector: Arc<WaterConnector>,
}

impl WaterHealth {
    /// The health check of `connector`.
    pub fn new(connector: Arc<WaterConnector>) -> Self {
        WaterHealth { connector }
    }
}

#[async_trait::async_trait]
impl HealthCheck for WaterHealth {
    async fn check(&self, ctx: &CallContext) -> Result<(), ConnectorError> {
        match self
            .connector
            .detail(HEALTH_PROBE_BILL_NO, ctx, |a| a.map(drop))
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
}
