//! Ratios (`cargo bench --bench ratios`): what the daemon does against what the machine can do
//! with the same bytes or rows, measured side by side in one run, section by section. Needs
//! Postgres for `write` and `push` (TEST_DATABASE_URL / DATABASE_URL, else 127.0.0.1:5432).
//!
//! - `parse`: a search page parsed and converted into typed records, against a bare quick-xml
//!   event scan of the same body (issue 11, point 1).
//! - `write`: the lean write path: the client's onboarding write rate against the same SQL run
//!   inside Postgres, and the onboarding's peak RSS by account size, over SOAP and SuiteQL
//!   (issue 11, point 3); `suiteql-rss` runs only the SuiteQL part.
//! - `push`: 100,000 changes pushed to the LeanIX stand-in, items/s fault-free and under faults
//!   (issue 11, point 4; the same code as `cargo bench --bench push`).

#[path = "ratios/parse.rs"]
mod parse;
#[path = "push.rs"]
mod push;
#[path = "ratios/write.rs"]
mod write;

fn main() {
    // The C allocator tuned as the daemon's `main` tunes it: what is measured is what runs.
    netsuite_discovery::sys::release_large_blocks();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let only = std::env::var("NSD_RATIOS").unwrap_or_default();
    let wanted = |s: &str| only.is_empty() || only.split(',').any(|o| o.trim() == s);
    if wanted("parse") {
        parse::run(&rt);
    }
    if wanted("write") {
        write::run(&rt);
    } else if wanted("suiteql-rss") {
        write::run_suiteql_rss(&rt);
    }
    if wanted("push") {
        push::run(&rt);
    }
}
