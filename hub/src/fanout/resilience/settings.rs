//! Resilience settings: `[resilience.defaults]` for every connector plus
//! `[resilience.overrides.<name>]` tables that change only the keys they name (merged key by
//! key, so an override of `breaker.open_wait_ms` keeps every other breaker default).

use super::breaker::BreakerSettings;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The `[resilience]` table as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResilienceConfig {
    /// Settings for every connector.
    #[serde(default)]
    pub defaults: Option<toml::Table>,
    /// Per-connector changes, keyed by connector name.
    #[serde(default)]
    pub overrides: BTreeMap<String, toml::Table>,
}

/// The effective settings of one connector.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectorSettings {
    /// Circuit breaker.
    pub breaker: BreakerSettings,
    /// Most calls in flight to this back-end; more are answered "busy" at once.
    pub max_in_flight: usize,
    /// Longest a call to this source may take within a query, in ms (the caller's deadline
    /// still wins when shorter).
    pub deadline_ms: u64,
    /// Retry of idempotent reads.
    pub retry: RetrySettings,
}

impl Default for ConnectorSettings {
    fn default() -> Self {
        ConnectorSettings {
            breaker: BreakerSettings::default(),
            max_in_flight: 64,
            deadline_ms: 2_500,
            retry: RetrySettings::default(),
        }
    }
}

/// `retry` settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetrySettings {
    /// Whether a failed read is retried (once).
    pub enabled: bool,
    /// Base backoff before the retry, in ms; the actual wait is jittered in [0.5, 1.5)×.
    pub backoff_ms: u64,
    /// Retries allowed per call made (0.1 = at most one retry per ten calls).
    pub budget_ratio: f64,
    /// Retries saved up at most (lets a quiet connector retry its first failures).
    pub budget_max: f64,
}

impl Default for RetrySettings {
    fn default() -> Self {
        RetrySettings {
            enabled: true,
            backoff_ms: 50,
            budget_ratio: 0.1,
            budget_max: 5.0,
        }
    }
}

impl ConnectorSettings {
    fn validate(&self, name: &str) -> Result<(), String> {
        let at = |m: String| format!("resilience for `{name}`: {m}");
        self.breaker.validate().map_err(at)?;
        if self.max_in_flight == 0 {
            return Err(at("max_in_flight must be at least 1".into()));
        }
        if self.deadline_ms == 0 {
            return Err(at("deadline_ms must be greater than 0".into()));
        }
        let r = &self.retry;
        if !(0.0..=1.0).contains(&r.budget_ratio) || r.budget_max < 0.0 {
            return Err(at(
                "retry.budget_ratio must be within 0..=1 and retry.budget_max >= 0".into(),
            ));
        }
        Ok(())
    }
}

fn merge(base: &mut toml::Table, over: &toml::Table) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

impl ResilienceConfig {
    /// The effective settings for `name`: built-in defaults, then `defaults`, then the
    /// connector's override; unknown keys and broken rules are errors naming the key.
    pub fn for_connector(&self, name: &str) -> Result<ConnectorSettings, String> {
        let mut table = self.defaults.clone().unwrap_or_default();
        if let Some(o) = self.overrides.get(name) {
            merge(&mut table, o);
        }
        let s: ConnectorSettings =
            toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| {
                    format!("resilience for `{name}`: {}", e.to_string().trim())
                })?;
        s.validate(name)?;
        Ok(s)
    }

    /// Checks every table against the known connector names.
    pub fn validate(&self, known: &[&str]) -> Result<(), String> {
        for name in self.overrides.keys() {
            if !known.contains(&name.as_str()) {
                return Err(format!(
                    "resilience.overrides.{name}: unknown connector; known connectors: {}",
                    known.join(", ")
                ));
            }
        }
        for name in known {
            self.for_connector(name)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> ResilienceConfig {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn overrides_change_only_what_they_name() {
        let c = cfg(
            "[defaults]\nmax_in_flight = 10\n[defaults.breaker]\nwindow = 30\n[overrides.tax.breaker]\nopen_wait_ms = 500\n",
        );
        let tax = c.for_connector("tax").unwrap();
        assert_eq!(
            (
                tax.max_in_flight,
                tax.breaker.window,
                tax.breaker.open_wait_ms
            ),
            (10, 30, 500)
        );
        let saeol = c.for_connector("saeol").unwrap();
        assert_eq!(
            saeol.breaker.open_wait_ms,
            BreakerSettings::default().open_wait_ms
        );
    }

    #[test]
    fn errors_name_the_key_and_connector() {
        let e = cfg("[overrides.tax.breaker]\nwindoww = 3\n")
            .for_connector("tax")
            .unwrap_err();
        assert!(e.contains("windoww") && e.contains("tax"), "{e}");
        let e = cfg("[overrides.tax.breaker]\nminimum_calls = 99\n")
            .for_connector("tax")
            .unwrap_err();
        assert!(e.contains("minimum_calls"), "{e}");
        let e = cfg("[overrides.taxx]\nmax_in_flight = 1\n")
            .validate(&["tax"])
            .unwrap_err();
        assert!(e.contains("taxx"), "{e}");
    }
}
