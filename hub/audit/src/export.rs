//! Export bundles: a slice of the trail an auditor can verify offline with only the public key.
//!
//! A bundle is a directory:
//!
//! ```text
//! manifest.json        range, counts, first prev_hash, public key (PEM and hex), key id
//! records.jsonl        one AccessRecord per line (serde JSON, every hashed field)
//!   or records.csv     UTF-8 with BOM, header row, CRLF, quoted (see crate::csv)
//! checkpoints.jsonl    the checkpoints inside the exported range, one per line
//! ```
//!
//! A time range `[from, to)` is widened to a *consecutive* run of sequences: from the first
//! record in the range to the last, including any record in between whose own time lies
//! outside it (replica clocks differ), because only a consecutive run can be verified. The run
//! starts mid-chain, so [`verify_bundle`] starts from the first record's `prev_hash` (and checks
//! it against a checkpoint at the sequence before, when there is one).
//!
//! The manifest itself is not signed: the records are proven by the chain and by the signed
//! checkpoints inside the range. Always verify with a public key obtained independently of
//! the bundle.

use crate::checkpoint::{self, Checkpoint};
use crate::keys::{key_id, public_key_hex, public_key_pem};
use crate::verify::{TrailVerifier, VerifyReport};
use crate::{AccessRecord, AuditError, AuditStore, GENESIS_HASH, RecordFilter, VerifyingKey};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::Path;
use tokio::io::AsyncWriteExt;

/// File name of the manifest in a bundle.
pub const MANIFEST_FILE: &str = "manifest.json";
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

/// `manifest.json`: what a bundle holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleManifest {
    /// Bundle format version (1).
    pub format_version: u32,
    /// How the records are written.
    pub records_format: ExportFormat,
    /// Records file name inside the bundle.
    pub records_file: String,
    /// Checkpoints file name inside the bundle.
    pub checkpoints_file: String,
    /// The requested time range start (inclusive), if any.
    pub from: Option<DateTime<Utc>>,
    /// The requested time range end (exclusive), if any.
    pub to: Option<DateTime<Utc>>,
    /// First exported sequence (`None` for an empty bundle).
    pub first_sequence: Option<u64>,
    /// Last exported sequence.
    pub last_sequence: Option<u64>,
    /// The first record's `prev_hash`: where verification starts.
    pub prev_hash: Option<String>,
    /// How many records the bundle holds.
    pub record_count: u64,
    /// How many checkpoints the bundle holds.
    pub checkpoint_count: u64,
    /// The checkpoint public key, SubjectPublicKeyInfo PEM.
    pub public_key_pem: String,
    /// The same key, 64 hex digits.
    pub public_key_hex: String,
    /// Its key id.
    pub key_id: String,
    /// When the bundle was written.
    pub created_at: DateTime<Utc>,
}

