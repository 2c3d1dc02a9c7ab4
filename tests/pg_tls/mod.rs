//! TLS to PostgreSQL against the machine's server (`MINWON_TEST_PG_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`; skipped, loudly, without one unless `CI` is set).
//!
//! - Without touching the server: `sslmode=disable` and `prefer` (and no `sslmode`) connect
//!   whatever TLS the server offers; `verify-full` without the server's CA never connects.
//! - With a certificate of our own: when the test may change the server (superuser, and the
//!   right to write into its data directory — root here), it installs a server certificate
//!   made by rcgen for `localhost`/`127.0.0.1` (`ALTER SYSTEM SET ssl_cert_file …`,
//!   `pg_reload_conf()`), checks every mode and a whole hub on `verify-full` with
//!   `postgres_ca_file`, then puts the previous settings back. Plaintext clients keep working
//!   throughout (trust auth on 127.0.0.1 is for `host` lines, TLS or not); the certificate
//!   files stay valid until the settings are restored, so a restart in between still starts.

use minwon_audit::{AuditError, AuditStore, PostgresStore};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use std::path::{Path, PathBuf};
use tokio_postgres::NoTls;

/// Tables of these tests live in this schema (created on first use, dropped at the end).
const SCHEMA: &str = "minwon_tls_test";

fn pg_url() -> String {
    std::env::var("MINWON_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// `url` with `sslmode=mode` added (no mode: `url` as it is, i.e. libpq's default).
fn with_mode(url: &str, mode: Option<&str>) -> String {
    match mode {
        None => url.to_string(),
        Some(m) if url.contains('?') => format!("{url}&sslmode={m}"),
        Some(m) => format!("{url}?sslmode={m}"),
    }
}

/// A plaintext admin connection, or `None` (announced) when there is no server.
async fn admin() -> Option<tokio_postgres::Client> {
    match tokio_postgres::connect(&with_mode(&pg_url(), Some("disable")), NoTls).await {
        Ok((client, connection)) => {
            tokio::spawn(connection);
            Some(client)
        }
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must run the PostgreSQL TLS tests: {e}"
            );
            eprintln!("*** SKIPPED: no PostgreSQL at MINWON_TEST_PG_URL ({e})");
            None
        }
    }
}

/// Connects a store for `url` and reports whether its session is encrypted.
async fn tls_of(url: &str, ca: Option<&[u8]>) -> Result<bool, AuditError> {
    let store = PostgresStore::connect_lazy_with_ca(url, Some(SCHEMA), 1, ca)?;
    store.ping().await?;
    store.session_uses_tls().await
}

#[tokio::test]
async fn disable_and_prefer_connect_and_verify_full_needs_the_servers_ca() {
    let Some(_admin) = admin().await else { return };
    let url = pg_url();
    assert!(
        !tls_of(&with_mode(&url, Some("disable")), None)
            .await
            .unwrap()
    );
    // prefer (and libpq's default, no sslmode): TLS when it works, else plaintext — the
    // server's certificate is not one the webpki roots trust, or TLS is off.
    for mode in [None, Some("prefer"), Some("allow")] {
        tls_of(&with_mode(&url, mode), None)
            .await
            .unwrap_or_else(|e| panic!("sslmode {mode:?} must connect: {e}"));
    }
    for mode in ["require", "verify-ca", "verify-full"] {
        let err = tls_of(&with_mode(&url, Some(mode)), None)
            .await
            .expect_err("no trusted certificate, no connection");
        assert!(matches!(err, AuditError::Unavailable(_)), "{mode}: {err:?}");
    }
}

struct Pki {
    ca: String,
    cert: String,
    key: String,
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    Pki {
        ca: ca.pem(),
        cert: cert.pem(),
        key: key.serialize_pem(),
    }
}

const SETTINGS: [&str; 3] = ["ssl", "ssl_cert_file", "ssl_key_file"];

