//! [`TokenCache`]: the current token, kept until shortly before it expires, with a refresh
//! that concurrent callers share, and [`TokenCache::call`], the "refresh once when the API
//! rejects the token" dance every OAuth2 connector runs.
//!
//! The cache is one `tokio::sync::Mutex` around the current token. A caller holding it while
//! the token is fresh leaves at once; a caller finding it stale refreshes *while holding it*,
//! so everyone else waits for that one refresh and then re-checks — no thundering herd. The
//! refresh runs on the caller's deadline; if that caller goes away the lock is released and
//! the next waiter refreshes on its own deadline (cancel-safe).

use crate::{ConnectorError, Credential, ErrorKind};
use std::future::Future;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// An access token as sent in `Authorization: Bearer`. `Debug` never shows the value (it is
/// a `secrecy` secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bearer {
    value: Credential,
    generation: u64,
}

impl Bearer {
    /// The token, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        self.value.expose()
    }

    /// Which issuance this is, counted by the cache (1 for the first token).
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

/// A token as the token endpoint issued it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The access token (never printed).
    pub access_token: Credential,
    /// Its lifetime (capped at [`super::wire::MAX_EXPIRES_IN_SECS`]).
    pub expires_in: Duration,
}

/// Why one authorised API attempt did not yield its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The access token was refused (HTTP 401 or the API's own "invalid token"): refresh it
    /// and retry once.
    TokenRejected,
    /// Any other failure, classified.
    Failed(ConnectorError),
}

impl From<ConnectorError> for CallError {
    fn from(e: ConnectorError) -> Self {
        CallError::Failed(e)
    }
}

#[derive(Debug)]
struct Cached {
    bearer: Bearer,
    refresh_at: Instant,
}

/// The current token and the lock that makes its refresh single-flight. `Debug` shows the
/// token only as `secrecy` does: `[REDACTED]`.
#[derive(Debug)]
pub struct TokenCache {
    slot: Mutex<(Option<Cached>, u64)>,
    skew: Duration,
    connector: String,
}

impl TokenCache {
    /// A cache of the connector named `connector` (for its log lines), replacing tokens
    /// `skew` before they expire (at most half their lifetime).
    pub fn new(connector: &str, skew: Duration) -> Self {
        TokenCache {
            slot: Mutex::new((None, 0)),
            skew,
            connector: connector.to_string(),
        }
    }

    /// A fresh token: the cached one unless it is due for refresh or is `rejected` (the token a
    /// data call just saw refused); otherwise one obtained by `fetch`, which runs at most once
    /// at a time across all callers. Waiting for the lock is bounded by `deadline`.
    pub async fn get<F, Fut>(
        &self,
        deadline: Instant,
        rejected: Option<&Bearer>,
        fetch: F,
    ) -> Result<Bearer, ConnectorError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<IssuedToken, ConnectorError>>,
    {
        let mut slot = tokio::time::timeout_at(deadline, self.slot.lock())
            .await
            .map_err(|_| ConnectorError::timeout("deadline passed waiting for a token refresh"))?;
        if let Some(c) = &slot.0 {
            let is_rejected = rejected.is_some_and(|r| r.generation == c.bearer.generation);
            if !is_rejected && Instant::now() < c.refresh_at {
                return Ok(c.bearer.clone());
            }
        }
        slot.0 = None;
        let issued = fetch().await?;
        let now = Instant::now();
        let skew = self.skew.min(issued.expires_in / 2);
        slot.1 += 1;
        let bearer = Bearer {
            value: issued.access_token,
            generation: slot.1,
        };
        slot.0 = Some(Cached {
            bearer: bearer.clone(),
            refresh_at: now + issued.expires_in.saturating_sub(skew),
        });
        tracing::debug!(
            connector = %self.connector,
            generation = slot.1,
            "access token obtained"
        );
        Ok(bearer)
    }

    /// One API call with the token dance: cached token → `attempt`; rejected → one refresh
    /// (shared with concurrent callers), one more `attempt`; rejected again → `Unauthorized`.
    pub async fn call<T, F, Fut, A, AFut>(
        &self,
        deadline: Instant,
        fetch: F,
        attempt: A,
    ) -> Result<T, ConnectorError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<IssuedToken, ConnectorError>>,
        A: Fn(Bearer) -> AFut,
        AFut: Future<Output = Result<T, CallError>>,
    {
        let token = self.get(deadline, None, &fetch).await?;
        match attempt(token.clone()).await {
            Ok(answer) => return Ok(answer),
            Err(CallError::Failed(e)) => return Err(e),
            Err(CallError::TokenRejected) => {}
        }
        tracing::debug!(connector = %self.connector, "access token rejected; refreshing once");
        let token = self.get(deadline, Some(&token), &fetch).await?;
        match attempt(token).await {
            Ok(answer) => Ok(answer),
            Err(CallError::Failed(e)) => Err(e),
            Err(CallError::TokenRejected) => Err(ConnectorError::new(
                ErrorKind::Unauthorized,
                "the back-end rejected the access token again after a refresh",
            )),
        }
    }
}
