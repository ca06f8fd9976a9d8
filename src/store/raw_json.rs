//! How a record's [`RawJson`] is bound: as `jsonb`, its text sent as it is (the parser wrote
//! it; nothing is encoded again).

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgHasArrayType, PgTypeInfo};
use sqlx::{Encode, Postgres, Type};

use crate::netsuite::RawJson;

impl Type<Postgres> for RawJson {
    fn type_info() -> PgTypeInfo {
        <sqlx::types::JsonValue as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <sqlx::types::JsonValue as Type<Postgres>>::compatible(ty)
    }
}

impl PgHasArrayType for RawJson {
    fn array_type_info() -> PgTypeInfo {
        <sqlx::types::JsonValue as PgHasArrayType>::array_type_info()
    }

    fn array_compatible(ty: &PgTypeInfo) -> bool {
        <sqlx::types::JsonValue as PgHasArrayType>::array_compatible(ty)
    }
}

impl Encode<'_, Postgres> for RawJson {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        // jsonb's binary form: a version byte (1), then the JSON text.
        buf.push(1);
        buf.extend_from_slice(self.as_str().as_bytes());
        Ok(IsNull::No)
    }
}
