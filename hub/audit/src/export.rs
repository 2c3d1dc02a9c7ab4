//! Export bundles: a slice of the trail an auditor can verify offline with only the public key,
//! and that cannot be cut, shortened or relabelled without the verifier noticing.
//!
//! A bundle is a directory:
//!
//! ```text
//! manifest.json        range, counts, first prev_hash, last hash, every file and its
//!                      SHA-256, the export's own audit id, key id, export time
//! manifest.sig         Ed25519 signature over the exact bytes of manifest.json
//! records.jsonl        one AccessRecord per line (serde JSON, every hashed field)
//!   or records.csv     UTF-8 with BOM, header row, CRLF, quoted (see crate::csv)
//! checkpoints.jsonl    the stored checkpoints in the range, then one signed at export time
//!                      covering the last exported record
//! ```
//!
//! Exporting needs the checkpoint **signing** key: the export-time checkpoint and the
//! manifest signature are what make a cut tail visible (without them, a bundle cut after its
//! last stored checkpoint and relabelled would still verify). See [`crate::manifest`] and
//! [`verify_bundle`].
//!
//! A time range `[from, to)` is widened to a *consecutive* run of sequences: from the first
//! record in the range to the last, including any record in between whose own time lies
//! outside it (replica clocks differ), because only a consecutive run can be verified. The run
//! starts mid-chain, so [`verify_bundle`] starts from the first record's `prev_hash` (and checks
//! it against a checkpoint at the sequence before, when there is one).
//!
//! An export is itself an access ([`export_recorded`]): its `Action::Export` record is
//! committed *before* the bundle is written, and the bundle holds only records committed
//! before that one (its range never includes its own record, which the next export shows).

use crate::checkpoint::Checkpoint;
use crate::keys::{SigningKey, key_id, public_key_hex, public_key_pem};
use crate::manifest::{self, BundleFile, FORMAT_VERSION, MANIFEST_FILE, SIGNATURE_FILE};
use crate::{AccessRecord, Action, AuditError, AuditLog, AuditStore, Receipt, RecordDraft};
use crate::{RecordFilter, chain::GENESIS_HASH};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;
use tokio::io::AsyncWriteExt;

pub use crate::bundle_verify::verify_bundle;
pub use crate::manifest::BundleManifest;

/// File name of the checkpoints in a bundle.
pub const CHECKPOINTS_FILE: &str = "checkpoints.jsonl";
/// Records fetched per store query.
const PAGE: usize = 1000;

/// How records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// JSON lines, `records.jsonl`.
    Jsonl,
    /// CSV for spreadsheets, `records.csv`.
    Csv,
}

impl ExportFormat {
    /// The records file name for this format.
    pub fn records_file(self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "records.jsonl",
            ExportFormat::Csv => "records.csv",
        }
    }
}

impl std::str::FromStr for ExportFormat {
    type Err = AuditError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "jsonl" => Ok(ExportFormat::Jsonl),
            "csv" => Ok(ExportFormat::Csv),
            _ => Err(AuditError::Io("export format must be jsonl or csv".into())),
        }
    }
}

/// What to export and how to seal it.
#[derive(Clone)]
pub struct ExportRequest<'k> {
    /// Time range start (inclusive), if any.
    pub from: Option<DateTime<Utc>>,
    /// Time range end (exclusive), if any.
    pub to: Option<DateTime<Utc>>,
    /// How records are written.
    pub format: ExportFormat,
    /// The checkpoint signing key: signs the export-time checkpoint and the manifest.
    pub signing_key: &'k SigningKey,
    /// Export no record after this sequence (the export's own record and later ones stay
    /// out); `None` = up to the head.
    pub through_sequence: Option<u64>,
    /// The audit id of the export's own access record, for the manifest.
    pub export_audit_id: Option<String>,
}

impl<'k> ExportRequest<'k> {
    /// Everything in `[from, to)`, no export record named.
    pub fn new(
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        format: ExportFormat,
        signing_key: &'k SigningKey,
    ) -> Self {
        ExportRequest {
            from,
            to,
            format,
            signing_key,
            through_sequence: None,
            export_audit_id: None,
        }
    }
}

