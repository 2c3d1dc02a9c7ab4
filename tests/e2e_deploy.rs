//! deploy/ checked against the code: every Kubernetes manifest parses and says what matters
//! (gRPC over TLS with the probes on a plaintext health-only port, Secrets referenced and never
//! inlined, non-root pods with resource requests, the Service exposing the gRPC port only), the
//! NetworkPolicies and the optional cert-manager / Prometheus Operator manifests
//! ([`network`]), the ConfigMap's `hub.toml` and `hub/config/example.toml` pass the real
//! `minwon-hub check-config`, and the Dockerfile builds, as a non-root image, the binary CI
//! tests. No cluster and no Docker engine are needed: what can be checked here is checked.

#[path = "e2e_deploy/keycloak.rs"]
mod keycloak;
#[path = "deploy_network/mod.rs"]
mod network;

use serde::Deserialize;
use serde_yaml::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The health service name the readiness probe asks for: the case service, which turns
/// NOT_SERVING while the audit store is down.
const READINESS_SERVICE: &str = "minwon.v1.CitizenCaseService";
/// Where the container reads its config (the image's CMD and the ConfigMap mount).
const CONFIG_PATH: &str = "/etc/minwon/hub.toml";
/// Where Secrets are mounted in the hub container.
const SECRETS_ROOT: &str = "/etc/minwon/secrets/";
/// The hub's writable data folder (emptyDir).
const DATA_ROOT: &str = "/var/lib/minwon/";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("hub/ has a parent")
        .to_path_buf()
}

fn k8s_dir() -> PathBuf {
    repo().join("deploy/k8s")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Every document of a (possibly multi-document) YAML file; empty documents skipped.
fn yaml_docs(path: &Path) -> Vec<Value> {
    let text = read(path);
    let mut docs = Vec::new();
    for de in serde_yaml::Deserializer::from_str(&text) {
        let v = Value::deserialize(de)
            .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()));
        if !v.is_null() {
            docs.push(v);
        }
    }
    docs
}

fn str_at<'a>(v: &'a Value, what: &str) -> &'a str {
    v.as_str()
        .unwrap_or_else(|| panic!("{what}: expected a string, got {v:?}"))
}

fn seq<'a>(v: &'a Value, what: &str) -> &'a Vec<Value> {
    v.as_sequence()
        .unwrap_or_else(|| panic!("{what}: expected a list, got {v:?}"))
}

/// The resources kustomization.yaml lists, in order.
fn kustomization_resources() -> Vec<String> {
    let docs = yaml_docs(&k8s_dir().join("kustomization.yaml"));
    assert_eq!(docs.len(), 1, "kustomization.yaml holds one document");
    seq(&docs[0]["resources"], "kustomization resources")
        .iter()
        .map(|r| str_at(r, "resource").to_string())
        .collect()
}

/// Every document of every resource kustomize would apply, with its file name.
fn all_objects() -> Vec<(String, Value)> {
    kustomization_resources()
        .into_iter()
        .flat_map(|file| {
            yaml_docs(&k8s_dir().join(&file))
                .into_iter()
                .map(move |d| (file.clone(), d))
        })
        .collect()
}

fn object(kind: &str, name: &str) -> Value {
    all_objects()
        .into_iter()
        .map(|(_, d)| d)
        .find(|d| d["kind"].as_str() == Some(kind) && d["metadata"]["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no {kind} {name} in the kustomization"))
}

fn hub_deployment() -> Value {
    object("Deployment", "minwon-hub")
}

fn hub_container(dep: &Value) -> Value {
    let containers = seq(&dep["spec"]["template"]["spec"]["containers"], "containers");
    containers
        .iter()
        .find(|c| c["name"].as_str() == Some("hub"))
        .expect("a container named hub")
        .clone()
}

fn container_port(container: &Value, name: &str) -> u64 {
    seq(&container["ports"], "ports")
        .iter()
        .find(|p| p["name"].as_str() == Some(name))
        .and_then(|p| p["containerPort"].as_u64())
        .unwrap_or_else(|| panic!("container port `{name}`"))
}

/// The `hub.toml` text held by the ConfigMap.
fn configmap_toml() -> String {
    let cm = object("ConfigMap", "minwon-hub-config");
    str_at(&cm["data"]["hub.toml"], "ConfigMap data hub.toml").to_string()
}

