//! `ConnectorAdminService`: the connector inventory with live health (admin role).

use super::{Hub, status};
use crate::policy;
use futures::future::join_all;
use minwon_connector_sdk::CallContext;
use minwon_proto::v1 as pb;
use pb::connector_admin_service_server::ConnectorAdminService;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tonic::{Request, Response, Status};

/// Budget of one health check.
const HEALTH_BUDGET: Duration = Duration::from_secs(2);

/// The service.
#[derive(Clone)]
pub struct AdminApi {
    hub: Arc<Hub>,
}

impl AdminApi {
    /// Over the shared hub state.
    pub fn new(hub: Arc<Hub>) -> Self {
        AdminApi { hub }
    }
}

#[tonic::async_trait]
impl ConnectorAdminService for AdminApi {
    async fn list_connectors(
        &self,
        req: Request<pb::ListConnectorsRequest>,
    ) -> Result<Response<pb::ListConnectorsResponse>, Status> {
        let principal = self.hub.auth.authenticate(&req)?;
        if !policy::may_administer(&principal) {
            return Err(status::denied("ListConnectors needs the admin role"));
        }
        let skip = req.get_ref().skip_health;
        let checks = self.hub.registry.connectors.iter().map(|r| async move {
            let d = r.descriptor();
            let mut info = pb::ConnectorInfo {
                name: d.name.clone(),
                department: d.department.clone(),
                kind: d.kind.clone(),
                base_url: d.base_url.clone(),
                health: pb::ConnectorHealth::Unknown as i32,
                health_detail: String::new(),
                accepted_keys: d.accepts.iter().map(|k| k.as_str().to_string()).collect(),
                personal_fields: d
                    .personal_fields
                    .iter()
                    .map(|f| f.as_str().to_string())
                    .collect(),
                health_latency_ms: 0,
            };
            if !skip {
                let start = Instant::now();
                let ctx = CallContext::with_budget(HEALTH_BUDGET);
                let result = match tokio::time::timeout(HEALTH_BUDGET, r.health.check(&ctx)).await {
                    Ok(r) => r,
                    Err(_) => Err(minwon_connector_sdk::ConnectorError::timeout(
                        "health check timed out",
                    )),
                };
                info.health_latency_ms = start.elapsed().as_millis().min(u32::MAX as u128) as u32;
                match result {
                    Ok(()) => info.health = pb::ConnectorHealth::Up as i32,
                    Err(e) => {
                        info.health = pb::ConnectorHealth::Down as i32;
                        info.health_detail = e.to_string();
                    }
                }
            }
            info
        });
        Ok(Response::new(pb::ListConnectorsResponse {
            connectors: join_all(checks).await,
        }))
    }
}
