//! The hub's configuration: one TOML file, every table strict (`deny_unknown_fields`), with
//! environment overrides `MINWON_<SECTION>__<KEY>=value` (double underscore between levels,
//! e.g. `MINWON_SERVER__LISTEN=0.0.0.0:50051`). Variables without `__` are not config.
//!
//! [`keys`] reads the key material the config points at; `secrets` keeps credentials in
//! connector tables out of `Debug` and logs.

pub mod keys;
mod secrets;

pub use crate::config::secrets::{ConnectorTables, redacted_url};
use secrecy::SecretString;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubConfig {
    /// The gRPC server.
    #[serde(default)]
    pub server: ServerConfig,
    /// Caller authentication.
    pub auth: AuthConfig,
    /// The access trail.
    pub audit: AuditConfig,
    /// Fan-out deadlines.
    #[serde(default)]
    pub fanout: FanoutConfig,
    /// Breakers, bulkheads, per-source deadlines and retries: defaults plus per-connector
    /// overrides.
    #[serde(default)]
    pub resilience: crate::fanout::resilience::settings::ResilienceConfig,
    /// OpenTelemetry export and the Prometheus endpoint.
    #[serde(default)]
    pub telemetry: crate::telemetry::TelemetryConfig,
    /// The access policy.
    #[serde(default)]
    pub policy: PolicyConfig,
    /// The hub's own knowledge index: base file, synonyms, refresh.
    #[serde(default)]
    pub knowledge: crate::guidance::knowledge::KnowledgeConfig,
    /// The knowledge-gap report: what counts as a weak answer, and the writer's bounds.
    #[serde(default)]
    pub knowledge_gaps: crate::guidance::gaps::GapsConfig,
    /// One table per connector, keyed by registry name (`saeol`, `tax`, …); each table is
    /// validated by its connector's own config type. `Debug` shows no value of them.
    #[serde(default)]
    pub connectors: ConnectorTables,
}

/// `[server]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address the gRPC server listens on.
    pub listen: SocketAddr,
    /// On shutdown, how long in-flight calls may take to finish, in ms.
    pub shutdown_grace_ms: u64,
    /// Accept gRPC-Web (HTTP/1.1) beside gRPC, so browsers can call the hub directly.
    pub grpc_web: bool,
    /// Browser origins allowed by CORS (e.g. `https://counsel.gimpo.go.kr`); `*` for any;
    /// empty for none.
    pub cors_allowed_origins: Vec<String>,
    /// TLS for the gRPC port; plaintext when absent.
    pub tls: Option<TlsConfig>,
    /// A second, plaintext listener serving only `grpc.health.v1.Health` (the same statuses
    /// as the gRPC port), for Kubernetes' gRPC probes, which cannot speak TLS; none when
    /// unset. It answers nothing else: no data, no reflection.
    pub health_listen: Option<SocketAddr>,
}

/// `[server.tls]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// Server certificate chain (PEM).
    pub cert_file: PathBuf,
    /// Server private key (PEM).
    pub key_file: PathBuf,
    /// CA bundle (PEM) that client certificates must chain to; set it to require mutual TLS
    /// from service-to-service callers.
    #[serde(default)]
    pub client_ca_file: Option<PathBuf>,
}

impl TlsConfig {
    /// Reads the files into tonic's TLS settings.
    pub fn load(&self) -> anyhow::Result<tonic::transport::ServerTlsConfig> {
        use anyhow::Context;
        use tonic::transport::{Certificate, Identity, ServerTlsConfig};
        let read = |p: &Path| {
            std::fs::read(p).with_context(|| format!("server.tls: reading {}", p.display()))
        };
        let mut tls = ServerTlsConfig::new().identity(Identity::from_pem(
            read(&self.cert_file)?,
            read(&self.key_file)?,
        ));
        if let Some(ca) = &self.client_ca_file {
            tls = tls.client_ca_root(Certificate::from_pem(read(ca)?));
        }
        Ok(tls)
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:50051".parse().expect("literal address"),
            shutdown_grace_ms: 10_000,
            grpc_web: true,
            cors_allowed_origins: Vec::new(),
            tls: None,
            health_listen: None,
        }
    }
}

