//! LDIF documents: the required header fields LeanIX documents, and our own choices for
//! content types, external ids and data fields (kept in `PushSettings` and here, in one place;
//! `config/leanix/processors.json` maps them onto fact sheets, relations and metrics). A
//! deletion travels as its own content type (`ServiceDeleted`, ...) with the record's last
//! content.

use std::collections::HashMap;

use bytes::Bytes;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

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

/// One field of an item's `data`, borrowed from the row where it can be: the LDIF is written
/// straight from the rows, without building a JSON tree per item first.
enum Field<'a> {
    /// A column as text: strings as they are, other values as their JSON text, absent as null.
    Text(Option<&'a Value>),
    /// A column as it is (absent as null).
    Json(Option<&'a Value>),
    /// Text made here.
    Owned(String),
    /// Fixed text.
    Static(&'static str),
    /// Null.
    Null,
}

impl Serialize for Field<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Text(None | Some(Value::Null)) | Field::Json(None) | Field::Null => s.serialize_none(),
            Field::Text(Some(Value::String(v))) => s.serialize_str(v),
            Field::Text(Some(other)) => s.serialize_str(&other.to_string()),
            Field::Json(Some(v)) => v.serialize(s),
            Field::Owned(v) => s.serialize_str(v),
            Field::Static(v) => s.serialize_str(v),
        }
    }
}

impl Field<'_> {
    fn to_value(&self) -> Value {
        match self {
            Field::Text(None | Some(Value::Null)) | Field::Json(None) | Field::Null => Value::Null,
            Field::Text(Some(Value::String(v))) => Value::String(v.clone()),
            Field::Text(Some(other)) => Value::String(other.to_string()),
            Field::Json(Some(v)) => (*v).clone(),
            Field::Owned(v) => Value::String(v.clone()),
            Field::Static(v) => Value::String((*v).to_string()),
        }
    }
}

/// An item's `data`: its fields in key order (as a JSON object with sorted keys).
struct Data<'a>(Vec<(&'static str, Field<'a>)>);

impl Serialize for Data<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// The NetSuite record type used in external ids.
fn record_type<'a>(entity: &str, row: &'a Value) -> &'a str {
    match entity {
        "departments" => "department",
        "employees" => "employee",
        "services" => "vendor",
        "invoices" => row.get("record_type").and_then(Value::as_str).unwrap_or("transaction"),
        _ => "expenseReport",
    }
}

/// The external id of another record a row refers to (null when it refers to none).
fn reference<'a>(settings: &PushSettings, account: &str, record_type: &str, row: &'a Value, key: &str) -> Field<'a> {
    let id = match row.get(key) {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => return Field::Null,
        Some(other) => other.to_string(),
    };
    if id.is_empty() {
        return Field::Null;
    }
    Field::Owned(format!("{}:{}:{}:{}", settings.id_prefix, account, record_type, id))
}

/// A date (`YYYY-MM-DD`) as the instant a metric point needs (`YYYY-MM-DDT00:00:00Z`).
fn point_time(row: &Value) -> Field<'_> {
    match row.get("tran_date").and_then(Value::as_str).and_then(|d| d.get(..10)) {
        Some(day) => Field::Owned(format!("{day}T00:00:00Z")),
        None => Field::Null,
    }
}

/// The fact sheet's data, from the stored row (amounts arrive as exact decimal text): the
/// record's own fields, named after SMP's file-import columns, with the external ids of the
/// records it refers to (parent department, department, vendor, employee) for the relation
/// processors, and a metric point's time for invoices and costs.
fn fields<'a>(settings: &PushSettings, account: &str, entity: &str, row: &'a Value) -> Data<'a> {
    let t = |k: &str| Field::Text(row.get(k));
    let j = |k: &str| Field::Json(row.get(k));
    let mut f: Vec<(&'static str, Field<'a>)> = match entity {
        "departments" => vec![
            ("departmentId", t("internal_id")),
            ("name", t("name")),
            ("parentId", t("parent_internal_id")),
            ("inactive", j("is_inactive")),
        ],
        "employees" => {
            let name = [row.get("first_name"), row.get("last_name")]
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ");
            let inactive = row.get("is_inactive").and_then(Value::as_bool).unwrap_or(false);
            vec![
                ("employeeId", t("internal_id")),
                ("entityId", t("entity_id")),
                ("name", Field::Owned(name)),
                ("email", t("email")),
                ("departmentId", t("department_internal_id")),
                ("departmentName", t("department_name")),
                ("status", Field::Static(if inactive { "inactive" } else { "active" })),
                ("type", t("employee_type")),
                ("title", t("title")),
            ]
        }
        "services" => vec![
            ("name", t("company_name")),
            ("vendorId", t("internal_id")),
            ("entityId", t("entity_id")),
            ("email", t("email")),
            ("url", t("url")),
            ("category", t("category")),
            ("currency", t("currency")),
            ("subsidiary", t("subsidiary")),
            ("inactive", j("is_inactive")),
            ("discoveredAt", t("discovered_at")),
        ],
        "invoices" => vec![
            ("invoiceDate", t("tran_date")),
            ("invoiceId", t("tran_id")),
            ("vendorId", t("vendor_internal_id")),
            ("vendorName", t("vendor_name")),
            ("description", t("memo")),
            ("amount", t("amount")),
            ("currency", t("currency")),
            ("recordType", t("record_type")),
            ("spendRole", t("spend_role")),
            ("status", t("status")),
        ],
        _ => vec![
            ("transactionDate", t("tran_date")),
            ("transactionId", t("tran_id")),
            // 2017_2 expense reports name no merchant or vendor.
            ("vendorDescription", Field::Null),
            ("expenseDescription", t("memo")),
            ("amount", t("total")),
            ("currency", t("currency")),
            ("employeeId", t("employee_internal_id")),
            ("employeeName", t("employee_name")),
        ],
    };
    let refs: &[(&'static str, &str, &str)] = match entity {
        "departments" => &[("parentExternalId", "department", "parent_internal_id")],
        "employees" => &[("departmentExternalId", "department", "department_internal_id")],
        "invoices" => &[("vendorExternalId", "vendor", "vendor_internal_id")],
        "costs" => &[("employeeExternalId", "employee", "employee_internal_id")],
        _ => &[],
    };
    for (key, record_type, column) in refs {
        f.push((key, reference(settings, account, record_type, row, column)));
    }
    if matches!(entity, "invoices" | "costs") {
        f.push(("time", point_time(row)));
    }
    f.sort_by_key(|(k, _)| *k);
    Data(f)
}

