//! M1's baseline: a bare tonic unary server. It reuses an existing `minwon.v1` RPC shape
//! (`KnowledgeService/SearchKnowledge`) so no extra proto is needed, and answers one fixed
//! entry at once: no auth, no layers, no audit — plain tonic over the same transport.

use anyhow::Result;
use minwon_proto::v1 as pb;
use pb::knowledge_service_server::{KnowledgeService, KnowledgeServiceServer};
use tonic::{Request, Response, Status};

/// The id of the one entry the echo answers.
pub const ECHO_ID: &str = "echo-1";

/// The echo service.
#[derive(Debug, Clone, Default)]
pub struct Echo;

#[tonic::async_trait]
impl KnowledgeService for Echo {
    async fn search_knowledge(
        &self,
        req: Request<pb::SearchKnowledgeRequest>,
    ) -> Result<Response<pb::SearchKnowledgeResponse>, Status> {
        let q = req.into_inner().query;
        Ok(Response::new(pb::SearchKnowledgeResponse {
            entries: vec![pb::KnowledgeEntry {
                id: ECHO_ID.to_string(),
                category: "echo".to_string(),
                question: q,
                answer: "echo".to_string(),
                department: String::new(),
                contact: String::new(),
                score: 1.0,
            }],
            total_matches: 1,
            index_generation: 0,
        }))
    }

    // The baseline measures one unary RPC; the report RPCs are not part of it.
    async fn get_knowledge_gaps(
        &self,
        _: Request<pb::GetKnowledgeGapsRequest>,
    ) -> Result<Response<pb::GetKnowledgeGapsResponse>, Status> {
        Err(Status::unimplemented(
            "the echo baseline serves SearchKnowledge only",
        ))
    }

    async fn mark_knowledge_gap_answered(
        &self,
        _: Request<pb::MarkKnowledgeGapAnsweredRequest>,
    ) -> Result<Response<pb::MarkKnowledgeGapAnsweredResponse>, Status> {
        Err(Status::unimplemented(
            "the echo baseline serves SearchKnowledge only",
        ))
    }

    // The baseline measures one unary RPC; the admin RPCs of the service are answered as a
    // server without them would answer.
    async fn reload_knowledge(
        &self,
        _: Request<pb::ReloadKnowledgeRequest>,
    ) -> Result<Response<pb::ReloadKnowledgeResponse>, Status> {
        Err(Status::unimplemented(
            "the echo baseline answers SearchKnowledge only",
        ))
    }

    async fn list_knowledge_due_for_review(
        &self,
        _: Request<pb::ListKnowledgeDueForReviewRequest>,
    ) -> Result<Response<pb::ListKnowledgeDueForReviewResponse>, Status> {
        Err(Status::unimplemented(
            "the echo baseline answers SearchKnowledge only",
        ))
    }
}

/// Serves the echo on a free loopback port until stdin closes.
pub async fn serve() -> Result<()> {
    let listener = crate::pin::bind_listener("127.0.0.1:0".parse()?).await?;
    crate::pin::announce_ready(&listener.local_addr()?.to_string());
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    tonic::transport::Server::builder()
        .add_service(KnowledgeServiceServer::new(Echo))
        .serve_with_incoming_shutdown(incoming, crate::pin::stdin_closed())
        .await?;
    Ok(())
}
