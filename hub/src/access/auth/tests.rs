//! Tests of [`super`]: the local issuer, JWKS issuers (EdDSA, ES256, RS256, rotation), claim
//! mapping, time rules and the address throttle.
//!
//! `testdata/rsa-test-key.pem` is a throwaway 2048-bit key made with openssl for these tests
//! only (ring, the hub's crypto, cannot generate RSA keys); `rsa-test-key.jwk.json` holds its
//! public modulus and exponent.

use super::issuer::IssuerConfig;
use super::*;
use base64::Engine;
use jsonwebtoken::EncodingKey;
use serde_json::{Value, json};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

fn pair() -> (TokenMinter, Authenticator, ed25519_dalek::SigningKey) {
    let k = crate::config::keys::generate_signing_key();
    (
        TokenMinter::new(&k, "minwon-hub", "minwon-hub").unwrap(),
        Authenticator::new(&k.verifying_key().to_bytes(), "minwon-hub", "minwon-hub", 0),
        k,
    )
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn err(a: &Authenticator, token: &str) -> String {
    a.verify(token, String::new())
        .await
        .expect_err("refused")
        .message()
        .to_string()
}

#[tokio::test]
async fn valid_token_becomes_principal() {
    let (m, a, _) = pair();
    let t = m
        .mint("c-001", Role::Counselor, None, Channel::Phone, 60)
        .unwrap();
    let p = a.verify(&t, "10.0.0.1".into()).await.unwrap();
    assert_eq!(
        (p.account.as_str(), p.role, p.channel),
        ("c-001", Role::Counselor, Channel::Phone)
    );
    assert!(p.citizen.is_none());
}

#[tokio::test]
async fn expired_forged_and_foreign_tokens_fail() {
    let (m, a, _) = pair();
    let expired = m
        .mint("c", Role::Counselor, None, Channel::Phone, -120)
        .unwrap();
    assert!(err(&a, &expired).await.contains("expired"));
    let (other, _, _) = pair();
    let foreign = other
        .mint("c", Role::Admin, None, Channel::Web, 60)
        .unwrap();
    assert!(err(&a, &foreign).await.contains("signature"));
    let good = m
        .mint("c", Role::Counselor, None, Channel::Phone, 60)
        .unwrap();
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    let payload = String::from_utf8(B64.decode(&parts[1]).unwrap())
        .unwrap()
        .replace("counselor", "admin");
    parts[1] = B64.encode(payload);
    assert!(err(&a, &parts.join(".")).await.contains("signature"));
}

#[tokio::test]
async fn alg_none_and_hs256_keyed_with_the_public_key_are_refused() {
    let (m, a, k) = pair();
    let good = m
        .mint("c", Role::Counselor, None, Channel::Phone, 60)
        .unwrap();
    let payload = good.split('.').nth(1).unwrap();
    let none = format!("{}.{payload}.", B64.encode(r#"{"alg":"none","typ":"JWT"}"#));
    assert!(err(&a, &none).await.contains("algorithm"));
    let claims = json!({"sub":"c","role":"admin","channel":"web","iss":"minwon-hub","aud":"minwon-hub","exp": now() + 60,"iat": now()});
    // The classic confusion: HMAC keyed with the public key, in raw and PEM form.
    let pem = {
        use ed25519_dalek::pkcs8::{EncodePublicKey, spki::der::pem::LineEnding};
        k.verifying_key().to_public_key_pem(LineEnding::LF).unwrap()
    };
    for secret in [k.verifying_key().to_bytes().to_vec(), pem.into_bytes()] {
        let hs = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&secret),
        )
        .unwrap();
        assert!(matches!(
            a.verify(&hs, String::new()).await.unwrap_err(),
            AuthError::Unauthenticated(_)
        ));
    }
}

fn signed_local(k: &ed25519_dalek::SigningKey, claims: &Value) -> String {
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    let der = k.to_pkcs8_der().unwrap();
    jsonwebtoken::encode(
        &Header::new(Algorithm::EdDSA),
        claims,
        &EncodingKey::from_ed_der(der.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn nbf_iat_and_lifetime_are_honoured() {
    let (_, a, k) = pair();
    let base = json!({"sub":"c","role":"counselor","channel":"phone","iss":"minwon-hub","aud":"minwon-hub"});
    let with = |extra: Value| {
        let mut c = base.clone();
        c.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        signed_local(&k, &c)
    };
    let t = now();
    assert!(
        err(
            &a,
            &with(json!({"exp": t + 7200, "nbf": t + 3600, "iat": t}))
        )
        .await
        .contains("nbf")
    );
    assert!(
        err(&a, &with(json!({"exp": t + 7200, "iat": t + 3600})))
            .await
            .contains("iat")
    );
    assert!(
        err(&a, &with(json!({"exp": t + 13 * 3600, "iat": t})))
            .await
            .contains("lifetime"),
        "over the 12 h staff maximum"
    );
    assert!(
        err(&a, &with(json!({"exp": t + 13 * 3600})))
            .await
            .contains("lifetime"),
        "without iat the remaining lifetime counts"
    );
    assert!(
        err(&a, &with(json!({"iat": t}))).await.contains("exp"),
        "exp required"
    );
    a.verify(
        &with(json!({"exp": t + 3600, "nbf": t, "iat": t})),
        String::new(),
    )
    .await
    .expect("a current token");
    let long = with(json!({"exp": t + 6 * 86400, "iat": t}));
    let relaxed = Authenticator::new(&k.verifying_key().to_bytes(), "minwon-hub", "minwon-hub", 0)
        .with_max_lifetime(7 * 86400);
    relaxed
        .verify(&long, String::new())
        .await
        .expect("the demo's 7-day lifetime");
}

#[tokio::test]
async fn officer_needs_dept_and_roles_are_closed() {
    let (m, a, k) = pair();
    let t = m.mint("o", Role::Officer, None, Channel::Web, 60).unwrap();
    assert!(err(&a, &t).await.contains("dept"));
    let t = m
        .mint("o", Role::Officer, Some("tax"), Channel::Web, 60)
        .unwrap();
    assert_eq!(
        a.verify(&t, String::new())
            .await
            .unwrap()
            .department
            .as_deref(),
        Some("tax")
    );
    let citizen = signed_local(
        &k,
        &json!({"sub":"x","role":"citizen","channel":"web","iss":"minwon-hub","aud":"minwon-hub","exp": now() + 60}),
    );
    assert!(
        err(&a, &citizen).await.contains("role"),
        "staff issuers mint no citizens"
    );
}

/// A JWKS issuer over a file, with three keys of the three algorithms.
struct Provider {
    dir: tempfile::TempDir,
    ed: ed25519_dalek::SigningKey,
    ec_pem: String,
    ec_jwk: Value,
}

impl Provider {
    fn new() -> Provider {
        let ec = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let raw = ec.public_key_raw();
        let ec_jwk = json!({"kty":"EC","crv":"P-256","kid":"ec-1","use":"sig",
            "x": B64.encode(&raw[1..33]), "y": B64.encode(&raw[33..65])});
        Provider {
            dir: tempfile::tempdir().unwrap(),
            ed: crate::config::keys::generate_signing_key(),
            ec_pem: ec.serialize_pem(),
            ec_jwk,
        }
    }

    fn ed_jwk(&self, kid: &str) -> Value {
        json!({"kty":"OKP","crv":"Ed25519","kid": kid, "x": B64.encode(self.ed.verifying_key().to_bytes())})
    }

    fn rsa_jwk() -> Value {
        let ne: Value =
            serde_json::from_str(include_str!("testdata/rsa-test-key.jwk.json")).unwrap();
        json!({"kty":"RSA","kid":"rsa-1","alg":"RS256","n": ne["n"], "e": ne["e"]})
    }

    fn publish(&self, keys: Vec<Value>) -> std::path::PathBuf {
        let p = self.dir.path().join("jwks.json");
        std::fs::write(&p, json!({ "keys": keys }).to_string()).unwrap();
        p
    }

    fn sign(&self, alg: Algorithm, kid: &str, claims: &Value) -> String {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        let key = match alg {
            Algorithm::EdDSA => {
                EncodingKey::from_ed_der(self.ed.to_pkcs8_der().unwrap().as_bytes())
            }
            Algorithm::ES256 => EncodingKey::from_ec_pem(self.ec_pem.as_bytes()).unwrap(),
            Algorithm::RS256 => {
                EncodingKey::from_rsa_pem(include_bytes!("testdata/rsa-test-key.pem")).unwrap()
            }
            _ => unreachable!("the tests sign with the three accepted algorithms"),
        };
        let mut h = Header::new(alg);
        h.kid = Some(kid.to_string());
        jsonwebtoken::encode(&h, claims, &key).unwrap()
    }
}

const SSO: &str = "https://sso.gimpo.go.kr/realms/minwon";

fn keycloak_claims(roles: &[&str]) -> Value {
    json!({"iss": SSO, "aud": ["account", "minwon-hub"], "sub": "8d1c-uuid",
        "preferred_username": "kim.counsel", "exp": now() + 300, "iat": now(),
        "realm_access": {"roles": roles}, "org": {"dept": "세정과"}, "channel": "dong"})
}

async fn sso_auth(jwks: &std::path::Path, extra: &str) -> Authenticator {
    let cfg: IssuerConfig = toml::from_str(&format!(
        "issuer = \"{SSO}\"\naudiences = [\"minwon-hub\"]\njwks_file = \"{}\"\nroles_claim = \"realm_access.roles\"\naccount_claim = \"preferred_username\"\ndepartment_claim = \"org.dept\"\n{extra}",
        jwks.display()
    ))
    .unwrap();
    cfg.validate("auth.issuers[0]").unwrap();
    let (_, local, _) = pair();
    let a = local.with_issuers(vec![cfg.build(0).unwrap()]);
    a.load_keys().await.unwrap();
    a
}

#[tokio::test]
async fn keycloak_tokens_of_every_allowed_algorithm_map_to_the_principal() {
    let p = Provider::new();
    let jwks = p.publish(vec![
        p.ed_jwk("ed-1"),
        p.ec_jwk.clone(),
        Provider::rsa_jwk(),
    ]);
    let a = sso_auth(&jwks, "").await;
    for (alg, kid) in [
        (Algorithm::EdDSA, "ed-1"),
        (Algorithm::ES256, "ec-1"),
        (Algorithm::RS256, "rsa-1"),
    ] {
        let t = p.sign(alg, kid, &keycloak_claims(&["offline_access", "officer"]));
        let pr = a
            .verify(&t, String::new())
            .await
            .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
        assert_eq!(pr.account, "kim.counsel");
        assert_eq!(pr.role, Role::Officer);
        assert_eq!(pr.department.as_deref(), Some("세정과"));
        assert_eq!(pr.channel, Channel::Dong);
    }
    // Algorithms outside the issuer's allowlist are refused even with a valid signature.
    let only_ed = sso_auth(&jwks, "algorithms = [\"EdDSA\"]\n").await;
    let t = p.sign(Algorithm::RS256, "rsa-1", &keycloak_claims(&["counselor"]));
    assert!(err(&only_ed, &t).await.contains("allowed"));
    // A token signed by a key under another key's kid.
    let t = p.sign(Algorithm::ES256, "rsa-1", &keycloak_claims(&["counselor"]));
    assert!(matches!(
        a.verify(&t, String::new()).await.unwrap_err(),
        AuthError::Unauthenticated(_)
    ));
    // Wrong audience.
    let mut c = keycloak_claims(&["counselor"]);
    c["aud"] = json!("account");
    assert!(
        err(&a, &p.sign(Algorithm::EdDSA, "ed-1", &c))
            .await
            .contains("audience")
    );
}

#[tokio::test]
async fn rotated_keys_work_without_restart_and_dropped_keys_stop() {
    let p = Provider::new();
    let jwks = p.publish(vec![p.ec_jwk.clone()]);
    let a = sso_auth(&jwks, "").await;
    let claims = keycloak_claims(&["counselor"]);
    let old = p.sign(Algorithm::ES256, "ec-1", &claims);
    a.verify(&old, String::new()).await.expect("the first key");
    // Rotation: the provider adds a new key and drops the old one.
    p.publish(vec![p.ed_jwk("ed-2")]);
    let new = p.sign(Algorithm::EdDSA, "ed-2", &claims);
    a.verify(&new, String::new())
        .await
        .expect("an unknown kid triggers a refresh");
    // The old token was cached before; the new key set is a new generation, so the cache no
    // longer vouches for it and its key is gone.
    assert!(err(&a, &old).await.contains("no longer"));
}

#[tokio::test]
async fn forged_tokens_naming_an_account_never_lock_it() {
    let (m, a, _) = pair();
    let a = a.with_throttle(
        3,
        std::time::Duration::from_secs(60),
        std::time::Duration::from_secs(300),
    );
    let (forger, _, _) = pair();
    let forged = forger
        .mint("counselor-01", Role::Counselor, None, Channel::Phone, 60)
        .unwrap();
    let real = m
        .mint("counselor-01", Role::Counselor, None, Channel::Phone, 60)
        .unwrap();
    let attacker: std::net::IpAddr = "10.9.9.9".parse().unwrap();
    let desk: std::net::IpAddr = "10.0.0.15".parse().unwrap();
    for _ in 0..10 {
        assert!(
            a.verify_from(&forged, Some(attacker), String::new())
                .await
                .is_err()
        );
    }
    a.verify_from(&real, Some(desk), String::new())
        .await
        .expect("the real counselor is never locked out by someone else's forgeries");
    let e = a
        .verify_from(&real, Some(attacker), String::new())
        .await
        .expect("a token verified before still passes a throttled address");
    assert_eq!(e.account, "counselor-01");
    let other = m
        .mint("counselor-02", Role::Counselor, None, Channel::Phone, 60)
        .unwrap();
    assert!(
        matches!(
            a.verify_from(&other, Some(attacker), String::new())
                .await
                .unwrap_err(),
            AuthError::Throttled { .. }
        ),
        "new tokens from the throttled address are not checked"
    );
}
