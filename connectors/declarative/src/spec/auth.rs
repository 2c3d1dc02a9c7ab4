//! `[connectors.<name>.auth]`: how a declarative connector's requests authenticate.

use minwon_connector_sdk::Credential;
use minwon_connector_sdk::oauth2::TokenAuth;
use serde::Deserialize;

/// How requests authenticate.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Auth {
    /// No credential.
    #[default]
    None,
    /// A portal service key, in the query string or a header (`in`), under `name`.
    ServiceKey {
        /// Parameter or header name, e.g. `serviceKey`.
        name: String,
        /// `query` or `header`.
        #[serde(rename = "in")]
        location: KeyLocation,
        /// The key.
        value: Credential,
    },
    /// An API key header, e.g. `X-API-Key`.
    ApiKey {
        /// Header name.
        header: String,
        /// The key.
        value: Credential,
    },
    /// OAuth2 client credentials (RFC 6749 §4.4): a token from `token_url`, sent as
    /// `Authorization: Bearer`, kept until shortly before it expires (30 s, at most half its
    /// lifetime), refreshed once when the API answers HTTP 401; concurrent calls share one
    /// refresh.
    #[serde(rename = "oauth2_client_credentials")]
    OAuth2ClientCredentials {
        /// The token endpoint: `https://`, or `http://` to loopback only (unless
        /// `http.allow_plaintext`) — the client secret travels to it.
        token_url: String,
        /// Client id.
        client_id: String,
        /// Client secret (never printed).
        client_secret: Credential,
        /// Scope asked for (space-separated); none when absent.
        #[serde(default)]
        scope: Option<String>,
        /// How the client authenticates to the token endpoint: `client_secret_basic`
        /// (HTTP Basic, the default) or `client_secret_post` (in the form body).
        #[serde(default = "default_client_auth")]
        client_auth: TokenAuth,
    },
}

fn default_client_auth() -> TokenAuth {
    TokenAuth::ClientSecretBasic
}

/// Where a service key goes.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KeyLocation {
    /// The query string (the portal's convention; a credential, not personal data).
    Query,
    /// A request header.
    Header,
}
