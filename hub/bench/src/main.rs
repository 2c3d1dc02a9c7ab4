//! `minwon-bench`: the benchmark suite of issue 7. `minwon-bench all` runs M1–M6 and rewrites
//! the results table in `BENCHMARKS.md`; `m1` … `m6` run one measure and update its rows.
//!
//! Modules:
//! - [`suite`] — options, the run context; [`report`] — results rows and `BENCHMARKS.md`;
//!   [`machine`] — cores, CPU model, disk sync latency.
//! - [`pin`] — core pinning (`taskset`) and child processes; [`procfs`] — CPU time and RSS.
//! - [`load`] — closed- and open-loop gRPC load generators with checked answers.
//! - [`echo`] — the bare tonic echo; [`twelve`] — the bare twelve-case server (M1's
//!   baselines); [`nullhub`] — the hub over six null connectors; [`realhub`] — the real hub
//!   and simulators.
//! - [`driver`] — the process that runs M2's baselines: [`barefanout`] (a, the connectors'
//!   requests from [`capture`], nothing parsed) and [`direct`] (b, the connectors called
//!   directly; also the one place the new baselines use hub internals).
//! - [`m1`] … [`m6`] — the measures; [`cost`] — instructions and context switches per
//!   overview under `perf stat`; [`knowledge`] — search quality over the evaluation set.
//!
//! Hidden subcommands (`serve-echo`, `serve-twelve-case`, `serve-null-hub`, `serve-hub`,
//! `sims`, `drive-fanout`) are the child processes the measures start; they stop when their
//! stdin closes.

/// The same allocator as the `minwon-hub` binary, so the servers under test (the null hub
/// and the bare echo run in this binary) allocate as the shipped hub does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod barefanout;
mod capture;
mod cost;
mod direct;
mod driver;
mod echo;
mod floor;
mod knowledge;
mod load;
mod m1;
mod m2;
mod m3;
mod m4;
mod m5;
mod m6;
mod machine;
mod nullhub;
mod perfstat;
mod pin;
mod pipeline;
mod procfs;
mod realhub;
mod report;
mod suite;
mod twelve;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use suite::{Ctx, Opts};

/// The minwon-hub benchmark suite (issue 7): M1–M6, each against a baseline measured in the
/// same run; rewrites the results table of BENCHMARKS.md.
#[derive(Parser)]
#[command(about, long_about = None)]
struct Cli {
    #[command(flatten)]
    opts: Opts,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// gRPC overhead of the whole pipeline vs a bare tonic server.
    M1,
    /// Fan-out throughput per hub core-second (real simulators).
    M2,
    /// Hub-added latency with sources at a fixed delay, open loop at half capacity.
    M3,
    /// Durable audit throughput: group commit vs one record per transaction.
    M4,
    /// Breaker cost (in-process timing; criterion: `cargo bench -p minwon-bench`).
    M5,
    /// Memory: peak RSS during M2 and RSS growth over a soak.
    M6,
    /// Everything, in one run.
    All,
    /// Knowledge search quality: top-1, top-3 and MRR over the evaluation set (not part of
    /// `all`: it measures answers, not speed, and writes no results row).
    Knowledge {
        /// A base file instead of the bundled sample.
        #[arg(long)]
        base: Option<PathBuf>,
        /// An evaluation set instead of `hub/knowledge/eval.toml`.
        #[arg(long)]
        set: Option<PathBuf>,
    },
    /// CPU cost per overview under `perf stat` (instructions where the machine counts them,
    /// task-clock, context switches, CPU migrations) of the M1 and M2 servers and every
    /// baseline, for a fixed number of overviews each; repeatable on a noisy machine.
    Cost {
        /// Overviews (requests) per server.
        #[arg(long, default_value_t = 5000)]
        overviews: u64,
        /// Rounds of M1's servers and floor rows, in turn; the table shows each figure's
        /// median.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// The null hub's request path in this process (auth layer, codec, pipeline, audit), no
    /// socket: `overviews` overviews for `valgrind --tool=callgrind` or `perf stat` to count.
    Pipeline {
        /// Overviews to answer.
        #[arg(long, default_value_t = 2000)]
        overviews: u64,
        /// Overviews in flight (M1 runs 50 streams).
        #[arg(long, default_value_t = 50)]
        concurrency: usize,
        /// Folder for the keys, config and audit database.
        #[arg(long, default_value = "target/bench-pipeline")]
        dir: PathBuf,
    },
    #[command(hide = true)]
    ServeEcho,
    #[command(hide = true)]
    ServeTwelveCase {
        #[arg(long)]
        answer: PathBuf,
    },
    #[command(hide = true)]
    DriveFanout {
        #[arg(long, value_enum)]
        mode: driver::Mode,
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        streams: usize,
        #[arg(long)]
        warmup: u64,
        #[arg(long, conflicts_with = "count")]
        secs: Option<u64>,
        #[arg(long)]
        count: Option<u64>,
    },
    #[command(hide = true)]
    ServeNullHub {
        #[arg(long)]
        dir: PathBuf,
    },
    #[command(hide = true)]
    ServeHub {
        #[arg(long)]
        config: PathBuf,
    },
    #[command(hide = true)]
    Sims,
}

fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    format!("cargo run --release -p minwon-bench -- {}", args.join(" "))
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    // Servers under test install the hub's own telemetry (as `minwon-hub serve` does); the
    // bare echo installs none.
    match cli.command {
        Cmd::ServeEcho => return pin::one_worker_runtime()?.block_on(echo::serve()),
        Cmd::ServeTwelveCase { answer } => {
            return pin::one_worker_runtime()?.block_on(twelve::serve(&answer));
        }
        Cmd::DriveFanout {
            mode,
            config,
            streams,
            warmup,
            secs,
            count,
        } => {
            let window = match (secs, count) {
                (_, Some(n)) => driver::Window::Count(n),
                (s, None) => driver::Window::Secs(s.unwrap_or(10)),
            };
            return pin::one_worker_runtime()?
                .block_on(driver::serve(mode, &config, streams, warmup, window));
        }
        Cmd::ServeNullHub { dir } => {
            return pin::one_worker_runtime()?.block_on(nullhub::serve(&dir));
        }
        Cmd::ServeHub { config } => {
            return pin::one_worker_runtime()?.block_on(realhub::serve_hub(&config));
        }
        Cmd::Sims => return pin::one_worker_runtime()?.block_on(realhub::serve_simulators()),
        Cmd::Knowledge { base, set } => return knowledge::run(base, set),
        Cmd::Pipeline {
            overviews,
            concurrency,
            dir,
        } => return pipeline::run(&dir, overviews, concurrency),
        _ => {}
    }
    let quiet = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(quiet)
        .with_writer(std::io::stderr)
        .init();
    let mut ctx = Ctx::new(cli.opts, command_line())?;
    let outcome = run(&mut ctx, &cli.command);
    ctx.write()?;
    outcome
}

