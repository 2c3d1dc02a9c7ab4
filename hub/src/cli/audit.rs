//! `minwon-hub audit …`: the auditor's command line — verify the trail (in the database, with
//! checkpoints collected from the logs, or an export bundle offline with only the public
//! key), export a bundle (itself recorded as an access), print the checkpoint public key.

use crate::access::validate::{MAX_NOTE_CHARS, PurposeCode};
use crate::config::HubConfig;
use crate::trail;
use anyhow::{Context, Result, bail};
use minwon_audit::{Action, ExportFormat, ExportRequest, Outcome, RecordDraft};
use minwon_audit::{AuditLog, GroupCommitConfig, VerifyReport, VerifyingKey};
use std::path::{Path, PathBuf};

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
    let reason = r.reason.as_deref().unwrap_or("unknown");
    match (r.ok, r.first_bad_sequence) {
        (true, _) => println!(
            "OK: {} records and {} checkpoints verified",
            r.records_checked, r.checkpoints_checked
        ),
        (false, Some(sequence)) => println!(
            "FAILED at sequence {sequence}: {reason} ({} records verified before it)",
            r.records_checked
        ),
        (false, None) => println!("FAILED: {reason}"),
    }
    r.ok
}

/// The tail only the chain protects, in words.
fn tail_line(r: &VerifyReport) -> String {
    match r.last_checkpoint_sequence {
        Some(at) => format!(
            "{} records after the last checkpoint at sequence {at}",
            r.uncovered_tail()
        ),
        None => format!("{} records, none covered by a checkpoint", r.last_sequence),
    }
}

/// `audit verify`: the configured store (with `checkpoints`: files of collected checkpoints,
/// log lines or checkpoint-file lines), or `bundle` with `public_key`. Returns whether the
/// trail is intact.
pub async fn verify(
    config: Option<&Path>,
    bundle: Option<&Path>,
    public_key: Option<&Path>,
    checkpoints: &[PathBuf],
) -> Result<bool> {
    if let Some(dir) = bundle {
        if !checkpoints.is_empty() {
            bail!("--checkpoints is for the store; a bundle carries its own checkpoints");
        }
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
    let report = match (&keys.checkpoint_public_key, checkpoints.is_empty()) {
        (None, false) => bail!(
            "--checkpoints needs the checkpoint public key: --public-key, or \
             audit.checkpoint_key_file in the config"
        ),
        (None, true) => trail::verify(store.as_ref(), &keys).await,
        (Some(key), _) => {
            let mut extra = match &keys.checkpoint_file {
                Some(f) => minwon_audit::checkpoint::read_file(f)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?,
                None => Vec::new(),
            };
            for path in checkpoints {
                let collected = minwon_audit::checkpoint::read_collected(path)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                println!(
                    "{}: {} checkpoints collected",
                    path.display(),
                    collected.len()
                );
                extra.extend(collected);
            }
            minwon_audit::verify_store_trail(store.as_ref(), key, &extra).await
        }
    }
    .map_err(|e| anyhow::anyhow!("reading the trail: {e}"))?;
    let ok = print_report(&report);
    if ok {
        println!("{}", tail_line(&report));
    }
    Ok(ok)
}

/// What `audit export` exports and who is recorded as exporting it.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Time range start (RFC 3339 or YYYY-MM-DD), inclusive.
    pub from: Option<String>,
    /// Time range end, exclusive.
    pub to: Option<String>,
    /// `jsonl` or `csv`.
    pub format: String,
    /// Output folder.
    pub out: PathBuf,
    /// The account recorded as exporting; default the OS user (`$USER`, `$LOGNAME`).
    pub account: Option<String>,
    /// Purpose code (a `PurposeCode` name); default `audit_review`.
    pub purpose: Option<String>,
    /// Free-text purpose note (e.g. the review ticket); no personal data.
    pub purpose_note: Option<String>,
}

/// The access record of a command-line export, before it is chained.
pub(crate) fn export_draft(opts: &ExportOptions) -> Result<RecordDraft> {
    let account = opts
        .account
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .filter(|a| !a.trim().is_empty())
        .context("cannot tell who exports: pass --account (no $USER or $LOGNAME)")?;
    if account.chars().count() > 64 || account.chars().any(char::is_control) {
        bail!("--account: at most 64 characters, no control characters");
    }
    let purpose = opts.purpose.as_deref().unwrap_or("audit_review");
    let code = ALL_PURPOSES
        .into_iter()
        .find(|c| c.as_str() == purpose)
        .with_context(|| {
            let names: Vec<&str> = ALL_PURPOSES.iter().map(|c| c.as_str()).collect();
            format!("--purpose: one of {}", names.join(", "))
        })?;
    let note = opts.purpose_note.clone().unwrap_or_default();
    if note.chars().count() > MAX_NOTE_CHARS || note.chars().any(|c| c.is_control() && c != '\n') {
        bail!("--purpose-note: at most {MAX_NOTE_CHARS} characters, no control characters");
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into());
    Ok(RecordDraft {
        time: chrono::Utc::now(),
        account,
        role: "auditor".into(),
        department: String::new(),
        channel: "cli".into(),
        client_address: format!("local:{host}"),
        operation: "audit export".into(),
        action: Action::Export,
        subjects: Vec::new(),
        sources: Vec::new(),
        clear_fields: Vec::new(),
        purpose_code: code.as_str().into(),
        purpose_note: note,
        outcome: Outcome::Allowed,
        trace_id: String::new(),
    })
}

