//! Options shared by every measure, and the context a run carries: where files go, how the
//! processes are placed, the machine, and the results being collected.

use crate::machine::{self, Machine};
use crate::pin::Placement;
use crate::report::Results;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

/// Durations and knobs of the measures (defaults keep `all` well under 10 minutes on 2 cores).
#[derive(Debug, Clone, Args)]
pub struct Opts {
    /// Folder for databases, keys and configs (must be on the real disk; default
    /// `<workspace>/target/minwon-bench`).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// The markdown file whose results table is rewritten (default `<workspace>/BENCHMARKS.md`).
    #[arg(long, global = true)]
    pub output: Option<PathBuf>,
    /// Print the results without touching BENCHMARKS.md or results.json.
    #[arg(long, global = true)]
    pub no_write: bool,
    /// Warm-up before each measured window, seconds.
    #[arg(long, global = true, default_value_t = 2)]
    pub warmup_secs: u64,
    /// M1: measured seconds per server (the issue gives no length).
    #[arg(long, global = true, default_value_t = 10)]
    pub m1_secs: u64,
    /// M1/M2: concurrent streams of the closed-loop load.
    #[arg(long, global = true, default_value_t = 50)]
    pub streams: usize,
    /// M1/M2/M3: HTTP/2 connections the streams share.
    #[arg(long, global = true, default_value_t = 5)]
    pub connections: usize,
    /// M2: measured seconds.
    #[arg(long, global = true, default_value_t = 10)]
    pub m2_secs: u64,
    /// M3: measured seconds (the issue says 60).
    #[arg(long, global = true, default_value_t = 20)]
    pub m3_secs: u64,
    /// M3: fixed delay of every simulator, ms.
    #[arg(long, global = true, default_value_t = 20)]
    pub m3_delay_ms: u64,
    /// M3/M6: arrival rate per second (default: half of M2's capacity, probed if needed).
    #[arg(long, global = true)]
    pub rate: Option<f64>,
    /// M4: measured seconds per store and mode.
    #[arg(long, global = true, default_value_t = 5)]
    pub m4_secs: u64,
    /// M4: concurrent writers.
    #[arg(long, global = true, default_value_t = 64)]
    pub writers: usize,
    /// M4: PostgreSQL URL (skipped with a note when unreachable).
    #[arg(
        long,
        global = true,
        env = "MINWON_BENCH_PG_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    pub pg_url: String,
    /// Diagnostic: servers under test listen with TCP_NODELAY (not the hub as shipped; the
    /// report marks every row measured so).
    #[arg(long, global = true)]
    pub diag_nodelay: bool,
    /// M6: soak seconds at half capacity (the issue says 600).
    #[arg(long, global = true, default_value_t = 60)]
    pub soak_secs: u64,
}

impl Opts {
    /// The warm-up.
    pub fn warmup(&self) -> Duration {
        Duration::from_secs(self.warmup_secs)
    }
}

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::canonicalize(&root).unwrap_or(root)
}

/// One run of the suite.
pub struct Ctx {
    /// Options.
    pub opts: Opts,
    /// Core placement.
    pub place: Placement,
    /// Data folder (exists).
    pub data_dir: PathBuf,
    /// Results so far (loaded from the previous run, updated row by row).
    pub results: Results,
    /// M2's capacity measured in this run (overviews per hub core-second), if any.
    pub capacity: Option<f64>,
    /// M1's bare tonic figure in this run (requests per server core-second), if any.
    pub bare_per_core_s: Option<f64>,
    /// The command of the run that wrote the results table (a `cost` run keeps it: it writes
    /// its own table, not the rows).
    pub previous_command: String,
}

impl Ctx {
    /// Prepares the data folder, measures the machine, loads previous results.
    pub fn new(opts: Opts, command: String) -> Result<Ctx> {
        let data_dir = opts
            .data_dir
            .clone()
            .unwrap_or_else(|| workspace_root().join("target/minwon-bench"));
        std::fs::create_dir_all(&data_dir)?;
        if opts.diag_nodelay {
            // Passed to the child processes (the servers under test).
            crate::pin::DIAG_NODELAY.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let place = Placement::detect();
        let mut results = Results::load(&results_path());
        let m: Machine = machine::measure(&data_dir)?;
        println!(
            "machine: {} cores, {}; fsync p50 {:.0} µs p99 {:.0} µs ({}); {}",
            m.cores,
            m.cpu_model,
            m.fsync_p50_us,
            m.fsync_p99_us,
            m.data_fs,
            place.describe()
        );
        results.machine = Some(m);
        results.placement = place.describe();
        if opts.diag_nodelay {
            results.placement += " — DIAGNOSTIC RUN: servers listen with TCP_NODELAY";
        }
        let previous_command = std::mem::replace(&mut results.command, command);
        Ok(Ctx {
            previous_command,
            opts,
            place,
            data_dir,
            results,
            capacity: None,
            bare_per_core_s: None,
        })
    }

    /// The machine's median fsync, µs.
    pub fn fsync_us(&self) -> f64 {
        self.results
            .machine
            .as_ref()
            .map_or(0.0, |m| m.fsync_p50_us)
    }

    /// Writes results.json and BENCHMARKS.md (unless `--no-write`).
    pub fn write(&self) -> Result<()> {
        if self.opts.no_write {
            return Ok(());
        }
        self.results.save(&results_path())?;
        let md = self
            .opts
            .output
            .clone()
            .unwrap_or_else(|| workspace_root().join("BENCHMARKS.md"));
        self.results.write_markdown(&md)?;
        println!("results written to {}", md.display());
        Ok(())
    }
}

fn results_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("results.json")
}

/// A tokio runtime for the load generator (one worker: it gets one core).
pub fn load_runtime() -> Result<tokio::runtime::Runtime> {
    crate::pin::one_worker_runtime()
}
