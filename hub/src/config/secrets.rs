//! How the configuration's secrets are held and shown: the PostgreSQL URL (it carries the
//! password) is a `secrecy` [`SecretString`] shown only as [`redacted_url`]; the connector
//! tables, which hold back-end credentials until each connector parses them into its own
//! `Credential`s, are [`ConnectorTables`], whose `Debug` names tables and keys, never values.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

pub use secrecy::{ExposeSecret, SecretString};

/// The `[connectors.<name>]` tables as read (env overrides applied), keyed by registry name.
/// Each is validated by its connector's own config type; until then a table may hold a
/// service key or client secret in clear, so `Debug` lists only table and key names.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct ConnectorTables(pub BTreeMap<String, toml::Value>);

impl std::ops::Deref for ConnectorTables {
    type Target = BTreeMap<String, toml::Value>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for ConnectorTables {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl fmt::Debug for ConnectorTables {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Structure only: which connectors are configured and which keys each sets.
        f.debug_map()
            .entries(self.0.iter().map(|(name, table)| {
                let keys: Vec<&str> = table
                    .as_table()
                    .map(|t| t.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                (name, keys)
            }))
            .finish()
    }
}

/// A PostgreSQL URL fit to show: the password replaced by `***`
/// (`postgres://minwon:***@db:5432/audit?sslmode=verify-full`), and so are `password=`
/// parameters, in URL or `key=value` form. Anything it cannot parse shows as `<redacted>`.
pub fn redacted_url(url: &SecretString) -> String {
    let url = url.expose_secret();
    let mut out = match url.split_once("://") {
        // The user info ends at the LAST `@`: a password may hold `@`, `/` or `?` unescaped,
        // and masking too much is harmless where masking too little is not.
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
                None => url.to_string(),
            },
            None => url.to_string(),
        },
        None if url.contains('=') => url.to_string(),
        None => return "<redacted>".to_string(),
    };
    // `password=...` in a query string or a key=value connection string.
    let mut from = 0;
    while let Some(at) = out[from..].find("password=") {
        let key_at = from + at;
        let start = key_at + "password=".len();
        let end = out[start..]
            .find(|c: char| c == '&' || c.is_whitespace())
            .map_or(out.len(), |e| start + e);
        let boundary = key_at == 0
            || out[..key_at]
                .chars()
                .next_back()
                .is_some_and(|c| c == '?' || c == '&' || c.is_whitespace());
        if boundary {
            out.replace_range(start..end, "***");
            from = start + 3;
        } else {
            from = end;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(url: &str) -> String {
        redacted_url(&SecretString::from(url))
    }

    #[test]
    fn the_password_never_shows_in_any_url_form() {
        assert_eq!(
            shown(
                "postgres://minwon:pa55-w0rd@postgres.minwon:5432/minwon_audit?sslmode=verify-full"
            ),
            "postgres://minwon:***@postgres.minwon:5432/minwon_audit?sslmode=verify-full"
        );
        assert_eq!(
            shown("postgres://postgres@127.0.0.1:5432/test"),
            "postgres://postgres@127.0.0.1:5432/test"
        );
        // `@` or `/` inside the password: everything before the last `@` is user info.
        assert_eq!(
            shown("postgresql://u:p@ss@db/audit"),
            "postgresql://u:***@db/audit"
        );
        assert_eq!(
            shown("postgres://u:pa/ss@db/audit"),
            "postgres://u:***@db/audit"
        );
        assert_eq!(
            shown("postgres://u@db/audit?password=pa55-w0rd&sslmode=require"),
            "postgres://u@db/audit?password=***&sslmode=require"
        );
        assert_eq!(
            shown("host=db user=u password=pa55-w0rd dbname=audit"),
            "host=db user=u password=*** dbname=audit"
        );
        assert_eq!(shown("garbage-without-structure"), "<redacted>");
    }

    #[test]
    fn connector_tables_debug_names_keys_not_values() {
        let tables: ConnectorTables = toml::from_str::<BTreeMap<String, toml::Value>>(
            "[tax]\nbase_url = \"http://tax\"\nservice_key = \"svc-KEY-9z\"\n",
        )
        .map(ConnectorTables)
        .unwrap();
        for text in [format!("{tables:?}"), format!("{tables:#?}")] {
            assert!(
                text.contains("service_key") && text.contains("tax"),
                "{text}"
            );
            assert!(!text.contains("svc-KEY-9z"), "{text}");
        }
    }
}
