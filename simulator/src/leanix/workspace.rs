//! The workspace a finished run writes to: fact sheets (active or archived), relations and
//! metric points, as the configuration's processors make them. Each processor failure on a
//! content item becomes a warning naming the item (`content`), the way LeanIX reports content
//! its processors could not use while the run still ends `FINISHED`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Map, Value};

use super::configurations::{Configuration, Kind, Processor, Update, UpdateValue};
use super::juel::Scope;

/// A warning of a run, as the warnings endpoint lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct SimWarning {
    /// The content item's id, when the warning is about one.
    pub content: Option<String>,
    /// What went wrong.
    pub message: String,
    /// The processor's name and index, when one raised it.
    pub processor: Option<(String, usize)>,
    /// `WARNING` or `ERROR`.
    pub status: String,
}

impl SimWarning {
    /// A run-level warning (no content item).
    pub fn run_level(message: impl Into<String>) -> Self {
        Self { content: None, message: message.into(), processor: None, status: "WARNING".into() }
    }

    /// The warning as JSON (number `n` from 1, of run `run_id`).
    pub(crate) fn to_json(&self, n: usize, run_id: &str) -> Value {
        json!({
            "id": n,
            "runId": run_id,
            "processor": self.processor.as_ref().map(|(name, index)| json!({"name": name, "index": index})),
            "content": self.content,
            "message": self.message,
            "detail": Value::Null,
            "category": if self.content.is_some() { "PROCESSING" } else { "RUN" },
            "status": self.status,
        })
    }
}

/// A fact sheet as tests see it.
#[derive(Clone, Debug, PartialEq)]
pub struct SimFactSheet {
    /// The workspace's own id.
    pub id: String,
    /// Fact sheet type (e.g. `Provider`).
    pub fs_type: String,
    /// The external id it was created under.
    pub external_id: String,
    /// Fields written (`name`, `description`, ...).
    pub fields: BTreeMap<String, Value>,
    /// Archived (deleted in the UI's words).
    pub archived: bool,
}

impl SimFactSheet {
    /// The `name` field, if written.
    pub fn name(&self) -> Option<&str> {
        self.fields.get("name").and_then(Value::as_str)
    }
}

/// A relation between two fact sheets, named by their external ids.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SimRelation {
    /// Relation type (e.g. `relToParent`).
    pub rel_type: String,
    /// External id of the source.
    pub from: String,
    /// External id of the target.
    pub to: String,
}

/// A metric point.
#[derive(Clone, Debug, PartialEq)]
pub struct SimMetricPoint {
    /// Measurement.
    pub measurement: String,
    /// Time as sent.
    pub time: String,
    /// Field key.
    pub field_key: String,
    /// Tags (`tagKey`/`tagValue` and `tags`).
    pub tags: BTreeMap<String, String>,
    /// Value.
    pub value: f64,
}

type PointKey = (String, String, String, Vec<(String, String)>);

/// The workspace's data.
#[derive(Default)]
pub(crate) struct Workspace {
    sheets: Vec<SimFactSheet>,
    /// Active fact sheets by external id.
    active: HashMap<String, usize>,
    /// (relation type, from index, to index).
    relations: BTreeSet<(String, usize, usize)>,
    points: BTreeMap<PointKey, f64>,
}

fn scope<'a>(item: &'a Value, header: &'a Value) -> Scope<'a> {
    static NULL: Value = Value::Null;
    Scope {
        id: item.get("id").and_then(Value::as_str).unwrap_or_default(),
        item_type: item.get("type").and_then(Value::as_str).unwrap_or_default(),
        data: item.get("data").unwrap_or(&NULL),
        header,
    }
}

/// The first non-empty value of an update.
fn first_value(u: &Update, s: &Scope<'_>) -> Option<Value> {
    u.values.iter().find_map(|v| match v {
        UpdateValue::Expr(e) => e.text(s).map(Value::String),
        UpdateValue::Map(entries) => {
            let mut m = Map::new();
            for (k, e) in entries {
                m.insert(k.clone(), e.text(s).map(Value::String).unwrap_or(Value::Null));
            }
            Some(Value::Object(m))
        }
    })
}

impl Workspace {
    /// Applies `config` to every content item of `ldif`; the first `ignored` items (with
    /// their message) are left out with a warning each. Returns the warnings.
    pub(crate) fn apply(
        &mut self,
        config: &Configuration,
        ldif: &Value,
        ignored: Option<&(usize, String)>,
    ) -> Vec<SimWarning> {
        let items = ldif.get("content").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let mut warnings = Vec::new();
        let skip = ignored.map(|(n, _)| *n).unwrap_or(0);
        if let Some((_, message)) = ignored {
            for item in items.iter().take(skip) {
                warnings.push(SimWarning {
                    content: item.get("id").and_then(Value::as_str).map(str::to_string),
                    message: message.clone(),
                    processor: None,
                    status: "ERROR".into(),
                });
            }
        }
        let mut handled = vec![false; items.len()];
        for p in &config.processors {
            for (i, item) in items.iter().enumerate().skip(skip) {
                let s = scope(item, ldif);
                if !p.filter.matches(&s) {
                    continue;
                }
                handled[i] = true;
                if let Err(message) = self.apply_one(p, &s) {
                    warnings.push(SimWarning {
                        content: Some(s.id.to_string()),
                        message,
                        processor: Some((p.name.clone(), p.index)),
                        status: "ERROR".into(),
                    });
                }
            }
        }
        // Content no processor's filter matches is ignored, with a warning naming it.
        for (item, _) in items.iter().zip(&handled).skip(skip).filter(|(_, h)| !**h) {
            let s = scope(item, ldif);
            warnings.push(SimWarning {
                content: Some(s.id.to_string()),
                message: format!("no processor of the configuration takes content of type {:?}", s.item_type),
                processor: None,
                status: "WARNING".into(),
            });
        }
        warnings
    }

