//! Delivery to LeanIX: LDIF documents built from the outbox (`ldif.rs`), sent through the
//! LeanIX Integration API (`client.rs`) as synchronization runs, one run processing at a time
//! (the next batch claimed, serialized and its run created meanwhile), in the order
//! departments, employees, services, invoices, costs (`pusher.rs`). Each change is
//! delivered once: a batch is written before the POST that creates its run and carries its id
//! in the LDIF `description`, so an answer lost after the run was created is found again in
//! the run list instead of being pushed twice.

pub mod client;
pub mod configuration;
pub mod ldif;
pub mod pusher;
pub mod report;

pub use client::{LeanixClient, LeanixError, RetryPolicy};
pub use configuration::Setup;
pub use pusher::{push_tenant, setup_configuration, PushError, PushSummary};

use crate::config::{PushSettings, PushTarget};

/// A LeanIX client for a tenant's push target.
pub fn client_for(target: &PushTarget, settings: &PushSettings) -> Result<LeanixClient, LeanixError> {
    LeanixClient::new(
        &target.base_url,
        target.api_token.clone(),
        std::time::Duration::from_secs(settings.request_timeout_seconds),
        RetryPolicy {
            max_attempts: settings.max_http_attempts,
            base: std::time::Duration::from_millis(settings.retry_base_ms),
            max: std::time::Duration::from_millis(settings.retry_max_ms),
        },
    )
}
