//! End-to-end, part of `e2e_auth`: the city's identity provider as a trusted issuer. The test
//! serves a Keycloak-shaped JWKS over HTTP itself, rotates it while the hub runs, and signs
//! tokens with EdDSA, ES256 and RS256 keys of its own (`hub/src/access/auth/testdata/rsa-test-key.pem`
//! is a throwaway test key).

use crate::support::{Demo, authed, query_rrn};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use minwon_connector_sdk::sim::SimHandle;
use minwon_proto::v1 as pb;
use pb::citizen_case_service_client::CitizenCaseServiceClient;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const SSO: &str = "https://sso.gimpo.go.kr/realms/minwon";
const CERTS: &str = "/realms/minwon/protocol/openid-connect/certs";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;
const RSA_PEM: &[u8] = include_bytes!("../../hub/src/access/auth/testdata/rsa-test-key.pem");
const RSA_JWK: &str = include_str!("../../hub/src/access/auth/testdata/rsa-test-key.jwk.json");

struct Keys {
    ed: ed25519_dalek::SigningKey,
    ec_pem: String,
    ec_jwk: Value,
}

impl Keys {
    fn new() -> Keys {
        let ec = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let raw = ec.public_key_raw();
        Keys {
            ed: minwon_hub::config::keys::generate_signing_key(),
            ec_jwk: json!({"kty":"EC","crv":"P-256","kid":"ec-1","use":"sig",
                "x": B64.encode(&raw[1..33]), "y": B64.encode(&raw[33..65])}),
            ec_pem: ec.serialize_pem(),
        }
    }

    fn rsa_jwk() -> Value {
        let ne: Value = serde_json::from_str(RSA_JWK).unwrap();
        json!({"kty":"RSA","kid":"rsa-1","alg":"RS256","use":"sig","n": ne["n"], "e": ne["e"]})
    }

    fn ed_jwk(&self) -> Value {
        json!({"kty":"OKP","crv":"Ed25519","kid":"ed-2","use":"sig",
            "x": B64.encode(self.ed.verifying_key().to_bytes())})
    }