/// The fact sheet's data as a JSON object (see [`fields`]).
pub fn data(settings: &PushSettings, account: &str, entity: &str, row: &Value) -> Value {
    let Data(f) = fields(settings, account, entity, row);
    Value::Object(f.iter().map(|(k, v)| ((*k).to_string(), v.to_value())).collect())
}

/// The external id of a record: `{prefix}:{account}:{recordType}:{internalId}`.
pub fn external_id(settings: &PushSettings, account: &str, entity: &str, item: &Claimed) -> String {
    format!("{}:{}:{}:{}", settings.id_prefix, account, record_type(entity, &item.row), item.internal_id)
}

/// One content item as written.
struct Item<'a> {
    item_type: &'static str,
    id: &'a str,
    data: Data<'a>,
}

impl Serialize for Item<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Keys in sorted order, as a JSON object of the document has them.
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("data", &self.data)?;
        m.serialize_entry("id", self.id)?;
        m.serialize_entry("type", self.item_type)?;
        m.end()
    }
}

/// A whole LDIF document as written.
struct Document<'a> {
    settings: &'a PushSettings,
    target: &'a PushTarget,
    description: &'a str,
    content: Vec<Item<'a>>,
}

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Keys in sorted order.
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("connectorId", &self.target.connector_id)?;
        m.serialize_entry("connectorType", &self.settings.connector_type)?;
        m.serialize_entry("connectorVersion", &self.settings.connector_version)?;
        m.serialize_entry("content", &self.content)?;
        m.serialize_entry("description", self.description)?;
        m.serialize_entry("lxVersion", &self.settings.lx_version)?;
        if let Some(ws) = &self.target.workspace {
            m.serialize_entry("lxWorkspace", ws)?;
        }
        m.serialize_entry("processingDirection", "inbound")?;
        m.serialize_entry("processingMode", "partial")?;
        m.end()
    }
}

/// A whole LDIF document for one batch, as a JSON value (what [`serialize`] writes).
pub fn document(
    settings: &PushSettings,
    target: &PushTarget,
    account: &str,
    entity: &str,
    description: &str,
    items: &[Claimed],
) -> Value {
    let (body, _) = serialize(settings, target, account, entity, description, items);
    serde_json::from_slice(&body).unwrap_or(Value::Null)
}

/// A batch's LDIF as it is sent (JSON bytes, written once straight from the rows and sent
/// again as they are on a retry or a new run), and the record each item's external id names
/// (to read LeanIX's warnings back onto the batch's records without reading the rows again).
pub fn serialize(
    settings: &PushSettings,
    target: &PushTarget,
    account: &str,
    entity: &str,
    description: &str,
    claimed: &[Claimed],
) -> (Bytes, HashMap<String, String>) {
    let ids: Vec<String> = claimed.iter().map(|i| external_id(settings, account, entity, i)).collect();
    let content = claimed
        .iter()
        .zip(&ids)
        .map(|(i, id)| Item {
            item_type: if i.deleted { deleted_content_type(entity) } else { content_type(entity) },
            id,
            data: fields(settings, account, entity, &i.row),
        })
        .collect();
    let doc = Document { settings, target, description, content };
    let mut body = Vec::with_capacity(512 * claimed.len() + 512);
    // Writing JSON with string keys into a Vec does not fail.
    if let Err(e) = serde_json::to_writer(&mut body, &doc) {
        tracing::error!(error = %e, "an LDIF could not be written");
    }
    drop(doc);
    let by_external = ids.into_iter().zip(claimed.iter().map(|i| i.internal_id.clone())).collect();
    (Bytes::from(body), by_external)
}