// ─────────────────────────────────────────────────────────────────── manifests parse

#[test]
fn kustomization_lists_existing_parseable_manifests_and_nothing_is_left_out() {
    let kust = &yaml_docs(&k8s_dir().join("kustomization.yaml"))[0];
    assert_eq!(kust["kind"].as_str(), Some("Kustomization"));
    assert_eq!(kust["namespace"].as_str(), Some("minwon"));
    let listed = kustomization_resources();
    assert!(!listed.is_empty());
    for file in &listed {
        let path = k8s_dir().join(file);
        assert!(
            path.is_file(),
            "kustomization lists {file}, which does not exist"
        );
        let docs = yaml_docs(&path);
        assert!(!docs.is_empty(), "{file} holds no object");
        for d in &docs {
            for key in ["apiVersion", "kind"] {
                assert!(d[key].as_str().is_some(), "{file}: an object without {key}");
            }
            assert!(
                d["metadata"]["name"].as_str().is_some(),
                "{file}: a {} without metadata.name",
                d["kind"].as_str().unwrap_or("?")
            );
        }
    }
    // Every manifest in the folder is applied (no forgotten file), except documentation.
    let mut on_disk = BTreeSet::new();
    for entry in std::fs::read_dir(k8s_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if name.ends_with(".yaml") || name.ends_with(".yml") {
            on_disk.insert(name);
        }
    }
    on_disk.remove("kustomization.yaml");
    let listed: BTreeSet<String> = listed.into_iter().collect();
    assert_eq!(
        on_disk, listed,
        "manifests on disk vs. kustomization resources"
    );
    for kind in [
        "Namespace",
        "ConfigMap",
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "StatefulSet",
        "NetworkPolicy",
    ] {
        assert!(
            all_objects()
                .iter()
                .any(|(_, d)| d["kind"].as_str() == Some(kind)),
            "the kustomization has no {kind}"
        );
    }
}

// ─────────────────────────────────────────────────────────────────────────── probes

#[test]
fn hub_probes_are_grpc_health_checks_on_the_plaintext_health_port() {
    let dep = hub_deployment();
    let c = hub_container(&dep);
    let grpc_port = container_port(&c, "grpc");
    assert_eq!(grpc_port, 50051);
    // The gRPC port serves TLS, which the kubelet's gRPC probe cannot speak: the probes ask
    // the health-only plaintext port.
    let health_port = container_port(&c, "health");
    assert_ne!(health_port, grpc_port);
    let readiness = &c["readinessProbe"]["grpc"];
    assert_eq!(
        readiness["port"].as_u64(),
        Some(health_port),
        "readiness probe port"
    );
    assert_eq!(
        readiness["service"].as_str(),
        Some(READINESS_SERVICE),
        "readiness follows the case service (NOT_SERVING while the audit store is down)"
    );
    for probe in ["livenessProbe", "startupProbe"] {
        let g = &c[probe]["grpc"];
        assert_eq!(g["port"].as_u64(), Some(health_port), "{probe} port");
        // "" is the server's overall status: liveness must not follow the audit store.
        assert_eq!(
            g["service"].as_str(),
            Some(""),
            "{probe} asks for the overall status"
        );
    }
    // The config listens where the probes and the Service look.
    let cfg: toml::Table = configmap_toml().parse().expect("hub.toml is TOML");
    let listen = cfg["server"]["listen"].as_str().expect("server.listen");
    assert!(
        listen.ends_with(&format!(":{grpc_port}")) && listen.starts_with("0.0.0.0:"),
        "server.listen = {listen}: must listen on all interfaces, port {grpc_port}"
    );
    let tls = cfg["server"]["tls"]
        .as_table()
        .expect("[server.tls]: the gRPC port is TLS");
    for key in ["cert_file", "key_file"] {
        assert!(tls[key].as_str().is_some(), "server.tls.{key}");
    }
    let health = cfg["server"]["health_listen"]
        .as_str()
        .expect("server.health_listen: the probes' port");
    assert_eq!(
        health,
        format!("0.0.0.0:{health_port}"),
        "the kubelet reaches the health port on the pod's address"
    );
    // Metrics: scrape annotations name the metrics port and path.
    let ann = &dep["spec"]["template"]["metadata"]["annotations"];
    let metrics_port = container_port(&c, "metrics");
    assert_eq!(metrics_port, 9464);
    assert_eq!(ann["prometheus.io/scrape"].as_str(), Some("true"));
    assert_eq!(
        ann["prometheus.io/port"].as_str(),
        Some(metrics_port.to_string().as_str())
    );
    assert_eq!(ann["prometheus.io/path"].as_str(), Some("/metrics"));
}

