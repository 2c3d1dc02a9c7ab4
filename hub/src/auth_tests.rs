//! Tests of [`super`].

use super::*;
use base64::Engine;

fn pair() -> (TokenMinter, Authenticator) {
    let k = crate::keys::generate_signing_key();
    (
        TokenMinter::new(&k, "minwon-hub", "minwon-hub").unwrap(),
        Authenticator::new(&k.verifying_key().to_bytes(), "minwon-hub", "minwon-hub", 0),
    )
}

#[test]
fn valid_token_becomes_principal() {
    let (m, a) = pair();
    let t = m
        .mint("c-001", Role::Counselor, None, Channel::Phone, 60)
        .unwrap();
    let p = a.verify(&t, "10.0.0.1".into()).unwrap();
    assert_eq!(
        (p.account.as_str(), p.role, p.channel),
        ("c-001", Role::Counselor, Channel::Phone)
    );
}

#[test]
fn expired_forged_and_foreign_tokens_fail() {
    let (m, a) = pair();
    let expired = m
        .mint("c", Role::Counselor, None, Channel::Phone, -120)
        .unwrap();
    assert!(
        a.verify(&expired, String::new())
            .unwrap_err()
            .message()
            .contains("expired")
    );
    let (other, _) = pair();
    let foreign = other
        .mint("c", Role::Admin, None, Channel::Web, 60)
        .unwrap();
    assert!(
        a.verify(&foreign, String::new())
            .unwrap_err()
            .message()
            .contains("signature")
    );
    // Tamper with the payload: signature no longer matches.
    let good = m
        .mint("c", Role::Counselor, None, Channel::Phone, 60)
        .unwrap();
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = String::from_utf8(b64.decode(&parts[1]).unwrap())
        .unwrap()
        .replace("counselor", "admin");
    parts[1] = b64.encode(payload);
    assert_eq!(
        a.verify(&parts.join("."), String::new())
            .unwrap_err()
            .code(),
        tonic::Code::Unauthenticated
    );
}

#[test]
fn alg_none_and_hs256_are_refused() {
    let (m, a) = pair();
    let good = m
        .mint("c", Role::Counselor, None, Channel::Phone, 60)
        .unwrap();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = good.split('.').nth(1).unwrap();
    let none = format!("{}.{payload}.", b64.encode(r#"{"alg":"none","typ":"JWT"}"#));
    assert_eq!(
        a.verify(&none, String::new()).unwrap_err().code(),
        tonic::Code::Unauthenticated
    );
    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &serde_json::json!({"sub":"c","role":"admin","channel":"web","iss":"minwon-hub","aud":"minwon-hub","exp": 4_000_000_000u64,"iat":0}),
        &EncodingKey::from_secret(b"guessable"),
    )
    .unwrap();
    assert!(
        a.verify(&hs, String::new())
            .unwrap_err()
            .message()
            .contains("EdDSA")
    );
}

#[test]
fn a_cached_token_still_expires() {
    let (m, a) = pair();
    let t = m
        .mint("c", Role::Counselor, None, Channel::Phone, 60)
        .unwrap();
    a.verify(&t, String::new()).unwrap();
    let now = chrono::Utc::now().timestamp() as u64;
    assert!(
        a.verified.get(&t, now, 0).is_some(),
        "verified once, then served from the cache"
    );
    assert!(
        a.verified.get(&t, now + 61, 0).is_none(),
        "past exp the cache no longer vouches"
    );
    assert!(a.verified.get("other", now, 0).is_none());
}

#[test]
fn officer_needs_dept_and_roles_are_closed() {
    let (m, a) = pair();
    let t = m.mint("o", Role::Officer, None, Channel::Web, 60).unwrap();
    assert!(
        a.verify(&t, String::new())
            .unwrap_err()
            .message()
            .contains("dept")
    );
    let t = m
        .mint("o", Role::Officer, Some("tax"), Channel::Web, 60)
        .unwrap();
    assert_eq!(
        a.verify(&t, String::new()).unwrap().department.as_deref(),
        Some("tax")
    );
}
