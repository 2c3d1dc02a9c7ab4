//! `minwon-bench cost`: what one overview costs each server, counted rather than timed, so
//! it can be compared across runs on a noisy machine. Every server of M1 (bare echo, bare
//! twelve-case, null hub) and M2 (the hub, baselines (b) and (a)) runs pinned as in its
//! measure, is warmed up, and then serves a fixed number of overviews under `perf stat -p`
//! ([`crate::perfstat`]); the counts are divided by the overviews answered.
//!
//! Instructions are the repeatable figure where the machine has hardware counters; where it
//! has none (this VM), task-clock (CPU time) and context switches stand in, and the table
//! says so. Context switches and migrations count thread hops whatever the machine.

use crate::driver::{Mode, Window};
use crate::load::{self, Sample};
use crate::perfstat::{self, Counts, PerfStat};
use crate::pin::ChildProc;
use crate::report::CostRow;
use crate::suite::Ctx;
use anyhow::{Result, bail};
use futures::future::BoxFuture;
use std::time::Duration;
use tonic::transport::Channel;

/// Counts one gRPC server (`pid` at `addr`): warm-up, then `n` requests under `perf stat`.
fn grpc_server<F>(ctx: &Ctx, name: &str, pid: u32, addr: &str, n: u64, call: F) -> Result<CostRow>
where
    F: Fn(Channel) -> BoxFuture<'static, Result<Sample, String>> + Send + Sync + Clone + 'static,
{
    println!("  {name}: {n} requests under perf stat");
    let rt = crate::suite::load_runtime()?;
    let o = &ctx.opts;
    let out = ctx.data_dir.join("cost-perf.csv");
    rt.block_on(async {
        let channels = load::connect(addr, o.connections).await?;
        let warm = o.warmup();
        load::closed_loop(
            &channels,
            o.streams,
            warm,
            Duration::ZERO,
            false,
            call.clone(),
        )
        .await;
        let perf = PerfStat::attach(pid, &out)?;
        let cpu0 = crate::procfs::cpu_time(pid);
        let r = load::closed_loop_count(&channels, o.streams, n, call).await;
        let cpu1 = crate::procfs::cpu_time(pid);
        let counts = perf.stop()?;
        let mut row = row(name, r.ok, r.errors, r.first_error, counts);
        if let (Some(a), Some(b)) = (cpu0, cpu1) {
            row.proc_cpu_us = Some((b - a).as_secs_f64() * 1e6 / r.ok.max(1) as f64);
        }
        Ok(row)
    })
}

/// Label of the bare echo's row.
pub const ECHO: &str = "M1 bare echo";
/// Label of the bare twelve-case server's row.
pub const TWELVE: &str = "M1 bare twelve-case";
/// Label of the null hub's row.
pub const NULL_HUB: &str = "M1 null hub";

/// A row of counts per overview.
pub fn row(name: &str, ok: u64, errors: u64, first_error: Option<String>, c: Counts) -> CostRow {
    let per = |v: Option<f64>| v.map(|v| v / ok.max(1) as f64);
    CostRow {
        server: name.to_string(),
        overviews: ok,
        errors,
        first_error,
        instructions: per(c.instructions),
        cpu_us: per(c.task_clock_ms.map(|ms| ms * 1000.0)),
        context_switches: per(c.context_switches),
        cpu_migrations: per(c.cpu_migrations),
        proc_cpu_us: None,
    }
}

/// Counts one of M2's baselines: the driver warms up, `perf` attaches, then `n` overviews.
fn driver(ctx: &Ctx, env: &crate::realhub::Env, mode: Mode, n: u64) -> Result<CostRow> {
    println!("  {}: {n} overviews under perf stat", mode.label());
    let mut d = crate::m2::start_baseline(ctx, env, mode, Window::Count(n))?;
    let perf = PerfStat::attach(d.proc.pid(), &ctx.data_dir.join("cost-perf.csv"));
    let r = match perf {
        Ok(perf) => d.run().and_then(|r| Ok((r, perf.stop()?))),
        Err(e) => Err(e),
    };
    d.stop();
    let (r, counts) = r?;
    let proc_cpu_us = r.cpu_s * 1e6 / r.ok.max(1) as f64;
    let mut row = row(mode.label(), r.ok, r.errors, r.first_error, counts);
    row.proc_cpu_us = Some(proc_cpu_us);
    Ok(row)
}

