//! The OAuth2 token life cycle against the simulator over real HTTP, counted by the
//! simulator's own `/_sim/stats`: (a) one token for many calls, (b) a new token fetched
//! *before* the call once the old one is due (no 401 round trip), (c) a revoked token costs
//! one 401, one refresh and one retry, (d) a wrong secret is `Unauthorized` without the secret
//! in any text, (e) concurrent callers share one refresh.

use minwon_connector_sdk::sim::{Fault, FaultMode, Population, SimHandle, set_fault};
use minwon_connector_sdk::{CallContext, CitizenKeys, Connector, ErrorKind, Rrn};
use minwon_connector_welfare::sim::{SimOptions, SimStats, fetch_stats, revoke_tokens};
use minwon_connector_welfare::{ClientSecret, TokenAuth, WelfareConfig, WelfareConnector};
use std::sync::Arc;
use std::time::Duration;

async fn sim(options: SimOptions) -> SimHandle {
    minwon_connector_welfare::sim::start_with(
        Population::default_demo(),
        ([127, 0, 0, 1], 0).into(),
        options,
    )
    .await
    .unwrap()
}

fn config(sim: &SimHandle, skew_ms: u64) -> WelfareConfig {
    let mut cfg = WelfareConfig::new(sim.base_url());
    cfg.token_expiry_skew_ms = skew_ms;
    cfg
}

fn keys(i: usize) -> CitizenKeys {
    let rrn = Population::default_demo().citizens()[i].rrn.clone();
    CitizenKeys {
        rrn: Some(Rrn::parse(&rrn).unwrap()),
        ..CitizenKeys::default()
    }
}

fn ctx() -> CallContext {
    CallContext::with_budget(Duration::from_secs(5))
}

async fn stats(sim: &SimHandle) -> SimStats {
    fetch_stats(&sim.base_url()).await.unwrap()
}

#[tokio::test]
async fn a_token_is_reused_across_many_calls() {
    let sim = sim(SimOptions::default()).await;
    let conn = WelfareConnector::new(config(&sim, 30_000)).unwrap();
    for i in 0..10 {
        let cases = conn.fetch_cases(&keys(i % 5), &ctx()).await.unwrap();
        conn.get_case(&cases[0].native_id, &ctx()).await.unwrap();
    }
    let s = stats(&sim).await;
    assert_eq!(
        (s.tokens_issued, s.api_calls, s.rejected_tokens),
        (1, 20, 0)
    );
}

#[tokio::test]
async fn an_expiring_token_is_replaced_before_the_call_without_a_401() {
    // 2 s tokens; the 30 s skew is capped at half the lifetime, so a token serves 1 s.
    let sim = sim(SimOptions {
        token_ttl_secs: 2,
        ..SimOptions::default()
    })
    .await;
    let conn = WelfareConnector::new(config(&sim, 30_000)).unwrap();
    conn.fetch_cases(&keys(0), &ctx()).await.unwrap();
    conn.fetch_cases(&keys(1), &ctx()).await.unwrap();
    assert_eq!(stats(&sim).await.tokens_issued, 1, "reused within its life");
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    conn.fetch_cases(&keys(2), &ctx()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2_100)).await; // fully expired
    conn.fetch_cases(&keys(3), &ctx()).await.unwrap();
    let s = stats(&sim).await;
    assert_eq!(s.tokens_issued, 3);
    assert_eq!(s.rejected_tokens, 0, "never sent a lapsed token");
    assert_eq!(s.api_calls, 4);
}

#[tokio::test]
async fn a_revoked_token_costs_one_401_one_refresh_and_one_retry() {
    let sim = sim(SimOptions::default()).await;
    let conn = WelfareConnector::new(config(&sim, 30_000)).unwrap();
    let before = conn.fetch_cases(&keys(0), &ctx()).await.unwrap();
    revoke_tokens(&sim.base_url()).await.unwrap();
    let after = conn.fetch_cases(&keys(0), &ctx()).await.unwrap();
    assert_eq!(before, after);
    let s = stats(&sim).await;
    assert_eq!((s.tokens_issued, s.rejected_tokens, s.api_calls), (2, 1, 2));
    // The refreshed token is cached like any other.
    conn.get_case(&after[0].native_id, &ctx()).await.unwrap();
    assert_eq!(stats(&sim).await.tokens_issued, 2);
}