/// `[auth]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Ed25519 public key (PEM, `BEGIN PUBLIC KEY`) that verifies bearer tokens (EdDSA).
    pub jwt_public_key_file: PathBuf,
    /// Ed25519 private key (PKCS#8 PEM) for `minwon-hub token`; not needed to serve.
    #[serde(default)]
    pub jwt_private_key_file: Option<PathBuf>,
    /// Required `iss` claim.
    #[serde(default = "default_issuer")]
    pub issuer: String,
    /// Required `aud` claim.
    #[serde(default = "default_issuer")]
    pub audience: String,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds (at most 60).
    #[serde(default = "default_leeway")]
    pub leeway_secs: u64,
    /// Lifetime of tokens minted by `minwon-hub token`, in seconds.
    #[serde(default = "default_ttl")]
    pub token_ttl_secs: u64,
    /// Longest lifetime (`exp - iat`) of a token of the local issuer, in seconds (default
    /// 12 h, a working day).
    #[serde(default = "default_ttl")]
    pub max_token_lifetime_secs: u64,
    /// Invalid tokens from one client address that throttle the address (its tokens are no
    /// longer checked, except ones verified before); 0 disables. Never counted per account:
    /// an invalid token's account claim is unverified.
    #[serde(default = "default_lockout_failures")]
    pub lockout_failures: u32,
    /// Window in which invalid tokens are counted, in seconds.
    #[serde(default = "default_lockout_secs")]
    pub lockout_window_secs: u64,
    /// How long a throttled address stays throttled, in seconds.
    #[serde(default = "default_lockout_secs")]
    pub lockout_secs: u64,
    /// `[[auth.issuers]]`: the city's identity provider(s) and the citizen verification
    /// service, beside the local issuer above.
    #[serde(default)]
    pub issuers: Vec<crate::access::auth::IssuerConfig>,
}

fn default_lockout_failures() -> u32 {
    5
}
fn default_lockout_secs() -> u64 {
    300
}

fn default_issuer() -> String {
    "minwon-hub".to_string()
}
fn default_leeway() -> u64 {
    30
}
fn default_ttl() -> u64 {
    12 * 3600
}

/// `[audit]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// SQLite database file of the access trail (created if missing); the embedded store,
    /// used when `postgres_url` is not set.
    #[serde(default)]
    pub sqlite_path: Option<PathBuf>,
    /// PostgreSQL URL (`postgres://user:password@host:5432/db?sslmode=verify-full`); when
    /// set, the trail lives there and hub replicas share it (appends are serialized in the
    /// database). `sslmode`: `disable`, `prefer` (default), `require`/`verify-ca`/`verify-full`
    /// (TLS, certificate and host name verified). A secret: shown only as [`redacted_url`].
    #[serde(default)]
    pub postgres_url: Option<SecretString>,
    /// PEM bundle of CA certificates trusted for PostgreSQL's TLS beside the webpki roots
    /// (the city's CA).
    #[serde(default)]
    pub postgres_ca_file: Option<PathBuf>,
    /// PostgreSQL schema holding the trail's tables (created if missing); default `public`.
    #[serde(default)]
    pub postgres_schema: Option<String>,
    /// PostgreSQL connection pool size.
    #[serde(default = "default_pg_pool")]
    pub postgres_pool_size: usize,
    /// Signed checkpoints of the chain (default on): `serve` then requires
    /// `checkpoint_key_file`. `false` runs without them (check-config warns: a cut tail or a
    /// recomputed chain is then undetectable).
    #[serde(default = "default_true")]
    pub checkpoints: bool,
    /// Ed25519 private key (PKCS#8 PEM or 64 hex) signing checkpoints and export bundles;
    /// required unless `checkpoints = false` (`audit export` always needs it).
    #[serde(default)]
    pub checkpoint_key_file: Option<PathBuf>,
    /// File outside the database to which every checkpoint is also appended (JSON lines), so
    /// a truncated tail is detectable.
    #[serde(default)]
    pub checkpoint_file: Option<PathBuf>,
    /// Write a checkpoint after this many records.
    #[serde(default = "default_cp_records")]
    pub checkpoint_every_records: u64,
    /// …or after this many seconds with new records.
    #[serde(default = "default_cp_secs")]
    pub checkpoint_every_secs: u64,
    /// Key (at least 32 bytes, raw or hex) for the keyed hash naming data subjects.
    pub subject_key_file: PathBuf,
    /// How long a call waits for its access record to commit before failing, in ms.
    #[serde(default = "default_audit_timeout")]
    pub write_timeout_ms: u64,
    /// Most records one group commit writes in a transaction.
    #[serde(default = "default_max_batch")]
    pub max_batch: usize,
    /// Longest an overview's access record waits for others to share its commit, in ms
    /// (default 5; 0 turns it off). Only records committed while sources are called wait,
    /// and an overview whose sources answer first ends the wait, so it adds no latency; it
    /// saves a transaction and a disk sync per record at moderate rates. At most 1000.
    #[serde(default = "default_commit_delay")]
    pub commit_delay_ms: u64,
    /// `[audit.review]`: office hours, holidays and the thresholds of the monthly review's
    /// flags (defaults in [`minwon_audit::review::ReviewConfig`]).
    #[serde(default)]
    pub review: minwon_audit::review::ReviewConfig,
}

