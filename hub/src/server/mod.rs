//! Building the hub from its config and serving gRPC until a shutdown signal, then draining:
//! in-flight calls finish (within the grace period) and the access trail is flushed.
//!
//! Around the server: [`health`] (gRPC health per service) and [`web`] (gRPC-Web and CORS).

pub mod health;
pub mod web;

use crate::api::{AdminApi, AuditApi, CitizenApi, DirectoryApi, Hub, KnowledgeApi, SelfApi};
use crate::config::keys;
use crate::config::{HubConfig, ServerConfig};
use crate::fanout::registry::Registry;
use anyhow::{Context, Result};
use minwon_audit::SubjectKey;
use minwon_proto::v1 as pb;
use secrecy::ExposeSecret;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Builds the shared state: keys, connectors, the audit store and its writer.
pub async fn build_hub(cfg: &HubConfig) -> Result<Arc<Hub>> {
    let public = keys::read_public_key(&cfg.auth.jwt_public_key_file)?;
    let auth = crate::access::auth::Authenticator::new(
        &public,
        &cfg.auth.issuer,
        &cfg.auth.audience,
        cfg.auth.leeway_secs,
    )
    .with_max_lifetime(cfg.auth.max_token_lifetime_secs)
    .with_issuers(
        cfg.auth
            .issuers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                c.build(cfg.auth.leeway_secs)
                    .map_err(|e| anyhow::anyhow!("auth.issuers[{i}]: {e}"))
            })
            .collect::<Result<Vec<_>>>()?,
    )
    .with_throttle(
        cfg.auth.lockout_failures,
        Duration::from_secs(cfg.auth.lockout_window_secs),
        Duration::from_secs(cfg.auth.lockout_secs),
    );
    auth.load_keys().await?;
    let subject_key =
        SubjectKey::from_bytes(keys::read_secret(&cfg.audit.subject_key_file)?.expose_secret())
            .map_err(|e| anyhow::anyhow!("audit.subject_key_file: {e}"))?;
    let registry = Registry::from_config(&cfg.connectors, &cfg.resilience)?;
    let policy = load_policy(cfg)?;
    let (audit, trail) = crate::trail::start(&cfg.audit).await?;
    let gaps = crate::guidance::gaps::GapRecorder::start(
        crate::guidance::gaps::open_store(&cfg.audit).await?,
        &cfg.knowledge_gaps,
    );
    let knowledge = if cfg.knowledge.index {
        let mut store = crate::guidance::knowledge::KnowledgeStore::open(&cfg.knowledge)?;
        if let Some(name) = &cfg.knowledge.sync_from {
            let (_, source, guard) = registry
                .knowledge
                .iter()
                .find(|(n, _, _)| n == name)
                .with_context(|| {
                    format!(
                        "knowledge.sync_from: no configured connector `{name}` serves knowledge"
                    )
                })?;
            store = store.with_sync_source(crate::guidance::knowledge::sync::SyncSource {
                name: name.clone(),
                source: source.clone(),
                guard: guard.clone(),
            });
        }
        let snap = store.current();
        tracing::info!(
            entries = snap.entries.len(),
            active = snap.active(),
            "knowledge index built"
        );
        Some(Arc::new(store))
    } else {
        None
    };
    Ok(Arc::new(Hub {
        knowledge,
        registry,
        auth,
        audit,
        trail,
        policy,
        subject_key,
        fanout: cfg.fanout.clone(),
        audit_timeout: Duration::from_millis(cfg.audit.write_timeout_ms),
        gaps,
        review: cfg.audit.review.clone(),
    }))
}

/// The configured access policy, or the built-in default; validated against the schema.
pub fn load_policy(cfg: &HubConfig) -> Result<crate::access::policy::Policy> {
    let policy = match &cfg.policy.file {
        Some(f) => crate::access::policy::Policy::from_file(f)?,
        None => crate::access::policy::Policy::default_policy()?,
    };
    Ok(policy)
}

