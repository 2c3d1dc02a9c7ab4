//! The OAuth2 vocabulary of a client-credentials token request and its answer (RFC 6749
//! §4.4, §5.1, §5.2), and the bounds put on a token's lifetime.

/// `grant_type` parameter.
pub const GRANT_TYPE: &str = "grant_type";
/// The only grant used.
pub const CLIENT_CREDENTIALS: &str = "client_credentials";
/// `client_id` parameter.
pub const CLIENT_ID: &str = "client_id";
/// `client_secret` parameter.
pub const CLIENT_SECRET: &str = "client_secret";
/// `scope` parameter and answer field.
pub const SCOPE: &str = "scope";
/// Answer: the token.
pub const ACCESS_TOKEN: &str = "access_token";
/// Answer: `Bearer`.
pub const TOKEN_TYPE: &str = "token_type";
/// Answer: lifetime in seconds.
pub const EXPIRES_IN: &str = "expires_in";
/// Error answer: the RFC 6749 §5.2 error code.
pub const ERROR: &str = "error";
/// Error answer: free text (never copied into our errors: it may echo request values).
pub const ERROR_DESCRIPTION: &str = "error_description";

/// Token lifetime assumed when a token answer has no `expires_in` (RFC 6749 makes it
/// optional), in seconds.
pub const DEFAULT_EXPIRES_IN_SECS: u64 = 60;
/// Longest token lifetime honoured, in seconds; a longer `expires_in` is capped (and the
/// capped value keeps `Instant` arithmetic far from overflow).
pub const MAX_EXPIRES_IN_SECS: u64 = 24 * 3600;
/// How long before expiry a cached token is replaced when a config does not say (capped at
/// half the token's lifetime).
pub const DEFAULT_EXPIRY_SKEW_MS: u64 = 30_000;
