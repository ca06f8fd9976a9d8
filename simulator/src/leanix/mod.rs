//! A LeanIX Integration API stand-in: an HTTP server that issues access tokens and takes
//! LDIF documents as synchronization runs the way LeanIX documents it (see
//! `../shared/LEANIX.md`), so the pusher and the outbox can be tested end to end without a
//! LeanIX workspace.
//!
//! Endpoints (answers are JSON; errors are `{"status":"ERROR","errorMessage":"..."}`):
//! - `POST /services/mtm/v1/oauth2/token` ([`TOKEN_PATH`]), HTTP Basic
//!   `apitoken:{API_TOKEN}`, form body `grant_type=client_credentials`:
//!   `{"scope":"","expired":false,"access_token":"...","token_type":"bearer","expires_in":3599}`
//!   (`expires_in` follows [`LeanixSimConfig::token_ttl`]). No or other credentials: 401; a
//!   missing or other grant type: 400 `{"error":"unsupported_grant_type",...}`.
//! - Under `/services/integration-api/v1` ([`INTEGRATION_API_PATH`]), each with
//!   `Authorization: Bearer <access_token>` (missing, unknown or expired: 401):
//!   - `POST /synchronizationRuns?start=false` with an LDIF body: 200
//!     `{"id":"<uuid>","status":"CREATED","description":...}` (`description` as in the LDIF,
//!     `null` without one). With `?start=true` the run is started at once and the answer
//!     shows its status then. An invalid LDIF (rules below): 400 with
//!     `errorMessage` naming every problem and `errors` listing them; a `start` that is
//!     neither `true` nor `false`: 400.
//!   - `POST /synchronizationRuns/{id}/start`: 200 `{"id":...,"status":...}`; 400 if it was
//!     started before; 404 for an unknown id.
//!   - `GET /synchronizationRuns/{id}/status`: `{"status":"..."}`, one of `CREATED`,
//!     `SEQUENTIALIZED`, `PENDING`, `IN_PROGRESS`, `FINISHED`, `STOPPED`, `FAILED`; 404 for
//!     an unknown id. A run is `CREATED` until started; then it follows its status script
//!     ([`LeanixSimConfig::status_script`], default `PENDING`, `IN_PROGRESS`, `FINISHED`),
//!     one step per poll by default ([`StatusAdvance`]): the first poll after the start
//!     answers `PENDING`, the second `IN_PROGRESS`, the third and later `FINISHED`.
//!   - `GET /synchronizationRuns/{id}/warnings?offset=&limit=`: a JSON array of
//!     `{"id":n,"runId":...,"processor":{"name","index"}|null,"content":<item id>|null,
//!     "message":...,"detail":null,"category":...,"status":"WARNING"|"ERROR"}` (n counts
//!     from 1; the fields of LeanIX's `Warning`), `offset` default 0, `limit` default 100;
//!     `limit` outside 1..=100 or a value that is not a number: 400; 404 for an unknown id.
//!   - `GET /synchronizationRuns`: a JSON array of every run, oldest first, each with `id`,
//!     `status`, `description`, `createdAt`, `startedAt`, `connectorType`, `connectorId`,
//!     `connectorVersion` and `processingMode`.
//!   - `GET /configurations?connectorType=&connectorId=&connectorVersion=&processingDirection=&processingMode=`:
//!     the installed processor configurations whose fields equal the parameters given, as
//!     installed. `PUT /configurations` with a configuration: 204, inserted or replacing the
//!     one with the same `connectorType`, `connectorId`, `connectorVersion` and
//!     `processingDirection`; 400 naming every problem, including what the simulator does
//!     not apply (see `configurations.rs`). `DELETE /configurations?...` (the four fields
//!     required, else 400): 200, or 404 when none matched.
//! - Any other path: 404 (logged); a wrong method: 405; a body over
//!   [`LeanixSimConfig::max_body_bytes`]: 413 (neither logged).
//!
//! LDIF rules: required `connectorType`, `connectorId`, `connectorVersion`, `lxVersion` and
//! `processingDirection`, each a non-empty string, the last one `inbound`; optional
//! `lxWorkspace` and `description` (strings), `processingMode` (`partial`, the default, or
//! `full`), `customFields` (an object) and `content` (an array of objects, each with a
//! non-empty string `type`, a non-empty string `id` and an object `data`). A `null` optional
//! field counts as absent; other fields are accepted and kept. The body must be a JSON
//! object.
//!
//! Order in which a request is handled, which decides what a test sees:
//! 1. authentication (401), then the optional requests-per-minute limit (429 with
//!    `Retry-After`), then the query parameters (400);
//! 2. the next fault, if any ([`faults`] says which request takes which);
//! 3. the fault answers, or the operation runs (the LDIF is checked then).
//!
//! A run reaching `FINISHED` delivers its content once: one [`DeliveredItem`] per item, read
//! with [`LeanixSim::delivered`] (what LeanIX took in). A run that fails, stops or never ends
//! delivers nothing. Whether delivered content has any effect depends on the processor
//! configuration: the one matching the run's `connectorType`, `connectorId`,
//! `connectorVersion` and `processingDirection` is applied to the content then (fact sheets,
//! relations, archivals and metric points, read with [`LeanixSim::fact_sheets`],
//! [`LeanixSim::relations`], [`LeanixSim::metric_points`]); each item a processor could not
//! use gets a warning naming it, and the run still ends `FINISHED`. Without a matching
//! configuration nothing is written and every item gets such a warning (LeanIX does not
//! document this case; the simulator makes it visible). [`LeanixFault::IgnoreItems`] leaves
//! items out with a warning; [`LeanixFault::ServerErrorRetryAfter`] is a 5xx with
//! `Retry-After`.
//!
//! Choices where LeanIX's behaviour is not documented: the error body's shape, the
//! warnings' `id`, `runId` and `category`, a run without a configuration, archiving an
//! external id no fact sheet has (nothing happens), a metric point written again at the same
//! time and tags (it replaces the value), the list's fields beyond `id`, `status`, `description` and
//! `createdAt`, the 400 for `limit` 0, and that the rate limit (off by default) counts every
//! authenticated request of the server in fixed minutes of the simulator clock.

mod configurations;
mod control;
mod error;
pub mod faults;
mod handlers;
mod juel;
mod ldif;
mod log;
mod runs;
mod server;
mod state;
mod wire;
mod workspace;

pub use error::LeanixSimError;
pub use faults::{Endpoint, FaultTarget, LeanixFault};
pub use log::LeanixRequest;
pub use runs::{DeliveredItem, RunStatus, SimRun, StatusAdvance};
pub use server::RunningLeanix;
pub use state::{LeanixSim, LeanixSimConfig, DEFAULT_API_TOKEN, INTEGRATION_API_PATH, TOKEN_PATH};
pub use workspace::{SimFactSheet, SimMetricPoint, SimRelation, SimWarning};
