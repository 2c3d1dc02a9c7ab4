//! The HTTP requests of M2's baseline (a), captured from the real connectors: one recording
//! proxy per simulator forwards everything to it and keeps what was sent (method, path and
//! query, headers, body) and the status that came back. Each query is run twice through
//! the connectors and only the second run is kept, so what is kept is a steady-state
//! overview (an OAuth token already cached, as it is in the hub after its first call).

use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minwon_connector_sdk::CitizenKeys;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// One request a connector sent, and the status its back-end answered.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// HTTP method.
    pub method: Method,
    /// Path and query, as sent.
    pub path: String,
    /// Headers as sent, minus those the client sets itself (host, length, user agent).
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// The back-end's status.
    pub status: u16,
}

/// One source's requests for one overview, in the order they were sent.
#[derive(Debug, Clone)]
pub struct SourceRequests {
    /// Source name.
    pub source: String,
    /// The simulator's real base URL.
    pub base_url: String,
    /// The requests.
    pub requests: Vec<Recorded>,
}

struct Proxy {
    target: String,
    client: reqwest::Client,
    log: Mutex<Vec<Recorded>>,
}

/// Headers the replaying client sets itself.
const DROPPED: [header::HeaderName; 5] = [
    header::HOST,
    header::CONTENT_LENGTH,
    header::USER_AGENT,
    header::CONNECTION,
    header::TRANSFER_ENCODING,
];

async fn forward(State(p): State<Arc<Proxy>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let mut headers = parts.headers;
    for h in &DROPPED {
        headers.remove(h);
    }
    let sent = p
        .client
        .request(parts.method.clone(), format!("{}{path}", p.target))
        .headers(headers.clone())
        .body(body.clone())
        .send()
        .await;
    let Ok(resp) = sent else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = resp.status();
    let mut back = resp.headers().clone();
    for h in &DROPPED {
        back.remove(h);
    }
    let Ok(answer) = resp.bytes().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    if let Ok(mut log) = p.log.lock() {
        log.push(Recorded {
            method: parts.method,
            path,
            headers,
            body,
            status: status.as_u16(),
        });
    }
    (status, back, answer).into_response()
}

/// Runs each of `queries` (keys, sources that must answer) twice through connectors built
/// from the hub config at `config` and redirected to recording proxies; returns, per query,
/// what each source sent the second time.
pub async fn capture(
    config: &Path,
    queries: &[(CitizenKeys, Vec<String>)],
) -> Result<Vec<Vec<SourceRequests>>> {
    let real = crate::direct::base_urls(config)?;
    let mut proxies = BTreeMap::new();
    let mut urls = BTreeMap::new();
    let mut servers = Vec::new();
    for (name, target) in &real {
        let proxy = Arc::new(Proxy {
            target: target.trim_end_matches('/').to_string(),
            client: minwon_connector_sdk::http::tool_client(),
            log: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        urls.insert(name.clone(), format!("http://{}", listener.local_addr()?));
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(proxy.clone());
        servers.push(tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        }));
        proxies.insert(name.clone(), proxy);
    }
    let connectors = crate::direct::connectors(config, Some(&urls))?;
    let mut out = Vec::with_capacity(queries.len());
    for (keys, expected) in queries {
        crate::direct::overview(&connectors, keys, expected)
            .await
            .map_err(|e| anyhow::anyhow!("capture, first run: {e}"))?;
        for p in proxies.values() {
            p.log
                .lock()
                .map_err(|_| anyhow::anyhow!("log lock"))?
                .clear();
        }
        crate::direct::overview(&connectors, keys, expected)
            .await
            .map_err(|e| anyhow::anyhow!("capture, second run: {e}"))?;
        let mut sources = Vec::new();
        for (name, p) in &proxies {
            let requests =
                std::mem::take(&mut *p.log.lock().map_err(|_| anyhow::anyhow!("log lock"))?);
            if !requests.is_empty() {
                sources.push(SourceRequests {
                    source: name.clone(),
                    base_url: real.get(name).cloned().context("base URL")?,
                    requests,
                });
            }
        }
        out.push(sources);
    }
    for s in servers {
        s.abort();
    }
    Ok(out)
}
