//! How a record's [`RawJson`] is bound: as `json`, its text sent as it is (the parser wrote
//! it; nothing is encoded again, and Postgres only checks it, building no `jsonb`).

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::types::Oid;
use sqlx::postgres::{PgArgumentBuffer, PgHasArrayType, PgTypeInfo};
use sqlx::{Encode, Postgres, Type};

use crate::netsuite::RawJson;

/// Postgres's `json` type and its array (`pg_type` OIDs, fixed in every server).
const JSON: Oid = Oid(114);
const JSON_ARRAY: Oid = Oid(199);

impl Type<Postgres> for RawJson {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(JSON)
    }
}

impl PgHasArrayType for RawJson {
    fn array_type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(JSON_ARRAY)
    }
}

impl Encode<'_, Postgres> for RawJson {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        // json's binary form is its text.
        buf.extend_from_slice(self.as_str().as_bytes());
        Ok(IsNull::No)
    }
}
