//! The ground everything stands on: account ids, namespaces, the TBA signature (`tba.rs`), the
//! simulator clock and Pacific dates, XML reading, the request log's entries, and serving a stand-
//! in on a port (`running.rs`, shared with [`crate::leanix`]).

pub(crate) mod account_id;
pub(crate) mod clock;
pub(crate) mod datetime;
pub(crate) mod log;
pub(crate) mod ns;
pub mod running;
pub(crate) mod tba;
pub(crate) mod xml;
