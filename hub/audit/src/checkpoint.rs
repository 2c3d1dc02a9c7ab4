//! Signed checkpoints: the chain head, signed with Ed25519, kept in two places.
//!
//! The hash chain proves a record was not changed *relative to its neighbours*; it cannot
//! prove that the newest records were not cut off, nor that a whole trail was not recomputed.
//! A checkpoint closes both gaps: every K records or S seconds (and at shutdown) the writer
//! signs `(sequence, head_hash, time_ms)` with a key the database never sees, and stores the
//! checkpoint both in the database and as one JSON line in a file outside it (fsync'd).
//! A trail shorter than its newest checkpoint, or one whose record at a checkpoint's sequence
//! has another hash, fails verification ([`crate::verify`]).
//!
//! # Signed message (v1)
//!
//! ```text
//! "minwon-audit/checkpoint/v1\n{sequence}\n{head_hash}\n{time_ms}"
//! ```
//!
//! `sequence` and `time_ms` in decimal, `head_hash` 64 lower-case hex digits. The signature is
//! stored as 128 hex digits; `key_id` names the key ([`crate::keys::key_id`]).
//!
//! # Checkpoint file
//!
//! One JSON object per line (`{"sequence":…,"head_hash":…,"time_ms":…,"key_id":…,
//! "signature":…}`), appended and fsync'd. A final line without its newline is a torn write
//! from a crash and is ignored when read.

use crate::AuditError;
use crate::keys::{SigningKey, VerifyingKey, key_id};
use ed25519_dalek::{Signature, Signer, Verifier};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Domain tag that opens the signed message; a format change bumps it.
const MESSAGE_TAG: &str = "minwon-audit/checkpoint/v1";

/// A signed statement "the trail's record `sequence` has hash `head_hash`", made at `time_ms`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The sequence of the head record when signed.
    pub sequence: u64,
    /// That record's hash (64 hex digits).
    pub head_hash: String,
    /// When it was signed, milliseconds since the Unix epoch, UTC.
    pub time_ms: i64,
    /// Which key signed it ([`crate::keys::key_id`]).
    pub key_id: String,
    /// Ed25519 signature over [`Checkpoint::message`], 128 hex digits.
    pub signature: String,
}

impl Checkpoint {
    /// Signs `(sequence, head_hash, time_ms)` with `key`.
    pub fn sign(key: &SigningKey, sequence: u64, head_hash: &str, time_ms: i64) -> Checkpoint {
        let signature = key.sign(message(sequence, head_hash, time_ms).as_bytes());
        Checkpoint {
            sequence,
            head_hash: head_hash.to_string(),
            time_ms,
            key_id: key_id(&key.verifying_key()),
            signature: hex::encode(signature.to_bytes()),
        }
    }

    /// The exact bytes that were signed (see the module docs).
    pub fn message(&self) -> String {
        message(self.sequence, &self.head_hash, self.time_ms)
    }

    /// Checks the signature under `key`. The error says why, without any record data.
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), String> {
        let expected_id = key_id(key);
        if self.key_id != expected_id {
            return Err(format!(
                "checkpoint names key {:.16}, not the given key {expected_id}",
                self.key_id
            ));
        }
        let bytes: [u8; 64] = hex::decode(&self.signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| "checkpoint signature is not 128 hex digits".to_string())?;
        key.verify(self.message().as_bytes(), &Signature::from_bytes(&bytes))
            .map_err(|_| "checkpoint signature does not verify".to_string())
    }
}

fn message(sequence: u64, head_hash: &str, time_ms: i64) -> String {
    format!("{MESSAGE_TAG}\n{sequence}\n{head_hash}\n{time_ms}")
}

/// When and how the [`crate::AuditLog`] writes checkpoints
/// (see [`crate::AuditLog::start_with_checkpoints`]).
#[derive(Clone)]
pub struct CheckpointConfig {
    /// Checkpoint after this many records since the last one (0 = never by count).
    pub every_records: u64,
    /// Checkpoint this many seconds after the last one if records were added since
    /// (0 = never by time).
    pub every_secs: u64,
    /// The Ed25519 key that signs; its public half goes to auditors.
    pub signing_key: SigningKey,
    /// The checkpoint file outside the database (JSON lines, fsync'd); `None` = database only.
    pub file: Option<PathBuf>,
}

