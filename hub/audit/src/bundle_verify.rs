//! Offline verification of an export bundle (see [`crate::export`] and [`crate::manifest`]).
//!
//! In order, each failing check ending the verification:
//!
//! 1. `manifest.sig` exists and signs the exact bytes of `manifest.json` under the given key;
//! 2. the manifest is of the supported format, names only files inside the bundle folder,
//!    lists a SHA-256 for its records and checkpoints files, and names the given key;
//! 3. every listed file has its listed SHA-256;
//! 4. the checkpoints file holds `checkpoint_count` checkpoints;
//! 5. the chain from the first record's `prev_hash`, every checkpoint's signature, that the
//!    chain passes through each, that none lies beyond the last record;
//! 6. the records end at the manifest's `last_sequence` with its `last_hash`, and number
//!    `record_count`;
//! 7. the tail is covered: no record after the last verified checkpoint.

use crate::checkpoint;
use crate::export::{ExportFormat, start_hash};
use crate::manifest::{self, BundleManifest, MANIFEST_FILE, SIGNATURE_FILE};
use crate::verify::{TrailVerifier, VerifyReport};
use crate::{AccessRecord, AuditError, VerifyingKey};
use std::path::Path;

/// A report for a bundle refused before its records were looked at.
fn refused(reason: impl Into<String>) -> VerifyReport {
    VerifyReport {
        ok: false,
        records_checked: 0,
        checkpoints_checked: 0,
        first_bad_sequence: None,
        reason: Some(reason.into()),
        last_sequence: 0,
        last_checkpoint_sequence: None,
    }
}

/// Verifies a bundle offline with only `public_key` (obtained independently of the bundle);
/// see the module docs for every check.
///
/// A tampered bundle is an `Ok` report with `ok == false` (`first_bad_sequence` is `None` when
/// the manifest itself is refused); `Err` when the manifest cannot be read at all.
pub async fn verify_bundle(
    dir: &Path,
    public_key: &VerifyingKey,
) -> Result<VerifyReport, AuditError> {
    let manifest_bytes = manifest::read_file(dir, MANIFEST_FILE).await?;
    let signature = match tokio::fs::read_to_string(dir.join(SIGNATURE_FILE)).await {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(refused(format!(
                "the bundle has no manifest signature ({SIGNATURE_FILE}): its content and \
                 length are unproven"
            )));
        }
        Err(e) => return Err(AuditError::Io(format!("bundle {SIGNATURE_FILE}: {e}"))),
    };
    if let Err(reason) = manifest::verify_signature(public_key, &manifest_bytes, &signature) {
        return Ok(refused(reason));
    }
    let Ok(manifest) = serde_json::from_slice::<BundleManifest>(&manifest_bytes) else {
        return Ok(refused("bundle manifest is not a manifest of this format"));
    };
    if let Err(reason) = manifest::check_manifest(&manifest, public_key) {
        return Ok(refused(reason));
    }
    let mut contents = Vec::with_capacity(manifest.files.len());
    for file in &manifest.files {
        let bytes = manifest::read_file(dir, &file.path).await?;
        if manifest::sha256_hex(&bytes) != file.sha256 {
            return Ok(refused(format!(
                "{} does not match its SHA-256 in the manifest: the file was changed",
                file.path
            )));
        }
        contents.push((file.path.as_str(), bytes));
    }
    let text_of = |name: &str| -> Result<String, AuditError> {
        let bytes = contents
            .iter()
            .find(|(path, _)| *path == name)
            .map(|(_, b)| b.clone())
            .unwrap_or_default();
        String::from_utf8(bytes).map_err(|_| AuditError::Io(format!("bundle {name}: not UTF-8")))
    };
    let checkpoints = checkpoint::parse_lines(&text_of(&manifest.checkpoints_file)?)?;
    if checkpoints.len() as u64 != manifest.checkpoint_count {
        return Ok(refused(format!(
            "the bundle holds {} checkpoints but its manifest says {}",
            checkpoints.len(),
            manifest.checkpoint_count
        )));
    }
    let text = text_of(&manifest.records_file)?;
    Ok(verify_records(&manifest, public_key, checkpoints, &text))
}

/// Checks 5–7 of the module docs.
fn verify_records(
    manifest: &BundleManifest,
    public_key: &VerifyingKey,
    checkpoints: Vec<crate::Checkpoint>,
    text: &str,
) -> VerifyReport {
    let start = manifest.first_sequence.unwrap_or(1).saturating_sub(1);
    let mut verifier = TrailVerifier::after(public_key, checkpoints, start, &start_hash(manifest));
    let mut count = 0u64;
    let mut last_hash = None;
    for record in parse_records(text, manifest.records_format) {
        match record {
            Ok(record) => {
                if !verifier.push(&record) {
                    break;
                }
                count += 1;
                last_hash = Some(record.hash);
            }
            Err(reason) => {
                let at = verifier.last_sequence() + 1;
                verifier.fail(at, reason);
                break;
            }
        }
    }
    if verifier.is_ok() {
        let last = verifier.last_sequence();
        let expected = manifest.last_sequence.unwrap_or(start);
        if last != expected {
            verifier.fail(
                last + 1,
                format!("bundle records end at {last} but its manifest says {expected}"),
            );
        } else if count != manifest.record_count {
            verifier.fail(
                last,
                format!(
                    "the bundle holds {count} records but its manifest says {}",
                    manifest.record_count
                ),
            );
        } else if last_hash != manifest.last_hash {
            verifier.fail(
                last,
                "the last record's hash is not the manifest's last hash",
            );
        } else if count > 0 {
            match verifier.last_checkpoint_sequence() {
                Some(covered) if covered >= last => {}
                Some(covered) => verifier.fail(
                    covered + 1,
                    format!(
                        "{} records after the last checkpoint at sequence {covered}: the \
                         bundle's tail is not signed",
                        last - covered
                    ),
                ),
                None => verifier.fail(
                    start + 1,
                    format!(
                        "{} records and no checkpoint covers any of them: the bundle's tail \
                         is not signed",
                        last - start
                    ),
                ),
            }
        }
    }
    verifier.finish()
}

/// Parses the records file; each item is a record or why its line is unreadable.
fn parse_records(text: &str, format: ExportFormat) -> Vec<Result<AccessRecord, String>> {
    match format {
        ExportFormat::Jsonl => text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(i, line)| {
                serde_json::from_str(line)
                    .map_err(|_| format!("records line {} is not a record", i + 1))
            })
            .collect(),
        ExportFormat::Csv => match crate::csv::parse(text) {
            Err(e) => vec![Err(e.to_string())],
            Ok(rows) => {
                let mut rows = rows.into_iter();
                if rows.next().as_deref() != Some(&crate::csv::HEADER.map(String::from)[..]) {
                    return vec![Err("records CSV header is not the expected one".into())];
                }
                rows.enumerate()
                    .map(|(i, row)| {
                        crate::csv::record_from_fields(&row, i + 2).map_err(|e| e.to_string())
                    })
                    .collect()
            }
        },
    }
}
