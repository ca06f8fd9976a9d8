//! HRIS tables: `departments` and `employees`, upserted in batches from `UNNEST` arrays; a row
//! is written only when its content hash differs, and queued in the outbox by the same statement.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Postgres, Transaction as Tx};

use super::hash::{ContentHash, Hasher};
use super::services::{counted, hash_binds, last_of_each, Hashed, UpsertCounts};
use crate::netsuite::{Department, Employee, RawJson};

/// Upserts departments.
pub(crate) async fn upsert_departments(
    tx: &mut Tx<'_, Postgres>,
    hashed: &Hashed,
    tenant_id: &str,
    items: &[Department],
) -> Result<UpsertCounts, sqlx::Error> {
    let rows = last_of_each(items, |d| d.internal_id.as_str());
    if rows.is_empty() {
        return Ok(UpsertCounts::default());
    }
    let id: Vec<&str> = rows.iter().map(|d| d.internal_id.as_str()).collect();
    let name: Vec<Option<&str>> = rows.iter().map(|d| d.name.as_deref()).collect();
    let parent: Vec<Option<&str>> = rows.iter().map(|d| d.parent_id.as_deref()).collect();
    // Postgres has no arrays of arrays of different lengths: pass each list as one text.
    let subsidiaries: Vec<String> = rows.iter().map(|d| serde_json::json!(d.subsidiaries).to_string()).collect();
    let inactive: Vec<bool> = rows.iter().map(|d| d.is_inactive).collect();
    let raw: Vec<&RawJson> = rows.iter().map(|d| &d.raw).collect();
    let mut hasher = Hasher::default();
    let hashes: Vec<ContentHash> = rows.iter().map(|d| hasher.department(d)).collect();
    let hash = hash_binds(&hashes);
    if hashed.missing(tx, tenant_id, "departments").await? {
        sqlx::query(
            "UPDATE departments d SET content_hash = u.h
             FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::json[], $8::bytea[])
                  AS u (id, name, parent, subs, inactive, raw, h)
             WHERE d.tenant_id = $1 AND d.internal_id = u.id AND d.content_hash IS NULL
               AND (d.name, d.parent_internal_id, d.subsidiaries, d.is_inactive) IS NOT DISTINCT FROM
                   (u.name, u.parent, ARRAY(SELECT jsonb_array_elements_text(u.subs::jsonb)), u.inactive)",
        )
        .bind(tenant_id)
        .bind(&id)
        .bind(&name)
        .bind(&parent)
        .bind(&subsidiaries)
        .bind(&inactive)
        .bind(&raw)
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
    }
    let row = sqlx::query(
        "WITH up AS (
            INSERT INTO departments AS d (tenant_id, internal_id, name, parent_internal_id, subsidiaries, is_inactive,
                raw, content_hash)
            SELECT $1, u.id, u.name, u.parent, ARRAY(SELECT jsonb_array_elements_text(u.subs::jsonb)), u.inactive,
                u.raw, u.h
            FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::json[], $8::bytea[])
                 AS u (id, name, parent, subs, inactive, raw, h)
            ON CONFLICT (tenant_id, internal_id) DO UPDATE SET name = EXCLUDED.name,
                parent_internal_id = EXCLUDED.parent_internal_id, subsidiaries = EXCLUDED.subsidiaries,
                is_inactive = EXCLUDED.is_inactive, raw = EXCLUDED.raw, content_hash = EXCLUDED.content_hash,
                updated_at = now(), deleted_at = NULL
            WHERE d.deleted_at IS NOT NULL OR d.content_hash IS DISTINCT FROM EXCLUDED.content_hash
            RETURNING d.internal_id, d.content_hash, (d.xmax = 0) AS inserted),
         queued AS (
            INSERT INTO outbox (tenant_id, entity, internal_id, content_hash)
            SELECT $1, 'departments', up.internal_id, encode(up.content_hash, 'hex') FROM up)
         SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) AS written FROM up",
    )
    .bind(tenant_id)
    .bind(&id)
    .bind(&name)
    .bind(&parent)
    .bind(&subsidiaries)
    .bind(&inactive)
    .bind(&raw)
    .bind(&hash)
    .fetch_one(&mut **tx)
    .await?;
    counted(&row, rows.len())
}

