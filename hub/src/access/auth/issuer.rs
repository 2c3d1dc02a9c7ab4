//! One trusted token issuer: the city's identity provider (`[[auth.issuers]]`, e.g. a Keycloak
//! realm), the identity-verification service for citizens (`kind = "citizen"`), or the local
//! issuer of `[auth] jwt_public_key_file` that the demo and `minwon-hub token` use.
//!
//! Each issuer has its keys ([`super::keys`]), accepted audiences and algorithms, a maximum
//! token lifetime, and a claim mapping: where the account, the roles (a dotted path, string or
//! array — Keycloak puts realm roles under `realm_access.roles`), the department and the
//! channel are.

use super::keys::{Jwks, JwksLocation, KeySource, parse_algorithm};
use super::{Channel, Role};
use jsonwebtoken::{Algorithm, Validation};
use minwon_connector_sdk::http::HttpSettings;
use serde::Deserialize;
use serde_json::Value;
use std::path::PathBuf;

/// Who an issuer speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssuerKind {
    /// Staff and service accounts (counselors, officers, auditors, the chatbot, admins).
    #[default]
    Staff,
    /// Verified citizens: assertions carrying the verified person's RRN (claim `rrn`) and the
    /// verification method (`amr`), for self-service channels.
    Citizen,
}

/// `[[auth.issuers]]`: one identity provider the hub trusts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerConfig {
    /// The exact `iss` its tokens carry, e.g. `https://sso.gimpo.go.kr/realms/minwon`.
    pub issuer: String,
    /// `aud` values accepted (a token must name at least one).
    pub audiences: Vec<String>,
    /// `staff` (default) or `citizen`.
    #[serde(default)]
    pub kind: IssuerKind,
    /// The provider's JWKS endpoint (fetched with `http`'s TLS settings, cached, refreshed
    /// every `jwks_refresh_secs` and when a token names an unknown `kid`).
    #[serde(default)]
    pub jwks_url: Option<String>,
    /// A JWKS file instead of a URL (re-read on the same schedule).
    #[serde(default)]
    pub jwks_file: Option<PathBuf>,
    /// Allowed signature algorithms, from `EdDSA`, `ES256`, `RS256`.
    #[serde(default = "default_algorithms")]
    pub algorithms: Vec<String>,
    /// Claim naming the account (default `sub`; Keycloak users may prefer
    /// `preferred_username`). Staff issuers only.
    #[serde(default = "default_account_claim")]
    pub account_claim: String,
    /// Dotted path to the role(s): a string or an array of strings, of which exactly one must
    /// be a hub role (`counselor`, `officer`, `auditor`, `chatbot`, `sms`, `admin`); others
    /// (Keycloak's `offline_access`, …) are ignored. Default `role`.
    #[serde(default = "default_roles_claim")]
    pub roles_claim: String,
    /// Dotted path to the department (required for officers). Default `dept`.
    #[serde(default = "default_department_claim")]
    pub department_claim: String,
    /// Dotted path to the channel (`phone`, `sms`, `chatbot`, `dong`, `web`). Default
    /// `channel`.
    #[serde(default = "default_channel_claim")]
    pub channel_claim: String,
    /// The channel when the token has none (e.g. `phone` for the counselor desktops' realm).
    #[serde(default)]
    pub default_channel: Option<Channel>,
    /// Longest lifetime (`exp - iat`) accepted, in seconds; default 12 h for staff, 10 min for
    /// citizens.
    #[serde(default)]
    pub max_token_lifetime_secs: Option<u64>,
    /// How often the JWKS is re-read, in seconds.
    #[serde(default = "default_refresh")]
    pub jwks_refresh_secs: u64,
    /// TLS for `jwks_url` (`ca_file`, client certificate), as for back-ends.
    #[serde(default)]
    pub http: HttpSettings,
    /// Demo only: the Ed25519 private key (PKCS#8 PEM) of the demo's stand-in verification
    /// service, which `minwon-hub token --citizen-rrn` signs assertions with. A real
    /// verification service keeps its own key; never set this in production.
    #[serde(default)]
    pub demo_signing_key_file: Option<PathBuf>,
}

fn default_algorithms() -> Vec<String> {
    vec!["EdDSA".into(), "ES256".into(), "RS256".into()]
}
fn default_account_claim() -> String {
    "sub".into()
}
fn default_roles_claim() -> String {
    "role".into()
}
fn default_department_claim() -> String {
    "dept".into()
}
fn default_channel_claim() -> String {
    "channel".into()
}
fn default_refresh() -> u64 {
    300
}

/// Default longest staff token lifetime: one working day.
pub const STAFF_MAX_LIFETIME_SECS: u64 = 12 * 3600;
/// Default longest citizen assertion lifetime.
pub const CITIZEN_MAX_LIFETIME_SECS: u64 = 600;

