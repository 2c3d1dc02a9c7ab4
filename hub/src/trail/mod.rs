//! Opening the access trail from `[audit]`: the store (embedded SQLite, or PostgreSQL shared
//! by hub replicas), the group-commit writer, and signed checkpoints (on unless
//! `checkpoints = false`). An integrity failure the writer finds (history rewritten under the
//! running hub) is logged and counted in `minwon_audit_integrity_failures_total`.
//!
//! Step 5 of a request — the access record itself — is `minwon_audit` (its own crate); this
//! module is the hub's glue to it, and [`review`] the monthly access review as the hub serves it.

pub mod review;

use crate::config::AuditConfig;
use anyhow::{Context, Result};
use ed25519_dalek::{SigningKey, VerifyingKey};
use minwon_audit::{
    AuditLog, AuditStore, CheckpointConfig, GroupCommitConfig, PostgresStore, SqliteStore,
};
use secrecy::ExposeSecret;
use std::path::PathBuf;
use std::sync::Arc;

/// What verification needs besides the store.
#[derive(Debug, Clone, Default)]
pub struct TrailKeys {
    /// Public half of the checkpoint signing key (none when checkpoints are off).
    pub checkpoint_public_key: Option<VerifyingKey>,
    /// The checkpoint file outside the database.
    pub checkpoint_file: Option<PathBuf>,
}

/// The PostgreSQL store `[audit]` names, built without contacting the server (so
/// `check-config` validates the URL, its `sslmode` and the CA bundle offline); `None` when
/// the trail is in SQLite.
pub fn postgres_store(cfg: &AuditConfig) -> Result<Option<PostgresStore>> {
    let Some(url) = &cfg.postgres_url else {
        return Ok(None);
    };
    let ca = match &cfg.postgres_ca_file {
        Some(path) => {
            let pem = std::fs::read(path)
                .with_context(|| format!("audit.postgres_ca_file: reading {}", path.display()))?;
            minwon_audit::postgres::tls::client_config(Some(&pem))
                .map_err(|e| anyhow::anyhow!("audit.postgres_ca_file {}: {e}", path.display()))?;
            Some(pem)
        }
        None => None,
    };
    let store = PostgresStore::connect_lazy_with_ca(
        url.expose_secret(),
        cfg.postgres_schema.as_deref(),
        cfg.postgres_pool_size,
        ca.as_deref(),
    )
    .map_err(|e| anyhow::anyhow!("audit.postgres_url: {e}"))?;
    Ok(Some(store))
}

/// Opens the configured store. PostgreSQL connects lazily: a hub whose database is briefly
/// away starts, reports NOT_SERVING and fails closed until it answers.
pub async fn open_store(cfg: &AuditConfig) -> Result<Arc<dyn AuditStore>> {
    if let Some(store) = postgres_store(cfg)? {
        if let Some(url) = &cfg.postgres_url {
            tracing::info!(url = %crate::config::redacted_url(url), "audit store: PostgreSQL");
        }
        return Ok(Arc::new(store));
    }
    let path = cfg
        .sqlite_path
        .as_ref()
        .context("audit.sqlite_path is not set")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let path2 = path.clone();
    let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path2))
        .await?
        .with_context(|| format!("opening the audit store {}", path.display()))?;
    Ok(Arc::new(store))
}

/// Reads the checkpoint signing key, if configured.
pub fn checkpoint_key(cfg: &AuditConfig) -> Result<Option<SigningKey>> {
    let Some(path) = &cfg.checkpoint_key_file else {
        return Ok(None);
    };
    let text = crate::config::keys::read_secret_text(path)?;
    let key = minwon_audit::keys::parse_signing_key(text.expose_secret())
        .map_err(|e| anyhow::anyhow!("audit.checkpoint_key_file: {e}"))?;
    Ok(Some(key))
}

/// Reads the checkpoint signing key, which `what` cannot do without.
pub fn required_checkpoint_key(cfg: &AuditConfig, what: &str) -> Result<SigningKey> {
    checkpoint_key(cfg)?.with_context(|| {
        format!("{what} needs the checkpoint signing key: set audit.checkpoint_key_file")
    })
}

