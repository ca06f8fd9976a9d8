//! Serving the LeanIX stand-in over HTTP: its router and a background server.

use std::io;

use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::handlers;
use super::state::{LeanixSim, INTEGRATION_API_PATH, TOKEN_PATH};

impl LeanixSim {
    /// The axum router serving [`TOKEN_PATH`] and the Integration API under
    /// [`INTEGRATION_API_PATH`]; other paths answer 404.
    pub fn router(&self) -> Router {
        handlers::router(self.clone(), self.inner.max_body_bytes)
    }

    /// Serves on `listener` until `cancel` fires, then lets requests in flight finish.
    pub async fn serve(self, listener: TcpListener, cancel: CancellationToken) -> io::Result<()> {
        crate::basics::running::serve(self.router(), listener, cancel).await
    }

    /// Serves on a free port of 127.0.0.1 in a background task.
    pub async fn spawn(self) -> io::Result<RunningLeanix> {
        let router = self.router();
        crate::basics::running::spawn(self, router).await
    }
}

/// A LeanIX simulator serving in a background task (see [`crate::basics::running::Running`]).
pub type RunningLeanix = crate::basics::running::Running<LeanixSim>;

impl RunningLeanix {
    /// The base URL, `http://127.0.0.1:PORT` (the "host" LeanIX paths are relative to).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The token endpoint's URL.
    pub fn token_url(&self) -> String {
        format!("http://{}{TOKEN_PATH}", self.addr)
    }

    /// The Integration API's base URL, `http://127.0.0.1:PORT/services/integration-api/v1`.
    pub fn integration_api_url(&self) -> String {
        format!("http://{}{INTEGRATION_API_PATH}", self.addr)
    }
}
