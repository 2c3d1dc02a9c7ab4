//! M6 — memory: the hub's peak resident set (`VmHWM` of its process) after M2's load, and a
//! soak at half of M2's capacity (open loop, simulators without delay) sampling `VmRSS` every
//! second; growth is the last sample against the sample at 10% of the soak (after warm-up).

use crate::realhub::Env;
use crate::report::{Row, errors_note};
use crate::suite::Ctx;
use anyhow::Result;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const MB: f64 = 1024.0 * 1024.0;

/// Peak RSS row; call right after M2 on the same hub process.
pub fn peak_row(env: &Env) -> Row {
    let mut row = Row::new("M6 peak", "hub peak RSS (VmHWM) during M2", "≤ 150 MB");
    match crate::procfs::peak_rss(env.hub.pid()) {
        Some(b) => {
            let mb = b as f64 / MB;
            row.measured = format!("{mb:.1} MB");
            row.baseline = format!("target 150 MB → {:.2}×", mb / 150.0);
            row.pass = Some(mb <= 150.0);
        }
        None => row.notes = "VmHWM unreadable".to_string(),
    }
    row
}

/// Runs the soak on a started environment.
pub fn soak(ctx: &mut Ctx, env: &Env) -> Result<Vec<Row>> {
    let cap = crate::m2::capacity(ctx, env)?;
    let rate = (cap / 2.0).max(1.0);
    let secs = ctx.opts.soak_secs;
    println!("M6: soak at {rate:.0} req/s for {secs} s");
    let pid = env.hub.pid();
    let samples: Arc<Mutex<Vec<u64>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let (samples, stop) = (samples.clone(), stop.clone());
        let warm = ctx.opts.warmup();
        std::thread::spawn(move || {
            std::thread::sleep(warm);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(r) = crate::procfs::rss(pid)
                    && let Ok(mut v) = samples.lock()
                {
                    v.push(r);
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        })
    };
    ctx.place.pin_self_to_load();
    let r = crate::m3::open_load(ctx, env, rate, secs);
    ctx.place.unpin_self();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = sampler.join();
    let r = r?;
    let v = samples.lock().map(|v| v.clone()).unwrap_or_default();
    let mut row = Row::new(
        "M6 soak",
        "hub RSS growth over a soak at half M2 capacity",
        "≤ 5% growth over the soak (issue: 10 minutes)",
    );
    if v.len() < 3 {
        row.notes = "too few RSS samples".to_string();
        return Ok(vec![row]);
    }
    let base = v[v.len() / 10] as f64;
    let last = *v.last().unwrap_or(&0) as f64;
    let max = v.iter().copied().max().unwrap_or(0) as f64;
    let growth = (last - base) / base * 100.0;
    row.measured = format!(
        "RSS {:.1} MB → {:.1} MB = {growth:+.1}% (max {:.1} MB; {} OK answers at {rate:.0} req/s offered)",
        base / MB,
        last / MB,
        max / MB,
        r.ok
    );
    row.baseline = format!(
        "start of the soak (sample at 10%) {:.1} MB; target 5% → {:.2}×",
        base / MB,
        growth.max(0.0) / 5.0
    );
    row.pass = Some(r.errors == 0 && growth <= 5.0);
    row.notes = format!(
        "{}{secs} s soak (`--soak-secs 600` for the issue's 10 minutes).",
        errors_note(r.errors, &r.first_error)
    );
    Ok(vec![row])
}
