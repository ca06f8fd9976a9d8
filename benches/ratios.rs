//! Ratios of what we achieve to what the machine allows (`cargo bench --bench ratios`).
//!
//! Sections: `write` (the lean write path: client write rate against the same SQL run inside
//! Postgres, and the onboarding's peak RSS by account size). Needs Postgres (TEST_DATABASE_URL
//! / DATABASE_URL, else 127.0.0.1:5432).

#[path = "ratios/write.rs"]
mod write;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    write::run(&rt);
}
