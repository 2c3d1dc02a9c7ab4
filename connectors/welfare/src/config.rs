//! [`WelfareConfig`]: the `[connectors.welfare]` table, validated, and `build` returning the
//! connector with its health check. The client secret is a [`ClientSecret`], whose `Debug`
//! never shows it.

use crate::NAME;
use crate::connector::{WelfareConnector, WelfareHealth};
use crate::protocol::{DEFAULT_SCOPE, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, TOKEN_PATH};
use minwon_connector_sdk::config::{self, ConfigError, check_common};
use minwon_connector_sdk::http::HttpSettings;
use minwon_connector_sdk::oauth2::settings::ClientKeys;
use minwon_connector_sdk::{BuiltConnector, Credential};
use serde::Deserialize;
use std::sync::Arc;

/// Largest `token_expiry_skew_ms` accepted (one hour).
pub const MAX_SKEW_MS: u64 = 3_600_000;

/// An OAuth2 client secret: the SDK's [`Credential`] (a `secrecy` secret), whose `Debug`
/// prints `[REDACTED]`; no error message ever carries it.
pub type ClientSecret = Credential;

/// How the connector authenticates itself to the token endpoint (RFC 6749 §2.3.1): the
/// SDK's; this table's default is `client_secret_post`.
pub use minwon_connector_sdk::oauth2::TokenAuth;

/// Configuration of the welfare connector.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WelfareConfig {
    /// Base URL of the welfare benefits API, e.g. `https://welfare.example.go.kr`; the API
    /// paths (`/api/v1/benefits/…`) are appended.
    pub base_url: String,
    /// Full URL of the OAuth2 token endpoint. Defaults to `<base_url>/oauth2/token`.
    #[serde(default)]
    pub token_url: Option<String>,
    /// OAuth2 client id. Defaults to the demo client the simulator accepts.
    #[serde(default = "default_client_id")]
    pub client_id: String,
    /// OAuth2 client secret. Defaults to the demo secret the simulator accepts. Never printed.
    #[serde(default = "default_client_secret")]
    pub client_secret: ClientSecret,
    /// Scope asked for (space-separated); empty to ask for none.
    #[serde(default = "default_scope")]
    pub scope: String,
    /// How the client authenticates to the token endpoint: `client_secret_post` (default) or
    /// `client_secret_basic`.
    #[serde(default = "default_token_auth")]
    pub token_auth: TokenAuth,
    /// A cached token is replaced this long before it expires, in milliseconds (0 to one
    /// hour), so a call never starts with a token about to lapse. Capped at half the token's
    /// lifetime, so short-lived tokens are still reused.
    #[serde(default = "default_skew_ms")]
    pub token_expiry_skew_ms: u64,
    /// Department shown in the descriptor and for applications naming none.
    #[serde(default = "default_department")]
    pub department: String,
    /// HTTP client settings.
    #[serde(default)]
    pub http: HttpSettings,
}

fn default_client_id() -> String {
    DEMO_CLIENT_ID.to_string()
}
fn default_client_secret() -> ClientSecret {
    ClientSecret::new(DEMO_CLIENT_SECRET)
}
fn default_scope() -> String {
    DEFAULT_SCOPE.to_string()
}
fn default_token_auth() -> TokenAuth {
    TokenAuth::ClientSecretPost
}
fn default_skew_ms() -> u64 {
    minwon_connector_sdk::oauth2::wire::DEFAULT_EXPIRY_SKEW_MS
}
fn default_department() -> String {
    "복지정책과".to_string()
}

impl WelfareConfig {
    /// A config for `base_url` with every other field at its default.
    pub fn new(base_url: impl Into<String>) -> Self {
        WelfareConfig {
            base_url: base_url.into(),
            token_url: None,
            client_id: default_client_id(),
            client_secret: default_client_secret(),
            scope: default_scope(),
            token_auth: default_token_auth(),
            token_expiry_skew_ms: default_skew_ms(),
            department: default_department(),
            http: HttpSettings::default(),
        }
    }

    /// Parses and validates the config table from TOML text; unknown keys are errors.
    pub fn from_toml_str(text: &str) -> Result<WelfareConfig, ConfigError> {
        let cfg: WelfareConfig =
            config::from_toml_str(NAME, text).map_err(|e| redact_secret_lines(text, e))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// The token endpoint: `token_url`, or `<base_url>/oauth2/token`.
    pub fn effective_token_url(&self) -> String {
        match &self.token_url {
            Some(u) => u.clone(),
            None => format!("{}{TOKEN_PATH}", self.base_url.trim_end_matches('/')),
        }
    }

    /// Checks every rule; the error names the offending key (never a secret value).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |m: String| Err(ConfigError::new(NAME, m));
        check_common(NAME, &self.base_url, &self.department, &self.http)?;
        let keys = ClientKeys {
            connector: NAME,
            prefix: "",
        };
        if let Some(u) = &self.token_url {
            keys.check_token_url(u, &self.http)?;
        }
        keys.check_client_id(&self.client_id)?;
        keys.check_client_secret(self.client_secret.expose())?;
        keys.check_scope(&self.scope)?;
        if self.token_expiry_skew_ms > MAX_SKEW_MS {
            return err(format!(
                "token_expiry_skew_ms: must be 0 to {MAX_SKEW_MS} (one hour)"
            ));
        }
        if self.department.trim().is_empty() {
            return err("department: must not be empty".into());
        }
        if self.http.max_body_bytes == 0 {
            return err("http.max_body_bytes: must be positive".into());
        }
        Ok(())
    }

