//! [`ConnectorError`] and its single classification [`ErrorKind`].
//!
//! Every failure a connector reports is one of eight kinds; the hub's breaker, retry and
//! source-status mapping read only the kind. Messages are for operators and never contain
//! personal data: build them from field names, status codes and result codes, not values.

use std::time::Duration;

/// The classification of a connector failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The back-end did not answer within the deadline.
    Timeout,
    /// The back-end is down, overloaded or failing (transport error, 5xx, application error).
    Unavailable,
    /// The back-end answered something that could not be understood.
    BadResponse,
    /// The back-end holds nothing for this query (not a failure).
    NotFound,
    /// The back-end refused our credentials (service key, token, IP).
    Unauthorized,
    /// The back-end's quota or rate limit was hit.
    RateLimited,
    /// The back-end rejected the query as invalid.
    InvalidQuery,
    /// A bug or misconfiguration inside the hub or connector.
    Internal,
}

impl ErrorKind {
    /// Stable lower-case label for metrics and logs (a bounded set).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Timeout => "timeout",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::BadResponse => "bad_response",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::InvalidQuery => "invalid_query",
            ErrorKind::Internal => "internal",
        }
    }

    /// Whether this outcome counts as a back-end failure for a circuit breaker. NotFound,
    /// InvalidQuery and Unauthorized are answers, not signs of a failing back-end; Internal is
    /// our own fault.
    pub fn counts_as_failure(self) -> bool {
        matches!(
            self,
            ErrorKind::Timeout
                | ErrorKind::Unavailable
                | ErrorKind::BadResponse
                | ErrorKind::RateLimited
        )
    }

    /// Whether one retry of an idempotent read may help.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::Timeout | ErrorKind::Unavailable)
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A classified connector failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct ConnectorError {
    /// The classification.
    pub kind: ErrorKind,
    /// What happened, for operators; never personal data.
    pub message: String,
    /// The back-end's `Retry-After`, when it gave one.
    pub retry_after: Option<Duration>,
}

impl ConnectorError {
    /// A new error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ConnectorError {
            kind,
            message: message.into(),
            retry_after: None,
        }
    }

    /// Attaches a `Retry-After` hint.
    pub fn with_retry_after(mut self, d: Option<Duration>) -> Self {
        self.retry_after = d;
        self
    }

    /// Shorthand for [`ErrorKind::Timeout`].
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Timeout, message)
    }
    /// Shorthand for [`ErrorKind::Unavailable`].
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }
    /// Shorthand for [`ErrorKind::BadResponse`].
    pub fn bad_response(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadResponse, message)
    }
    /// Shorthand for [`ErrorKind::NotFound`].
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    /// Shorthand for [`ErrorKind::InvalidQuery`].
    pub fn invalid_query(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidQuery, message)
    }
    /// Shorthand for [`ErrorKind::Internal`].
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
}
