//! Load generators: a closed loop (a fixed number of concurrent streams over a few HTTP/2
//! connections, each sending its next request as soon as the previous one answered) and an
//! open loop (a constant arrival rate, requests sent on schedule whatever the answers do).
//!
//! Every request is checked by the caller's closure; a failed check is counted as an error,
//! never a panic, and a run with errors is reported as failed.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tonic::transport::{Channel, Endpoint};

/// What one checked request produced.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Time from send to answer, in µs.
    pub e2e_us: u64,
    /// Time spent by the slowest back-end source as the hub reported it, in µs (0 if none).
    pub slowest_source_us: u64,
    /// Sources the hub fanned out to for this request.
    pub fanout: u32,
}

/// Result of a load run.
#[derive(Debug, Default, Clone)]
pub struct LoadReport {
    /// Checked, good answers inside the measured window.
    pub ok: u64,
    /// Bad answers (status, missing sources, wrong body) inside the window.
    pub errors: u64,
    /// The first error, for the report.
    pub first_error: Option<String>,
    /// Length of the measured window.
    pub elapsed: Duration,
    /// Requests the schedule asked for (open loop only).
    pub offered: u64,
    /// Samples of the good answers in the window.
    pub samples: Vec<Sample>,
}

impl LoadReport {
    /// Good answers per wall-clock second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Mean number of sources per answer.
    pub fn mean_fanout(&self) -> f64 {
        if self.samples.is_empty() {
            return 0.0;
        }
        self.samples.iter().map(|s| s.fanout as f64).sum::<f64>() / self.samples.len() as f64
    }

    fn merge(&mut self, other: LoadReport) {
        self.ok += other.ok;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.samples.extend(other.samples);
    }

    /// Counts one answer: `ok` (its sample kept when `keep_sample`) or the error.
    fn count(&mut self, result: Result<Sample, String>, keep_sample: bool) {
        match result {
            Ok(s) => {
                self.ok += 1;
                if keep_sample {
                    self.samples.push(s);
                }
            }
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }

    /// Waits for the load loops and adds up their reports; a loop that panicked is an error.
    async fn joined(tasks: Vec<tokio::task::JoinHandle<LoadReport>>) -> LoadReport {
        let mut total = LoadReport::default();
        for t in tasks {
            match t.await {
                Ok(r) => total.merge(r),
                Err(e) => {
                    total.errors += 1;
                    total
                        .first_error
                        .get_or_insert(format!("load task failed: {e}"));
                }
            }
        }
        total
    }
}

/// The `q`-quantile (0..=1) of `values` (sorted in place), or 0 when empty.
pub fn quantile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let i = ((values.len() - 1) as f64 * q).round() as usize;
    values[i.min(values.len() - 1)]
}

/// Opens `n` HTTP/2 connections to `addr` (each tonic `Channel` is one connection).
pub async fn connect(addr: &str, n: usize) -> anyhow::Result<Vec<Channel>> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let ch = Endpoint::from_shared(format!("http://{addr}"))?
            .tcp_nodelay(true)
            .connect()
            .await?;
        out.push(ch);
    }
    Ok(out)
}

/// Runs `streams` concurrent request loops spread over `channels` for `warmup + duration`;
/// counts only what completes inside the `duration` window after the warm-up. `call` sends
/// one request on a channel and checks the answer.
pub async fn closed_loop<F, Fut>(
    channels: &[Channel],
    streams: usize,
    warmup: Duration,
    duration: Duration,
    keep_samples: bool,
    call: F,
) -> LoadReport
where
    F: Fn(Channel) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Sample, String>> + Send + 'static,
{
    let call = Arc::new(call);
    let start = Instant::now();
    let window_start = start + warmup;
    let end = window_start + duration;
    let mut tasks = Vec::with_capacity(streams);
    for i in 0..streams {
        let ch = channels[i % channels.len()].clone();
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut r = LoadReport::default();
            loop {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let result = call(ch.clone()).await;
                let done = Instant::now();
                if sent < window_start || done > end {
                    continue;
                }
                r.count(result, keep_samples);
            }
            r
        }));
    }
    LoadReport {
        elapsed: duration,
        ..LoadReport::joined(tasks).await
    }
}

/// Sends requests at a constant `rate` per second for `duration` (after `warmup` at the same
/// rate, not counted), round-robin over `channels`, each on its own task so a slow answer
/// never delays the next send. Latency is measured from each request's actual send. Finished
/// tasks are reaped while sending, so long soaks hold only the requests in flight.
pub async fn open_loop<F, Fut>(
    channels: &[Channel],
    rate: f64,
    warmup: Duration,
    duration: Duration,
    call: F,
) -> LoadReport
where
    F: Fn(Channel) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Sample, String>> + Send + 'static,
{
    let call = Arc::new(call);
    let start = Instant::now();
    let warm_n = (rate * warmup.as_secs_f64()) as u64;
    let total_n = warm_n + (rate * duration.as_secs_f64()) as u64;
    let period = 1.0 / rate.max(1e-3);
    let mut set: JoinSet<(bool, Result<Sample, String>)> = JoinSet::new();
    let mut report = LoadReport {
        elapsed: duration,
        offered: total_n - warm_n,
        ..LoadReport::default()
    };
    for i in 0..total_n {
        let at = start + Duration::from_secs_f64(i as f64 * period);
        tokio::time::sleep_until(at).await;
        let ch = channels[i as usize % channels.len()].clone();
        let call = call.clone();
        let counted = i >= warm_n;
        set.spawn(async move { (counted, call(ch).await) });
        while let Some(done) = set.try_join_next() {
            report.absorb(done);
        }
    }
    while let Some(done) = set.join_next().await {
        report.absorb(done);
    }
    report
}

impl LoadReport {
    fn absorb(&mut self, done: Result<(bool, Result<Sample, String>), tokio::task::JoinError>) {
        match done {
            Ok((false, _)) => {}
            Ok((true, result)) => self.count(result, true),
            Err(e) => {
                self.errors += 1;
                self.first_error
                    .get_or_insert(format!("load task failed: {e}"));
            }
        }
    }
}

/// Sends exactly `n` requests (counting good and bad answers alike) from `streams` concurrent
/// loops over `channels`, each sending its next request when the last one answered: the
/// closed loop of [`closed_loop`] with a fixed amount of work instead of a fixed time, for
/// counting per request ([`crate::cost`]).
pub async fn closed_loop_count<F, Fut>(
    channels: &[Channel],
    streams: usize,
    n: u64,
    call: F,
) -> LoadReport
where
    F: Fn(Channel) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Sample, String>> + Send + 'static,
{
    let call = Arc::new(call);
    let left = Arc::new(std::sync::atomic::AtomicU64::new(n));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(streams);
    for i in 0..streams {
        let ch = channels[i % channels.len()].clone();
        let (call, left) = (call.clone(), left.clone());
        tasks.push(tokio::spawn(async move {
            let mut r = LoadReport::default();
            let ticket = || {
                left.fetch_update(
                    std::sync::atomic::Ordering::Relaxed,
                    std::sync::atomic::Ordering::Relaxed,
                    |x| x.checked_sub(1),
                )
                .is_ok()
            };
            while ticket() {
                r.count(call(ch.clone()).await, false);
            }
            r
        }));
    }
    let mut total = LoadReport::joined(tasks).await;
    total.elapsed = start.elapsed();
    total
}
