//! `minwon-hub knowledge …`: the content team's commands. `import FILE` and `reload` talk to a
//! running hub through the admin RPC `ReloadKnowledge` (so every replica an operator points
//! at swaps without a restart, and the hub checks the file exactly as it will serve it);
//! `due` lists the entries past their review date; `check FILE` checks and indexes a base
//! offline, without a hub.

use anyhow::{Context, Result};
use minwon_proto::v1 as pb;
use pb::knowledge_service_client::KnowledgeServiceClient;
use std::path::{Path, PathBuf};
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint};

/// Where the running hub is and how to call it.
#[derive(Debug, Clone, clap::Args)]
pub struct HubTarget {
    /// The hub's gRPC address (`http://…` or `https://…`).
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    pub hub: String,
    /// A bearer token with the admin role (e.g. from the city's identity provider, or
    /// `minwon-hub token --role admin` in the demo). Read from MINWON_TOKEN by default so it
    /// stays out of shell history.
    #[arg(long, env = "MINWON_TOKEN", hide_env_values = true)]
    pub token: String,
    /// CA certificate (PEM) that signed the hub's TLS certificate, for `https://` hubs.
    #[arg(long)]
    pub ca_file: Option<PathBuf>,
}

async fn client(t: &HubTarget) -> Result<KnowledgeServiceClient<tonic::transport::Channel>> {
    let mut ep = Endpoint::from_shared(t.hub.clone()).context("--hub: not a URL")?;
    if let Some(ca) = &t.ca_file {
        let pem = std::fs::read(ca).with_context(|| format!("reading {}", ca.display()))?;
        ep = ep
            .tls_config(ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem)))
            .context("--ca-file")?;
    }
    let ch = ep
        .connect()
        .await
        .with_context(|| format!("connecting to the hub at {}", t.hub))?;
    // A 1,000-entry base is ~1 MiB; allow up to the hub's own limit.
    Ok(KnowledgeServiceClient::new(ch).max_encoding_message_size(4 * 1024 * 1024))
}

fn authed<T>(msg: T, token: &str) -> Result<tonic::Request<T>> {
    let mut req = tonic::Request::new(msg);
    req.metadata_mut().insert(
        "authorization",
        format!("Bearer {}", token.trim())
            .parse()
            .context("--token: not a valid header value")?,
    );
    Ok(req)
}

fn status_error(what: &str, s: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!("{what}: {} ({:?})", s.message(), s.code())
}

/// Sends `file` to the hub, or (without a file) asks it to re-read its own; prints the
/// generation now served.
pub async fn import(t: &HubTarget, file: Option<&Path>) -> Result<()> {
    let content = match file {
        Some(f) => {
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?
        }
        None => String::new(),
    };
    let r = client(t)
        .await?
        .reload_knowledge(authed(pb::ReloadKnowledgeRequest { content }, &t.token)?)
        .await
        .map_err(|s| status_error("the hub refused the knowledge base", s))?
        .into_inner();
    println!(
        "knowledge base {}: generation {}, {} entries ({} active){}",
        if r.changed { "swapped in" } else { "unchanged" },
        r.index_generation,
        r.entries,
        r.active_entries,
        if file.is_some() && !r.persisted {
            " — not written to a file: the hub serves its bundled base and will again after a restart"
        } else {
            ""
        }
    );
    Ok(())
}

/// Prints the entries due for review as CSV (id, category, department, contact, reviewed_at,
/// review_every, due_on, question).
pub async fn due(t: &HubTarget, as_of: Option<&str>, limit: u32) -> Result<()> {
    let r = client(t)
        .await?
        .list_knowledge_due_for_review(authed(
            pb::ListKnowledgeDueForReviewRequest {
                as_of: as_of.unwrap_or_default().to_string(),
                limit,
            },
            &t.token,
        )?)
        .await
        .map_err(|s| status_error("listing entries due for review", s))?
        .into_inner();
    println!("id,category,department,contact,reviewed_at,review_every,due_on,question");
    for e in &r.entries {
        let q = e.question.replace('"', "\"\"");
        println!(
            "{},{},{},{},{},{},{},\"{q}\"",
            e.id, e.category, e.department, e.contact, e.reviewed_at, e.review_every, e.due_on
        );
    }
    eprintln!(
        "{} of {} entries due (index generation {})",
        r.entries.len(),
        r.total_due,
        r.index_generation
    );
    Ok(())
}

/// Checks and indexes `file` offline, as the hub would before serving it.
pub fn check(file: &Path) -> Result<()> {
    let cfg = crate::guidance::knowledge::KnowledgeConfig {
        file: Some(file.to_path_buf()),
        refresh_secs: 0,
        ..Default::default()
    };
    let store = crate::guidance::knowledge::KnowledgeStore::open(&cfg)?;
    let snap = store.current();
    let today = chrono::Utc::now().date_naive();
    println!(
        "{}: OK ({} entries, {} active, {} due for review)",
        file.display(),
        snap.entries.len(),
        snap.active(),
        snap.due_for_review(today).len()
    );
    Ok(())
}
