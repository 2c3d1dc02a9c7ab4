//! Credentials in connector configs (service keys, API keys, OAuth2 client secrets): a
//! [`Credential`] holds its value in a [`secrecy::SecretString`], so `Debug` prints
//! `[REDACTED]`, the memory is zeroed when it is dropped, and reading the value takes an
//! explicit [`Credential::expose`] at the one place it goes on the wire.

pub use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// A credential from a config table. `Debug` never shows the value (it is `secrecy`'s
/// `SecretBox<str>([REDACTED])`), and there is no `Display`.
///
/// Unlike a bare [`SecretString`] it compares by value, so connector configs keep their
/// `PartialEq`; the comparison takes the same time wherever two equally long values differ.
#[derive(Clone, Debug, Deserialize)]
#[serde(transparent)]
pub struct Credential(SecretString);

impl Credential {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Credential(SecretString::from(value.into()))
    }

    /// The value itself, for the request that sends it (and for validation).
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl ExposeSecret<str> for Credential {
    fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<&str> for Credential {
    fn from(value: &str) -> Self {
        Credential::new(value)
    }
}

impl From<String> for Credential {
    fn from(value: String) -> Self {
        Credential::new(value)
    }
}

impl PartialEq for Credential {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.expose().as_bytes(), other.expose().as_bytes());
        // No early exit on the first differing byte.
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl Eq for Credential {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value_in_either_form() {
        let c = Credential::new("svc-key-7f3a9");
        for text in [format!("{c:?}"), format!("{c:#?}")] {
            assert!(!text.contains("svc-key-7f3a9"), "{text}");
            assert!(text.contains("REDACTED"), "{text}");
        }
        assert_eq!(c.expose(), "svc-key-7f3a9");
    }

    #[test]
    fn deserializes_from_a_plain_string_and_compares_by_value() {
        #[derive(Deserialize)]
        struct T {
            key: Credential,
        }
        let t: T = toml::from_str("key = \"a+b/c=\"").unwrap();
        assert_eq!(t.key.expose(), "a+b/c=");
        assert_eq!(t.key, Credential::from("a+b/c="));
        assert_ne!(t.key, Credential::from("a+b/c"));
        assert_ne!(t.key, Credential::from("a+b/d="));
    }
}
