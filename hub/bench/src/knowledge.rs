//! `minwon-bench knowledge`: the knowledge search's quality over the evaluation set
//! (`hub/knowledge/eval.toml`) against the bundled base, or a base and set given on the
//! command line. Prints top-1, top-3 and MRR (the figures in BENCHMARKS.md) and every
//! question missed in the top 3. Deterministic: no timing, no network.

use anyhow::{Context, Result};
use minwon_hub::guidance::knowledge::{KnowledgeConfig, KnowledgeStore, eval};
use std::path::PathBuf;

/// Runs the evaluation and prints the figures.
pub fn run(base: Option<PathBuf>, set: Option<PathBuf>) -> Result<()> {
    let cfg = KnowledgeConfig {
        file: base,
        ..KnowledgeConfig::default()
    };
    let store = KnowledgeStore::open(&cfg)?;
    let text = match &set {
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?
        }
        None => eval::BUNDLED.to_string(),
    };
    let questions = eval::parse(&text).map_err(anyhow::Error::msg)?;
    let snap = store.current();
    let r = eval::run(&snap, &questions).map_err(anyhow::Error::msg)?;
    println!(
        "knowledge search: {} questions over {} active entries (index generation {})",
        r.questions,
        snap.active(),
        snap.generation
    );
    println!(
        "top-1 {:.1}%  top-3 {:.1}%  MRR {:.3}  (target top-3 >= 90%: {})",
        r.top1 * 100.0,
        r.top3 * 100.0,
        r.mrr,
        if r.top3 >= 0.90 { "pass" } else { "FAIL" }
    );
    for m in &r.misses {
        println!(
            "  missed: {:?} expects {:?}, got {:?}",
            m.text, m.expect, m.got
        );
    }
    Ok(())
}
