//! `minwon-hub audit review`: the monthly access review as files — a printable Korean HTML
//! report, a CSV (UTF-8 with BOM) and JSON — with the review itself recorded as an access
//! before the trail is read.

use crate::cli::audit::{ExportOptions, export_draft};
use crate::config::HubConfig;
use crate::console::report::{self, Styles};
use crate::trail;
use anyhow::{Context, Result};
use minwon_audit::kst::Month;
use minwon_audit::review::output;
use minwon_audit::{Action, AuditLog, GroupCommitConfig, RecordDraft};
use std::path::{Path, PathBuf};

/// The review's access record: an auditor's view (not an export: the files hold counts and
/// masked subjects, no case data), purpose `audit_review`, the month in the note.
fn review_draft(month: Month, account: Option<String>) -> Result<RecordDraft> {
    let mut d = export_draft(&ExportOptions {
        account,
        purpose: Some("audit_review".into()),
        purpose_note: Some(month.to_string()),
        ..ExportOptions::default()
    })?;
    d.operation = "audit review".into();
    d.action = Action::View;
    Ok(d)
}

/// The three files of `month`'s review in `out`.
pub fn file_names(out: &Path, month: Month) -> [PathBuf; 3] {
    ["html", "csv", "json"].map(|ext| out.join(format!("access-review-{month}.{ext}")))
}

/// `audit review --config C --month YYYY-MM --out DIR`.
pub async fn review(config: &Path, month: &str, out: &Path, account: Option<String>) -> Result<()> {
    let month = Month::parse(month).map_err(|e| anyhow::anyhow!("--{e}"))?;
    let cfg = HubConfig::load(config)?;
    let draft = review_draft(month, account)?;
    let reviewer = draft.account.clone();
    let store = trail::open_store(&cfg.audit).await?;
    let keys = trail::TrailKeys {
        checkpoint_public_key: trail::checkpoint_key(&cfg.audit)?.map(|k| k.verifying_key()),
        checkpoint_file: cfg.audit.checkpoint_file.clone(),
    };
    let log = AuditLog::start(store.clone(), GroupCommitConfig::default())
        .await
        .map_err(|e| anyhow::anyhow!("opening the access trail: {e}"))?;
    let receipt = log.record(draft).await;
    log.shutdown().await;
    let receipt = receipt.map_err(|e| anyhow::anyhow!("recording the review: {e}"))?;
    let review = crate::trail::review::compute(store.as_ref(), &keys, &cfg.audit.review, month)
        .await
        .map_err(|e| anyhow::anyhow!("reading the trail: {e}"))?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let [html, csv, json] = file_names(out, month);
    let wire = crate::trail::review::review_pb(&review, receipt.audit_id.clone());
    let page = report::render(&wire, &reviewer, Styles::Inline).into_string();
    let write = |path: &Path, bytes: &[u8]| {
        std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
    };
    write(&html, page.as_bytes())?;
    write(&csv, &output::to_csv(&review))?;
    write(&json, output::to_json(&review).as_bytes())?;
    let v = &review.verification;
    println!(
        "review of {month} recorded as audit id {}: {} records, {} accounts, {} flags, {} \
         sign-offs; trail {}",
        receipt.audit_id,
        review.records,
        review.accounts.len(),
        review.flags.len(),
        review.sign_offs.len(),
        if v.ok { "verified" } else { "NOT intact" }
    );
    for p in [&html, &csv, &json] {
        println!("  {}", p.display());
    }
    Ok(())
}
