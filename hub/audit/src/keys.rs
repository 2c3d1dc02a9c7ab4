//! The Ed25519 keys that sign and verify checkpoints.
//!
//! The hub holds the [`SigningKey`] (from a file or secret the deployment provides, PKCS#8
//! PEM or a 64-hex-digit seed); auditors get only the [`VerifyingKey`], as SubjectPublicKeyInfo
//! PEM (`-----BEGIN PUBLIC KEY-----`) or 64 hex digits. A key is named by its [`key_id`]: the
//! first 16 hex digits of SHA-256 over the 32 public-key bytes, so checkpoints say which key
//! signed them without carrying the key.
//!
//! Errors never contain key material.

use crate::AuditError;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rand::RngCore;
use sha2::{Digest, Sha256};

pub use ed25519_dalek::{SigningKey, VerifyingKey};

/// A fresh random signing key (for demos and tests; production keys come from a secret).
pub fn generate_signing_key() -> SigningKey {
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    SigningKey::from_bytes(&seed)
}

/// Reads a signing key from PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) or a 64-hex-digit
/// seed, surrounding whitespace ignored.
pub fn parse_signing_key(text: &str) -> Result<SigningKey, AuditError> {
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        return SigningKey::from_pkcs8_pem(text)
            .map_err(|_| AuditError::InvalidKey("not an Ed25519 PKCS#8 PEM private key".into()));
    }
    let bytes: [u8; 32] = hex::decode(text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            AuditError::InvalidKey("signing key must be PKCS#8 PEM or 64 hex digits".into())
        })?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// The signing key as PKCS#8 PEM, to store as a secret.
pub fn signing_key_pem(key: &SigningKey) -> Result<String, AuditError> {
    key.to_pkcs8_pem(LineEnding::LF)
        .map(|pem| pem.to_string())
        .map_err(|_| AuditError::InvalidKey("cannot encode the signing key".into()))
}

/// Reads a public key from SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`) or 64 hex
/// digits, surrounding whitespace ignored.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, AuditError> {
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        return VerifyingKey::from_public_key_pem(text)
            .map_err(|_| AuditError::InvalidKey("not an Ed25519 public key PEM".into()));
    }
    let bytes: [u8; 32] = hex::decode(text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| AuditError::InvalidKey("public key must be PEM or 64 hex digits".into()))?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| AuditError::InvalidKey("not a valid Ed25519 public key".into()))
}

/// The public key as SubjectPublicKeyInfo PEM, for auditors (`minwon-hub audit public-key`).
pub fn public_key_pem(key: &VerifyingKey) -> String {
    key.to_public_key_pem(LineEnding::LF)
        // Encoding 32 bytes into a fixed ASN.1 structure cannot fail.
        .unwrap_or_else(|_| hex::encode(key.as_bytes()))
}

/// The public key as 64 lower-case hex digits.
pub fn public_key_hex(key: &VerifyingKey) -> String {
    hex::encode(key.as_bytes())
}

/// Short stable name of a public key: the first 16 hex digits of SHA-256 over its 32 bytes.
pub fn key_id(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    hex::encode(&digest[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_pem_and_hex() {
        let key = generate_signing_key();
        let public = key.verifying_key();
        let pem = signing_key_pem(&key).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_eq!(parse_signing_key(&pem).unwrap(), key);
        assert_eq!(
            parse_signing_key(&hex::encode(key.to_bytes())).unwrap(),
            key
        );

        let public_pem = public_key_pem(&public);
        assert!(public_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        assert_eq!(parse_public_key(&public_pem).unwrap(), public);
        assert_eq!(parse_public_key(&public_key_hex(&public)).unwrap(), public);
        assert_eq!(key_id(&public).len(), 16);
    }

    #[test]
    fn bad_keys_are_refused_without_echoing_them() {
        for bad in [
            "",
            "abc",
            "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----",
        ] {
            let err = parse_public_key(bad).unwrap_err();
            assert!(matches!(err, AuditError::InvalidKey(_)));
            let err = parse_signing_key(bad).unwrap_err();
            assert!(matches!(err, AuditError::InvalidKey(_)));
        }
        let secret = "11".repeat(31);
        let err = parse_signing_key(&secret).unwrap_err().to_string();
        assert!(!err.contains(&secret));
    }
}