const ALL_PURPOSES: [PurposeCode; 5] = [
    PurposeCode::CitizenInquiry,
    PurposeCode::CaseHandling,
    PurposeCode::PaymentGuidance,
    PurposeCode::AuditReview,
    PurposeCode::SystemOperation,
];

/// `audit export`: records the export as an access (`Action::Export`, committed first),
/// then writes the bundle sealed with the checkpoint signing key. The bundle holds the
/// records of the range committed before the export's own record, which it names.
pub async fn export(config: &Path, opts: &ExportOptions) -> Result<()> {
    let cfg = HubConfig::load(config)?;
    // A date-only bound is that day's KST midnight (a Korean day, not a UTC one).
    let parse = |s: Option<&str>, name: &str| -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        s.map(|v| {
            minwon_audit::kst::parse_bound(v).with_context(|| {
                format!("--{name}: use RFC 3339 (2026-11-01T00:00:00+09:00) or YYYY-MM-DD (KST)")
            })
        })
        .transpose()
    };
    let format: ExportFormat = opts
        .format
        .parse()
        .map_err(|_| anyhow::anyhow!("--format: jsonl or csv"))?;
    let (from, to) = (
        parse(opts.from.as_deref(), "from")?,
        parse(opts.to.as_deref(), "to")?,
    );
    let draft = export_draft(opts)?;
    let key = trail::required_checkpoint_key(&cfg.audit, "audit export (it signs the bundle)")?;
    let store = trail::open_store(&cfg.audit).await?;
    let log = AuditLog::start(store, GroupCommitConfig::default())
        .await
        .map_err(|e| anyhow::anyhow!("opening the access trail: {e}"))?;
    let request = ExportRequest::new(from, to, format, &key);
    let result = minwon_audit::export_recorded(&log, draft, &request, &opts.out).await;
    log.shutdown().await;
    let (receipt, manifest) = result.map_err(|e| anyhow::anyhow!("exporting: {e}"))?;
    println!(
        "export recorded as audit id {} (sequence {}; after the bundle's range, so the next \
         export shows it)",
        receipt.audit_id, receipt.sequence
    );
    let range = match (manifest.first_sequence, manifest.last_sequence) {
        (Some(a), Some(b)) => format!("sequences {a}..={b}"),
        _ => "no records in the range".to_string(),
    };
    println!(
        "exported {} records ({range}) and {} checkpoints to {}",
        manifest.record_count,
        manifest.checkpoint_count,
        opts.out.display()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(account: &str, purpose: &str, note: &str) -> ExportOptions {
        ExportOptions {
            account: Some(account.into()),
            purpose: Some(purpose.into()),
            purpose_note: Some(note.into()),
            ..ExportOptions::default()
        }
    }

    #[test]
    fn an_export_is_recorded_as_an_allowed_export_by_the_named_account() {
        let d = export_draft(&opts("auditor-kim", "audit_review", "2026-11 점검")).unwrap();
        assert_eq!(d.action, Action::Export);
        assert_eq!(d.outcome, Outcome::Allowed);
        assert_eq!(
            (d.account.as_str(), d.operation.as_str()),
            ("auditor-kim", "audit export")
        );
        assert_eq!(
            (d.purpose_code.as_str(), d.purpose_note.as_str()),
            ("audit_review", "2026-11 점검")
        );
        assert!(d.subjects.is_empty() && d.sources.is_empty());
        assert!(d.client_address.starts_with("local:"));
    }

    #[test]
    fn a_bad_purpose_note_or_account_is_refused_with_the_flag_named() {
        let e = export_draft(&opts("a", "curiosity", "")).unwrap_err();
        assert!(e.to_string().contains("--purpose: one of"), "{e}");
        let e = export_draft(&opts("a", "audit_review", "x\u{7}")).unwrap_err();
        assert!(e.to_string().contains("--purpose-note"), "{e}");
        let long = "n".repeat(MAX_NOTE_CHARS + 1);
        assert!(export_draft(&opts("a", "audit_review", &long)).is_err());
        let e = export_draft(&opts("a\nb", "audit_review", "")).unwrap_err();
        assert!(e.to_string().contains("--account"), "{e}");
        let e = export_draft(&opts(" ", "audit_review", "")).unwrap_err();
        assert!(e.to_string().contains("--account"), "{e}");
    }
}
