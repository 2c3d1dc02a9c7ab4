//! The tonic services, and the one place internal errors become `tonic::Status`.
//!
//! Every service holds an `Arc<Hub>`: the shared state built once at start-up.

mod admin;
mod audit;
mod audit_query;
mod audit_review;
mod case_filter;
mod citizen;
mod directory;
mod gaps;
pub mod i18n;
mod knowledge;
mod knowledge_admin;
mod layer;
mod self_service;
mod status;
mod subjects;

pub use admin::AdminApi;
pub use audit::AuditApi;
pub use citizen::CitizenApi;
pub use directory::DirectoryApi;
pub use i18n::Lang;
pub use knowledge::KnowledgeApi;
pub use layer::{AuthLayer, principal};
pub use self_service::SelfApi;
pub use status::from_auth as status_of_auth;

use crate::access::auth::{Authenticator, Principal};
use crate::access::validate::Purpose;
use crate::config::FanoutConfig;
use crate::fanout::registry::Registry;
use minwon_audit::{Action, AuditLog, Outcome, Receipt, RecordDraft, Subject, SubjectKey};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tonic::Status;

/// Shared state of the running hub.
pub struct Hub {
    /// The connectors.
    pub registry: Registry,
    /// Token verification.
    pub auth: Authenticator,
    /// The access trail writer.
    pub audit: AuditLog,
    /// The access policy (Cedar), with its decision cache.
    pub policy: crate::access::policy::Policy,
    /// Checkpoint verification keys of the trail.
    pub trail: crate::trail::TrailKeys,
    /// Key for subject hashes.
    pub subject_key: SubjectKey,
    /// Deadlines.
    pub fanout: FanoutConfig,
    /// How long a call waits for its access record.
    pub audit_timeout: Duration,
    /// The knowledge-gap counter and its store.
    pub gaps: crate::guidance::gaps::GapRecorder,
    /// The hub's own knowledge index (`[knowledge] index = true`); `None` forwards searches
    /// to the connectors' knowledge sources only.
    pub knowledge: Option<Arc<crate::guidance::knowledge::KnowledgeStore>>,
    /// Office hours, holidays and thresholds of the monthly access review.
    pub review: minwon_audit::review::ReviewConfig,
}

/// Trace context of one request: the caller's W3C `traceparent` continued, or a new trace.
#[derive(Debug, Clone)]
pub struct TraceCtx {
    /// 32 hex digits.
    pub trace_id: String,
    /// The `traceparent` to send to back-ends (same trace, a new span id).
    pub outgoing: String,
}

impl TraceCtx {
    /// The current RPC span's trace (which continues the caller's `traceparent`); without
    /// tracing, the caller's trace id from the metadata or a fresh one.
    pub fn from_metadata(md: &tonic::metadata::MetadataMap) -> Self {
        use rand::RngCore;
        if let (Some(trace_id), Some(outgoing)) = (
            crate::telemetry::current_trace_id(),
            crate::telemetry::traceparent_of(&tracing::Span::current()),
        ) {
            return TraceCtx { trace_id, outgoing };
        }
        let incoming = md
            .get("traceparent")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let parts: Vec<&str> = v.trim().split('-').collect();
                let ok = parts.len() == 4
                    && parts[1].len() == 32
                    && parts[1].bytes().all(|b| b.is_ascii_hexdigit())
                    && parts[1] != "00000000000000000000000000000000";
                ok.then(|| parts[1].to_ascii_lowercase())
            });
        // Hex-encoded random bytes, not `format!`: this runs for every request.
        let mut rng = rand::rng();
        let trace_id = incoming.unwrap_or_else(|| {
            let mut id = [0u8; 16];
            rng.fill_bytes(&mut id);
            hex::encode(id)
        });
        let mut span = rng.next_u64().to_be_bytes();
        span[7] |= 1; // never the all-zero (invalid) span id
        let mut outgoing = String::with_capacity(55);
        outgoing.push_str("00-");
        outgoing.push_str(&trace_id);
        outgoing.push('-');
        outgoing.push_str(&hex::encode(span));
        outgoing.push_str("-01");
        TraceCtx { outgoing, trace_id }
    }
}

impl Hub {
    /// The overall deadline of a request: its `grpc-timeout` capped at the configured maximum,
    /// or the default.
    pub fn deadline_of(&self, md: &tonic::metadata::MetadataMap) -> (Instant, Duration) {
        let max = Duration::from_millis(self.fanout.max_deadline_ms);
        let budget = md
            .get("grpc-timeout")
            .and_then(|v| v.to_str().ok())
            .and_then(crate::fanout::parse_grpc_timeout)
            .map(|d| d.min(max))
            .unwrap_or(Duration::from_millis(self.fanout.default_deadline_ms));
        (Instant::now() + budget, budget)
    }

    /// The part of a budget kept back for writing the access record and answering.
    pub fn reserve(budget: Duration) -> Duration {
        (budget / 10).min(Duration::from_millis(250))
    }