fn default_true() -> bool {
    true
}
fn default_pg_pool() -> usize {
    8
}
fn default_cp_records() -> u64 {
    1000
}
fn default_cp_secs() -> u64 {
    60
}
fn default_audit_timeout() -> u64 {
    2_000
}
fn default_max_batch() -> usize {
    512
}
fn default_commit_delay() -> u64 {
    5
}

/// `[policy]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// A Cedar policy file replacing the built-in default (`hub/policy/default.cedar`); it is
    /// validated against `hub/policy/minwon.cedarschema` at start-up.
    #[serde(default)]
    pub file: Option<PathBuf>,
}

/// `[fanout]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FanoutConfig {
    /// Deadline of a query whose caller sent no `grpc-timeout`, in ms.
    pub default_deadline_ms: u64,
    /// Longest deadline honoured, whatever the caller asks, in ms.
    pub max_deadline_ms: u64,
}

impl Default for FanoutConfig {
    fn default() -> Self {
        FanoutConfig {
            default_deadline_ms: 3_000,
            max_deadline_ms: 10_000,
        }
    }
}

/// A configuration problem, with the file and the key when known.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is invalid or has unknown/missing keys.
    #[error("invalid config{}: {message}", path.as_ref().map(|p| format!(" in {}", p.display())).unwrap_or_default())]
    Invalid {
        /// The file, if any.
        path: Option<PathBuf>,
        /// The parser's message, naming the key.
        message: String,
    },
    /// A value breaks a rule.
    #[error("invalid config: {0}")]
    Rule(String),
    /// A connector table was rejected by its connector.
    #[error(transparent)]
    Connector(#[from] minwon_connector_sdk::config::ConfigError),
}

