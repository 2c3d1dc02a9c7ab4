//! The machine the figures were measured on: cores, CPU model, and how long one disk sync
//! takes in the data folder (timed over 200 `fsync`s of a small file).

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// What the report says about the machine.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Machine {
    /// Online cores.
    pub cores: usize,
    /// CPU model name from `/proc/cpuinfo`.
    pub cpu_model: String,
    /// Median time of one write + `fsync` in the data folder, µs.
    pub fsync_p50_us: f64,
    /// 99th percentile of the same, µs.
    pub fsync_p99_us: f64,
    /// The file system the data folder is on.
    pub data_fs: String,
    /// Kernel release.
    pub kernel: String,
}

/// Measures the machine; `data_dir` must exist.
pub fn measure(data_dir: &Path) -> anyhow::Result<Machine> {
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("model name")?
                    .split_once(':')
                    .map(|(_, v)| v.trim().to_string())
            })
        })
        .unwrap_or_else(|| "unknown".to_string());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let (p50, p99) = fsync_latency(data_dir, 200)?;
    Ok(Machine {
        cores: crate::pin::cores(),
        cpu_model,
        fsync_p50_us: p50,
        fsync_p99_us: p99,
        data_fs: crate::pin::filesystem_of(data_dir),
        kernel,
    })
}

/// Median and p99 of `n` write + fsync rounds of a 512-byte file in `dir`, µs.
pub fn fsync_latency(dir: &Path, n: usize) -> anyhow::Result<(f64, f64)> {
    let path = dir.join("fsync-probe.bin");
    let mut f = std::fs::File::create(&path)?;
    let block = [0x5au8; 512];
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f.write_all(&block)?;
        f.sync_all()?;
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    drop(f);
    let _ = std::fs::remove_file(&path);
    let p50 = crate::load::quantile(&mut times, 0.5);
    let p99 = crate::load::quantile(&mut times, 0.99);
    Ok((p50, p99))
}
