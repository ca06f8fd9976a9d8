//! Reading and checking an LDIF document, the body of a new synchronization run.
//!
//! Required: `connectorType`, `connectorId`, `connectorVersion`, `lxVersion` and
//! `processingDirection`, each a non-empty string, the last one `inbound`. Optional:
//! `lxWorkspace` and `description` (strings), `processingMode` (`partial`, the default, or
//! `full`), `customFields` (an object) and `content` (an array of objects, each with a
//! non-empty string `type`, a non-empty string `id` and an object `data`). A `null` optional
//! field counts as absent; other fields are accepted and kept.

use serde_json::{Map, Value};

/// The required top-level fields, in the order problems are reported.
pub(crate) const REQUIRED_FIELDS: [&str; 5] =
    ["connectorType", "connectorId", "connectorVersion", "lxVersion", "processingDirection"];

/// How many problems an answer lists; further ones are counted.
const MAX_LISTED: usize = 20;

/// A valid LDIF, with the fields the simulator shows pulled out.
#[derive(Debug)]
pub(crate) struct Ldif {
    /// The whole document as sent.
    pub value: Value,
    /// `connectorType`.
    pub connector_type: String,
    /// `connectorId`.
    pub connector_id: String,
    /// `connectorVersion`.
    pub connector_version: String,
    /// `description`, when given.
    pub description: Option<String>,
    /// `processingMode` (`partial` when not given).
    pub processing_mode: String,
    /// Number of `content` items.
    pub content_items: usize,
}

/// Problems found, the first [`MAX_LISTED`] in words.
#[derive(Default)]
struct Problems {
    listed: Vec<String>,
    more: usize,
}

impl Problems {
    fn add(&mut self, problem: impl FnOnce() -> String) {
        if self.listed.len() < MAX_LISTED {
            self.listed.push(problem());
        } else {
            self.more += 1;
        }
    }

    fn into_list(mut self) -> Vec<String> {
        if self.more > 0 {
            self.listed.push(format!("... and {} more problems", self.more));
        }
        self.listed
    }
}

/// Parses and checks `body`; on failure, the problems in words (at least one).
pub(crate) fn parse(body: &[u8]) -> Result<Ldif, Vec<String>> {
    let value: Value = serde_json::from_slice(body).map_err(|e| vec![format!("the body is not JSON: {e}")])?;
    let Some(obj) = value.as_object() else {
        return Err(vec!["the LDIF must be a JSON object".to_string()]);
    };
    let mut problems = Problems::default();
    for key in REQUIRED_FIELDS {
        required_string(obj, key, &mut problems);
    }
    if let Some(Value::String(d)) = obj.get("processingDirection") {
        if !d.trim().is_empty() && d != "inbound" {
            problems.add(|| format!("processingDirection must be \"inbound\", not {d:?}"));
        }
    }
    for key in ["lxWorkspace", "description"] {
        if !matches!(obj.get(key), None | Some(Value::Null | Value::String(_))) {
            problems.add(|| format!("{key} must be a string"));
        }
    }
    match obj.get("processingMode") {
        None | Some(Value::Null) => {}
        Some(Value::String(m)) if m == "partial" || m == "full" => {}
        Some(other) => problems.add(|| format!("processingMode must be \"partial\" or \"full\", not {other}")),
    }
    if !matches!(obj.get("customFields"), None | Some(Value::Null | Value::Object(_))) {
        problems.add(|| "customFields must be an object".to_string());
    }
    let content_items = match obj.get("content") {
        None | Some(Value::Null) => 0,
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                check_item(i, item, &mut problems);
            }
            items.len()
        }
        Some(_) => {
            problems.add(|| "content must be an array".to_string());
            0
        }
    };
    if !problems.listed.is_empty() {
        return Err(problems.into_list());
    }
    let text = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_string);
    Ok(Ldif {
        connector_type: text("connectorType").unwrap_or_default(),
        connector_id: text("connectorId").unwrap_or_default(),
        connector_version: text("connectorVersion").unwrap_or_default(),
        description: text("description"),
        processing_mode: text("processingMode").unwrap_or_else(|| "partial".to_string()),
        content_items,
        value,
    })
}