/// Starts the writer, with signed checkpoints unless `checkpoints = false`.
pub async fn start(cfg: &AuditConfig) -> Result<(AuditLog, TrailKeys)> {
    let store = open_store(cfg).await?;
    let group = GroupCommitConfig {
        max_batch: cfg.max_batch,
        commit_delay: std::time::Duration::from_millis(cfg.commit_delay_ms),
        ..GroupCommitConfig::default()
    };
    let key = if cfg.checkpoints {
        Some(required_checkpoint_key(cfg, "audit.checkpoints = true")?)
    } else {
        checkpoint_key(cfg)?
    };
    let keys = TrailKeys {
        checkpoint_public_key: key.as_ref().map(SigningKey::verifying_key),
        checkpoint_file: cfg.checkpoint_file.clone(),
    };
    let log = match key.filter(|_| cfg.checkpoints) {
        Some(k) => {
            let mut cp = CheckpointConfig::new(k);
            cp.every_records = cfg.checkpoint_every_records;
            cp.every_secs = cfg.checkpoint_every_secs;
            cp.file = cfg.checkpoint_file.clone();
            AuditLog::start_with_checkpoints(store, group, cp).await
        }
        None => AuditLog::start(store, group).await,
    }
    .map_err(|e| anyhow::anyhow!("starting the access trail: {e}"))?;
    watch_integrity(&log);
    Ok((log, keys))
}

/// Counts (and logs) the writer's integrity failure once it happens; the counter starts at 0
/// so dashboards can alert on any increase.
fn watch_integrity(log: &AuditLog) {
    let metrics = crate::telemetry::metrics::global();
    metrics.audit_integrity_failures.add(&[], 0);
    let mut watch = log.integrity_watch();
    tokio::spawn(async move {
        let Ok(failure) = watch.wait_for(Option::is_some).await.map(|v| v.clone()) else {
            return; // the log was dropped: nothing more can fail
        };
        metrics.audit_integrity_failures.add(&[], 1);
        if let Some(error) = failure {
            tracing::error!(
                error = %error,
                "audit trail integrity lost: every personal-data answer is refused until the \
                 trail is investigated and the hub restarted"
            );
        }
    });
}

/// Verifies the whole trail in `store`: the hash chain, and with a checkpoint key every
/// checkpoint's signature, that the chain passes through it, and (with the checkpoint file)
/// that no tail was cut.
pub async fn verify(
    store: &dyn AuditStore,
    keys: &TrailKeys,
) -> Result<minwon_audit::VerifyReport, minwon_audit::AuditError> {
    verify_from(store, keys, 0).await
}

/// [`verify`] from record `from_sequence` on (0: the whole trail), linked to the stored
/// record before it; checkpoints before it are not checked.
pub async fn verify_from(
    store: &dyn AuditStore,
    keys: &TrailKeys,
    from_sequence: u64,
) -> Result<minwon_audit::VerifyReport, minwon_audit::AuditError> {
    match &keys.checkpoint_public_key {
        Some(pk) => {
            let extra = match &keys.checkpoint_file {
                Some(f) => minwon_audit::checkpoint::read_file(f)?,
                None => Vec::new(),
            };
            minwon_audit::verify_store_trail_from(store, pk, &extra, from_sequence).await
        }
        None => match minwon_audit::verify_store_from(store, 1000, from_sequence).await {
            Ok(n) => Ok(minwon_audit::VerifyReport {
                ok: true,
                records_checked: n,
                checkpoints_checked: 0,
                first_bad_sequence: None,
                reason: None,
                last_sequence: from_sequence.saturating_sub(1) + n,
                last_checkpoint_sequence: None,
            }),
            Err(minwon_audit::AuditError::Corrupt { sequence, reason }) => {
                Ok(minwon_audit::VerifyReport {
                    ok: false,
                    records_checked: sequence.saturating_sub(from_sequence.max(1)),
                    checkpoints_checked: 0,
                    first_bad_sequence: Some(sequence),
                    reason: Some(reason),
                    last_sequence: sequence.saturating_sub(1),
                    last_checkpoint_sequence: None,
                })
            }
            Err(e) => Err(e),
        },
    }
}