/// A call closure that can be cloned (warm-up and counted window each take one).
fn shared<F>(
    f: F,
) -> impl Fn(Channel) -> BoxFuture<'static, Result<Sample, String>> + Send + Sync + Clone + 'static
where
    F: Fn(Channel) -> BoxFuture<'static, Result<Sample, String>> + Send + Sync + 'static,
{
    let f = std::sync::Arc::new(f);
    move |ch| f(ch)
}

/// M1's three servers.
fn m1_servers(ctx: &Ctx, n: u64, rows: &mut Vec<CostRow>) -> Result<()> {
    let dir = ctx.data_dir.join("cost-m1");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let minter = crate::realhub::fresh_keys(&dir)?;
    let bearer = crate::realhub::counselor_bearer(&minter)?;
    let server = ctx.place.pinned.then_some(ctx.place.server.as_str());
    let ready = Duration::from_secs(30);
    let echo_f = shared(crate::m1::echo_call(bearer.clone()));
    let over_f = shared(crate::m1::overview_call(bearer.clone()));

    let echo = ChildProc::spawn("echo server", server, &["serve-echo"], ready)?;
    let r = grpc_server(ctx, ECHO, echo.pid(), &echo.ready.clone(), n, echo_f);
    echo.stop();
    rows.push(r?);

    let d = dir.to_string_lossy().to_string();
    let hub = ChildProc::spawn("null hub", server, &["serve-null-hub", "--dir", &d], ready)?;
    let answer = crate::m1::answer_file(&dir);
    let r = crate::m1::capture_answer(&hub.ready, bearer)
        .and_then(|a| Ok(std::fs::write(&answer, a)?))
        .and_then(|_| {
            grpc_server(
                ctx,
                NULL_HUB,
                hub.pid(),
                &hub.ready.clone(),
                n,
                over_f.clone(),
            )
        });
    hub.stop();
    rows.push(r?);

    let a = answer.to_string_lossy().to_string();
    let twelve = ChildProc::spawn(
        "twelve-case server",
        server,
        &["serve-twelve-case", "--answer", &a],
        ready,
    )?;
    let r = grpc_server(ctx, TWELVE, twelve.pid(), &twelve.ready.clone(), n, over_f);
    twelve.stop();
    rows.push(r?);

    println!(
        "  {}: {} encodings in this process",
        crate::floor::ENCODE,
        n * 20
    );
    let perf_out = ctx.data_dir.join("cost-perf.csv");
    let captured = std::fs::read(&answer)?;
    rows.push(crate::floor::encode_row(&captured, n * 20, &perf_out)?);
    let records = n * 4;
    println!(
        "  {}: {records} records in this process",
        crate::floor::RECORD
    );
    let batch = ctx.opts.streams;
    rows.push(crate::floor::record_row(&dir, records, batch, &perf_out)?);
    println!(
        "  {}: {records} records in this process",
        crate::floor::WRITER
    );
    rows.push(crate::floor::writer_row(&dir, records, batch, &perf_out)?);
    Ok(())
}

/// M2's hub and its two baselines, against one set of simulators.
fn m2_servers(ctx: &Ctx, n: u64, rows: &mut Vec<CostRow>) -> Result<()> {
    let env = crate::realhub::Env::start(&ctx.place, &ctx.data_dir)?;
    let r = (|| -> Result<()> {
        let f = shared(env.caller());
        rows.push(grpc_server(
            ctx,
            "M2 hub",
            env.hub.pid(),
            &env.hub_addr,
            n,
            f,
        )?);
        rows.push(driver(ctx, &env, Mode::Direct, n)?);
        rows.push(driver(ctx, &env, Mode::Bare, n)?);
        Ok(())
    })();
    env.stop();
    r
}

/// M1's servers and the floor rows, `rounds` times in turn; each figure is the median of its
/// rounds. M1's ratio and its floor compare servers counted at different moments, and on a
/// shared VM the speed of one moment can differ from the next by half: alternating rounds
/// lets each server see the same spread of moments, and the median drops the outliers.
fn m1_rounds(ctx: &Ctx, n: u64, rounds: usize, rows: &mut Vec<CostRow>) -> Result<()> {
    let mut all: Vec<Vec<CostRow>> = Vec::new();
    for round in 1..=rounds.max(1) {
        println!("  M1 round {round} of {rounds}");
        let mut these = Vec::new();
        m1_servers(ctx, n, &mut these)?;
        all.push(these);
    }
    rows.extend(medians(&all));
    Ok(())
}

