//! The process that runs M2's baselines: a child pinned to the server core like the hub,
//! with the hub's runtime (one tokio worker), that drives its own overviews — the same
//! number of concurrent streams as the gRPC load on the hub, each starting its next overview
//! when the last one ended, queries round-robin over the same demo citizens — and measures
//! its own CPU time (`/proc/self/stat`, every thread) over the measured window.
//!
//! Protocol with the parent: `READY` after set-up and warm-up; then the parent may attach a
//! profiler and writes `go`; the child runs the window and prints `RESULT <json>`; it exits
//! when its stdin closes.

use crate::barefanout::BareFanout;
use crate::pin::{ChildProc, Placement};
use anyhow::{Context, Result};
use clap::ValueEnum;
use minwon_connector_sdk::{CitizenKeys, Connector};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Which baseline the driver runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// (a) the connectors' HTTP requests replayed, bodies read, nothing parsed.
    Bare,
    /// (b) the real connectors called directly.
    Direct,
}

impl Mode {
    /// The name used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Bare => "bare fan-out (a)",
            Mode::Direct => "connectors direct (b)",
        }
    }

    fn arg(self) -> &'static str {
        match self {
            Mode::Bare => "bare",
            Mode::Direct => "direct",
        }
    }
}

/// What one measured window produced.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DriveResult {
    /// Good overviews.
    pub ok: u64,
    /// Failed overviews.
    pub errors: u64,
    /// The first failure.
    pub first_error: Option<String>,
    /// Length of the window, seconds.
    pub elapsed_s: f64,
    /// CPU seconds of the driver process in the window.
    pub cpu_s: f64,
    /// Mean sources called per overview.
    pub fanout: f64,
}

impl DriveResult {
    /// Overviews per second of the driver's CPU.
    pub fn per_core_s(&self) -> f64 {
        self.ok as f64 / self.cpu_s.max(1e-9)
    }

    /// Share of the window the driver's core was busy.
    pub fn busy(&self) -> f64 {
        self.cpu_s / self.elapsed_s.max(1e-9)
    }
}

/// How long a window lasts.
#[derive(Debug, Clone, Copy)]
pub enum Window {
    /// A fixed time.
    Secs(u64),
    /// A fixed number of overviews.
    Count(u64),
}

enum Work {
    Bare(BareFanout),
    Direct(Vec<Arc<dyn Connector>>, Vec<(CitizenKeys, Vec<String>)>),
}

impl Work {
    async fn overview(&self, i: usize) -> Result<u32, String> {
        match self {
            Work::Bare(b) => b.overview(i).await,
            Work::Direct(c, q) => {
                let (keys, expected) = &q[i % q.len()];
                crate::direct::overview(c, keys, expected).await
            }
        }
    }
}

/// The M2 queries as the connectors take them: keys and the sources that must answer.
fn keyed_queries() -> Result<Vec<(CitizenKeys, Vec<String>)>> {
    crate::realhub::queries()
        .into_iter()
        .map(|q| {
            let c = q.body.citizen.unwrap_or_default();
            let keys = CitizenKeys::parse(&c.rrn, &c.vehicle_numbers, &c.water_customer_no)
                .map_err(|e| anyhow::anyhow!("demo citizen keys: {e}"))?;
            Ok((keys, q.expected))
        })
        .collect()
}

/// Runs `streams` closed loops of overviews for `window`.
async fn window(work: &Arc<Work>, streams: usize, window: Window) -> DriveResult {
    let next = Arc::new(AtomicUsize::new(0));
    let left = Arc::new(AtomicU64::new(match window {
        Window::Count(n) => n,
        Window::Secs(_) => u64::MAX,
    }));
    let start = Instant::now();
    let end = match window {
        Window::Secs(s) => start + Duration::from_secs(s),
        Window::Count(_) => start + Duration::from_secs(24 * 3600),
    };
    let mut tasks = Vec::with_capacity(streams);
    for _ in 0..streams {
        let (work, next, left) = (work.clone(), next.clone(), left.clone());
        tasks.push(tokio::spawn(async move {
            let mut r = DriveResult::default();
            let mut fanout = 0u64;
            while Instant::now() < end
                && left
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_ok()
            {
                let i = next.fetch_add(1, Ordering::Relaxed);
                match work.overview(i).await {
                    Ok(n) => {
                        r.ok += 1;
                        fanout += n as u64;
                    }
                    Err(e) => {
                        r.errors += 1;
                        r.first_error.get_or_insert(e);
                    }
                }
            }
            r.fanout = fanout as f64;
            r
        }));
    }
    let mut total = DriveResult::default();
    for t in tasks {
        match t.await {
            Ok(r) => {
                total.ok += r.ok;
                total.errors += r.errors;
                total.fanout += r.fanout;
                if total.first_error.is_none() {
                    total.first_error = r.first_error;
                }
            }
            Err(e) => {
                total.errors += 1;
                total.first_error.get_or_insert(format!("task failed: {e}"));
            }
        }
    }
    total.elapsed_s = start.elapsed().as_secs_f64();
    total.fanout /= total.ok.max(1) as f64;
    total
}

