//! M2 — fan-out throughput: the real hub (one core, one tokio worker) in front of the real
//! simulators (their own process on the other core), closed-loop load of checked overviews;
//! the figure is overviews per second of **hub CPU time** (utime + stime of the hub process
//! from `/proc/<pid>/stat`), so it does not depend on how fast the other core feeds it.
//!
//! Two baselines that do the same work run right after, on the same core against the same
//! simulators with the same number of concurrent streams ([`crate::driver`]): (b) the six
//! connectors called directly, and (a) their HTTP requests replayed with nothing parsed. The
//! rows report hub vs (b) and (b) vs (a), per core-second of the process doing the work.

use crate::driver::{DriveResult, Driver, Mode, Window};
use crate::load::{self, LoadReport};
use crate::m1::ServerRun;
use crate::realhub::Env;
use crate::report::{Row, errors_note, ratio};
use crate::suite::Ctx;
use anyhow::Result;
use std::time::Duration;

/// Target of M2, overviews per hub core-second.
pub const TARGET: f64 = 2_000.0;

/// Runs closed-loop overviews against `env` for `secs` and reads the hub's CPU time.
pub fn measure(ctx: &Ctx, env: &Env, secs: u64) -> Result<ServerRun> {
    let rt = crate::suite::load_runtime()?;
    let (o, pid) = (&ctx.opts, env.hub.pid());
    let call = env.caller();
    let addr = env.hub_addr.clone();
    rt.block_on(async {
        let channels = load::connect(&addr, o.connections).await?;
        let warmup = o.warmup();
        let cpu_at_start = tokio::spawn(async move {
            tokio::time::sleep(warmup).await;
            crate::procfs::cpu_time(pid)
        });
        let report: LoadReport = load::closed_loop(
            &channels,
            o.streams,
            warmup,
            Duration::from_secs(secs),
            true,
            call,
        )
        .await;
        let end = crate::procfs::cpu_time(pid);
        let start = cpu_at_start.await.ok().flatten();
        let cpu_s = match (start, end) {
            (Some(s), Some(e)) => (e - s).as_secs_f64(),
            _ => 0.0,
        };
        Ok(ServerRun {
            load: report,
            cpu_s,
        })
    })
}

/// Target of hub vs (b) and of (b) vs (a), per core-second.
pub const TARGET_RATIO: f64 = 0.5;

/// Runs one of M2's baselines for `window` on the server core, against `env`'s simulators.
pub fn baseline(ctx: &Ctx, env: &Env, mode: Mode, window: Window) -> Result<DriveResult> {
    let mut d = start_baseline(ctx, env, mode, window)?;
    let r = d.run();
    d.stop();
    r
}

/// Starts one of M2's baselines (pinned as the hub, with the suite's streams and warm-up)
/// without waiting for its result, for a caller that measures it from outside (`cost`).
pub fn start_baseline(ctx: &Ctx, env: &Env, mode: Mode, window: Window) -> Result<Driver> {
    let o = &ctx.opts;
    Driver::start(
        &ctx.place,
        mode,
        &env.config,
        o.streams,
        o.warmup_secs,
        window,
    )
}

/// Runs M2 on a started environment; sets `ctx.capacity`.
pub fn run_on(ctx: &mut Ctx, env: &Env) -> Result<Vec<Row>> {
    println!("M2: fan-out throughput per hub core-second, and baselines (b) and (a)");
    ctx.place.pin_self_to_load();
    let r = measure(ctx, env, ctx.opts.m2_secs);
    ctx.place.unpin_self();
    let r = r?;
    let window = Window::Secs(ctx.opts.m2_secs);
    let direct = baseline(ctx, env, Mode::Direct, window)?;
    let bare = baseline(ctx, env, Mode::Bare, window)?;
    let per = r.per_core_s();
    ctx.capacity = Some(per);
    let fanout = r.load.mean_fanout();
    let mut row = Row::new(
        "M2",
        "fan-out throughput: real simulators, overviews per hub core-second",
        "≥ 2,000 overviews per hub core-s (≥ 12,000 back-end calls per core-s)",
    );
    row.measured = format!(
        "{per:.0} overviews per hub core-s = {:.0} back-end calls per core-s ({fanout:.1} sources per overview; {:.0} overviews/s wall, hub core {:.0}% busy)",
        per * fanout,
        r.load.rate(),
        r.busy() * 100.0
    );
    row.baseline = match ctx.bare_per_core_s {
        Some(b) => format!(
            "target 2,000 → {:.2}×; bare tonic echo (M1, same run) {b:.0} req per core-s → {:.2}×",
            per / TARGET,
            per / b
        ),
        None => format!(
            "target 2,000 → {:.2}× (no same-run echo: run `all` for that ratio)",
            per / TARGET
        ),
    };
    row.pass = Some(r.load.errors == 0 && r.load.ok > 0 && per >= TARGET);
    let wired = crate::realhub::wired();
    let mut rows = baseline_rows(ctx, per, &direct, &bare);
    row.notes = format!(
        "{}Wired sources: {} ({} of 6). {} s measured, {} streams over {} connections. ",
        errors_note(r.load.errors, &r.load.first_error),
        wired.join(", "),
        wired.len(),
        ctx.opts.m2_secs,
        ctx.opts.streams,
        ctx.opts.connections
    );
    rows.insert(0, row);
    Ok(rows)
}

