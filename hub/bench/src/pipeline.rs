//! `minwon-bench pipeline`: the null hub's request path (the hub's authentication layer, the
//! tonic codec, validation, policy, the fan-out over six null connectors through their guards,
//! masking and the durable audit record) driven in this process, with no socket and no HTTP/2,
//! for a fixed number of overviews.
//!
//! It exists to be counted: under `valgrind --tool=callgrind` (or `perf stat`) two runs of
//! different lengths give the instructions of one overview by difference, start-up cancelled
//! out, repeatable on a noisy machine; the callgrind profile then says which part of the
//! pipeline they are spent in. The load is M1's: `concurrency` overviews in flight on one
//! tokio worker (M1's server has one), so the audit writer commits batches as it does there.

use crate::nullhub::{CASES_PER_SOURCE, SOURCES};
use anyhow::{Result, bail, ensure};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use http_body_util::BodyExt;
use minwon_hub::api::{AuthLayer, CitizenApi};
use minwon_proto::v1 as pb;
use prost::Message;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;
use tonic::body::Body;
use tower::{Layer, Service, ServiceExt};

/// How much an answer's length may differ from the first's: six sources' `latency_ms` and
/// `latency_us` varints, up to two bytes wider or narrower each.
const LATENCY_SLACK: usize = 6 * 2 * 2;

/// The RPC's path.
const PATH: &str = "/minwon.v1.CitizenCaseService/GetCitizenOverview";

/// Runs `overviews` overviews, `concurrency` at a time, through the null hub built in `dir`.
/// The first answer is decoded and checked (twelve masked cases, an audit id); every answer
/// must have status OK and the first one's length, give or take the varint widths of the six
/// sources' latencies (decoding each would count the client's work too: a twelve-case decode
/// is a fifth of the hub's own instructions). A wrong one ends the run.
pub fn run(dir: &Path, overviews: u64, concurrency: usize) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let minter = crate::realhub::fresh_keys(dir)?;
    let bearer = crate::realhub::counselor_bearer(&minter)?;
    let rt = crate::pin::one_worker_runtime()?;
    rt.block_on(async {
        let (hub, _cfg, telemetry) = crate::nullhub::build(dir).await?;
        let hub = Arc::new(hub);
        let service = AuthLayer::new(hub.clone()).layer(
            pb::citizen_case_service_server::CitizenCaseServiceServer::new(CitizenApi::new(
                hub.clone(),
            )),
        );
        let body = frame(&crate::m1::query());
        let bearer = bearer.to_str()?.to_string();
        let first = call(service.clone(), body.clone(), &bearer).await?;
        check_first(&first)?;
        let len = first.len();
        let start = Instant::now();
        let mut pending = FuturesUnordered::new();
        let (mut sent, mut done) = (0u64, 0u64);
        while done < overviews {
            while sent < overviews && pending.len() < concurrency.max(1) {
                let (svc, body, bearer) = (service.clone(), body.clone(), bearer.clone());
                pending.push(async move {
                    let answer = call(svc, body, &bearer).await?;
                    ensure!(
                        answer.len().abs_diff(len) <= LATENCY_SLACK,
                        "an answer of {} bytes, the first had {len}",
                        answer.len()
                    );
                    Ok(())
                });
                sent += 1;
            }
            match pending.next().await {
                Some(r) => r?,
                None => bail!("no overview in flight"),
            }
            done += 1;
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{done} overviews, {concurrency} in flight: {secs:.2} s ({:.1} µs each, wall)",
            secs * 1e6 / done.max(1) as f64
        );
        hub.audit.shutdown().await;
        telemetry.shutdown();
        Ok(())
    })
}

/// One length-prefixed gRPC message (uncompressed).
fn frame(msg: &pb::CitizenQuery) -> bytes::Bytes {
    let encoded = msg.encode_to_vec();
    let mut out = Vec::with_capacity(5 + encoded.len());
    out.push(0);
    out.extend_from_slice(&(encoded.len() as u32).to_be_bytes());
    out.extend_from_slice(&encoded);
    out.into()
}

/// One overview through `svc`: its answer's bytes, once its status is OK.
async fn call<S>(mut svc: S, body: bytes::Bytes, bearer: &str) -> Result<bytes::Bytes>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>>,
    S::Error: std::fmt::Debug,
{
    let req = http::Request::builder()
        .method("POST")
        .uri(format!("http://hub{PATH}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("authorization", bearer)
        .body(Body::new(http_body_util::Full::new(body)))?;
    let ready = svc
        .ready()
        .await
        .map_err(|e| anyhow::anyhow!("service not ready: {e:?}"))?;
    let response = ready
        .call(req)
        .await
        .map_err(|e| anyhow::anyhow!("service failed: {e:?}"))?;
    let collected = response
        .into_body()
        .collect()
        .await
        .map_err(|e| anyhow::anyhow!("answer body: {e}"))?;
    let status = collected
        .trailers()
        .and_then(|t| t.get("grpc-status"))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("missing")
        .to_string();
    ensure!(status == "0", "grpc-status {status}");
    Ok(collected.to_bytes())
}

/// The first answer: one framed overview of twelve masked cases with an audit id.
fn check_first(bytes: &[u8]) -> Result<()> {
    ensure!(bytes.len() >= 5, "answer of {} bytes", bytes.len());
    let answer = pb::CitizenOverview::decode(&bytes[5..])?;
    ensure!(
        answer.cases.len() == SOURCES.len() * CASES_PER_SOURCE && !answer.audit_id.is_empty(),
        "{} cases, audit id {:?}",
        answer.cases.len(),
        answer.audit_id
    );
    let masked = answer.cases.iter().all(|c| {
        c.personal
            .as_ref()
            .is_some_and(|p| p.name != "홍길동" && !p.name.is_empty())
    });
    ensure!(masked, "names not masked");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_null_hubs_request_path_answers_in_process() {
        let dir =
            std::env::temp_dir().join(format!("minwon-bench-pipeline-{}", std::process::id()));
        let r = run(&dir, 30, 8);
        let _ = std::fs::remove_dir_all(&dir);
        r.unwrap();
    }

    #[test]
    fn a_first_answer_with_a_name_in_clear_or_missing_cases_is_refused() {
        let case = |name: &str| pb::Case {
            personal: Some(pb::PersonalFields {
                name: name.to_string(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let answer = |cases: Vec<pb::Case>| {
            let o = pb::CitizenOverview {
                cases,
                audit_id: "000000000001-abcdef012345".to_string(),
                ..Default::default()
            };
            let mut framed = vec![0u8; 5];
            framed.extend(o.encode_to_vec());
            framed
        };
        let twelve = SOURCES.len() * CASES_PER_SOURCE;
        check_first(&answer(vec![case("홍*동"); twelve])).unwrap();
        assert!(check_first(&answer(vec![case("홍길동"); twelve])).is_err());
        assert!(check_first(&answer(vec![case("홍*동"); twelve - 1])).is_err());
        assert!(check_first(&[0, 0]).is_err());
    }
}