impl HubConfig {
    /// Reads `path`, applies environment overrides, validates.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut cfg = Self::from_toml_str(&text, std::env::vars(), Some(path))?;
        // Relative key and database paths are relative to the config file's folder.
        if let Some(dir) = path.parent() {
            cfg.resolve_relative_to(dir);
        }
        Ok(cfg)
    }

    /// Parses TOML text with the given environment (for tests) and validates.
    pub fn from_toml_str(
        text: &str,
        env: impl IntoIterator<Item = (String, String)>,
        path: Option<&Path>,
    ) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.map(Path::to_path_buf),
            message,
        };
        let mut table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| invalid(e.to_string()))?;
        apply_env_overrides(&mut table, env).map_err(invalid)?;
        let cfg: HubConfig = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| invalid(e.to_string().trim().to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let f = &self.fanout;
        if f.default_deadline_ms == 0 {
            return Err(ConfigError::Rule(
                "fanout deadlines must be greater than 0".into(),
            ));
        }
        if f.default_deadline_ms > f.max_deadline_ms {
            return Err(ConfigError::Rule(
                "fanout.default_deadline_ms must not exceed fanout.max_deadline_ms".into(),
            ));
        }
        if self.auth.leeway_secs > crate::access::auth::verify_limits::MAX_LEEWAY_SECS {
            return Err(ConfigError::Rule(format!(
                "auth.leeway_secs: at most {} seconds of clock skew",
                crate::access::auth::verify_limits::MAX_LEEWAY_SECS
            )));
        }
        if self.auth.max_token_lifetime_secs == 0 {
            return Err(ConfigError::Rule(
                "auth.max_token_lifetime_secs must be positive".into(),
            ));
        }
        for (i, issuer) in self.auth.issuers.iter().enumerate() {
            issuer
                .validate(&format!("auth.issuers[{i}]"))
                .map_err(ConfigError::Rule)?;
            if issuer.issuer == self.auth.issuer {
                return Err(ConfigError::Rule(format!(
                    "auth.issuers[{i}].issuer: `{}` is already the local issuer (auth.issuer)",
                    issuer.issuer
                )));
            }
            if self.auth.issuers[..i]
                .iter()
                .any(|o| o.issuer == issuer.issuer)
            {
                return Err(ConfigError::Rule(format!(
                    "auth.issuers[{i}].issuer: listed twice"
                )));
            }
        }
        if self.audit.sqlite_path.is_none() && self.audit.postgres_url.is_none() {
            return Err(ConfigError::Rule(
                "audit: set sqlite_path (embedded store) or postgres_url".into(),
            ));
        }
        if self.audit.postgres_pool_size == 0 {
            return Err(ConfigError::Rule(
                "audit.postgres_pool_size must be at least 1".into(),
            ));
        }
        if self.audit.checkpoints && self.audit.checkpoint_key_file.is_none() {
            return Err(ConfigError::Rule(
                "audit.checkpoint_key_file is required: checkpoints are on by default (they \
                 reveal a cut or recomputed trail); set audit.checkpoints = false to run \
                 without them"
                    .into(),
            ));
        }
        if self.audit.max_batch == 0 {
            return Err(ConfigError::Rule(
                "audit.max_batch must be at least 1".into(),
            ));
        }
        if self.audit.commit_delay_ms > 1000 {
            return Err(ConfigError::Rule(format!(
                "audit.commit_delay_ms is {} ms; at most 1000 (a few ms is what batching needs)",
                self.audit.commit_delay_ms
            )));
        }
        self.audit.review.validate().map_err(ConfigError::Rule)?;
        let names = crate::fanout::registry::configured_names(&self.connectors);
        self.resilience
            .validate(&names)
            .map_err(ConfigError::Rule)?;
        for name in self.connectors.keys() {
            if !names.contains(&name.as_str()) {
                return Err(ConfigError::Rule(format!(
                    "unknown connector `{name}`; known connectors: {}, or a table with \
                     kind = \"rest-json\" or \"portal-xml\"",
                    crate::fanout::registry::KNOWN.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// Settings that are valid but weaken the hub, one sentence each (`check-config` prints
    /// them as warnings).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.audit.checkpoints {
            out.push(
                "audit.checkpoints = false: the trail gets no signed checkpoints, so records \
                 cut from its tail or a recomputed chain go unnoticed"
                    .to_string(),
            );
        }
        out
    }

    fn resolve_relative_to(&mut self, dir: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        fix(&mut self.auth.jwt_public_key_file);
        for issuer in &mut self.auth.issuers {
            for p in [
                issuer.jwks_file.as_mut(),
                issuer.demo_signing_key_file.as_mut(),
                issuer.http.ca_file.as_mut(),
                issuer.http.client_cert_file.as_mut(),
                issuer.http.client_key_file.as_mut(),
            ]
            .into_iter()
            .flatten()
            {
                fix(p);
            }
        }
        if let Some(p) = self.auth.jwt_private_key_file.as_mut() {
            fix(p);
        }
        for p in [
            self.audit.sqlite_path.as_mut(),
            self.audit.checkpoint_key_file.as_mut(),
            self.audit.checkpoint_file.as_mut(),
            self.audit.postgres_ca_file.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            fix(p);
        }
        fix(&mut self.audit.subject_key_file);
        if let Some(p) = self.policy.file.as_mut() {
            fix(p);
        }
        for p in [
            self.knowledge.file.as_mut(),
            self.knowledge.synonyms_file.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            fix(p);
        }
        // Connector tables stay TOML until their crate parses them: their TLS files are
        // resolved here, so `ca_file = "city-ca.pem"` means beside the config as elsewhere.
        for table in self.connectors.values_mut() {
            if let Some(http) = table.get_mut("http").and_then(toml::Value::as_table_mut) {
                for key in ["ca_file", "client_cert_file", "client_key_file"] {
                    if let Some(toml::Value::String(p)) = http.get_mut(key)
                        && Path::new(p.as_str()).is_relative()
                    {
                        *p = dir.join(&*p).display().to_string();
                    }
                }
            }
        }
        if let Some(tls) = self.server.tls.as_mut() {
            fix(&mut tls.cert_file);
            fix(&mut tls.key_file);
            if let Some(ca) = tls.client_ca_file.as_mut() {
                fix(ca);
            }
        }
    }
}

/// Applies `MINWON_A__B=value` as `a.b = value`. The value is read as a TOML value when it
/// parses as one (numbers, booleans, arrays), else as a string.
fn apply_env_overrides(
    table: &mut toml::Table,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<(), String> {
    for (key, raw) in env {
        let Some(rest) = key.strip_prefix("MINWON_") else {
            continue;
        };
        if !rest.contains("__") {
            continue;
        }
        let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
        let value = format!("v = {raw}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or(toml::Value::String(raw));
        let (leaf, parents) = path.split_last().expect("contains __");
        let mut node = &mut *table;
        for p in parents {
            let entry = node
                .entry(p.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            node = entry
                .as_table_mut()
                .ok_or_else(|| format!("environment variable {key}: `{p}` is not a table"))?;
        }
        node.insert(leaf.clone(), value);
    }
    Ok(())
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
