//! Core pinning and child processes.
//!
//! The server under test runs as a child process of this binary (a hidden subcommand) started
//! through `taskset -c 0`, so every thread it makes — tokio worker, blocking pool, SQLite —
//! stays on core 0. The load generator (this process) moves itself to core 1 with
//! `taskset -a -p -c 1 <pid>` (all its threads; threads made later inherit it). Without
//! `taskset`, nothing is pinned and the report says so. Children are told to stop by closing
//! their stdin, so they drain and flush their audit trail; they are killed if they do not.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether `taskset` can be used on this machine.
pub fn taskset_available() -> bool {
    Command::new("taskset")
        .args(["-p", &std::process::id().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Number of online cores (`nproc`'s answer).
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// The core the server under test runs on, and the cores of everything else.
#[derive(Debug, Clone)]
pub struct Placement {
    /// Whether pinning is in effect.
    pub pinned: bool,
    /// `taskset` list of the server's core.
    pub server: String,
    /// `taskset` list of the load generator's (and simulators') cores.
    pub load: String,
}

impl Placement {
    /// Server on core 0, load on the last core (core 1 on a 2-core machine).
    pub fn detect() -> Self {
        let n = cores();
        let pinned = n >= 2 && taskset_available();
        Placement {
            pinned,
            server: "0".to_string(),
            load: format!("{}", n - 1),
        }
    }

    /// Human description for the report.
    pub fn describe(&self) -> String {
        if self.pinned {
            format!(
                "server pinned to core {} (taskset, 1 tokio worker); load generator and simulators on core {}",
                self.server, self.load
            )
        } else {
            "NOT pinned (taskset unavailable or a single core); figures are less comparable"
                .to_string()
        }
    }

    /// Moves this whole process (every thread) to the load cores.
    pub fn pin_self_to_load(&self) {
        if self.pinned {
            set_affinity(std::process::id(), &self.load);
        }
    }

    /// Lets this process run on every core again.
    pub fn unpin_self(&self) {
        if self.pinned {
            set_affinity(std::process::id(), &format!("0-{}", cores() - 1));
        }
    }
}

fn set_affinity(pid: u32, cpus: &str) {
    let ok = Command::new("taskset")
        .args(["-a", "-p", "-c", cpus, &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("warning: could not set the CPU affinity of {pid} to {cpus}");
    }
}

/// A running child (server under test or simulators). Stopped on drop.
pub struct ChildProc {
    child: Child,
    stdin: Option<ChildStdin>,
    /// What the child printed on its `READY` line (e.g. its address).
    pub ready: String,
    name: String,
    /// Later `READY`/`RESULT` lines of the child, in order (see [`ChildProc::expect_line`]).
    lines: std::sync::mpsc::Receiver<String>,
}

impl ChildProc {
    /// Starts this binary with `args` (optionally under `taskset -c cpus`), waits up to
    /// `timeout` for a line `READY <text>` on its stdout.
    pub fn spawn(name: &str, cpus: Option<&str>, args: &[&str], timeout: Duration) -> Result<Self> {
        let exe = std::env::current_exe().context("locating this binary")?;
        let mut cmd = match cpus {
            Some(c) => {
                let mut cmd = Command::new("taskset");
                cmd.args(["-c", c]).arg(&exe);
                cmd
            }
            None => Command::new(&exe),
        };
        if DIAG_NODELAY.load(std::sync::atomic::Ordering::Relaxed) {
            cmd.env(NODELAY_ENV, "1");
        }
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().with_context(|| format!("starting {name}"))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().context("child stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.starts_with("READY ") || line.starts_with("RESULT ") {
                    let _ = tx.send(line);
                } else {
                    eprintln!("  | {line}");
                }
            }
        });
        let ready = match rx.recv_timeout(timeout) {
            Ok(r) if r.starts_with("READY ") => r["READY ".len()..].to_string(),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                bail!("{name} did not become ready within {timeout:?}");
            }
        };
        Ok(ChildProc {
            child,
            stdin,
            ready,
            name: name.to_string(),
            lines: rx,
        })
    }

    /// Waits up to `timeout` for the child's next `READY`/`RESULT` line and returns the text
    /// after `prefix` (e.g. `"RESULT "`); any other next line, or none, is an error.
    pub fn expect_line(&self, prefix: &str, timeout: Duration) -> Result<String> {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => match line.strip_prefix(prefix) {
                Some(rest) => Ok(rest.to_string()),
                None => bail!("{}: expected a line {prefix:?}…, got another", self.name),
            },
            Err(_) => bail!(
                "{} printed no {prefix:?} line within {timeout:?}",
                self.name
            ),
        }
    }

    /// Writes one line to the child's stdin (the stop signal stays: closing it).
    pub fn send_line(&mut self, line: &str) -> Result<()> {
        use std::io::Write;
        let stdin = self.stdin.as_mut().context("child stdin already closed")?;
        writeln!(stdin, "{line}")?;
        stdin.flush()?;
        Ok(())
    }

    /// The child's process id (the same as the server's: `taskset` execs).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Closes its stdin (the stop signal) and waits up to 15 s, then kills it.
    pub fn stop(mut self) {
        self.stop_inner();
    }

    fn stop_inner(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => {
                    eprintln!("warning: {} did not stop; killing it", self.name);
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return;
                }
            }
        }
    }
}

impl Drop for ChildProc {
    fn drop(&mut self) {
        if self.stdin.is_some() {
            self.stop_inner();
        }
    }
}

/// Completes when this process's stdin closes: how a child learns to stop.
pub async fn stdin_closed() {
    let _ = tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
    })
    .await;
}

/// Prints the `READY` line a parent waits for.
pub fn announce_ready(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = writeln!(out, "READY {text}");
    let _ = out.flush();
}

/// A 1-worker tokio runtime (the server under test gets one core).
pub fn one_worker_runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?)
}

/// Whether `p` is on a real disk (not tmpfs), best effort, for the report.
pub fn filesystem_of(p: &Path) -> String {
    Command::new("df")
        .args(["--output=fstype,source"])
        .arg(p)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| {
            s.lines()
                .nth(1)
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        })
        .unwrap_or_else(|| "unknown".to_string())
}

/// Environment variable that makes the servers under test listen with `TCP_NODELAY` set on
/// the listening socket (accepted sockets inherit it on Linux). A diagnostic only
/// (`--diag-nodelay`): the measures themselves run the hub as it is.
pub const NODELAY_ENV: &str = "MINWON_BENCH_DIAG_NODELAY";

/// Whether children get [`NODELAY_ENV`].
pub static DIAG_NODELAY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Binds a server's listener; with [`NODELAY_ENV`] set, with `TCP_NODELAY` on.
pub async fn bind_listener(addr: std::net::SocketAddr) -> Result<tokio::net::TcpListener> {
    if std::env::var_os(NODELAY_ENV).is_none() {
        return Ok(tokio::net::TcpListener::bind(addr).await?);
    }
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.set_nodelay(true)?;
    socket.bind(addr)?;
    Ok(socket.listen(1024)?)
}

/// This process's stdin as lines, read on a thread; the receiver ends when stdin closes. For
/// children that take a command (`go`) before the stop signal.
pub fn stdin_lines() -> tokio::sync::mpsc::UnboundedReceiver<String> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}