/// Upserts employees.
pub(crate) async fn upsert_employees(
    tx: &mut Tx<'_, Postgres>,
    hashed: &Hashed,
    tenant_id: &str,
    items: &[Employee],
) -> Result<UpsertCounts, sqlx::Error> {
    let rows = last_of_each(items, |e| e.internal_id.as_str());
    if rows.is_empty() {
        return Ok(UpsertCounts::default());
    }
    let text = |f: fn(&Employee) -> Option<&str>| -> Vec<Option<&str>> { rows.iter().map(|e| f(e)).collect() };
    let id: Vec<&str> = rows.iter().map(|e| e.internal_id.as_str()).collect();
    let entity_id = text(|e| e.entity_id.as_deref());
    let first = text(|e| e.first_name.as_deref());
    let last = text(|e| e.last_name.as_deref());
    let email = text(|e| e.email.as_deref());
    let title = text(|e| e.title.as_deref());
    let dept = text(|e| e.department_id.as_deref());
    let dept_name = text(|e| e.department_name.as_deref());
    let subsidiary = text(|e| e.subsidiary.as_deref());
    let sup = text(|e| e.supervisor_id.as_deref());
    let sup_name = text(|e| e.supervisor_name.as_deref());
    let inactive: Vec<bool> = rows.iter().map(|e| e.is_inactive).collect();
    let hire: Vec<Option<NaiveDate>> = rows.iter().map(|e| e.hire_date).collect();
    let release: Vec<Option<NaiveDate>> = rows.iter().map(|e| e.release_date).collect();
    let etype = text(|e| e.employee_type.as_deref());
    let estatus = text(|e| e.employee_status.as_deref());
    let location = text(|e| e.location.as_deref());
    let modified: Vec<Option<DateTime<Utc>>> = rows.iter().map(|e| e.last_modified).collect();
    let raw: Vec<&RawJson> = rows.iter().map(|e| &e.raw).collect();
    let mut hasher = Hasher::default();
    let hashes: Vec<ContentHash> = rows.iter().map(|e| hasher.employee(e)).collect();
    let hash = hash_binds(&hashes);
    const ARRAYS: &str = "UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::text[], $10::text[], $11::text[], $12::text[], $13::bool[], $14::date[], $15::date[], $16::text[],
            $17::text[], $18::text[], $19::timestamptz[], $20::json[], $21::bytea[])";
    macro_rules! bind {
        ($q:expr) => {
            $q.bind(tenant_id)
                .bind(&id)
                .bind(&entity_id)
                .bind(&first)
                .bind(&last)
                .bind(&email)
                .bind(&title)
                .bind(&dept)
                .bind(&dept_name)
                .bind(&subsidiary)
                .bind(&sup)
                .bind(&sup_name)
                .bind(&inactive)
                .bind(&hire)
                .bind(&release)
                .bind(&etype)
                .bind(&estatus)
                .bind(&location)
                .bind(&modified)
                .bind(&raw)
                .bind(&hash)
        };
    }
    if hashed.missing(tx, tenant_id, "employees").await? {
        let sql = format!(
            "UPDATE employees e SET content_hash = u.content_hash
             FROM {ARRAYS} AS u (internal_id, entity_id, first_name, last_name, email, title, department_internal_id,
                 department_name, subsidiary, supervisor_internal_id, supervisor_name, is_inactive, hire_date,
                 release_date, employee_type, employee_status, location, last_modified, raw, content_hash)
             WHERE e.tenant_id = $1 AND e.internal_id = u.internal_id AND e.content_hash IS NULL
               AND (e.entity_id, e.first_name, e.last_name, e.email, e.title, e.department_internal_id,
                    e.department_name, e.subsidiary, e.supervisor_internal_id, e.supervisor_name, e.is_inactive,
                    e.hire_date, e.release_date, e.employee_type, e.employee_status, e.location, e.last_modified)
                   IS NOT DISTINCT FROM
                   (u.entity_id, u.first_name, u.last_name, u.email, u.title, u.department_internal_id,
                    u.department_name, u.subsidiary, u.supervisor_internal_id, u.supervisor_name, u.is_inactive,
                    u.hire_date, u.release_date, u.employee_type, u.employee_status, u.location, u.last_modified)"
        );
        bind!(sqlx::query(&sql)).execute(&mut **tx).await?;
    }
    let sql = format!(
        "WITH up AS (
            INSERT INTO employees AS e (tenant_id, internal_id, entity_id, first_name, last_name, email, title,
                department_internal_id, department_name, subsidiary, supervisor_internal_id, supervisor_name,
                is_inactive, hire_date, release_date, employee_type, employee_status, location, last_modified, raw,
                content_hash)
            SELECT $1, u.* FROM {ARRAYS} AS u
            ON CONFLICT (tenant_id, internal_id) DO UPDATE SET entity_id = EXCLUDED.entity_id,
                first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, email = EXCLUDED.email,
                title = EXCLUDED.title, department_internal_id = EXCLUDED.department_internal_id,
                department_name = EXCLUDED.department_name, subsidiary = EXCLUDED.subsidiary,
                supervisor_internal_id = EXCLUDED.supervisor_internal_id, supervisor_name = EXCLUDED.supervisor_name,
                is_inactive = EXCLUDED.is_inactive, hire_date = EXCLUDED.hire_date,
                release_date = EXCLUDED.release_date, employee_type = EXCLUDED.employee_type,
                employee_status = EXCLUDED.employee_status, location = EXCLUDED.location,
                last_modified = EXCLUDED.last_modified, raw = EXCLUDED.raw, content_hash = EXCLUDED.content_hash,
                updated_at = now(), deleted_at = NULL
            WHERE e.deleted_at IS NOT NULL OR e.content_hash IS DISTINCT FROM EXCLUDED.content_hash
            RETURNING e.internal_id, e.content_hash, (e.xmax = 0) AS inserted),
         queued AS (
            INSERT INTO outbox (tenant_id, entity, internal_id, content_hash)
            SELECT $1, 'employees', up.internal_id, encode(up.content_hash, 'hex') FROM up)
         SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) AS written FROM up"
    );
    let row = bind!(sqlx::query(&sql)).fetch_one(&mut **tx).await?;
    counted(&row, rows.len())
}
