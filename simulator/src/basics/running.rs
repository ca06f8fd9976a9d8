//! A stand-in serving in a background task on a free port of 127.0.0.1: shared by the NetSuite
//! and the LeanIX simulators. It dereferences to the simulator's handle; dropping it stops the
//! server.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::ops::Deref;

use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A simulator `S` serving in a background task.
pub struct Running<S> {
    pub(crate) sim: S,
    pub(crate) addr: SocketAddr,
    cancel: CancellationToken,
    task: Option<JoinHandle<io::Result<()>>>,
}

/// Serves `router` on `listener` until `cancel` fires, then lets requests in flight finish.
pub(crate) async fn serve(router: Router, listener: TcpListener, cancel: CancellationToken) -> io::Result<()> {
    axum::serve(listener, router).with_graceful_shutdown(cancel.cancelled_owned()).await
}

/// Serves `router` on a free port of 127.0.0.1 in a background task, for `sim`.
pub(crate) async fn spawn<S>(sim: S, router: Router) -> io::Result<Running<S>> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let cancel = CancellationToken::new();
    let task = tokio::spawn(serve(router, listener, cancel.clone()));
    Ok(Running { sim, addr, cancel, task: Some(task) })
}

impl<S> Running<S> {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The simulator it serves.
    pub fn simulator(&self) -> &S {
        &self.sim
    }

    /// Stops accepting connections, waits for requests in flight, and ends the task.
    pub async fn shutdown(mut self) -> io::Result<()> {
        self.cancel.cancel();
        match self.task.take() {
            Some(task) => task.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl<S> Deref for Running<S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.sim
    }
}

impl<S> Drop for Running<S> {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

impl<S> fmt::Debug for Running<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Running").field("addr", &self.addr).finish()
    }
}
