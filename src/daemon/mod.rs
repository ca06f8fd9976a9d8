//! Running things: retry governance now; scheduling, limits, health and shutdown as the
//! daemon grows.

pub mod retry;

pub use retry::RetryPolicy;
