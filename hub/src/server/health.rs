//! gRPC health (`grpc.health.v1`) per service, kept true to what the hub can do: the case
//! service, self-service and the audit service need the access trail, so they report NOT_SERVING while the
//! audit store does not answer, and for good once the audit writer found the stored trail
//! rewritten under the running hub (an integrity failure); the knowledge and directory services (not audited) and the overall
//! status ("") stay SERVING. Kubernetes readiness probes ask for the case service.

use crate::api::Hub;
use minwon_proto::v1 as pb;
use std::sync::Arc;
use std::time::Duration;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

/// How often the audit store is probed.
pub const PROBE_INTERVAL: Duration = Duration::from_secs(2);
/// How long one probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Service names whose status follows the audit store.
pub const AUDITED_SERVICES: [&str; 3] = [
    "minwon.v1.CitizenCaseService",
    "minwon.v1.AuditService",
    "minwon.v1.SelfService",
];

/// Sets every service's status — the audited ones from a first probe of the audit store, so a
/// probe arriving with the first connection never finds a service "not registered" — then
/// follows the store in the background until the returned task is aborted.
pub async fn start(hub: Arc<Hub>, reporter: HealthReporter) -> tokio::task::JoinHandle<()> {
    use tonic::server::NamedService;
    for name in [
        "",
        <pb::knowledge_service_server::KnowledgeServiceServer<crate::api::KnowledgeApi> as NamedService>::NAME,
        <pb::connector_admin_service_server::ConnectorAdminServiceServer<crate::api::AdminApi> as NamedService>::NAME,
        <pb::directory_service_server::DirectoryServiceServer<crate::api::DirectoryApi> as NamedService>::NAME,
    ] {
        reporter.set_service_status(name, ServingStatus::Serving).await;
    }
    let mut last: Option<bool> = None;
    probe(&hub, &reporter, &mut last).await;
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(PROBE_INTERVAL).await;
            probe(&hub, &reporter, &mut last).await;
        }
    })
}

/// One probe of the audit store; the audited services' status changes when its result does.
async fn probe(hub: &Hub, reporter: &HealthReporter, last: &mut Option<bool>) {
    let intact = hub.audit.integrity_failure().is_none();
    let up = intact
        && matches!(
            tokio::time::timeout(PROBE_TIMEOUT, hub.audit.store().ping()).await,
            Ok(Ok(()))
        );
    if *last == Some(up) {
        return;
    }
    let status = if up {
        ServingStatus::Serving
    } else {
        ServingStatus::NotServing
    };
    for name in AUDITED_SERVICES {
        reporter.set_service_status(name, status).await;
    }
    if up {
        tracing::info!("audit store reachable: case service SERVING");
    } else if !intact {
        tracing::error!("audit trail integrity lost: case service NOT_SERVING until restarted");
    } else {
        tracing::error!("audit store unreachable: case service NOT_SERVING (fail closed)");
    }
    *last = Some(up);
}