/// Registers the export as an access, then writes the bundle: `draft` (its action forced to
/// [`Action::Export`]) is committed through `log` first — no bundle without its record — and
/// the bundle holds the records of the range committed before it. Returns the record's
/// receipt and the manifest (which names the record's audit id).
///
/// The output folder is checked before the record is written, so an export refused for an
/// occupied folder leaves no record; one failing later (disk full) leaves its record, as the
/// trail may over-record but never under-record.
pub async fn export_recorded(
    log: &AuditLog,
    mut draft: RecordDraft,
    request: &ExportRequest<'_>,
    out_dir: &Path,
) -> Result<(Receipt, BundleManifest), AuditError> {
    prepare_dir(out_dir).await?;
    draft.action = Action::Export;
    let receipt = log.record(draft).await?;
    let request = ExportRequest {
        through_sequence: Some(receipt.sequence.saturating_sub(1)),
        export_audit_id: Some(receipt.audit_id.clone()),
        ..request.clone()
    };
    let manifest = export(log.store().as_ref(), &request, out_dir).await?;
    Ok((receipt, manifest))
}

fn io(what: &'static str) -> impl Fn(std::io::Error) -> AuditError {
    move |e| AuditError::Io(format!("{what}: {e}"))
}

/// Creates `out_dir`; refuses one that already holds a bundle.
async fn prepare_dir(out_dir: &Path) -> Result<(), AuditError> {
    tokio::fs::create_dir_all(out_dir)
        .await
        .map_err(io("export directory"))?;
    if tokio::fs::try_exists(out_dir.join(MANIFEST_FILE))
        .await
        .unwrap_or(true)
    {
        return Err(AuditError::Io(
            "export directory already holds a bundle".into(),
        ));
    }
    Ok(())
}

/// Writes a bundle of the records in `[from, to)` (widened to a consecutive run, see the
/// module docs; at most through `request.through_sequence`) into `out_dir` (created if
/// missing; refused if it already holds a manifest). Prefer [`export_recorded`], which also
/// records the export as an access.
pub async fn export(
    store: &dyn AuditStore,
    request: &ExportRequest<'_>,
    out_dir: &Path,
) -> Result<BundleManifest, AuditError> {
    prepare_dir(out_dir).await?;
    let format = request.format;
    let range = sequence_range(store, request).await?;

    // Streamed to disk and hashed on the way: a year's trail need not fit in memory.
    let mut records = HashingWriter::create(&out_dir.join(format.records_file())).await?;
    if format == ExportFormat::Csv {
        let head = format!("{}{}", crate::csv::BOM, crate::csv::header_line());
        records.write(head.as_bytes()).await?;
    }
    let mut count = 0u64;
    let mut first_prev: Option<String> = None;
    let mut last_record: Option<(u64, String)> = None;
    if let Some((first, last)) = range {
        let mut filter = RecordFilter {
            after_sequence: first - 1,
            ..RecordFilter::default()
        };
        while filter.after_sequence < last {
            let want = usize::try_from(last - filter.after_sequence).unwrap_or(PAGE);
            filter.limit = want.min(PAGE);
            let page = store.query(&filter).await?;
            let Some(tail) = page.last() else { break };
            filter.after_sequence = tail.sequence;
            let mut text = String::new();
            for record in &page {
                first_prev.get_or_insert_with(|| record.prev_hash.clone());
                text.push_str(&encode(record, format)?);
            }
            records.write(text.as_bytes()).await?;
            last_record = Some((tail.sequence, tail.hash.clone()));
            count += page.len() as u64;
        }
    }
    let records_sha256 = records.finish().await?;

    let mut checkpoints: Vec<Checkpoint> = match range {
        Some((first, last)) => store
            .checkpoints(first - 1)
            .await?
            .into_iter()
            .filter(|c| c.sequence <= last)
            .collect(),
        None => Vec::new(),
    };
    let created_at = Utc::now();
    if let Some((sequence, hash)) = &last_record {
        // The bundle's own seal: its last record, signed now.
        checkpoints.push(Checkpoint::sign(
            request.signing_key,
            *sequence,
            hash,
            created_at.timestamp_millis(),
        ));
    }
    let mut lines = String::new();
    for c in &checkpoints {
        lines.push_str(&serde_json::to_string(c).map_err(|_| AuditError::Io("checkpoint".into()))?);
        lines.push('\n');
    }
    write_synced(&out_dir.join(CHECKPOINTS_FILE), lines.as_bytes()).await?;

    let public_key = request.signing_key.verifying_key();
    let manifest = BundleManifest {
        format_version: FORMAT_VERSION,
        records_format: format,
        records_file: format.records_file().to_string(),
        checkpoints_file: CHECKPOINTS_FILE.to_string(),
        from: request.from,
        to: request.to,
        first_sequence: last_record.as_ref().and(range.map(|r| r.0)),
        last_sequence: last_record.as_ref().map(|r| r.0),
        prev_hash: first_prev,
        last_hash: last_record.map(|r| r.1),
        record_count: count,
        checkpoint_count: checkpoints.len() as u64,
        files: vec![
            BundleFile {
                path: format.records_file().to_string(),
                sha256: records_sha256,
            },
            BundleFile {
                path: CHECKPOINTS_FILE.to_string(),
                sha256: manifest::sha256_hex(lines.as_bytes()),
            },
        ],
        export_audit_id: request.export_audit_id.clone(),
        public_key_pem: public_key_pem(&public_key),
        public_key_hex: public_key_hex(&public_key),
        key_id: key_id(&public_key),
        created_at,
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|_| AuditError::Io("manifest not encodable".into()))?;
    let signature = serde_json::to_vec(&manifest::sign(request.signing_key, &json))
        .map_err(|_| AuditError::Io("manifest signature not encodable".into()))?;
    // The signature first: a crash in between leaves no manifest, so no bundle that looks done.
    write_synced(&out_dir.join(SIGNATURE_FILE), &signature).await?;
    write_synced(&out_dir.join(MANIFEST_FILE), &json).await?;
    Ok(manifest)
}

