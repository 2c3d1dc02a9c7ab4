//! [`DeclarativeConnector`]: the unified connector calls carried out as the table says —
//! one search per citizen key (every page, see [`crate::search`]), a detail look-up, and
//! [`DeclarativeHealth`]. Every request goes through [`DeclarativeConnector::send`], which
//! with OAuth2 runs the SDK's token dance (cached token, one refresh on HTTP 401).

use crate::mapping::{Mapper, case_kind};
use crate::request::{self, Answer, Call, JsonShape, Param};
use crate::spec::{Auth, KeyFormat, KeyName, Kind, PersonalName, Spec};
use minwon_connector_sdk::http::BackendClient;
use minwon_connector_sdk::oauth2::{CallError, OAuth2Client, TokenRequest, wire};
use minwon_connector_sdk::portal::is_plain_id;
use minwon_connector_sdk::{
    CallContext, Case, CitizenKeys, Connector, ConnectorError, Descriptor, ErrorKind, HealthCheck,
    KeyKind, PersonalField,
};
use std::collections::HashSet;
use std::sync::Arc;

/// A connector configured in TOML alone.
pub struct DeclarativeConnector {
    pub(crate) spec: Spec,
    client: BackendClient,
    descriptor: Descriptor,
    mapper: Mapper,
    oauth: Option<OAuth2Client>,
}

impl std::fmt::Debug for DeclarativeConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The spec holds credentials; the descriptor says what the connector is.
        f.debug_struct("DeclarativeConnector")
            .field("descriptor", &self.descriptor)
            .finish_non_exhaustive()
    }
}

impl DeclarativeConnector {
    /// A connector named `name` for a validated spec.
    pub fn new(name: &str, spec: Spec) -> Result<Self, ConnectorError> {
        let client = BackendClient::new(&spec.http)?;
        let accepts = match spec.accepts {
            KeyName::Rrn => KeyKind::Rrn,
            KeyName::VehicleNumber => KeyKind::VehicleNumber,
            KeyName::WaterCustomerNo => KeyKind::WaterCustomerNo,
        };
        let personal_fields = spec
            .mapping
            .personal
            .keys()
            .map(|p| match p {
                PersonalName::Name => PersonalField::Name,
                PersonalName::Phone => PersonalField::Phone,
                PersonalName::Address => PersonalField::Address,
                PersonalName::VehicleNumber => PersonalField::VehicleNumber,
                PersonalName::AccountNumber => PersonalField::AccountNumber,
            })
            .collect();
        let descriptor = Descriptor {
            name: name.to_string(),
            department: spec.department.clone(),
            kind: spec.kind.as_str().to_string(),
            base_url: spec.base_url.clone(),
            accepts: vec![accepts],
            personal_fields,
            attribute_labels: spec.mapping.attribute_labels.clone(),
        };
        let mapper = Mapper {
            source: name.to_string(),
            kind: case_kind(spec.case_kind),
            department: spec.department.clone(),
            mapping: spec.mapping.clone(),
        };
        let oauth = match &spec.auth {
            Auth::OAuth2ClientCredentials {
                token_url,
                client_id,
                client_secret,
                scope,
                client_auth,
            } => Some(OAuth2Client::new(
                name,
                TokenRequest {
                    url: token_url.clone(),
                    client_id: client_id.clone(),
                    client_secret: client_secret.clone(),
                    scope: scope.clone().unwrap_or_default(),
                    auth: *client_auth,
                },
                std::time::Duration::from_millis(wire::DEFAULT_EXPIRY_SKEW_MS),
            )),
            _ => None,
        };
        Ok(DeclarativeConnector {
            spec,
            client,
            descriptor,
            mapper,
            oauth,
        })
    }

    /// Sends one request and reads its answer; with OAuth2, a bearer token goes with it and
    /// an HTTP 401 costs one token refresh and one retry.
    pub(crate) async fn send(
        &self,
        call: Call<'_>,
        shape: Option<JsonShape<'_>>,
        ctx: &CallContext,
    ) -> Result<Answer, ConnectorError> {
        let (base, auth, kind) = (&self.spec.base_url, &self.spec.auth, self.spec.kind);
        let Some(oauth) = &self.oauth else {
            let req = request::build(self.client.inner(), base, auth, None, &call)?;
            let raw = self.client.send(req, ctx).await?;
            return request::read(kind, shape.as_ref(), &raw);
        };
        let (call, shape) = (&call, shape.as_ref());
        oauth
            .call(&self.client, ctx, |bearer| async move {
                let token = Some(bearer.expose());
                let req = request::build(self.client.inner(), base, auth, token, call)?;
                let raw = self.client.send(req, ctx).await?;
                if raw.status == 401 {
                    return Err(CallError::TokenRejected);
                }
                Ok(request::read(kind, shape, &raw)?)
            })
            .await
    }

