//! End-to-end: TLS on the gRPC port, mutual TLS for service-to-service callers, and HTTPS from
//! the hub to back-ends (a city CA bundle, client certificates, refused certificates), with
//! certificates made by the test (a private CA, a server certificate for localhost, a client
//! certificate); the plaintext health-only port the kubelet's probes use beside a TLS port;
//! and TLS to PostgreSQL ([`pg_tls`]).

mod pg_tls;
mod support;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use std::path::Path;
use support::Demo;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};
use tonic_health::pb::health_client::HealthClient;

struct Pki {
    ca: String,
    server: (String, String),
    client: (String, String),
    /// A certificate of the same CA for a host that is not `localhost`.
    other_host: (String, String),
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf = |names: Vec<String>| {
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(names)
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        (cert.pem(), key.serialize_pem())
    };
    Pki {
        ca: ca.pem(),
        server: leaf(vec!["localhost".into()]),
        client: leaf(vec!["counsel-desktop.gimpo.internal".into()]),
        other_host: leaf(vec!["traffic.gimpo.go.kr".into()]),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

async fn tls_channel(
    demo: &Demo,
    ca: &str,
    identity: Option<&(String, String)>,
) -> Result<Channel, tonic::transport::Error> {
    let port = demo.endpoints["hub"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(ca))
        .domain_name("localhost");
    if let Some((cert, key)) = identity {
        tls = tls.identity(Identity::from_pem(cert, key));
    }
    Channel::from_shared(format!("https://localhost:{port}"))
        .unwrap()
        .tls_config(tls)?
        .connect()
        .await
}

async fn healthy(ch: Channel) -> bool {
    HealthClient::new(ch)
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .is_ok()
}

#[tokio::test]
async fn tls_and_mutual_tls_on_the_grpc_port() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki();
    let (cert, key, ca) = (
        write(dir.path(), "hub.crt", &pki.server.0),
        write(dir.path(), "hub.key", &pki.server.1),
        write(dir.path(), "ca.crt", &pki.ca),
    );

    // TLS: a TLS client that trusts the CA gets in; plaintext does not.
    let demo = Demo::start_with_env(&[
        ("MINWON_SERVER__TLS__CERT_FILE", &cert),
        ("MINWON_SERVER__TLS__KEY_FILE", &key),
    ]);
    let ch = tls_channel(&demo, &pki.ca, None)
        .await
        .expect("TLS handshake");
    assert!(healthy(ch).await);
    let plain = Channel::from_shared(demo.hub_url())
        .unwrap()
        .connect()
        .await;
    assert!(
        match plain {
            Ok(ch) => !healthy(ch).await,
            Err(_) => true,
        },
        "plaintext is refused on a TLS port"
    );
    drop(demo);

    // Mutual TLS: a client certificate from the CA is required.
    let demo = Demo::start_with_env(&[
        ("MINWON_SERVER__TLS__CERT_FILE", &cert),
        ("MINWON_SERVER__TLS__KEY_FILE", &key),
        ("MINWON_SERVER__TLS__CLIENT_CA_FILE", &ca),
    ]);
    let anonymous = match tls_channel(&demo, &pki.ca, None).await {
        Ok(ch) => healthy(ch).await,
        Err(_) => false,
    };
    assert!(!anonymous, "no client certificate, no service");
    let ch = tls_channel(&demo, &pki.ca, Some(&pki.client))
        .await
        .expect("mTLS handshake");
    assert!(healthy(ch).await);
}

/// Back-ends over HTTPS, with simulators serving TLS in this process under certificates made
/// here: tax with the city CA in `http.ca_file` answers; parking requires a client certificate
/// and gets the hub's; traffic's certificate is for another host, welfare's from a CA nobody
/// trusts, water requires a client certificate the hub does not have — each is refused with a
/// detail saying what to fix, while the other sources (and Saeol over plain loopback HTTP)
/// still answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_ends_over_https_with_the_city_ca_and_client_certificates() {
    use minwon_connector_sdk::sim::{FaultSwitch, Population, SimHandle, tls_server_config};
    use minwon_proto::v1 as pb;
    use std::net::SocketAddr;
    use support::{authed, query_full, state_of};

    let dir = tempfile::tempdir().unwrap();
    let city = pki();
    let rogue = pki();
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    let pop = Population::default_demo();
    let serve = |router: axum::Router, cert: &(String, String), client_ca: Option<&str>| {
        let tls = tls_server_config(&cert.0, &cert.1, client_ca).unwrap();
        SimHandle::serve_tls(router, any, tls)
    };
    let tax = serve(
        minwon_connector_tax::sim::router(&pop, Default::default(), FaultSwitch::default()),
        &city.server,
        None,
    )
    .await
    .unwrap();
    let parking = serve(
        minwon_connector_parking::sim::router(&pop, Default::default(), FaultSwitch::default()),
        &city.server,
        Some(&city.ca),
    )
    .await
    .unwrap();
    let traffic = serve(
        minwon_connector_traffic::sim::router(&pop, Default::default(), FaultSwitch::default()),
        &city.other_host,
        None,
    )
    .await
    .unwrap();
    let welfare = serve(
        minwon_connector_welfare::sim::router(&pop, Default::default(), FaultSwitch::default()),
        &rogue.server,
        None,
    )
    .await
    .unwrap();
    let water = serve(
        minwon_connector_water::sim::router(
            &pop,
            Default::default(),
            FaultSwitch::default(),
            Default::default(),
        ),
        &city.server,
        Some(&city.ca),
    )
    .await
    .unwrap();

