//! M2's baseline (b), "connectors direct": the six real connectors, built by the hub's own
//! registry from the very config file the measured hub reads, called straight from an
//! overview loop — their HTTP, parsing and mapping, and nothing of the hub around them (no
//! gRPC server, auth, policy, guard, masking, conversion or audit).
//!
//! This is also the one file through which the new baselines (this one, the capture for
//! baseline (a), and `cost`) reach into `minwon_hub`'s internals: the config loader and the
//! connector registry. When those modules move, this file is the one to follow them.

use anyhow::{Context, Result};
use minwon_connector_sdk::{CallContext, CitizenKeys, Connector, ErrorKind};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Deadline of one direct call: long enough that it never fires at the suite's loads, so a
/// slow back-end shows as slowness, not as errors.
const BUDGET: Duration = Duration::from_secs(10);

/// The connectors of the hub config at `config`, built by the hub's registry from the same
/// tables (and resilience settings) the hub builds them from. With `base_urls`, each named
/// connector's `base_url` is replaced first (the capture proxies of baseline (a)).
pub fn connectors(
    config: &Path,
    base_urls: Option<&BTreeMap<String, String>>,
) -> Result<Vec<Arc<dyn Connector>>> {
    let cfg = minwon_hub::config::HubConfig::load(config)
        .with_context(|| format!("loading {}", config.display()))?;
    let mut tables: BTreeMap<String, toml::Value> = cfg.connectors.0.clone();
    for (name, url) in base_urls.into_iter().flatten() {
        let table = tables
            .get_mut(name)
            .and_then(toml::Value::as_table_mut)
            .with_context(|| format!("connectors.{name}: no such table to redirect"))?;
        table.insert("base_url".into(), toml::Value::String(url.clone()));
    }
    let registry = minwon_hub::fanout::registry::Registry::from_config(&tables, &cfg.resilience)?;
    Ok(registry
        .connectors
        .into_iter()
        .map(|r| r.connector)
        .collect())
}

/// One overview's connector work: every connector that can answer `keys` (as the hub's plan
/// picks them) fetched concurrently in this task. `Ok` holds the number of sources called;
/// an error names the source. Every source in `expected` must return cases; the others may
/// return none.
pub async fn overview(
    connectors: &[Arc<dyn Connector>],
    keys: &CitizenKeys,
    expected: &[String],
) -> Result<u32, String> {
    let ctx = CallContext::with_budget(BUDGET);
    let calls = connectors
        .iter()
        .filter(|c| c.descriptor().can_answer(keys))
        .map(|c| {
            let ctx = &ctx;
            async move { (c.descriptor().name.as_str(), c.fetch(keys, ctx).await) }
        });
    let results = futures::future::join_all(calls).await;
    for (name, r) in &results {
        let found = match r {
            Ok(f) => !f.cases.is_empty() || f.partial.is_some(),
            Err(e) if e.kind == ErrorKind::NotFound => false,
            Err(e) => return Err(format!("source {name}: {} ({})", e.kind.as_str(), e)),
        };
        if !found && expected.iter().any(|x| x == name) {
            return Err(format!("source {name}: no cases"));
        }
    }
    for name in expected {
        if !results.iter().any(|(n, _)| n == name) {
            return Err(format!("source {name} was not called"));
        }
    }
    Ok(results.len() as u32)
}

/// The real `base_url` of every connector table in the hub config at `config`.
pub fn base_urls(config: &Path) -> Result<BTreeMap<String, String>> {
    let cfg = minwon_hub::config::HubConfig::load(config)
        .with_context(|| format!("loading {}", config.display()))?;
    Ok(cfg
        .connectors
        .0
        .iter()
        .filter_map(|(name, t)| {
            let url = t.get("base_url")?.as_str()?;
            Some((name.clone(), url.to_string()))
        })
        .collect())
}
