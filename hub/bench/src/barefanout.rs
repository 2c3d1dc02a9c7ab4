//! M2's baseline (a), "bare fan-out": per overview, the same HTTP requests the six connectors
//! send for that citizen (captured from them at start-up, see [`crate::capture`]) sent to the
//! same simulators through the SDK's own back-end client (the one every connector uses: same
//! pool, deadline and body read), sources concurrently, each source's requests in order.
//! Bodies are read in full and not parsed; an answer counts when every status is the one the
//! capture saw.

use crate::capture::SourceRequests;
use minwon_connector_sdk::CallContext;
use minwon_connector_sdk::http::{BackendClient, HttpSettings};
use std::collections::BTreeMap;
use std::time::Duration;

/// Deadline of one overview's requests (never reached at the suite's loads).
const BUDGET: Duration = Duration::from_secs(10);

/// The captured overviews and one client per source (as each connector holds its own).
pub struct BareFanout {
    queries: Vec<Vec<SourceRequests>>,
    clients: BTreeMap<String, BackendClient>,
}

impl BareFanout {
    /// Prepares the clients for `queries` (from [`crate::capture::capture`]).
    pub fn new(queries: Vec<Vec<SourceRequests>>) -> anyhow::Result<Self> {
        let mut clients = BTreeMap::new();
        for s in queries.iter().flatten() {
            if !clients.contains_key(&s.source) {
                let c = BackendClient::new(&HttpSettings::default())
                    .map_err(|e| anyhow::anyhow!("client for {}: {e}", s.source))?;
                clients.insert(s.source.clone(), c);
            }
        }
        Ok(BareFanout { queries, clients })
    }

    /// Whether nothing was captured.
    pub fn is_empty(&self) -> bool {
        self.queries.is_empty()
    }

    /// Replays query `i`; `Ok` holds the number of sources called.
    pub async fn overview(&self, i: usize) -> Result<u32, String> {
        let sources = &self.queries[i % self.queries.len()];
        let ctx = CallContext::with_budget(BUDGET);
        let calls = sources.iter().map(|s| {
            let ctx = &ctx;
            async move {
                let client = self
                    .clients
                    .get(&s.source)
                    .ok_or_else(|| format!("source {}: no client", s.source))?;
                for r in &s.requests {
                    let req = client
                        .inner()
                        .request(r.method.clone(), format!("{}{}", s.base_url, r.path))
                        .headers(r.headers.clone())
                        .body(r.body.clone());
                    let resp = client
                        .send(req, ctx)
                        .await
                        .map_err(|e| format!("source {}: {e}", s.source))?;
                    if resp.status != r.status {
                        return Err(format!(
                            "source {}: status {} where the capture saw {}",
                            s.source, resp.status, r.status
                        ));
                    }
                }
                Ok::<(), String>(())
            }
        });
        for r in futures::future::join_all(calls).await {
            r?;
        }
        Ok(sources.len() as u32)
    }
}
