//! The console's calls: the hub's own gRPC service implementations, called in-process with
//! the session's bearer token and the browser's address as if it had called over gRPC. So
//! the console has no privilege of its own: what the API refuses, the console cannot show,
//! and every look is recorded by the same code.

use crate::api::{AdminApi, AuditApi, Hub};
use futures::StreamExt;
use minwon_proto::v1 as pb;
use pb::audit_service_server::AuditService;
use pb::connector_admin_service_server::ConnectorAdminService;
use std::net::SocketAddr;
use std::sync::Arc;
use tonic::Status;
use tonic::metadata::MetadataValue;
use tonic::transport::server::TcpConnectInfo;

/// A gRPC request as the API would receive it from `client` with `token`: authenticated as
/// the hub's auth layer does for every gRPC call (same issuers, same throttle), the principal
/// in its extensions.
pub async fn request<T>(
    hub: &Hub,
    token: &str,
    client: SocketAddr,
    message: T,
) -> Result<tonic::Request<T>, Status> {
    let mut req = tonic::Request::new(message);
    if let Ok(v) = MetadataValue::try_from(format!("Bearer {token}")) {
        req.metadata_mut().insert("authorization", v);
    }
    req.extensions_mut().insert(TcpConnectInfo {
        local_addr: None,
        remote_addr: Some(client),
    });
    let principal = hub
        .auth
        .authenticate_parts(req.metadata().as_ref(), Some(client))
        .await
        .map_err(|e| crate::api::status_of_auth(&e))?;
    req.extensions_mut().insert(principal);
    Ok(req)
}

/// Who calls: the session's token and the browser's address.
pub struct Caller<'a> {
    /// The hub.
    pub hub: &'a Arc<Hub>,
    /// The bearer token.
    pub token: &'a str,
    /// The browser's address (recorded as the access location).
    pub client: SocketAddr,
}

impl Caller<'_> {
    /// `QueryAccessRecords`, the stream collected.
    pub async fn query(
        &self,
        q: pb::QueryAccessRecordsRequest,
    ) -> Result<Vec<pb::AccessRecord>, Status> {
        let api = AuditApi::new(self.hub.clone());
        let mut stream = api
            .query_access_records(request(self.hub, self.token, self.client, q).await?)
            .await?
            .into_inner();
        let mut out = Vec::new();
        while let Some(r) = stream.next().await {
            out.push(r?);
        }
        Ok(out)
    }

    /// `VerifyAuditLog` of the whole trail.
    pub async fn verify(&self) -> Result<pb::VerifyAuditLogResponse, Status> {
        let api = AuditApi::new(self.hub.clone());
        let req = pb::VerifyAuditLogRequest { from_sequence: 0 };
        Ok(api
            .verify_audit_log(request(self.hub, self.token, self.client, req).await?)
            .await?
            .into_inner())
    }

    /// `GetAccessReview`.
    pub async fn review(&self, month: &str) -> Result<pb::AccessReview, Status> {
        let api = AuditApi::new(self.hub.clone());
        let req = pb::GetAccessReviewRequest {
            month: month.to_string(),
        };
        Ok(api
            .get_access_review(request(self.hub, self.token, self.client, req).await?)
            .await?
            .into_inner())
    }

    /// `SignOffAccessReview`.
    pub async fn sign_off(
        &self,
        month: &str,
        comment: &str,
    ) -> Result<pb::SignOffAccessReviewResponse, Status> {
        let api = AuditApi::new(self.hub.clone());
        let req = pb::SignOffAccessReviewRequest {
            month: month.to_string(),
            comment: comment.to_string(),
        };
        Ok(api
            .sign_off_access_review(request(self.hub, self.token, self.client, req).await?)
            .await?
            .into_inner())
    }

    /// `ListConnectors` with live health checks.
    pub async fn connectors(&self) -> Result<pb::ListConnectorsResponse, Status> {
        let api = AdminApi::new(self.hub.clone());
        let req = pb::ListConnectorsRequest { skip_health: false };
        Ok(api
            .list_connectors(request(self.hub, self.token, self.client, req).await?)
            .await?
            .into_inner())
    }
}
