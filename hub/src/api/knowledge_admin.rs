//! The content team's side of `KnowledgeService` (admin role): replacing the base without a
//! restart, and the entries due for review.

use super::{Hub, status};
use crate::access::policy;
use minwon_proto::v1 as pb;
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// Largest base content accepted by `ReloadKnowledge`, in bytes (tonic's default message
/// limit is 4 MiB; a 1,000-entry base is about 1 MiB).
pub const MAX_CONTENT_BYTES: usize = 4 * 1024 * 1024 - 1024;
/// Largest `limit` of `ListKnowledgeDueForReview`.
pub const MAX_DUE_LIMIT: u32 = 1000;

fn store(hub: &Hub) -> Result<&Arc<crate::guidance::knowledge::KnowledgeStore>, Status> {
    hub.knowledge.as_ref().ok_or_else(|| {
        status::failed_precondition(
            "this hub has no knowledge index ([knowledge] index = false); nothing to reload",
        )
    })
}

/// `ReloadKnowledge`.
pub async fn reload(
    hub: &Arc<Hub>,
    req: Request<pb::ReloadKnowledgeRequest>,
) -> Result<Response<pb::ReloadKnowledgeResponse>, Status> {
    let principal = super::layer::principal(&req)?;
    if !policy::may_administer(&principal) {
        return Err(status::denied("ReloadKnowledge needs the admin role"));
    }
    let store = store(hub)?.clone();
    let content = req.into_inner().content;
    if content.len() > MAX_CONTENT_BYTES {
        return Err(status::invalid_message(format!(
            "content: at most {MAX_CONTENT_BYTES} bytes"
        )));
    }
    let sent = !content.is_empty();
    // Parsing and indexing a base is CPU work of a few hundred ms: off the async workers.
    let outcome = tokio::task::spawn_blocking(move || {
        if sent {
            store.import(&content)
        } else {
            store.reload()
        }
    })
    .await
    .map_err(|_| status::internal("the knowledge import task failed; tell the hub operators"))?
    .map_err(|e| {
        tracing::warn!(error = %e, "knowledge import refused");
        status::from_knowledge(&e, sent)
    })?;
    Ok(Response::new(pb::ReloadKnowledgeResponse {
        index_generation: outcome.generation,
        entries: outcome.entries as u32,
        active_entries: outcome.active as u32,
        changed: outcome.changed,
        persisted: outcome.persisted,
    }))
}

/// `ListKnowledgeDueForReview`.
pub async fn due(
    hub: &Arc<Hub>,
    req: Request<pb::ListKnowledgeDueForReviewRequest>,
) -> Result<Response<pb::ListKnowledgeDueForReviewResponse>, Status> {
    let principal = super::layer::principal(&req)?;
    if !policy::may_administer(&principal) {
        return Err(status::denied(
            "ListKnowledgeDueForReview needs the admin role",
        ));
    }
    let r = req.get_ref();
    let today = match r.as_of.trim() {
        "" => chrono::Utc::now().date_naive(),
        d => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| status::invalid_message("as_of: a date as YYYY-MM-DD, or empty"))?,
    };
    let limit = match r.limit {
        0 => 100,
        l if l <= MAX_DUE_LIMIT => l,
        _ => return Err(status::invalid_message("limit: 1 to 1000 (0 means 100)")),
    };
    let snap = store(hub)?.current();
    let due = snap.due_for_review(today);
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    Ok(Response::new(pb::ListKnowledgeDueForReviewResponse {
        total_due: due.len() as u32,
        entries: due
            .iter()
            .take(limit as usize)
            .map(|e| pb::KnowledgeReviewItem {
                id: e.id.clone(),
                category: e.category.clone(),
                question: e.question.clone(),
                department: e.department.clone(),
                contact: e.phone.clone(),
                reviewed_at: day(e.reviewed_at),
                review_every: e.review_every.clone(),
                due_on: day(e.review_due()),
            })
            .collect(),
        index_generation: snap.generation,
    }))
}