    /// An access record draft for `principal`, naming every data subject in `subjects` (empty
    /// when the access was about no one).
    #[allow(clippy::too_many_arguments)]
    pub fn draft(
        &self,
        principal: &Principal,
        operation: &str,
        subjects: Vec<Subject>,
        sources: Vec<String>,
        clear_fields: Vec<String>,
        purpose: &Purpose,
        outcome: Outcome,
        trace: &TraceCtx,
    ) -> RecordDraft {
        RecordDraft {
            time: chrono::Utc::now(),
            account: principal.account.clone(),
            role: principal.role.as_str().to_string(),
            department: principal.department.clone().unwrap_or_default(),
            channel: principal.channel.as_str().to_string(),
            client_address: principal.client_address.clone(),
            operation: operation.to_string(),
            action: Action::View,
            subjects,
            sources,
            clear_fields,
            purpose_code: purpose.code.as_str().to_string(),
            purpose_note: purpose.note.clone(),
            outcome,
            trace_id: trace.trace_id.clone(),
        }
    }

    /// Commits an access record durably, or fails the call (fail closed).
    pub async fn record(&self, draft: RecordDraft) -> Result<Receipt, Status> {
        let start = std::time::Instant::now();
        let result = tokio::time::timeout(self.audit_timeout, self.audit.record(draft)).await;
        Self::recorded(start, result)
    }

    /// Commits an access record while `work` runs and returns both once the record is
    /// durable; a failed or late record fails the call at once and drops `work` unfinished
    /// (fail closed). The record is deferred ([`minwon_audit::AuditLog::record_deferred`]):
    /// its batch may be held open for more records while `work` runs, and `work` ending first
    /// ends that hold, so it costs no more than [`Hub::record`] after `work`.
    ///
    /// The write timeout is the record's alone (queueing and commit), as for [`Hub::record`];
    /// `work` bounds itself (the fan-out deadline).
    pub async fn record_while<T>(
        &self,
        draft: RecordDraft,
        work: impl std::future::Future<Output = T>,
    ) -> Result<(Receipt, T), Status> {
        use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
        let start = std::time::Instant::now();
        // Both halves are polled by this task, so Relaxed is enough.
        let committed = AtomicBool::new(false);
        let record = async {
            let result =
                tokio::time::timeout(self.audit_timeout, self.audit.record_deferred(draft)).await;
            committed.store(true, Relaxed);
            Self::recorded(start, result)
        };
        let work = async {
            let out = work.await;
            if !committed.load(Relaxed) {
                self.audit.hurry();
            }
            Ok(out)
        };
        tokio::try_join!(record, work)
    }

    /// Counts a record's outcome and turns a failure into the call's status.
    fn recorded<E>(
        start: std::time::Instant,
        result: Result<Result<Receipt, minwon_audit::AuditError>, E>,
    ) -> Result<Receipt, Status> {
        let m = crate::telemetry::metrics::global();
        let outcome = match &result {
            Ok(Ok(_)) => "committed",
            Ok(Err(_)) => "failed",
            Err(_) => "timeout",
        };
        m.audit_write.observe(&[outcome], start.elapsed());
        match result {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => {
                m.audit_failures.add(&[e.label()], 1);
                tracing::error!(error = %e, "access record not written; refusing to release personal data");
                Err(status::audit_unavailable())
            }
            Err(_) => {
                m.audit_failures.add(&["timeout"], 1);
                tracing::error!("access record write timed out; refusing to release personal data");
                Err(status::audit_unavailable())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TraceCtx;

    fn is_hex(s: &str, len: usize) -> bool {
        s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    }

    #[test]
    fn without_tracing_a_request_gets_a_fresh_w3c_trace_or_continues_the_callers() {
        let fresh = TraceCtx::from_metadata(&tonic::metadata::MetadataMap::new());
        let parts: Vec<&str> = fresh.outgoing.split('-').collect();
        assert_eq!(parts.len(), 4, "{}", fresh.outgoing);
        assert_eq!((parts[0], parts[3]), ("00", "01"));
        assert!(is_hex(parts[1], 32) && parts[1] == fresh.trace_id);
        assert!(is_hex(parts[2], 16) && parts[2] != "0000000000000000");
        assert_ne!(
            TraceCtx::from_metadata(&tonic::metadata::MetadataMap::new()).trace_id,
            fresh.trace_id
        );

        let mut md = tonic::metadata::MetadataMap::new();
        md.insert(
            "traceparent",
            "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01"
                .parse()
                .unwrap(),
        );
        let continued = TraceCtx::from_metadata(&md);
        assert_eq!(continued.trace_id, "0af7651916cd43dd8448eb211c80319c");
        assert!(
            continued
                .outgoing
                .starts_with("00-0af7651916cd43dd8448eb211c80319c-")
        );
    }
}
