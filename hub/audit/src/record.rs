//! What one access record says: who looked at whose data, when, from where, why, and how it
//! ended (the fields the Korean personal information safety standard asks for, plus the
//! hub's own: sources, clear fields, purpose, outcome, trace id).

use crate::Subject;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The task performed on personal data (수행업무).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Looked at data on screen / in an API answer.
    View,
    /// Took data out (download, print, file export); the safety standard asks its reason to be
    /// checked in the monthly review.
    Export,
}

impl Action {
    /// Stable lower-case name: `view`, `export`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::View => "view",
            Action::Export => "export",
        }
    }
}

/// How the access ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Policy allowed it; data was (about to be) returned.
    Allowed,
    /// Policy refused it; a denial is itself an access record.
    Denied,
    /// Allowed, but the request failed before data could be returned.
    Failed,
}

impl Outcome {
    /// Stable lower-case name: `allowed`, `denied`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// A stored enum value this build does not know. Carries the (bounded, non-personal) name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownValue(pub String);

impl FromStr for Action {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "view" => Ok(Action::View),
            "export" => Ok(Action::Export),
            other => Err(UnknownValue(other.chars().take(32).collect())),
        }
    }
}

impl FromStr for Outcome {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "allowed" => Ok(Outcome::Allowed),
            "denied" => Ok(Outcome::Denied),
            "failed" => Ok(Outcome::Failed),
            other => Err(UnknownValue(other.chars().take(32).collect())),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the hub fills in for one call; the audit log adds sequence, id and hashes.
///
/// In JSON (export bundles) the subjects are `subjects`, a list of `{kind, hmac, masked}`;
/// JSON written by builds before subjects were a list (one optional `subject` without kind)
/// still reads, as that one subject with an empty kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "DraftWire")]
pub struct RecordDraft {
    /// When the access happened. Truncated to whole milliseconds when chained.
    pub time: DateTime<Utc>,
    /// The handler's account id (계정).
    pub account: String,
    /// The role the policy judged, e.g. `counselor`.
    pub role: String,
    /// The handler's department.
    pub department: String,
    /// The front-end channel, e.g. `desktop`, `sms`, `chatbot`.
    pub channel: String,
    /// Where the call came from (접속지): client IP address.
    pub client_address: String,
    /// The API operation, e.g. `GetCitizenOverview`.
    pub operation: String,
    /// View or export.
    pub action: Action,
    /// Whose data (처리한 정보주체), pseudonymized: every data subject the access was about
    /// (each key of a query, the citizen of a case), in a fixed order; empty when none was
    /// named.
    pub subjects: Vec<Subject>,
    /// Back-end sources consulted, e.g. `saeol`, `tax`.
    pub sources: Vec<String>,
    /// Fields returned in clear (unmasked), e.g. `name`, `phone`.
    pub clear_fields: Vec<String>,
    /// Purpose code, e.g. `citizen_inquiry`.
    pub purpose_code: String,
    /// Free-text purpose note. Must not contain personal data; the hub should bound its length.
    pub purpose_note: String,
    /// How it ended.
    pub outcome: Outcome,
    /// W3C trace id, to join the record with traces.
    pub trace_id: String,
}

/// The JSON form [`RecordDraft`] reads from: today's `subjects`, or the single optional
/// `subject` of older builds.
#[derive(Deserialize)]
struct DraftWire {
    time: DateTime<Utc>,
    account: String,
    role: String,
    department: String,
    channel: String,
    client_address: String,
    operation: String,
    action: Action,
    #[serde(default)]
    subjects: Vec<Subject>,
    #[serde(default)]
    subject: Option<Subject>,
    sources: Vec<String>,
    clear_fields: Vec<String>,
    purpose_code: String,
    purpose_note: String,
    outcome: Outcome,
    trace_id: String,
}

impl From<DraftWire> for RecordDraft {
    fn from(w: DraftWire) -> Self {
        let mut subjects = w.subjects;
        if subjects.is_empty() {
            subjects.extend(w.subject);
        }
        RecordDraft {
            time: w.time,
            account: w.account,
            role: w.role,
            department: w.department,
            channel: w.channel,
            client_address: w.client_address,
            operation: w.operation,
            action: w.action,
            subjects,
            sources: w.sources,
            clear_fields: w.clear_fields,
            purpose_code: w.purpose_code,
            purpose_note: w.purpose_note,
            outcome: w.outcome,
            trace_id: w.trace_id,
        }
    }
}

/// A committed, chained access record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRecord {
    /// Position in the trail; the first record is 1, then consecutive without gaps.
    pub sequence: u64,
    /// Public id, `{sequence:012}-{first 12 hex digits of hash}`; see [`crate::chain`].
    pub audit_id: String,
    /// The fields the hub filled in (time already truncated to milliseconds).
    #[serde(flatten)]
    pub draft: RecordDraft,
    /// Hex SHA-256 hash of the previous record (64 zeros for the first).
    pub prev_hash: String,
    /// Hex SHA-256 of `prev_hash || canonical bytes`; see [`crate::chain`].
    pub hash: String,
}

/// What a caller gets back once its record is durably committed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Receipt {
    /// The record's sequence number.
    pub sequence: u64,
    /// The record's public id, safe to show to the caller.
    pub audit_id: String,
}

impl AccessRecord {
    /// The receipt for this record.
    pub fn receipt(&self) -> Receipt {
        Receipt {
            sequence: self.sequence,
            audit_id: self.audit_id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_names_round_trip() {
        for a in [Action::View, Action::Export] {
            assert_eq!(a.as_str().parse::<Action>().unwrap(), a);
        }
        for o in [Outcome::Allowed, Outcome::Denied, Outcome::Failed] {
            assert_eq!(o.as_str().parse::<Outcome>().unwrap(), o);
        }
        assert!("VIEW".parse::<Action>().is_err());
    }

    #[test]
    fn a_record_from_an_older_build_reads_with_its_one_subject() {
        // One JSONL line as builds with a single optional `subject` exported it.
        let line = r#"{"sequence":1,"audit_id":"000000000001-7799ca8278f0","time":"2023-11-14T22:13:21Z","account":"counselor01","role":"counselor","department":"d","channel":"desktop","client_address":"10.0.0.7","operation":"GetCitizenOverview","action":"view","subject":{"hmac":"00ab","masked":"900101-1******"},"sources":["tax"],"clear_fields":[],"purpose_code":"citizen_inquiry","purpose_note":"","outcome":"allowed","trace_id":"t","prev_hash":"p","hash":"h"}"#;
        let r: AccessRecord = serde_json::from_str(line).unwrap();
        assert_eq!(
            r.draft.subjects,
            vec![Subject {
                kind: String::new(),
                hmac: "00ab".into(),
                masked: "900101-1******".into(),
            }]
        );
        let none = line.replace(
            r#""subject":{"hmac":"00ab","masked":"900101-1******"}"#,
            r#""subject":null"#,
        );
        let r: AccessRecord = serde_json::from_str(&none).unwrap();
        assert!(r.draft.subjects.is_empty());
        // Today's form round-trips.
        let back: AccessRecord = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn serde_names_match_as_str() {
        assert_eq!(
            serde_json::to_string(&Action::Export).unwrap(),
            "\"export\""
        );
        assert_eq!(
            serde_json::to_string(&Outcome::Denied).unwrap(),
            "\"denied\""
        );
    }
}