#[test]
fn service_exposes_only_the_grpc_port() {
    let svc = object("Service", "minwon-hub");
    let ports = seq(&svc["spec"]["ports"], "service ports");
    // Not the admin/metrics port (Prometheus scrapes the pods) nor the plaintext probe port.
    let names: Vec<&str> = ports.iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(names, ["grpc"], "the Service's ports");
    let c = hub_container(&hub_deployment());
    for name in ["metrics", "health"] {
        let port = container_port(&c, name);
        for p in ports {
            assert_ne!(p["port"].as_u64(), Some(port), "{name} port on the Service");
            assert_ne!(
                p["targetPort"].as_str(),
                Some(name),
                "{name} port on the Service"
            );
            assert_ne!(
                p["targetPort"].as_u64(),
                Some(port),
                "{name} port on the Service"
            );
        }
    }
    let grpc = ports
        .iter()
        .find(|p| p["name"].as_str() == Some("grpc"))
        .expect("grpc port");
    assert_eq!(grpc["port"].as_u64(), Some(50051));
    assert_eq!(grpc["appProtocol"].as_str(), Some("grpc"));
    assert_eq!(grpc["targetPort"].as_str(), Some("grpc"));
    // The selector picks the hub's pods.
    let dep = hub_deployment();
    let pod_labels = dep["spec"]["template"]["metadata"]["labels"]
        .as_mapping()
        .unwrap();
    for (k, v) in svc["spec"]["selector"].as_mapping().unwrap() {
        assert_eq!(pod_labels.get(k), Some(v), "service selector {k:?}");
    }
}

#[test]
fn availability_objects_target_the_hub() {
    let dep = hub_deployment();
    assert!(
        dep["spec"]["replicas"].as_u64().unwrap_or(1) >= 2,
        "at least two replicas"
    );
    let pdb = object("PodDisruptionBudget", "minwon-hub");
    assert_eq!(pdb["apiVersion"].as_str(), Some("policy/v1"));
    assert_eq!(pdb["spec"]["minAvailable"].as_u64(), Some(1));
    assert_eq!(
        pdb["spec"]["selector"]["matchLabels"],
        dep["spec"]["selector"]["matchLabels"]
    );
    let hpa = object("HorizontalPodAutoscaler", "minwon-hub");
    assert_eq!(hpa["apiVersion"].as_str(), Some("autoscaling/v2"));
    assert_eq!(
        hpa["spec"]["scaleTargetRef"]["name"].as_str(),
        Some("minwon-hub")
    );
    assert!(hpa["spec"]["minReplicas"].as_u64().unwrap() >= 2);
    let metric = &seq(&hpa["spec"]["metrics"], "hpa metrics")[0];
    assert_eq!(metric["resource"]["name"].as_str(), Some("cpu"));
}

// ─────────────────────────────────────────────────────────────────── secrets, security