/// Writes a bundle of the records in `[from, to)` (widened to a consecutive run, see the
/// module docs) into `out_dir` (created if missing; refused if it already holds a manifest).
/// `public_key` is the checkpoint key, written into the manifest for convenience.
pub async fn export(
    store: &dyn AuditStore,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    format: ExportFormat,
    public_key: &VerifyingKey,
    out_dir: &Path,
) -> Result<BundleManifest, AuditError> {
    let io = |what: &'static str| move |e: std::io::Error| AuditError::Io(format!("{what}: {e}"));
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
    let range = sequence_range(store, from, to).await?;

    let mut out = tokio::io::BufWriter::new(
        tokio::fs::File::create(out_dir.join(format.records_file()))
            .await
            .map_err(io("records file"))?,
    );
    if format == ExportFormat::Csv {
        let head = format!("{}{}", crate::csv::BOM, crate::csv::header_line());
        out.write_all(head.as_bytes())
            .await
            .map_err(io("records file"))?;
    }
    let mut count = 0u64;
    let mut prev_hash = None;
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
                prev_hash.get_or_insert_with(|| record.prev_hash.clone());
                text.push_str(&encode(record, format)?);
            }
            count += page.len() as u64;
            out.write_all(text.as_bytes())
                .await
                .map_err(io("records file"))?;
        }
    }
    out.flush().await.map_err(io("records file"))?;
    out.get_ref().sync_all().await.map_err(io("records file"))?;

    let checkpoints: Vec<Checkpoint> = match range {
        Some((first, last)) => store
            .checkpoints(first - 1)
            .await?
            .into_iter()
            .filter(|c| c.sequence <= last)
            .collect(),
        None => Vec::new(),
    };
    let mut lines = String::new();
    for c in &checkpoints {
        lines.push_str(&serde_json::to_string(c).map_err(|_| AuditError::Io("checkpoint".into()))?);
        lines.push('\n');
    }
    write_synced(&out_dir.join(CHECKPOINTS_FILE), lines.as_bytes()).await?;

    let manifest = BundleManifest {
        format_version: 1,
        records_format: format,
        records_file: format.records_file().to_string(),
        checkpoints_file: CHECKPOINTS_FILE.to_string(),
        from,
        to,
        first_sequence: range.map(|r| r.0),
        last_sequence: range.map(|r| r.1),
        prev_hash,
        record_count: count,
        checkpoint_count: checkpoints.len() as u64,
        public_key_pem: public_key_pem(public_key),
        public_key_hex: public_key_hex(public_key),
        key_id: key_id(public_key),
        created_at: Utc::now(),
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|_| AuditError::Io("manifest not encodable".into()))?;
    write_synced(&out_dir.join(MANIFEST_FILE), &json).await?;
    Ok(manifest)
}

/// First and last sequence of the records whose time is in `[from, to)`.
async fn sequence_range(
    store: &dyn AuditStore,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<Option<(u64, u64)>, AuditError> {
    let mut filter = RecordFilter {
        from,
        to,
        limit: PAGE,
        ..RecordFilter::default()
    };
    let mut range: Option<(u64, u64)> = None;
    loop {
        let page = store.query(&filter).await?;
        let Some(last) = page.last() else {
            return Ok(range);
        };
        let first = range.map_or(page[0].sequence, |r| r.0);
        range = Some((first, last.sequence));
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

async fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), AuditError> {
    let io = |e: std::io::Error| AuditError::Io(format!("bundle file: {e}"));
    let mut file = tokio::fs::File::create(path).await.map_err(io)?;
    file.write_all(bytes).await.map_err(io)?;
    file.sync_all().await.map_err(io)
}

/// Verifies a bundle offline with only `public_key`: the chain from the first record's
/// `prev_hash`, every checkpoint's signature, that the chain passes through each, that no
/// checkpoint lies beyond the last record, and that the records match the manifest's range.
///
/// A tampered bundle is an `Ok` report with `ok == false`; `Err` when the manifest or a file
/// cannot be read at all.
pub async fn verify_bundle(
    dir: &Path,
    public_key: &VerifyingKey,
) -> Result<VerifyReport, AuditError> {
    let read = |name: String| async move {
        tokio::fs::read_to_string(dir.join(&name))
            .await
            .map_err(|e| AuditError::Io(format!("bundle {name}: {e}")))
    };
    let manifest: BundleManifest = serde_json::from_str(&read(MANIFEST_FILE.into()).await?)
        .map_err(|_| AuditError::Io("bundle manifest is not a manifest".into()))?;
    let checkpoints = checkpoint::parse_lines(&read(manifest.checkpoints_file.clone()).await?)?;
    let text = read(manifest.records_file.clone()).await?;

    let start = manifest.first_sequence.unwrap_or(1).saturating_sub(1);
    let prev = manifest
        .prev_hash
        .clone()
        .unwrap_or_else(|| GENESIS_HASH.into());
    let mut verifier = TrailVerifier::after(public_key, checkpoints, start, &prev);
    let records = parse_records(&text, manifest.records_format);
    for record in records {
        match record {
            Ok(record) => {
                if !verifier.push(&record) {
                    break;
                }
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
        }
    }
    Ok(verifier.finish())
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