fn describe(r: &DriveResult) -> String {
    format!(
        "{:.0} overviews per core-s ({:.1} sources per overview; {:.0} overviews/s wall, core {:.0}% busy)",
        r.per_core_s(),
        r.fanout,
        r.ok as f64 / r.elapsed_s.max(1e-9),
        r.busy() * 100.0
    )
}

/// A caveat when a baseline's core was not saturated: the simulators (on the other core)
/// were the limit, and a process that often sleeps pays more wake-ups per overview.
fn idle_note(r: &DriveResult) -> String {
    if r.busy() >= 0.9 {
        return String::new();
    }
    format!(
        "Its core was {:.0}% busy: the simulators on the other core were the limit, and an unsaturated process pays more wake-ups per overview (see the cost table's context switches). ",
        r.busy() * 100.0
    )
}

/// The rows "hub vs (b)" and "(b) vs (a)".
fn baseline_rows(ctx: &Ctx, hub_per: f64, direct: &DriveResult, bare: &DriveResult) -> Vec<Row> {
    let shape = format!(
        "{} s measured after {} s warm-up, {} concurrent overviews in one process on the server core (1 tokio worker); ",
        ctx.opts.m2_secs, ctx.opts.warmup_secs, ctx.opts.streams
    );
    let r_hub = ratio(hub_per, direct.per_core_s());
    let mut a = Row::new(
        "M2 hub/direct",
        "fan-out: the hub vs baseline (b), the six connectors called directly (HTTP, parsing, mapping; no gRPC, auth, policy, guard, masking, audit)",
        "hub ≥ 0.5 × (b), per core-s",
    );
    a.measured = format!("hub {hub_per:.0} overviews per hub core-s (row M2)");
    a.baseline = format!(
        "(b) connectors direct {} → **{r_hub:.2}×**",
        describe(direct)
    );
    a.pass = Some(direct.errors == 0 && direct.ok > 0 && r_hub >= TARGET_RATIO);
    a.notes = errors_note(direct.errors, &direct.first_error) + &shape + &idle_note(direct);

    let r_direct = ratio(direct.per_core_s(), bare.per_core_s());
    let mut b = Row::new(
        "M2 direct/bare",
        "fan-out: baseline (b) vs baseline (a), the connectors' own HTTP requests (captured from them) sent through the SDK client, bodies read, nothing parsed",
        "(b) ≥ 0.5 × (a), per core-s",
    );
    b.measured = format!(
        "(b) connectors direct {:.0} overviews per core-s",
        direct.per_core_s()
    );
    b.baseline = format!("(a) bare fan-out {} → **{r_direct:.2}×**", describe(bare));
    b.pass =
        Some(direct.errors == 0 && bare.errors == 0 && bare.ok > 0 && r_direct >= TARGET_RATIO);
    b.notes = errors_note(bare.errors, &bare.first_error) + &shape + &idle_note(bare);
    vec![a, b]
}

/// Capacity for M3/M6: `--rate`×2, this run's M2, or a short probe.
pub fn capacity(ctx: &mut Ctx, env: &Env) -> Result<f64> {
    if let Some(rate) = ctx.opts.rate {
        return Ok(rate * 2.0);
    }
    if let Some(c) = ctx.capacity {
        return Ok(c);
    }
    println!("  probing capacity (5 s of M2)");
    ctx.place.pin_self_to_load();
    let r = measure(ctx, env, 5);
    ctx.place.unpin_self();
    let c = r?.per_core_s();
    ctx.capacity = Some(c);
    Ok(c)
}