/// Installs `pki`'s server certificate on the server; returns what `postgresql.auto.conf`
/// held before (to restore), or `None` (announced) when the test may not change the server.
async fn install(
    admin: &tokio_postgres::Client,
    pki: &Pki,
) -> Option<(Vec<(String, Option<String>)>, PathBuf)> {
    let skip = |why: String| {
        eprintln!("*** SKIPPED: the PostgreSQL certificate test cannot change the server: {why}");
        None
    };
    let superuser: bool = match admin
        .query_one(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .await
    {
        Ok(row) => row.get(0),
        Err(e) => return skip(e.to_string()),
    };
    if !superuser {
        return skip("not a superuser".into());
    }
    let data_dir: String = admin
        .query_one("SHOW data_directory", &[])
        .await
        .unwrap()
        .get(0);
    let dir = Path::new(&data_dir).join("minwon-test-tls");
    if let Err(e) = write_owned_like(Path::new(&data_dir), &dir, pki) {
        return skip(format!("writing into {data_dir}: {e}"));
    }
    let mut previous = Vec::new();
    for name in SETTINGS {
        let row = admin
            .query_opt(
                "SELECT setting FROM pg_file_settings WHERE name = $1 \
                 AND sourcefile LIKE '%postgresql.auto.conf' ORDER BY seqno DESC LIMIT 1",
                &[&name],
            )
            .await
            .unwrap();
        previous.push((name.to_string(), row.map(|r| r.get::<_, String>(0))));
    }
    let cert = dir.join("server.crt").display().to_string();
    let key = dir.join("server.key").display().to_string();
    // One statement each: ALTER SYSTEM refuses to run inside a (multi-statement) transaction.
    for sql in [
        format!("ALTER SYSTEM SET ssl_cert_file = '{cert}'"),
        format!("ALTER SYSTEM SET ssl_key_file = '{key}'"),
        "ALTER SYSTEM SET ssl = on".to_string(),
        "SELECT pg_reload_conf()".to_string(),
    ] {
        admin.batch_execute(&sql).await.unwrap();
    }
    Some((previous, dir))
}

/// Writes the certificate and key into `dir` (inside the data directory), owned like
/// `data_dir` (PostgreSQL refuses a key others can read).
fn write_owned_like(data_dir: &Path, dir: &Path, pki: &Pki) -> std::io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let meta = std::fs::metadata(data_dir)?;
    std::fs::create_dir_all(dir)?;
    std::os::unix::fs::chown(dir, Some(meta.uid()), Some(meta.gid()))?;
    for (name, text) in [("server.crt", &pki.cert), ("server.key", &pki.key)] {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        std::os::unix::fs::chown(&path, Some(meta.uid()), Some(meta.gid()))?;
    }
    Ok(())
}

async fn restore(admin: &tokio_postgres::Client, previous: &[(String, Option<String>)]) {
    let mut statements: Vec<String> = previous
        .iter()
        .map(|(name, value)| match value {
            Some(v) => format!("ALTER SYSTEM SET {name} = '{}'", v.replace('\'', "''")),
            None => format!("ALTER SYSTEM RESET {name}"),
        })
        .collect();
    statements.push("SELECT pg_reload_conf()".to_string());
    for sql in statements {
        admin
            .batch_execute(&sql)
            .await
            .expect("restore the server's TLS settings");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_with_the_city_ca_encrypts_and_checks_the_host_name() {
    use futures::FutureExt;
    let Some(admin) = admin().await else { return };
    let pki = pki();
    let Some((previous, dir)) = install(&admin, &pki).await else {
        return;
    };
    let outcome = std::panic::AssertUnwindSafe(checks(&pki))
        .catch_unwind()
        .await;
    restore(&admin, &previous).await;
    let _ = std::fs::remove_dir_all(&dir);
    let _ = admin
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        .await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn checks(pki: &Pki) {
    let url = pg_url();
    let ca = Some(pki.ca.as_bytes());
    let full = with_mode(&url, Some("verify-full"));
    // The reload reaches new connections shortly after pg_reload_conf() returns.
    let mut installed = false;
    for _ in 0..100 {
        if tls_of(&full, ca).await == Ok(true) {
            installed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(installed, "verify-full with the CA connects over TLS");
    for mode in [None, Some("prefer"), Some("require"), Some("verify-ca")] {
        assert_eq!(
            tls_of(&with_mode(&url, mode), ca).await,
            Ok(true),
            "{mode:?}"
        );
    }
    assert_eq!(
        tls_of(&with_mode(&url, Some("disable")), ca).await,
        Ok(false)
    );
    // Another CA: refused. The right CA but another host name: refused too (verify-full).
    let other = self::pki();
    assert!(tls_of(&full, Some(other.ca.as_bytes())).await.is_err());
    let renamed = with_mode(
        "postgres://postgres@db.wrong-name.invalid:5432/test?hostaddr=127.0.0.1",
        Some("verify-full"),
    );
    if url == "postgres://postgres@127.0.0.1:5432/test" {
        assert!(tls_of(&renamed, ca).await.is_err(), "host name checked");
    }

    // The whole hub: `[audit] postgres_url` with verify-full and `postgres_ca_file`.
    let ca_dir = tempfile::tempdir().unwrap();
    let ca_file = ca_dir.path().join("city-ca.pem");
    std::fs::write(&ca_file, &pki.ca).unwrap();
    let demo = crate::support::Demo::start_with_env(&[
        ("MINWON_AUDIT__POSTGRES_URL", &full),
        ("MINWON_AUDIT__POSTGRES_SCHEMA", SCHEMA),
        ("MINWON_AUDIT__POSTGRES_CA_FILE", ca_file.to_str().unwrap()),
    ]);
    let mut health = tonic_health::pb::health_client::HealthClient::new(demo.channel().await);
    let mut serving = false;
    for _ in 0..100 {
        let status = health
            .check(tonic_health::pb::HealthCheckRequest {
                service: "minwon.v1.CitizenCaseService".into(),
            })
            .await
            .map(|r| r.into_inner().status)
            .ok();
        if status == Some(tonic_health::pb::health_check_response::ServingStatus::Serving as i32) {
            serving = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        serving,
        "the hub's audit store answers over verified TLS; log:\n{}",
        demo.log()
    );
}
