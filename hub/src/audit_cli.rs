//! `minwon-hub audit …`: the auditor's command line — verify the trail (in the database, or
//! an export bundle offline with only the public key), export a bundle, print the checkpoint
//! public key.

use crate::config::HubConfig;
use crate::trail;
use anyhow::{Context, Result, bail};
use minwon_audit::{ExportFormat, VerifyReport, VerifyingKey};
use std::path::Path;

/// Reads a public key file (PEM or hex).
fn read_public_key(path: &Path) -> Result<VerifyingKey> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    minwon_audit::keys::parse_public_key(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

fn checkpoint_public_key(cfg: &HubConfig) -> Result<VerifyingKey> {
    trail::checkpoint_key(&cfg.audit)?
        .map(|k| k.verifying_key())
        .context("audit.checkpoint_key_file is not set in the config: there are no checkpoints to verify against")
}

/// Prints a report; `Ok(false)` when the trail is not intact.
fn print_report(r: &VerifyReport) -> bool {
    if r.ok {
        println!(
            "OK: {} records and {} checkpoints verified",
            r.records_checked, r.checkpoints_checked
        );
    } else {
        println!(
            "FAILED at sequence {}: {} ({} records verified before it)",
            r.first_bad_sequence.unwrap_or(0),
            r.reason.as_deref().unwrap_or("unknown"),
            r.records_checked
        );
    }
    r.ok
}

/// `audit verify`: the configured store, or `bundle` with `public_key`. Returns whether the
/// trail is intact.
pub async fn verify(
    config: Option<&Path>,
    bundle: Option<&Path>,
    public_key: Option<&Path>,
) -> Result<bool> {
    if let Some(dir) = bundle {
        let key = match (public_key, config) {
            (Some(p), _) => read_public_key(p)?,
            (None, Some(c)) => checkpoint_public_key(&HubConfig::load(c)?)?,
            (None, None) => bail!("verifying a bundle needs --public-key (or --config)"),
        };
        let report = minwon_audit::verify_bundle(dir, &key)
            .await
            .map_err(|e| anyhow::anyhow!("reading the bundle: {e}"))?;
        return Ok(print_report(&report));
    }
    let cfg = HubConfig::load(config.context("--config (or --bundle) is required")?)?;
    let store = trail::open_store(&cfg.audit).await?;
    let mut keys = trail::TrailKeys {
        checkpoint_public_key: trail::checkpoint_key(&cfg.audit)?.map(|k| k.verifying_key()),
        checkpoint_file: cfg.audit.checkpoint_file.clone(),
    };
    if let Some(p) = public_key {
        keys.checkpoint_public_key = Some(read_public_key(p)?);
    }
    let report = trail::verify(store.as_ref(), &keys)
        .await
        .map_err(|e| anyhow::anyhow!("reading the trail: {e}"))?;
    Ok(print_report(&report))
}

/// `audit export`.
pub async fn export(
    config: &Path,
    from: Option<&str>,
    to: Option<&str>,
    format: &str,
    out: &Path,
) -> Result<()> {
    let cfg = HubConfig::load(config)?;
    let parse = |s: Option<&str>, name: &str| -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        s.map(|v| {
            chrono::DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&chrono::Utc))
                .or_else(|_| {
                    chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
                })
                .with_context(|| {
                    format!("--{name}: use RFC 3339 (2026-11-01T00:00:00+09:00) or YYYY-MM-DD")
                })
        })
        .transpose()
    };
    let format: ExportFormat = format
        .parse()
        .map_err(|_| anyhow::anyhow!("--format: jsonl or csv"))?;
    let key = checkpoint_public_key(&cfg)?;
    let store = trail::open_store(&cfg.audit).await?;
    let manifest = minwon_audit::export(
        store.as_ref(),
        parse(from, "from")?,
        parse(to, "to")?,
        format,
        &key,
        out,
    )
    .await
    .map_err(|e| anyhow::anyhow!("exporting: {e}"))?;
    println!(
        "exported to {}: {}",
        out.display(),
        serde_json::to_string(&manifest).unwrap_or_default()
    );
    Ok(())
}

/// `audit public-key`: the checkpoint public key (PEM), for auditors.
pub fn public_key(config: &Path) -> Result<()> {
    let cfg = HubConfig::load(config)?;
    print!(
        "{}",
        minwon_audit::keys::public_key_pem(&checkpoint_public_key(&cfg)?)
    );
    Ok(())
}
