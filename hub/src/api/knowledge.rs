//! `KnowledgeService`: the public consultation knowledge base. No personal data, no purpose,
//! no access record — so it keeps answering when the audit store is down.

use super::{Hub, TraceCtx, status};
use crate::convert;
use minwon_connector_sdk::CallContext;
use minwon_proto::v1 as pb;
use pb::knowledge_service_server::KnowledgeService;
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Largest `limit`.
pub const MAX_LIMIT: u32 = 50;

/// The service.
#[derive(Clone)]
pub struct KnowledgeApi {
    hub: Arc<Hub>,
}

impl KnowledgeApi {
    /// Over the shared hub state.
    pub fn new(hub: Arc<Hub>) -> Self {
        KnowledgeApi { hub }
    }
}

impl KnowledgeApi {
    async fn search(
        &self,
        req: Request<pb::SearchKnowledgeRequest>,
    ) -> Result<Response<pb::SearchKnowledgeResponse>, Status> {
        let hub = &self.hub;
        let principal = super::layer::principal(&req)?;
        let r = req.get_ref();
        let query = r.query.trim();
        let n = query.chars().count();
        if n == 0 || n > MAX_QUERY_CHARS {
            return Err(Status::invalid_argument("query: 1 to 200 characters"));
        }
        if r.category.chars().count() > 50 {
            return Err(Status::invalid_argument("category: at most 50 characters"));
        }
        let limit = match r.limit {
            0 => 10,
            l if l <= MAX_LIMIT => l,
            _ => return Err(Status::invalid_argument("limit: 1 to 50 (0 means 10)")),
        };
        let sources = &hub.registry.knowledge;
        if sources.is_empty() {
            return Err(Status::unavailable(
                "no knowledge base is configured on this hub",
            ));
        }
        let (deadline, budget) = hub.deadline_of(req.metadata());
        let outgoing = &TraceCtx::from_metadata(req.metadata()).outgoing;
        let category = (!r.category.is_empty()).then_some(r.category.as_str());
        // Every source in parallel, each behind its own connector's breaker; one failing
        // source leaves the others' answers (only all failing is an error).
        let asks = sources.iter().map(|(name, source, guard)| async move {
            let found = guard
                .call(deadline - Hub::reserve(budget), |d| async move {
                    let ctx = CallContext {
                        deadline: d,
                        traceparent: Some(outgoing.clone()),
                    };
                    source.search(query, category, limit as usize, &ctx).await
                })
                .await;
            (name, found)
        });
        let mut entries = Vec::new();
        let mut total = 0usize;
        let mut failure = None;
        let mut answered = 0;
        for (name, found) in futures::future::join_all(asks).await {
            match found {
                Ok((found, n)) => {
                    entries.extend(found);
                    total += n;
                    answered += 1;
                }
                Err(e) => {
                    tracing::warn!(source = %name, error = %e, "knowledge source failed");
                    failure.get_or_insert(status::from_guard("knowledge base", &e));
                }
            }
        }
        if let Some(f) = failure
            && answered == 0
        {
            return Err(f);
        }
        entries.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        entries.truncate(limit as usize);
        // Knowledge-gap report (scrubbed, fire-and-forget; see crate::gaps).
        hub.gaps.observe(
            query,
            principal.channel,
            total,
            entries.first().map(|e| e.score),
        );
        Ok(Response::new(pb::SearchKnowledgeResponse {
            entries: entries.into_iter().map(convert::knowledge_entry).collect(),
            total_matches: total.min(u32::MAX as usize) as u32,
        }))
    }
}

#[tonic::async_trait]
impl KnowledgeService for KnowledgeApi {
    async fn search_knowledge(
        &self,
        req: Request<pb::SearchKnowledgeRequest>,
    ) -> Result<Response<pb::SearchKnowledgeResponse>, Status> {
        self.search(req).await
    }

    async fn get_knowledge_gaps(
        &self,
        req: Request<pb::GetKnowledgeGapsRequest>,
    ) -> Result<Response<pb::GetKnowledgeGapsResponse>, Status> {
        super::gaps::get(&self.hub, req).await
    }

    async fn mark_knowledge_gap_answered(
        &self,
        req: Request<pb::MarkKnowledgeGapAnsweredRequest>,
    ) -> Result<Response<pb::MarkKnowledgeGapAnsweredResponse>, Status> {
        super::gaps::mark(&self.hub, req).await
    }
}
