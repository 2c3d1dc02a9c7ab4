//! `KnowledgeService`: the public consultation knowledge base. No personal data, no purpose,
//! no access record — so it keeps answering when the audit store is down.
//!
//! A search asks the hub's own index ([`crate::guidance::knowledge`]) and, in parallel, the
//! connectors' knowledge sources (traffic's bus routes), and merges them by score. The sync
//! source (`[knowledge] sync_from`, Saeol) is not asked: its entries are in the index. An
//! entry a source returns with an id the index already answered is dropped. The admin RPCs
//! live in [`super::knowledge_admin`].

use super::{Hub, TraceCtx, status};
use crate::answer::convert;
use minwon_connector_sdk::{CallContext, KnowledgeEntry};
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
            return Err(status::invalid_message("query: 1 to 200 characters"));
        }
        if r.category.chars().count() > 50 {
            return Err(status::invalid_message("category: at most 50 characters"));
        }
        let limit = match r.limit {
            0 => 10,
            l if l <= MAX_LIMIT => l,
            _ => return Err(status::invalid_message("limit: 1 to 50 (0 means 10)")),
        };
        let indexed = hub.knowledge.is_some();
        let synced = hub.knowledge.as_ref().and_then(|k| k.sync_source_name());
        let sources: Vec<_> = hub
            .registry
            .knowledge
            .iter()
            .filter(|(name, _, _)| Some(name.as_str()) != synced)
            .collect();
        if sources.is_empty() && !indexed {
            return Err(status::unavailable(
                "no knowledge base is configured on this hub",
            ));
        }
        let (deadline, budget) = hub.deadline_of(req.metadata());
        let outgoing = &TraceCtx::from_metadata(req.metadata()).outgoing;
        let category = (!r.category.is_empty()).then_some(r.category.as_str());
        // Beside the index, route sources get the route number a sentence names ("60-3번
        // 버스 어디 가요" → 60-3): a route search cannot read the sentence itself.
        let route_query = crate::guidance::knowledge::analyzer::route_number(query)
            .filter(|_| indexed)
            .unwrap_or_else(|| query.to_string());
        let route_query = route_query.as_str();
        // Every source in parallel, each behind its own connector's breaker; one failing
        // source leaves the others' answers (only all failing is an error).
        let asks = sources.iter().map(|(name, source, guard)| async move {
            let found = guard
                .call(deadline - Hub::reserve(budget), |d| async move {
                    let ctx = CallContext {
                        deadline: d,
                        traceparent: Some(outgoing.clone()),
                    };
                    source
                        .search(route_query, category, limit as usize, &ctx)
                        .await
                })
                .await;
            (name, found)
        });
        let mut entries = Vec::new();
        let mut total = 0usize;
        let mut failure = None;
        let mut answered = 0;
        let mut index_generation = 0;
        // What the gap report judges: the index's own hits when there is an index (its BM25
        // scale; bus routes score far above it), else the merged answer.
        let mut index_judged: Option<(usize, Option<f64>)> = None;
        if let Some(store) = &hub.knowledge {
            let snap = store.current();
            let (hits, n) = snap
                .index
                .search(query, category, limit as usize)
                .map_err(|e| status::from_knowledge(&e.into(), false))?;
            entries.extend(hits.iter().map(|h| {
                let e = &snap.entries[h.ord];
                KnowledgeEntry {
                    id: e.id.clone(),
                    category: e.category.clone(),
                    question: e.question.clone(),
                    answer: e.answer.clone(),
                    department: e.department.clone(),
                    contact: e.phone.clone(),
                    score: f64::from(h.score),
                }
            }));
            total += n;
            answered += 1;
            index_generation = snap.generation;
            index_judged = Some((n, hits.first().map(|h| f64::from(h.score))));
        }
        for (name, found) in futures::future::join_all(asks).await {
            match found {
                Ok((found, n)) => {
                    let known: std::collections::HashSet<String> =
                        entries.iter().map(|e| e.id.clone()).collect();
                    entries.extend(found.into_iter().filter(|e| !known.contains(&e.id)));
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
        // Knowledge-gap report (scrubbed, fire-and-forget; see crate::guidance::gaps).
        let (hits, best) = index_judged.unwrap_or((total, entries.first().map(|e| e.score)));
        hub.gaps.observe(query, principal.channel, hits, best);
        Ok(Response::new(pb::SearchKnowledgeResponse {
            entries: entries.into_iter().map(convert::knowledge_entry).collect(),
            total_matches: total.min(u32::MAX as usize) as u32,
            index_generation,
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

    async fn reload_knowledge(
        &self,
        req: Request<pb::ReloadKnowledgeRequest>,
    ) -> Result<Response<pb::ReloadKnowledgeResponse>, Status> {
        super::knowledge_admin::reload(&self.hub, req).await
    }

    async fn list_knowledge_due_for_review(
        &self,
        req: Request<pb::ListKnowledgeDueForReviewRequest>,
    ) -> Result<Response<pb::ListKnowledgeDueForReviewResponse>, Status> {
        super::knowledge_admin::due(&self.hub, req).await
    }
}
