//! The entities this project discovers and how each is searched, converted and stored.

use crate::netsuite::search::SearchType;
use crate::netsuite::{RawRecord, Vendor, WireError};
use crate::store::{PageCommit, Store, UpsertCounts};

/// One kind of NetSuite record we pull: how to search it, read it and store it.
pub trait EntitySpec {
    /// Our name for it (cursor and run rows): `vendors`.
    const NAME: &'static str;
    /// The typed record.
    type Record: Send + Sync;
    /// The basic search it uses.
    fn search_type() -> SearchType;
    /// Whether sublists are needed (`bodyFieldsOnly = false`).
    fn body_fields_only() -> bool {
        true
    }
    /// Reads a typed record from a raw one.
    fn convert(raw: &RawRecord) -> Result<Self::Record, WireError>;
    /// Commits a page of records with the cursor, in one transaction.
    fn commit(
        store: &Store,
        tenant_id: &str,
        records: &[Self::Record],
        page: PageCommit<'_>,
    ) -> impl std::future::Future<Output = Result<UpsertCounts, sqlx::Error>> + Send;
}

/// Vendors: LeanIX "new services". Always enabled (an EAM tenant pulls them alone).
pub struct Vendors;

impl EntitySpec for Vendors {
    const NAME: &'static str = "vendors";
    type Record = Vendor;

    fn search_type() -> SearchType {
        SearchType::Vendor
    }

    fn convert(raw: &RawRecord) -> Result<Vendor, WireError> {
        Vendor::try_from(raw)
    }

    async fn commit(
        store: &Store,
        tenant_id: &str,
        records: &[Vendor],
        page: PageCommit<'_>,
    ) -> Result<UpsertCounts, sqlx::Error> {
        store.commit_vendor_page(tenant_id, Self::NAME, records, page).await
    }
}
