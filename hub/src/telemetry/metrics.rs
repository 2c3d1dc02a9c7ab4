//! The hub's metrics: counters and histograms with label values from bounded sets only (RPC
//! method, gRPC code, source name, source state, error kind, breaker state) — never a citizen
//! key. Rendered as Prometheus text for `/metrics` and mirrored to OTLP by [`super::otel`].
//!
//! Names follow `minwon_<name>_<unit>[_total]`.

use std::collections::HashMap;
use std::fmt::Write;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

/// Histogram buckets in seconds (1 ms … 10 s).
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The series of one family, found by label values without allocating: buckets by a hash of
/// the label values, each holding the series whose values hash there (almost always one).
/// Every connector call and RPC records a few series, so a lookup that built a `Vec<String>`
/// key each time cost a dozen allocations per overview. Label values come from bounded sets
/// of the hub's own names, so a fixed-key hasher is safe here.
#[derive(Debug)]
struct Cells<T>(RwLock<Buckets<T>>);

/// Series by label hash. The key is already a hash ([`label_hash`]), so the map uses it as it
/// is instead of hashing it again with SipHash.
type Buckets<T> = HashMap<u64, Vec<(Vec<String>, T)>, BuildHasherDefault<AsIs>>;

/// A "hasher" for keys that are hashes already: it hands back the `u64` it is given.
#[derive(Debug, Default)]
struct AsIs(u64);

impl Hasher for AsIs {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used (the key is a `u64`); anything else is folded in all the same.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl<T: Default> Default for Cells<T> {
    fn default() -> Self {
        Cells(RwLock::new(HashMap::default()))
    }
}

impl<T: Default> Cells<T> {
    /// Runs `f` on the series with these label values, creating it on first use.
    fn with<R>(&self, labels: &[&str], f: impl Fn(&T) -> R) -> R {
        let h = label_hash(labels);
        {
            let map = self.0.read().unwrap_or_else(|p| p.into_inner());
            if let Some(c) = find(&map, h, labels) {
                return f(c);
            }
        }
        let mut map = self.0.write().unwrap_or_else(|p| p.into_inner());
        let bucket = map.entry(h).or_default();
        // Another thread may have created the series between the two locks.
        let i = match bucket.iter().position(|(k, _)| same(k, labels)) {
            Some(i) => i,
            None => {
                let key = labels.iter().map(|s| s.to_string()).collect();
                bucket.push((key, T::default()));
                bucket.len() - 1
            }
        };
        f(&bucket[i].1)
    }

    /// Every series, sorted by label values, as `f` reads it.
    fn series<V>(&self, f: impl Fn(&T) -> V) -> Vec<(Vec<String>, V)> {
        let map = self.0.read().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<_> = map
            .values()
            .flatten()
            .map(|(k, c)| (k.clone(), f(c)))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }
}

fn find<'a, T>(map: &'a Buckets<T>, h: u64, labels: &[&str]) -> Option<&'a T> {
    map.get(&h)?
        .iter()
        .find(|(k, _)| same(k, labels))
        .map(|(_, c)| c)
}

fn same(key: &[String], labels: &[&str]) -> bool {
    key.len() == labels.len() && key.iter().zip(labels).all(|(k, l)| k == l)
}

/// FNV-1a over the label values, each ended by a byte no UTF-8 text holds (so `["ab", "c"]`
/// and `["a", "bc"]` differ). The values are the hub's own short names; SipHash's protection
/// against chosen keys buys nothing here and cost a few hundred instructions per lookup.
fn label_hash(labels: &[&str]) -> u64 {
    let mut h = fnv::FnvHasher::default();
    for l in labels {
        h.write(l.as_bytes());
        h.write_u8(0xff);
    }
    h.finish()
}

/// A counter family keyed by label values.
#[derive(Debug, Default)]
pub struct CounterVec {
    cells: Cells<AtomicU64>,
}

impl CounterVec {
    /// Adds `n` to the series with these label values.
    pub fn add(&self, labels: &[&str], n: u64) {
        self.cells
            .with(labels, |c| c.fetch_add(n, Ordering::Relaxed));
    }

    /// Every series and its value.
    pub fn series(&self) -> Vec<(Vec<String>, u64)> {
        self.cells.series(|c| c.load(Ordering::Relaxed))
    }
}

/// One histogram series: per-bucket counts, sum (µs) and count.
///
/// Each observation counts in the one bucket it falls in (three atomic adds in all); the
/// cumulative `le` counts Prometheus wants are summed when read ([`HistogramCell::cumulative`]).
/// Counting it in every bucket at or above it cost up to twelve atomic adds per observation,
/// on every connector call.
#[derive(Debug, Default)]
pub struct HistogramCell {
    buckets: [AtomicU64; BUCKETS.len()],
    sum_us: AtomicU64,
    count: AtomicU64,
}

