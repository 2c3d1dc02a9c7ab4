//! `Retry-After` honoured within the caller's deadline, against the simulator over HTTP: a 429
//! or 503 is waited out only when the wait fits before the deadline, otherwise the call fails
//! at once as `RateLimited` / `Unavailable` with the back-end's `Retry-After` kept.
//!
//! Timings use a 1 s `Retry-After` with budgets well above and below it, and compare elapsed
//! time against it with generous slack; no test pins an exact duration.

use minwon_connector_sdk::sim::{Fault, FaultMode, Population, SimHandle, set_fault};
use minwon_connector_sdk::{
    BuiltConnector, CallContext, CitizenKeys, ConnectorError, ErrorKind, WaterCustomerNo,
};
use minwon_connector_water::WaterConfig;
use minwon_connector_water::sim::{
    Maintenance, SimOptions, Throttle, get_throttle, set_maintenance, set_throttle,
};
use std::time::{Duration, Instant};

const SECOND: Duration = Duration::from_secs(1);

async fn sim(options: SimOptions) -> SimHandle {
    let pop = Population::default_demo();
    minwon_connector_water::sim::start_with(pop, ([127, 0, 0, 1], 0).into(), options)
        .await
        .unwrap()
}

fn build(base_url: &str, edit: impl FnOnce(&mut WaterConfig)) -> BuiltConnector {
    let mut cfg = WaterConfig::new(base_url);
    edit(&mut cfg);
    cfg.build().unwrap()
}

/// Fetches citizen 0's bills with `budget`; the result and the time it took.
async fn fetch(
    built: &BuiltConnector,
    budget: Duration,
) -> (Result<usize, ConnectorError>, Duration) {
    let no = Population::default_demo().citizens()[0]
        .water_customer_no
        .clone();
    let keys = CitizenKeys {
        water_customer_no: Some(WaterCustomerNo::parse(&no).unwrap()),
        ..CitizenKeys::default()
    };
    let start = Instant::now();
    let r = built
        .connector
        .fetch_cases(&keys, &CallContext::with_budget(budget))
        .await;
    (r.map(|c| c.len()), start.elapsed())
}

async fn throttle(sim: &SimHandle, count: u32, retry_after_s: Option<u64>) {
    let t = Throttle {
        count,
        retry_after_s,
    };
    set_throttle(&sim.base_url(), t).await.unwrap();
}

async fn maintenance(sim: &SimHandle, on: bool, retry_after_s: Option<u64>) {
    let m = Maintenance { on, retry_after_s };
    set_maintenance(&sim.base_url(), m).await.unwrap();
}

#[tokio::test]
async fn a_429_whose_retry_after_fits_the_deadline_is_waited_out_and_succeeds() {
    let sim = sim(SimOptions::default()).await;
    let built = build(&sim.base_url(), |_| {});
    throttle(&sim, 1, Some(1)).await;
    let (r, took) = fetch(&built, Duration::from_secs(5)).await;
    assert_eq!(r.unwrap(), 12);
    assert!(took >= SECOND * 9 / 10, "waited the Retry-After: {took:?}");
    assert_eq!(get_throttle(&sim.base_url()).await.unwrap().count, 0);
}

#[tokio::test]
async fn a_429_whose_retry_after_outlasts_the_deadline_is_rate_limited_at_once() {
    let sim = sim(SimOptions::default()).await;
    let built = build(&sim.base_url(), |_| {});
    throttle(&sim, 1, Some(1)).await;
    let (r, took) = fetch(&built, Duration::from_millis(800)).await;
    let e = r.unwrap_err();
    assert_eq!(
        (e.kind, e.retry_after),
        (ErrorKind::RateLimited, Some(SECOND))
    );
    assert!(e.message.contains("deadline"), "{e}");
    assert!(took < SECOND / 2, "gave up without waiting: {took:?}");

    throttle(&sim, 1, Some(30)).await;
    let (r, took) = fetch(&built, Duration::from_secs(5)).await;
    let e = r.unwrap_err();
    assert_eq!(e.retry_after, Some(Duration::from_secs(30)));
    assert!(took < SECOND * 2, "{took:?}");
}

#[tokio::test]
async fn a_second_wait_that_no_longer_fits_ends_the_call_before_the_deadline() {
    let sim = sim(SimOptions::default()).await;
    let built = build(&sim.base_url(), |_| {});
    throttle(&sim, 2, Some(1)).await;
    let budget = Duration::from_millis(1_600);
    let (r, took) = fetch(&built, budget).await;
    assert_eq!(r.unwrap_err().kind, ErrorKind::RateLimited);
    assert!(took >= SECOND * 9 / 10, "the first wait fitted: {took:?}");
    assert!(took < budget, "never past the deadline: {took:?}");
    assert_eq!(get_throttle(&sim.base_url()).await.unwrap().count, 0);
}

