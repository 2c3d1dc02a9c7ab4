//! The one place internal errors become `tonic::Status`. Messages say what to do next and
//! never carry personal data (connector messages are built without it, see the SDK).

use crate::auth::AuthError;
use crate::resilience::GuardError;
use crate::validate::Invalid;
use minwon_connector_sdk::{ConnectorError, ErrorKind};
use tonic::Status;

/// A connector error answered to the caller (single-source RPCs: GetCase, SearchKnowledge).
pub fn from_connector(source: &str, e: &ConnectorError) -> Status {
    match e.kind {
        ErrorKind::NotFound => Status::not_found(format!("{source}: not found")),
        ErrorKind::Timeout => {
            Status::deadline_exceeded(format!("{source}: no answer before the deadline"))
        }
        ErrorKind::Unavailable | ErrorKind::RateLimited => Status::unavailable(format!(
            "{source} is unavailable ({}); try again shortly",
            e.kind
        )),
        ErrorKind::InvalidQuery => {
            Status::invalid_argument(format!("{source} rejected the query: {}", e.message))
        }
        ErrorKind::Unauthorized => Status::internal(format!(
            "{source} refused the hub's credentials; tell the hub operators"
        )),
        ErrorKind::BadResponse | ErrorKind::Internal => {
            Status::internal(format!("{source} answered something unusable ({})", e.kind))
        }
    }
}

/// A guarded call's failure answered to the caller.
pub fn from_guard(source: &str, e: &GuardError) -> Status {
    match e {
        GuardError::CircuitOpen | GuardError::Busy(_) => {
            Status::unavailable(format!("{source}: {e}; try again shortly"))
        }
        GuardError::Failed(c) => from_connector(source, c),
    }
}

/// A caller that could not be authenticated: UNAUTHENTICATED with what to fix, or
/// RESOURCE_EXHAUSTED for a throttled client address.
pub fn from_auth(e: &AuthError) -> Status {
    match e {
        AuthError::Unauthenticated(_) => Status::unauthenticated(e.to_string()),
        AuthError::Throttled { .. } => Status::resource_exhausted(e.to_string()),
    }
}

impl From<Invalid> for Status {
    /// INVALID_ARGUMENT naming the field and the rule, never the value.
    fn from(e: Invalid) -> Self {
        Status::invalid_argument(e.to_string())
    }
}

/// INVALID_ARGUMENT for `field`, with the rule it breaks; never the value.
pub fn invalid(field: &str, rule: &str) -> Status {
    Invalid::new(field, rule).into()
}

/// A principal the layer did not set: a service mounted without it (a bug of the hub).
pub fn unauthenticated_by_layer() -> Status {
    Status::internal("the request was not authenticated by the hub's layer")
}

/// The access trail cannot be written: personal data is not released.
pub fn audit_unavailable() -> Status {
    Status::unavailable(
        "the access trail cannot be written right now, so no personal data is released; retry shortly",
    )
}

/// The caller's role or purpose may not do this.
pub fn denied(reason: &str) -> Status {
    Status::permission_denied(reason.to_string())
}

/// A knowledge import or reload that failed: a base or synonym table breaking a rule is the
/// caller's to fix when they sent it (`sent`), the operator's when it is the hub's own file.
pub fn from_knowledge(e: &crate::knowledge::KnowledgeError, sent: bool) -> Status {
    use crate::knowledge::KnowledgeError as K;
    let m = format!("{e}; the served knowledge base is unchanged");
    match e {
        K::Base(_) | K::Synonyms(_) if sent => Status::invalid_argument(m),
        K::Base(_) | K::Synonyms(_) | K::Io { .. } => Status::failed_precondition(m),
        K::Index(_) => Status::internal(m),
    }
}
