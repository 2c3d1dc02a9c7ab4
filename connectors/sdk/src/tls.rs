//! TLS to back-ends: the rustls client configuration every connector's HTTP client uses, and
//! the classification of TLS failures into messages a person can act on.
//!
//! One crypto provider for the whole hub: rustls with *ring*, the one tonic's `tls-ring` uses
//! (reqwest's own `rustls` feature would bring aws-lc-rs, which compiles C). Trust starts from
//! the Mozilla roots (`webpki-roots`, the same on every machine and in every container image)
//! and `ca_file` *adds* a city's internal CA or GPKI bundle; a client certificate and key give
//! mutual TLS to back-ends that require it. TLS 1.2 is the minimum (rustls has nothing older).

use crate::error::ConnectorError;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{CertificateError, ClientConfig, RootCertStore};
use std::path::Path;
use std::sync::Arc;

/// What [`client_config`] needs: file paths from `[connectors.<name>.http]`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TlsFiles<'a> {
    /// PEM bundle of extra trusted CA certificates.
    pub ca_file: Option<&'a Path>,
    /// PEM client certificate chain (leaf first), for mutual TLS.
    pub client_cert_file: Option<&'a Path>,
    /// PEM private key of the client certificate (PKCS#8, PKCS#1 or SEC1).
    pub client_key_file: Option<&'a Path>,
}

/// A TLS setting that cannot be used; the message names the config key and the file, never
/// file contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct TlsConfigError {
    /// The config key, e.g. `http.ca_file`.
    pub key: &'static str,
    /// What is wrong.
    pub message: String,
}

fn bad(key: &'static str, message: String) -> TlsConfigError {
    TlsConfigError { key, message }
}

/// Reads every certificate of a PEM file; fails on an unreadable file or one with none.
pub fn read_certificates(
    key: &'static str,
    path: &Path,
) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let text = std::fs::read(path)
        .map_err(|e| bad(key, format!("cannot read {}: {e}", path.display())))?;
    let certs = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| bad(key, format!("{} is not a valid PEM file", path.display())))?;
    if certs.is_empty() {
        return Err(bad(
            key,
            format!("{} holds no PEM certificate", path.display()),
        ));
    }
    Ok(certs)
}

/// Reads the one private key of a PEM file.
pub fn read_private_key(
    key: &'static str,
    path: &Path,
) -> Result<PrivateKeyDer<'static>, TlsConfigError> {
    let text = std::fs::read(path)
        .map_err(|e| bad(key, format!("cannot read {}: {e}", path.display())))?;
    PrivateKeyDer::from_pem_slice(&text).map_err(|_| {
        bad(
            key,
            format!(
                "{} holds no PEM private key (PKCS#8, PKCS#1 or SEC1)",
                path.display()
            ),
        )
    })
}

/// The rustls client configuration for one connector: Mozilla roots plus `ca_file`, the client
/// certificate when both of its files are given, TLS 1.2 and 1.3, ALPN `http/1.1`.
pub fn client_config(files: TlsFiles<'_>) -> Result<ClientConfig, TlsConfigError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = files.ca_file {
        for cert in read_certificates("http.ca_file", path)? {
            roots.add(cert).map_err(|e| {
                bad(
                    "http.ca_file",
                    format!("{}: a certificate is not a usable CA: {e}", path.display()),
                )
            })?;
        }
    }
    let builder =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| bad("http", format!("TLS versions: {e}")))?
            .with_root_certificates(roots);
    let mut config = match (files.client_cert_file, files.client_key_file) {
        (None, None) => builder.with_no_client_auth(),
        (Some(cert), Some(key)) => {
            let chain = read_certificates("http.client_cert_file", cert)?;
            let key = read_private_key("http.client_key_file", key)?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                bad(
                    "http.client_key_file",
                    format!("does not match http.client_cert_file: {e}"),
                )
            })?
        }
        (Some(_), None) => {
            return Err(bad(
                "http.client_key_file",
                "must be set together with http.client_cert_file".into(),
            ));
        }
        (None, Some(_)) => {
            return Err(bad(
                "http.client_cert_file",
                "must be set together with http.client_key_file".into(),
            ));
        }
    };
    // HTTP/1.1 only, as over plain HTTP: the department back-ends are HTTP/1.1 services, and
    // on HTTP/1.1 a TLS 1.3 server's late refusal of our client certificate reaches the
    // request as an error we can name (an h2 connection task swallows it into "closed").
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Finds a rustls error in a transport error's source chain and says what a person can do
/// about it; `None` when the failure was not TLS. The text names no host, URL or value.
pub fn describe_tls_failure(err: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(describe(tls));
        }
        // hyper-util and tokio-rustls wrap rustls errors in (nested) io::Errors, whose
        // `source()` skips the wrapped error itself: step into it instead.
        // A TLS 1.3 server refuses a missing client certificate after the client thinks the
        // handshake is done; rustls' reader then reports the alert as io::Error text.
        if let Some(alert) = e.to_string().strip_prefix("received fatal alert: ") {
            return Some(describe_alert(alert));
        }
        cur = match e.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

