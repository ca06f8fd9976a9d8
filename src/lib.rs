//! netsuite-discovery: discovers what a company buys and who works there from its NetSuite
//! account (SOAP web services 2017_2, Token-Based Authentication) and keeps it in Postgres,
//! ready to be pushed to LeanIX SMP.
//!
//! See `ARCHITECTURE.md` for the map of modules and the invariants they keep.
#![warn(missing_docs)]

pub mod cli;
pub mod config;
pub mod daemon;
pub mod demo;
pub mod discovery;
pub mod netsuite;
pub mod pg;
pub mod push;
pub mod simulator;
pub mod store;
pub mod telemetry;
