//! HRIS tables: `departments` and `employees`, upserted in batches from `UNNEST` arrays.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Postgres, Transaction as Tx};

use super::services::{last_of_each, written, UpsertCounts};
use crate::netsuite::{Department, Employee, RawJson};

/// Upserts departments.
pub(crate) async fn upsert_departments(
    tx: &mut Tx<'_, Postgres>,
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
    let result = sqlx::query(
        "INSERT INTO departments AS d (tenant_id, internal_id, name, parent_internal_id, subsidiaries, is_inactive, raw)
         SELECT $1, u.id, u.name, u.parent, ARRAY(SELECT jsonb_array_elements_text(u.subs::jsonb)), u.inactive, u.raw
         FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::jsonb[])
              AS u (id, name, parent, subs, inactive, raw)
         ON CONFLICT (tenant_id, internal_id) DO UPDATE SET name = EXCLUDED.name,
             parent_internal_id = EXCLUDED.parent_internal_id, subsidiaries = EXCLUDED.subsidiaries,
             is_inactive = EXCLUDED.is_inactive, raw = EXCLUDED.raw, updated_at = now(), deleted_at = NULL
         WHERE d.deleted_at IS NOT NULL OR d.raw IS DISTINCT FROM EXCLUDED.raw
         RETURNING internal_id, (xmax = 0) AS inserted",
    )
    .bind(tenant_id)
    .bind(&id)
    .bind(&name)
    .bind(&parent)
    .bind(&subsidiaries)
    .bind(&inactive)
    .bind(&raw)
    .fetch_all(&mut **tx)
    .await?;
    let (c, ids) = written(result, rows.len())?;
    super::outbox::enqueue(tx, tenant_id, "departments", &ids).await?;
    Ok(c)
}

/// Upserts employees.
pub(crate) async fn upsert_employees(
    tx: &mut Tx<'_, Postgres>,
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
    let result = sqlx::query(
        r#"
        INSERT INTO employees AS e (tenant_id, internal_id, entity_id, first_name, last_name, email, title,
            department_internal_id, department_name, subsidiary, supervisor_internal_id, supervisor_name, is_inactive,
            hire_date, release_date, employee_type, employee_status, location, last_modified, raw)
        SELECT $1, u.* FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::text[], $10::text[], $11::text[], $12::text[], $13::bool[], $14::date[], $15::date[], $16::text[],
            $17::text[], $18::text[], $19::timestamptz[], $20::jsonb[]) AS u
        ON CONFLICT (tenant_id, internal_id) DO UPDATE SET entity_id = EXCLUDED.entity_id,
            first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, email = EXCLUDED.email,
            title = EXCLUDED.title, department_internal_id = EXCLUDED.department_internal_id,
            department_name = EXCLUDED.department_name, subsidiary = EXCLUDED.subsidiary,
            supervisor_internal_id = EXCLUDED.supervisor_internal_id, supervisor_name = EXCLUDED.supervisor_name,
            is_inactive = EXCLUDED.is_inactive, hire_date = EXCLUDED.hire_date, release_date = EXCLUDED.release_date,
            employee_type = EXCLUDED.employee_type, employee_status = EXCLUDED.employee_status,
            location = EXCLUDED.location, last_modified = EXCLUDED.last_modified, raw = EXCLUDED.raw,
            updated_at = now(), deleted_at = NULL
        WHERE e.deleted_at IS NOT NULL OR e.raw IS DISTINCT FROM EXCLUDED.raw
        RETURNING internal_id, (xmax = 0) AS inserted
        "#,
    )
    .bind(tenant_id)
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
    .fetch_all(&mut **tx)
    .await?;
    let (c, ids) = written(result, rows.len())?;
    super::outbox::enqueue(tx, tenant_id, "employees", &ids).await?;
    Ok(c)
}
