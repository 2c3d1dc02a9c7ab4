//! [`Authenticator`]: verifying a bearer token against the trusted issuers, with a cache of
//! tokens already verified and the per-address throttle of invalid ones.

use super::issuer::{ClaimMapping, Issuer, IssuerKind, STAFF_MAX_LIFETIME_SECS, claim_str};
use super::keys::{KeySnapshot, KeySource, VerifyKey};
use super::throttle::Throttle;
use super::{Principal, Role, VerifiedCitizen};
use jsonwebtoken::Algorithm;
use minwon_connector_sdk::Rrn;
use serde_json::Value;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Why a caller is not authenticated. The message tells the caller how to fix the token and
/// never echoes it; `api::status` turns it into UNAUTHENTICATED or RESOURCE_EXHAUSTED.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The token (or its absence) is not acceptable.
    #[error("{0}")]
    Unauthenticated(std::borrow::Cow<'static, str>),
    /// The client address sent too many invalid tokens.
    #[error("too many invalid tokens from this address; try again in {retry_after_secs} s")]
    Throttled {
        /// When a new token will be checked again.
        retry_after_secs: u64,
    },
}

impl AuthError {
    /// The message (as the caller reads it).
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// The header a chatbot or SMS gateway uses to present the citizen's verified assertion.
pub const CITIZEN_TOKEN_HEADER: &str = "x-minwon-citizen-token";

/// Largest clock skew the hub tolerates on `exp`, `nbf` and `iat`.
pub const MAX_LEEWAY_SECS: u64 = 60;

/// Verifies bearer tokens from the trusted issuers.
pub struct Authenticator {
    issuers: Vec<Arc<Issuer>>,
    leeway: u64,
    throttle: Throttle,
    verified: VerifiedCache,
}

/// A token verified before: the principal it made (without the client address) and what it
/// relied on, so a hit skips the signature check only while that still holds.
#[derive(Clone)]
struct Cached {
    principal: Principal,
    exp: u64,
    issuer: usize,
    generation: u64,
}

/// Tokens whose signature already verified: a front-end sends the same token on every call,
/// and a signature check costs more than the rest of the request. Bounded; cleared when full.
#[derive(Default)]
struct VerifiedCache {
    map: RwLock<HashMap<String, Cached>>,
}

impl VerifiedCache {
    const MAX: usize = 10_000;

    fn get(&self, token: &str) -> Option<Cached> {
        self.map
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(token)
            .cloned()
    }

    fn put(&self, token: &str, c: Cached) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= Self::MAX {
            map.clear();
        }
        map.insert(token.to_string(), c);
    }
}

fn unauthenticated(why: &'static str) -> AuthError {
    AuthError::Unauthenticated(why.into())
}

fn now_secs() -> u64 {
    chrono::Utc::now().timestamp().max(0) as u64
}

impl Authenticator {
    /// The local issuer only: an Ed25519 public key (raw 32 bytes), the required issuer and
    /// audience, `leeway_secs` of clock skew (at most [`MAX_LEEWAY_SECS`]) and the default
    /// staff maximum lifetime. No throttle until [`Authenticator::with_throttle`].
    pub fn new(public_key: &[u8; 32], issuer: &str, audience: &str, leeway_secs: u64) -> Self {
        let leeway = leeway_secs.min(MAX_LEEWAY_SECS);
        let local = Issuer {
            issuer: issuer.to_string(),
            kind: IssuerKind::Staff,
            keys: KeySource::Fixed(KeySnapshot {
                keys: Arc::new(vec![VerifyKey {
                    kid: None,
                    alg: Algorithm::EdDSA,
                    key: jsonwebtoken::DecodingKey::from_ed_der(public_key),
                }]),
                generation: 1,
            }),
            algorithms: vec![Algorithm::EdDSA],
            validation: super::issuer::validation(issuer, &[audience.to_string()], leeway),
            max_lifetime_secs: STAFF_MAX_LIFETIME_SECS,
            mapping: ClaimMapping::default(),
            refresh_secs: 0,
        };
        Authenticator {
            issuers: vec![Arc::new(local)],
            leeway,
            throttle: Throttle::new(0, Duration::ZERO, Duration::ZERO),
            verified: VerifiedCache::default(),
        }
    }

