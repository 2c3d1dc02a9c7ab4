//! TLS to PostgreSQL: rustls with the ring provider (no OpenSSL), trusting the webpki roots
//! plus an optional PEM bundle (a city CA), with the mode taken from the URL's `sslmode`.
//!
//! | `sslmode` | what the store does |
//! |---|---|
//! | `disable` | plaintext, no TLS attempted |
//! | `allow`, `prefer` (and no `sslmode` at all, as in libpq) | TLS first; if the server refuses TLS **or the handshake fails**, one more attempt in plaintext |
//! | `require`, `verify-ca`, `verify-full` | TLS or no connection |
//!
//! Whenever TLS is used the server's certificate is verified — chain **and** host name, as
//! libpq's `verify-full` does. libpq's `require` and `verify-ca` skip part of that check; the
//! store never does, because an unverified connection to the trail's database can be
//! intercepted. A server with a private CA needs `[audit] postgres_ca_file`.
//!
//! tokio-postgres itself knows only `disable`/`prefer`/`require`, so [`parse_url`] maps the
//! libpq names onto those before parsing, and [`TlsConnector`] adds the plaintext retry that
//! tokio-postgres's `prefer` lacks after a failed handshake.

use crate::AuditError;
use deadpool_postgres::Connect;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::task::JoinHandle;
use tokio_postgres::config::SslMode;
use tokio_postgres::tls::{MakeTlsConnect, NoTls, TlsConnect};
use tokio_postgres::{Client, Config, Socket};
use tokio_postgres_rustls::MakeRustlsConnect;

/// The `sslmode` values accepted, as libpq spells them.
pub const SSL_MODES: [&str; 6] = [
    "disable",
    "allow",
    "prefer",
    "require",
    "verify-ca",
    "verify-full",
];

/// Parses a connection URL (or `key=value` string) whose `sslmode` may use any libpq name.
/// Errors never echo the URL (it may carry the password).
pub fn parse_url(url: &str) -> Result<Config, AuditError> {
    let rewritten = map_sslmode(url)?;
    rewritten
        .parse()
        .map_err(|_| AuditError::Unavailable("postgres: malformed connection URL".into()))
}

/// `url` with every `sslmode=<libpq name>` replaced by the tokio-postgres name.
fn map_sslmode(url: &str) -> Result<String, AuditError> {
    const KEY: &str = "sslmode=";
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(at) = rest.find(KEY) {
        let boundary = at == 0
            || rest[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c == '?' || c == '&' || c.is_whitespace());
        let value_start = at + KEY.len();
        let value_len = rest[value_start..]
            .find(|c: char| c == '&' || c.is_whitespace())
            .unwrap_or(rest.len() - value_start);
        let value = &rest[value_start..value_start + value_len];
        out.push_str(&rest[..value_start]);
        if boundary {
            let mapped = match value {
                "disable" => "disable",
                "allow" | "prefer" => "prefer",
                "require" | "verify-ca" | "verify-full" => "require",
                _ => {
                    return Err(AuditError::Unavailable(format!(
                        "postgres: sslmode must be one of {}",
                        SSL_MODES.join(", ")
                    )));
                }
            };
            out.push_str(mapped);
        } else {
            out.push_str(value);
        }
        rest = &rest[value_start + value_len..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The rustls client settings: webpki roots plus every certificate of `ca_pem` (a PEM
/// bundle), TLS 1.2 and 1.3 with ring.
pub fn client_config(ca_pem: Option<&[u8]>) -> Result<rustls::ClientConfig, AuditError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let bad = |why: &str| AuditError::Unavailable(format!("postgres CA bundle: {why}"));
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(pem) = ca_pem {
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|_| bad("not a PEM certificate bundle"))?;
            roots
                .add(cert)
                .map_err(|_| bad("a certificate is not a usable trust anchor"))?;
            added += 1;
        }
        if added == 0 {
            return Err(bad("no CERTIFICATE block in it"));
        }
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|_| bad("no TLS protocol version available"))
        .map(|b| b.with_root_certificates(roots).with_no_client_auth())
}

/// Opens the pool's connections as `sslmode` says (see the module docs).
pub struct TlsConnector {
    rustls: MakeRustlsConnect,
}

impl TlsConnector {
    /// A connector trusting the webpki roots and `ca_pem`.
    pub fn new(ca_pem: Option<&[u8]>) -> Result<Self, AuditError> {
        Ok(TlsConnector {
            rustls: MakeRustlsConnect::new(client_config(ca_pem)?),
        })
    }
}

type Connected = (Client, JoinHandle<()>);

fn drive<T>(connection: tokio_postgres::Connection<Socket, T>) -> JoinHandle<()>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "postgres connection ended with an error");
        }
    })
}

