//! M2 — fan-out throughput: the real hub (one core, one tokio worker) in front of the real
//! simulators (their own process on the other core), closed-loop load of checked overviews;
//! the figure is overviews per second of **hub CPU time** (utime + stime of the hub process
//! from `/proc/<pid>/stat`), so it does not depend on how fast the other core feeds it.

use crate::load::{self, LoadReport};
use crate::m1::ServerRun;
use crate::realhub::Env;
use crate::report::{Row, errors_note};
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

/// Runs M2 on a started environment; sets `ctx.capacity`.
pub fn run_on(ctx: &mut Ctx, env: &Env) -> Result<Vec<Row>> {
    println!("M2: fan-out throughput per hub core-second");
    ctx.place.pin_self_to_load();
    let r = measure(ctx, env, ctx.opts.m2_secs);
    ctx.place.unpin_self();
    let r = r?;
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
    row.notes = format!(
        "{}Wired sources: {} ({} of 6). {} s measured, {} streams over {} connections. ",
        errors_note(r.load.errors, &r.load.first_error),
        wired.join(", "),
        wired.len(),
        ctx.opts.m2_secs,
        ctx.opts.streams,
        ctx.opts.connections
    );
    Ok(vec![row])
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
