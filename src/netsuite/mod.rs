//! The NetSuite wire: SOAP (endpoint versions 2017_2, 2023_2 and 2025_2, see [`SoapVersion`]:
//! account ids and hosts, the Token-Based-Authentication passport, request envelopes, the
//! streaming response parser, typed records and faults) and SuiteQL over SuiteTalk REST
//! (`oauth1.rs`, `rest.rs`, `suiteql.rs`: the same typed records from SuiteQL rows).
//!
//! This module knows nothing of Postgres, schedules or retries. Its one seam to the rest of
//! the program is [`client::Client`]: a search goes in, a typed page or a [`WireError`] comes
//! out. [`rest::RestClient`] is the REST seam: a SuiteQL query goes in, rows come out, and
//! [`suiteql`] builds the queries and reads the rows into the same typed records.

pub mod account;
pub mod client;
pub mod envelope;
pub mod error;
pub mod ns;
pub mod oauth1;
pub mod parse;
pub mod passport;
pub mod records;
pub mod rest;
pub mod schema;
pub mod search;
pub mod suiteql;
mod tokens;
pub mod version;

pub use account::AccountId;
pub use client::{Client, ClientConfig};
pub use error::{FaultCode, WireError};
pub use passport::{Credentials, TokenPassport};
pub use records::{
    CompactString, Department, Employee, ExpenseCategory, ExpenseReport, RawJson, RawRecord, SpendRole, SublistRow,
    Transaction, Vendor,
};
pub use rest::{RestClient, RestConfig};
pub use search::{SearchPage, SearchQuery};
pub use version::{InvalidSoapVersion, SoapVersion};
