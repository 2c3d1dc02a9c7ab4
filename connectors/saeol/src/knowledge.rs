//! [`SaeolKnowledge`]: the consultation knowledge base served by Saeol's `SearchKnowledge`
//! operation, as the SDK's [`KnowledgeSource`]. Public data only; no personal fields.

use crate::connector::SaeolConnector;
use crate::schema::{Operation, el};
use crate::soap::Element;
use minwon_connector_sdk::{CallContext, ConnectorError, KnowledgeEntry, KnowledgeSource};
use std::sync::Arc;

/// Most rows one search asks for.
pub const MAX_ROWS: usize = 100;
/// Longest query sent, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// The knowledge base behind the Saeol connector.
#[derive(Debug)]
pub struct SaeolKnowledge {
    connector: Arc<SaeolConnector>,
}

impl SaeolKnowledge {
    /// A knowledge source sharing the connector's client.
    pub fn new(connector: Arc<SaeolConnector>) -> Self {
        SaeolKnowledge { connector }
    }
}

/// Reads a `SearchKnowledgeResponse`: the entries and `totCnt`.
pub fn entries_from_response(
    resp: &Element,
) -> Result<(Vec<KnowledgeEntry>, usize), ConnectorError> {
    let bad = |why: String| ConnectorError::bad_response(format!("knowledge response: {why}"));
    let total: usize = resp
        .child_text(el::TOT_CNT)
        .ok_or_else(|| bad(format!("no {}", el::TOT_CNT)))?
        .parse()
        .map_err(|_| bad(format!("{} is not a number", el::TOT_CNT)))?;
    let mut entries = Vec::new();
    for rec in resp
        .child(el::KNWL_LIST)
        .into_iter()
        .flat_map(|l| l.children_named(el::KNWL_INFO))
    {
        let text = |name: &str| rec.child_text(name).unwrap_or("").to_string();
        let id = text(el::KNWL_ID);
        if id.is_empty() || rec.child_text(el::QSTN_CN).is_none() {
            return Err(bad(format!(
                "an entry lacks {} or {}",
                el::KNWL_ID,
                el::QSTN_CN
            )));
        }
        let score = match rec.child_text(el::SCR) {
            Some(s) => s
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| bad(format!("{} is not a number", el::SCR)))?,
            None => 0.0,
        };
        entries.push(KnowledgeEntry {
            id,
            category: text(el::CLSF_NM),
            question: text(el::QSTN_CN),
            answer: text(el::ANS_CN),
            department: text(el::DEPT_NM),
            contact: text(el::TELNO),
            score,
        });
    }
    if entries.len() > total {
        return Err(bad(format!("more entries than {}", el::TOT_CNT)));
    }
    Ok((entries, total))
}

#[async_trait::async_trait]
impl KnowledgeSource for SaeolKnowledge {
    async fn search(
        &self,
        query: &str,
        category: Option<&str>,
        limit: usize,
        ctx: &CallContext,
    ) -> Result<(Vec<KnowledgeEntry>, usize), ConnectorError> {
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(ConnectorError::invalid_query(format!(
                "knowledge query longer than {MAX_QUERY_CHARS} characters"
            )));
        }
        let rows = limit.min(MAX_ROWS).to_string();
        let mut params = vec![(el::SRCH_WRD, query.trim()), (el::MAX_ROW, rows.as_str())];
        if let Some(c) = category.map(str::trim).filter(|c| !c.is_empty()) {
            params.push((el::CLSF_NM, c));
        }
        let resp = self
            .connector
            .call(Operation::SearchKnowledge, &params, ctx)
            .await?;
        let (mut entries, total) = entries_from_response(&resp)?;
        entries.truncate(limit);
        Ok((entries, total))
    }
}