#[tokio::test]
async fn a_wrong_client_secret_is_unauthorized_and_never_shown() {
    const SECRET: &str = "Wr0ng-Secret-Value-9";
    let sim = sim(SimOptions::default()).await;
    for auth in [TokenAuth::ClientSecretPost, TokenAuth::ClientSecretBasic] {
        let mut cfg = config(&sim, 30_000);
        cfg.client_secret = ClientSecret::new(SECRET);
        cfg.token_auth = auth;
        let built = cfg.build().unwrap();
        let e = built
            .connector
            .fetch_cases(&keys(0), &ctx())
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unauthorized, "{e}");
        assert!(!e.kind.counts_as_failure());
        let h = built.health.check(&ctx()).await.unwrap_err();
        assert_eq!(
            h.kind,
            ErrorKind::Unauthorized,
            "refused credentials mean down"
        );
        for text in [
            format!("{e} {e:?} {h} {h:?}"),
            format!("{cfg:?}"),
            format!("{:?}", WelfareConnector::new(cfg.clone()).unwrap()),
        ] {
            assert!(!text.contains(SECRET), "secret leaked: {text}");
            assert!(!text.contains("minwon-demo-welfare-secret"));
        }
    }
    let s = stats(&sim).await;
    assert_eq!((s.tokens_issued, s.api_calls), (0, 0));
    assert_eq!(s.token_refusals, 4);
}

#[tokio::test]
async fn basic_client_authentication_works_too() {
    let sim = sim(SimOptions {
        client_secret: "s p/a=c+e:s".into(),
        ..SimOptions::default()
    })
    .await;
    let mut cfg = config(&sim, 30_000);
    cfg.client_secret = ClientSecret::new("s p/a=c+e:s");
    cfg.token_auth = TokenAuth::ClientSecretBasic;
    let built = cfg.build().unwrap();
    built.health.check(&ctx()).await.unwrap();
    assert!(
        !built
            .connector
            .fetch_cases(&keys(0), &ctx())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(stats(&sim).await.tokens_issued, 1);
}

#[tokio::test]
async fn a_scope_the_server_does_not_grant_is_unauthorized() {
    let sim = sim(SimOptions::default()).await;
    let mut cfg = config(&sim, 30_000);
    cfg.scope = "welfare.write".into();
    let e = cfg
        .build()
        .unwrap()
        .connector
        .fetch_cases(&keys(0), &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized);
    assert!(e.message.contains("invalid_scope"), "{e}");
}

#[tokio::test]
async fn concurrent_callers_share_one_refresh() {
    let sim = sim(SimOptions {
        token_delay: Duration::from_millis(300),
        ..SimOptions::default()
    })
    .await;
    let conn = Arc::new(WelfareConnector::new(config(&sim, 30_000)).unwrap());
    let burst = |conn: Arc<WelfareConnector>| async move {
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let conn = conn.clone();
                tokio::spawn(async move { conn.fetch_cases(&keys(i % 5), &ctx()).await })
            })
            .collect();
        for t in tasks {
            assert!(!t.await.unwrap().unwrap().is_empty());
        }
    };
    burst(conn.clone()).await;
    assert_eq!(
        stats(&sim).await.tokens_issued,
        1,
        "cold start: one token for 20"
    );
    revoke_tokens(&sim.base_url()).await.unwrap();
    burst(conn.clone()).await;
    let s = stats(&sim).await;
    assert_eq!(s.tokens_issued, 2, "after revocation: one refresh for all");
    assert_eq!(s.api_calls, 40);
    assert!(s.rejected_tokens <= 20, "each caller saw at most one 401");
}

#[tokio::test]
async fn in_band_api_errors_with_a_warm_token_count_as_failures() {
    let sim = sim(SimOptions::default()).await;
    let conn = WelfareConnector::new(config(&sim, 30_000)).unwrap();
    conn.fetch_cases(&keys(0), &ctx()).await.unwrap();
    let base = sim.base_url();
    let set = |mode| set_fault(&base, Fault { mode, delay_ms: 0 });
    set(FaultMode::EnvelopeError).await.unwrap();
    let e = conn.fetch_cases(&keys(0), &ctx()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable, "E500 in HTTP 200: {e}");
    assert!(e.message.contains("E500"), "{e}");
    set(FaultMode::Malformed).await.unwrap();
    let e = conn.fetch_cases(&keys(0), &ctx()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    set(FaultMode::None).await.unwrap();
    conn.fetch_cases(&keys(0), &ctx()).await.unwrap();
    assert_eq!(
        stats(&sim).await.tokens_issued,
        1,
        "faults do not burn the token"
    );
}