impl Connect for TlsConnector {
    fn connect(
        &self,
        config: &Config,
    ) -> Pin<Box<dyn Future<Output = Result<Connected, tokio_postgres::Error>> + Send + '_>> {
        let config = config.clone();
        Box::pin(async move {
            if config.get_ssl_mode() == SslMode::Disable {
                let (client, connection) = config.connect(NoTls).await?;
                return Ok((client, drive(connection)));
            }
            let handshake_failed = Arc::new(AtomicBool::new(false));
            let tls = Tracked {
                inner: self.rustls.clone(),
                failed: handshake_failed.clone(),
            };
            match config.connect(tls).await {
                Ok((client, connection)) => Ok((client, drive(connection))),
                Err(_)
                    if config.get_ssl_mode() == SslMode::Prefer
                        && handshake_failed.load(Ordering::SeqCst) =>
                {
                    tracing::warn!(
                        "postgres: TLS handshake failed with sslmode=prefer; connecting without \
                         TLS (set sslmode=verify-full to refuse that)"
                    );
                    let mut plain = config.clone();
                    plain.ssl_mode(SslMode::Disable);
                    let (client, connection) = plain.connect(NoTls).await?;
                    Ok((client, drive(connection)))
                }
                Err(e) => Err(e),
            }
        })
    }
}

type RustlsConnect = <MakeRustlsConnect as MakeTlsConnect<Socket>>::TlsConnect;
type RustlsStream = <MakeRustlsConnect as MakeTlsConnect<Socket>>::Stream;
type RustlsError = <MakeRustlsConnect as MakeTlsConnect<Socket>>::Error;

/// The rustls connector, noting in `failed` whether the TLS setup or handshake failed (as
/// opposed to the server refusing TLS, or the network), so `prefer` retries only then.
#[derive(Clone)]
struct Tracked {
    inner: MakeRustlsConnect,
    failed: Arc<AtomicBool>,
}

impl MakeTlsConnect<Socket> for Tracked {
    type Stream = RustlsStream;
    type TlsConnect = TrackedConnect;
    type Error = RustlsError;

    fn make_tls_connect(&mut self, domain: &str) -> Result<TrackedConnect, RustlsError> {
        match MakeTlsConnect::<Socket>::make_tls_connect(&mut self.inner, domain) {
            Ok(inner) => Ok(TrackedConnect {
                inner,
                failed: self.failed.clone(),
            }),
            Err(e) => {
                self.failed.store(true, Ordering::SeqCst);
                Err(e)
            }
        }
    }
}

struct TrackedConnect {
    inner: RustlsConnect,
    failed: Arc<AtomicBool>,
}

impl TlsConnect<Socket> for TrackedConnect {
    type Stream = RustlsStream;
    type Error = <RustlsConnect as TlsConnect<Socket>>::Error;
    type Future = Pin<Box<dyn Future<Output = Result<RustlsStream, Self::Error>> + Send>>;

    fn connect(self, stream: Socket) -> Self::Future {
        let handshake = self.inner.connect(stream);
        let failed = self.failed;
        Box::pin(async move {
            let result = handshake.await;
            if result.is_err() {
                failed.store(true, Ordering::SeqCst);
            }
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_libpq_sslmode_maps_onto_tokio_postgres() {
        for (mode, expected) in [
            ("disable", SslMode::Disable),
            ("allow", SslMode::Prefer),
            ("prefer", SslMode::Prefer),
            ("require", SslMode::Require),
            ("verify-ca", SslMode::Require),
            ("verify-full", SslMode::Require),
        ] {
            let url = format!("postgres://u:pw@db.city.internal:5432/audit?sslmode={mode}");
            assert_eq!(parse_url(&url).unwrap().get_ssl_mode(), expected, "{url}");
            let kv = format!("host=db.city.internal user=u sslmode={mode} dbname=audit");
            assert_eq!(parse_url(&kv).unwrap().get_ssl_mode(), expected, "{kv}");
        }
        // libpq's default when the URL says nothing.
        let c = parse_url("postgres://u@db/audit").unwrap();
        assert_eq!(c.get_ssl_mode(), SslMode::Prefer);
        let c = parse_url("postgres://u@db/audit?application_name=x&sslmode=verify-full").unwrap();
        assert_eq!(c.get_ssl_mode(), SslMode::Require);
        assert_eq!(c.get_application_name(), Some("x"));
    }

    #[test]
    fn an_unknown_sslmode_is_refused_without_echoing_the_url() {
        let err = parse_url("postgres://u:hunter2@db/audit?sslmode=maybe").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("verify-full"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        // `xsslmode=` is another key, left for the parser (which refuses it, quietly).
        let err = parse_url("postgres://u:hunter2@db/audit?xsslmode=maybe").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn the_ca_bundle_must_hold_certificates() {
        client_config(None).unwrap();
        let err = client_config(Some(b"not pem at all")).unwrap_err();
        assert!(err.to_string().contains("CA bundle"), "{err}");
        let ca = rcgen::generate_simple_self_signed(vec!["db.city.internal".into()]).unwrap();
        client_config(Some(ca.cert.pem().as_bytes())).unwrap();
        let two = format!("{}{}", ca.cert.pem(), ca.cert.pem());
        client_config(Some(two.as_bytes())).unwrap();
    }
}
