//! `KnowledgeService.GetKnowledgeGaps` and `MarkKnowledgeGapAnswered`: the knowledge-gap
//! report for the content team (admin role). The gaps hold no personal data (scrubbed before
//! they were stored, see [`crate::guidance::gaps::scrub`]), so reading them is not an access to anyone's
//! data and is not written to the access trail.

use super::{Hub, status};
use crate::access::auth::Role;
use crate::guidance::gaps::{Gap, GapRange, scrub};
use minwon_proto::v1 as pb;
use tonic::{Request, Response, Status};

/// Largest `limit` of GetKnowledgeGaps.
pub const MAX_GAPS: u32 = 1000;
/// `limit` 0 means this many.
pub const DEFAULT_GAPS: u32 = 100;

fn ms(t: &prost_types::Timestamp) -> i64 {
    t.seconds
        .saturating_mul(1000)
        .saturating_add(i64::from(t.nanos / 1_000_000))
}

fn ts(ms: i64) -> Option<prost_types::Timestamp> {
    chrono::DateTime::from_timestamp_millis(ms).map(crate::answer::convert::timestamp)
}

fn store_down() -> Status {
    status::unavailable("the knowledge-gap store cannot be reached right now; retry shortly")
}

fn gap(g: Gap) -> pb::KnowledgeGap {
    pb::KnowledgeGap {
        normalized_query: g.query,
        count: g.count,
        no_hit_count: g.no_hit,
        first_seen: ts(g.first_ms),
        last_seen: ts(g.last_ms),
        channels: g
            .channels
            .into_iter()
            .map(|(channel, count)| pb::KnowledgeGapChannel { channel, count })
            .collect(),
        answered_entry_id: g.answered_entry_id.unwrap_or_default(),
    }
}

async fn admin<T>(req: &Request<T>, rpc: &str) -> Result<String, Status> {
    let principal = super::layer::principal(req)?;
    if principal.role != Role::Admin {
        return Err(status::denied(&format!("{rpc} needs the admin role")));
    }
    Ok(principal.account)
}

/// GetKnowledgeGaps.
pub async fn get(
    hub: &Hub,
    req: Request<pb::GetKnowledgeGapsRequest>,
) -> Result<Response<pb::GetKnowledgeGapsResponse>, Status> {
    admin(&req, "GetKnowledgeGaps").await?;
    let r = req.get_ref();
    let range = GapRange {
        from_ms: r.from.as_ref().map_or(i64::MIN, ms),
        to_ms: r.to.as_ref().map_or(i64::MAX, ms),
    };
    if range.from_ms >= range.to_ms {
        return Err(status::invalid_message("from must be before to"));
    }
    let limit = match r.limit {
        0 => DEFAULT_GAPS,
        l if l <= MAX_GAPS => l,
        _ => return Err(status::invalid_message("limit: 1 to 1000 (0 means 100)")),
    };
    let Some(store) = hub.gaps.store() else {
        return Err(status::failed_precondition(
            "the knowledge-gap report is not set up on this hub",
        ));
    };
    // What this replica observed a moment ago is written first, so the report includes it.
    hub.gaps.flush().await;
    let (gaps, total) = crate::guidance::gaps::store::report(store.as_ref(), range, limit as usize)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "knowledge-gap report failed");
            store_down()
        })?;
    Ok(Response::new(pb::GetKnowledgeGapsResponse {
        gaps: gaps.into_iter().map(gap).collect(),
        total_gaps: total.min(u32::MAX as usize) as u32,
    }))
}

/// MarkKnowledgeGapAnswered.
pub async fn mark(
    hub: &Hub,
    req: Request<pb::MarkKnowledgeGapAnsweredRequest>,
) -> Result<Response<pb::MarkKnowledgeGapAnsweredResponse>, Status> {
    let account = admin(&req, "MarkKnowledgeGapAnswered").await?;
    let r = req.get_ref();
    let query = r.normalized_query.as_str();
    let n = query.chars().count();
    if n == 0 || n > 200 || scrub::normalize(query) != query {
        return Err(status::invalid_message(
            "normalized_query: 1 to 200 characters, exactly as GetKnowledgeGaps returned it",
        ));
    }
    let entry = r.entry_id.as_str();
    let entry_ok = (1..=64).contains(&entry.len())
        && entry
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if !entry_ok {
        return Err(status::invalid_message(
            "entry_id: 1 to 64 letters, digits or - _ . : (a knowledge entry id such as KB-12)",
        ));
    }
    let Some(store) = hub.gaps.store() else {
        return Err(status::failed_precondition(
            "the knowledge-gap report is not set up on this hub",
        ));
    };
    hub.gaps.flush().await;
    let now = chrono::Utc::now().timestamp_millis();
    let known = store.mark_answered(query, entry, now).await.map_err(|e| {
        tracing::warn!(error = %e, "marking a knowledge gap failed");
        store_down()
    })?;
    if !known {
        return Err(status::not_found(
            "no knowledge gap has this normalized query; copy it from GetKnowledgeGaps",
        ));
    }
    tracing::info!(account = %account, entry_id = %entry, "knowledge gap marked answered");
    Ok(Response::new(pb::MarkKnowledgeGapAnsweredResponse {}))
}
