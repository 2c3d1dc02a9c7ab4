//! The config checks of an OAuth2 client, shared by every connector table that has one; each
//! error names the key (with the table's prefix, e.g. `auth.`) and never the secret.

use crate::config::{self, ConfigError};
use crate::http::HttpSettings;

/// Where a client's settings sit in a connector table: `prefix` is put before each key name
/// (`""` for top-level keys, `"auth."` for an `[auth]` table).
#[derive(Debug, Clone, Copy)]
pub struct ClientKeys<'a> {
    /// The connector's name (the table).
    pub connector: &'a str,
    /// Put before every key name in messages.
    pub prefix: &'a str,
}

impl ClientKeys<'_> {
    fn err(&self, key: &str, what: &str) -> ConfigError {
        ConfigError::new(self.connector, format!("{}{key}: {what}", self.prefix))
    }

    /// `token_url`: an absolute `https://` URL, or `http://` to loopback only unless the
    /// table's `http.allow_plaintext` is set — the client secret travels to it.
    pub fn check_token_url(&self, url: &str, http: &HttpSettings) -> Result<(), ConfigError> {
        let key = format!("{}token_url", self.prefix);
        config::check_url(self.connector, &key, url)?;
        config::check_plaintext(self.connector, &key, url, http)
    }

    /// `client_id`: non-empty, without control characters.
    pub fn check_client_id(&self, id: &str) -> Result<(), ConfigError> {
        if id.trim().is_empty() || id.chars().any(char::is_control) {
            return Err(self.err("client_id", "must be non-empty, without control characters"));
        }
        Ok(())
    }

    /// `client_secret`: non-empty, without control characters (the value is never shown).
    pub fn check_client_secret(&self, secret: &str) -> Result<(), ConfigError> {
        if secret.trim().is_empty() || secret.chars().any(char::is_control) {
            return Err(self.err(
                "client_secret",
                "must be non-empty, without control characters",
            ));
        }
        Ok(())
    }

    /// `scope`: RFC 6749 §3.3 scope-tokens (`%x21 / %x23-5B / %x5D-7E`) separated by spaces;
    /// empty asks for none.
    pub fn check_scope(&self, scope: &str) -> Result<(), ConfigError> {
        let ok = scope
            .bytes()
            .all(|b| b == b' ' || (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\');
        if !ok {
            return Err(self.err("scope", "space-separated printable ASCII without \" or \\"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: ClientKeys<'static> = ClientKeys {
        connector: "x",
        prefix: "auth.",
    };

    #[test]
    fn each_rule_names_its_prefixed_key() {
        let http = HttpSettings::default();
        for (result, key) in [
            (KEYS.check_token_url("/token", &http), "auth.token_url"),
            (
                KEYS.check_token_url("http://10.1.2.3/token", &http),
                "auth.token_url",
            ),
            (KEYS.check_client_id(" "), "auth.client_id"),
            (KEYS.check_client_id("a\nb"), "auth.client_id"),
            (KEYS.check_client_secret(""), "auth.client_secret"),
            (KEYS.check_scope("a\"b"), "auth.scope"),
            (KEYS.check_scope("읽기"), "auth.scope"),
        ] {
            let e = result.unwrap_err();
            assert!(e.to_string().contains(key), "{key}: {e}");
        }
    }

    #[test]
    fn https_and_loopback_http_and_ordinary_values_pass() {
        let http = HttpSettings::default();
        KEYS.check_token_url("https://auth.example/token", &http)
            .unwrap();
        KEYS.check_token_url("http://127.0.0.1:8080/token", &http)
            .unwrap();
        KEYS.check_token_url("http://localhost/token", &http)
            .unwrap();
        KEYS.check_client_id("minwon-hub").unwrap();
        KEYS.check_scope("").unwrap();
        KEYS.check_scope("waste.read waste:list").unwrap();
    }

    #[test]
    fn a_bad_secret_is_named_but_never_shown() {
        let e = KEYS.check_client_secret("TopSecret-42\n").unwrap_err();
        assert!(e.to_string().contains("auth.client_secret"), "{e}");
        assert!(!e.to_string().contains("TopSecret"), "{e}");
    }
}