#[tokio::test]
async fn retries_stop_at_max_retries() {
    let sim = sim(SimOptions::default()).await;
    let built = build(&sim.base_url(), |_| {});
    throttle(&sim, 10, Some(0)).await;
    let (r, _) = fetch(&built, Duration::from_secs(5)).await;
    let e = r.unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert!(e.message.contains("retries"), "{e}");
    let left = get_throttle(&sim.base_url()).await.unwrap().count;
    assert_eq!(left, 7, "one request and two retries");

    let built = build(&sim.base_url(), |c| c.max_retries = 0);
    let (r, _) = fetch(&built, Duration::from_secs(5)).await;
    assert_eq!(r.unwrap_err().kind, ErrorKind::RateLimited);
    assert_eq!(get_throttle(&sim.base_url()).await.unwrap().count, 6);
}

#[tokio::test]
async fn a_429_without_retry_after_backs_off_briefly_within_the_deadline() {
    let sim = sim(SimOptions::default()).await;
    let built = build(&sim.base_url(), |c| c.retry_default_backoff_ms = 100);
    throttle(&sim, 1, None).await;
    assert_eq!(fetch(&built, Duration::from_secs(5)).await.0.unwrap(), 12);

    let built = build(&sim.base_url(), |c| c.retry_default_backoff_ms = 2_000);
    throttle(&sim, 1, None).await;
    let (r, took) = fetch(&built, Duration::from_secs(1)).await;
    let e = r.unwrap_err();
    assert_eq!((e.kind, e.retry_after), (ErrorKind::RateLimited, None));
    assert!(took < SECOND / 2, "{took:?}");
}

#[tokio::test]
async fn maintenance_is_unavailable_with_retry_after_until_it_ends() {
    let sim = sim(SimOptions::default()).await;
    let built = build(&sim.base_url(), |_| {});
    maintenance(&sim, true, Some(60)).await;
    let (r, took) = fetch(&built, Duration::from_secs(5)).await;
    let e = r.unwrap_err();
    assert_eq!(
        (e.kind, e.retry_after),
        (ErrorKind::Unavailable, Some(Duration::from_secs(60)))
    );
    assert!(
        e.message.contains("503") && e.message.contains("maintenance"),
        "{e}"
    );
    assert!(took < SECOND * 2, "did not wait for 60 s: {took:?}");
    let ctx = CallContext::with_budget(Duration::from_secs(2));
    let e = built.health.check(&ctx).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable);

    maintenance(&sim, false, None).await;
    assert_eq!(fetch(&built, Duration::from_secs(5)).await.0.unwrap(), 12);
    built.health.check(&ctx).await.unwrap();
}

#[tokio::test]
async fn a_maintenance_window_ending_within_the_deadline_is_waited_out() {
    let sim = sim(SimOptions::default()).await;
    let built = build(&sim.base_url(), |_| {});
    maintenance(&sim, true, Some(1)).await;
    let base = sim.base_url();
    let ender = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let m = Maintenance {
            on: false,
            retry_after_s: None,
        };
        set_maintenance(&base, m).await.unwrap();
    });
    let (r, took) = fetch(&built, Duration::from_secs(5)).await;
    ender.await.unwrap();
    assert_eq!(r.unwrap(), 12);
    assert!(took >= SECOND * 9 / 10, "{took:?}");
}

#[tokio::test]
async fn a_503_without_retry_after_is_not_retried_here() {
    let sim = sim(SimOptions::default()).await;
    let built = build(&sim.base_url(), |_| {});
    maintenance(&sim, true, None).await;
    let (r, took) = fetch(&built, Duration::from_secs(5)).await;
    let e = r.unwrap_err();
    assert_eq!((e.kind, e.retry_after), (ErrorKind::Unavailable, None));
    assert!(took < SECOND, "{took:?}");
}

#[tokio::test]
async fn under_load_the_back_end_sheds_and_callers_with_time_wait() {
    let sim = sim(SimOptions {
        max_in_flight: 1,
        busy_retry_after_s: Some(1),
    })
    .await;
    let fault = Fault {
        mode: FaultMode::Slow,
        delay_ms: 600,
    };
    set_fault(&sim.base_url(), fault).await.unwrap();
    let built = build(&sim.base_url(), |_| {});
    let holder = fetch(&built, Duration::from_secs(5));
    let hurried = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        fetch(&built, Duration::from_millis(800)).await
    };
    let patient = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        fetch(&built, Duration::from_secs(5)).await
    };
    let ((held, _), (hurried, hurried_took), (patient, patient_took)) =
        tokio::join!(holder, hurried, patient);
    assert_eq!(held.unwrap(), 12);
    let e = hurried.unwrap_err();
    assert_eq!(
        (e.kind, e.retry_after),
        (ErrorKind::RateLimited, Some(SECOND))
    );
    assert!(hurried_took < SECOND / 2, "{hurried_took:?}");
    assert_eq!(patient.unwrap(), 12);
    assert!(patient_took >= SECOND * 9 / 10, "{patient_took:?}");
}
