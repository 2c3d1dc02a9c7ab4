//! The record both counting examples write (`write_load`, `append_cost`): shaped like an
//! overview's — one RRN subject, six sources, a trace id.

use minwon_audit::{Action, Outcome, RecordDraft, Subject};

/// An overview's draft by `account`, about the subject whose HMAC is `subject` (as 64 hex
/// digits), with trace id `trace` (as 32 hex digits).
pub fn overview(account: String, subject: u64, trace: u64, purpose_note: &str) -> RecordDraft {
    RecordDraft {
        time: chrono::Utc::now(),
        account,
        role: "counselor".to_string(),
        department: String::new(),
        channel: "phone".to_string(),
        client_address: "127.0.0.1".to_string(),
        operation: "GetCitizenOverview".to_string(),
        action: Action::View,
        subjects: vec![Subject {
            kind: "rrn".to_string(),
            hmac: format!("{subject:064x}"),
            masked: "900101-1******".to_string(),
        }],
        sources: ["saeol", "tax", "traffic", "welfare", "water", "parking"]
            .map(String::from)
            .to_vec(),
        clear_fields: vec![],
        purpose_code: "citizen_inquiry".to_string(),
        purpose_note: purpose_note.to_string(),
        outcome: Outcome::Allowed,
        trace_id: format!("{trace:032x}"),
    }
}