#[test]
fn secrets_are_referenced_never_inlined() {
    let doc = read(&k8s_dir().join("secrets.example.md"));
    let mut referenced = BTreeSet::new();
    for (file, d) in all_objects() {
        assert_ne!(
            d["kind"].as_str(),
            Some("Secret"),
            "{file}: Secrets are created outside the kustomization (secrets.example.md)"
        );
        let Some(pod) = pod_spec(&d) else { continue };
        for v in pod["volumes"].as_sequence().into_iter().flatten() {
            if !v["secret"].is_null() {
                let name = str_at(&v["secret"]["secretName"], "volumes[].secret.secretName");
                for key in ["items", "data", "stringData"] {
                    assert!(
                        v["secret"][key].is_null(),
                        "{file}: secret volume with {key}"
                    );
                }
                referenced.insert(name.to_string());
            }
            assert!(
                v["projected"].is_null(),
                "{file}: use secret.secretName volumes"
            );
        }
        for c in seq(&pod["containers"], "containers") {
            for e in c["env"].as_sequence().into_iter().flatten() {
                let name = str_at(&e["name"], "env name");
                let sensitive = [
                    "SECRET",
                    "PASSWORD",
                    "SERVICE_KEY",
                    "API_KEY",
                    "POSTGRES_URL",
                ]
                .iter()
                .any(|w| name.contains(w));
                if sensitive {
                    assert!(
                        e["value"].is_null(),
                        "{file}: env {name} must come from a Secret, not a value"
                    );
                    let r = &e["valueFrom"]["secretKeyRef"];
                    let secret = str_at(&r["name"], "secretKeyRef.name");
                    str_at(&r["key"], "secretKeyRef.key");
                    assert_ne!(
                        r["optional"].as_bool(),
                        Some(true),
                        "{file}: {name} is required: optional would fall back to a demo value"
                    );
                    referenced.insert(secret.to_string());
                }
            }
        }
    }
    for name in &referenced {
        assert!(
            doc.contains(&format!("`{name}`")),
            "Secret {name} is referenced but secrets.example.md does not say how to create it"
        );
    }
    for needed in [
        "minwon-hub-keys",
        "minwon-audit-db",
        "minwon-connector-credentials",
    ] {
        assert!(referenced.contains(needed), "{needed} is referenced");
    }
    // No key material anywhere in deploy/.
    for file in files_under(&repo().join("deploy")) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for marker in ["PRIVATE KEY-----", "PUBLIC KEY-----", "CERTIFICATE-----"] {
            assert!(
                !text.contains(&format!("-----BEGIN {marker}")),
                "{} holds key material",
                file.display()
            );
        }
    }
}

