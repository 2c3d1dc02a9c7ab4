//! [`TrafficConnector`]: the unified connector calls translated into the fine service's
//! portal-XML operations — every plate of the citizen, every page of each — and
//! [`TrafficHealth`], its health check. [`read_page`] is the one place a response becomes a
//! portal page or a classified error (the bus client uses it too).

use crate::NAME;
use crate::config::TrafficConfig;
use crate::mapping::item_to_case;
use crate::protocol::{FINE_SERVICE_PATH, OP_FINE_DETAIL, OP_FINE_LIST, field, form_encode, param};
use minwon_connector_sdk::encoding::decode_body;
use minwon_connector_sdk::http::{BackendClient, RawResponse, classify_status};
use minwon_connector_sdk::paging::{PagingLimits, fetch_all};
use minwon_connector_sdk::portal::{PortalPage, parse_page};
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

/// Reads a response as a portal page: the HTTP status, the charset, then the envelope.
///
/// HTTP 429 is RateLimited whatever the body says; another non-2xx status with a well-formed
/// in-band error is classified by the envelope (a code 22 sent with HTTP 403 is still a
/// quota error), else by the status. A `Retry-After` header is kept on any classified error,
/// including a code 22 sent with HTTP 200.
pub fn read_page(raw: &RawResponse) -> Result<PortalPage, ConnectorError> {
    let parsed = decode_body(&raw.body, raw.content_type.as_deref())
        .and_then(|s| parse_page(&s))
        .map_err(|e| match e.kind {
            ErrorKind::BadResponse => e,
            _ => {
                let hint = e.retry_after.or(raw.retry_after);
                e.with_retry_after(hint)
            }
        });
    match classify_status(raw) {
        None => parsed,
        Some(http_err) if raw.status == 429 => Err(http_err),
        Some(http_err) => match parsed {
            Err(e) if e.kind != ErrorKind::BadResponse => Err(e),
            _ => Err(http_err),
        },
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use minwon_connector_sdk::portal::{write_gateway_error, write_page, write_result_error};
    use std::time::Duration;

    fn raw(status: u16, retry: Option<u64>, body: &str) -> RawResponse {
        RawResponse {
            status,
            content_type: Some("application/xml;charset=UTF-8".into()),
            retry_after: retry.map(Duration::from_secs),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn quota_is_rate_limited_on_every_path_keeping_retry_after() {
        let code22 = write_result_error("22", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR");
        for (status, retry, body) in [
            (200, None, code22.as_str()),
            (200, Some(30), code22.as_str()),
            (429, Some(7), "Too Many Requests"),
            (429, None, ""),
            (429, Some(3), code22.as_str()),
        ] {
            let e = read_page(&raw(status, retry, body)).unwrap_err();
            assert_eq!(e.kind, ErrorKind::RateLimited, "{status} {body}");
            assert_eq!(e.retry_after, retry.map(Duration::from_secs), "{status}");
            assert!(e.kind.counts_as_failure());
        }
        // A 429 is never mistaken for data, nor for "no data".
        let ok = write_page(&[], 10, 1, 0);
        let nodata = write_result_error("03", "NODATA_ERROR");
        for body in [ok.as_str(), nodata.as_str()] {
            assert_eq!(
                read_page(&raw(429, None, body)).unwrap_err().kind,
                ErrorKind::RateLimited
            );
        }
        let gw = write_gateway_error("22", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR");
        assert_eq!(
            read_page(&raw(403, None, &gw)).unwrap_err().kind,
            ErrorKind::RateLimited
        );
    }

    #[test]
    fn other_statuses_classify_by_envelope_then_status() {
        assert_eq!(
            read_page(&raw(500, None, "<html/>")).unwrap_err().kind,
            ErrorKind::Unavailable
        );
        let gw = write_gateway_error("30", "SERVICE_KEY_IS_NOT_REGISTERED_ERROR");
        assert_eq!(
            read_page(&raw(200, None, &gw)).unwrap_err().kind,
            ErrorKind::Unauthorized
        );
        assert_eq!(
            read_page(&raw(200, Some(5), "<resp"))
                .unwrap_err()
                .retry_after,
            None
        );
    }
}