impl CheckpointConfig {
    /// Defaults: every 1000 records or 60 seconds, no file.
    pub fn new(signing_key: SigningKey) -> Self {
        CheckpointConfig {
            every_records: 1000,
            every_secs: 60,
            signing_key,
            file: None,
        }
    }
}

impl std::fmt::Debug for CheckpointConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckpointConfig")
            .field("every_records", &self.every_records)
            .field("every_secs", &self.every_secs)
            .field("key_id", &key_id(&self.signing_key.verifying_key()))
            .field("file", &self.file)
            .finish()
    }
}

/// Appends one checkpoint as a JSON line to `path` (created if missing) and fsyncs it.
/// Blocking: call from a blocking thread.
pub fn append_to_file(path: &Path, checkpoint: &Checkpoint) -> Result<(), AuditError> {
    let mut line = serde_json::to_string(checkpoint)
        .map_err(|_| AuditError::Io("checkpoint not encodable".into()))?;
    line.push('\n');
    let io = |what: &str, e: std::io::Error| AuditError::Io(format!("checkpoint file {what}: {e}"));
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| io("open", e))?;
    file.write_all(line.as_bytes())
        .map_err(|e| io("write", e))?;
    file.sync_data().map_err(|e| io("sync", e))
}

/// Reads every checkpoint from a checkpoint file. A missing file reads as none; a torn last
/// line (no newline, from a crash mid-write) is skipped; any other bad line is an error.
pub fn read_file(path: &Path) -> Result<Vec<Checkpoint>, AuditError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(AuditError::Io(format!("checkpoint file read: {e}"))),
    };
    parse_lines(&text)
}

/// Parses checkpoint JSON lines (the file format), with the torn-last-line rule of
/// [`read_file`].
pub fn parse_lines(text: &str) -> Result<Vec<Checkpoint>, AuditError> {
    let complete = text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Checkpoint>(line) {
            Ok(checkpoint) => out.push(checkpoint),
            Err(_) if !complete && index + 1 == lines.len() => {
                tracing::warn!(line = index + 1, "ignoring a torn last checkpoint line");
            }
            Err(_) => {
                return Err(AuditError::Io(format!(
                    "checkpoint line {} is not a checkpoint",
                    index + 1
                )));
            }
        }
    }
    Ok(out)
}

/// Message of the `tracing` event the writer emits for every checkpoint it stores.
pub const CHECKPOINT_EVENT: &str = "audit_checkpoint";

/// Reads checkpoints from a collected file: the checkpoint file's JSON lines **and/or** the
/// hub's JSON log lines (`--log-format json`), in which every line whose event message is
/// [`CHECKPOINT_EVENT`] carries one checkpoint in its `fields`. A collector that wraps each
/// line as `{"log": "<line>", …}` (container runtimes) is unwrapped. Every other line (other
/// log events, text lines, a torn last line) is skipped; an `audit_checkpoint` event whose
/// fields are not a checkpoint is an error, since that is a changed or damaged copy.
pub fn read_collected(path: &Path) -> Result<Vec<Checkpoint>, AuditError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| AuditError::Io(format!("collected checkpoints read: {e}")))?;
    parse_collected(&text)
}

/// Parses a collected checkpoint file; see [`read_collected`].
pub fn parse_collected(text: &str) -> Result<Vec<Checkpoint>, AuditError> {
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line.trim()) else {
            continue;
        };
        if let Some(checkpoint) = collected_checkpoint(&value, index + 1)? {
            out.push(checkpoint);
        }
    }
    Ok(out)
}