    /// Where a rest-json answer keeps its records, total and next cursor.
    pub(crate) fn shape<'a>(
        &'a self,
        items: &'a Option<String>,
        total: Option<&'a str>,
        next: Option<&'a str>,
    ) -> Option<JsonShape<'a>> {
        match (self.spec.kind, &self.spec.envelope, items) {
            (Kind::RestJson, Some(envelope), Some(items)) => Some(JsonShape {
                envelope,
                items,
                total,
                next,
            }),
            _ => None,
        }
    }

    /// The detail answer for one id.
    async fn detail(&self, id: &str, ctx: &CallContext) -> Result<Answer, ConnectorError> {
        let d = &self.spec.detail;
        let call = Call {
            method: d.method,
            path: &d.path,
            params: vec![(d.id_param.as_str(), Param::Text(id.to_string()), d.id_in)],
        };
        self.send(call, self.shape(&d.items, None, None), ctx).await
    }

    /// The citizen's keys of the accepted kind, as the back-end writes them.
    fn keys(&self, keys: &CitizenKeys) -> Vec<String> {
        let digits = self.spec.search.key_format == KeyFormat::Digits;
        let mut out: Vec<String> = match self.spec.accepts {
            KeyName::Rrn => keys
                .rrn
                .iter()
                .map(|r| {
                    if digits {
                        r.digits()
                    } else {
                        r.expose().to_string()
                    }
                })
                .collect(),
            KeyName::VehicleNumber => keys
                .vehicle_numbers
                .iter()
                .map(|v| v.expose().to_string())
                .collect(),
            KeyName::WaterCustomerNo => keys
                .water_customer_no
                .iter()
                .map(|w| w.expose().to_string())
                .collect(),
        };
        // The same plate given twice is searched once (order kept).
        let mut seen = HashSet::new();
        out.retain(|k| seen.insert(k.clone()));
        out
    }
}

#[async_trait::async_trait]
impl Connector for DeclarativeConnector {
    fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    async fn fetch_cases(
        &self,
        keys: &CitizenKeys,
        ctx: &CallContext,
    ) -> Result<Vec<Case>, ConnectorError> {
        let values = self.keys(keys);
        if values.is_empty() {
            return Err(ConnectorError::invalid_query(format!(
                "the {} source answers by {}; none was given",
                self.descriptor.name,
                self.descriptor.accepts[0].as_str()
            )));
        }
        let mut seen = HashSet::new();
        let mut cases = Vec::new();
        for key in values {
            for item in self.search(key, ctx).await? {
                let case = self.mapper.to_case(&item)?;
                if !seen.insert(case.native_id.clone()) {
                    return Err(ConnectorError::bad_response(
                        "the same record id arrived twice",
                    ));
                }
                cases.push(case);
            }
        }
        tracing::debug!(connector = %self.descriptor.name, cases = cases.len(), "records fetched");
        Ok(cases)
    }

    async fn get_case(&self, native_id: &str, ctx: &CallContext) -> Result<Case, ConnectorError> {
        if !is_plain_id(native_id) {
            return Err(ConnectorError::invalid_query(
                "a record id is letters, digits and hyphens, at most 64",
            ));
        }
        let answer = self.detail(native_id, ctx).await?;
        let item = match answer.page.items.as_slice() {
            [] => return Err(ConnectorError::not_found("no such record")),
            [one] => one,
            _ => {
                return Err(ConnectorError::bad_response(
                    "the detail answered more than one record",
                ));
            }
        };
        let case = self.mapper.to_case(item)?;
        if case.native_id != native_id {
            return Err(ConnectorError::bad_response(
                "the detail answered another record",
            ));
        }
        Ok(case)
    }
}

/// The health check: a detail look-up of `health.probe_id`; the back-end's own "no such
/// record" means up, anything else that is not an answer means down.
#[derive(Debug)]
pub struct DeclarativeHealth {
    connector: Arc<DeclarativeConnector>,
}

impl DeclarativeHealth {
    /// The health check of `connector`.
    pub fn new(connector: Arc<DeclarativeConnector>) -> Self {
        DeclarativeHealth { connector }
    }
}

#[async_trait::async_trait]
impl HealthCheck for DeclarativeHealth {
    async fn check(&self, ctx: &CallContext) -> Result<(), ConnectorError> {
        let probe = self.connector.spec.health.probe_id.clone();
        match self.connector.detail(&probe, ctx).await {
            Ok(_) => Ok(()),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
}
