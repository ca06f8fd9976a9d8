//! netsuite-discovery: discovers what a company buys and who works there from its NetSuite
//! account (SOAP web services 2017_2, Token-Based Authentication) and keeps it in Postgres,
//! ready to be pushed to LeanIX SMP.
//!
//! See `ARCHITECTURE.md` for the map of modules and the invariants they keep.
#![warn(missing_docs)]

pub mod cli;
pub mod config;
pub mod daemon;
#[cfg(feature = "stand-ins")]
pub mod demo;
pub mod discovery;
pub mod governance;
pub mod netsuite;
#[cfg(feature = "stand-ins")]
pub mod pg;
pub mod push;
pub mod store;
pub mod sys;
pub mod telemetry;
