//! `GetAccessReview` and `SignOffAccessReview`: the monthly review, each call recorded
//! before anything is read or signed (the review's record names the month in its note; a
//! sign-off IS its record).

use super::TraceCtx;
use super::audit::AuditApi;
use super::status;
use crate::access::validate::{MAX_NOTE_CHARS, Purpose, PurposeCode};
use minwon_audit::Outcome;
use minwon_audit::kst::Month;
use minwon_audit::review::{SIGN_OFF_OPERATION, SignOff, sign_off_note};
use minwon_proto::v1 as pb;
use tonic::{Request, Response, Status};

/// Longest sign-off comment (the note also carries the month).
pub const MAX_COMMENT_CHARS: usize = MAX_NOTE_CHARS - 8;

fn month_of(text: &str) -> Result<Month, Status> {
    Month::parse(text).map_err(|e| status::invalid_message(e.to_string()))
}

fn unreadable(e: minwon_audit::AuditError) -> Status {
    tracing::error!(error = %e, "reading the access trail for a review failed");
    status::unavailable("the access trail cannot be read right now; retry shortly")
}

impl AuditApi {
    pub(super) async fn review(
        &self,
        req: Request<pb::GetAccessReviewRequest>,
    ) -> Result<Response<pb::AccessReview>, Status> {
        let hub = &self.hub;
        let principal = self.authorize(&req, "GetAccessReview").await?;
        let month = month_of(&req.get_ref().month)?;
        let purpose = Purpose {
            code: PurposeCode::AuditReview,
            note: month.to_string(),
        };
        let trace = TraceCtx::from_metadata(req.metadata());
        let d = hub.draft(
            &principal,
            "GetAccessReview",
            vec![],
            vec![],
            vec![],
            &purpose,
            Outcome::Allowed,
            &trace,
        );
        let receipt = hub.record(d).await?;
        let review = crate::trail::review::compute(
            hub.audit.store().as_ref(),
            &hub.trail,
            &hub.review,
            month,
        )
        .await
        .map_err(unreadable)?;
        Ok(Response::new(crate::trail::review::review_pb(
            &review,
            receipt.audit_id,
        )))
    }

    pub(super) async fn sign_off(
        &self,
        req: Request<pb::SignOffAccessReviewRequest>,
    ) -> Result<Response<pb::SignOffAccessReviewResponse>, Status> {
        let hub = &self.hub;
        let principal = self.authorize(&req, SIGN_OFF_OPERATION).await?;
        let r = req.get_ref();
        let month = month_of(&r.month)?;
        let now = chrono::Utc::now();
        if month > Month::of(now) {
            return Err(status::failed_precondition(
                "month: a month can be signed off once it has begun (KST)",
            ));
        }
        let comment = r.comment.trim();
        if comment.chars().count() > MAX_COMMENT_CHARS
            || comment.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err(status::invalid_message(format!(
                "comment: at most {MAX_COMMENT_CHARS} characters, no control characters"
            )));
        }
        let purpose = Purpose {
            code: PurposeCode::AuditReview,
            note: sign_off_note(month, comment),
        };
        let trace = TraceCtx::from_metadata(req.metadata());
        let d = hub.draft(
            &principal,
            SIGN_OFF_OPERATION,
            vec![],
            vec![],
            vec![],
            &purpose,
            Outcome::Allowed,
            &trace,
        );
        let time = d.time;
        let receipt = hub.record(d).await?;
        let sign_off = SignOff {
            sequence: receipt.sequence,
            time,
            reviewer: principal.account.clone(),
            comment: comment.to_string(),
        };
        Ok(Response::new(pb::SignOffAccessReviewResponse {
            sign_off: Some(crate::trail::review::sign_off_pb(&sign_off)),
            audit_id: receipt.audit_id,
        }))
    }
}
