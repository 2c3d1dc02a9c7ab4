//! [`TaxConnector`]: the unified connector calls translated into the local tax service's
//! portal-XML operations, every page fetched; and [`TaxHealth`], its health check.

use crate::NAME;
use crate::config::TaxConfig;
use crate::mapping::item_to_case;
use crate::protocol::{OP_DETAIL, OP_LIST, SERVICE_PATH, field, form_encode, param};
use minwon_connector_sdk::http::BackendClient;
use minwon_connector_sdk::paging::{PagingLimits, fetch_all};
use minwon_connector_sdk::portal::PortalPage;
use minwon_connector_sdk::secret::{ExposeSecret, SecretString};
use minwon_connector_sdk::{
    CallContext, Case, CitizenKeys, Connector, ConnectorError, Descriptor, ErrorKind, HealthCheck,
    KeyKind, PersonalField,
};
use std::collections::HashSet;
use std::sync::Arc;

/// Bill number the health check asks for: no bill has it, so a healthy back-end answers
/// NODATA (03) after checking the service key — a real request, as cheap as one gets.
pub const HEALTH_PROBE_BILL_NO: &str = "0";

/// The local tax connector.
#[derive(Debug)]
pub struct TaxConnector {
    config: TaxConfig,
    client: BackendClient,
    descriptor: Descriptor,
    /// The URLs carry the service key: secrets too, so `Debug` shows neither.
    list_url: SecretString,
    detail_url: SecretString,
}

impl TaxConnector {
    /// A connector for a validated config.
    pub fn new(config: TaxConfig) -> Result<Self, ConnectorError> {
        let client = BackendClient::new(&config.http)?;
        let base = config.base_url.trim_end_matches('/');
        let key = form_encode(&[(param::SERVICE_KEY, config.service_key.expose())]);
        let url = |op: &str| format!("{base}{SERVICE_PATH}/{op}?{key}");
        let descriptor = Descriptor {
            name: NAME.to_string(),
            department: config.department.clone(),
            kind: "portal-xml".to_string(),
            base_url: config.base_url.clone(),
            accepts: vec![KeyKind::Rrn],
            personal_fields: vec![
                PersonalField::Name,
                PersonalField::Address,
                PersonalField::VehicleNumber,
                PersonalField::AccountNumber,
            ],
            attribute_labels: Descriptor::labels(crate::mapping::ATTRIBUTE_LABELS),
        };
        Ok(TaxConnector {
            list_url: url(OP_LIST).into(),
            detail_url: url(OP_DETAIL).into(),
            config,
            client,
            descriptor,
        })
    }

    /// One POST with a form body, read as a portal page.
    async fn post(
        &self,
        url: &str,
        form: String,
        ctx: &CallContext,
    ) -> Result<PortalPage, ConnectorError> {
        let raw = self
            .client
            .post_form(url, form, "application/xml", ctx)
            .await?;
        read_page(&raw)
    }

    /// Asks for one bill by number (NODATA comes back as a NotFound error).
    async fn detail(&self, bill_no: &str, ctx: &CallContext) -> Result<PortalPage, ConnectorError> {
        let form = form_encode(&[(param::TAX_BILL_NO, bill_no)]);
        self.post(self.detail_url.expose_secret(), form, ctx).await
    }
}

/// Reads a response as a portal page — the SDK's one reader (HTTP 429 and `Retry-After`,
/// result codes, a bare 404 as Unavailable), re-exported for the crate's tests.
pub use minwon_connector_sdk::portal::read_page;

/// Maps every item of a fetched list, refusing duplicates (a sign of pages shifting or a
/// back-end ignoring `pageNo`).
pub fn items_to_cases(
    items: &[minwon_connector_sdk::portal::Item],
    department: &str,
) -> Result<Vec<Case>, ConnectorError> {
    let mut seen = HashSet::new();
    let mut cases = Vec::with_capacity(items.len());
    for item in items {
        let case = item_to_case(item, department)?;
        if !seen.insert(case.native_id.clone()) {
            return Err(ConnectorError::bad_response(
                "the same bill number arrived twice across pages",
            ));
        }
        cases.push(case);
    }
    Ok(cases)
}

#[async_trait::async_trait]
impl Connector for TaxConnector {
    fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    async fn fetch_cases(
        &self,
        keys: &CitizenKeys,
        ctx: &CallContext,
    ) -> Result<Vec<Case>, ConnectorError> {
        let rrn = keys.rrn.as_ref().ok_or_else(|| {
            ConnectorError::invalid_query("the tax source answers by RRN; none was given")
        })?;
        let digits = rrn.digits();
        let page_size = self.config.page_size.to_string();
        let limits = PagingLimits {
            page_size: self.config.page_size,
            max_pages: self.config.max_pages,
            deadline: ctx.deadline,
        };
        let items = fetch_all(limits, |page_no| {
            let form = form_encode(&[
                (param::RRN, &digits),
                (param::NUM_OF_ROWS, &page_size),
                (param::PAGE_NO, &page_no.to_string()),
            ]);
            async move { self.post(self.list_url.expose_secret(), form, ctx).await }
        })
        .await?;
        let cases = items_to_cases(&items, &self.config.department)?;
        tracing::debug!(connector = NAME, cases = cases.len(), "tax bills fetched");
        Ok(cases)
    }

    async fn get_case(&self, native_id: &str, ctx: &CallContext) -> Result<Case, ConnectorError> {
        if !minwon_connector_sdk::portal::is_plain_id(native_id) {
            return Err(ConnectorError::invalid_query(
                "a tax bill number is letters, digits and hyphens, at most 64",
            ));
        }
        let page = self.detail(native_id, ctx).await?;
        let item = minwon_connector_sdk::portal::single_item(
            &page,
            field::TAX_BILL_NO,
            native_id,
            "tax bill",
        )?;
        item_to_case(item, &self.config.department)
    }
}

/// The health check: one bill-detail request for a number no bill has.
#[derive(Debug)]
pub struct TaxHealth {
    connector: Arc<TaxConnector>,
}

impl TaxHealth {
    /// The health check of `connector`.
    pub fn new(connector: Arc<TaxConnector>) -> Self {
        TaxHealth { connector }
    }
}

#[async_trait::async_trait]
impl HealthCheck for TaxHealth {
    async fn check(&self, ctx: &CallContext) -> Result<(), ConnectorError> {
        match self.connector.detail(HEALTH_PROBE_BILL_NO, ctx).await {
            Ok(_) => Ok(()),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
}
