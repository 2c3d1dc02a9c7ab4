//! Authentication: a bearer JWT (EdDSA only) becomes a [`Principal`].
//!
//! Verification pins the algorithm to EdDSA (so `none`, HS256-with-the-public-key and other
//! confusions are refused), requires `exp`, `iss`, `aud` and `sub`, and checks the role and
//! channel claims against closed sets. Failures are `UNAUTHENTICATED` with a reason that
//! helps the caller fix the token, never echoing it.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use tonic::Status;

/// The caller's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Call-center counselor.
    Counselor,
    /// A department officer (claim `dept` names the department).
    Officer,
    /// Reviews the access trail.
    Auditor,
    /// The 24-hour chatbot (a service account).
    Chatbot,
    /// Operates the hub and its connectors.
    Admin,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::Counselor,
        Role::Officer,
        Role::Auditor,
        Role::Chatbot,
        Role::Admin,
    ];

    /// Claim value.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Counselor => "counselor",
            Role::Officer => "officer",
            Role::Auditor => "auditor",
            Role::Chatbot => "chatbot",
            Role::Admin => "admin",
        }
    }
}

/// The channel the caller serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Phone counseling.
    Phone,
    /// Two-way SMS.
    Sms,
    /// The chatbot.
    Chatbot,
    /// An eup/myeon/dong office counter.
    Dong,
    /// Web front-ends.
    Web,
}

impl Channel {
    /// Claim value.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Phone => "phone",
            Channel::Sms => "sms",
            Channel::Chatbot => "chatbot",
            Channel::Dong => "dong",
            Channel::Web => "web",
        }
    }
}

/// Token claims.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Account id (one per person).
    pub sub: String,
    /// Role.
    pub role: Role,
    /// Department, required for officers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dept: Option<String>,
    /// Channel.
    pub channel: Channel,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Expiry (seconds since epoch).
    pub exp: u64,
    /// Issued at.
    pub iat: u64,
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Account id.
    pub account: String,
    /// Role.
    pub role: Role,
    /// Department (officers).
    pub department: Option<String>,
    /// Channel.
    pub channel: Channel,
    /// Client address as the server saw it.
    pub client_address: String,
}

/// Verifies bearer tokens and locks accounts after repeated failures.
pub struct Authenticator {
    key: DecodingKey,
    validation: Validation,
    lockout: crate::lockout::Lockout,
    verified: VerifiedCache,
}

/// Tokens whose signature already verified, with their claims: a front-end sends the same
/// token on every call, and an Ed25519 verification costs more than the rest of the request.
/// A hit is still checked for expiry; the cache is bounded and cleared when full.
#[derive(Default)]
struct VerifiedCache {
    map: std::sync::RwLock<std::collections::HashMap<String, Claims>>,
}

impl VerifiedCache {
    const MAX: usize = 10_000;

    fn get(&self, token: &str, now: u64, leeway: u64) -> Option<Claims> {
        let map = self.map.read().unwrap_or_else(|p| p.into_inner());
        map.get(token)
            .filter(|c| now <= c.exp.saturating_add(leeway))
            .cloned()
    }

    fn put(&self, token: &str, claims: &Claims) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= Self::MAX {
            map.clear();
        }
        map.insert(token.to_string(), claims.clone());
    }
}