fn run(ctx: &mut Ctx, cmd: &Cmd) -> Result<()> {
    let started = std::time::Instant::now();
    match cmd {
        Cmd::M1 => put(ctx, m1::run)?,
        Cmd::M4 => put(ctx, m4::run)?,
        Cmd::M5 => put(ctx, m5::run)?,
        Cmd::Cost { overviews, rounds } => cost::run(ctx, *overviews, *rounds)?,
        Cmd::M2 | Cmd::M3 | Cmd::M6 => {
            let env = realhub::Env::start(&ctx.place, &ctx.data_dir)?;
            let r = match cmd {
                Cmd::M2 => m2::run_on(ctx, &env),
                Cmd::M3 => m3::run_on(ctx, &env),
                _ => m6_all(ctx, &env, false),
            };
            env.stop();
            ctx.results.put(r?);
        }
        Cmd::All => {
            put(ctx, m5::run)?;
            put(ctx, m4::run)?;
            put(ctx, m1::run)?;
            ctx.write()?;
            let env = realhub::Env::start(&ctx.place, &ctx.data_dir)?;
            let r = (|| -> Result<()> {
                let rows = m2::run_on(ctx, &env)?;
                ctx.results.put(rows);
                ctx.results.put(vec![m6::peak_row(&env)]);
                let rows = m6::soak(ctx, &env)?;
                ctx.results.put(rows);
                let rows = m3::run_on(ctx, &env)?;
                ctx.results.put(rows);
                Ok(())
            })();
            env.stop();
            r?;
        }
        _ => {}
    }
    println!("done in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn put(ctx: &mut Ctx, f: fn(&mut Ctx) -> Result<Vec<report::Row>>) -> Result<()> {
    let rows = f(ctx)?;
    ctx.results.put(rows);
    Ok(())
}

/// M6 alone: M2's load for the peak, then the soak.
fn m6_all(ctx: &mut Ctx, env: &realhub::Env, _: bool) -> Result<Vec<report::Row>> {
    ctx.place.pin_self_to_load();
    let r = m2::measure(ctx, env, ctx.opts.m2_secs);
    ctx.place.unpin_self();
    ctx.capacity = Some(r?.per_core_s());
    let mut rows = vec![m6::peak_row(env)];
    rows.extend(m6::soak(ctx, env)?);
    Ok(rows)
}
