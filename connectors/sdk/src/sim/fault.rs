//! The fault switch every simulator exposes: `POST <sim>/_sim/fault` with
//! `{"mode": "none|hang|http_500|envelope_error|malformed|slow", "delay_ms": N}`;
//! `GET` returns the current setting.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which fault to inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultMode {
    /// Behave normally (after `delay_ms`, if set).
    #[default]
    None,
    /// Accept the request and never answer.
    Hang,
    /// Answer HTTP 500. Written `http_500` as documented; `http500` (what serde's snake_case
    /// made of it in earlier builds) is still accepted.
    #[serde(rename = "http_500", alias = "http500")]
    Http500,
    /// Answer HTTP 200 with the protocol's own error inside (portal result code, SOAP Fault).
    EnvelopeError,
    /// Answer HTTP 200 with a body that does not parse.
    Malformed,
    /// Answer normally after `delay_ms`.
    Slow,
}

/// The switch's setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// The fault.
    pub mode: FaultMode,
    /// Delay before answering, in ms (used by `slow`, and by `none` as a fixed latency).
    #[serde(default)]
    pub delay_ms: u64,
}

/// What a handler must do after [`FaultSwitch::apply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAction {
    /// Answer normally.
    Proceed,
    /// Answer HTTP 500.
    Http500,
    /// Answer the protocol's in-band error with HTTP 200.
    EnvelopeError,
    /// Answer a body that does not parse.
    Malformed,
}

/// Shared, cheaply clonable fault setting of one simulator.
#[derive(Debug, Clone, Default)]
pub struct FaultSwitch(Arc<Mutex<Fault>>);

impl FaultSwitch {
    /// Sets the fault.
    pub fn set(&self, f: Fault) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = f;
    }

    /// The current fault.
    pub fn get(&self) -> Fault {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies delays (`slow`, `hang`) and tells the handler what to answer.
    pub async fn apply(&self) -> FaultAction {
        let f = self.get();
        if f.delay_ms > 0 && matches!(f.mode, FaultMode::None | FaultMode::Slow) {
            tokio::time::sleep(Duration::from_millis(f.delay_ms)).await;
        }
        match f.mode {
            FaultMode::None | FaultMode::Slow => FaultAction::Proceed,
            FaultMode::Hang => {
                // Never answer; the future is dropped when the client goes away.
                std::future::pending::<()>().await;
                FaultAction::Proceed
            }
            FaultMode::Http500 => FaultAction::Http500,
            FaultMode::EnvelopeError => FaultAction::EnvelopeError,
            FaultMode::Malformed => FaultAction::Malformed,
        }
    }
}

/// The `/_sim/fault` routes, to merge into a simulator's router.
pub fn fault_router(switch: FaultSwitch) -> Router {
    async fn put(
        State(s): State<FaultSwitch>,
        axum::Json(f): axum::Json<Fault>,
    ) -> axum::Json<Fault> {
        s.set(f);
        axum::Json(f)
    }
    async fn show(State(s): State<FaultSwitch>) -> axum::Json<Fault> {
        axum::Json(s.get())
    }
    Router::new()
        .route("/_sim/fault", get(show).post(put))
        .with_state(switch)
}

/// Sets a simulator's fault over HTTP, as a test or a demo user would.
pub async fn set_fault(base_url: &str, fault: Fault) -> Result<(), String> {
    let url = format!("{}/_sim/fault", base_url.trim_end_matches('/'));
    let body = serde_json::to_vec(&fault).map_err(|e| e.to_string())?;
    let resp = crate::http::tool_client()
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(format!("fault switch answered HTTP {}", resp.status()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every mode the README and the module docs name, posted as a user would, is accepted by
    /// a running simulator and read back the same.
    #[tokio::test]
    async fn every_documented_mode_is_accepted_over_http() {
        let switch = FaultSwitch::default();
        let sim = crate::sim::SimHandle::serve(
            fault_router(switch.clone()),
            std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await
        .unwrap();
        let client = crate::http::tool_client();
        let url = format!("{}/_sim/fault", sim.base_url());
        for (word, mode) in [
            ("none", FaultMode::None),
            ("hang", FaultMode::Hang),
            ("http_500", FaultMode::Http500),
            ("http500", FaultMode::Http500),
            ("envelope_error", FaultMode::EnvelopeError),
            ("malformed", FaultMode::Malformed),
            ("slow", FaultMode::Slow),
        ] {
            let resp = client
                .post(&url)
                .header("content-type", "application/json")
                .body(format!(r#"{{"mode": "{word}", "delay_ms": 5}}"#))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200, "mode {word}");
            assert_eq!(switch.get().mode, mode, "mode {word}");
            let shown: serde_json::Value =
                serde_json::from_str(&client.get(&url).send().await.unwrap().text().await.unwrap())
                    .unwrap();
            assert_eq!(shown["mode"], word.replace("http500", "http_500"));
        }
        let bad = client
            .post(&url)
            .header("content-type", "application/json")
            .body(r#"{"mode": "explode"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 422);
    }
}
