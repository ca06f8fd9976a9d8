//! Processor configurations: what `PUT /configurations` installs and `GET /configurations`
//! lists, read into the processors the simulator can apply.
//!
//! A configuration is keyed, as LeanIX documents, by `connectorType`, `connectorId`,
//! `connectorVersion` and `processingDirection`; a run is processed by the configuration
//! whose four values equal its LDIF's. The simulator applies a subset of LeanIX's inbound
//! processors (the one the daemon's configuration uses) and refuses a configuration that
//! needs more, naming what it does not know:
//! - `inboundFactSheet` with an external identifier (`identifier.external.id`), `type`,
//!   `updates` (key = a field name, values = expressions; the first non-empty value is
//!   written) and optional `"mode": "delete"` (the fact sheet is archived);
//! - `inboundRelation` with `type`, `from` and `to` external identifiers;
//! - `inboundMetrics` with `updates` for `measurement`, `time`, `fieldKey`,
//!   `fieldValueNumber`, `tagKey`, `tagValue` and optional `tags` (a list of `map`s with
//!   `key` and `value`);
//! - filters `exactType`, `type` (a prefix; `a|b` for either) and `advanced`, all of which
//!   must match; `run` orders the processors (lower first, then as listed).
//!
//! Expressions are the JUEL subset of [`super::juel`]. `processingMode` `full` with a
//! `deletionScope` is refused (the daemon sends partial runs only).

use serde_json::Value;

use super::juel::{self, Expr, Scope};

/// One value of an update: an expression, or a `map` of key/value expressions.
#[derive(Clone, Debug)]
pub(crate) enum UpdateValue {
    /// `{"expr": ...}`.
    Expr(Expr),
    /// `{"map": [{"key": ..., "value": ...}]}`.
    Map(Vec<(String, Expr)>),
}

/// One entry of `updates`.
#[derive(Clone, Debug)]
pub(crate) struct Update {
    /// The field written (a literal key).
    pub key: String,
    /// The candidate values.
    pub values: Vec<UpdateValue>,
}

/// Which content items a processor acts on.
#[derive(Clone, Debug, Default)]
pub(crate) struct Filter {
    exact_type: Option<String>,
    type_prefixes: Option<Vec<String>>,
    advanced: Option<Expr>,
}

impl Filter {
    /// Whether the item matches every filter given.
    pub(crate) fn matches(&self, scope: &Scope<'_>) -> bool {
        if let Some(t) = &self.exact_type {
            if t != scope.item_type {
                return false;
            }
        }
        if let Some(prefixes) = &self.type_prefixes {
            if !prefixes.iter().any(|p| scope.item_type.starts_with(p.as_str())) {
                return false;
            }
        }
        self.advanced.as_ref().map_or(true, |a| a.truthy(scope))
    }
}

/// What a processor does.
#[derive(Clone, Debug)]
pub(crate) enum Kind {
    /// `inboundFactSheet`.
    FactSheet {
        /// The fact sheet type.
        fs_type: String,
        /// The external id.
        identifier: Expr,
        /// `"mode": "delete"`: archive instead of write.
        delete: bool,
        /// Fields written.
        updates: Vec<Update>,
    },
    /// `inboundRelation`.
    Relation {
        /// The relation type (e.g. `relToParent`).
        rel_type: String,
        /// External id of the source fact sheet.
        from: Expr,
        /// External id of the target fact sheet.
        to: Expr,
    },
    /// `inboundMetrics`.
    Metrics {
        /// The point's keys.
        updates: Vec<Update>,
    },
}

/// One processor of a configuration.
#[derive(Clone, Debug)]
pub(crate) struct Processor {
    /// `processorName`.
    pub name: String,
    /// Position in the configuration.
    pub index: usize,
    /// `run` (order of execution).
    pub run: i64,
    /// The filter.
    pub filter: Filter,
    /// What it does.
    pub kind: Kind,
}

/// An installed configuration.
#[derive(Clone, Debug)]
pub(crate) struct Configuration {
    /// The document as installed.
    pub value: Value,
    /// `connectorType`, `connectorId`, `connectorVersion`, `processingDirection`.
    pub key: [String; 4],
    /// Its processors, in execution order.
    pub processors: Vec<Processor>,
}

