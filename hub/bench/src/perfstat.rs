//! `perf stat` attached to a running process for a window: instructions (when the machine
//! exposes hardware counters — many VMs do not, and then `perf` says `<not supported>`),
//! task-clock, context switches and CPU migrations, summed over every thread of the process
//! (threads it starts inside the window are counted too: `perf` inherits into them).

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The events asked for, in `perf`'s spelling.
pub const EVENTS: &str = "instructions,task-clock,context-switches,cpu-migrations";

/// The counts of one window; `None` where `perf` could not count the event.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    /// Instructions retired.
    pub instructions: Option<f64>,
    /// CPU time, ms.
    pub task_clock_ms: Option<f64>,
    /// Context switches.
    pub context_switches: Option<f64>,
    /// CPU migrations.
    pub cpu_migrations: Option<f64>,
}

/// A running `perf stat -p`.
pub struct PerfStat {
    child: Child,
    out: PathBuf,
}

/// Whether `perf stat` runs here at all.
pub fn available() -> bool {
    Command::new("perf")
        .args(["stat", "-e", "task-clock", "--", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

impl PerfStat {
    /// Attaches to `pid`, writing its CSV report to `out`; returns once `perf` has had time to
    /// open its counters.
    pub fn attach(pid: u32, out: &Path) -> Result<PerfStat> {
        let _ = std::fs::remove_file(out);
        let mut child = Command::new("perf")
            .args(["stat", "-x", ",", "-e", EVENTS, "-o"])
            .arg(out)
            .args(["-p", &pid.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting perf stat")?;
        std::thread::sleep(Duration::from_millis(300));
        if let Some(st) = child.try_wait()? {
            bail!("perf stat -p {pid} ended at once ({st})");
        }
        Ok(PerfStat {
            child,
            out: out.to_path_buf(),
        })
    }

    /// Stops `perf` (SIGINT, as Ctrl-C: it then prints its counts) and reads them.
    pub fn stop(mut self) -> Result<Counts> {
        let id = self.child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &id]).status()?;
        if !sent.success() {
            let _ = self.child.kill();
        }
        self.child.wait()?;
        let text = std::fs::read_to_string(&self.out)
            .with_context(|| format!("reading {}", self.out.display()))?;
        Ok(parse(&text))
    }
}

/// Parses `perf stat -x ,` output: `value,unit,event,…` per line.
pub fn parse(text: &str) -> Counts {
    let mut c = Counts::default();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split(',').collect();
        let (Some(value), Some(event)) = (f.first(), f.get(2)) else {
            continue;
        };
        let v = value.trim().parse::<f64>().ok();
        match event.trim() {
            "instructions" => c.instructions = v,
            "task-clock" => c.task_clock_ms = v,
            "context-switches" => c.context_switches = v,
            "cpu-migrations" => c.cpu_migrations = v,
            _ => {}
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_counters_stay_none_and_the_others_are_read() {
        let text = "# started on Wed Dec  2 01:00:00 2026\n\n\
                    <not supported>,,instructions,0,100.00,,\n\
                    1234.50,msec,task-clock,1234500000,100.00,0.999,CPUs utilized\n\
                    4321,,context-switches,1234500000,100.00,3.500,K/sec\n\
                    7,,cpu-migrations,1234500000,100.00,0.006,K/sec\n";
        let c = parse(text);
        assert_eq!(c.instructions, None);
        assert_eq!(c.task_clock_ms, Some(1234.5));
        assert_eq!(c.context_switches, Some(4321.0));
        assert_eq!(c.cpu_migrations, Some(7.0));
    }
}