impl HistogramCell {
    fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        // Past the last bound it is counted only in `count` (the `+Inf` bucket).
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.sum_us.fetch_add(
            d.as_micros().min(u64::MAX as u128) as u64,
            Ordering::Relaxed,
        );
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Observations at or below each bound of [`BUCKETS`] (Prometheus' cumulative `le`).
    pub fn cumulative(&self) -> [u64; BUCKETS.len()] {
        let mut out = [0; BUCKETS.len()];
        let mut sum = 0;
        for (o, b) in out.iter_mut().zip(&self.buckets) {
            sum += b.load(Ordering::Relaxed);
            *o = sum;
        }
        out
    }

    /// Observations so far.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Sum of observations in seconds.
    pub fn sum_secs(&self) -> f64 {
        self.sum_us.load(Ordering::Relaxed) as f64 / 1e6
    }
}

/// A histogram family keyed by label values.
#[derive(Debug, Default)]
pub struct HistogramVec {
    cells: Cells<Arc<HistogramCell>>,
}

impl HistogramVec {
    /// Records one duration.
    pub fn observe(&self, labels: &[&str], d: Duration) {
        self.cells.with(labels, |c| c.observe(d));
    }

    /// Every series.
    pub fn series(&self) -> Vec<(Vec<String>, Arc<HistogramCell>)> {
        self.cells.series(Arc::clone)
    }
}

/// Every metric of the hub.
#[derive(Debug, Default)]
pub struct Metrics {
    /// `minwon_rpc_requests_total{method, code}`
    pub rpc_requests: CounterVec,
    /// `minwon_rpc_duration_seconds{method}`
    pub rpc_duration: HistogramVec,
    /// `minwon_connector_calls_total{source, state}`
    pub connector_calls: CounterVec,
    /// `minwon_connector_duration_seconds{source}`
    pub connector_duration: HistogramVec,
    /// `minwon_connector_errors_total{source, kind}`
    pub connector_errors: CounterVec,
    /// `minwon_breaker_transitions_total{source, to}`
    pub breaker_transitions: CounterVec,
    /// `minwon_audit_write_duration_seconds{outcome}` — waiting for the durable commit.
    pub audit_write: HistogramVec,
    /// `minwon_audit_store_failures_total{reason}`
    pub audit_failures: CounterVec,
    /// `minwon_auth_lockouts_total` — accounts locked after repeated failures.
    pub auth_lockouts: CounterVec,
    /// `minwon_audit_integrity_failures_total` — the writer found the stored trail rewritten
    /// under the running hub (it then fails closed).
    pub audit_integrity_failures: CounterVec,
    /// `minwon_knowledge_gaps_total{outcome}` — searches without a good answer: `queued`,
    /// `not_storable` (a digit run survived scrubbing), `dropped_queue`, `dropped_memory`,
    /// and `written` / `write_failed` per stored query row.
    pub knowledge_gaps: CounterVec,
}

/// The process-wide metrics.
pub fn global() -> &'static Metrics {
    static M: OnceLock<Metrics> = OnceLock::new();
    M.get_or_init(Metrics::default)
}

/// A gauge sample computed at scrape time (breaker state, in-flight calls).
#[derive(Debug, Clone)]
pub struct GaugeSample {
    /// Metric name.
    pub name: &'static str,
    /// Help text.
    pub help: &'static str,
    /// Label pairs.
    pub labels: Vec<(&'static str, String)>,
    /// Value.
    pub value: f64,
}

fn labels_text(names: &[&str], values: &[String]) -> String {
    let pairs: Vec<String> = names
        .iter()
        .zip(values)
        .map(|(n, v)| {
            format!(
                "{n}=\"{}\"",
                v.replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('\n', " ")
            )
        })
        .collect();
    pairs.join(",")
}

fn counter_text(out: &mut String, name: &str, help: &str, names: &[&str], c: &CounterVec) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
    for (values, v) in c.series() {
        let _ = writeln!(out, "{name}{{{}}} {v}", labels_text(names, &values));
    }
}

fn histogram_text(out: &mut String, name: &str, help: &str, names: &[&str], h: &HistogramVec) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
    for (values, cell) in h.series() {
        let l = labels_text(names, &values);
        let sep = if l.is_empty() { "" } else { "," };
        let cumulative = cell.cumulative();
        for (b, n) in BUCKETS.iter().zip(cumulative) {
            let _ = writeln!(out, "{name}_bucket{{{l}{sep}le=\"{b}\"}} {n}");
        }
        // An observation counted in its bucket but not yet in `count` while this was read
        // must not make `+Inf` smaller than a finite bucket (Prometheus wants them monotonic).
        let count = cell.count().max(cumulative[BUCKETS.len() - 1]);
        let _ = writeln!(out, "{name}_bucket{{{l}{sep}le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum{{{l}}} {}", cell.sum_secs());
        let _ = writeln!(out, "{name}_count{{{l}}} {count}");
    }
}

