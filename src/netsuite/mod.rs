//! The NetSuite SOAP 2017_2 wire: account ids and hosts, the Token-Based-Authentication
//! passport, request envelopes, the streaming response parser, typed records and faults.
//!
//! This module knows nothing of Postgres, schedules or retries. Its one seam to the rest of
//! the program is [`client::Client`]: a search goes in, a typed page or a [`WireError`] comes
//! out. A future REST/SuiteQL transport would live beside it and offer the same calls.

pub mod account;
pub mod client;
pub mod envelope;
pub mod error;
pub mod ns;
pub mod oauth1;
pub mod parse;
pub mod passport;
pub mod records;
pub mod schema;
pub mod search;

pub use account::AccountId;
pub use client::{Client, ClientConfig};
pub use error::{FaultCode, WireError};
pub use passport::{Credentials, TokenPassport};
pub use records::{
    Department, Employee, ExpenseCategory, ExpenseReport, RawJson, RawRecord, SpendRole, SublistRow, Transaction,
    Vendor,
};
pub use search::{SearchPage, SearchQuery};
