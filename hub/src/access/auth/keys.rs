//! Verification keys of token issuers: the allowed algorithms, one key (the local issuer's
//! Ed25519 key) or a JSON Web Key Set read from a file or fetched from the identity provider,
//! cached, refreshed when a token names an unknown `kid` (at most once per
//! [`MIN_REFRESH_INTERVAL`]) and periodically.
//!
//! Only asymmetric keys are ever used: a JWKS entry of type `oct` (an HMAC secret) is ignored,
//! and a token's `alg` must both be allowed for its issuer and fit the key's type, so `none`,
//! HS256 keyed with a public key and RS/ES confusions are refused before any signature check.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey};
use minwon_connector_sdk::CallContext;
use minwon_connector_sdk::http::{BackendClient, HttpSettings};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// A token naming an unknown `kid` triggers at most one JWKS fetch per this interval, so a
/// flood of forged key ids cannot turn the hub into a load generator against the provider.
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(5);

/// The algorithms an issuer may use; anything else (`none`, HS*, PS*, ES384, …) is refused.
pub fn parse_algorithm(name: &str) -> Option<Algorithm> {
    match name {
        "EdDSA" => Some(Algorithm::EdDSA),
        "ES256" => Some(Algorithm::ES256),
        "RS256" => Some(Algorithm::RS256),
        _ => None,
    }
}

/// A short key id for an Ed25519 public key: the first 16 hex digits of its SHA-256.
pub fn ed25519_key_id(key: &ed25519_dalek::VerifyingKey) -> String {
    let digest = <sha2::Sha256 as sha2::Digest>::digest(key.as_bytes());
    hex::encode(&digest[..8])
}

/// A JSON Web Key Set publishing one Ed25519 public key (the demo's stand-in verification
/// service writes its key this way; the hub reads it as any issuer's `jwks_file`).
pub fn ed25519_jwks(key: &ed25519_dalek::VerifyingKey) -> String {
    use base64::Engine;
    serde_json::json!({"keys": [{
        "kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA",
        "kid": ed25519_key_id(key),
        "x": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.as_bytes()),
    }]})
    .to_string()
}

/// One verification key.
#[derive(Clone)]
pub struct VerifyKey {
    /// Its `kid`, if published with one.
    pub kid: Option<String>,
    /// The only algorithm it verifies.
    pub alg: Algorithm,
    /// The key.
    pub key: DecodingKey,
}

impl VerifyKey {
    /// From one JWK; `None` for symmetric keys and key types the hub does not accept.
    pub fn from_jwk(jwk: &Jwk) -> Option<VerifyKey> {
        let alg = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Algorithm::RS256,
            AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => {
                Algorithm::ES256
            }
            AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
                Algorithm::EdDSA
            }
            _ => return None,
        };
        // A JWK that names its algorithm must name the one its type implies.
        if let Some(named) = jwk.common.key_algorithm {
            let named = format!("{named:?}");
            if named != format!("{alg:?}") {
                return None;
            }
        }
        // Keys published for encryption only are not signature keys.
        if matches!(
            jwk.common.public_key_use,
            Some(jsonwebtoken::jwk::PublicKeyUse::Encryption)
        ) {
            return None;
        }
        Some(VerifyKey {
            kid: jwk.common.key_id.clone(),
            alg,
            key: DecodingKey::from_jwk(jwk).ok()?,
        })
    }
}

/// The keys of one issuer as last loaded, with a generation that changes on every reload, so
/// a cache of verified tokens can tell when the keys it relied on may be gone.
#[derive(Clone)]
pub struct KeySnapshot {
    /// The keys.
    pub keys: Arc<Vec<VerifyKey>>,
    /// Bumped by every reload that changed the set.
    pub generation: u64,
}

impl KeySnapshot {
    /// The keys a token with `kid` and `alg` may be verified with: the one with that `kid`,
    /// or without a `kid` every key of that algorithm.
    pub fn candidates<'a>(
        &'a self,
        kid: Option<&'a str>,
        alg: Algorithm,
    ) -> impl Iterator<Item = &'a VerifyKey> + 'a {
        self.keys.iter().filter(move |k| {
            k.alg == alg
                && match kid {
                    Some(kid) => k.kid.as_deref() == Some(kid),
                    None => true,
                }
        })
    }
}

/// Where an issuer's keys come from.
pub enum KeySource {
    /// Fixed keys (the local issuer).
    Fixed(KeySnapshot),
    /// A JWKS document, from a file or the provider's URL.
    Jwks(Box<Jwks>),
}

impl KeySource {
    /// The keys now.
    pub fn snapshot(&self) -> KeySnapshot {
        match self {
            KeySource::Fixed(s) => s.clone(),
            KeySource::Jwks(j) => j.snapshot(),
        }
    }
}

