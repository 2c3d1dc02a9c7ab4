//! `AuditService`: reading and verifying the access trail (auditor role).
//!
//! Declared with the API; querying and verification arrive with the privacy/audit work.
//! Until then both answer `UNIMPLEMENTED` — never invented data.

use super::{Hub, status};
use crate::policy;
use minwon_proto::v1 as pb;
use pb::audit_service_server::AuditService;
use std::pin::Pin;
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// The service.
#[derive(Clone)]
pub struct AuditApi {
    hub: Arc<Hub>,
}

impl AuditApi {
    /// Over the shared hub state.
    pub fn new(hub: Arc<Hub>) -> Self {
        AuditApi { hub }
    }

    fn authorize<T>(&self, req: &Request<T>) -> Result<(), Status> {
        let p = self.hub.auth.authenticate(req)?;
        if !policy::may_audit(&p) {
            return Err(status::denied("the audit service needs the auditor role"));
        }
        Ok(())
    }
}

type RecordStream = Pin<Box<dyn futures::Stream<Item = Result<pb::AccessRecord, Status>> + Send>>;

impl AuditApi {
    async fn query(
        &self,
        req: Request<pb::QueryAccessRecordsRequest>,
    ) -> Result<Response<RecordStream>, Status> {
        self.authorize(&req)?;
        Err(Status::unimplemented(
            "QueryAccessRecords is not available in this version; records are kept and will be queryable",
        ))
    }

    async fn verify(
        &self,
        req: Request<pb::VerifyAuditLogRequest>,
    ) -> Result<Response<pb::VerifyAuditLogResponse>, Status> {
        self.authorize(&req)?;
        Err(Status::unimplemented(
            "VerifyAuditLog is not available in this version",
        ))
    }
}

#[tonic::async_trait]
impl AuditService for AuditApi {
    type QueryAccessRecordsStream = RecordStream;

    async fn query_access_records(
        &self,
        req: Request<pb::QueryAccessRecordsRequest>,
    ) -> Result<Response<Self::QueryAccessRecordsStream>, Status> {
        let md = req.metadata().clone();
        crate::telemetry::rpc(
            "minwon.v1.AuditService",
            "QueryAccessRecords",
            &md,
            self.query(req),
        )
        .await
    }

    async fn verify_audit_log(
        &self,
        req: Request<pb::VerifyAuditLogRequest>,
    ) -> Result<Response<pb::VerifyAuditLogResponse>, Status> {
        let md = req.metadata().clone();
        crate::telemetry::rpc(
            "minwon.v1.AuditService",
            "VerifyAuditLog",
            &md,
            self.verify(req),
        )
        .await
    }
}