    let ca = write(dir.path(), "city-ca.pem", &city.ca);
    let client_cert = write(dir.path(), "hub-client.pem", &city.client.0);
    let client_key = write(dir.path(), "hub-client-key.pem", &city.client.1);
    let mut env: Vec<(String, String)> = vec![];
    for (name, sim) in [
        ("TAX", &tax),
        ("PARKING", &parking),
        ("TRAFFIC", &traffic),
        ("WELFARE", &welfare),
        ("WATER", &water),
    ] {
        env.push((
            format!("MINWON_CONNECTORS__{name}__BASE_URL"),
            sim.base_url(),
        ));
        env.push((
            format!("MINWON_CONNECTORS__{name}__HTTP__CA_FILE"),
            ca.clone(),
        ));
    }
    env.push((
        "MINWON_CONNECTORS__PARKING__HTTP__CLIENT_CERT_FILE".into(),
        client_cert,
    ));
    env.push((
        "MINWON_CONNECTORS__PARKING__HTTP__CLIENT_KEY_FILE".into(),
        client_key,
    ));
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let demo = tokio::task::block_in_place(|| Demo::start_with_env(&env_refs));

    let citizen = demo.full_citizen();
    let mut client =
        pb::citizen_case_service_client::CitizenCaseServiceClient::new(demo.channel().await);
    let o = client
        .get_citizen_overview(authed(query_full(&citizen), &demo.token("counselor")))
        .await
        .expect("a partial answer, not an error")
        .into_inner();
    let detail = |source: &str| {
        o.sources
            .iter()
            .find(|s| s.source == source)
            .map(|s| s.detail.clone())
            .unwrap_or_default()
    };
    for ok in ["tax", "parking", "saeol"] {
        assert_eq!(
            state_of(&o, ok),
            pb::SourceState::Ok,
            "{ok}: {}",
            detail(ok)
        );
        assert!(
            o.cases.iter().any(|c| c.source == ok),
            "{ok} returned its cases"
        );
    }
    for (source, says) in [
        ("traffic", "certificate is for another host"),
        ("welfare", "certificate not trusted"),
        ("water", "client certificate"),
    ] {
        assert_eq!(
            state_of(&o, source),
            pb::SourceState::Unavailable,
            "{source}: {}",
            detail(source)
        );
        assert!(
            detail(source).contains(says),
            "{source}: {} {}",
            detail(source),
            demo.log()
        );
    }
    for v in support::personal_values(&citizen) {
        for s in &o.sources {
            assert!(
                !s.detail.contains(&v),
                "no personal data in a source detail"
            );
        }
    }
}

async fn health_status(ch: Channel, service: &str) -> Result<i32, tonic::Status> {
    HealthClient::new(ch)
        .check(tonic_health::pb::HealthCheckRequest {
            service: service.to_string(),
        })
        .await
        .map(|r| r.into_inner().status)
}

#[tokio::test]
async fn probes_reach_a_plaintext_health_only_port_beside_the_tls_port() {
    use tonic_health::pb::health_check_response::ServingStatus;
    let dir = tempfile::tempdir().unwrap();
    let pki = pki();
    let (cert, key) = (
        write(dir.path(), "hub.crt", &pki.server.0),
        write(dir.path(), "hub.key", &pki.server.1),
    );
    let demo = Demo::start_with_env(&[
        ("MINWON_SERVER__TLS__CERT_FILE", &cert),
        ("MINWON_SERVER__TLS__KEY_FILE", &key),
        ("MINWON_SERVER__HEALTH_LISTEN", "127.0.0.1:0"),
    ]);
    let health_addr = demo.endpoints["health"].as_str().unwrap().to_string();
    assert!(!health_addr.is_empty(), "the demo names the health port");
    let probe = Channel::from_shared(format!("http://{health_addr}"))
        .unwrap()
        .connect()
        .await
        .expect("plaintext to the health port");
    // The statuses the kubelet asks for, as on the TLS port.
    let tls = tls_channel(&demo, &pki.ca, None).await.unwrap();
    for service in ["", "minwon.v1.CitizenCaseService"] {
        let plain = health_status(probe.clone(), service).await.unwrap();
        assert_eq!(plain, ServingStatus::Serving as i32, "{service:?}");
        assert_eq!(health_status(tls.clone(), service).await.unwrap(), plain);
    }
    // Nothing but health: no personal-data service, no reflection.
    let mut cases =
        minwon_proto::v1::citizen_case_service_client::CitizenCaseServiceClient::new(probe.clone());
    let err = cases
        .get_citizen_overview(support::authed(
            support::query_rrn("900101-1234567"),
            &demo.token("counselor"),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unimplemented, "{err:?}");
    let mut knowledge =
        minwon_proto::v1::knowledge_service_client::KnowledgeServiceClient::new(probe);
    let err = knowledge
        .search_knowledge(minwon_proto::v1::SearchKnowledgeRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unimplemented, "{err:?}");
}