/// The four values binding a configuration (or an LDIF) to its connector.
pub(crate) const KEY_FIELDS: [&str; 4] = ["connectorType", "connectorId", "connectorVersion", "processingDirection"];

fn text_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty()).map(str::to_string)
}

/// An expression given as `{"expr": ...}` or as a bare string.
fn expr_field(v: Option<&Value>, what: &str) -> Result<Expr, String> {
    let text = match v {
        Some(Value::String(s)) => s.as_str(),
        Some(o) => o.get("expr").and_then(Value::as_str).ok_or_else(|| format!("{what}: an expr is required"))?,
        None => return Err(format!("{what} is required")),
    };
    juel::parse(text).map_err(|e| format!("{what}: {e}"))
}

/// The external id expression of an identifier (`from`, `to` or `identifier`).
fn external(v: Option<&Value>, what: &str) -> Result<Expr, String> {
    let Some(v) = v else { return Err(format!("{what} is required")) };
    let Some(ext) = v.get("external") else {
        return Err(format!("{what}: the simulator identifies fact sheets by external id only"));
    };
    if let Some(t) = ext.get("type") {
        let t = t.as_str().or_else(|| t.get("expr").and_then(Value::as_str)).unwrap_or_default();
        if t != "externalId" {
            return Err(format!("{what}: external id type must be externalId, not {t:?}"));
        }
    }
    expr_field(ext.get("id"), &format!("{what}.external.id"))
}

fn updates(p: &Value, what: &str) -> Result<Vec<Update>, String> {
    let Some(list) = p.get("updates") else { return Ok(Vec::new()) };
    let list = list.as_array().ok_or_else(|| format!("{what}: updates must be an array"))?;
    let mut out = Vec::new();
    for (i, u) in list.iter().enumerate() {
        let key = u
            .get("key")
            .and_then(|k| k.get("expr"))
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{what}: updates[{i}].key.expr is required"))?;
        if key.contains("${") {
            return Err(format!("{what}: updates[{i}]: the simulator needs a literal key, not {key:?}"));
        }
        let mut values = Vec::new();
        for (j, v) in u.get("values").and_then(Value::as_array).into_iter().flatten().enumerate() {
            if let Some(map) = v.get("map").and_then(Value::as_array) {
                let mut entries = Vec::new();
                for m in map {
                    let k = m.get("key").and_then(Value::as_str).unwrap_or_default().to_string();
                    let val = m.get("value").and_then(Value::as_str).unwrap_or_default();
                    entries.push((k, juel::parse(val).map_err(|e| format!("{what}: updates[{i}].values[{j}]: {e}"))?));
                }
                values.push(UpdateValue::Map(entries));
            } else {
                if v.get("regexMatch").is_some() || v.get("forEach").is_some() {
                    return Err(format!("{what}: updates[{i}].values[{j}]: regexMatch and forEach are not simulated"));
                }
                values.push(UpdateValue::Expr(expr_field(Some(v), &format!("{what}: updates[{i}].values[{j}]"))?));
            }
        }
        out.push(Update { key: key.to_string(), values });
    }
    Ok(out)
}

fn filter(p: &Value, what: &str) -> Result<Filter, String> {
    let Some(f) = p.get("filter") else { return Ok(Filter::default()) };
    let mut filter = Filter::default();
    for (k, v) in f.as_object().ok_or_else(|| format!("{what}: filter must be an object"))? {
        let s = v.as_str().ok_or_else(|| format!("{what}: filter.{k} must be a string"))?;
        match k.as_str() {
            "exactType" => filter.exact_type = Some(s.to_string()),
            "type" => filter.type_prefixes = Some(s.split('|').map(str::to_string).collect()),
            "advanced" => filter.advanced = Some(juel::parse(s).map_err(|e| format!("{what}: filter.advanced: {e}"))?),
            other => return Err(format!("{what}: filter {other:?} is not simulated")),
        }
    }
    Ok(filter)
}