    /// Sets the local issuer's longest accepted token lifetime.
    pub fn with_max_lifetime(mut self, secs: u64) -> Self {
        if let Some(local) = Arc::get_mut(&mut self.issuers[0]) {
            local.max_lifetime_secs = secs;
        }
        self
    }

    /// Adds trusted issuers (the identity provider, the citizen verification service).
    pub fn with_issuers(mut self, issuers: Vec<Issuer>) -> Self {
        self.issuers.extend(issuers.into_iter().map(Arc::new));
        self
    }

    /// Throttles a client address for `lock` after `max_failures` invalid tokens within
    /// `window` (0 disables).
    pub fn with_throttle(mut self, max_failures: u32, window: Duration, lock: Duration) -> Self {
        self.throttle = Throttle::new(max_failures, window, lock);
        self
    }

    /// Loads every issuer's JWKS once. A file that cannot be read is an error (it is
    /// configuration); an unreachable provider only a warning — its tokens fail until it
    /// answers, and every other issuer works meanwhile.
    pub async fn load_keys(&self) -> anyhow::Result<()> {
        for issuer in &self.issuers {
            if let KeySource::Jwks(j) = &issuer.keys
                && let Err(e) = j.refresh().await
            {
                if j.is_file() {
                    anyhow::bail!("auth.issuers ({}): {e}", issuer.issuer);
                }
                tracing::warn!(issuer = %issuer.issuer, error = %e, "identity provider keys not loaded yet; its tokens are refused until they are");
            }
        }
        Ok(())
    }

    /// Re-reads every JWKS on its issuer's schedule, until the returned task is aborted.
    pub fn spawn_refresh(&self) -> Vec<tokio::task::JoinHandle<()>> {
        self.issuers
            .iter()
            .filter(|i| matches!(i.keys, KeySource::Jwks(_)))
            .map(|issuer| {
                let issuer = issuer.clone();
                tokio::spawn(async move {
                    let period = Duration::from_secs(issuer.refresh_secs.max(1));
                    loop {
                        tokio::time::sleep(period).await;
                        if let KeySource::Jwks(j) = &issuer.keys
                            && let Err(e) = j.refresh().await
                        {
                            tracing::warn!(issuer = %issuer.issuer, error = %e, "refreshing identity provider keys failed; keeping the previous keys");
                        }
                    }
                })
            })
            .collect()
    }

    /// Authenticates a request from its metadata and peer address; a chatbot or SMS service
    /// may add the citizen's assertion as [`CITIZEN_TOKEN_HEADER`].
    pub async fn authenticate_parts(
        &self,
        md: &http::HeaderMap,
        peer: Option<std::net::SocketAddr>,
    ) -> Result<Principal, AuthError> {
        let token = bearer(md)?;
        let ip = peer.map(|a| a.ip());
        let addr = ip.map_or_else(|| "unknown".to_string(), |i| i.to_string());
        let mut principal = self.verify_from(token, ip, addr).await?;
        if let Some(v) = md.get(CITIZEN_TOKEN_HEADER) {
            let assertion = v
                .to_str()
                .map_err(|_| unauthenticated("x-minwon-citizen-token metadata is not ASCII"))?;
            let citizen = self
                .verify_from(assertion.trim(), ip, String::new())
                .await?;
            if citizen.role != Role::Citizen {
                return Err(unauthenticated(
                    "x-minwon-citizen-token must be an assertion of a citizen verification issuer",
                ));
            }
            if principal.role == Role::Citizen {
                return Err(unauthenticated(
                    "a citizen's own token needs no x-minwon-citizen-token",
                ));
            }
            principal.citizen = citizen.citizen;
        }
        Ok(principal)
    }

    /// Verifies a token string (tests and tools; no throttle).
    pub async fn verify(
        &self,
        token: &str,
        client_address: String,
    ) -> Result<Principal, AuthError> {
        self.verify_token(token, client_address).await
    }

