//! The one tower layer in front of every `minwon.v1` service: it authenticates the caller once
//! (the [`Principal`] goes into the request's extensions, where handlers take it with
//! [`principal`]), opens the RPC's server span (continuing the caller's `traceparent`) and
//! counts the call — so no handler can forget any of the three.
//!
//! Health and reflection pass through untouched: probes and tools call them without a token.

use super::Hub;
use crate::access::auth::Principal;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;
use tonic::Status;
use tracing::Instrument;

/// Every `minwon.v1` RPC the hub serves, by path, read once from the API's own descriptor set
/// (so a new RPC needs no edit here). Metric labels come from this table only: a client sending
/// made-up paths cannot grow their cardinality.
fn rpcs() -> &'static HashMap<String, (&'static str, &'static str)> {
    static RPCS: OnceLock<HashMap<String, (&'static str, &'static str)>> = OnceLock::new();
    RPCS.get_or_init(|| {
        use prost::Message;
        let set = prost_types::FileDescriptorSet::decode(minwon_proto::FILE_DESCRIPTOR_SET)
            .unwrap_or_default();
        let mut map = HashMap::new();
        for file in &set.file {
            for svc in &file.service {
                let service = format!("{}.{}", file.package(), svc.name());
                // Leaked once at start-up: the set of RPCs is fixed for the process.
                let service: &'static str = Box::leak(service.into_boxed_str());
                for m in &svc.method {
                    let method: &'static str = Box::leak(m.name().to_string().into_boxed_str());
                    map.insert(format!("/{service}/{method}"), (service, method));
                }
            }
        }
        map
    })
}

/// The RPC a path names: its service and method, or `("minwon.v1", "other")` for a
/// `minwon.v1` path the API does not have (a newer client, a typo: still authenticated).
fn rpc_of(path: &str) -> Option<(&'static str, &'static str)> {
    if let Some(found) = rpcs().get(path) {
        return Some(*found);
    }
    path.starts_with("/minwon.v1.")
        .then_some(("minwon.v1", "other"))
}

/// The principal the layer put into a request's extensions.
pub fn principal<T>(req: &tonic::Request<T>) -> Result<Principal, Status> {
    // Only a service mounted without the layer misses it: a bug, not the caller's fault.
    req.extensions()
        .get::<Principal>()
        .cloned()
        .ok_or_else(super::status::unauthenticated_by_layer)
}

/// The layer.
#[derive(Clone)]
pub struct AuthLayer {
    hub: Arc<Hub>,
}

impl AuthLayer {
    /// Over the shared hub state.
    pub fn new(hub: Arc<Hub>) -> Self {
        AuthLayer { hub }
    }
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = AuthService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            hub: self.hub.clone(),
            inner,
        }
    }
}

/// The layer's service around the tonic router.
#[derive(Clone)]
pub struct AuthService<S> {
    hub: Arc<Hub>,
    inner: S,
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, B> tower::Service<http::Request<B>> for AuthService<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        let Some((service, method)) = rpc_of(req.uri().path()) else {
            return Box::pin(self.inner.call(req));
        };
        // The service that was polled ready is the one to call (tower's contract).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let hub = self.hub.clone();
        let span = crate::telemetry::rpc_span(service, method, req.headers());
        Box::pin(
            async move {
                let start = Instant::now();
                let peer = crate::access::auth::peer_of(req.extensions());
                let lang = super::Lang::of(req.headers());
                let response = match hub.auth.authenticate_parts(req.headers(), peer).await {
                    Ok(principal) => {
                        req.extensions_mut().insert(principal);
                        let response = inner.call(req).await?;
                        localized(response, lang)
                    }
                    Err(e) => super::i18n::localize(super::status::from_auth(&e), lang).into_http(),
                };
                crate::telemetry::count_rpc(method, &response, start.elapsed());
                Ok(response)
            }
            .instrument(span),
        )
    }
}

/// An error answered before any message (trailers-only: the status is in the headers) worded
/// for `lang`; anything else unchanged.
fn localized(
    response: http::Response<tonic::body::Body>,
    lang: super::Lang,
) -> http::Response<tonic::body::Body> {
    if lang == super::Lang::En {
        return response;
    }
    match Status::from_header_map(response.headers()) {
        Some(status) if status.code() != tonic::Code::Ok => {
            super::i18n::localize(status, lang).into_http()
        }
        _ => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_paths_name_their_rpc_and_others_stay_bounded() {
        assert_eq!(
            rpc_of("/minwon.v1.SelfService/GetMyOverview"),
            Some(("minwon.v1.SelfService", "GetMyOverview"))
        );
        assert_eq!(
            rpc_of("/minwon.v1.CitizenCaseService/Made-up-12345"),
            Some(("minwon.v1", "other"))
        );
        assert_eq!(rpc_of("/grpc.health.v1.Health/Check"), None);
        assert_eq!(
            rpc_of("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"),
            None
        );
    }
}