fn processor(index: usize, p: &Value) -> Result<Processor, String> {
    let name = text_of(p, "processorName").unwrap_or_else(|| format!("processor {index}"));
    let what = format!("processors[{index}] ({name})");
    let run = p.get("run").and_then(Value::as_i64).unwrap_or(0);
    let kind = match p.get("processorType").and_then(Value::as_str) {
        Some("inboundFactSheet") => {
            let delete = match p.get("mode").and_then(Value::as_str) {
                None => false,
                Some("delete") => true,
                Some(m) => return Err(format!("{what}: mode {m:?} is not simulated")),
            };
            Kind::FactSheet {
                fs_type: text_of(p, "type").ok_or_else(|| format!("{what}: type is required"))?,
                identifier: external(p.get("identifier"), &format!("{what}: identifier"))?,
                delete,
                updates: updates(p, &what)?,
            }
        }
        Some("inboundRelation") => Kind::Relation {
            rel_type: text_of(p, "type").ok_or_else(|| format!("{what}: type is required"))?,
            from: external(p.get("from"), &format!("{what}: from"))?,
            to: external(p.get("to"), &format!("{what}: to"))?,
        },
        Some("inboundMetrics") => Kind::Metrics { updates: updates(p, &what)? },
        Some(other) => return Err(format!("{what}: processorType {other:?} is not simulated")),
        None => return Err(format!("{what}: processorType is required")),
    };
    Ok(Processor { name, index, run, filter: filter(p, &what)?, kind })
}

/// Reads and checks a configuration as `PUT /configurations` receives it.
pub(crate) fn parse(value: Value) -> Result<Configuration, Vec<String>> {
    if !value.is_object() {
        return Err(vec!["the processor configuration must be a JSON object".into()]);
    }
    let mut problems = Vec::new();
    let mut key: [String; 4] = Default::default();
    for (slot, field) in key.iter_mut().zip(KEY_FIELDS) {
        match text_of(&value, field) {
            Some(v) => *slot = v,
            None => problems.push(format!("{field} is required")),
        }
    }
    if !key[3].is_empty() && key[3] != "inbound" {
        problems.push(format!("processingDirection {:?} is not simulated (inbound only)", key[3]));
    }
    match value.get("processingMode").and_then(Value::as_str) {
        None | Some("partial") => {}
        Some("full") if value.get("deletionScope").is_none() => {}
        Some("full") => problems.push("a deletionScope (processingMode full) is not simulated".into()),
        Some(m) => problems.push(format!("processingMode must be partial or full, not {m:?}")),
    }
    let mut processors = Vec::new();
    match value.get("processors") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for (i, p) in list.iter().enumerate() {
                match processor(i, p) {
                    Ok(p) => processors.push(p),
                    Err(e) => problems.push(e),
                }
            }
        }
        Some(_) => problems.push("processors must be an array".into()),
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    processors.sort_by_key(|p| (p.run, p.index));
    Ok(Configuration { value, key, processors })
}

/// The connector key of an LDIF (empty strings for missing fields).
pub(crate) fn key_of(ldif: &Value) -> [String; 4] {
    KEY_FIELDS.map(|f| ldif.get(f).and_then(Value::as_str).unwrap_or_default().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_shipped_configuration_is_understood() {
        let mut v: Value =
            serde_json::from_str(include_str!("../../../config/leanix/processors.json")).expect("valid JSON");
        for (k, val) in KEY_FIELDS.iter().zip(["netsuite-discovery", "t1", "1.0.0", "inbound"]) {
            v[*k] = json!(val);
        }
        let c = parse(v).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(c.processors.len() >= 8);
        assert!(c.processors.windows(2).all(|w| w[0].run <= w[1].run));
    }

    #[test]
    fn unknown_things_are_named() {
        let v = json!({
            "connectorType": "t", "connectorId": "c", "connectorVersion": "1", "processingDirection": "inbound",
            "processors": [
                {"processorType": "inboundTag", "processorName": "tags"},
                {"processorType": "inboundFactSheet", "type": "Application",
                 "identifier": {"internal": "${content.id}"}},
                {"processorType": "inboundFactSheet", "type": "Application", "filter": {"onRead": "${true}"},
                 "identifier": {"external": {"id": {"expr": "${content.id}"}, "type": {"expr": "externalId"}}}}
            ]
        });
        let errs = parse(v).unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs[0].contains("inboundTag"));
        assert!(errs[1].contains("external id"));
        assert!(errs[2].contains("onRead"));
        assert!(parse(json!({"processors": []})).unwrap_err().len() == 4);
    }
}