/// Where a JWKS is read from.
#[derive(Debug, Clone)]
pub enum JwksLocation {
    /// A file (re-read on refresh, so rotating it needs no restart either).
    File(PathBuf),
    /// The provider's URL, with the same TLS settings as back-ends.
    Url(String, HttpSettings),
}

/// A cached JWKS and its refresh rules.
pub struct Jwks {
    location: JwksLocation,
    client: Option<BackendClient>,
    current: RwLock<KeySnapshot>,
    last_attempt: Mutex<Option<Instant>>,
    last_digest: Mutex<Option<[u8; 32]>>,
}

/// Why a JWKS could not be loaded; names the file or says what was wrong, never key bytes.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct JwksError(pub String);

impl Jwks {
    /// A JWKS source with no keys yet; call [`Jwks::refresh`] to load.
    pub fn new(location: JwksLocation) -> Result<Jwks, JwksError> {
        let client = match &location {
            JwksLocation::Url(_, http) => {
                Some(BackendClient::new(http).map_err(|e| JwksError(format!("jwks_url: {e}")))?)
            }
            JwksLocation::File(_) => None,
        };
        Ok(Jwks {
            location,
            client,
            current: RwLock::new(KeySnapshot {
                keys: Arc::new(Vec::new()),
                generation: 0,
            }),
            last_attempt: Mutex::new(None),
            last_digest: Mutex::new(None),
        })
    }

    /// Whether the set is read from a file (a failure to read it is configuration).
    pub fn is_file(&self) -> bool {
        matches!(self.location, JwksLocation::File(_))
    }

    /// The keys now.
    pub fn snapshot(&self) -> KeySnapshot {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Loads the set again, unless the last attempt was less than [`MIN_REFRESH_INTERVAL`]
    /// ago (then `Ok(false)`). A failed load keeps the keys it had.
    pub async fn refresh_if_due(&self) -> Result<bool, JwksError> {
        {
            let mut last = self.last_attempt.lock().unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|t| t.elapsed() < MIN_REFRESH_INTERVAL) {
                return Ok(false);
            }
            *last = Some(Instant::now());
        }
        self.refresh().await.map(|_| true)
    }

    /// Loads the set now.
    pub async fn refresh(&self) -> Result<(), JwksError> {
        let body = match &self.location {
            JwksLocation::File(path) => tokio::fs::read(path)
                .await
                .map_err(|e| JwksError(format!("jwks_file {}: {e}", path.display())))?,
            JwksLocation::Url(url, _) => {
                let client = self.client.as_ref().expect("a URL source has a client");
                let ctx = CallContext::with_budget(Duration::from_secs(5));
                let resp = client
                    .send(client.inner().get(url), &ctx)
                    .await
                    .map_err(|e| JwksError(format!("fetching jwks_url: {e}")))?;
                if let Some(e) = minwon_connector_sdk::http::classify_status(&resp) {
                    return Err(JwksError(format!("fetching jwks_url: {e}")));
                }
                resp.body
            }
        };
        let set: JwkSet = serde_json::from_slice(&body)
            .map_err(|e| JwksError(format!("the JWKS is not valid JSON Web Key Set: {e}")))?;
        let keys: Vec<VerifyKey> = set.keys.iter().filter_map(VerifyKey::from_jwk).collect();
        if keys.is_empty() {
            return Err(JwksError(
                "the JWKS holds no usable signature key (RSA, P-256 or Ed25519)".into(),
            ));
        }
        let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(&body).into();
        let mut current = self.current.write().unwrap_or_else(|p| p.into_inner());
        let mut last = self.last_digest.lock().unwrap_or_else(|p| p.into_inner());
        // A new document (keys added, dropped or replaced under the same kid) is a new
        // generation; the periodic refresh of an unchanged set keeps cached tokens valid.
        if *last != Some(digest) {
            *current = KeySnapshot {
                keys: Arc::new(keys),
                generation: current.generation + 1,
            };
            *last = Some(digest);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_eddsa_es256_and_rs256_are_algorithms() {
        for ok in ["EdDSA", "ES256", "RS256"] {
            assert!(parse_algorithm(ok).is_some(), "{ok}");
        }
        for bad in ["none", "HS256", "HS512", "PS256", "ES384", "eddsa", ""] {
            assert!(parse_algorithm(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn symmetric_and_mislabelled_jwks_are_ignored() {
        let set: JwkSet = serde_json::from_str(
            r#"{"keys":[
              {"kty":"oct","kid":"h","k":"c2VjcmV0"},
              {"kty":"OKP","crv":"Ed25519","kid":"e","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
              {"kty":"OKP","crv":"Ed25519","kid":"lie","alg":"RS256","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
            ]}"#,
        )
        .unwrap();
        let keys: Vec<_> = set.keys.iter().filter_map(VerifyKey::from_jwk).collect();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].kid.as_deref(), Some("e"));
        assert_eq!(keys[0].alg, Algorithm::EdDSA);
    }
}