/// A trusted issuer, ready to verify.
pub struct Issuer {
    /// Its `iss`.
    pub issuer: String,
    /// Staff or citizen.
    pub kind: IssuerKind,
    /// Where its keys are.
    pub keys: KeySource,
    /// Allowed algorithms.
    pub algorithms: Vec<Algorithm>,
    /// `exp`/`nbf`/`iss`/`aud` rules for the token library.
    pub validation: Validation,
    /// Longest `exp - iat`.
    pub max_lifetime_secs: u64,
    /// Claim mapping.
    pub mapping: ClaimMapping,
    /// JWKS refresh period (0 for fixed keys).
    pub refresh_secs: u64,
}

/// Where the principal's fields are in a token.
#[derive(Debug, Clone)]
pub struct ClaimMapping {
    /// Account claim path.
    pub account: String,
    /// Roles claim path.
    pub roles: String,
    /// Department claim path.
    pub department: String,
    /// Channel claim path.
    pub channel: String,
    /// Channel when absent.
    pub default_channel: Option<Channel>,
}

impl Default for ClaimMapping {
    fn default() -> Self {
        ClaimMapping {
            account: default_account_claim(),
            roles: default_roles_claim(),
            department: default_department_claim(),
            channel: default_channel_claim(),
            default_channel: None,
        }
    }
}

/// The validation rules shared by every issuer: `exp` required and checked, `nbf` honoured,
/// the issuer and audiences pinned, `leeway` seconds of clock skew.
pub fn validation(issuer: &str, audiences: &[String], leeway: u64) -> Validation {
    let mut v = Validation::new(Algorithm::EdDSA);
    v.set_issuer(&[issuer]);
    v.set_audience(audiences);
    v.set_required_spec_claims(&["exp", "iss", "aud"]);
    v.validate_nbf = true;
    v.leeway = leeway;
    v
}

impl IssuerConfig {
    /// Checks the entry (`at` names it in messages, e.g. `auth.issuers[0]`).
    pub fn validate(&self, at: &str) -> Result<(), String> {
        if self.issuer.trim().is_empty() {
            return Err(format!("{at}.issuer: must not be empty"));
        }
        if self.audiences.iter().all(|a| a.trim().is_empty()) {
            return Err(format!("{at}.audiences: name at least one audience"));
        }
        match (&self.jwks_url, &self.jwks_file) {
            (Some(_), Some(_)) => {
                return Err(format!("{at}: set jwks_url or jwks_file, not both"));
            }
            (None, None) => return Err(format!("{at}: set jwks_url or jwks_file")),
            (Some(url), None) => {
                minwon_connector_sdk::config::check_url("auth", "jwks_url", url)
                    .and_then(|_| {
                        minwon_connector_sdk::config::check_plaintext(
                            "auth", "jwks_url", url, &self.http,
                        )
                    })
                    .map_err(|e| format!("{at}.{}", e.message))?;
            }
            (None, Some(_)) => {}
        }
        if self.algorithms.is_empty() {
            return Err(format!("{at}.algorithms: allow at least one algorithm"));
        }
        for a in &self.algorithms {
            if parse_algorithm(a).is_none() {
                return Err(format!(
                    "{at}.algorithms: `{a}` is not accepted; use EdDSA, ES256 or RS256 (none and HS* never)"
                ));
            }
        }
        if self.max_token_lifetime_secs == Some(0) {
            return Err(format!("{at}.max_token_lifetime_secs: must be positive"));
        }
        if self.jwks_refresh_secs == 0 {
            return Err(format!("{at}.jwks_refresh_secs: must be positive"));
        }
        Ok(())
    }

    /// The runtime issuer (keys not loaded yet: see [`Jwks::refresh`]).
    pub fn build(&self, leeway: u64) -> Result<Issuer, String> {
        let location = match (&self.jwks_url, &self.jwks_file) {
            (Some(url), _) => JwksLocation::Url(url.clone(), self.http.clone()),
            (None, Some(file)) => JwksLocation::File(file.clone()),
            (None, None) => return Err("set jwks_url or jwks_file".into()),
        };
        let jwks = Jwks::new(location).map_err(|e| e.0)?;
        Ok(Issuer {
            issuer: self.issuer.clone(),
            kind: self.kind,
            keys: KeySource::Jwks(Box::new(jwks)),
            algorithms: self
                .algorithms
                .iter()
                .filter_map(|a| parse_algorithm(a))
                .collect(),
            validation: validation(&self.issuer, &self.audiences, leeway),
            max_lifetime_secs: self.max_token_lifetime_secs.unwrap_or(match self.kind {
                IssuerKind::Staff => STAFF_MAX_LIFETIME_SECS,
                IssuerKind::Citizen => CITIZEN_MAX_LIFETIME_SECS,
            }),
            mapping: ClaimMapping {
                account: self.account_claim.clone(),
                roles: self.roles_claim.clone(),
                department: self.department_claim.clone(),
                channel: self.channel_claim.clone(),
                default_channel: self.default_channel,
            },
            refresh_secs: self.jwks_refresh_secs,
        })
    }
}