/// The `sub` a token claims, read without verifying it (only to count failures and locks).
fn claimed_sub(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    if payload.len() > 8192 {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("sub")?.as_str().map(str::to_string)
}

impl Authenticator {
    /// From the raw 32-byte Ed25519 public key and the required issuer/audience.
    pub fn new(public_key: &[u8; 32], issuer: &str, audience: &str, leeway_secs: u64) -> Self {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.algorithms = vec![Algorithm::EdDSA];
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = leeway_secs;
        Authenticator {
            key: DecodingKey::from_ed_der(public_key),
            validation,
            lockout: crate::lockout::Lockout::new(
                0,
                std::time::Duration::ZERO,
                std::time::Duration::ZERO,
            ),
            verified: VerifiedCache::default(),
        }
    }

    /// Locks an account (from one client address) for `lock` after `max_failures`
    /// authentication failures within `window`.
    pub fn with_lockout(
        mut self,
        max_failures: u32,
        window: std::time::Duration,
        lock: std::time::Duration,
    ) -> Self {
        self.lockout = crate::lockout::Lockout::new(max_failures, window, lock);
        self
    }

    /// Authenticates a request from its metadata and peer address.
    pub fn authenticate<T>(&self, req: &tonic::Request<T>) -> Result<Principal, Status> {
        let header = req.metadata().get("authorization").ok_or_else(|| {
            Status::unauthenticated("missing `authorization: Bearer <token>` metadata")
        })?;
        let value = header
            .to_str()
            .map_err(|_| Status::unauthenticated("authorization metadata is not ASCII"))?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or_else(|| Status::unauthenticated("authorization must be `Bearer <token>`"))?;
        let addr = req
            .remote_addr()
            .map(|a| a.ip().to_string())
            .unwrap_or_else(|| "unknown".to_string());
        let token = token.trim();
        let sub = claimed_sub(token);
        if let Some(s) = &sub
            && self.lockout.is_locked(s, &addr)
        {
            return Err(Status::unauthenticated(
                "account temporarily locked after repeated authentication failures; try again later or ask an administrator",
            ));
        }
        match self.verify(token, addr.clone()) {
            Ok(p) => {
                self.lockout.success(&p.account, &addr);
                Ok(p)
            }
            Err(e) => {
                if let Some(s) = &sub
                    && self.lockout.failure(s, &addr)
                {
                    tracing::warn!(account = %s, client = %addr, "account locked after repeated authentication failures");
                    crate::telemetry::metrics::global()
                        .auth_lockouts
                        .add(&[], 1);
                }
                Err(e)
            }
        }
    }

    /// Verifies a token string.
    pub fn verify(&self, token: &str, client_address: String) -> Result<Principal, Status> {
        use jsonwebtoken::errors::ErrorKind as K;
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        if let Some(c) = self.verified.get(token, now, self.validation.leeway) {
            return principal_of(c, client_address);
        }
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation).map_err(|e| {
                let why = match e.kind() {
                    K::ExpiredSignature => "token expired",
                    K::InvalidSignature => "token signature is invalid",
                    K::InvalidAlgorithm | K::InvalidAlgorithmName => {
                        "token algorithm must be EdDSA"
                    }
                    K::InvalidIssuer => "token issuer is not accepted",
                    K::InvalidAudience => "token audience is not this hub",
                    K::MissingRequiredClaim(_) => {
                        "token lacks a required claim (exp, iss, aud, sub)"
                    }
                    K::ImmatureSignature => "token is not valid yet",
                    K::Json(_) => "token claims are invalid (role, channel?)",
                    _ => "token is malformed",
                };
                Status::unauthenticated(why)
            })?;
        let p = principal_of(data.claims.clone(), client_address)?;
        self.verified.put(token, &data.claims);
        Ok(p)
    }
}

/// Checks the claims of a verified token and makes the principal.
fn principal_of(c: Claims, client_address: String) -> Result<Principal, Status> {
    if c.sub.trim().is_empty() || c.sub.len() > 128 {
        return Err(Status::unauthenticated(
            "token `sub` must be 1 to 128 characters",
        ));
    }
    if c.role == Role::Officer && c.dept.as_deref().unwrap_or("").is_empty() {
        return Err(Status::unauthenticated(
            "officer tokens must carry a `dept` claim",
        ));
    }
    Ok(Principal {
        account: c.sub,
        role: c.role,
        department: c.dept,
        channel: c.channel,
        client_address,
    })
}

/// Mints tokens (the `token` command and the demo).
pub struct TokenMinter {
    key: EncodingKey,
    issuer: String,
    audience: String,
}

impl TokenMinter {
    /// From an Ed25519 signing key.
    pub fn new(
        key: &ed25519_dalek::SigningKey,
        issuer: &str,
        audience: &str,
    ) -> anyhow::Result<Self> {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        let der = key.to_pkcs8_der()?;
        Ok(TokenMinter {
            key: EncodingKey::from_ed_der(der.as_bytes()),
            issuer: issuer.to_string(),
            audience: audience.to_string(),
        })
    }

    /// A token for `sub` with `role`, `dept`, `channel`, valid `ttl_secs` from now.
    pub fn mint(
        &self,
        sub: &str,
        role: Role,
        dept: Option<&str>,
        channel: Channel,
        ttl_secs: i64,
    ) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: sub.to_string(),
            role,
            dept: dept.map(str::to_string),
            channel,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: (now + ttl_secs).max(0) as u64,
            iat: now.max(0) as u64,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::EdDSA),
            &claims,
            &self.key,
        )?)
    }
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;
