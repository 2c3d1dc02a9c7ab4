//! Key material on disk: the Ed25519 token-signing pair (PEM) and the subject HMAC key.
//! Deployments provide these files (Kubernetes secrets); the demo generates its own once and
//! reuses them, so its tokens and subject hashes stay valid across restarts.
//!
//! Secret material read from a file is held in `secrecy` types (zeroed when dropped, never
//! printed) until it is parsed into the key it encodes.

use anyhow::{Context, Result, bail};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use std::path::Path;

/// Generates a fresh Ed25519 signing key.
pub fn generate_signing_key() -> SigningKey {
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    SigningKey::from_bytes(&seed)
}

/// Writes `key` as PKCS#8 PEM to `private` (mode 0600) and its public half to `public`.
pub fn write_signing_key(key: &SigningKey, private: &Path, public: &Path) -> Result<()> {
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .context("encoding the signing key")?;
    write_secret(private, pem.as_bytes())?;
    let pub_pem = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .context("encoding the public key")?;
    std::fs::write(public, pub_pem).with_context(|| format!("writing {}", public.display()))?;
    Ok(())
}

/// Reads a PKCS#8 PEM Ed25519 private key.
pub fn read_signing_key(path: &Path) -> Result<SigningKey> {
    let pem = read_secret_text(path)?;
    SigningKey::from_pkcs8_pem(pem.expose_secret())
        .map_err(|_| anyhow::anyhow!("{} is not a PKCS#8 PEM Ed25519 private key", path.display()))
}

/// Reads a PEM Ed25519 public key and returns its 32 raw bytes.
pub fn read_public_key(path: &Path) -> Result<[u8; 32]> {
    let pem =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let key = ed25519_dalek::VerifyingKey::from_public_key_pem(&pem)
        .map_err(|_| anyhow::anyhow!("{} is not a PEM Ed25519 public key", path.display()))?;
    Ok(key.to_bytes())
}

/// Reads a text file holding secret material (a private key PEM) as a `secrecy` secret.
pub fn read_secret_text(path: &Path) -> Result<SecretString> {
    std::fs::read_to_string(path)
        .map(SecretString::from)
        .with_context(|| format!("reading {}", path.display()))
}

/// Reads a secret key file: hex text (64+ hex digits) or at least 32 raw bytes.
pub fn read_secret(path: &Path) -> Result<SecretSlice<u8>> {
    let raw: SecretSlice<u8> = std::fs::read(path)
        .with_context(|| format!("reading {}", path.display()))?
        .into();
    let decoded = std::str::from_utf8(raw.expose_secret())
        .ok()
        .and_then(|text| hex::decode(text.trim()).ok());
    let bytes = match decoded {
        Some(b) => SecretSlice::from(b),
        None => raw,
    };
    let len = bytes.expose_secret().len();
    if len < 32 {
        bail!(
            "{} holds {len} bytes; a key needs at least 32",
            path.display()
        );
    }
    Ok(bytes)
}

/// Generates a 32-byte secret and writes it as hex (mode 0600).
pub fn generate_secret(path: &Path) -> Result<Vec<u8>> {
    let mut key = vec![0u8; 32];
    rand::rng().fill_bytes(&mut key);
    write_secret(path, hex::encode(&key).as_bytes())?;
    Ok(key)
}

/// Writes secret bytes to a new file readable only by its owner (mode 0600), synced.
pub fn write_secret_file(path: &Path, bytes: &[u8]) -> Result<()> {
    write_secret(path, bytes)
}

fn write_secret(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_key_round_trips_through_pem() {
        let dir = tempfile::tempdir().unwrap();
        let (prv, pubk) = (dir.path().join("k.pem"), dir.path().join("k.pub.pem"));
        let k = generate_signing_key();
        write_signing_key(&k, &prv, &pubk).unwrap();
        assert_eq!(read_signing_key(&prv).unwrap().to_bytes(), k.to_bytes());
        assert_eq!(
            read_public_key(&pubk).unwrap(),
            k.verifying_key().to_bytes()
        );
    }

    #[test]
    fn short_secrets_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s");
        std::fs::write(&p, "abcd").unwrap();
        assert!(
            read_secret(&p)
                .unwrap_err()
                .to_string()
                .contains("at least 32")
        );
        let key = generate_secret(&p).unwrap();
        assert_eq!(read_secret(&p).unwrap().expose_secret(), &key[..]);
    }
}