/// Child process body (`drive-fanout`).
pub async fn serve(
    mode: Mode,
    config: &Path,
    streams: usize,
    warmup_secs: u64,
    measured: Window,
) -> Result<()> {
    let queries = keyed_queries()?;
    let work = Arc::new(match mode {
        Mode::Direct => Work::Direct(crate::direct::connectors(config, None)?, queries),
        Mode::Bare => {
            let captured = crate::capture::capture(config, &queries).await?;
            let bare = BareFanout::new(captured)?;
            anyhow::ensure!(!bare.is_empty(), "nothing captured");
            Work::Bare(bare)
        }
    });
    let mut stdin = crate::pin::stdin_lines();
    let warm = window(&work, streams, Window::Secs(warmup_secs)).await;
    if warm.errors > 0 {
        eprintln!(
            "  warm-up of {}: {} errors (first: {})",
            mode.label(),
            warm.errors,
            warm.first_error.as_deref().unwrap_or("?")
        );
    }
    crate::pin::announce_ready("warm");
    match stdin.recv().await.as_deref() {
        Some("go") => {}
        _ => return Ok(()),
    }
    let pid = std::process::id();
    let cpu0 = crate::procfs::cpu_time(pid).context("reading own CPU time")?;
    let mut r = window(&work, streams, measured).await;
    let cpu1 = crate::procfs::cpu_time(pid).context("reading own CPU time")?;
    r.cpu_s = (cpu1 - cpu0).as_secs_f64();
    println!("RESULT {}", serde_json::to_string(&r)?);
    while stdin.recv().await.is_some() {}
    Ok(())
}

/// A started, warmed-up driver child on the server core.
pub struct Driver {
    /// The child.
    pub proc: ChildProc,
    /// How long the measured window may take before the child is given up on.
    limit: Duration,
}

impl Driver {
    /// Starts the driver for `mode` against the hub config `config`; returns once it is warm.
    pub fn start(
        place: &Placement,
        mode: Mode,
        config: &Path,
        streams: usize,
        warmup_secs: u64,
        measured: Window,
    ) -> Result<Driver> {
        let server = place.pinned.then_some(place.server.as_str());
        let cfg = config.to_string_lossy().to_string();
        let (streams, warmup) = (streams.to_string(), warmup_secs.to_string());
        let (kind, n) = match measured {
            Window::Secs(s) => ("--secs", s.to_string()),
            Window::Count(c) => ("--count", c.to_string()),
        };
        let args = [
            "drive-fanout",
            "--mode",
            mode.arg(),
            "--config",
            &cfg,
            "--streams",
            &streams,
            "--warmup",
            &warmup,
            kind,
            &n,
        ];
        let ready = Duration::from_secs(60 + warmup_secs);
        let proc = ChildProc::spawn(mode.label(), server, &args, ready)?;
        let limit = match measured {
            Window::Secs(s) => Duration::from_secs(s + 120),
            Window::Count(_) => Duration::from_secs(3600),
        };
        Ok(Driver { proc, limit })
    }

    /// Runs the measured window and returns its figures.
    pub fn run(&mut self) -> Result<DriveResult> {
        self.proc.send_line("go")?;
        let line = self.proc.expect_line("RESULT ", self.limit)?;
        Ok(serde_json::from_str(&line)?)
    }

    /// Stops the child.
    pub fn stop(self) {
        self.proc.stop();
    }
}