/// First and last sequence of the records whose time is in `[from, to)`, at most
/// `through_sequence`.
async fn sequence_range(
    store: &dyn AuditStore,
    request: &ExportRequest<'_>,
) -> Result<Option<(u64, u64)>, AuditError> {
    let through = request.through_sequence.unwrap_or(u64::MAX);
    let mut filter = RecordFilter {
        from: request.from,
        to: request.to,
        limit: PAGE,
        ..RecordFilter::default()
    };
    let mut range: Option<(u64, u64)> = None;
    loop {
        let page = store.query(&filter).await?;
        let Some(last) = page.last() else {
            return Ok(range);
        };
        let Some(in_range) = page.iter().rev().find(|r| r.sequence <= through) else {
            return Ok(range);
        };
        let first = range.map_or(page[0].sequence, |r| r.0);
        range = Some((first, in_range.sequence));
        if in_range.sequence != last.sequence {
            return Ok(range);
        }
        filter.after_sequence = last.sequence;
    }
}

fn encode(record: &AccessRecord, format: ExportFormat) -> Result<String, AuditError> {
    match format {
        ExportFormat::Csv => Ok(crate::csv::record_line(record)),
        ExportFormat::Jsonl => serde_json::to_string(record)
            .map(|line| line + "\n")
            .map_err(|_| AuditError::corrupt(record.sequence, "record not encodable")),
    }
}

/// A file written through a buffer, SHA-256 computed over the bytes written.
struct HashingWriter {
    out: tokio::io::BufWriter<tokio::fs::File>,
    digest: Sha256,
}

impl HashingWriter {
    async fn create(path: &Path) -> Result<Self, AuditError> {
        let file = tokio::fs::File::create(path)
            .await
            .map_err(io("records file"))?;
        Ok(HashingWriter {
            out: tokio::io::BufWriter::new(file),
            digest: Sha256::new(),
        })
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), AuditError> {
        self.digest.update(bytes);
        self.out.write_all(bytes).await.map_err(io("records file"))
    }

    /// Flushes and fsyncs; returns the hex SHA-256 of everything written.
    async fn finish(mut self) -> Result<String, AuditError> {
        self.out.flush().await.map_err(io("records file"))?;
        self.out
            .get_ref()
            .sync_all()
            .await
            .map_err(io("records file"))?;
        Ok(hex::encode(self.digest.finalize()))
    }
}

async fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), AuditError> {
    let io = |e: std::io::Error| AuditError::Io(format!("bundle file: {e}"));
    let mut file = tokio::fs::File::create(path).await.map_err(io)?;
    file.write_all(bytes).await.map_err(io)?;
    file.sync_all().await.map_err(io)
}

/// The `prev_hash` verification of a bundle starts from.
pub(crate) fn start_hash(manifest: &BundleManifest) -> String {
    manifest
        .prev_hash
        .clone()
        .unwrap_or_else(|| GENESIS_HASH.into())
}
