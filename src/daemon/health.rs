//! The health and metrics listener: `/healthz` (the process is alive), `/readyz` (the
//! database answers and the migrations are applied), `/metrics` (Prometheus text format).

use std::net::SocketAddr;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tokio_util::sync::CancellationToken;

use crate::store::Store;

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(store): State<Store>) -> impl IntoResponse {
    match store.ready().await {
        Ok(()) => (StatusCode::OK, "ready\n".to_string()),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {e}\n")),
    }
}

async fn metrics() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], super::metrics::render())
}

/// The router of the listener.
pub fn router(store: Store) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(store)
}

/// Binds `addr` and serves until `shutdown`; returns the bound address (port 0 allowed).
pub async fn spawn(addr: SocketAddr, store: Store, shutdown: CancellationToken) -> std::io::Result<SocketAddr> {
    super::metrics::handle();
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router(store)).with_graceful_shutdown(shutdown.cancelled_owned()).await {
            tracing::error!(error = %e, "health listener stopped");
        }
    });
    Ok(bound)
}