/// Serves every service on `listener` until `shutdown` completes, then drains within the
/// configured grace period and flushes the access trail.
///
/// Beside the `minwon.v1` services: `grpc.health.v1` (per service; the case service turns
/// NOT_SERVING while the audit store is unreachable), server reflection (v1 and v1alpha) and gRPC-Web with
/// the configured CORS origins; TLS (and mutual TLS) when `[server.tls]` is set.
pub async fn serve(
    hub: Arc<Hub>,
    listeners: Listeners,
    cfg: &ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    // TCP_NODELAY: an answer goes out in several writes; without it the later ones wait
    // for the client's delayed ACK (~40 ms per call).
    let incoming =
        tonic::transport::server::TcpIncoming::from(listeners.grpc).with_nodelay(Some(true));
    let metrics = listeners
        .metrics
        .map(|l| tokio::spawn(crate::telemetry::admin::serve(l, hub.clone())));
    let (reporter, health_service) = tonic_health::server::health_reporter();
    // Every status is set before the first connection is served.
    let watcher = health::start(hub.clone(), reporter).await;
    // The probe port: the same health statuses in plaintext, and nothing else.
    let health_port = listeners.health.map(|l| {
        let incoming = tonic::transport::server::TcpIncoming::from(l).with_nodelay(Some(true));
        let router = tonic::transport::Server::builder().add_service(health_service.clone());
        tokio::spawn(async move {
            if let Err(e) = router.serve_with_incoming(incoming).await {
                tracing::error!(error = %e, "health port stopped");
            }
        })
    });
    let key_refresh = hub.auth.spawn_refresh();
    let knowledge_refresh = hub
        .knowledge
        .as_ref()
        .and_then(|k| k.spawn_refresh(k.refresh_every()));
    // Reflection in both versions: grpcurl speaks v1, while Python's grpcio-reflection,
    // Evans, Postman and older grpcurl speak only v1alpha.
    let reflection_builder = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(minwon_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection = reflection_builder()
        .build_v1()
        .context("building the reflection service")?;
    let reflection_v1alpha = reflection_builder()
        .build_v1alpha()
        .context("building the reflection service (v1alpha)")?;
    let mut builder = tonic::transport::Server::builder();
    if let Some(tls) = &cfg.tls {
        builder = builder
            .tls_config(tls.load()?)
            .context("configuring TLS for the gRPC port")?;
    }
    let router = builder
        .accept_http1(cfg.grpc_web)
        .layer(web::cors_layer(&cfg.cors_allowed_origins)?)
        .layer(tower::util::option_layer(
            cfg.grpc_web.then(tonic_web::GrpcWebLayer::new),
        ))
        // Authentication, the RPC span and its metrics, once for every minwon.v1 service.
        .layer(crate::api::AuthLayer::new(hub.clone()))
        .add_service(health_service)
        .add_service(reflection)
        .add_service(reflection_v1alpha)
        .add_service(
            pb::citizen_case_service_server::CitizenCaseServiceServer::new(CitizenApi::new(
                hub.clone(),
            )),
        )
        .add_service(pb::knowledge_service_server::KnowledgeServiceServer::new(
            KnowledgeApi::new(hub.clone()),
        ))
        .add_service(pb::directory_service_server::DirectoryServiceServer::new(
            DirectoryApi::new(),
        ))
        .add_service(pb::audit_service_server::AuditServiceServer::new(
            AuditApi::new(hub.clone()),
        ))
        .add_service(pb::self_service_server::SelfServiceServer::new(
            SelfApi::new(hub.clone()),
        ))
        .add_service(
            pb::connector_admin_service_server::ConnectorAdminServiceServer::new(AdminApi::new(
                hub.clone(),
            )),
        );
    let server = tokio::spawn(router.serve_with_incoming_shutdown(incoming, async move {
        let _ = stop_rx.await;
    }));
    shutdown.await;
    tracing::info!("shutting down: finishing in-flight calls");
    watcher.abort();
    key_refresh.iter().for_each(tokio::task::JoinHandle::abort);
    knowledge_refresh
        .iter()
        .for_each(tokio::task::JoinHandle::abort);
    if let Some(m) = metrics {
        m.abort();
    }
    if let Some(h) = health_port {
        h.abort();
    }
    let _ = stop_tx.send(());
    let grace = Duration::from_millis(cfg.shutdown_grace_ms);
    match tokio::time::timeout(grace, server).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => tracing::error!(error = %e, "gRPC server ended with an error"),
        Ok(Err(e)) => tracing::error!(error = %e, "gRPC server task failed"),
        Err(_) => tracing::warn!("grace period over; cutting remaining calls"),
    }
    hub.audit.shutdown().await;
    hub.gaps.flush().await;
    tracing::info!("access trail flushed; bye");
    Ok(())
}

/// The sockets the hub serves on, bound before serving so their real addresses are known.
pub struct Listeners {
    /// The gRPC (and gRPC-Web) port.
    pub grpc: TcpListener,
    /// The admin HTTP port with `/metrics`, when configured.
    pub metrics: Option<TcpListener>,
    /// The plaintext health-only port (`[server] health_listen`), when configured.
    pub health: Option<TcpListener>,
}

/// Binds the health-only port if `[server] health_listen` is set.
pub async fn bind_health(cfg: &HubConfig) -> Result<Option<TcpListener>> {
    match cfg.server.health_listen {
        Some(addr) => {
            Ok(Some(TcpListener::bind(addr).await.with_context(|| {
                format!("binding the health port {addr}")
            })?))
        }
        None => Ok(None),
    }
}

/// Binds the metrics port if `[telemetry] metrics_listen` is set.
pub async fn bind_metrics(cfg: &HubConfig) -> Result<Option<TcpListener>> {
    match cfg.telemetry.metrics_listen {
        Some(addr) => {
            Ok(Some(TcpListener::bind(addr).await.with_context(|| {
                format!("binding the metrics port {addr}")
            })?))
        }
        None => Ok(None),
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
