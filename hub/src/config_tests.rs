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
