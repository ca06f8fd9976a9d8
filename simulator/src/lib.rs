//! The stand-ins: a NetSuite SOAP 2017_2 stand-in and (in [`leanix`]) a LeanIX Integration
//! API stand-in. This crate depends on nothing of the product it stands in for: it has its
//! own account ids, namespaces and TBA signature check (`tba.rs`, proven by the published
//! test vector), so a mistake in the client cannot pass on both sides.
//!
//! The NetSuite stand-in: an HTTP server that answers `search`,
//! `searchMoreWithId` and `getDeleted` for generated accounts the way NetSuite does, so the
//! client, the discovery loop and the daemon can be tested end to end without a NetSuite
//! account, and against a NetSuite that misbehaves.
//!
//! What it models (see `../shared/NETSUITE.md` for the real server's rules):
//! - several accounts, each generated deterministically from a seed ([`AccountSpec`]), with
//!   vendors that tests can add and modify between requests, a department hierarchy,
//!   employees with a supervisor tree that tests can add and modify too, expense categories,
//!   and transactions (vendor bills, purchase orders, vendor credits, bill payments, checks,
//!   vendor return authorizations, expense reports) with sublists whose lines sum to the
//!   header total, that tests can add and modify too ([`Simulator::add_transaction`]);
//! - deletions ([`Simulator::delete_vendors`], [`Simulator::delete_transactions`],
//!   [`Simulator::delete_employees`], [`Simulator::delete_record`], also departments and
//!   expense categories) with a per-account deletion log ([`SimDeletion`]) that `getDeleted`
//!   answers from (`GetDeletedFilter` `deletedDate` and `type`, paged), and
//!   [`Simulator::restore_deleted`] to bring a record back;
//! - changes that do not touch `lastModifiedDate` ([`Simulator::modify_vendors_silently`],
//!   also for transactions and employees), which only a full pull sees;
//! - records with an unreadable field ([`Simulator::corrupt_record`], [`Corruption`]): a date
//!   that is not a date, a missing field or `internalId`, a raw U+0001 in a text field
//!   (XML 1.0-invalid on purpose), written so in every page until uncorrupted;
//! - Token-Based Authentication: signature, consumer key, token, single-use nonces and a
//!   five-minute clock skew window, all failing with the real "Invalid login attempt." fault;
//! - `VendorSearchBasic`, `TransactionSearchBasic`, `ExpenseCategorySearchBasic`,
//!   `EmployeeSearchBasic` and `DepartmentSearchBasic` criteria,
//!   `searchPreferences/bodyFieldsOnly` (sublists only when false), paging by
//!   `searchPreferences/pageSize`, `searchMoreWithId` that re-runs the search at call time,
//!   and searchIds that expire after 15 minutes unused (measured on a clock tests can move
//!   forward, [`Simulator::advance_clock`]);
//! - role permissions (transactions: Find Transaction for any transaction search; a `type`
//!   filter naming a type the role cannot see is refused; a plain transaction search
//!   silently leaves such types out; lists: Vendors, Expense Categories, Employee Record and
//!   Departments for their searches), a per-account concurrency limit with the
//!   `WS_REQUEST_BLOCKED` fault, latency, and injected failures, one per request: SOAP
//!   faults, error statuses, HTTP errors, proxy HTML pages, truncated bodies, dropped
//!   connections and a one-off short page ([`InjectedFault`]);
//! - paging faults, switched on per account until cleared ([`PagingFault`],
//!   [`Simulator::set_paging_faults`]): totals that shrink on a later page
//!   (`ShrinkTotals`), a middle page always one row short (`ShortPage`), a page overlapping
//!   the one before (`Overlap`), the wrong page answered (`WrongPageIndex`), a `totalPages`
//!   that disagrees with `totalRecords` (`LyingTotalPages`), a searchId that always expires
//!   (`AlwaysExpire`); all but the last apply to `getDeleted` pages too;
//! - a request log tests can read ([`Simulator::request_log`]);
//! - SuiteQL over REST on the same port ([`SUITEQL_PATH`]), over the same accounts: OAuth
//!   1.0a verified with its own code, the strict query subset and the tables of
//!   `docs/suiteql.md`, the same concurrency slots, and credit card charges and refunds
//!   ([`Simulator::card_transactions`]) that only SuiteQL sees.
//!
//! Order in which a request is handled, which decides what a test sees:
//! 1. the body is parsed; bad XML or an unknown operation answers a SAX-style fault;
//! 2. `getDataCenterUrls` is answered without authentication;
//! 3. the passport is verified (an accepted passport's nonce is used up here);
//! 4. the account's concurrency slot is taken, or `WS_REQUEST_BLOCKED` answers;
//! 5. the next injected fault, if any, is taken;
//! 6. the injected fault answers, or the operation runs (its answer shaped by the account's
//!    paging faults and corrupt records);
//! 7. the answer is sent once the latency (and an injected delay) has passed since step 4;
//!    the concurrency slot is held until then. The answer is worked out (and compressed, for a
//!    client that accepts gzip) before the wait, so requests that wake together do not queue
//!    for the simulator's work. SuiteQL requests are handled the same way.
//!
//! Answers where NetSuite's exact behaviour is not documented (choices made here):
//! - unreadable XML, a SOAPAction that differs from the Body's operation, an operation other
//!   than `search`/`searchMoreWithId`/`getDeleted`/`getDataCenterUrls`, a search record
//!   type not simulated, an unknown or out-of-order search field, a field or operator not
//!   simulated, a `type` value outside the 2017_2 `TransactionType` enum: a SOAP fault
//!   (HTTP 500) with faultcode `soapenv:Server.userException`, a
//!   SAX-style faultstring (e.g. `org.xml.sax.SAXException: Invalid type: {ns}FooSearchBasic`,
//!   as NetSuite answers an unknown search type) and no NetSuite detail;
//! - `pageSize` outside 5..=1000: status error `INVALID_SEARCH_PAGE_SIZE`;
//! - `pageIndex` out of range: status error `INVALID_PAGE_INDEX`;
//! - unknown, expired, or another account's searchId: status error `INVALID_JOB_ID`;
//! - `getDeleted`: a `type` value outside the 2017_2 `DeletedRecordType` enum, a filter field
//!   out of order, `scriptId`: a SAX-style fault; page size from `searchPreferences` (else
//!   1000); a `type` filter naming a type the role cannot see: `INSUFFICIENT_PERMISSION`
//!   (a modelling choice; without one, such deletions are left out); departments and
//!   expense categories are never logged (2017_2 cannot report them);
//! - a role without the record's permission: status error `INSUFFICIENT_PERMISSION` with
//!   NetSuite's "Permission Violation" wording; without SOAP Web Services permission: the
//!   invalid-login fault;
//! - `getDataCenterUrls` for an account not hosted: `invalidAccountFault` / `INVALID_ACCT`;
//! - a department's `name` is its own short name ("Platform"), and references to a
//!   department (a department's `parent`, an employee's `department`) carry that short name
//!   too: the hierarchy is given by `parent` alone, never by a "Engineering : Platform" path.
//!
//! Times are written in US Pacific time with milliseconds and offset. A request whose client
//! goes away before the answer is ready is not logged (its concurrency slot is released).
//!
//! Every response is written with quick-xml's writer, so every value is escaped (only a
//! record marked corrupt is altered after writing, on purpose).
//! [`leanix`] is a separate stand-in for the LeanIX Integration API (tokens, LDIF runs).

#![warn(missing_docs)]

mod basics;
mod http;
pub mod leanix;
mod model;
mod protocol;
mod rest;

pub use basics::account_id::{AccountId, InvalidAccountId};
pub use basics::log::{LoggedRequest, Outcome};
pub use basics::ns::SoapVersion;
pub use basics::running;
pub use basics::tba::Credentials;
pub use http::rest_endpoint::SUITEQL_PATH;
pub use http::server::{RunningSimulator, SimConfig, ENDPOINT_PATH};
pub use http::state::Simulator;
pub use model::account::{AccountSpec, DEFAULT_EXPENSE_CATEGORIES};
pub use model::corruption::Corruption;
pub use model::error::SimError;
pub use model::faults::{FaultTarget, InjectedFault};
pub use model::graveyard::{SimDeletion, SimRecordType};
pub use model::org::{SimDepartment, SimEmployee};
pub use model::paging_faults::PagingFault;
pub use model::permissions::{Permission, PermissionSet};
pub use model::records::{SimRef, SimVendor};
pub use model::transactions::{NewTransaction, SimExpenseCategory, SimTransaction, TransactionKind, TRANSACTION_TYPES};
