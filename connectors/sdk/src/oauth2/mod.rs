//! OAuth2 client credentials (RFC 6749 §4.4), shared by every connector whose back-end sits
//! behind a token endpoint (the welfare crate, declarative `oauth2_client_credentials`).
//!
//! - [`wire`] — the request and answer names and the lifetime bounds;
//! - [`answer`] — reading the token endpoint's answer, with its one error table;
//! - [`cache`] — [`TokenCache`]: a token kept until shortly before it expires, one shared
//!   refresh for concurrent callers, and the "refresh once on a rejected token" dance;
//! - [`settings`] — the config checks of a client (URL, id, secret, scope), naming the key;
//! - here — [`TokenRequest`] (asking for a token over HTTP) and [`OAuth2Client`], the two
//!   together as a connector holds them.
//!
//! Neither the client secret nor a token ever appears in a message or a `Debug` output.

pub mod answer;
pub mod cache;
pub mod settings;
pub mod wire;

pub use answer::{TOKEN_ERROR_TABLE, read_token_response};
pub use cache::{Bearer, CallError, IssuedToken, TokenCache};

use crate::form::{FORM_CONTENT_TYPE, form_encode};
use crate::http::BackendClient;
use crate::{CallContext, ConnectorError, Credential};
use base64::Engine;
use serde::Deserialize;
use std::future::Future;
use std::time::Duration;

/// How the client authenticates itself to the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenAuth {
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// `Authorization: Basic base64(client_id:client_secret)`, both form-encoded first.
    ClientSecretBasic,
}

/// Everything needed to ask the token endpoint for a token. `Debug` shows the secret as
/// `[REDACTED]`.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// Token endpoint URL.
    pub url: String,
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: Credential,
    /// Scope, possibly empty (then not sent).
    pub scope: String,
    /// Where the client credentials go.
    pub auth: TokenAuth,
}

impl TokenRequest {
    /// Asks for a token within the call's deadline.
    pub async fn fetch(
        &self,
        client: &BackendClient,
        ctx: &CallContext,
    ) -> Result<IssuedToken, ConnectorError> {
        let mut pairs = vec![(wire::GRANT_TYPE, wire::CLIENT_CREDENTIALS)];
        if !self.scope.is_empty() {
            pairs.push((wire::SCOPE, self.scope.as_str()));
        }
        let mut req = client
            .inner()
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, FORM_CONTENT_TYPE)
            .header(reqwest::header::ACCEPT, "application/json");
        match self.auth {
            TokenAuth::ClientSecretPost => {
                pairs.push((wire::CLIENT_ID, self.client_id.as_str()));
                pairs.push((wire::CLIENT_SECRET, self.client_secret.expose()));
            }
            TokenAuth::ClientSecretBasic => {
                req = req.header(reqwest::header::AUTHORIZATION, self.basic_header());
            }
        }
        let raw = client.send(req.body(form_encode(&pairs)), ctx).await?;
        read_token_response(&raw)
    }

    /// `Basic base64(urlencode(id) ":" urlencode(secret))`, as RFC 6749 §2.3.1 asks.
    pub fn basic_header(&self) -> String {
        let pair = format!(
            "{}:{}",
            form_component(&self.client_id),
            form_component(self.client_secret.expose()),
        );
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }
}

/// One form-encoded component (the SDK encodes pairs; an empty name leaves `=value`, and `=`
/// itself is always escaped, so only the separator is cut).
fn form_component(s: &str) -> String {
    form_encode(&[("", s)]).split_off(1)
}

/// A connector's OAuth2 side: the token request and the cache of its token.
#[derive(Debug)]
pub struct OAuth2Client {
    request: TokenRequest,
    cache: TokenCache,
}

impl OAuth2Client {
    /// A client for `request` for the connector named `connector`, replacing tokens `skew`
    /// before they expire (at most half their lifetime).
    pub fn new(connector: &str, request: TokenRequest, skew: Duration) -> Self {
        OAuth2Client {
            request,
            cache: TokenCache::new(connector, skew),
        }
    }

    /// The token request (its URL, client and scope).
    pub fn request(&self) -> &TokenRequest {
        &self.request
    }

    /// One API call with a token: `attempt` runs with the cached token (or the one shared
    /// refresh); if it reports [`CallError::TokenRejected`], the token is refreshed once and
    /// `attempt` runs once more; a second rejection is `Unauthorized`. Token requests go
    /// through `http` within the call's deadline.
    pub async fn call<T, A, AFut>(
        &self,
        http: &BackendClient,
        ctx: &CallContext,
        attempt: A,
    ) -> Result<T, ConnectorError>
    where
        A: Fn(Bearer) -> AFut,
        AFut: Future<Output = Result<T, CallError>>,
    {
        self.cache
            .call(ctx.deadline, || self.request.fetch(http, ctx), attempt)
            .await
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
