//! Shared end-to-end plumbing: start the real `minwon-hub demo` binary in a temporary data
//! folder on free ports, wait for its `demo-endpoints.json`, and talk to it over real gRPC.

#![allow(dead_code)] // each test binary uses part of this module

pub mod trail;

use minwon_proto::v1 as pb;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tonic::transport::Channel;

/// A running demo (hub + simulators) in its own temporary folder; killed on drop.
pub struct Demo {
    child: Option<Child>,
    dir: tempfile::TempDir,
    /// `demo-endpoints.json`.
    pub endpoints: Value,
    /// `demo-tokens.json`.
    pub tokens: Value,
    /// `demo-citizens.json`.
    pub citizens: Value,
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

impl Demo {
    /// Starts the demo binary and waits until it is serving.
    pub fn start() -> Demo {
        Self::start_with_env(&[])
    }

    /// Starts the demo with extra environment (e.g. `MINWON_…__…` config overrides).
    pub fn start_with_env(env: &[(&str, &str)]) -> Demo {
        Self::start_with(&[], env)
    }

    /// Starts the demo with global arguments before `demo` (e.g. `--log-format json`) and
    /// extra environment.
    pub fn start_with(global_args: &[&str], env: &[(&str, &str)]) -> Demo {
        let dir = tempfile::tempdir().expect("temp dir");
        let child = Command::new(env!("CARGO_BIN_EXE_minwon-hub"))
            .args(global_args)
            .args([
                "demo",
                "--listen",
                "127.0.0.1:0",
                "--sim-base-port",
                "0",
                "--data-dir",
            ])
            .arg(dir.path())
            .envs(env.iter().copied())
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.path().join("hub.log")).expect("log file"),
            ))
            .spawn()
            .expect("start minwon-hub demo");
        let mut demo = Demo {
            child: Some(child),
            dir,
            endpoints: Value::Null,
            tokens: Value::Null,
            citizens: Value::Null,
        };
        let start = Instant::now();
        loop {
            if let Some(v) = read_json(&demo.dir.path().join("demo-endpoints.json")) {
                demo.endpoints = v;
                break;
            }
            if let Some(status) = demo.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("demo exited early ({status}); log:\n{}", demo.log());
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "demo did not start; log:\n{}",
                demo.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        demo.tokens = read_json(&demo.dir.path().join("demo-tokens.json")).expect("tokens file");
        demo.citizens =
            read_json(&demo.dir.path().join("demo-citizens.json")).expect("citizens file");
        demo
    }

    /// The data folder.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The hub's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("hub.log")).unwrap_or_default()
    }

    /// `http://host:port` of the hub.
    pub fn hub_url(&self) -> String {
        format!("http://{}", self.endpoints["hub"].as_str().unwrap())
    }

    /// Base URL of a simulator.
    pub fn sim_url(&self, source: &str) -> String {
        self.endpoints["simulators"][source]
            .as_str()
            .expect("simulator listed")
            .to_string()
    }

    /// The ready token of a role.
    pub fn token(&self, role: &str) -> String {
        self.tokens[role]
            .as_str()
            .expect("token for role")
            .to_string()
    }

    /// Every source the demo runs.
    pub fn all_sources(&self) -> Vec<String> {
        self.citizens["all_sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    }

    /// A demo citizen with records in every source.
    pub fn full_citizen(&self) -> Value {
        let all = self.all_sources();
        self.citizens["citizens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| {
                let s: Vec<&str> = c["sources"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap())
                    .collect();
                all.iter().all(|a| s.contains(&a.as_str()))
            })
            .expect("a citizen with records everywhere")
            .clone()
    }

    /// Path of the audit database.
    pub fn audit_db(&self) -> PathBuf {
        self.dir.path().join("audit.db")
    }

    /// Number of access records, read straight from the database.
    pub fn access_record_count(&self) -> i64 {
        let conn = rusqlite::Connection::open_with_flags(
            self.audit_db(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("open audit db");
        conn.query_row("SELECT count(*) FROM access_record", [], |r| r.get(0))
            .expect("count")
    }

    /// Sends SIGTERM and waits for a clean exit; returns whether it exited successfully.
    pub fn terminate(&mut self) -> bool {
        let mut child = self.child.take().expect("running");
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status.success();
            }
            if start.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the hub with SIGKILL (no shutdown, no flush) and waits for it.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// A gRPC channel to the hub.
    pub async fn channel(&self) -> Channel {
        Channel::from_shared(self.hub_url())
            .unwrap()
            .connect()
            .await
            .expect("connect to hub")
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A request with a bearer token.
pub fn authed<T>(msg: T, token: &str) -> tonic::Request<T> {
    let mut req = tonic::Request::new(msg);
    req.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    req
}

/// A citizen query by RRN with a purpose.
pub fn query_rrn(rrn: &str) -> pb::CitizenQuery {
    pb::CitizenQuery {
        citizen: Some(pb::CitizenKeys {
            rrn: rrn.to_string(),
            ..Default::default()
        }),
        purpose: Some(pb::Purpose {
            code: pb::PurposeCode::CitizenInquiry as i32,
            note: "e2e test call".into(),
        }),
        sources: vec![],
        filter: None,
    }
}

/// `GetCase` of `case_ref` for a citizen's inquiry.
pub fn case_request(case_ref: &str) -> pb::GetCaseRequest {
    pb::GetCaseRequest {
        case_ref: case_ref.to_string(),
        purpose: Some(pb::Purpose {
            code: pb::PurposeCode::CitizenInquiry as i32,
            note: String::new(),
        }),
    }
}

/// Every connector as an admin's `ListConnectors` lists it, without live health checks.
pub async fn connectors(demo: &Demo) -> Vec<pb::ConnectorInfo> {
    use pb::connector_admin_service_client::ConnectorAdminServiceClient;
    ConnectorAdminServiceClient::new(demo.channel().await)
        .list_connectors(authed(
            pb::ListConnectorsRequest { skip_health: true },
            &demo.token("admin"),
        ))
        .await
        .unwrap()
        .into_inner()
        .connectors
}

/// A query with every key of a demo citizen (RRN, plates, water customer number).
pub fn query_full(citizen: &Value) -> pb::CitizenQuery {
    let mut q = query_rrn(citizen["rrn"].as_str().unwrap());
    let keys = q.citizen.as_mut().unwrap();
    keys.vehicle_numbers = citizen["vehicle_numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    keys.water_customer_no = citizen["water_customer_no"].as_str().unwrap().to_string();
    q
}

/// Every personal value of a demo citizen (for leak checks).
pub fn personal_values(citizen: &Value) -> Vec<String> {
    let mut v = vec![
        citizen["rrn"].as_str().unwrap().to_string(),
        citizen["rrn"].as_str().unwrap().replace('-', ""),
        citizen["name"].as_str().unwrap().to_string(),
        citizen["phone"].as_str().unwrap().to_string(),
        citizen["address"].as_str().unwrap().to_string(),
        citizen["water_customer_no"].as_str().unwrap().to_string(),
    ];
    for p in citizen["vehicle_numbers"].as_array().unwrap() {
        v.push(p.as_str().unwrap().to_string());
    }
    v
}

/// The state of `source` in an overview.
pub fn state_of(o: &pb::CitizenOverview, source: &str) -> pb::SourceState {
    let s = o
        .sources
        .iter()
        .find(|s| s.source == source)
        .expect("status per source");
    pb::SourceState::try_from(s.state).unwrap()
}