fn pod_spec(d: &Value) -> Option<&Value> {
    match d["kind"].as_str() {
        Some("Deployment" | "StatefulSet" | "DaemonSet" | "Job") => {
            Some(&d["spec"]["template"]["spec"])
        }
        Some("Pod") => Some(&d["spec"]),
        _ => None,
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn every_pod_is_non_root_read_only_with_resources() {
    for (file, d) in all_objects() {
        let Some(pod) = pod_spec(&d) else { continue };
        let pod_sc = &pod["securityContext"];
        assert_eq!(
            pod_sc["runAsNonRoot"].as_bool(),
            Some(true),
            "{file}: runAsNonRoot"
        );
        assert_eq!(
            pod_sc["seccompProfile"]["type"].as_str(),
            Some("RuntimeDefault"),
            "{file}: seccomp"
        );
        for c in seq(&pod["containers"], "containers") {
            let name = c["name"].as_str().unwrap_or("?");
            let uid = c["securityContext"]["runAsUser"]
                .as_u64()
                .or(pod_sc["runAsUser"].as_u64())
                .unwrap_or_else(|| panic!("{file}/{name}: numeric runAsUser"));
            assert_ne!(uid, 0, "{file}/{name}: not root");
            let sc = &c["securityContext"];
            assert_eq!(
                sc["allowPrivilegeEscalation"].as_bool(),
                Some(false),
                "{file}/{name}"
            );
            assert_eq!(
                sc["readOnlyRootFilesystem"].as_bool(),
                Some(true),
                "{file}/{name}"
            );
            let drop: Vec<&str> = seq(&sc["capabilities"]["drop"], "capabilities.drop")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert_eq!(drop, ["ALL"], "{file}/{name}: drop ALL capabilities");
            for kind in ["requests", "limits"] {
                for res in ["cpu", "memory"] {
                    assert!(
                        !c["resources"][kind][res].is_null(),
                        "{file}/{name}: resources.{kind}.{res}"
                    );
                }
            }
        }
    }
    // The hub runs as the image's user.
    let c = hub_container(&hub_deployment());
    let uid = hub_deployment()["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
        .as_u64()
        .or(c["securityContext"]["runAsUser"].as_u64());
    assert_eq!(
        Some(dockerfile_user()),
        uid,
        "Deployment runAsUser = Dockerfile USER"
    );
}

#[test]
fn postgres_keeps_synchronous_commit_on_a_persistent_volume() {
    let sts = object("StatefulSet", "postgres");
    let c = &seq(&sts["spec"]["template"]["spec"]["containers"], "containers")[0];
    let args: Vec<&str> = seq(&c["args"], "postgres args")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        args.windows(2)
            .any(|w| w == ["-c", "synchronous_commit=on"]),
        "postgres runs with synchronous_commit=on: {args:?}"
    );
    let claims = seq(&sts["spec"]["volumeClaimTemplates"], "volumeClaimTemplates");
    assert!(
        !claims.is_empty(),
        "postgres data on a PersistentVolumeClaim"
    );
    // The hub's URL points at this Service (documented in secrets.example.md).
    object("Service", "postgres");
    assert!(read(&k8s_dir().join("secrets.example.md")).contains("@postgres.minwon:5432/"));
}

#[test]
fn otel_collector_receives_otlp_where_the_hub_sends() {
    let c = hub_container(&hub_deployment());
    let endpoint = env_value(&c, "MINWON_TELEMETRY__OTLP_ENDPOINT").expect("OTLP endpoint env");
    assert_eq!(endpoint, "http://otel-collector.minwon:4317");
    let svc = object("Service", "otel-collector");
    let ports: Vec<u64> = seq(&svc["spec"]["ports"], "ports")
        .iter()
        .filter_map(|p| p["port"].as_u64())
        .collect();
    assert!(ports.contains(&4317) && ports.contains(&4318), "{ports:?}");
    let cm = object("ConfigMap", "otel-collector-config");
    let conf: Value =
        serde_yaml::from_str(str_at(&cm["data"]["config.yaml"], "collector config")).unwrap();
    let otlp = &conf["receivers"]["otlp"]["protocols"];
    assert_eq!(otlp["grpc"]["endpoint"].as_str(), Some("0.0.0.0:4317"));
    assert_eq!(otlp["http"]["endpoint"].as_str(), Some("0.0.0.0:4318"));
    assert!(!conf["exporters"]["debug"].is_null(), "debug exporter");
}

fn env_value(container: &Value, name: &str) -> Option<String> {
    container["env"]
        .as_sequence()?
        .iter()
        .find(|e| e["name"].as_str() == Some(name))
        .and_then(|e| e["value"].as_str().map(str::to_string))
}

// ──────────────────────────────────────────────────── config: mounts, check-config

#[test]
fn config_and_key_paths_are_mounted() {
    let c = hub_container(&hub_deployment());
    let args: Vec<&str> = seq(&c["args"], "args")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        args.windows(2).any(|w| w == ["--config", CONFIG_PATH]),
        "args name {CONFIG_PATH}: {args:?}"
    );
    let mounts = seq(&c["volumeMounts"], "volumeMounts");
    let config_mount = mounts
        .iter()
        .find(|m| m["mountPath"].as_str() == Some(CONFIG_PATH))
        .expect("the config file is mounted");
    assert_eq!(config_mount["subPath"].as_str(), Some("hub.toml"));
    // Every file path the config or the env names is inside a mount; the sqlite path inside
    // a writable one.
    let mut paths: Vec<String> = toml_strings(&configmap_toml().parse::<toml::Table>().unwrap())
        .into_iter()
        .filter(|s| s.starts_with('/'))
        .collect();
    for e in c["env"].as_sequence().into_iter().flatten() {
        if let Some(v) = e["value"].as_str()
            && v.starts_with('/')
        {
            paths.push(v.to_string());
        }
    }
    assert!(paths.iter().any(|p| p.starts_with(SECRETS_ROOT)));
    for p in &paths {
        let m = mounts
            .iter()
            .find(|m| {
                let mp = m["mountPath"].as_str().unwrap();
                p.starts_with(&format!("{mp}/"))
            })
            .unwrap_or_else(|| panic!("{p} is not under any volume mount"));
        let writable = !m["readOnly"].as_bool().unwrap_or(false);
        assert_eq!(
            writable,
            p.starts_with(DATA_ROOT),
            "{p}: only {DATA_ROOT} is writable"
        );
    }
}

fn toml_strings(t: &toml::Table) -> Vec<String> {
    fn walk(v: &toml::Value, out: &mut Vec<String>) {
        match v {
            toml::Value::String(s) => out.push(s.clone()),
            toml::Value::Table(t) => t.values().for_each(|v| walk(v, out)),
            toml::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    t.values().for_each(|v| walk(v, &mut out));
    out
}

/// Temporary stand-ins for the mounted Secrets and the data folder.
struct FakeMounts {
    dir: tempfile::TempDir,
}

impl FakeMounts {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("secrets/keys");
        let signing = dir.path().join("secrets/signing");
        std::fs::create_dir_all(&keys).unwrap();
        std::fs::create_dir_all(&signing).unwrap();
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        // The files secrets.example.md tells an administrator to create.
        let token_key = minwon_hub::config::keys::generate_signing_key();
        minwon_hub::config::keys::write_signing_key(
            &token_key,
            &signing.join("jwt-signing.pem"),
            &keys.join("jwt-public.pem"),
        )
        .unwrap();
        minwon_hub::config::keys::generate_secret(&keys.join("subject-hmac.key")).unwrap();
        minwon_hub::config::keys::write_signing_key(
            &minwon_hub::config::keys::generate_signing_key(),
            &keys.join("checkpoint-signing.pem"),
            &dir.path().join("checkpoint-public.pem"),
        )
        .unwrap();
        // Secret minwon-hub-tls, as cert-manager writes it.
        let tls = dir.path().join("secrets/tls");
        std::fs::create_dir_all(&tls).unwrap();
        let cert =
            rcgen::generate_simple_self_signed(vec!["minwon-hub.minwon.svc".to_string()]).unwrap();
        std::fs::write(tls.join("tls.crt"), cert.cert.pem()).unwrap();
        std::fs::write(tls.join("tls.key"), cert.signing_key.serialize_pem()).unwrap();
        FakeMounts { dir }
    }

    /// `text` with the container paths replaced by the temporary ones.
    fn localize(&self, text: &str) -> String {
        let root = self.dir.path().display().to_string();
        text.replace(SECRETS_ROOT, &format!("{root}/secrets/"))
            .replace(DATA_ROOT, &format!("{root}/data/"))
    }
}

/// Runs the real binary's `check-config` on `config` with exactly the `MINWON_…` variables
/// given (none inherited from the test's environment). Returns (success, stdout+stderr).
fn check_config(config: &Path, env: &[(String, String)]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minwon-hub"));
    cmd.arg("check-config").arg(config);
    for (k, _) in std::env::vars() {
        if k.starts_with("MINWON_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    let out = cmd.output().expect("run minwon-hub check-config");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn assert_every_known_connector_configured(text: &str, what: &str) {
    let t: toml::Table = text.parse().unwrap();
    let tables = t
        .get("connectors")
        .and_then(toml::Value::as_table)
        .unwrap_or_else(|| panic!("{what}: no [connectors]"));
    for name in minwon_hub::fanout::registry::KNOWN {
        assert!(
            tables.contains_key(*name),
            "{what}: the hub registers connector `{name}` but has no [connectors.{name}] table"
        );
    }
}

#[test]
fn configmap_hub_toml_passes_check_config() {
    let text = configmap_toml();
    assert_every_known_connector_configured(&text, "deploy/k8s/configmap.yaml");
    let mounts = FakeMounts::new();
    let path = mounts.dir.path().join("hub.toml");
    std::fs::write(&path, mounts.localize(&text)).unwrap();
    let (ok, out) = check_config(&path, &[]);
    assert!(ok, "check-config refused the ConfigMap's hub.toml:\n{out}");
    assert!(
        out.contains(&format!(
            "OK ({} connector(s))",
            minwon_hub::fanout::registry::KNOWN.len()
        )),
        "{out}"
    );
}

#[test]
fn deployment_env_names_are_config_overrides() {
    let c = hub_container(&hub_deployment());
    for e in c["env"].as_sequence().into_iter().flatten() {
        let name = str_at(&e["name"], "env name");
        if let Some(rest) = name.strip_prefix("MINWON_") {
            let ok = rest.contains("__")
                && rest.split("__").all(|p| {
                    !p.is_empty()
                        && p.bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                });
            assert!(ok, "{name} is not of the form MINWON_<SECTION>__<KEY>");
        }
    }
}

/// The ConfigMap with the Deployment's env overrides applied, as the pod runs it (Secret
/// values replaced by placeholders) — this is what proves the env names match the hub's
/// config keys (telemetry, admin port, PostgreSQL URL, checkpoint key, connector credentials).
#[test]
fn configmap_with_deployment_env_passes_check_config() {
    let mounts = FakeMounts::new();
    let path = mounts.dir.path().join("hub.toml");
    std::fs::write(&path, mounts.localize(&configmap_toml())).unwrap();
    let c = hub_container(&hub_deployment());
    let mut env = Vec::new();
    for e in c["env"].as_sequence().into_iter().flatten() {
        let name = str_at(&e["name"], "env name");
        if !name.starts_with("MINWON_") {
            continue;
        }
        let value = if let Some(v) = e["value"].as_str() {
            mounts.localize(v)
        } else if name.ends_with("POSTGRES_URL") {
            // Nothing listens on port 9: check-config must not need the database.
            "postgres://minwon:placeholder@127.0.0.1:9/minwon_audit".to_string()
        } else {
            "placeholder-credential".to_string()
        };
        env.push((name.to_string(), value));
    }
    let (ok, out) = check_config(&path, &env);
    assert!(
        ok,
        "check-config refused the ConfigMap with the Deployment's env {:?}:\n{out}",
        env.iter().map(|(k, _)| k).collect::<Vec<_>>()
    );
    // The store is named with its password masked; no credential is echoed.
    assert!(
        out.contains("audit store: PostgreSQL postgres://minwon:***@127.0.0.1:9/minwon_audit"),
        "{out}"
    );
    assert!(
        !out.contains("placeholder"),
        "a credential in the output: {out}"
    );
}

#[test]
fn example_config_passes_check_config() {
    // The example names the key files the demo writes in minwon-data/ at the repository
    // root; rebuild that layout in a temporary folder.
    let root = tempfile::tempdir().unwrap();
    let conf_dir = root.path().join("hub/config");
    let data = root.path().join("minwon-data");
    std::fs::create_dir_all(&conf_dir).unwrap();
    std::fs::create_dir_all(&data).unwrap();
    minwon_hub::config::keys::write_signing_key(
        &minwon_hub::config::keys::generate_signing_key(),
        &data.join("jwt-signing.pem"),
        &data.join("jwt-public.pem"),
    )
    .unwrap();
    minwon_hub::config::keys::generate_secret(&data.join("subject-hmac.key")).unwrap();
    minwon_hub::config::keys::write_signing_key(
        &minwon_hub::config::keys::generate_signing_key(),
        &data.join("checkpoint-signing.pem"),
        &data.join("checkpoint-public.pem"),
    )
    .unwrap();
    let text = read(&repo().join("hub/config/example.toml"));
    assert_every_known_connector_configured(&text, "hub/config/example.toml");
    let path = conf_dir.join("example.toml");
    std::fs::write(&path, &text).unwrap();
    let (ok, out) = check_config(&path, &[]);
    assert!(ok, "check-config refused hub/config/example.toml:\n{out}");
    assert!(!out.contains("warning:"), "{out}");
    // Checkpoints are on by default: without the key the config is refused, naming the way
    // out; turned off, it passes with a warning.
    std::fs::remove_file(data.join("checkpoint-signing.pem")).unwrap();
    let (ok, out) = check_config(&path, &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("checkpoint-signing.pem"), "{out}");
    let off = [("MINWON_AUDIT__CHECKPOINTS".to_string(), "false".to_string())];
    let (ok, out) = check_config(&path, &off);
    assert!(ok, "{out}");
    assert!(out.contains("warning: audit.checkpoints = false"), "{out}");
    // A knowledge sync from a connector that is not there is a config error naming the key.
    let (ok, out) = check_config(
        &path,
        &[
            off[0].clone(),
            (
                "MINWON_KNOWLEDGE__SYNC_FROM".to_string(),
                "\"parking\"".to_string(),
            ),
        ],
    );
    assert!(!ok && out.contains("knowledge.sync_from"), "{out}");
    // Every table the hub reads is present and documented.
    for table in [
        "[server]",
        "[auth]",
        "[audit]",
        "[fanout]",
        "[knowledge]",
        "[resilience.defaults]",
        "[resilience.defaults.breaker]",
        "[resilience.defaults.retry]",
        "# [resilience.overrides.",
        "# [server.tls]",
    ] {
        assert!(text.contains(table), "example.toml lacks {table}");
    }
}

// ─────────────────────────────────────────────────────────────────────────── Dockerfile

/// Dockerfile instructions, continuation lines joined, comments dropped.
fn dockerfile() -> Vec<String> {
    let text = read(&repo().join("deploy/Dockerfile"));
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        let t = line.trim();
        if cur.is_empty() && (t.is_empty() || t.starts_with('#')) {
            continue;
        }
        if let Some(head) = t.strip_suffix('\\') {
            cur.push_str(head);
            cur.push(' ');
        } else {
            cur.push_str(t);
            out.push(std::mem::take(&mut cur));
        }
    }
    out
}

fn dockerfile_user() -> u64 {
    let ins = dockerfile();
    let last_from = ins.iter().rposition(|i| i.starts_with("FROM ")).unwrap();
    let user = ins[last_from..]
        .iter()
        .rev()
        .find_map(|i| i.strip_prefix("USER "))
        .expect("the runtime stage sets USER");
    user.split(':')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("USER {user}: numeric, so runAsNonRoot can check it"))
}

#[test]
fn dockerfile_builds_the_ci_binary_into_a_non_root_runtime() {
    let ins = dockerfile();
    let froms: Vec<&String> = ins.iter().filter(|i| i.starts_with("FROM ")).collect();
    assert!(froms.len() >= 2, "multi-stage: {froms:?}");
    assert!(
        froms[0].contains("rust:") && froms[0].to_lowercase().ends_with(" as builder"),
        "first stage is the Rust builder: {}",
        froms[0]
    );
    let build = ins
        .iter()
        .find(|i| i.starts_with("RUN ") && i.contains("cargo build"))
        .expect("a cargo build step");
    let words: Vec<&str> = build.split_whitespace().collect();
    // The package and binary CI builds and the e2e tests run.
    let pkg = env!("CARGO_PKG_NAME");
    assert!(
        words.windows(2).any(|w| w == ["-p", pkg]),
        "builds -p {pkg}: {build}"
    );
    for flag in ["--release", "--locked"] {
        assert!(words.contains(&flag), "cargo build {flag}: {build}");
    }
    let exe = Path::new(env!("CARGO_BIN_EXE_minwon-hub"))
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    assert!(
        build.contains(&format!("target/release/{exe}")),
        "copies target/release/{exe}"
    );
    // The runtime stage: only the binary from the builder, non-root, the right entry point.
    let runtime = &ins[ins.iter().rposition(|i| i.starts_with("FROM ")).unwrap()..];
    let copies: Vec<&String> = runtime.iter().filter(|i| i.starts_with("COPY ")).collect();
    assert_eq!(
        copies.len(),
        1,
        "runtime copies only the binary: {copies:?}"
    );
    assert!(
        copies[0].starts_with("COPY --from=builder ")
            && copies[0].ends_with(" /usr/local/bin/minwon-hub")
    );
    assert!(
        !runtime.iter().any(|i| i.starts_with("RUN ")),
        "no build steps in the runtime image"
    );
    assert_ne!(dockerfile_user(), 0);
    let find = |p: &str| {
        runtime
            .iter()
            .find_map(|i| i.strip_prefix(p))
            .map(str::trim)
    };
    assert_eq!(
        find("ENTRYPOINT "),
        Some(r#"["/usr/local/bin/minwon-hub"]"#)
    );
    assert_eq!(
        find("CMD "),
        Some(format!(r#"["serve", "--config", "{CONFIG_PATH}"]"#).as_str())
    );
    let exposed: Vec<&str> = find("EXPOSE ").unwrap().split_whitespace().collect();
    assert!(
        exposed.contains(&"50051") && exposed.contains(&"9464"),
        "{exposed:?}"
    );
    // The build context keeps what the build needs.
    let ignore = read(&repo().join("deploy/Dockerfile.dockerignore"));
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "proto",
        "connectors",
        "hub",
        "tests",
    ] {
        assert!(
            !ignore.lines().any(|l| l.trim() == needed),
            "Dockerfile.dockerignore must not exclude {needed}"
        );
    }
    assert!(ignore.lines().any(|l| l.trim() == "target"));
}