/// The value at a dotted path (`realm_access.roles`); a key with a dot in it can be reached
/// only whole (`"a.b"` is tried before descending into `a`).
pub fn claim<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(v) = claims.get(path) {
        return Some(v);
    }
    let (head, rest) = path.split_once('.')?;
    claim(claims.get(head)?, rest)
}

/// The claim at `path` as a string, if it is one.
pub fn claim_str<'a>(claims: &'a Value, path: &str) -> Option<&'a str> {
    claim(claims, path).and_then(Value::as_str)
}

impl ClaimMapping {
    /// The one hub role among the roles claim's values.
    pub fn role(&self, claims: &Value) -> Result<Role, &'static str> {
        let values: Vec<&str> = match claim(claims, &self.roles) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => return Err("token carries no role claim"),
        };
        let mut roles = values.into_iter().filter_map(Role::parse_staff);
        match (roles.next(), roles.next()) {
            (Some(r), None) => Ok(r),
            (None, _) => Err("token carries none of the hub's roles"),
            (Some(_), Some(_)) => Err("token carries more than one of the hub's roles"),
        }
    }

    /// The channel claim, or the issuer's default.
    pub fn channel(&self, claims: &Value) -> Result<Channel, &'static str> {
        match claim(claims, &self.channel) {
            Some(Value::String(s)) => {
                Channel::parse(s).ok_or("token channel is not one of the hub's channels")
            }
            Some(_) => Err("token channel claim is not a string"),
            None => self.default_channel.ok_or("token carries no channel claim"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dotted_paths_reach_keycloak_roles() {
        let c = json!({"realm_access": {"roles": ["offline_access", "counselor"]}, "a.b": 1});
        assert_eq!(
            claim(&c, "realm_access.roles")
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(claim(&c, "a.b"), Some(&json!(1)));
        assert!(claim(&c, "realm_access.nothing").is_none());
        let m = ClaimMapping {
            roles: "realm_access.roles".into(),
            ..ClaimMapping::default()
        };
        assert_eq!(m.role(&c), Ok(Role::Counselor));
        let two = json!({"realm_access": {"roles": ["auditor", "admin"]}});
        assert!(m.role(&two).unwrap_err().contains("more than one"));
        let none = json!({"realm_access": {"roles": ["uma_authorization"]}});
        assert!(m.role(&none).unwrap_err().contains("none"));
        assert!(
            m.role(&json!({"realm_access": {"roles": ["citizen"]}}))
                .is_err(),
            "no staff token is a citizen"
        );
    }

    #[test]
    fn channel_defaults_and_refuses_unknown_words() {
        let m = ClaimMapping {
            default_channel: Some(Channel::Phone),
            ..ClaimMapping::default()
        };
        assert_eq!(m.channel(&json!({})), Ok(Channel::Phone));
        assert_eq!(m.channel(&json!({"channel": "dong"})), Ok(Channel::Dong));
        assert!(m.channel(&json!({"channel": "fax"})).is_err());
        assert!(ClaimMapping::default().channel(&json!({})).is_err());
    }

    fn entry(toml_text: &str) -> IssuerConfig {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn config_errors_name_the_key() {
        let ok = entry(
            "issuer = \"https://sso/realms/m\"\naudiences = [\"minwon-hub\"]\njwks_url = \"https://sso/certs\"\n",
        );
        assert!(ok.validate("auth.issuers[0]").is_ok());
        for (text, key) in [
            (
                "issuer = \"i\"\naudiences = [\"a\"]\njwks_url = \"https://s/c\"\nalgorithms = [\"HS256\"]\n",
                "algorithms",
            ),
            (
                "issuer = \"i\"\naudiences = [\"a\"]\njwks_url = \"https://s/c\"\nalgorithms = [\"none\"]\n",
                "algorithms",
            ),
            (
                "issuer = \"i\"\naudiences = []\njwks_url = \"https://s/c\"\n",
                "audiences",
            ),
            (
                "issuer = \"i\"\naudiences = [\"a\"]\n",
                "jwks_url or jwks_file",
            ),
            (
                "issuer = \"i\"\naudiences = [\"a\"]\njwks_url = \"http://sso.gimpo.go.kr/c\"\n",
                "plain http",
            ),
        ] {
            let e = entry(text).validate("auth.issuers[2]").unwrap_err();
            assert!(e.starts_with("auth.issuers[2]"), "{e}");
            assert!(e.contains(key), "{e}");
        }
        assert!(
            toml::from_str::<IssuerConfig>("issuer = \"i\"\naudiences = [\"a\"]\nissuerr = 1\n")
                .is_err()
        );
    }
}
