//! The simulator's load-shedding switches, beside the SDK's fault switch:
//!
//! - `POST /_sim/throttle {"count": N, "retry_after_s": S}` — the next N protocol requests get
//!   HTTP 429 with `Retry-After: S` (`null` sends no header; absent means 1).
//! - `POST /_sim/maintenance {"on": true, "retry_after_s": S}` — every protocol request gets
//!   HTTP 503 with `Retry-After: S` and a JSON maintenance notice until switched off (`null`
//!   sends no header; absent means 60).
//!
//! `GET` on either returns the current setting (for throttle, the requests still to refuse).

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

/// Path of the throttle switch.
pub const THROTTLE_PATH: &str = "/_sim/throttle";
/// Path of the maintenance switch.
pub const MAINTENANCE_PATH: &str = "/_sim/maintenance";

/// "Refuse the next `count` requests with 429."
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Throttle {
    /// Requests still to refuse.
    pub count: u32,
    /// `Retry-After` seconds sent with each 429; `None` sends no header.
    #[serde(default = "one_second")]
    pub retry_after_s: Option<u64>,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            count: 0,
            retry_after_s: one_second(),
        }
    }
}

/// "The service is in planned maintenance."
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Maintenance {
    /// Whether the maintenance window is open.
    pub on: bool,
    /// `Retry-After` seconds sent with each 503; `None` sends no header.
    #[serde(default = "sixty_seconds")]
    pub retry_after_s: Option<u64>,
}

impl Default for Maintenance {
    fn default() -> Self {
        Maintenance {
            on: false,
            retry_after_s: sixty_seconds(),
        }
    }
}

fn one_second() -> Option<u64> {
    Some(1)
}
fn sixty_seconds() -> Option<u64> {
    Some(60)
}

/// The two switches, shared by the handlers and the control routes.
#[derive(Debug, Clone, Default)]
pub struct Control {
    throttle: Arc<Mutex<Throttle>>,
    maintenance: Arc<Mutex<Maintenance>>,
}

impl Control {
    /// The maintenance setting.
    pub fn maintenance(&self) -> Maintenance {
        *self.maintenance.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes one forced refusal if any is left: `Some(retry_after_s)`.
    pub fn take_throttled(&self) -> Option<Option<u64>> {
        let mut t = self.throttle.lock().unwrap_or_else(|p| p.into_inner());
        (t.count > 0).then(|| {
            t.count -= 1;
            t.retry_after_s
        })
    }

    /// The `/_sim/throttle` and `/_sim/maintenance` routes.
    pub fn router(&self) -> Router {
        fn switch<T>(cell: Arc<Mutex<T>>) -> axum::routing::MethodRouter
        where
            T: Copy + Serialize + DeserializeOwned + Send + Sync + 'static,
        {
            let put = |State(c): State<Arc<Mutex<T>>>, axum::Json(v): axum::Json<T>| async move {
                *c.lock().unwrap_or_else(|p| p.into_inner()) = v;
                axum::Json(v)
            };
            let show = |State(c): State<Arc<Mutex<T>>>| async move {
                axum::Json(*c.lock().unwrap_or_else(|p| p.into_inner()))
            };
            get(show).post(put).with_state(cell)
        }
        Router::new()
            .route(THROTTLE_PATH, switch(self.throttle.clone()))
            .route(MAINTENANCE_PATH, switch(self.maintenance.clone()))
    }
}

/// Sets the throttle switch over HTTP, as a test or a demo user would; returns the setting.
pub async fn set_throttle(base_url: &str, t: Throttle) -> Result<Throttle, String> {
    call(base_url, THROTTLE_PATH, Some(&t)).await
}

/// Reads the throttle switch over HTTP (the refusals still pending).
pub async fn get_throttle(base_url: &str) -> Result<Throttle, String> {
    call::<Throttle>(base_url, THROTTLE_PATH, None).await
}

/// Sets the maintenance switch over HTTP; returns the setting.
pub async fn set_maintenance(base_url: &str, m: Maintenance) -> Result<Maintenance, String> {
    call(base_url, MAINTENANCE_PATH, Some(&m)).await
}

async fn call<T: Serialize + DeserializeOwned>(
    base_url: &str,
    path: &str,
    body: Option<&T>,
) -> Result<T, String> {
    let url = format!("{}{path}", base_url.trim_end_matches('/'));
    let client = minwon_connector_sdk::http::tool_client();
    let req = match body {
        Some(b) => client
            .post(url)
            .header("content-type", "application/json")
            .body(serde_json::to_vec(b).map_err(|e| e.to_string())?),
        None => client.get(url),
    };
    let resp = req.send().await.map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("{path} answered HTTP {}", resp.status()));
    }
    let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_retry_after_takes_the_default_and_null_means_no_header() {
        let t: Throttle = serde_json::from_str(r#"{"count": 2}"#).unwrap();
        assert_eq!(t.retry_after_s, Some(1));
        let t: Throttle = serde_json::from_str(r#"{"count": 2, "retry_after_s": null}"#).unwrap();
        assert_eq!(t.retry_after_s, None);
        let m: Maintenance = serde_json::from_str(r#"{"on": true}"#).unwrap();
        assert_eq!(m.retry_after_s, Some(60));
        assert!(serde_json::from_str::<Maintenance>(r#"{"on": true, "x": 1}"#).is_err());
    }

    #[test]
    fn throttle_counts_down() {
        let c = Control::default();
        *c.throttle.lock().unwrap() = Throttle {
            count: 2,
            retry_after_s: Some(3),
        };
        assert_eq!(c.take_throttled(), Some(Some(3)));
        assert_eq!(c.take_throttled(), Some(Some(3)));
        assert_eq!(c.take_throttled(), None);
    }
}
