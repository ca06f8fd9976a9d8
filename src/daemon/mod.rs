//! The long-running side: scheduling, tenant workers with leases, the supervisor with reload
//! and shutdown drain, and the health and metrics listener. Request governance (limiter,
//! retries, budget) sits below discovery, in `governance`.

pub mod health;
pub mod metrics;
pub mod schedule;
pub mod supervisor;
pub mod worker;
