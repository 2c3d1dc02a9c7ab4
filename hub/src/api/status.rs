//! The one place internal errors become `tonic::Status`. Messages say what to do next and
//! never carry personal data (connector messages are built without it, see the SDK).
//!
//! Every status carries the standard rich details (`google.rpc.Status`): an `ErrorInfo` whose
//! `reason` is a stable code from [`reason`] (the contract a screen switches on; the sentences
//! are not), `BadRequest` field violations for invalid input (the field path and the rule,
//! never the value), and `RetryInfo` where retrying helps. [`super::i18n`] words the message in
//! Korean for callers sending `accept-language: ko`.

use crate::access::auth::AuthError;
use crate::access::validate::Invalid;
use crate::fanout::resilience::GuardError;
use minwon_connector_sdk::{ConnectorError, ErrorKind};
use std::time::Duration;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// `ErrorInfo.domain` of every hub error.
pub const DOMAIN: &str = "minwon-hub";

/// The stable reason codes of `ErrorInfo.reason`.
pub mod reason {
    /// `purpose` or `purpose.code` missing or unusable.
    pub const PURPOSE_REQUIRED: &str = "PURPOSE_REQUIRED";
    /// A citizen key (RRN, vehicle number, water customer number) is malformed.
    pub const INVALID_CITIZEN_KEY: &str = "INVALID_CITIZEN_KEY";
    /// Another field breaks a rule (`BadRequest` names it).
    pub const INVALID_FIELD: &str = "INVALID_FIELD";
    /// No bearer token.
    pub const TOKEN_MISSING: &str = "TOKEN_MISSING";
    /// The token was refused (expired, forged, wrong issuer, …).
    pub const TOKEN_INVALID: &str = "TOKEN_INVALID";
    /// Too many invalid tokens from this client address (`RetryInfo` says when).
    pub const ACCOUNT_THROTTLED: &str = "ACCOUNT_THROTTLED";
    /// The access policy refuses this role, channel, purpose or source.
    pub const POLICY_DENIED: &str = "POLICY_DENIED";
    /// This role looks no one up by keys: use `minwon.v1.SelfService`.
    pub const SELF_SERVICE_REQUIRED: &str = "SELF_SERVICE_REQUIRED";
    /// The access trail cannot be written, so no personal data is released (retry).
    pub const AUDIT_UNAVAILABLE: &str = "AUDIT_UNAVAILABLE";
    /// A back-end is down, overloaded or its breaker open (retry).
    pub const SOURCE_UNAVAILABLE: &str = "SOURCE_UNAVAILABLE";
    /// A back-end did not answer before the deadline (retry).
    pub const SOURCE_TIMEOUT: &str = "SOURCE_TIMEOUT";
    /// The case (or item) does not exist.
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// The hub or a back-end failed in a way the caller cannot fix.
    pub const INTERNAL: &str = "INTERNAL";
    /// A store or service the hub needs is down (retry).
    pub const UNAVAILABLE: &str = "UNAVAILABLE";
    /// The request is sound but the hub's state refuses it.
    pub const FAILED_PRECONDITION: &str = "FAILED_PRECONDITION";
    /// A knowledge base file breaks a rule.
    pub const KNOWLEDGE_BASE_INVALID: &str = "KNOWLEDGE_BASE_INVALID";
}

/// A status with an `ErrorInfo` of `reason`, `RetryInfo` when `retry` is set, and `more`
/// details (field violations).
fn rich(
    code: Code,
    why: &'static str,
    message: String,
    retry: Option<Duration>,
    more: impl FnOnce(&mut ErrorDetails),
) -> Status {
    let mut d = ErrorDetails::new();
    d.set_error_info(why, DOMAIN, std::collections::HashMap::new());
    if let Some(r) = retry {
        d.set_retry_info(Some(r));
    }
    more(&mut d);
    Status::with_error_details(code, message, d)
}

/// A connector error answered to the caller (single-source RPCs: GetCase, SearchKnowledge).
pub fn from_connector(source: &str, e: &ConnectorError) -> Status {
    let none = |_: &mut ErrorDetails| {};
    let soon = Some(e.retry_after.unwrap_or(Duration::from_secs(1)));
    match e.kind {
        ErrorKind::NotFound => rich(
            Code::NotFound,
            reason::NOT_FOUND,
            format!("{source}: not found"),
            None,
            none,
        ),
        ErrorKind::Timeout => rich(
            Code::DeadlineExceeded,
            reason::SOURCE_TIMEOUT,
            format!("{source}: no answer before the deadline"),
            soon,
            none,
        ),
        ErrorKind::Unavailable | ErrorKind::RateLimited => rich(
            Code::Unavailable,
            reason::SOURCE_UNAVAILABLE,
            format!("{source} is unavailable ({}); try again shortly", e.kind),
            soon,
            none,
        ),
        ErrorKind::InvalidQuery => rich(
            Code::InvalidArgument,
            reason::INVALID_FIELD,
            format!("{source} rejected the query: {}", e.message),
            None,
            none,
        ),
        ErrorKind::Unauthorized => rich(
            Code::Internal,
            reason::INTERNAL,
            format!("{source} refused the hub's credentials; tell the hub operators"),
            None,
            none,
        ),
        ErrorKind::BadResponse | ErrorKind::Internal => rich(
            Code::Internal,
            reason::INTERNAL,
            format!("{source} answered something unusable ({})", e.kind),
            None,
            none,
        ),
    }
}

