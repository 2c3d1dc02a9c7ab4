//! Strict loading of a connector's config table, shared by every connector.

use serde::de::DeserializeOwned;

/// A config table that could not be used; the message names the offending key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("connector `{connector}` config: {message}")]
pub struct ConfigError {
    /// Connector name.
    pub connector: String,
    /// What is wrong (from the TOML parser, or a validation rule).
    pub message: String,
}

impl ConfigError {
    /// A validation error for `connector`.
    pub fn new(connector: &str, message: impl Into<String>) -> Self {
        ConfigError {
            connector: connector.to_string(),
            message: message.into(),
        }
    }
}

/// Parses a config struct (which must use `#[serde(deny_unknown_fields)]`) from a TOML value,
/// so a misspelt key is an error, not a silent default.
pub fn from_toml<T: DeserializeOwned>(
    connector: &str,
    value: toml::Value,
) -> Result<T, ConfigError> {
    T::deserialize(value).map_err(|e| ConfigError::new(connector, e.message().trim().to_string()))
}

/// Parses a config struct from TOML text. The error keeps the parser's reason and the line,
/// but not the quoted source line: it may hold a secret (a service key, a client secret).
pub fn from_toml_str<T: DeserializeOwned>(connector: &str, text: &str) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .map(|s| {
                format!(
                    " (line {})",
                    text.get(..s.start).unwrap_or(text).lines().count().max(1)
                )
            })
            .unwrap_or_default();
        ConfigError::new(connector, format!("{}{line}", e.message().trim()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Cfg {
        base_url: String,
        service_key: String,
    }

    #[test]
    fn errors_name_the_key_without_quoting_secrets() {
        let e = from_toml_str::<Cfg>(
            "x",
            "base_url = \"u\"\nservice_key = \"s3cr3t\"\nbase_urll = 1\n",
        )
        .unwrap_err();
        assert!(e.message.contains("base_urll"), "{e}");
        let e = from_toml_str::<Cfg>("x", "base_url = \"u\"\nservice_key = s3cr3t-unquoted\n")
            .unwrap_err();
        assert!(!e.message.contains("s3cr3t"), "{e}");
        assert!(e.message.contains("line 2"), "{e}");
    }
}