    pub(super) async fn verify_from(
        &self,
        token: &str,
        ip: Option<IpAddr>,
        client_address: String,
    ) -> Result<Principal, AuthError> {
        if let Some(p) = self.cached(token, &client_address) {
            return Ok(p);
        }
        if let Some(wait) = self.throttle.throttled_for(ip) {
            return Err(AuthError::Throttled {
                retry_after_secs: wait.as_secs().max(1),
            });
        }
        let result = self.verify_token(token, client_address).await;
        if let Err(e) = &result {
            // Only the address is counted: the token's claims are unverified.
            tracing::info!(client = ?ip, reason = %e, "authentication failed");
            if self.throttle.failure(ip) {
                tracing::warn!(client = ?ip, "client address throttled after repeated invalid tokens");
                crate::telemetry::metrics::global()
                    .auth_lockouts
                    .add(&[], 1);
            }
        }
        result
    }

    fn cached(&self, token: &str, client_address: &str) -> Option<Principal> {
        let c = self.verified.get(token)?;
        let issuer = self.issuers.get(c.issuer)?;
        if now_secs() > c.exp.saturating_add(self.leeway)
            || issuer.keys.snapshot().generation != c.generation
        {
            return None;
        }
        let mut p = c.principal;
        p.client_address = client_address.to_string();
        Some(p)
    }

