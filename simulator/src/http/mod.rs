//! The HTTP server: the handle and its shared state (`state.rs`), the router and settings
//! (`server.rs`), the request pipeline (`pipeline.rs`) with its concurrency slots (`governance.rs`)
//! and HTTP replies (`reply.rs`), and the control API tests drive (`control.rs`).

pub(crate) mod control;
pub(crate) mod control_rest;
pub(crate) mod governance;
pub(crate) mod pipeline;
pub(crate) mod reply;
pub(crate) mod rest_endpoint;
pub(crate) mod server;
pub(crate) mod state;
