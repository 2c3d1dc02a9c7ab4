//! The network side of deploy/k8s: NetworkPolicies (ingress to the hub only from front-ends
//! and Prometheus, egress only to DNS, PostgreSQL, the collector and the back-ends; the
//! in-cluster PostgreSQL and collector answer the hub only), the TLS certificate's Secret and
//! its optional cert-manager `Certificate`, the optional `PodMonitor`, and the mounts of the
//! trust material for back-ends.

use super::*;

/// The label a namespace or pod carries to be let in as a front-end.
const FRONT_END_LABEL: &str = "minwon-hub/front-end";

fn policy(name: &str) -> Value {
    object("NetworkPolicy", name)
}

fn pod_labels(kind: &str, name: &str) -> serde_yaml::Mapping {
    object(kind, name)["spec"]["template"]["metadata"]["labels"]
        .as_mapping()
        .unwrap_or_else(|| panic!("{kind} {name}: pod labels"))
        .clone()
}

/// Whether `selector`'s matchLabels all hold on `labels` (and it selects something).
fn selects(selector: &Value, labels: &serde_yaml::Mapping) -> bool {
    selector["matchLabels"]
        .as_mapping()
        .is_some_and(|m| !m.is_empty() && m.iter().all(|(k, v)| labels.get(k) == Some(v)))
}

/// `(port, protocol)` of every entry of a rule's `ports` (protocol TCP when unset).
fn ports(rule: &Value) -> Vec<(u64, String)> {
    seq(&rule["ports"], "rule ports")
        .iter()
        .map(|p| {
            (
                p["port"].as_u64().expect("numeric port"),
                p["protocol"].as_str().unwrap_or("TCP").to_string(),
            )
        })
        .collect()
}

fn peers<'a>(rule: &'a Value, key: &str) -> &'a Vec<Value> {
    let peers = seq(&rule[key], key);
    assert!(!peers.is_empty(), "an empty `{key}` would allow everyone");
    peers
}