/// A guarded call's failure answered to the caller.
pub fn from_guard(source: &str, e: &GuardError) -> Status {
    match e {
        GuardError::CircuitOpen | GuardError::Busy(_) => rich(
            Code::Unavailable,
            reason::SOURCE_UNAVAILABLE,
            format!("{source}: {e}; try again shortly"),
            Some(Duration::from_secs(1)),
            |_| {},
        ),
        GuardError::Failed(c) => from_connector(source, c),
    }
}

/// A caller that could not be authenticated: UNAUTHENTICATED with what to fix, or
/// RESOURCE_EXHAUSTED for a throttled client address.
pub fn from_auth(e: &AuthError) -> Status {
    match e {
        AuthError::Unauthenticated(why) => rich(
            Code::Unauthenticated,
            if why.starts_with("missing") {
                reason::TOKEN_MISSING
            } else {
                reason::TOKEN_INVALID
            },
            e.to_string(),
            None,
            |_| {},
        ),
        AuthError::Throttled { retry_after_secs } => rich(
            Code::ResourceExhausted,
            reason::ACCOUNT_THROTTLED,
            e.to_string(),
            Some(Duration::from_secs(*retry_after_secs)),
            |_| {},
        ),
    }
}

impl From<Invalid> for Status {
    /// INVALID_ARGUMENT naming the field and the rule, never the value.
    fn from(e: Invalid) -> Self {
        let why = if e.field.starts_with("purpose") {
            reason::PURPOSE_REQUIRED
        } else if e.field.starts_with("citizen") || e.field.starts_with("subject_") {
            reason::INVALID_CITIZEN_KEY
        } else {
            reason::INVALID_FIELD
        };
        let message = e.to_string();
        rich(Code::InvalidArgument, why, message, None, |d| {
            d.add_bad_request_violation(e.field, e.rule);
        })
    }
}

/// INVALID_ARGUMENT for `field`, with the rule it breaks; never the value.
pub fn invalid(field: &str, rule: &str) -> Status {
    Invalid::new(field, rule).into()
}

/// INVALID_ARGUMENT from a `"field: rule"` message (the text before the first `": "` is the
/// field of the `BadRequest` violation; a message without one names the request).
pub fn invalid_message(message: impl Into<String>) -> Status {
    let m = message.into();
    match m.split_once(": ") {
        Some((field, rule)) if !field.contains(' ') => invalid(field, rule),
        _ => invalid("request", &m),
    }
}

/// UNAVAILABLE for a store or service the hub needs (reason `UNAVAILABLE`), worth retrying.
pub fn unavailable(message: impl Into<String>) -> Status {
    rich(
        Code::Unavailable,
        reason::UNAVAILABLE,
        message.into(),
        Some(Duration::from_secs(2)),
        |_| {},
    )
}

/// NOT_FOUND.
pub fn not_found(message: impl Into<String>) -> Status {
    rich(
        Code::NotFound,
        reason::NOT_FOUND,
        message.into(),
        None,
        |_| {},
    )
}

/// FAILED_PRECONDITION: the request is sound but the hub's state refuses it.
pub fn failed_precondition(message: impl Into<String>) -> Status {
    rich(
        Code::FailedPrecondition,
        reason::FAILED_PRECONDITION,
        message.into(),
        None,
        |_| {},
    )
}

/// INTERNAL: the hub failed in a way the caller cannot fix.
pub fn internal(message: impl Into<String>) -> Status {
    rich(
        Code::Internal,
        reason::INTERNAL,
        message.into(),
        None,
        |_| {},
    )
}

/// A principal the layer did not set: a service mounted without it (a bug of the hub).
pub fn unauthenticated_by_layer() -> Status {
    rich(
        Code::Internal,
        reason::INTERNAL,
        "the request was not authenticated by the hub's layer".into(),
        None,
        |_| {},
    )
}

/// The access trail cannot be written: personal data is not released.
pub fn audit_unavailable() -> Status {
    rich(
        Code::Unavailable,
        reason::AUDIT_UNAVAILABLE,
        "the access trail cannot be written right now, so no personal data is released; retry shortly".into(),
        Some(Duration::from_secs(2)),
        |_| {},
    )
}

/// The caller's role or purpose may not do this.
pub fn denied(why: &str) -> Status {
    let code = if why.contains("minwon.v1.SelfService") {
        reason::SELF_SERVICE_REQUIRED
    } else {
        reason::POLICY_DENIED
    };
    rich(Code::PermissionDenied, code, why.to_string(), None, |_| {})
}

/// A knowledge import or reload that failed: a base or synonym table breaking a rule is the
/// caller's to fix when they sent it (`sent`), the operator's when it is the hub's own file.
pub fn from_knowledge(e: &crate::guidance::knowledge::KnowledgeError, sent: bool) -> Status {
    use crate::guidance::knowledge::KnowledgeError as K;
    let m = format!("{e}; the served knowledge base is unchanged");
    let none = |_: &mut ErrorDetails| {};
    match e {
        K::Base(_) | K::Synonyms(_) if sent => rich(
            Code::InvalidArgument,
            reason::KNOWLEDGE_BASE_INVALID,
            m,
            None,
            none,
        ),
        K::Base(_) | K::Synonyms(_) | K::Io { .. } => rich(
            Code::FailedPrecondition,
            reason::KNOWLEDGE_BASE_INVALID,
            m,
            None,
            none,
        ),
        K::Index(_) => rich(Code::Internal, reason::INTERNAL, m, None, none),
    }
}