/// One row per server of `rounds` (each round the same servers in the same order), each
/// figure the median of that server's rounds (the mean of the middle two for an even count);
/// overviews and errors are summed, the first error kept.
pub fn medians(rounds: &[Vec<CostRow>]) -> Vec<CostRow> {
    let Some(first) = rounds.first() else {
        return Vec::new();
    };
    first
        .iter()
        .map(|r| {
            let same: Vec<&CostRow> = rounds
                .iter()
                .filter_map(|round| round.iter().find(|x| x.server == r.server))
                .collect();
            let m = |f: fn(&CostRow) -> Option<f64>| median(same.iter().filter_map(|x| f(x)));
            CostRow {
                server: r.server.clone(),
                overviews: same.iter().map(|x| x.overviews).sum(),
                errors: same.iter().map(|x| x.errors).sum(),
                first_error: same.iter().find_map(|x| x.first_error.clone()),
                instructions: m(|x| x.instructions),
                cpu_us: m(|x| x.cpu_us),
                context_switches: m(|x| x.context_switches),
                cpu_migrations: m(|x| x.cpu_migrations),
                proc_cpu_us: m(|x| x.proc_cpu_us),
            }
        })
        .collect()
}

/// The median of `values`, `None` if there are none.
fn median(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// Runs every server for `n` overviews (M1's `rounds` times) and records the table.
pub fn run(ctx: &mut Ctx, n: u64, rounds: usize) -> Result<()> {
    if !perfstat::available() {
        bail!("`perf stat` does not run here (install linux-perf, or check perf_event_paranoid)");
    }
    println!(
        "cost: {n} overviews per server under perf stat -e {}",
        perfstat::EVENTS
    );
    ctx.place.pin_self_to_load();
    let mut rows = Vec::new();
    let r = m1_rounds(ctx, n, rounds, &mut rows).and_then(|_| m2_servers(ctx, n, &mut rows));
    ctx.place.unpin_self();
    r?;
    print_table(&rows);
    if let Some(b) = crate::floor::bound(&rows) {
        println!("{}", b.text());
    }
    ctx.results.put_cost(rows);
    ctx.results.command = ctx.previous_command.clone();
    Ok(())
}

fn print_table(rows: &[CostRow]) {
    println!(
        "{:<24} {:>9} {:>14} {:>8} {:>12} {:>10} {:>10}",
        "server", "overviews", "instructions", "CPU µs", "/proc CPU µs", "ctx sw", "migr"
    );
    let f = figure;
    for r in rows {
        println!(
            "{:<24} {:>9} {:>14} {:>8} {:>12} {:>10} {:>10}{}",
            r.server,
            r.overviews,
            f(r.instructions, 0),
            f(r.cpu_us, 1),
            f(r.proc_cpu_us, 0),
            f(r.context_switches, 2),
            f(r.cpu_migrations, 3),
            if r.errors > 0 {
                format!(
                    "  ({} errors: {})",
                    r.errors,
                    r.first_error.as_deref().unwrap_or("?")
                )
            } else {
                String::new()
            }
        );
    }
}

/// A cost figure with `places` decimals, or `n/a` when it was not counted (the terminal
/// table and the markdown table print the same cells).
pub fn figure(value: Option<f64>, places: usize) -> String {
    value.map_or("n/a".to_string(), |v| format!("{v:.places$}"))
}

/// A row of one overview that cost `cpu_us` of CPU time (nothing else counted), for tests.
#[cfg(test)]
pub fn cpu_row(name: &str, cpu_us: Option<f64>) -> CostRow {
    let c = Counts {
        task_clock_ms: cpu_us.map(|us| us / 1000.0),
        ..Counts::default()
    };
    row(name, 1, 0, None, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_take_each_figure_across_rounds_and_sum_the_counts() {
        let round = |echo: f64, twelve: Option<f64>| {
            vec![cpu_row(ECHO, Some(echo)), cpu_row(TWELVE, twelve)]
        };
        let rows = medians(&[
            round(30.0, Some(40.0)),
            round(10.0, None),
            round(20.0, Some(60.0)),
        ]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].server, ECHO);
        assert_eq!(rows[0].overviews, 3);
        assert!(
            (rows[0].cpu_us.unwrap() - 20.0).abs() < 1e-9,
            "{:?}",
            rows[0]
        );
        // Two rounds counted it: the mean of the middle two.
        assert!(
            (rows[1].cpu_us.unwrap() - 50.0).abs() < 1e-9,
            "{:?}",
            rows[1]
        );
        assert!(medians(&[]).is_empty());
    }
}
