//! `ConnectorAdminService`: the connector inventory with live health and resilience state,
//! and the admin's breaker override (admin role only, every change on the access trail).

use super::{Hub, TraceCtx, status};
use crate::access::policy;
use crate::access::validate::{Purpose, PurposeCode};
use crate::fanout::registry::Registered;
use crate::fanout::resilience::breaker::{BreakerState, Override};
use futures::future::join_all;
use minwon_audit::Outcome;
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

fn breaker_state(s: BreakerState) -> pb::BreakerState {
    match s {
        BreakerState::Closed => pb::BreakerState::Closed,
        BreakerState::Open => pb::BreakerState::Open,
        BreakerState::HalfOpen => pb::BreakerState::HalfOpen,
        BreakerState::ForcedOpen => pb::BreakerState::ForcedOpen,
        BreakerState::ForcedClosed => pb::BreakerState::ForcedClosed,
    }
}

/// Registry facts and live statistics; health left UNKNOWN.
fn info(r: &Registered) -> pb::ConnectorInfo {
    let d = r.descriptor();
    let snap = r.guard.snapshot();
    pb::ConnectorInfo {
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
        stats: Some(pb::ConnectorStats {
            breaker_state: breaker_state(snap.breaker.state) as i32,
            failure_rate: snap.breaker.failure_rate,
            slow_call_rate: snap.breaker.slow_call_rate,
            window_calls: snap.breaker.window_calls as u32,
            in_flight: snap.in_flight as u32,
            calls: snap.calls,
            latency_p50_ms: snap.p50_ms,
            latency_p99_ms: snap.p99_ms,
            breaker_transitions: snap.breaker.transitions,
        }),
        attribute_labels: d
            .attribute_labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

async fn with_health(r: &Registered) -> pb::ConnectorInfo {
    let mut out = info(r);
    let start = Instant::now();
    let ctx = CallContext::with_budget(HEALTH_BUDGET);
    // Health checks bypass the breaker on purpose: they are how an operator sees whether an
    // open breaker's back-end has come back.
    let result = match tokio::time::timeout(HEALTH_BUDGET, r.health.check(&ctx)).await {
        Ok(r) => r,
        Err(_) => Err(minwon_connector_sdk::ConnectorError::timeout(
            "health check timed out",
        )),
    };
    out.health_latency_ms = start.elapsed().as_millis().min(u32::MAX as u128) as u32;
    match result {
        Ok(()) => out.health = pb::ConnectorHealth::Up as i32,
        Err(e) => {
            out.health = pb::ConnectorHealth::Down as i32;
            out.health_detail = e.to_string();
        }
    }
    out
}

impl AdminApi {
    async fn list(
        &self,
        req: Request<pb::ListConnectorsRequest>,
    ) -> Result<Response<pb::ListConnectorsResponse>, Status> {
        let principal = super::layer::principal(&req)?;
        if !policy::may_administer(&principal) {
            return Err(status::denied("ListConnectors needs the admin role"));
        }
        let all = &self.hub.registry.connectors;
        let connectors = if req.get_ref().skip_health {
            all.iter().map(info).collect()
        } else {
            join_all(all.iter().map(with_health)).await
        };
        Ok(Response::new(pb::ListConnectorsResponse { connectors }))
    }

    async fn breaker(
        &self,
        req: Request<pb::SetBreakerRequest>,
    ) -> Result<Response<pb::ConnectorInfo>, Status> {
        let hub = &self.hub;
        let principal = super::layer::principal(&req)?;
        let trace = TraceCtx::from_metadata(req.metadata());
        let r = req.get_ref();
        let target = hub.registry.get(&r.name).ok_or_else(|| {
            status::invalid(
                "name",
                &format!(
                    "unknown connector; known connectors: {}",
                    hub.registry.names().join(", ")
                ),
            )
        })?;
        let mode = match pb::BreakerMode::try_from(r.mode) {
            Ok(pb::BreakerMode::Auto) => Override::Auto,
            Ok(pb::BreakerMode::ForceOpen) => Override::ForceOpen,
            Ok(pb::BreakerMode::ForceClosed) => Override::ForceClosed,
            _ => {
                return Err(status::invalid("mode", "AUTO, FORCE_OPEN or FORCE_CLOSED"));
            }
        };
        let reason = r.reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(status::invalid(
                "reason",
                "required, at most 500 characters",
            ));
        }
        let purpose = Purpose {
            code: PurposeCode::SystemOperation,
            note: reason.to_string(),
        };
        let sources = vec![r.name.clone()];
        if !policy::may_administer(&principal) {
            let d = hub.draft(
                &principal,
                "SetBreaker",
                vec![],
                sources,
                vec![],
                &purpose,
                Outcome::Denied,
                &trace,
            );
            hub.record(d).await?;
            return Err(status::denied("SetBreaker needs the admin role"));
        }
        // Recorded before the change takes effect: an override nobody can trace never happens.
        let d = hub.draft(
            &principal,
            "SetBreaker",
            vec![],
            sources,
            vec![],
            &purpose,
            Outcome::Allowed,
            &trace,
        );
        hub.record(d).await?;
        target.guard.breaker().set_override(mode);
        tracing::warn!(source = %r.name, mode = ?mode, account = %principal.account, "breaker override set by admin");
        Ok(Response::new(info(target)))
    }
}

#[tonic::async_trait]
impl ConnectorAdminService for AdminApi {
    async fn list_connectors(
        &self,
        req: Request<pb::ListConnectorsRequest>,
    ) -> Result<Response<pb::ListConnectorsResponse>, Status> {
        self.list(req).await
    }

    async fn set_breaker(
        &self,
        req: Request<pb::SetBreakerRequest>,
    ) -> Result<Response<pb::ConnectorInfo>, Status> {
        self.breaker(req).await
    }
}
