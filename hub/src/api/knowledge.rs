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
        hub.auth.authenticate(&req)?;
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
        let (source, guard) =
            hub.registry.knowledge.as_ref().ok_or_else(|| {
                Status::unavailable("no knowledge base is configured on this hub")
            })?;
        let (deadline, budget) = hub.deadline_of(req.metadata());
        let outgoing = &TraceCtx::from_metadata(req.metadata()).outgoing;
        let category = (!r.category.is_empty()).then_some(r.category.as_str());
        let (entries, total) = guard
            .call(deadline - Hub::reserve(budget), |d| async move {
                let ctx = CallContext {
                    deadline: d,
                    traceparent: Some(outgoing.clone()),
                };
                source.search(query, category, limit as usize, &ctx).await
            })
            .await
            .map_err(|e| status::from_guard("knowledge base", &e))?;
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
        crate::telemetry::rpc("minwon.v1.KnowledgeService", "SearchKnowledge", req, |r| {
            self.search(r)
        })
        .await
    }
}
