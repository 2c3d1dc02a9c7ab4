//! [`DeclarativeConnector`]: the unified connector calls carried out as the table says —
//! one search per citizen key (every page), a detail look-up, and [`DeclarativeHealth`].

use crate::mapping::{Mapper, case_kind};
use crate::request::{self, Call, JsonShape, Param};
use crate::spec::{
    Auth, ConstParam, KeyFormat, KeyName, Kind, Paging, ParamIn, PersonalName, Spec,
};
use minwon_connector_sdk::http::BackendClient;
use minwon_connector_sdk::paging::{PagingLimits, fetch_all};
use minwon_connector_sdk::portal::{Item, PortalPage, is_plain_id};
use minwon_connector_sdk::{
    CallContext, Case, CitizenKeys, Connector, ConnectorError, Descriptor, ErrorKind, HealthCheck,
    KeyKind, PersonalField,
};
use std::collections::HashSet;
use std::sync::Arc;

/// A connector configured in TOML alone.
pub struct DeclarativeConnector {
    spec: Spec,
    client: BackendClient,
    descriptor: Descriptor,
    mapper: Mapper,
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
        };
        let mapper = Mapper {
            source: name.to_string(),
            kind: case_kind(spec.case_kind),
            department: spec.department.clone(),
            mapping: spec.mapping.clone(),
        };
        Ok(DeclarativeConnector {
            spec,
            client,
            descriptor,
            mapper,
        })
    }

    fn auth(&self) -> &Auth {
        &self.spec.auth
    }

    async fn send(
        &self,
        call: Call<'_>,
        shape: Option<JsonShape<'_>>,
        ctx: &CallContext,
    ) -> Result<PortalPage, ConnectorError> {
        let req = request::build(self.client.inner(), &self.spec.base_url, self.auth(), call)?;
        let raw = self.client.send(req, ctx).await?;
        request::read(self.spec.kind, shape.as_ref(), &raw)
    }

    fn shape<'a>(
        &'a self,
        items: &'a Option<String>,
        total: Option<&'a str>,
    ) -> Option<JsonShape<'a>> {
        match (self.spec.kind, &self.spec.envelope, items) {
            (Kind::RestJson, Some(envelope), Some(items)) => Some(JsonShape {
                envelope,
                items,
                total,
            }),
            _ => None,
        }
    }

    /// The key and the constant parameters of a search.
    fn search_params(&self, key: &str) -> Vec<(&str, Param, ParamIn)> {
        let s = &self.spec.search;
        let mut params = vec![(s.key_param.as_str(), Param::Text(key.to_string()), s.key_in)];
        params.extend(s.params.iter().map(|(name, v)| {
            let v = match v {
                ConstParam::Number(n) => Param::Number(*n),
                ConstParam::Text(t) => Param::Text(t.clone()),
            };
            (name.as_str(), v, s.key_in)
        }));
        params
    }

    /// Every record of one citizen key, every page.
    async fn search(&self, key: String, ctx: &CallContext) -> Result<Vec<Item>, ConnectorError> {
        let s = &self.spec.search;
        match &s.paging {
            Paging::None => {
                let call = Call {
                    method: s.method,
                    path: &s.path,
                    params: self.search_params(&key),
                };
                match self.send(call, self.shape(&s.items, None), ctx).await {
                    Ok(page) => Ok(page.items),
                    Err(e) if e.kind == ErrorKind::NotFound => Ok(Vec::new()),
                    Err(e) => Err(e),
                }
            }
            Paging::Page {
                page_param,
                size_param,
                size,
                max_pages,
                total,
            } => {
                let limits = PagingLimits {
                    page_size: *size,
                    max_pages: *max_pages,
                    deadline: ctx.deadline,
                };
                fetch_all(limits, |page_no| {
                    let mut params =
                        vec![(s.key_param.as_str(), Param::Text(key.clone()), s.key_in)];
                    params.push((page_param.as_str(), Param::Number(page_no), s.key_in));
                    params.push((size_param.as_str(), Param::Number(*size), s.key_in));
                    let call = Call {
                        method: s.method,
                        path: &s.path,
                        params,
                    };
                    let shape = self.shape(&s.items, total.as_deref());
                    async move { self.send(call, shape, ctx).await }
                })
                .await
            }
        }
    }

    /// The detail answer for one id.
    async fn detail(&self, id: &str, ctx: &CallContext) -> Result<PortalPage, ConnectorError> {
        let d = &self.spec.detail;
        let call = Call {
            method: d.method,
            path: &d.path,
            params: vec![(d.id_param.as_str(), Param::Text(id.to_string()), d.id_in)],
        };
        self.send(call, self.shape(&d.items, None), ctx).await
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
        let page = self.detail(native_id, ctx).await?;
        let item = match page.items.as_slice() {
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