    /// Validates and builds the connector and its health check (no knowledge source).
    pub fn build(&self) -> Result<BuiltConnector, ConfigError> {
        self.validate()?;
        let connector = Arc::new(
            WelfareConnector::new(self.clone())
                .map_err(|e| ConfigError::new(NAME, format!("http: {}", e.message)))?,
        );
        Ok(BuiltConnector {
            health: Arc::new(WelfareHealth::new(connector.clone())),
            connector,
            knowledge: None,
        })
    }
}

/// The TOML parser quotes the offending source line in its message; when that line holds the
/// client secret, the secret would end up in logs. Every `client_secret` line's value is
/// blanked out of the message.
fn redact_secret_lines(text: &str, mut err: ConfigError) -> ConfigError {
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        if key.trim().trim_matches('"') == "client_secret" && !value.is_empty() {
            err.message = err.message.replace(value, "<redacted>");
        }
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_table_gets_the_demo_defaults() {
        let c = WelfareConfig::from_toml_str("base_url = \"http://127.0.0.1:8080/\"").unwrap();
        assert_eq!(c, WelfareConfig::new("http://127.0.0.1:8080/"));
        assert_eq!(c.client_id, DEMO_CLIENT_ID);
        assert_eq!(c.client_secret.expose(), DEMO_CLIENT_SECRET);
        assert_eq!(
            (c.scope.as_str(), c.token_expiry_skew_ms),
            ("welfare.read", 30_000)
        );
        assert_eq!(c.token_auth, TokenAuth::ClientSecretPost);
        assert_eq!(c.department, "복지정책과");
        assert_eq!(
            c.effective_token_url(),
            "http://127.0.0.1:8080/oauth2/token"
        );
    }

    #[test]
    fn full_table_parses() {
        let c = WelfareConfig::from_toml_str(
            "base_url = \"https://api.example\"\ntoken_url = \"https://auth.example/token\"\n\
             client_id = \"hub\"\nclient_secret = \"s3cret\"\nscope = \"\"\n\
             token_auth = \"client_secret_basic\"\ntoken_expiry_skew_ms = 0\n\
             department = \"주민복지과\"\n[http]\nmax_body_bytes = 1000\n",
        )
        .unwrap();
        assert_eq!(c.effective_token_url(), "https://auth.example/token");
        assert_eq!(c.token_auth, TokenAuth::ClientSecretBasic);
        assert_eq!((c.token_expiry_skew_ms, c.http.max_body_bytes), (0, 1000));
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = WelfareConfig::from_toml_str("base_url = \"https://x\"\nclient_secrett = \"a\"")
            .unwrap_err();
        assert!(e.to_string().contains("client_secrett"), "{e}");
        let e = WelfareConfig::from_toml_str("base_url = \"https://x\"\ntoken_auth = \"jwt\"")
            .unwrap_err();
        assert!(
            e.to_string().contains("token_auth") || e.to_string().contains("jwt"),
            "{e}"
        );
    }

    #[test]
    fn invalid_values_name_their_key() {
        for (toml, key) in [
            ("base_url = \"ftp://x\"", "base_url"),
            (
                "base_url = \"https://x\"\ntoken_url = \"/token\"",
                "token_url",
            ),
            ("base_url = \"https://x\"\nclient_id = \" \"", "client_id"),
            (
                "base_url = \"https://x\"\nclient_secret = \"\"",
                "client_secret",
            ),
            ("base_url = \"https://x\"\nscope = \"a\\\"b\"", "scope"),
            ("base_url = \"https://x\"\nscope = \"읽기\"", "scope"),
            (
                "base_url = \"https://x\"\ntoken_expiry_skew_ms = 3600001",
                "token_expiry_skew_ms",
            ),
            (
                "base_url = \"https://x\"\ntoken_expiry_skew_ms = -1",
                "token_expiry_skew_ms",
            ),
            ("base_url = \"https://x\"\ndepartment = \"\"", "department"),
            (
                "base_url = \"https://x\"\n[http]\nmax_body_bytes = 0",
                "max_body_bytes",
            ),
        ] {
            let e = WelfareConfig::from_toml_str(toml).unwrap_err();
            assert!(e.to_string().contains(key), "{toml}: {e}");
        }
        assert!(
            WelfareConfig::from_toml_str("scope = \"x\"").is_err(),
            "base_url required"
        );
    }

    #[test]
    fn the_secret_never_shows_in_debug_or_errors() {
        let mut c = WelfareConfig::new("http://x");
        c.client_secret = ClientSecret::new("TopSecret-42");
        for text in [format!("{c:?}"), format!("{c:#?}")] {
            assert!(!text.contains("TopSecret-42"), "{text}");
        }
        c.client_secret = ClientSecret::new("TopSecret-42\n");
        let e = c.validate().unwrap_err();
        assert!(!e.to_string().contains("TopSecret"), "{e}");
        for toml in [
            "base_url = \"https://x\"\nclient_secret = \"TopSecret-42\" junk\n",
            "base_url = \"https://x\"\nclient_secret = TopSecret-42\n",
            "base_url = \"https://x\"\n\"client_secret\" = [\"TopSecret-42\"]\n",
        ] {
            let e = WelfareConfig::from_toml_str(toml).unwrap_err();
            assert!(!e.to_string().contains("TopSecret"), "{e}");
            assert!(e.to_string().contains("client_secret"), "{e}");
        }
    }
}
