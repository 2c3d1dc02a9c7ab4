//! End-to-end: the hub fits standard gRPC tooling — health checking, server reflection and
//! gRPC-Web from a browser-style HTTP/1.1 client with CORS.

mod support;

use minwon_proto::v1 as pb;
use prost::Message;
use support::Demo;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

#[tokio::test]
async fn health_reports_each_service() {
    let demo = Demo::start();
    let mut health = HealthClient::new(demo.channel().await);
    for service in [
        "",
        "minwon.v1.CitizenCaseService",
        "minwon.v1.KnowledgeService",
        "minwon.v1.DirectoryService",
    ] {
        let r = health
            .check(tonic_health::pb::HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap_or_else(|e| panic!("health of {service:?}: {e}"))
            .into_inner();
        assert_eq!(r.status, ServingStatus::Serving as i32, "{service:?}");
    }
    let e = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "no.such.Service".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::NotFound);
}

#[tokio::test]
async fn reflection_lists_every_service() {
    let demo = Demo::start();
    let mut client = ServerReflectionClient::new(demo.channel().await);
    let req = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = client
        .server_reflection_info(futures::stream::iter(vec![req]))
        .await
        .unwrap()
        .into_inner();
    let msg = stream.message().await.unwrap().expect("one answer");
    let Some(MessageResponse::ListServicesResponse(list)) = msg.message_response else {
        panic!("expected a service list");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for want in [
        "minwon.v1.CitizenCaseService",
        "minwon.v1.KnowledgeService",
        "minwon.v1.AuditService",
        "minwon.v1.ConnectorAdminService",
        "minwon.v1.DirectoryService",
        "grpc.health.v1.Health",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
}

/// The older `v1alpha` reflection protocol (Python's grpcio-reflection, Evans, Postman, older
/// grpcurl) answers the same list.
#[tokio::test]
async fn reflection_v1alpha_lists_every_service() {
    use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient as Alpha;
    use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest as AlphaRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse as AlphaResponse;
    let demo = Demo::start();
    let mut client = Alpha::new(demo.channel().await);
    let req = tonic_reflection::pb::v1alpha::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(AlphaRequest::ListServices(String::new())),
    };
    let mut stream = client
        .server_reflection_info(futures::stream::iter(vec![req]))
        .await
        .expect("v1alpha is served, not UNIMPLEMENTED")
        .into_inner();
    let msg = stream.message().await.unwrap().expect("one answer");
    let Some(AlphaResponse::ListServicesResponse(list)) = msg.message_response else {
        panic!("expected a service list");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for want in ["minwon.v1.CitizenCaseService", "grpc.health.v1.Health"] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
}

fn grpc_web_frame(msg: &impl Message) -> Vec<u8> {
    let body = msg.encode_to_vec();
    let mut out = vec![0u8];
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

#[tokio::test]
async fn grpc_web_over_http1_with_cors() {
    let origin = "https://counsel.example.go.kr";
    let demo = Demo::start_with_env(&[(
        "MINWON_SERVER__CORS_ALLOWED_ORIGINS",
        "[\"https://counsel.example.go.kr\"]",
    )]);
    let url = format!(
        "{}/minwon.v1.KnowledgeService/SearchKnowledge",
        demo.hub_url()
    );
    minwon_connector_sdk::tls::install_crypto_provider();
    let http = reqwest::Client::builder().http1_only().build().unwrap();
    // Preflight: the configured origin is allowed, with the gRPC-Web headers.
    let pre = http
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type,x-grpc-web",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(pre.headers()["access-control-allow-origin"], origin);
    // The call itself, as a browser's gRPC-Web client sends it.
    let req = pb::SearchKnowledgeRequest {
        query: "여권".into(),
        category: String::new(),
        limit: 3,
    };
    let resp = http
        .post(&url)
        .header("origin", origin)
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .header("authorization", format!("Bearer {}", demo.token("chatbot")))
        .body(grpc_web_frame(&req))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["access-control-allow-origin"], origin);
    let body = resp.bytes().await.unwrap();
    assert_eq!(body[0], 0, "first frame is the message");
    let len = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
    let answer = pb::SearchKnowledgeResponse::decode(&body[5..5 + len]).unwrap();
    assert!(answer.entries.iter().any(|e| e.question.contains("여권")));
    let trailers = String::from_utf8_lossy(&body[5 + len..]);
    assert!(trailers.contains("grpc-status:0"), "{trailers}");
    // Another origin gets no CORS grant.
    let other = http
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

/// The demo's counselor screen: its URL in demo-endpoints.json, its page and code with a
/// strict CSP naming the hub, and the hub's gRPC-Web open to exactly the screen's origin
/// (with the headers the screen and a chatbot send, and GetCase's audit id readable).
#[tokio::test]
async fn the_demo_serves_the_counselor_screen_and_its_origin_may_call_the_hub() {
    let demo = Demo::start();
    let screen = demo.endpoints["counselor_screen"]
        .as_str()
        .expect("counselor_screen in demo-endpoints.json")
        .to_string();
    let origin = screen.trim_end_matches('/').to_string();
    minwon_connector_sdk::tls::install_crypto_provider();
    let http = reqwest::Client::builder().http1_only().build().unwrap();
    let page = http.get(&screen).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(
        csp.contains(&format!("connect-src 'self' {};", demo.hub_url())),
        "{csp}"
    );
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(page.text().await.unwrap().contains(r#"src="/app.js""#));
    for (path, kind) in [
        ("app.js", "text/javascript"),
        ("app.css", "text/css"),
        ("favicon.svg", "image/svg+xml"),
    ] {
        let r = http.get(format!("{screen}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with(kind), "{path}: {ct}");
    }
    let config = http
        .get(format!("{screen}config.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let config: serde_json::Value = serde_json::from_str(&config).unwrap();
    assert_eq!(config["hub"], demo.hub_url());
    let url = format!("{}/minwon.v1.CitizenCaseService/GetCase", demo.hub_url());
    let pre = http
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", &origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type,x-grpc-web,x-user-agent,accept-language,x-minwon-citizen-token",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        pre.headers()["access-control-allow-origin"],
        origin.as_str()
    );
    let allowed = pre.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_string();
    for h in ["accept-language", "x-minwon-citizen-token"] {
        assert!(allowed.contains(h), "{h} not in {allowed}");
    }
    let call = http
        .post(&url)
        .header("origin", &origin)
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .body(grpc_web_frame(&pb::GetCaseRequest::default()))
        .send()
        .await
        .unwrap();
    let exposed = call.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(exposed.contains("x-minwon-audit-id"), "{exposed}");
}
