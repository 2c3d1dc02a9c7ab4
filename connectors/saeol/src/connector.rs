//! [`SaeolConnector`]: one SOAP call per question (`call`), the [`Connector`] implementation on
//! top of it, and the health check that asks `GetServerStatus`.

use crate::config::SaeolConfig;
use crate::fault::{self, Fault};
use crate::mapping::{complaint_to_case, complaints_from_list};
use crate::schema::{CONTENT_TYPE, Operation, el};
use crate::soap::{self, Element};
use minwon_connector_sdk::encoding::{decode_body, encode_euc_kr};
use minwon_connector_sdk::http::{BackendClient, RawResponse, classify_status};
use minwon_connector_sdk::{
    CallContext, Case, CitizenKeys, Connector, ConnectorError, Descriptor, HealthCheck,
};
use std::sync::Arc;

/// The Saeol civil-complaint connector.
#[derive(Debug)]
pub struct SaeolConnector {
    descriptor: Descriptor,
    client: BackendClient,
    endpoint: String,
    org_code: String,
}

impl SaeolConnector {
    /// A connector for a validated config.
    pub fn new(config: &SaeolConfig) -> Result<Self, ConnectorError> {
        Ok(SaeolConnector {
            descriptor: config.descriptor(),
            client: BackendClient::new(&config.http)?,
            endpoint: config.endpoint(),
            org_code: config.org_code.clone(),
        })
    }

    /// Sends `op` with `params` and returns its response element, or the classified failure.
    pub async fn call(
        &self,
        op: Operation,
        params: &[(&str, &str)],
        ctx: &CallContext,
    ) -> Result<Element, ConnectorError> {
        let body = encode_euc_kr(&soap::write_request(op, &self.org_code, params));
        let req = self
            .client
            .inner()
            .post(&self.endpoint)
            .header("content-type", CONTENT_TYPE)
            .header("soapaction", op.soap_action())
            .body(body);
        let raw = self.client.send(req, ctx).await?;
        interpret(op, &raw)
    }
}

/// Turns a raw HTTP answer to `op` into its response element or a classified error.
///
/// SOAP 1.1 sends faults with HTTP 500; when an error status carries a readable fault, the
/// fault's error code decides (so a detail look-up's NOT_FOUND is NotFound, not
/// Unavailable). Anything else in an error status is classified by the status alone, except
/// 404, which for a SOAP endpoint means a wrong path and is Unavailable.
pub fn interpret(op: Operation, raw: &RawResponse) -> Result<Element, ConnectorError> {
    let content_type = raw.content_type.as_deref();
    if let Some(status_error) = classify_status(raw) {
        if let Ok(text) = decode_body(&raw.body, content_type)
            && let Ok(env) = soap::parse_envelope(&text)
            && env.payload.name == "Fault"
            && let Ok(f) = Fault::from_element(&env.payload)
        {
            return Err(fault::classify(&f).with_retry_after(raw.retry_after));
        }
        if raw.status == 404 {
            // In SOAP "no data" is a fault or an empty list; a 404 means the endpoint path is
            // wrong, which must not pass for "this citizen has nothing here".
            return Err(ConnectorError::unavailable(
                "SOAP endpoint answered HTTP 404: check service_path",
            ));
        }
        return Err(status_error);
    }
    let text = decode_body(&raw.body, content_type)?;
    soap::parse_response(&text, op)
}

/// Whether a complaint number is worth sending: short, ASCII digits, letters and hyphens.
fn plausible_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[async_trait::async_trait]
impl Connector for SaeolConnector {
    fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    async fn fetch_cases(
        &self,
        keys: &CitizenKeys,
        ctx: &CallContext,
    ) -> Result<Vec<Case>, ConnectorError> {
        let Some(rrn) = &keys.rrn else {
            return Err(ConnectorError::invalid_query(
                "saeol answers from citizen.rrn, which was not given",
            ));
        };
        let digits = rrn.digits();
        let resp = self
            .call(
                Operation::GetCivilComplaintList,
                &[(el::RRNO, digits.as_str())],
                ctx,
            )
            .await?;
        complaints_from_list(&resp)
    }

    async fn get_case(&self, native_id: &str, ctx: &CallContext) -> Result<Case, ConnectorError> {
        if !plausible_id(native_id) {
            return Err(ConnectorError::invalid_query(
                "saeol complaint numbers are up to 32 ASCII letters, digits and hyphens",
            ));
        }
        let resp = self
            .call(
                Operation::GetCivilComplaintDetail,
                &[(el::MNWN_NO, native_id)],
                ctx,
            )
            .await?;
        let rec = resp.child(el::MNWN_INFO).ok_or_else(|| {
            ConnectorError::bad_response(format!("detail response lacks {}", el::MNWN_INFO))
        })?;
        let case = complaint_to_case(rec)?;
        if case.native_id != native_id {
            return Err(ConnectorError::bad_response(
                "detail response is about another complaint number",
            ));
        }
        Ok(case)
    }
}

/// Health check: `GetServerStatus` must answer `UP`.
#[derive(Debug)]
pub struct SaeolHealth {
    connector: Arc<SaeolConnector>,
}

impl SaeolHealth {
    /// A health check sharing the connector's client.
    pub fn new(connector: Arc<SaeolConnector>) -> Self {
        SaeolHealth { connector }
    }
}

#[async_trait::async_trait]
impl HealthCheck for SaeolHealth {
    async fn check(&self, ctx: &CallContext) -> Result<(), ConnectorError> {
        let resp = self
            .connector
            .call(Operation::GetServerStatus, &[], ctx)
            .await?;
        match resp.child_text(el::SRVR_STTS_CD) {
            Some("UP") => Ok(()),
            Some(_) => Err(ConnectorError::unavailable(
                "Saeol reports a server status other than UP",
            )),
            None => Err(ConnectorError::bad_response(format!(
                "status response lacks {}",
                el::SRVR_STTS_CD
            ))),
        }
    }
}
