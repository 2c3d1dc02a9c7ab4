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

/// Whether `url` is a plain `http://` URL to a host that is not loopback (`localhost`,
/// `127.0.0.0/8`, `::1`): personal data sent there crosses a network in clear.
pub fn is_remote_plaintext(url: &str) -> bool {
    let Ok(u) = reqwest::Url::parse(url.trim()) else {
        return false;
    };
    if u.scheme() != "http" {
        return false;
    }
    let Some(host) = u.host_str() else {
        return false;
    };
    match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
    {
        Ok(ip) => !ip.is_loopback(),
        Err(_) => !host.eq_ignore_ascii_case("localhost"),
    }
}

/// Checks what every connector table shares: `base_url` (and no plain `http://` to a
/// non-loopback host unless `http.allow_plaintext`), a non-empty `department`, a positive
/// `http.max_body_bytes`, and TLS files that can be read.
pub fn check_common(
    connector: &str,
    base_url: &str,
    department: &str,
    http: &crate::http::HttpSettings,
) -> Result<(), ConfigError> {
    check_url(connector, "base_url", base_url)?;
    check_plaintext(connector, "base_url", base_url, http)?;
    crate::tls::client_config(crate::tls::TlsFiles {
        ca_file: http.ca_file.as_deref(),
        client_cert_file: http.client_cert_file.as_deref(),
        client_key_file: http.client_key_file.as_deref(),
    })
    .map_err(|e| ConfigError::new(connector, e.to_string()))?;
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

/// Refuses a plain `http://` URL (config key `key`) to a non-loopback host unless the
/// connector's `http.allow_plaintext` is set.
pub fn check_plaintext(
    connector: &str,
    key: &str,
    url: &str,
    http: &crate::http::HttpSettings,
) -> Result<(), ConfigError> {
    if is_remote_plaintext(url) && !http.allow_plaintext {
        return Err(ConfigError::new(
            connector,
            format!(
                "{key}: plain http:// to a host that is not loopback would send personal data \
                 and credentials in clear; use https:// (with http.ca_file for the city CA) or \
                 set http.allow_plaintext = true"
            ),
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
            ("http://127.0.0.1:1", " ", "department"),
        ] {
            let e = check_common("x", url, dept, &http).unwrap_err();
            assert!(e.message.starts_with(key), "{e}");
        }
        let zero = crate::http::HttpSettings {
            max_body_bytes: 0,
            ..http
        };
        assert!(
            check_common("x", "http://localhost", "d", &zero)
                .unwrap_err()
                .message
                .contains("max_body_bytes")
        );
    }

    #[test]
    fn plaintext_to_remote_hosts_is_refused_unless_allowed() {
        let http = crate::http::HttpSettings::default();
        for ok in [
            "http://127.0.0.1:18082",
            "http://127.9.0.1",
            "http://localhost:1/x",
            "http://[::1]:80",
            "https://tax.gimpo.go.kr",
        ] {
            assert!(check_common("x", ok, "d", &http).is_ok(), "{ok}");
        }
        for bad in [
            "http://tax.gimpo.go.kr",
            "http://10.1.2.3:8080",
            "http://apis.data.go.kr/1",
        ] {
            let e = check_common("x", bad, "d", &http).unwrap_err();
            assert!(e.message.starts_with("base_url: plain http://"), "{e}");
            assert!(e.message.contains("allow_plaintext"), "{e}");
        }
        let allowed = crate::http::HttpSettings {
            allow_plaintext: true,
            ..http
        };
        assert!(check_common("x", "http://10.1.2.3", "d", &allowed).is_ok());
    }

    #[test]
    fn unreadable_tls_files_are_config_errors_naming_the_key() {
        let http = crate::http::HttpSettings {
            ca_file: Some("/nonexistent/city-ca.pem".into()),
            ..Default::default()
        };
        let e = check_common("x", "https://a.example", "d", &http).unwrap_err();
        assert!(e.message.starts_with("http.ca_file: cannot read"), "{e}");
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
