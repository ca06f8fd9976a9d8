//! Ratios (`cargo bench --bench ratios`): what the daemon does against what the machine can do
//! with the same bytes, measured side by side in one run, section by section.
//!
//! - `parse`: a search page parsed and converted into typed records, against a bare quick-xml
//!   event scan of the same body (issue 11, point 1).

#[path = "ratios/parse.rs"]
mod parse;
// The other sections go here, each a module of its own under `ratios/` with a `run`:
// `#[path = "ratios/write.rs"] mod write;` and `#[path = "ratios/push.rs"] mod push;`.

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    parse::run(&rt);
    // write::run(&rt);
    // push::run(&rt);
}
