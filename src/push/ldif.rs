//! LDIF documents: the required header fields LeanIX documents, and our own choices for
//! content types, external ids and data fields (kept in `PushSettings` and here, in one place;
//! `config/leanix/processors.json` maps them onto fact sheets, relations and metrics). A
//! deletion travels as its own content type (`ServiceDeleted`, ...) with the record's last
//! content.

use std::collections::HashMap;

use bytes::Bytes;
use serde_json::{json, Map, Value};

use crate::config::{PushSettings, PushTarget};
use crate::store::outbox::Claimed;

/// The LDIF content type of an outbox entity's upserts.
pub fn content_type(entity: &str) -> &'static str {
    match entity {
        "departments" => "Department",
        "employees" => "Employee",
        "services" => "Service",
        "invoices" => "Invoice",
        _ => "Cost",
    }
}

/// The LDIF content type of an outbox entity's deletions (`DepartmentDeleted`, ...): the
/// processor configuration archives their fact sheets (or zeroes their metric points).
pub fn deleted_content_type(entity: &str) -> &'static str {
    match entity {
        "departments" => "DepartmentDeleted",
        "employees" => "EmployeeDeleted",
        "services" => "ServiceDeleted",
        "invoices" => "InvoiceDeleted",
        _ => "CostDeleted",
    }
}

fn text(row: &Value, key: &str) -> Value {
    match row.get(key) {
        Some(Value::Null) | None => Value::Null,
        Some(Value::String(s)) => Value::String(s.clone()),
        Some(other) => Value::String(other.to_string()),
    }
}

/// The NetSuite record type used in external ids.
fn record_type(entity: &str, row: &Value) -> String {
    match entity {
        "departments" => "department".into(),
        "employees" => "employee".into(),
        "services" => "vendor".into(),
        "invoices" => row.get("record_type").and_then(Value::as_str).unwrap_or("transaction").to_string(),
        _ => "expenseReport".into(),
    }
}

/// The external id of another record a row refers to (`None` when it refers to none).
fn reference(settings: &PushSettings, account: &str, record_type: &str, row: &Value, key: &str) -> Value {
    match text(row, key) {
        Value::String(id) if !id.is_empty() => {
            Value::String(format!("{}:{}:{}:{}", settings.id_prefix, account, record_type, id))
        }
        _ => Value::Null,
    }
}

/// A date (`YYYY-MM-DD`) as the instant a metric point needs (`YYYY-MM-DDT00:00:00Z`).
fn point_time(row: &Value) -> Value {
    match row.get("tran_date").and_then(Value::as_str) {
        Some(d) if d.len() >= 10 => Value::String(format!("{}T00:00:00Z", &d[..10])),
        _ => Value::Null,
    }
}

/// The fact sheet's data, from the stored row (amounts arrive as exact decimal text), with
/// the external ids of the records it refers to (parent department, department, vendor,
/// employee) for the relation processors.
fn data(settings: &PushSettings, account: &str, entity: &str, row: &Value) -> Value {
    let mut d = base_data(entity, row);
    let refs: &[(&str, &str, &str)] = match entity {
        "departments" => &[("parentExternalId", "department", "parent_internal_id")],
        "employees" => &[("departmentExternalId", "department", "department_internal_id")],
        "invoices" => &[("vendorExternalId", "vendor", "vendor_internal_id")],
        "costs" => &[("employeeExternalId", "employee", "employee_internal_id")],
        _ => &[],
    };
    if let Value::Object(m) = &mut d {
        for (key, record_type, column) in refs {
            m.insert((*key).to_string(), reference(settings, account, record_type, row, column));
        }
        if matches!(entity, "invoices" | "costs") {
            m.insert("time".into(), point_time(row));
        }
    }
    d
}