/// The checkpoint one collected JSON line holds, if any.
fn collected_checkpoint(
    value: &serde_json::Value,
    line: usize,
) -> Result<Option<Checkpoint>, AuditError> {
    use serde_json::Value;
    let Value::Object(object) = value else {
        return Ok(None);
    };
    // A line of the checkpoint file itself.
    if object.contains_key("signature") && object.contains_key("head_hash") {
        return serde_json::from_value(value.clone())
            .map(Some)
            .map_err(|_| {
                AuditError::Io(format!("collected line {line} is not a valid checkpoint"))
            });
    }
    // A container runtime's wrapper around the hub's own line.
    if let Some(Value::String(inner)) = object.get("log") {
        return match serde_json::from_str::<Value>(inner.trim()) {
            Ok(inner) => collected_checkpoint(&inner, line),
            Err(_) => Ok(None),
        };
    }
    // A tracing JSON event: the message and fields under `fields` (or flattened).
    let fields = match object.get("fields") {
        Some(Value::Object(fields)) => fields,
        _ => object,
    };
    let is_checkpoint = [fields.get("message"), object.get("event")]
        .into_iter()
        .flatten()
        .any(|m| m.as_str() == Some(CHECKPOINT_EVENT));
    if !is_checkpoint {
        return Ok(None);
    }
    let mut fields = fields.clone();
    fields.remove("message");
    serde_json::from_value(Value::Object(fields))
        .map(Some)
        .map_err(|_| {
            AuditError::Io(format!(
                "collected line {line} is an {CHECKPOINT_EVENT} event without a valid checkpoint"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::generate_signing_key;

    #[test]
    fn a_signed_checkpoint_verifies_and_any_change_breaks_it() {
        let key = generate_signing_key();
        let public = key.verifying_key();
        let cp = Checkpoint::sign(&key, 42, &"ab".repeat(32), 1_700_000_000_123);
        assert_eq!(
            cp.message(),
            format!(
                "minwon-audit/checkpoint/v1\n42\n{}\n1700000000123",
                "ab".repeat(32)
            )
        );
        cp.verify(&public).unwrap();

        let mut bad = cp.clone();
        bad.sequence = 43;
        assert!(bad.verify(&public).is_err());
        let mut bad = cp.clone();
        bad.head_hash = "cd".repeat(32);
        assert!(bad.verify(&public).is_err());
        let mut bad = cp.clone();
        bad.time_ms += 1;
        assert!(bad.verify(&public).is_err());
        let mut bad = cp.clone();
        bad.signature = "zz".into();
        assert!(bad.verify(&public).is_err());
        let other = generate_signing_key().verifying_key();
        assert!(cp.verify(&other).is_err());
    }

    #[test]
    fn the_file_appends_lines_and_tolerates_only_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoints.jsonl");
        assert!(read_file(&path).unwrap().is_empty());
        let key = generate_signing_key();
        let a = Checkpoint::sign(&key, 5, &"01".repeat(32), 1);
        let b = Checkpoint::sign(&key, 10, &"02".repeat(32), 2);
        append_to_file(&path, &a).unwrap();
        append_to_file(&path, &b).unwrap();
        assert_eq!(read_file(&path).unwrap(), vec![a.clone(), b.clone()]);

        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"sequence\":15,\"head");
        assert_eq!(parse_lines(&text).unwrap(), vec![a.clone(), b.clone()]);
        text.push('\n');
        assert!(matches!(parse_lines(&text), Err(AuditError::Io(_))));
    }

    #[test]
    fn collected_logs_and_checkpoint_lines_both_read_and_other_lines_are_skipped() {
        let key = generate_signing_key();
        let a = Checkpoint::sign(&key, 5, &"01".repeat(32), 1);
        let b = Checkpoint::sign(&key, 10, &"02".repeat(32), 2);
        let event = |c: &Checkpoint| {
            serde_json::json!({
                "timestamp": "2026-12-01T21:00:00.000000Z",
                "level": "INFO",
                "fields": {
                    "message": CHECKPOINT_EVENT,
                    "sequence": c.sequence,
                    "head_hash": c.head_hash,
                    "time_ms": c.time_ms,
                    "key_id": c.key_id,
                    "signature": c.signature,
                },
                "target": "minwon_audit::checkpointer",
            })
            .to_string()
        };
        let other = r#"{"timestamp":"x","level":"INFO","fields":{"message":"minwon-hub serving"}}"#;
        let wrapped = serde_json::json!({ "log": event(&b), "stream": "stderr" }).to_string();
        let text = format!(
            "{other}\nplain text line\n{}\n{}\n{wrapped}\n{{\"sequence\":15,\"head",
            event(&a),
            serde_json::to_string(&b).unwrap()
        );
        assert_eq!(
            parse_collected(&text).unwrap(),
            vec![a.clone(), b.clone(), b]
        );

        let damaged = event(&a).replace("\"time_ms\":1", "\"time_ms\":\"x\"");
        assert!(matches!(parse_collected(&damaged), Err(AuditError::Io(_))));
    }
}
