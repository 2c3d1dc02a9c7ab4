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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Whose data (처리한 정보주체), pseudonymized; `None` when no subject was named.
    pub subject: Option<Subject>,
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
