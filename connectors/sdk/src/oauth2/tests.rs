//! Unit tests of the OAuth2 module: the answer table, and the cache's expiry, skew, rejection,
//! single-flight and refresh-once rules on paused time (no network).

use super::wire::{DEFAULT_EXPIRES_IN_SECS, MAX_EXPIRES_IN_SECS};
use super::*;
use crate::ErrorKind;
use crate::http::RawResponse;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::time::Instant;

fn raw(status: u16, body: &str) -> RawResponse {
    RawResponse {
        status,
        content_type: Some("application/json".into()),
        retry_after: None,
        body: body.as_bytes().to_vec(),
    }
}

fn issued(secs: u64) -> IssuedToken {
    IssuedToken {
        access_token: format!("tok{secs}").into(),
        expires_in: Duration::from_secs(secs),
    }
}

fn far() -> Instant {
    Instant::now() + Duration::from_secs(3600)
}

fn cache(skew: Duration) -> TokenCache {
    TokenCache::new("test", skew)
}

#[test]
fn a_good_answer_gives_the_token_and_its_lifetime() {
    let t = read_token_response(&raw(
        200,
        r#"{"access_token":"abc.DEF-1~+/=","token_type":"bearer","expires_in":300}"#,
    ))
    .unwrap();
    assert_eq!(t.access_token.expose(), "abc.DEF-1~+/=");
    assert_eq!(t.expires_in, Duration::from_secs(300));
    let t = read_token_response(&raw(200, r#"{"access_token":"a","expires_in":"45"}"#)).unwrap();
    assert_eq!(t.expires_in, Duration::from_secs(45));
    let t = read_token_response(&raw(200, r#"{"access_token":"a"}"#)).unwrap();
    assert_eq!(t.expires_in, Duration::from_secs(DEFAULT_EXPIRES_IN_SECS));
    let t = read_token_response(&raw(200, r#"{"access_token":"a","expires_in":1e30}"#)).unwrap();
    assert_eq!(t.expires_in, Duration::from_secs(MAX_EXPIRES_IN_SECS));
    assert!(!format!("{t:?}").contains("\"a\""));
}

#[test]
fn refusals_are_unauthorized_and_name_only_the_code() {
    let body = r#"{"error":"invalid_client","error_description":"secret hunter2 is wrong"}"#;
    for status in [400, 401, 403] {
        let e = read_token_response(&raw(status, body)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unauthorized);
        assert!(e.message.contains("invalid_client") && !e.message.contains("hunter2"));
        assert!(!e.kind.counts_as_failure());
    }
    let e = read_token_response(&raw(200, body)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized, "{e}");
}

#[test]
fn server_trouble_is_unavailable_and_odd_statuses_never_read_as_not_found() {
    for (status, body, kind) in [
        (500, "<html>oops</html>", ErrorKind::Unavailable),
        (503, "", ErrorKind::Unavailable),
        (404, "not here", ErrorKind::Unavailable),
        (302, "", ErrorKind::Unavailable),
        (429, "", ErrorKind::RateLimited),
        (504, "", ErrorKind::Timeout),
        (
            200,
            r#"{"error":"temporarily_unavailable"}"#,
            ErrorKind::Unavailable,
        ),
        (200, r#"{"error":"server_error"}"#, ErrorKind::Unavailable),
        (200, r#"{"error":"something_new"}"#, ErrorKind::Unavailable),
        (200, r#"{"error":"slow_down"}"#, ErrorKind::RateLimited),
    ] {
        let e = read_token_response(&raw(status, body)).unwrap_err();
        assert_eq!(e.kind, kind, "{status} {body}");
    }
}

#[test]
fn unusable_tokens_are_bad_response() {
    for body in [
        "not json",
        "[]",
        r#"{"token_type":"Bearer"}"#,
        r#"{"access_token":42}"#,
        r#"{"access_token":""}"#,
        r#"{"access_token":"a b"}"#,
        r#"{"access_token":"a\r\nX-Evil: 1"}"#,
        r#"{"access_token":"a","token_type":"mac"}"#,
        r#"{"access_token":"a","expires_in":-5}"#,
        r#"{"access_token":"a","expires_in":"soon"}"#,
        r#"{"access_token":"a","expires_in":[1]}"#,
    ] {
        let e = read_token_response(&raw(200, body)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse, "{body}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_token_is_reused_until_shortly_before_expiry() {
    let cache = cache(Duration::from_secs(30));
    let fetches = AtomicUsize::new(0);
    let fetch = || async {
        fetches.fetch_add(1, Ordering::SeqCst);
        Ok(issued(300))
    };
    let first = cache.get(far(), None, fetch).await.unwrap();
    for _ in 0..10 {
        assert_eq!(cache.get(far(), None, fetch).await.unwrap(), first);
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    // The cached token and the issued one never show in Debug.
    for text in [
        format!("{cache:?}"),
        format!("{first:#?}"),
        format!("{:?}", issued(300)),
    ] {
        assert!(!text.contains("tok300"), "{text}");
    }
    tokio::time::advance(Duration::from_secs(269)).await;
    assert_eq!(cache.get(far(), None, fetch).await.unwrap(), first);
    tokio::time::advance(Duration::from_secs(2)).await; // 271 s: inside the 30 s skew
    let second = cache.get(far(), None, fetch).await.unwrap();
    assert_eq!(
        (second.generation(), fetches.load(Ordering::SeqCst)),
        (2, 2)
    );
}

#[tokio::test(start_paused = true)]
async fn the_skew_is_capped_at_half_a_short_lifetime() {
    let cache = cache(Duration::from_secs(30));
    let fetches = AtomicUsize::new(0);
    let fetch = || async {
        fetches.fetch_add(1, Ordering::SeqCst);
        Ok(issued(10))
    };
    cache.get(far(), None, fetch).await.unwrap();
    tokio::time::advance(Duration::from_secs(4)).await;
    cache.get(far(), None, fetch).await.unwrap();
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "10 s token reused for 5 s"
    );
    tokio::time::advance(Duration::from_secs(2)).await;
    cache.get(far(), None, fetch).await.unwrap();
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn only_the_rejected_token_is_dropped() {
    let cache = cache(Duration::ZERO);
    let fetch = || async { Ok(issued(300)) };
    let t1 = cache.get(far(), None, fetch).await.unwrap();
    let t2 = cache.get(far(), Some(&t1), fetch).await.unwrap();
    assert_eq!(t2.generation(), 2);
    // A late caller reporting the old token gets the new one, not a third.
    let again = cache.get(far(), Some(&t1), fetch).await.unwrap();
    assert_eq!(again, t2);
}

#[tokio::test(start_paused = true)]
async fn concurrent_callers_share_one_refresh() {
    let cache = Arc::new(cache(Duration::ZERO));
    let fetches = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tokio::spawn(async move {
                cache
                    .get(far(), None, || async {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        Ok(issued(300))
                    })
                    .await
                    .unwrap()
                    .generation()
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), 1);
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_failed_or_abandoned_refresh_leaves_the_next_caller_free_to_retry() {
    let cache = cache(Duration::ZERO);
    let e = cache
        .get(far(), None, || async {
            Err(ConnectorError::unavailable("token endpoint down"))
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable);
    let hang = cache.get(
        far(),
        None,
        std::future::pending::<Result<IssuedToken, ConnectorError>>,
    );
    assert!(
        tokio::time::timeout(Duration::from_secs(1), hang)
            .await
            .is_err()
    );
    let t = cache
        .get(far(), None, || async { Ok(issued(60)) })
        .await
        .unwrap();
    assert_eq!(t.generation(), 1);
}

#[tokio::test(start_paused = true)]
async fn waiting_for_someone_elses_refresh_ends_at_my_deadline() {
    let cache = Arc::new(cache(Duration::ZERO));
    let holder = {
        let cache = cache.clone();
        tokio::spawn(async move {
            cache
                .get(far(), None, || async {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    Ok(issued(60))
                })
                .await
        })
    };
    tokio::task::yield_now().await;
    let soon = Instant::now() + Duration::from_millis(300);
    let e = cache
        .get(soon, None, || async { Ok(issued(60)) })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout);
    holder.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_rejected_token_is_refreshed_once_and_the_call_retried_once() {
    let cache = cache(Duration::ZERO);
    let fetches = AtomicUsize::new(0);
    let fetch = || async {
        let n = fetches.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(issued(300 + n as u64))
    };
    // The first token is refused, the second accepted.
    let seen = std::sync::Mutex::new(Vec::new());
    let answer = cache
        .call(far(), fetch, |t: Bearer| {
            seen.lock().unwrap().push(t.generation());
            async move {
                if t.generation() == 1 {
                    Err(CallError::TokenRejected)
                } else {
                    Ok("data")
                }
            }
        })
        .await
        .unwrap();
    assert_eq!(answer, "data");
    assert_eq!(*seen.lock().unwrap(), [1, 2]);
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    // Refused twice: Unauthorized after exactly one refresh, the token in no message.
    let attempts = AtomicUsize::new(0);
    let e = cache
        .call(far(), fetch, |_| {
            attempts.fetch_add(1, Ordering::SeqCst);
            async { Err::<(), _>(CallError::TokenRejected) }
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized);
    assert!(!e.to_string().contains("tok30"), "{e}");
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
    assert_eq!(fetches.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn other_failures_pass_through_without_a_refresh() {
    let cache = cache(Duration::ZERO);
    let fetches = AtomicUsize::new(0);
    let fetch = || async {
        fetches.fetch_add(1, Ordering::SeqCst);
        Ok(issued(300))
    };
    let e = cache
        .call(far(), fetch, |_| async {
            Err::<(), _>(CallError::Failed(ConnectorError::not_found(
                "no such record",
            )))
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_refused_client_never_reaches_the_api() {
    let cache = cache(Duration::ZERO);
    let attempts = AtomicUsize::new(0);
    let e = cache
        .call(
            far(),
            || async {
                Err(ConnectorError::new(
                    ErrorKind::Unauthorized,
                    "token endpoint answered HTTP 401 (invalid_client)",
                ))
            },
            |_| {
                attempts.fetch_add(1, Ordering::SeqCst);
                async { Ok(()) }
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized);
    assert_eq!(attempts.load(Ordering::SeqCst), 0);
}

#[test]
fn basic_credentials_are_form_encoded_then_base64() {
    let req = TokenRequest {
        url: "http://x/oauth2/token".into(),
        client_id: "hub:1".into(),
        client_secret: Credential::new("a b/="),
        scope: String::new(),
        auth: TokenAuth::ClientSecretBasic,
    };
    let header = req.basic_header();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(header.strip_prefix("Basic ").unwrap())
        .unwrap();
    assert_eq!(String::from_utf8(decoded).unwrap(), "hub%3A1:a+b%2F%3D");
    assert!(!format!("{req:?}").contains("a b/="));
}
