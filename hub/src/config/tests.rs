//! Tests of [`super`].

use super::*;

const MIN: &str = r#"
[auth]
jwt_public_key_file = "k.pem"
[audit]
sqlite_path = "a.db"
subject_key_file = "s.key"
checkpoint_key_file = "cp.pem"
"#;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn minimal_config_gets_defaults() {
    let c = HubConfig::from_toml_str(MIN, env(&[]), None).unwrap();
    assert_eq!(c.server.listen.port(), 50051);
    assert_eq!(c.fanout.default_deadline_ms, 3_000);
}

#[test]
fn unknown_key_is_rejected_by_name() {
    let e = HubConfig::from_toml_str(
        &format!("{MIN}\n[server]\nlisten_addr = \"x\"\n"),
        env(&[]),
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("listen_addr"), "{e}");
}

#[test]
fn environment_overrides_nested_keys() {
    let c = HubConfig::from_toml_str(
        MIN,
        env(&[
            ("MINWON_SERVER__LISTEN", "0.0.0.0:6000"),
            ("MINWON_FANOUT__DEFAULT_DEADLINE_MS", "1500"),
            ("MINWON_TEST_PG_URL", "ignored: no double underscore"),
        ]),
        None,
    )
    .unwrap();
    assert_eq!(c.server.listen.port(), 6000);
    assert_eq!(c.fanout.default_deadline_ms, 1500);
}

#[test]
fn unknown_connector_named() {
    let e = HubConfig::from_toml_str(&format!("{MIN}\n[connectors.saeoll]\n"), env(&[]), None)
        .unwrap_err();
    assert!(e.to_string().contains("saeoll"), "{e}");
}

#[test]
fn deadline_rules() {
    let e = HubConfig::from_toml_str(
        &format!("{MIN}\n[fanout]\ndefault_deadline_ms = 20000\n"),
        env(&[]),
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("max_deadline_ms"), "{e}");
}

#[test]
fn checkpoints_are_on_by_default_and_need_a_key_unless_turned_off() {
    let c = HubConfig::from_toml_str(MIN, env(&[]), None).unwrap();
    assert!(c.audit.checkpoints);
    assert!(c.warnings().is_empty(), "{:?}", c.warnings());
    let no_key = MIN.replace("checkpoint_key_file = \"cp.pem\"\n", "");
    let e = HubConfig::from_toml_str(&no_key, env(&[]), None).unwrap_err();
    assert!(
        e.to_string()
            .contains("audit.checkpoint_key_file is required"),
        "{e}"
    );
    let off = HubConfig::from_toml_str(
        &no_key.replace("[audit]\n", "[audit]\ncheckpoints = false\n"),
        env(&[]),
        None,
    )
    .unwrap();
    assert!(!off.audit.checkpoints);
    assert_eq!(off.warnings().len(), 1);
    assert!(off.warnings()[0].contains("audit.checkpoints = false"));
}

#[test]
fn debug_of_the_whole_config_shows_no_secret() {
    let text = format!(
        "{MIN}\n[connectors.tax]\nbase_url = \"http://tax\"\nservice_key = \"TaxKey-5ecret\"\n\
         [connectors.welfare]\nbase_url = \"http://welfare\"\nclient_secret = \"Welf-5ecret\"\n\
         [connectors.parking]\nbase_url = \"http://parking\"\napi_key = \"Park-5ecret\"\n"
    );
    let c = HubConfig::from_toml_str(
        &text,
        env(&[
            (
                "MINWON_AUDIT__POSTGRES_URL",
                "postgres://minwon:Pg-5ecret@db.city.internal:5432/audit?sslmode=verify-full",
            ),
            ("MINWON_CONNECTORS__TRAFFIC__SERVICE_KEY", "Traffic-5ecret"),
            ("MINWON_CONNECTORS__TRAFFIC__BASE_URL", "http://traffic"),
        ]),
        None,
    )
    .unwrap();
    for shown in [format!("{c:?}"), format!("{c:#?}")] {
        for secret in [
            "TaxKey-5ecret",
            "Welf-5ecret",
            "Park-5ecret",
            "Pg-5ecret",
            "Traffic-5ecret",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        // Still useful: which tables and keys are set.
        assert!(
            shown.contains("service_key") && shown.contains("welfare"),
            "{shown}"
        );
    }
    let url = c.audit.postgres_url.as_ref().unwrap();
    assert_eq!(
        redacted_url(url),
        "postgres://minwon:***@db.city.internal:5432/audit?sslmode=verify-full"
    );
}

#[test]
fn the_postgres_ca_file_is_relative_to_the_config() {
    let mut c = HubConfig::from_toml_str(
        &MIN.replace("[audit]\n", "[audit]\npostgres_ca_file = \"city-ca.pem\"\n"),
        env(&[]),
        None,
    )
    .unwrap();
    c.resolve_relative_to(Path::new("/etc/minwon"));
    assert_eq!(
        c.audit.postgres_ca_file.as_deref(),
        Some(Path::new("/etc/minwon/city-ca.pem"))
    );
}

#[test]
fn a_bad_sslmode_or_ca_bundle_is_named_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("city-ca.pem");
    std::fs::write(&ca, "not a certificate").unwrap();
    let load = |url: &str, ca_file: Option<&Path>| {
        let mut pairs = vec![("MINWON_AUDIT__POSTGRES_URL".to_string(), url.to_string())];
        if let Some(f) = ca_file {
            pairs.push((
                "MINWON_AUDIT__POSTGRES_CA_FILE".to_string(),
                f.display().to_string(),
            ));
        }
        let c = HubConfig::from_toml_str(MIN, pairs, None).unwrap();
        crate::trail::postgres_store(&c.audit).map(|s| s.is_some())
    };
    let e = load("postgres://u:Pg-5ecret@db/audit?sslmode=sometimes", None).unwrap_err();
    let text = format!("{e:#}");
    assert!(
        text.contains("audit.postgres_url") && text.contains("verify-full"),
        "{text}"
    );
    assert!(!text.contains("Pg-5ecret"), "{text}");
    let e = load(
        "postgres://u:Pg-5ecret@db/audit?sslmode=verify-full",
        Some(&ca),
    )
    .unwrap_err();
    let text = format!("{e:#}");
    assert!(text.contains("audit.postgres_ca_file"), "{text}");
    assert!(!text.contains("Pg-5ecret"), "{text}");
    assert!(load("postgres://u:Pg-5ecret@db/audit?sslmode=verify-full", None).unwrap());
}