    async fn verify_token(
        &self,
        token: &str,
        client_address: String,
    ) -> Result<Principal, AuthError> {
        use jsonwebtoken::errors::ErrorKind as K;
        let header = jsonwebtoken::decode_header(token).map_err(|e| {
            // `none` is not even an algorithm to the token library: its header fails to parse.
            let named_alg = matches!(e.kind(), K::InvalidAlgorithmName | K::InvalidAlgorithm)
                || segment_json(token, 0).is_some_and(|h| h.get("alg").is_some());
            unauthenticated(if named_alg {
                "token algorithm is not accepted (EdDSA, ES256 or RS256; never none or HS*)"
            } else {
                "token is malformed"
            })
        })?;
        // The issuer is read before verification only to choose the keys to verify with.
        let (index, issuer) = self.issuer_of(token)?;
        if !issuer.algorithms.contains(&header.alg) {
            return Err(unauthenticated(
                "token algorithm is not one its issuer is allowed to use",
            ));
        }
        let kid = header.kid.as_deref();
        let mut snapshot = issuer.keys.snapshot();
        if snapshot.candidates(kid, header.alg).next().is_none()
            && let KeySource::Jwks(j) = &issuer.keys
        {
            // A new key at the provider (rotation): fetch the set again, rate-limited.
            if let Err(e) = j.refresh_if_due().await {
                tracing::warn!(issuer = %issuer.issuer, error = %e, "refreshing identity provider keys failed");
            }
            snapshot = issuer.keys.snapshot();
        }
        let mut validation = issuer.validation.clone();
        validation.algorithms = vec![header.alg];
        let mut last = None;
        let mut data = None;
        for key in snapshot.candidates(kid, header.alg) {
            match jsonwebtoken::decode::<Value>(token, &key.key, &validation) {
                Ok(d) => {
                    data = Some(d);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let Some(data) = data else {
            return Err(unauthenticated(match last.as_ref().map(|e| e.kind()) {
                None => "token key id is not (or no longer) published by its issuer",
                Some(K::ExpiredSignature) => "token expired",
                Some(K::InvalidSignature) => "token signature is invalid",
                Some(K::InvalidIssuer) => "token issuer is not accepted",
                Some(K::InvalidAudience) => "token audience is not this hub",
                Some(K::MissingRequiredClaim(_)) => "token lacks a required claim (exp, iss, aud)",
                Some(K::ImmatureSignature) => "token is not valid yet (nbf is in the future)",
                Some(K::InvalidAlgorithm) => "token algorithm does not fit its key",
                _ => "token is malformed",
            }));
        };
        let claims = data.claims;
        let exp = self.check_times(issuer, &claims)?;
        let principal = principal_of(issuer, &claims, client_address)?;
        self.verified.put(
            token,
            Cached {
                principal: principal.clone(),
                exp,
                issuer: index,
                generation: snapshot.generation,
            },
        );
        Ok(principal)
    }

    /// The issuer whose `iss` the token names.
    fn issuer_of(&self, token: &str) -> Result<(usize, &Arc<Issuer>), AuthError> {
        let iss = unverified_issuer(token).ok_or_else(|| unauthenticated("token is malformed"))?;
        self.issuers
            .iter()
            .enumerate()
            .find(|(_, i)| i.issuer == iss)
            .ok_or_else(|| unauthenticated("token issuer is not accepted"))
    }

    /// `iat` not in the future, and `exp - iat` (or `exp - now` without `iat`) within the
    /// issuer's maximum lifetime. Returns `exp`.
    fn check_times(&self, issuer: &Issuer, claims: &Value) -> Result<u64, AuthError> {
        let now = now_secs();
        let exp = claims
            .get("exp")
            .and_then(Value::as_u64)
            .ok_or_else(|| unauthenticated("token `exp` must be a number of seconds"))?;
        let start = match claims.get("iat") {
            None => now,
            Some(v) => {
                let iat = v
                    .as_u64()
                    .ok_or_else(|| unauthenticated("token `iat` must be a number of seconds"))?;
                if iat > now.saturating_add(self.leeway) {
                    return Err(unauthenticated("token is issued in the future (iat)"));
                }
                iat
            }
        };
        if exp.saturating_sub(start) > issuer.max_lifetime_secs {
            return Err(AuthError::Unauthenticated(
                format!(
                    "token lifetime exceeds the {} s its issuer allows",
                    issuer.max_lifetime_secs
                )
                .into(),
            ));
        }
        Ok(exp)
    }
}

/// The bearer token of a request.
fn bearer(md: &http::HeaderMap) -> Result<&str, AuthError> {
    let header = md
        .get("authorization")
        .ok_or_else(|| unauthenticated("missing `authorization: Bearer <token>` metadata"))?;
    let value = header
        .to_str()
        .map_err(|_| unauthenticated("authorization metadata is not ASCII"))?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .ok_or_else(|| unauthenticated("authorization must be `Bearer <token>`"))
}

/// Segment `index` of a compact JWT (0 header, 1 payload) as JSON, unverified and bounded.
fn segment_json(token: &str, index: usize) -> Option<Value> {
    use base64::Engine;
    let segment = token.split('.').nth(index)?;
    if segment.len() > 16 * 1024 {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The `iss` a token claims, read without verifying it; only to pick the issuer's keys.
fn unverified_issuer(token: &str) -> Option<String> {
    segment_json(token, 1)?
        .get("iss")?
        .as_str()
        .map(str::to_string)
}

/// Makes the principal from a verified token's claims.
fn principal_of(
    issuer: &Issuer,
    claims: &Value,
    client_address: String,
) -> Result<Principal, AuthError> {
    let m = &issuer.mapping;
    if issuer.kind == IssuerKind::Citizen {
        let rrn = claim_str(claims, "rrn")
            .ok_or_else(|| unauthenticated("citizen assertion lacks the `rrn` claim"))?;
        let rrn = Rrn::parse(rrn)
            .map_err(|_| unauthenticated("citizen assertion's `rrn` claim is not a valid RRN"))?;
        let methods = match claims.get("amr") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(|s| s.chars().take(32).collect())
                .take(8)
                .collect(),
            _ => vec![],
        };
        if methods.is_empty() {
            return Err(unauthenticated(
                "citizen assertion lacks the verification method (`amr`)",
            ));
        }
        return Ok(Principal {
            account: "citizen".to_string(),
            role: Role::Citizen,
            department: None,
            channel: m.channel(claims).unwrap_or(super::Channel::Web),
            client_address,
            citizen: Some(VerifiedCitizen { rrn, methods }),
        });
    }
    let account = claim_str(claims, &m.account).unwrap_or("");
    if account.trim().is_empty() || account.len() > 128 || account.chars().any(char::is_control) {
        return Err(unauthenticated(
            "token account claim must be 1 to 128 printable characters",
        ));
    }
    let role = m.role(claims).map_err(unauthenticated)?;
    let channel = m.channel(claims).map_err(unauthenticated)?;
    let department = claim_str(claims, &m.department)
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.chars().take(64).collect::<String>());
    if role == Role::Officer && department.is_none() {
        return Err(unauthenticated(
            "officer tokens must carry a department claim (`dept`)",
        ));
    }
    Ok(Principal {
        account: account.to_string(),
        role,
        department,
        channel,
        client_address,
        citizen: None,
    })
}
