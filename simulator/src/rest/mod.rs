//! SuiteQL over REST (`POST /services/rest/query/v1/suiteql`), over the same model SOAP
//! answers from: OAuth 1.0a verified by the simulator's own code (`oauth.rs`, `login.rs`),
//! the query subset of `docs/suiteql.md` read strictly (`lexer.rs`, `parser.rs`), the tables
//! and their values (`tables.rs`, `rows.rs`, `rows_tx.rs`, `value.rs`), execution and paging
//! (`execute.rs`), and the JSON answers and errors (`answer.rs`). The HTTP side (headers,
//! governance, faults, the log) is `http/rest_endpoint.rs`.

pub(crate) mod answer;
pub(crate) mod execute;
pub(crate) mod lexer;
pub(crate) mod login;
pub(crate) mod oauth;
pub(crate) mod parser;
pub(crate) mod rows;
pub(crate) mod rows_tx;
pub(crate) mod tables;
pub(crate) mod value;
