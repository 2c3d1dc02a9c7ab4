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
        let at = e
            .span()
            .map(|s| {
                let before = text.get(..s.start).unwrap_or(text);
                let line_no = before.lines().count().max(1);
                // Name the key of the offending line (the part before `=`), never its value.
                let line = text.lines().nth(line_no - 1).unwrap_or("");
                let key = line
                    .split_once('=')
                    .map(|(k, _)| k.trim().trim_matches('"'));
                match key {
                    Some(k)
                        if !k.is_empty()
                            && k.len() <= 64
                            && k.chars()
                                .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)) =>
                    {
                        format!(" (line {line_no}, key `{k}`)")
                    }
                    _ => format!(" (line {line_no})"),
                }
            })
            .unwrap_or_default();
        ConfigError::new(connector, format!("{}{at}", e.message().trim()))
    })
}

/// Checks that `value` (config key `key`) is an absolute `http://` or `https://` URL with a
/// host; the message names the key.
pub fn check_url(connector: &str, key: &str, value: &str) -> Result<(), ConfigError> {
    match reqwest::Url::parse(value.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(ConfigError::new(
            connector,
            format!("{key}: must be an absolute http:// or https:// URL"),
        )),
    }
}

/// Checks what every connector table shares: `base_url`, a non-empty `department`, a positive
/// `http.max_body_bytes`.
pub fn check_common(
    connector: &str,
    base_url: &str,
    department: &str,
    http: &crate::http::HttpSettings,
) -> Result<(), ConfigError> {
    check_url(connector, "base_url", base_url)?;
    if department.trim().is_empty() {
        return Err(ConfigError::new(connector, "department: must not be empty"));
    }
    if http.max_body_bytes == 0 {
        return Err(ConfigError::new(
            connector,
            "http.max_body_bytes: must be positive",
        ));
    }
    Ok(())
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
    fn common_checks_name_the_key() {
        let http = crate::http::HttpSettings::default();
        assert!(check_common("x", "https://a.example", "세정과", &http).is_ok());
        for (url, dept, key) in [
            ("ftp://a", "d", "base_url"),
            ("http://", "d", "base_url"),
            ("http://a", " ", "department"),
        ] {
            let e = check_common("x", url, dept, &http).unwrap_err();
            assert!(e.message.starts_with(key), "{e}");
        }
        let zero = crate::http::HttpSettings {
            max_body_bytes: 0,
            ..http
        };
        assert!(
            check_common("x", "http://a", "d", &zero)
                .unwrap_err()
                .message
                .contains("max_body_bytes")
        );
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
