//! The signed manifest of an export bundle.
//!
//! `manifest.json` says what the bundle holds — range, counts, first `prev_hash`, last hash,
//! every file with its SHA-256, the export's own access record, the key id, the export time —
//! and `manifest.sig` signs its exact bytes with the checkpoint key:
//!
//! ```text
//! signed message = "minwon-audit/manifest/v1\n" || bytes of manifest.json
//! manifest.sig   = {"key_id": "<16 hex>", "signature": "<128 hex>"}
//! ```
//!
//! Signing the bytes as written (not a re-serialization) means the verifier needs no
//! canonical JSON: it checks the signature over the file it read, then parses it. File names
//! in a manifest are plain relative names inside the bundle folder; anything else (`../x`,
//! `/etc/x`) is refused before any file is opened.

use crate::AuditError;
use crate::export::ExportFormat;
use crate::keys::{SigningKey, VerifyingKey, key_id};
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, Verifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Component, Path};

/// File name of the manifest in a bundle.
pub const MANIFEST_FILE: &str = "manifest.json";
/// File name of the manifest's signature in a bundle.
pub const SIGNATURE_FILE: &str = "manifest.sig";
/// The bundle format this build writes and verifies.
pub const FORMAT_VERSION: u32 = 2;
/// Domain tag opening the signed message; a format change bumps it.
const MESSAGE_TAG: &str = "minwon-audit/manifest/v1\n";

/// One file of a bundle and its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleFile {
    /// Name inside the bundle folder (a plain relative name).
    pub path: String,
    /// SHA-256 of its bytes, 64 lower-case hex digits.
    pub sha256: String,
}

/// `manifest.json`: what a bundle holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleManifest {
    /// Bundle format version ([`FORMAT_VERSION`]).
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
    /// The last record's hash: where verification must end.
    pub last_hash: Option<String>,
    /// How many records the bundle holds.
    pub record_count: u64,
    /// How many checkpoints the bundle holds (the last one signed at export time).
    pub checkpoint_count: u64,
    /// Every file of the bundle but the manifest and its signature, with its SHA-256.
    pub files: Vec<BundleFile>,
    /// The audit id of the access record that registered this export (`Action::Export`),
    /// committed before the bundle was written; it lies after the bundle's range.
    pub export_audit_id: Option<String>,
    /// The checkpoint public key, SubjectPublicKeyInfo PEM.
    pub public_key_pem: String,
    /// The same key, 64 hex digits.
    pub public_key_hex: String,
    /// Its key id: the key that signed the manifest and the export checkpoint.
    pub key_id: String,
    /// When the bundle was written (export time).
    pub created_at: DateTime<Utc>,
}

/// `manifest.sig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestSignature {
    /// Which key signed ([`crate::keys::key_id`]).
    pub key_id: String,
    /// Ed25519 signature over the signed message, 128 hex digits.
    pub signature: String,
}

fn message(manifest_bytes: &[u8]) -> Vec<u8> {
    let mut m = MESSAGE_TAG.as_bytes().to_vec();
    m.extend_from_slice(manifest_bytes);
    m
}

/// Signs the exact bytes of `manifest.json`.
pub fn sign(key: &SigningKey, manifest_bytes: &[u8]) -> ManifestSignature {
    ManifestSignature {
        key_id: key_id(&key.verifying_key()),
        signature: hex::encode(key.sign(&message(manifest_bytes)).to_bytes()),
    }
}

/// Checks `manifest.sig` (its text) over `manifest.json` (its bytes) under `key`. The error
/// says why, without any record data.
pub fn verify_signature(
    key: &VerifyingKey,
    manifest_bytes: &[u8],
    signature_text: &str,
) -> Result<(), String> {
    let sig: ManifestSignature = serde_json::from_str(signature_text)
        .map_err(|_| format!("{SIGNATURE_FILE} is not a manifest signature"))?;
    let expected = key_id(key);
    if sig.key_id != expected {
        return Err(format!(
            "manifest signed by key {:.16}, not the given key {expected}",
            sig.key_id
        ));
    }
    let bytes: [u8; 64] = hex::decode(&sig.signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| "manifest signature is not 128 hex digits".to_string())?;
    key.verify(&message(manifest_bytes), &Signature::from_bytes(&bytes))
        .map_err(|_| "manifest signature does not verify: the manifest was changed".to_string())
}

/// SHA-256 of `bytes` as 64 lower-case hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// True when `name` is a plain relative name inside the bundle folder: only normal path
/// components (no `..`, no root, no drive prefix, not empty).
pub fn stays_inside(name: &str) -> bool {
    !name.is_empty()
        && !name.contains('\0')
        && !name.contains('\\')
        && Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

impl BundleManifest {
    /// The listed digest of `name`, if the manifest lists it.
    pub fn digest_of(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.path == name)
            .map(|f| f.sha256.as_str())
    }

    /// Every file name the manifest mentions.
    pub fn file_names(&self) -> impl Iterator<Item = &str> {
        [self.records_file.as_str(), self.checkpoints_file.as_str()]
            .into_iter()
            .chain(self.files.iter().map(|f| f.path.as_str()))
    }
}

/// Manifest-level checks before any data file is read; `Err` is the reason the bundle fails.
pub(crate) fn check_manifest(manifest: &BundleManifest, key: &VerifyingKey) -> Result<(), String> {
    if manifest.format_version != FORMAT_VERSION {
        return Err(format!(
            "bundle format {} is not the supported format {FORMAT_VERSION}",
            manifest.format_version
        ));
    }
    if let Some(bad) = manifest.file_names().find(|n| !stays_inside(n)) {
        return Err(format!(
            "manifest names a file outside the bundle folder ({:.80})",
            bad.escape_default()
        ));
    }
    for name in [&manifest.records_file, &manifest.checkpoints_file] {
        if manifest.digest_of(name).is_none() {
            return Err(format!("manifest lists no SHA-256 for {name}"));
        }
    }
    let expected = key_id(key);
    if manifest.key_id != expected {
        return Err(format!(
            "manifest names key {:.16}, not the given key {expected}",
            manifest.key_id
        ));
    }
    Ok(())
}

/// Reads a bundle file the manifest named (already checked by [`stays_inside`]).
pub(crate) async fn read_file(dir: &Path, name: &str) -> Result<Vec<u8>, AuditError> {
    tokio::fs::read(dir.join(name))
        .await
        .map_err(|e| AuditError::Io(format!("bundle {name}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::generate_signing_key;

    #[test]
    fn only_plain_relative_names_stay_inside() {
        for ok in ["records.jsonl", "sub/records.csv"] {
            assert!(stays_inside(ok), "{ok}");
        }
        for bad in [
            "",
            "../x",
            "a/../../x",
            "/etc/passwd",
            "./x",
            "a\\..\\x",
            "a\0b",
        ] {
            assert!(!stays_inside(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_signature_covers_every_byte_and_names_its_key() {
        let key = generate_signing_key();
        let bytes = br#"{"record_count": 2}"#;
        let sig = serde_json::to_string(&sign(&key, bytes)).unwrap();
        verify_signature(&key.verifying_key(), bytes, &sig).unwrap();
        let changed = br#"{"record_count": 3}"#;
        assert!(verify_signature(&key.verifying_key(), changed, &sig).is_err());
        let other = generate_signing_key().verifying_key();
        let err = verify_signature(&other, bytes, &sig).unwrap_err();
        assert!(err.contains("not the given key"), "{err}");
        assert!(verify_signature(&key.verifying_key(), bytes, "{}").is_err());
    }
}
