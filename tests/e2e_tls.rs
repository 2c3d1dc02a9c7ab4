//! End-to-end: TLS on the gRPC port, and mutual TLS for service-to-service callers, with
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
