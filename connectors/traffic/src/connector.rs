//! [`TrafficConnector`]: the unified connector calls translated into the fine service's
//! portal-XML operations — every plate of the citizen, every page of each — and
//! [`TrafficHealth`], its health check. [`read_page`] is the one place a response becomes a
//! portal page or a classified error (the bus client uses it too).

use crate::NAME;
use crate::config::TrafficConfig;
use crate::mapping::item_to_case;
use crate::protocol::{FINE_SERVICE_PATH, OP_FINE_DETAIL, OP_FINE_LIST, field, form_encode, param};
use minwon_connector_sdk::http::BackendClient;
use minwon_connector_sdk::paging::{PagingLimits, fetch_all};
use minwon_connector_sdk::portal::{PortalPage, read_page};
use minwon_connector_sdk::secret::{ExposeSecret, SecretString};
use minwon_connector_sdk::{
    CallContext, Case, CitizenKeys, Connector, ConnectorError, Descriptor, ErrorKind, HealthCheck,
    KeyKind, PersonalField, VehicleNumber,
};
use std::collections::HashSet;
use std::sync::Arc;

/// Fine number the health check asks for: no fine has it, so a healthy back-end answers
/// NODATA (03) after checking the service key — a real request, as cheap as one gets.
pub const HEALTH_PROBE_FINE_NO: &str = "0";

/// The traffic fine connector.
#[derive(Debug)]
pub struct TrafficConnector {
    config: TrafficConfig,
    client: BackendClient,
    descriptor: Descriptor,
    /// The URLs carry the service key: secrets too, so `Debug` shows neither.
    list_url: SecretString,
    detail_url: SecretString,
}

/// Maps the fines of one list, refusing a fine number seen before (pages shifting, a
/// back-end ignoring `pageNo`, or the same fine under two plates).
pub fn items_to_cases(
    items: &[minwon_connector_sdk::portal::Item],
    department: &str,
    plate: Option<&str>,
    seen: &mut HashSet<String>,
) -> Result<Vec<Case>, ConnectorError> {
    let mut cases = Vec::with_capacity(items.len());
    for item in items {
        let case = item_to_case(item, department, plate)?;
        if !seen.insert(case.native_id.clone()) {
            return Err(ConnectorError::bad_response(
                "the same fine number arrived twice",
            ));
        }
        cases.push(case);
    }
    Ok(cases)
}

impl TrafficConnector {
    /// A connector for a validated config.
    pub fn new(config: TrafficConfig) -> Result<Self, ConnectorError> {
        let client = BackendClient::new(&config.http)?;
        let base = config.base_url.trim_end_matches('/');
        let key = form_encode(&[(param::SERVICE_KEY, config.service_key.expose())]);
        let url = |op: &str| format!("{base}{FINE_SERVICE_PATH}/{op}?{key}");
        let descriptor = Descriptor {
            name: NAME.to_string(),
            department: config.department.clone(),
            kind: "portal-xml".to_string(),
            base_url: config.base_url.clone(),
            accepts: vec![KeyKind::VehicleNumber],
            personal_fields: vec![
                PersonalField::VehicleNumber,
                PersonalField::Name,
                PersonalField::Address,
            ],
            attribute_labels: Descriptor::labels(crate::mapping::ATTRIBUTE_LABELS),
        };
        Ok(TrafficConnector {
            list_url: url(OP_FINE_LIST).into(),
            detail_url: url(OP_FINE_DETAIL).into(),
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

    /// Every page of one plate's fines (none when the back-end has no data for it).
    async fn fines_of(
        &self,
        plate: &VehicleNumber,
        ctx: &CallContext,
    ) -> Result<Vec<minwon_connector_sdk::portal::Item>, ConnectorError> {
        let page_size = self.config.page_size.to_string();
        let limits = PagingLimits {
            page_size: self.config.page_size,
            max_pages: self.config.max_pages,
            deadline: ctx.deadline,
        };
        fetch_all(limits, |page_no| {
            let form = form_encode(&[
                (param::VHCL_NO, plate.expose()),
                (param::NUM_OF_ROWS, &page_size),
                (param::PAGE_NO, &page_no.to_string()),
            ]);
            async move { self.post(self.list_url.expose_secret(), form, ctx).await }
        })
        .await
    }

    /// Asks for one fine by number (NODATA comes back as a NotFound error).
    async fn detail(&self, fine_no: &str, ctx: &CallContext) -> Result<PortalPage, ConnectorError> {
        let form = form_encode(&[(param::FINE_NO, fine_no)]);
        self.post(self.detail_url.expose_secret(), form, ctx).await
    }
}

#[async_trait::async_trait]
impl Connector for TrafficConnector {
    fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    async fn fetch_cases(
        &self,
        keys: &CitizenKeys,
        ctx: &CallContext,
    ) -> Result<Vec<Case>, ConnectorError> {
        if keys.vehicle_numbers.is_empty() {
            return Err(ConnectorError::invalid_query(
                "the traffic source answers by vehicle number; none was given",
            ));
        }
        // Each plate once (the keys drop only adjacent repeats), all at once; the first
        // failure cancels the others (a partial answer would silently hide fines). A plate
        // without data is just an empty list.
        let mut unique = HashSet::new();
        let plates: Vec<&VehicleNumber> = keys
            .vehicle_numbers
            .iter()
            .filter(|p| unique.insert(p.expose()))
            .collect();
        let lists =
            futures::future::try_join_all(plates.iter().map(|p| self.fines_of(p, ctx))).await?;
        let mut seen = HashSet::new();
        let mut cases = Vec::new();
        for (plate, items) in plates.iter().zip(&lists) {
            let dept = &self.config.department;
            cases.extend(items_to_cases(
                items,
                dept,
                Some(plate.expose()),
                &mut seen,
            )?);
        }
        tracing::debug!(
            connector = NAME,
            plates = plates.len(),
            cases = cases.len(),
            "traffic fines fetched"
        );
        Ok(cases)
    }

    async fn get_case(&self, native_id: &str, ctx: &CallContext) -> Result<Case, ConnectorError> {
        if !minwon_connector_sdk::portal::is_plain_id(native_id) {
            return Err(ConnectorError::invalid_query(
                "a fine number is letters, digits and hyphens, at most 64",
            ));
        }
        let page = self.detail(native_id, ctx).await?;
        let item = minwon_connector_sdk::portal::single_item(
            &page,
            field::FINE_NO,
            native_id,
            "traffic fine",
        )?;
        item_to_case(item, &self.config.department, None)
    }
}

/// The health check: one fine-detail request for a number no fine has.
#[derive(Debug)]
pub struct TrafficHealth {
    connector: Arc<TrafficConnector>,
}

impl TrafficHealth {
    /// The health check of `connector`.
    pub fn new(connector: Arc<TrafficConnector>) -> Self {
        TrafficHealth { connector }
    }
}

#[async_trait::async_trait]
impl HealthCheck for TrafficHealth {
    async fn check(&self, ctx: &CallContext) -> Result<(), ConnectorError> {
        match self.connector.detail(HEALTH_PROBE_FINE_NO, ctx).await {
            Ok(_) => Ok(()),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
}
