//! Authentication: a bearer JWT becomes a [`Principal`].
//!
//! Tokens come from trusted issuers ([`issuer`]): the city's identity provider(s) with their
//! JWKS ([`keys`]: EdDSA, ES256 or RS256 as each issuer allows — never `none` or HS*), the
//! identity-verification service for citizens, and the local Ed25519 issuer the demo and
//! `minwon-hub token` use. `exp` is required; `nbf` and `iat` are honoured within a small
//! leeway; a token living longer than its issuer's maximum is refused. Failures are
//! `UNAUTHENTICATED` with a reason that helps the caller fix the token, never echoing it, and
//! count against the client *address* ([`throttle`]) — never against the account an
//! unverified token names.
//!
//! A service on a self-service channel (the chatbot, the SMS gateway) adds the citizen's
//! verified assertion as `x-minwon-citizen-token`; the principal then carries the verified
//! citizen ([`VerifiedCitizen`]) beside the service's own identity.

pub mod issuer;
pub mod keys;
pub mod throttle;
mod verify;

pub use issuer::{Issuer, IssuerConfig, IssuerKind};
pub use verify::{AuthError, Authenticator, CITIZEN_TOKEN_HEADER};

/// The client address of a request, from the connection info tonic's server puts into every
/// request's extensions (plain TCP or TLS).
pub fn peer_of(ext: &http::Extensions) -> Option<std::net::SocketAddr> {
    use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};
    ext.get::<TcpConnectInfo>()
        .and_then(TcpConnectInfo::remote_addr)
        .or_else(|| {
            ext.get::<TlsConnectInfo<TcpConnectInfo>>()
                .and_then(|t| t.get_ref().remote_addr())
        })
}

/// Limits of token verification, for config validation.
pub mod verify_limits {
    pub use super::verify::MAX_LEEWAY_SECS;
}

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use minwon_connector_sdk::Rrn;
use serde::{Deserialize, Serialize};

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
    /// The two-way SMS gateway (a service account).
    Sms,
    /// A verified citizen on a self-service channel (never from a staff issuer).
    Citizen,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 7] = [
        Role::Counselor,
        Role::Officer,
        Role::Auditor,
        Role::Chatbot,
        Role::Admin,
        Role::Sms,
        Role::Citizen,
    ];

    /// A staff or service role from its claim value; `citizen` is not one (citizens are
    /// principals only through a citizen issuer's verified assertion).
    pub fn parse_staff(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| *r != Role::Citizen && r.as_str() == s)
    }

    /// Claim value.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Counselor => "counselor",
            Role::Officer => "officer",
            Role::Auditor => "auditor",
            Role::Chatbot => "chatbot",
            Role::Admin => "admin",
            Role::Sms => "sms",
            Role::Citizen => "citizen",
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
    /// Every channel.
    pub const ALL: [Channel; 5] = [
        Channel::Phone,
        Channel::Sms,
        Channel::Chatbot,
        Channel::Dong,
        Channel::Web,
    ];

    /// From its claim value.
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }

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

/// The claims the local issuer mints (and any issuer using the default claim mapping).
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

/// A citizen whose identity a citizen issuer verified (PASS, 간편인증, joint certificate).
///
/// `Debug` never prints the RRN.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifiedCitizen {
    /// The verified person's resident registration number.
    pub rrn: Rrn,
    /// How they were verified (`amr`), e.g. `["pass"]`.
    pub methods: Vec<String>,
}

impl std::fmt::Debug for VerifiedCitizen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedCitizen")
            .field("rrn", &self.rrn)
            .field("methods", &self.methods)
            .finish()
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Account id (`citizen` for a citizen calling for themself).
    pub account: String,
    /// Role.
    pub role: Role,
    /// Department (officers).
    pub department: Option<String>,
    /// Channel.
    pub channel: Channel,
    /// Client address as the server saw it.
    pub client_address: String,
    /// The verified citizen this call is for: the caller itself ([`Role::Citizen`]), or the
    /// person a chatbot/SMS service presented with `x-minwon-citizen-token`.
    pub citizen: Option<VerifiedCitizen>,
}

/// Mints tokens (the `token` command and the demo): staff tokens of the local issuer, and
/// citizen assertions of the demo's stand-in verification service.
pub struct TokenMinter {
    key: EncodingKey,
    issuer: String,
    audience: String,
    kid: Option<String>,
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
            kid: None,
        })
    }

    /// Names the signing key in the token header (`kid`), as a JWKS-published key needs.
    pub fn with_kid(mut self, kid: String) -> Self {
        self.kid = Some(kid);
        self
    }

    fn header(&self) -> Header {
        let mut h = Header::new(Algorithm::EdDSA);
        h.kid = self.kid.clone();
        h
    }

    /// A verified-citizen assertion for `rrn`, verified by `methods` (`amr`), valid
    /// `ttl_secs` from now. Only the demo's stand-in verification service mints these.
    pub fn mint_citizen(
        &self,
        rrn: &Rrn,
        methods: &[&str],
        channel: Channel,
        ttl_secs: i64,
    ) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = serde_json::json!({
            "iss": self.issuer, "aud": self.audience, "sub": "verified-citizen",
            "rrn": rrn.expose(), "amr": methods, "channel": channel.as_str(),
            "iat": now, "exp": now + ttl_secs,
        });
        Ok(jsonwebtoken::encode(&self.header(), &claims, &self.key)?)
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
        Ok(jsonwebtoken::encode(&self.header(), &claims, &self.key)?)
    }
}

#[cfg(test)]
mod tests;
