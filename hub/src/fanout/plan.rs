//! Planning a query: which sources are called (with their access decision) and which are
//! skipped, and why — decided before any back-end is touched.

use super::registry::Registered;
use super::{SourceOutcome, SourceState};
use crate::access::policy::SourceAccess;
use minwon_connector_sdk::CitizenKeys;
use std::sync::Arc;
use std::time::Duration;

/// One planned call.
pub struct Planned {
    /// The connector.
    pub target: Registered,
    /// Its access decision.
    pub access: Arc<SourceAccess>,
}

/// The plan of one query: who is called, who is not and why.
#[derive(Default)]
pub struct Plan {
    /// Sources to call.
    pub calls: Vec<Planned>,
    /// Sources answered without a call (skipped, denied).
    pub settled: Vec<SourceOutcome>,
}

impl Plan {
    /// Names of the sources that will be called.
    pub fn called_sources(&self) -> Vec<String> {
        self.calls
            .iter()
            .map(|p| p.target.descriptor().name.clone())
            .collect()
    }

    /// Every personal field some called source may return in clear, in first-seen order: what
    /// an access record written before the answers arrive must cover.
    pub fn clear_fields_allowed(&self) -> Vec<String> {
        let mut fields: Vec<String> = Vec::new();
        for c in &self.calls {
            for f in c.access.clear_fields() {
                if !fields.iter().any(|x| x == f) {
                    fields.push(f.to_string());
                }
            }
        }
        fields
    }
}

/// Decides which registered sources are called for `keys`; `access[i]` is the policy's
/// decision for `registry[i]` (taken once per query, by the caller).
pub fn plan(
    registry: &[Registered],
    keys: &CitizenKeys,
    requested: &[String],
    access: &[Arc<SourceAccess>],
) -> Plan {
    let mut plan = Plan::default();
    for (r, decision) in registry.iter().zip(access) {
        let d = r.descriptor();
        let settled = |state, detail: &str| SourceOutcome {
            source: d.name.clone(),
            state,
            latency: Duration::ZERO,
            detail: detail.to_string(),
            cases: vec![],
            access: Arc::new(SourceAccess::deny("not called")),
        };
        if !requested.is_empty() && !requested.contains(&d.name) {
            plan.settled
                .push(settled(SourceState::Skipped, "not requested"));
            continue;
        }
        if !d.can_answer(keys) {
            let wanted: Vec<&str> = d.accepts.iter().map(|k| k.as_str()).collect();
            plan.settled.push(settled(
                SourceState::Skipped,
                &format!("needs one of: {}", wanted.join(", ")),
            ));
            continue;
        }
        if !decision.allowed {
            plan.settled
                .push(settled(SourceState::Denied, &decision.reason));
            continue;
        }
        plan.calls.push(Planned {
            target: r.clone(),
            access: decision.clone(),
        });
    }
    plan
}