/// Checks that `obj[key]` is a non-empty string.
fn required_string(obj: &Map<String, Value>, key: &str, problems: &mut Problems) {
    match obj.get(key) {
        None | Some(Value::Null) => problems.add(|| format!("{key} is required")),
        Some(Value::String(s)) if s.trim().is_empty() => problems.add(|| format!("{key} must not be empty")),
        Some(Value::String(_)) => {}
        Some(_) => problems.add(|| format!("{key} must be a string")),
    }
}

/// Checks one content item.
fn check_item(i: usize, item: &Value, problems: &mut Problems) {
    let Some(o) = item.as_object() else {
        problems.add(|| format!("content[{i}] must be an object with type, id and data"));
        return;
    };
    for key in ["type", "id"] {
        match o.get(key) {
            None | Some(Value::Null) => problems.add(|| format!("content[{i}].{key} is required")),
            Some(Value::String(s)) if !s.trim().is_empty() => {}
            Some(_) => problems.add(|| format!("content[{i}].{key} must be a non-empty string")),
        }
    }
    match o.get("data") {
        None | Some(Value::Null) => problems.add(|| format!("content[{i}].data is required")),
        Some(Value::Object(_)) => {}
        Some(_) => problems.add(|| format!("content[{i}].data must be an object")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({
            "connectorType": "netsuite-discovery",
            "connectorId": "tenant-1",
            "connectorVersion": "1.0.0",
            "lxVersion": "1.0.0",
            "processingDirection": "inbound",
            "description": "batch 7",
            "content": [{"type": "Employee", "id": "ns:1:employee:5", "data": {"name": "Ann"}}]
        })
    }

    fn check(v: &Value) -> Result<Ldif, Vec<String>> {
        parse(&serde_json::to_vec(v).unwrap())
    }

    #[test]
    fn a_valid_document_is_read() {
        let l = check(&base()).unwrap();
        assert_eq!(l.connector_id, "tenant-1");
        assert_eq!(l.description.as_deref(), Some("batch 7"));
        assert_eq!(l.processing_mode, "partial");
        assert_eq!(l.content_items, 1);
    }

    #[test]
    fn each_required_field_is_named_when_missing() {
        for key in REQUIRED_FIELDS {
            let mut v = base();
            v.as_object_mut().unwrap().remove(key);
            let errs = check(&v).unwrap_err();
            assert_eq!(errs, vec![format!("{key} is required")]);
        }
    }

    #[test]
    fn wrong_values_are_named() {
        let mut v = base();
        v["processingDirection"] = json!("outbound");
        v["processingMode"] = json!("sometimes");
        v["customFields"] = json!([1]);
        v["content"][0]["data"] = json!("x");
        v["content"][0]["id"] = json!("");
        let errs = check(&v).unwrap_err();
        assert_eq!(errs.len(), 5, "{errs:?}");
        assert!(errs.iter().any(|e| e.contains("processingDirection")));
        assert!(errs.iter().any(|e| e.contains("content[0].id")));
        assert!(errs.iter().any(|e| e.contains("content[0].data")));
        assert!(check(&json!([1])).is_err());
        assert!(parse(b"{").unwrap_err()[0].contains("not JSON"));
    }

    #[test]
    fn many_problems_are_counted_not_all_listed() {
        let mut v = base();
        v["content"] = json!((0..50).map(|_| json!({})).collect::<Vec<_>>());
        let errs = check(&v).unwrap_err();
        assert_eq!(errs.len(), MAX_LISTED + 1);
        assert!(errs[MAX_LISTED].contains("130 more"), "{errs:?}");
    }
}