    fn sign(&self, alg: Algorithm, kid: &str, claims: &Value) -> String {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        let key = match alg {
            Algorithm::EdDSA => {
                EncodingKey::from_ed_der(self.ed.to_pkcs8_der().unwrap().as_bytes())
            }
            Algorithm::ES256 => EncodingKey::from_ec_pem(self.ec_pem.as_bytes()).unwrap(),
            _ => EncodingKey::from_rsa_pem(RSA_PEM).unwrap(),
        };
        let mut h = Header::new(alg);
        h.kid = Some(kid.into());
        jsonwebtoken::encode(&h, claims, &key).unwrap()
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// What Keycloak issues for a realm user: roles under `realm_access.roles`, audience list.
fn keycloak(roles: &[&str], dept: Option<&str>) -> Value {
    let mut c = json!({"iss": SSO, "aud": ["account", "minwon-hub"], "sub": "f3a1c9e2-uuid",
        "preferred_username": "kim.counsel", "typ": "Bearer", "azp": "counsel-desktop",
        "exp": now() + 300, "iat": now(), "realm_access": {"roles": roles}});
    if let Some(d) = dept {
        c["dept"] = json!(d);
    }
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keycloak_tokens_verify_through_a_rotating_jwks() {
    let keys = Keys::new();
    let jwks = Arc::new(Mutex::new(
        json!({"keys": [keys.ec_jwk.clone(), Keys::rsa_jwk()]}).to_string(),
    ));
    let served = jwks.clone();
    let router = axum::Router::new().route(
        CERTS,
        axum::routing::get(move || {
            let body = served.lock().unwrap().clone();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    let idp = SimHandle::serve(router, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    // The city's provider beside the demo's own citizen verification issuer.
    let issuers = format!(
        "[{{issuer = \"{SSO}\", audiences = [\"minwon-hub\"], jwks_url = \"{}{CERTS}\", roles_claim = \"realm_access.roles\", account_claim = \"preferred_username\", default_channel = \"phone\"}}, {{issuer = \"{}\", audiences = [\"minwon-hub\"], kind = \"citizen\", jwks_file = \"citizen-jwks.json\", max_token_lifetime_secs = 604800, demo_signing_key_file = \"citizen-verify-signing.pem\"}}]",
        idp.base_url(),
        minwon_hub::demo::CITIZEN_ISSUER
    );
    let demo = tokio::task::block_in_place(|| {
        Demo::start_with_env(&[
            ("MINWON_AUTH__ISSUERS", issuers.as_str()),
            ("MINWON_AUTH__LOCKOUT_FAILURES", "0"),
        ])
    });
    let rrn = demo.full_citizen()["rrn"].as_str().unwrap().to_string();
    let client = CitizenCaseServiceClient::new(demo.channel().await);
    let ask = |token: String| {
        let mut client = client.clone();
        let rrn = rrn.clone();
        async move {
            client
                .get_citizen_overview(authed(query_rrn(&rrn), &token))
                .await
        }
    };

    // ES256 and RS256 from the provider, mapped from Keycloak's claims.
    let officer = keys.sign(
        Algorithm::ES256,
        "ec-1",
        &keycloak(&["offline_access", "officer"], Some("세정과")),
    );
    let o = ask(officer.clone())
        .await
        .expect("ES256 officer")
        .into_inner();
    let tax_clear = o.cases.iter().filter(|c| c.source == "tax").any(|c| {
        c.personal
            .as_ref()
            .is_some_and(|p| !p.name.is_empty() && !p.name.contains('*'))
    });
    assert!(
        tax_clear,
        "an officer of 세정과 sees the tax source's fields in clear"
    );
    let counselor = keys.sign(
        Algorithm::RS256,
        "rsa-1",
        &keycloak(&["counselor", "uma_authorization"], None),
    );
    ask(counselor).await.expect("RS256 counselor");
    let mut audit = pb::audit_service_client::AuditServiceClient::new(demo.channel().await);
    let mut recs = audit
        .query_access_records(authed(
            pb::QueryAccessRecordsRequest {
                account: "kim.counsel".into(),
                ..Default::default()
            },
            &demo.token("auditor"),
        ))
        .await
        .unwrap()
        .into_inner();
    let first = recs
        .message()
        .await
        .unwrap()
        .expect("the provider's account is recorded");
    assert_eq!(
        (
            first.role.as_str(),
            first.department.as_str(),
            first.channel.as_str()
        ),
        ("officer", "세정과", "phone")
    );

    // Rotation at the provider: a new EdDSA key, the old ones dropped. No restart.
    *jwks.lock().unwrap() = json!({"keys": [keys.ed_jwk()]}).to_string();
    let rotated = keys.sign(Algorithm::EdDSA, "ed-2", &keycloak(&["counselor"], None));
    ask(rotated)
        .await
        .expect("a new kid is fetched on first sight");
    let e = ask(officer).await.unwrap_err();
    assert_eq!(
        e.code(),
        tonic::Code::Unauthenticated,
        "a dropped key stops working"
    );

    // What the provider would never issue, or the hub never accepts.
    let mut future_nbf = keycloak(&["counselor"], None);
    future_nbf["nbf"] = json!(now() + 3600);
    future_nbf["exp"] = json!(now() + 7200);
    let mut future_iat = keycloak(&["counselor"], None);
    future_iat["iat"] = json!(now() + 3600);
    let mut too_long = keycloak(&["counselor"], None);
    too_long["exp"] = json!(now() + 13 * 3600);
    let payload = B64.encode(keycloak(&["admin"], None).to_string());
    let none = format!("{}.{payload}.", B64.encode(r#"{"alg":"none","typ":"JWT"}"#));
    let hs256 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &keycloak(&["admin"], None),
        &EncodingKey::from_secret(RSA_JWK.as_bytes()),
    )
    .unwrap();
    for (token, says) in [
        (keys.sign(Algorithm::EdDSA, "ed-2", &future_nbf), "nbf"),
        (keys.sign(Algorithm::EdDSA, "ed-2", &future_iat), "iat"),
        (keys.sign(Algorithm::EdDSA, "ed-2", &too_long), "lifetime"),
        (none, "algorithm"),
        (hs256, "algorithm"),
    ] {
        let e = ask(token).await.unwrap_err();
        assert_eq!(e.code(), tonic::Code::Unauthenticated, "{says}");
        assert!(e.message().contains(says), "{says}: {}", e.message());
    }
}