    fn apply_one(&mut self, p: &Processor, s: &Scope<'_>) -> Result<(), String> {
        match &p.kind {
            Kind::FactSheet { fs_type, identifier, delete, updates } => {
                let ext = identifier.text(s).ok_or("the external id is empty")?;
                let found = self.active.get(&ext).copied();
                if let Some(i) = found {
                    if self.sheets[i].fs_type != *fs_type {
                        return Err(format!("externalId {ext} belongs to a {} fact sheet", self.sheets[i].fs_type));
                    }
                }
                if *delete {
                    // Archived, and its external id freed: the same id sent again makes a new one.
                    if let Some(i) = found {
                        self.sheets[i].archived = true;
                        self.active.remove(&ext);
                    }
                    return Ok(());
                }
                let mut fields = BTreeMap::new();
                for u in updates {
                    if let Some(v) = first_value(u, s) {
                        fields.insert(u.key.clone(), v);
                    }
                }
                match found {
                    Some(i) => self.sheets[i].fields.extend(fields),
                    None => {
                        if !fields.contains_key("name") {
                            return Err(format!("a new {fs_type} fact sheet needs a name"));
                        }
                        let i = self.sheets.len();
                        self.sheets.push(SimFactSheet {
                            id: format!("fs-{}", i + 1),
                            fs_type: fs_type.clone(),
                            external_id: ext.clone(),
                            fields,
                            archived: false,
                        });
                        self.active.insert(ext, i);
                    }
                }
                Ok(())
            }
            Kind::Relation { rel_type, from, to } => {
                let find = |e: &super::juel::Expr, side: &str| -> Result<usize, String> {
                    let ext = e.text(s).ok_or_else(|| format!("the {side} external id is empty"))?;
                    self.active.get(&ext).copied().ok_or_else(|| format!("no active fact sheet with externalId {ext}"))
                };
                let (f, t) = (find(from, "from")?, find(to, "to")?);
                if rel_type == "relToParent" {
                    // A fact sheet has one parent: the new one replaces the old.
                    self.relations.retain(|(r, a, _)| !(r == rel_type && *a == f));
                }
                self.relations.insert((rel_type.clone(), f, t));
                Ok(())
            }
            Kind::Metrics { updates } => {
                let mut v: HashMap<&str, Value> = HashMap::new();
                for u in updates {
                    if let Some(val) = first_value(u, s) {
                        v.insert(u.key.as_str(), val);
                    }
                }
                let text = |k: &str| -> Result<String, String> {
                    v.get(k)
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .ok_or_else(|| format!("metrics: {k} is required"))
                };
                let number = text("fieldValueNumber")?;
                let value: f64 = number
                    .trim()
                    .parse()
                    .map_err(|_| format!("metrics: fieldValueNumber {number:?} is not a number"))?;
                let mut tags = vec![(text("tagKey")?, text("tagValue")?)];
                if let Some(Value::Object(extra)) = v.get("tags") {
                    if let (Some(k), Some(val)) =
                        (extra.get("key").and_then(Value::as_str), extra.get("value").and_then(Value::as_str))
                    {
                        tags.push((k.to_string(), val.to_string()));
                    }
                }
                tags.sort();
                self.points.insert((text("measurement")?, text("time")?, text("fieldKey")?, tags), value);
                Ok(())
            }
        }
    }

    /// Every fact sheet, active and archived, in creation order.
    pub(crate) fn fact_sheets(&self) -> Vec<SimFactSheet> {
        self.sheets.clone()
    }

    /// Every relation between active fact sheets (an archived one leaves with its
    /// relations), by external ids.
    pub(crate) fn relations(&self) -> Vec<SimRelation> {
        self.relations
            .iter()
            .filter(|(_, f, t)| !self.sheets[*f].archived && !self.sheets[*t].archived)
            .map(|(r, f, t)| SimRelation {
                rel_type: r.clone(),
                from: self.sheets[*f].external_id.clone(),
                to: self.sheets[*t].external_id.clone(),
            })
            .collect()
    }

    /// Every metric point.
    pub(crate) fn metric_points(&self) -> Vec<SimMetricPoint> {
        self.points
            .iter()
            .map(|((m, time, field, tags), v)| SimMetricPoint {
                measurement: m.clone(),
                time: time.clone(),
                field_key: field.clone(),
                tags: tags.iter().cloned().collect(),
                value: *v,
            })
            .collect()
    }
}
