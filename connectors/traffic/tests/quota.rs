//! Quota exhaustion against the real simulator, on both paths a portal uses: HTTP 200 with
//! result code 22, and HTTP 429 with `Retry-After`. Both are RateLimited — never success, never
//! "no fines" — count as a breaker failure, and keep `Retry-After` when the back-end gave one.

use minwon_connector_sdk::sim::{Fault, FaultMode, Population, SimHandle, set_fault};
use minwon_connector_sdk::{CallContext, CitizenKeys, Connector, ConnectorError, ErrorKind};
use minwon_connector_traffic::sim::{QuotaAnswer, SimOptions};
use minwon_connector_traffic::{TrafficConfig, TrafficConnector};
use std::time::Duration;

async fn sim(quota: u32, answer: QuotaAnswer) -> SimHandle {
    let options = SimOptions {
        quota: Some(quota),
        quota_answer: answer,
        ..SimOptions::default()
    };
    minwon_connector_traffic::sim::start_with(
        Population::default_demo(),
        ([127, 0, 0, 1], 0).into(),
        options,
    )
    .await
    .unwrap()
}

fn ctx() -> CallContext {
    CallContext::with_budget(Duration::from_secs(5))
}

/// The fines of citizen 0's first car (two pages at the default page size).
async fn fetch(sim: &SimHandle) -> Result<usize, ConnectorError> {
    let plate = Population::default_demo().citizens()[0].vehicle_numbers[0].clone();
    let keys = CitizenKeys::parse("", &[plate], "").unwrap();
    let conn = TrafficConnector::new(TrafficConfig::new(sim.base_url())).unwrap();
    conn.fetch_cases(&keys, &ctx()).await.map(|c| c.len())
}

fn assert_rate_limited(e: &ConnectorError, retry_after: Option<u64>) {
    assert_eq!(e.kind, ErrorKind::RateLimited, "{e}");
    assert!(e.kind.counts_as_failure());
    assert_eq!(e.retry_after, retry_after.map(Duration::from_secs), "{e}");
}

#[tokio::test]
async fn code_22_in_http_200_is_rate_limited_even_midway_through_paging() {
    // Page 1 is within the quota, page 2 is refused: the fines already read are not returned
    // as if they were all.
    let sim = sim(1, QuotaAnswer::ResultCode22).await;
    assert_rate_limited(&fetch(&sim).await.unwrap_err(), None);
    // And from the first request on.
    assert_rate_limited(&fetch(&sim).await.unwrap_err(), None);
}

#[tokio::test]
async fn http_429_is_rate_limited_with_its_retry_after() {
    let sim = sim(
        0,
        QuotaAnswer::TooManyRequests {
            retry_after_secs: Some(30),
        },
    )
    .await;
    assert_rate_limited(&fetch(&sim).await.unwrap_err(), Some(30));
    let sim = sim_no_header().await;
    assert_rate_limited(&fetch(&sim).await.unwrap_err(), None);
}

async fn sim_no_header() -> SimHandle {
    sim(
        0,
        QuotaAnswer::TooManyRequests {
            retry_after_secs: None,
        },
    )
    .await
}

#[tokio::test]
async fn a_gateway_alternating_both_answers_is_rate_limited_each_time() {
    let sim = sim(
        0,
        QuotaAnswer::Alternate {
            retry_after_secs: Some(12),
        },
    )
    .await;
    assert_rate_limited(&fetch(&sim).await.unwrap_err(), None);
    assert_rate_limited(&fetch(&sim).await.unwrap_err(), Some(12));
    assert_rate_limited(&fetch(&sim).await.unwrap_err(), None);
}

#[tokio::test]
async fn the_quota_counts_every_request_of_the_key_and_the_health_check_sees_it() {
    let sim = sim(
        3,
        QuotaAnswer::TooManyRequests {
            retry_after_secs: Some(60),
        },
    )
    .await;
    let built = TrafficConfig::new(sim.base_url()).build().unwrap();
    built
        .health
        .check(&ctx())
        .await
        .expect("request 1 is within the quota");
    assert_eq!(fetch(&sim).await.unwrap(), {
        // requests 2 and 3: both pages
        let pop = Population::default_demo();
        minwon_connector_traffic::sim::FineBook::new(&pop)
            .fines(&pop.citizens()[0].vehicle_numbers[0])
            .len()
    });
    let e = built.health.check(&ctx()).await.unwrap_err();
    assert_rate_limited(&e, Some(60));
    let bus = TrafficConfig::new(sim.base_url()).bus_client().unwrap();
    assert_rate_limited(&bus.route("60-3", &ctx()).await.unwrap_err(), Some(60));
}

#[tokio::test]
async fn the_fault_switchs_envelope_error_is_a_code_22_quota_error() {
    let sim = sim(1000, QuotaAnswer::ResultCode22).await;
    set_fault(
        &sim.base_url(),
        Fault {
            mode: FaultMode::EnvelopeError,
            delay_ms: 0,
        },
    )
    .await
    .unwrap();
    let e = fetch(&sim).await.unwrap_err();
    assert_rate_limited(&e, None);
    assert!(e.message.contains("22"), "{e}");
}
