//! `AuditService`: reading and verifying the access trail (auditor role). Every query of the
//! trail is itself written to the trail first — who watches the watchers.

use super::{Hub, TraceCtx, status};
use crate::access::policy;
use crate::access::validate::{Purpose, PurposeCode};
use crate::answer::convert::timestamp;
use futures::StreamExt;
use minwon_audit::{AccessRecord, Outcome, RecordFilter};
use minwon_proto::v1 as pb;
use pb::audit_service_server::AuditService;
use std::pin::Pin;
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// Records read from the store per page.
const PAGE: usize = 500;

/// The service.
#[derive(Clone)]
pub struct AuditApi {
    pub(super) hub: Arc<Hub>,
}

type RecordStream = Pin<Box<dyn futures::Stream<Item = Result<pb::AccessRecord, Status>> + Send>>;

fn purpose_pb(code: &str) -> pb::PurposeCode {
    match code {
        "citizen_inquiry" => pb::PurposeCode::CitizenInquiry,
        "case_handling" => pb::PurposeCode::CaseHandling,
        "payment_guidance" => pb::PurposeCode::PaymentGuidance,
        "audit_review" => pb::PurposeCode::AuditReview,
        "system_operation" => pb::PurposeCode::SystemOperation,
        "self_service" => pb::PurposeCode::SelfService,
        _ => pb::PurposeCode::Unspecified,
    }
}

fn outcome_pb(o: Outcome) -> pb::AccessOutcome {
    match o {
        Outcome::Allowed => pb::AccessOutcome::Allowed,
        Outcome::Denied => pb::AccessOutcome::Denied,
        Outcome::Failed => pb::AccessOutcome::Failed,
    }
}

/// A stored record for the wire: every subject in `subjects`, the first also in the
/// single-subject fields older clients read.
pub fn record_pb(r: AccessRecord) -> pb::AccessRecord {
    let d = r.draft;
    let (subject_hmac, subject_masked) = d
        .subjects
        .first()
        .map(|s| (s.hmac.clone(), s.masked.clone()))
        .unwrap_or_default();
    let subjects = d
        .subjects
        .into_iter()
        .map(|s| pb::AccessSubject {
            kind: s.kind,
            hmac: s.hmac,
            masked: s.masked,
        })
        .collect();
    pb::AccessRecord {
        sequence: r.sequence,
        audit_id: r.audit_id,
        time: Some(timestamp(d.time)),
        account: d.account,
        role: d.role,
        department: d.department,
        channel: d.channel,
        client_address: d.client_address,
        action: d.action.as_str().to_string(),
        subject_hmac,
        subject_masked,
        subjects,
        sources: d.sources,
        clear_fields: d.clear_fields,
        purpose: purpose_pb(&d.purpose_code) as i32,
        purpose_note: d.purpose_note,
        outcome: outcome_pb(d.outcome) as i32,
        trace_id: d.trace_id,
        prev_hash: r.prev_hash,
        hash: r.hash,
        operation: d.operation,
    }
}

impl AuditApi {
    /// Over the shared hub state.
    pub fn new(hub: Arc<Hub>) -> Self {
        AuditApi { hub }
    }

    /// Authenticates; a non-auditor's attempt is itself recorded, then refused.
    pub(super) async fn authorize<T>(
        &self,
        req: &Request<T>,
        operation: &str,
    ) -> Result<crate::access::auth::Principal, Status> {
        let hub = &self.hub;
        let p = super::layer::principal(req)?;
        if !policy::may_audit(&p) {
            let purpose = Purpose {
                code: PurposeCode::AuditReview,
                note: String::new(),
            };
            let trace = TraceCtx::from_metadata(req.metadata());
            let d = hub.draft(
                &p,
                operation,
                vec![],
                vec![],
                vec![],
                &purpose,
                Outcome::Denied,
                &trace,
            );
            hub.record(d).await?;
            return Err(status::denied("the audit service needs the auditor role"));
        }
        Ok(p)
    }