impl Metrics {
    /// Prometheus text exposition of every metric plus the given gauges.
    pub fn render(&self, gauges: &[GaugeSample]) -> String {
        let mut out = String::new();
        counter_text(
            &mut out,
            "minwon_rpc_requests_total",
            "RPCs answered, by method and gRPC code.",
            &["method", "code"],
            &self.rpc_requests,
        );
        histogram_text(
            &mut out,
            "minwon_rpc_duration_seconds",
            "RPC latency.",
            &["method"],
            &self.rpc_duration,
        );
        counter_text(
            &mut out,
            "minwon_connector_calls_total",
            "Source outcomes, by source and state.",
            &["source", "state"],
            &self.connector_calls,
        );
        histogram_text(
            &mut out,
            "minwon_connector_duration_seconds",
            "Back-end call latency.",
            &["source"],
            &self.connector_duration,
        );
        counter_text(
            &mut out,
            "minwon_connector_errors_total",
            "Back-end call failures, by error kind.",
            &["source", "kind"],
            &self.connector_errors,
        );
        counter_text(
            &mut out,
            "minwon_breaker_transitions_total",
            "Circuit breaker state changes.",
            &["source", "to"],
            &self.breaker_transitions,
        );
        histogram_text(
            &mut out,
            "minwon_audit_write_duration_seconds",
            "Wait for the durable access record (group commit).",
            &["outcome"],
            &self.audit_write,
        );
        counter_text(
            &mut out,
            "minwon_audit_store_failures_total",
            "Access records that could not be written.",
            &["reason"],
            &self.audit_failures,
        );
        counter_text(
            &mut out,
            "minwon_auth_lockouts_total",
            "Accounts locked after repeated authentication failures.",
            &[],
            &self.auth_lockouts,
        );
        counter_text(
            &mut out,
            "minwon_audit_integrity_failures_total",
            "Times the audit writer found the stored trail rewritten under the running hub.",
            &[],
            &self.audit_integrity_failures,
        );
        counter_text(
            &mut out,
            "minwon_knowledge_gaps_total",
            "Knowledge searches without a good answer, by what became of them.",
            &["outcome"],
            &self.knowledge_gaps,
        );
        let mut seen: Vec<&str> = Vec::new();
        for g in gauges {
            if !seen.contains(&g.name) {
                let _ = writeln!(out, "# HELP {} {}\n# TYPE {} gauge", g.name, g.help, g.name);
                seen.push(g.name);
            }
            let names: Vec<&str> = g.labels.iter().map(|(n, _)| *n).collect();
            let values: Vec<String> = g.labels.iter().map(|(_, v)| v.clone()).collect();
            let _ = writeln!(
                out,
                "{}{{{}}} {}",
                g.name,
                labels_text(&names, &values),
                g.value
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_histograms_and_gauges() {
        let m = Metrics::default();
        m.rpc_requests.add(&["GetCitizenOverview", "OK"], 2);
        m.rpc_duration
            .observe(&["GetCitizenOverview"], Duration::from_millis(3));
        let text = m.render(&[GaugeSample {
            name: "minwon_breaker_state",
            help: "0 closed, 1 open",
            labels: vec![("source", "tax".into())],
            value: 1.0,
        }]);
        assert!(
            text.contains("minwon_rpc_requests_total{method=\"GetCitizenOverview\",code=\"OK\"} 2")
        );
        assert!(text.contains(
            "minwon_rpc_duration_seconds_bucket{method=\"GetCitizenOverview\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "minwon_rpc_duration_seconds_bucket{method=\"GetCitizenOverview\",le=\"0.0025\"} 0"
        ));
        assert!(
            text.contains("minwon_rpc_duration_seconds_count{method=\"GetCitizenOverview\"} 1")
        );
        assert!(text.contains("minwon_breaker_state{source=\"tax\"} 1"));
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_the_slowest_count_only_in_inf() {
        let h = HistogramVec::default();
        for ms in [1, 3, 3, 40, 20_000] {
            h.observe(&["tax"], Duration::from_millis(ms));
        }
        let (_, cell) = h.series().remove(0);
        // Bounds 1 ms, 2.5, 5, 10, 25, 50, 100, … 10 s.
        assert_eq!(cell.cumulative(), [1, 1, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4]);
        assert_eq!(cell.count(), 5);
        let m = Metrics::default();
        m.connector_duration
            .observe(&["tax"], Duration::from_millis(20_000));
        let text = m.render(&[]);
        assert!(text.contains("le=\"10\"} 0"), "{text}");
        assert!(text.contains("le=\"+Inf\"} 1"), "{text}");
    }

    #[test]
    fn label_values_split_differently_are_different_series() {
        let c = CounterVec::default();
        c.add(&["ab", "c"], 1);
        c.add(&["a", "bc"], 2);
        c.add(&["ab", "c"], 3);
        assert_eq!(
            c.series(),
            vec![
                (vec!["a".to_string(), "bc".to_string()], 2),
                (vec!["ab".to_string(), "c".to_string()], 4),
            ]
        );
        assert_ne!(label_hash(&["ab", "c"]), label_hash(&["a", "bc"]));
    }
}