#[test]
fn the_hub_accepts_front_ends_and_prometheus_only() {
    let np = policy("minwon-hub");
    let hub = pod_labels("Deployment", "minwon-hub");
    assert!(
        selects(&np["spec"]["podSelector"], &hub),
        "selects the hub's pods"
    );
    let types: Vec<&str> = seq(&np["spec"]["policyTypes"], "policyTypes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(types, ["Ingress", "Egress"]);
    let c = hub_container(&hub_deployment());
    let (grpc, metrics, health) = (
        container_port(&c, "grpc"),
        container_port(&c, "metrics"),
        container_port(&c, "health"),
    );
    let mut grpc_rules = 0;
    for rule in seq(&np["spec"]["ingress"], "ingress") {
        let rule_ports: Vec<u64> = ports(rule).into_iter().map(|(p, _)| p).collect();
        assert!(
            !rule_ports.contains(&health),
            "the plaintext probe port is reached by the kubelet only"
        );
        for peer in peers(rule, "from") {
            assert!(peer["ipBlock"].is_null(), "ingress by label, not address");
        }
        if rule_ports.contains(&grpc) {
            grpc_rules += 1;
            assert_eq!(rule_ports, [grpc], "front-ends get the gRPC port only");
            for peer in peers(rule, "from") {
                let labelled = ["namespaceSelector", "podSelector"]
                    .iter()
                    .any(|k| peer[*k]["matchLabels"][FRONT_END_LABEL].as_str() == Some("true"));
                assert!(
                    labelled,
                    "every gRPC peer is a labelled front-end: {peer:?}"
                );
            }
        } else {
            assert_eq!(rule_ports, [metrics], "the only other ingress: Prometheus");
            for peer in peers(rule, "from") {
                assert!(
                    !peer["namespaceSelector"].is_null() && !peer["podSelector"].is_null(),
                    "Prometheus by namespace AND pod: {peer:?}"
                );
            }
        }
    }
    assert_eq!(grpc_rules, 1, "one rule admits the front-ends");
}

#[test]
fn the_hub_reaches_only_dns_postgres_the_collector_and_the_back_ends() {
    let np = policy("minwon-hub");
    let postgres = pod_labels("StatefulSet", "postgres");
    let collector = pod_labels("Deployment", "otel-collector");
    let collector_grpc = seq(
        &object("Service", "otel-collector")["spec"]["ports"],
        "ports",
    )
    .iter()
    .find(|p| p["name"].as_str() == Some("otlp-grpc"))
    .and_then(|p| p["port"].as_u64())
    .expect("collector OTLP/gRPC port");
    let mut seen = BTreeSet::new();
    for rule in seq(&np["spec"]["egress"], "egress") {
        let to = peers(rule, "to");
        let rule_ports = ports(rule);
        let numbers: BTreeSet<u64> = rule_ports.iter().map(|(p, _)| *p).collect();
        let what = match numbers.iter().copied().collect::<Vec<_>>().as_slice() {
            [53] => {
                let protocols: BTreeSet<&str> =
                    rule_ports.iter().map(|(_, p)| p.as_str()).collect();
                assert_eq!(
                    protocols,
                    BTreeSet::from(["TCP", "UDP"]),
                    "DNS over UDP and TCP"
                );
                for peer in to {
                    assert_eq!(
                        peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                            .as_str(),
                        Some("kube-system")
                    );
                    assert_eq!(
                        peer["podSelector"]["matchLabels"]["k8s-app"].as_str(),
                        Some("kube-dns")
                    );
                }
                "dns"
            }
            [5432] => {
                assert!(
                    to.iter().any(|p| selects(&p["podSelector"], &postgres)),
                    "the in-cluster PostgreSQL"
                );
                "postgres"
            }
            [p] if *p == collector_grpc => {
                assert!(to.iter().all(|p| selects(&p["podSelector"], &collector)));
                "collector"
            }
            [443] => {
                for peer in to {
                    assert!(!peer["ipBlock"]["cidr"].is_null(), "back-ends by address");
                    assert_ne!(peer["ipBlock"]["cidr"].as_str(), Some("0.0.0.0/0"));
                }
                "back-ends"
            }
            other => panic!("unexpected egress to ports {other:?}"),
        };
        assert!(seen.insert(what), "one rule per destination: {what}");
    }
    assert_eq!(
        seen,
        BTreeSet::from(["back-ends", "collector", "dns", "postgres"])
    );
}

#[test]
fn postgres_and_the_collector_answer_the_hub_only() {
    let hub = pod_labels("Deployment", "minwon-hub");
    for (name, kind, expected) in [
        ("postgres", "StatefulSet", vec![5432]),
        ("otel-collector", "Deployment", vec![4317, 4318]),
    ] {
        let np = policy(name);
        assert!(
            selects(&np["spec"]["podSelector"], &pod_labels(kind, name)),
            "{name}: selects its pods"
        );
        let ingress = seq(&np["spec"]["ingress"], "ingress");
        assert_eq!(ingress.len(), 1, "{name}: one ingress rule");
        for peer in peers(&ingress[0], "from") {
            assert!(
                selects(&peer["podSelector"], &hub) && peer["namespaceSelector"].is_null(),
                "{name}: only the hub's pods, this namespace: {peer:?}"
            );
        }
        let got: Vec<u64> = ports(&ingress[0]).into_iter().map(|(p, _)| p).collect();
        assert_eq!(got, expected, "{name}: ports");
    }
}

fn optional_doc(file: &str) -> Value {
    let docs = yaml_docs(&k8s_dir().join("optional").join(file));
    assert_eq!(docs.len(), 1, "{file}: one object");
    docs[0].clone()
}

#[test]
fn the_tls_certificate_comes_from_a_required_secret_cert_manager_can_issue() {
    let dep = hub_deployment();
    let pod = &dep["spec"]["template"]["spec"];
    let volume = seq(&pod["volumes"], "volumes")
        .iter()
        .find(|v| v["name"].as_str() == Some("tls"))
        .expect("a tls volume");
    let secret = str_at(&volume["secret"]["secretName"], "tls secretName");
    assert_ne!(
        volume["secret"]["optional"].as_bool(),
        Some(true),
        "without its certificate the TLS port cannot start: the Secret is required"
    );
    let c = hub_container(&dep);
    let mount = seq(&c["volumeMounts"], "mounts")
        .iter()
        .find(|m| m["name"].as_str() == Some("tls"))
        .and_then(|m| m["mountPath"].as_str())
        .expect("tls mounted");
    let cfg: toml::Table = configmap_toml().parse().unwrap();
    for key in ["cert_file", "key_file"] {
        let path = cfg["server"]["tls"][key].as_str().unwrap();
        assert!(path.starts_with(&format!("{mount}/")), "{key} = {path}");
    }
    // cert-manager writes exactly that Secret, for the names front-ends use.
    let cert = optional_doc("certificate.yaml");
    assert_eq!(cert["kind"].as_str(), Some("Certificate"));
    assert_eq!(cert["apiVersion"].as_str(), Some("cert-manager.io/v1"));
    assert_eq!(cert["spec"]["secretName"].as_str(), Some(secret));
    let names: Vec<&str> = seq(&cert["spec"]["dnsNames"], "dnsNames")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for svc in [
        "minwon-hub.minwon.svc",
        "minwon-hub.minwon.svc.cluster.local",
    ] {
        assert!(names.contains(&svc), "{svc} in {names:?}");
    }
    assert!(cert["spec"]["issuerRef"]["name"].as_str().is_some());
    // Needs the cert-manager CRD: documented, not applied by default.
    assert!(
        !kustomization_resources()
            .iter()
            .any(|r| r.contains("certificate"))
    );
    assert!(read(&repo().join("deploy/README.md")).contains("optional/certificate.yaml"));
}

#[test]
fn prometheus_scrapes_the_pods_not_the_service() {
    let c = hub_container(&hub_deployment());
    let pm = optional_doc("podmonitor.yaml");
    assert_eq!(pm["kind"].as_str(), Some("PodMonitor"));
    assert!(selects(
        &pm["spec"]["selector"],
        &pod_labels("Deployment", "minwon-hub")
    ));
    let endpoint = &seq(&pm["spec"]["podMetricsEndpoints"], "endpoints")[0];
    let port = str_at(&endpoint["port"], "endpoint port");
    assert_eq!(container_port(&c, port), 9464);
    assert_eq!(endpoint["path"].as_str(), Some("/metrics"));
    assert!(
        !kustomization_resources()
            .iter()
            .any(|r| r.contains("podmonitor"))
    );
}

#[test]
fn trust_material_for_back_ends_is_mounted_where_the_commented_keys_point() {
    let dep = hub_deployment();
    let c = hub_container(&dep);
    let mounts = seq(&c["volumeMounts"], "mounts");
    let volumes = seq(&dep["spec"]["template"]["spec"]["volumes"], "volumes");
    // The keys another release of the SDK reads, commented in the ConfigMap until then.
    let text = configmap_toml();
    let mut found = 0;
    for line in text.lines() {
        let line = line.trim().trim_start_matches('#').trim();
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if ![
            "ca_file",
            "client_cert_file",
            "client_key_file",
            "postgres_ca_file",
        ]
        .contains(&key)
        {
            continue;
        }
        found += 1;
        let path = value.trim().trim_matches('"');
        let mount = mounts
            .iter()
            .find(|m| path.starts_with(&format!("{}/", m["mountPath"].as_str().unwrap())))
            .unwrap_or_else(|| panic!("{key} = {path}: not under a mount"));
        assert_eq!(mount["readOnly"].as_bool(), Some(true), "{path}");
        let volume = volumes
            .iter()
            .find(|v| v["name"] == mount["name"])
            .expect("the mount's volume");
        assert!(
            !volume["secret"]["secretName"].is_null(),
            "{path} from a Secret"
        );
        // Optional: the pod starts before a city CA or client certificate exists.
        assert_eq!(volume["secret"]["optional"].as_bool(), Some(true), "{path}");
    }
    assert!(
        found >= 4,
        "the trust keys are shown in the ConfigMap ({found})"
    );
}

#[test]
fn the_readme_documents_back_end_and_database_tls_and_the_audit_service_as_it_is() {
    let readme = read(&repo().join("deploy/README.md"));
    let section = readme
        .split("## Back-ends over HTTPS with the city CA")
        .nth(1)
        .expect("a section on back-ends over HTTPS");
    let section = section.split("\n## ").next().unwrap();
    for key in [
        "ca_file",
        "client_cert_file",
        "client_key_file",
        "allow_plaintext",
        "minwon-city-ca",
        "minwon-backend-client",
    ] {
        assert!(
            section.contains(key),
            "the back-end TLS section names {key}"
        );
    }
    let pg = readme
        .split("## PostgreSQL over TLS")
        .nth(1)
        .expect("a section on PostgreSQL over TLS");
    for word in ["verify-full", "postgres_ca_file", "prefer", "disable"] {
        assert!(pg.contains(word), "the PostgreSQL TLS section names {word}");
    }
    // AuditService answers; the README must not say otherwise.
    assert!(
        !readme.contains("UNIMPLEMENTED` until"),
        "stale AuditService note"
    );
}