/// The record's own fields, named after SMP's file-import columns.
fn base_data(entity: &str, row: &Value) -> Value {
    let v = |k: &str| text(row, k);
    match entity {
        "departments" => json!({
            "departmentId": v("internal_id"), "name": v("name"), "parentId": v("parent_internal_id"),
            "inactive": row.get("is_inactive").cloned().unwrap_or(Value::Null),
        }),
        "employees" => {
            let name = [row.get("first_name"), row.get("last_name")]
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ");
            let inactive = row.get("is_inactive").and_then(Value::as_bool).unwrap_or(false);
            json!({
                "employeeId": v("internal_id"), "entityId": v("entity_id"), "name": name, "email": v("email"),
                "departmentId": v("department_internal_id"), "departmentName": v("department_name"),
                "status": if inactive { "inactive" } else { "active" }, "type": v("employee_type"), "title": v("title"),
            })
        }
        "services" => json!({
            "name": v("company_name"), "vendorId": v("internal_id"), "entityId": v("entity_id"), "email": v("email"),
            "url": v("url"), "category": v("category"), "currency": v("currency"), "subsidiary": v("subsidiary"),
            "inactive": row.get("is_inactive").cloned().unwrap_or(Value::Null), "discoveredAt": v("discovered_at"),
        }),
        "invoices" => json!({
            "invoiceDate": v("tran_date"), "invoiceId": v("tran_id"), "vendorId": v("vendor_internal_id"),
            "vendorName": v("vendor_name"), "description": v("memo"), "amount": v("amount"), "currency": v("currency"),
            "recordType": v("record_type"), "spendRole": v("spend_role"), "status": v("status"),
        }),
        _ => json!({
            "transactionDate": v("tran_date"), "transactionId": v("tran_id"),
            // 2017_2 expense reports name no merchant or vendor.
            "vendorDescription": Value::Null, "expenseDescription": v("memo"), "amount": v("total"),
            "currency": v("currency"), "employeeId": v("employee_internal_id"), "employeeName": v("employee_name"),
        }),
    }
}

/// The external id of a record: `{prefix}:{account}:{recordType}:{internalId}`.
pub fn external_id(settings: &PushSettings, account: &str, entity: &str, item: &Claimed) -> String {
    format!("{}:{}:{}:{}", settings.id_prefix, account, record_type(entity, &item.row), item.internal_id)
}

/// A whole LDIF document for one batch.
pub fn document(
    settings: &PushSettings,
    target: &PushTarget,
    account: &str,
    entity: &str,
    description: &str,
    items: &[Claimed],
) -> Value {
    let ids: Vec<String> = items.iter().map(|i| external_id(settings, account, entity, i)).collect();
    document_with_ids(settings, target, account, entity, description, items, &ids)
}

fn document_with_ids(
    settings: &PushSettings,
    target: &PushTarget,
    account: &str,
    entity: &str,
    description: &str,
    items: &[Claimed],
    ids: &[String],
) -> Value {
    let content: Vec<Value> = items
        .iter()
        .zip(ids)
        .map(|(i, id)| {
            json!({
                "type": if i.deleted { deleted_content_type(entity) } else { content_type(entity) },
                "id": id,
                "data": data(settings, account, entity, &i.row),
            })
        })
        .collect();
    let mut doc = Map::new();
    doc.insert("connectorType".into(), json!(settings.connector_type));
    doc.insert("connectorId".into(), json!(target.connector_id));
    doc.insert("connectorVersion".into(), json!(settings.connector_version));
    doc.insert("lxVersion".into(), json!(settings.lx_version));
    doc.insert("processingDirection".into(), json!("inbound"));
    doc.insert("processingMode".into(), json!("partial"));
    doc.insert("description".into(), json!(description));
    if let Some(ws) = &target.workspace {
        doc.insert("lxWorkspace".into(), json!(ws));
    }
    doc.insert("content".into(), Value::Array(content));
    Value::Object(doc)
}

/// A batch's LDIF as it is sent (JSON bytes, serialized once and sent again as they are on a
/// retry or a new run), and the record each item's external id names (to read LeanIX's
/// warnings back onto the batch's records without reading the rows again).
pub fn serialize(
    settings: &PushSettings,
    target: &PushTarget,
    account: &str,
    entity: &str,
    description: &str,
    items: &[Claimed],
) -> (Bytes, HashMap<String, String>) {
    let ids: Vec<String> = items.iter().map(|i| external_id(settings, account, entity, i)).collect();
    let doc = document_with_ids(settings, target, account, entity, description, items, &ids);
    // Serializing a `Value` with string keys cannot fail.
    let body = Bytes::from(serde_json::to_vec(&doc).unwrap_or_default());
    let by_external = ids.into_iter().zip(items.iter().map(|i| i.internal_id.clone())).collect();
    (body, by_external)
}