/// What an alert from the back-end means, by the alert's name (rustls' `Debug` form).
fn describe_alert(name: &str) -> &'static str {
    match name.trim() {
        "CertificateRequired"
        | "BadCertificate"
        | "UnknownCA"
        | "CertificateUnknown"
        | "AccessDenied" => {
            "TLS: handshake failed: the back-end refused our client certificate (check http.client_cert_file)"
        }
        _ => "TLS: handshake failed",
    }
}

/// Makes rustls' *ring* provider the process default, for clients that do not bring their own
/// configuration (reqwest built with `rustls-no-provider` refuses to build a client without
/// one). Idempotent; a provider installed earlier is kept.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn describe(e: &rustls::Error) -> &'static str {
    use rustls::Error as E;
    match e {
        E::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                "TLS: certificate not trusted (its CA is neither a public root nor in http.ca_file)"
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "TLS: certificate is for another host (check base_url's host name)"
            }
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => {
                "TLS: certificate expired or not yet valid"
            }
            CertificateError::Revoked => "TLS: certificate revoked",
            _ => "TLS: certificate refused",
        },
        E::AlertReceived(alert) => describe_alert(&format!("{alert:?}")),
        E::InvalidMessage(_) | E::InappropriateMessage { .. } => {
            "TLS: handshake failed: the back-end does not speak TLS on this port"
        }
        _ => "TLS: handshake failed",
    }
}

/// The error for a connector whose TLS settings are unusable.
impl From<TlsConfigError> for ConnectorError {
    fn from(e: TlsConfigError) -> Self {
        ConnectorError::internal(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str, text: &str) -> std::path::PathBuf {
        // Kept for the process's lifetime: the files are read while the test runs.
        static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
        let p = DIR
            .get_or_init(|| tempfile::tempdir().unwrap())
            .path()
            .join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn default_config_trusts_public_roots_and_speaks_http1() {
        let c = client_config(TlsFiles::default()).unwrap();
        assert_eq!(c.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }

    #[test]
    fn bad_files_name_the_key() {
        let missing = Path::new("/nonexistent/ca.pem");
        let e = client_config(TlsFiles {
            ca_file: Some(missing),
            ..TlsFiles::default()
        })
        .unwrap_err();
        assert_eq!(e.key, "http.ca_file");
        let empty = tmp("empty.pem", "not a certificate\n");
        let e = client_config(TlsFiles {
            ca_file: Some(&empty),
            ..TlsFiles::default()
        })
        .unwrap_err();
        assert!(e.message.contains("no PEM certificate"), "{e}");
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let cert_file = tmp("c.pem", &cert.cert.pem());
        let e = client_config(TlsFiles {
            client_cert_file: Some(&cert_file),
            ..TlsFiles::default()
        })
        .unwrap_err();
        assert_eq!(e.key, "http.client_key_file");
        let other = rcgen::generate_simple_self_signed(vec!["x".into()]).unwrap();
        let other_key = tmp("k.pem", &other.signing_key.serialize_pem());
        let e = client_config(TlsFiles {
            client_cert_file: Some(&cert_file),
            client_key_file: Some(&other_key),
            ..TlsFiles::default()
        })
        .unwrap_err();
        assert!(e.message.contains("does not match"), "{e}");
        let key = tmp("k2.pem", &cert.signing_key.serialize_pem());
        client_config(TlsFiles {
            ca_file: Some(&cert_file),
            client_cert_file: Some(&cert_file),
            client_key_file: Some(&key),
        })
        .unwrap();
    }

    #[test]
    fn tls_errors_are_described_through_io_wrappers() {
        let unknown = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        // As hyper-util delivers it: io::Error(Other, io::Error(InvalidData, rustls::Error)).
        let io = std::io::Error::other(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            unknown,
        ));
        assert!(describe_tls_failure(&io).unwrap().contains("not trusted"));
        let name = rustls::Error::InvalidCertificate(CertificateError::NotValidForName);
        assert!(
            describe_tls_failure(&name)
                .unwrap()
                .contains("another host")
        );
        let alert = rustls::Error::AlertReceived(rustls::AlertDescription::CertificateRequired);
        assert!(
            describe_tls_failure(&alert)
                .unwrap()
                .contains("client certificate")
        );
        let as_text = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "received fatal alert: CertificateRequired",
        );
        assert!(
            describe_tls_failure(&as_text)
                .unwrap()
                .contains("client certificate")
        );
        assert!(describe_tls_failure(&std::io::Error::other("plain")).is_none());
    }
}