    async fn query(
        &self,
        req: Request<pb::QueryAccessRecordsRequest>,
    ) -> Result<Response<RecordStream>, Status> {
        let hub = self.hub.clone();
        let principal = self.authorize(&req, "QueryAccessRecords").await?;
        let checked = super::audit_query::check(&hub.subject_key, req.get_ref())?;
        let subjects = checked.subjects;
        let limit = checked.filter.limit;
        let filter = RecordFilter {
            limit: PAGE.min(limit),
            ..checked.filter
        };
        // The look at the trail is recorded before any record leaves.
        let purpose = Purpose {
            code: PurposeCode::AuditReview,
            note: String::new(),
        };
        let trace = TraceCtx::from_metadata(req.metadata());
        let d = hub.draft(
            &principal,
            "QueryAccessRecords",
            subjects,
            vec![],
            vec![],
            &purpose,
            Outcome::Allowed,
            &trace,
        );
        hub.record(d).await?;
        let pages = futures::stream::unfold((filter, limit, false), move |(mut f, left, done)| {
            let hub = hub.clone();
            async move {
                if done || left == 0 {
                    return None;
                }
                f.limit = f.limit.min(left);
                match hub.audit.store().query(&f).await {
                    Ok(records) => {
                        let n = records.len();
                        let finished = n < f.limit;
                        if let Some(last) = records.last() {
                            f.after_sequence = last.sequence;
                        }
                        let items: Vec<Result<pb::AccessRecord, Status>> =
                            records.into_iter().map(|r| Ok(record_pb(r))).collect();
                        Some((
                            futures::stream::iter(items),
                            (f, left - n, finished || n == 0),
                        ))
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "reading the access trail failed");
                        let err = status::unavailable(
                            "the access trail cannot be read right now; retry shortly",
                        );
                        Some((futures::stream::iter(vec![Err(err)]), (f, 0, true)))
                    }
                }
            }
        });
        Ok(Response::new(Box::pin(pages.flatten())))
    }

    async fn verify(
        &self,
        req: Request<pb::VerifyAuditLogRequest>,
    ) -> Result<Response<pb::VerifyAuditLogResponse>, Status> {
        let hub = &self.hub;
        let principal = self.authorize(&req, "VerifyAuditLog").await?;
        let purpose = Purpose {
            code: PurposeCode::AuditReview,
            note: String::new(),
        };
        let trace = TraceCtx::from_metadata(req.metadata());
        let d = hub.draft(
            &principal,
            "VerifyAuditLog",
            vec![],
            vec![],
            vec![],
            &purpose,
            Outcome::Allowed,
            &trace,
        );
        hub.record(d).await?;
        let from = req.get_ref().from_sequence;
        let store = hub.audit.store();
        if from > 1 {
            let head = store.head().await.map_err(|e| {
                tracing::error!(error = %e, "reading the access trail head failed");
                status::unavailable("the access trail cannot be read right now; retry shortly")
            })?;
            let last = head.map(|(seq, _)| seq).unwrap_or(0);
            if from > last {
                return Err(status::invalid_message(format!(
                    "from_sequence: the trail ends at {last}"
                )));
            }
        }
        let report = crate::trail::verify_from(store.as_ref(), &hub.trail, from)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "verifying the access trail failed");
                status::unavailable("the access trail cannot be read right now; retry shortly")
            })?;
        Ok(Response::new(pb::VerifyAuditLogResponse {
            ok: report.ok,
            records_checked: report.records_checked,
            checkpoints_checked: report.checkpoints_checked,
            first_bad_sequence: report.first_bad_sequence.unwrap_or(0),
            reason: report.reason.unwrap_or_default(),
        }))
    }
}

#[tonic::async_trait]
impl AuditService for AuditApi {
    type QueryAccessRecordsStream = RecordStream;

    async fn query_access_records(
        &self,
        req: Request<pb::QueryAccessRecordsRequest>,
    ) -> Result<Response<Self::QueryAccessRecordsStream>, Status> {
        self.query(req).await
    }

    async fn verify_audit_log(
        &self,
        req: Request<pb::VerifyAuditLogRequest>,
    ) -> Result<Response<pb::VerifyAuditLogResponse>, Status> {
        self.verify(req).await
    }

    async fn get_access_review(
        &self,
        req: Request<pb::GetAccessReviewRequest>,
    ) -> Result<Response<pb::AccessReview>, Status> {
        self.review(req).await
    }

    async fn sign_off_access_review(
        &self,
        req: Request<pb::SignOffAccessReviewRequest>,
    ) -> Result<Response<pb::SignOffAccessReviewResponse>, Status> {
        self.sign_off(req).await
    }
}
