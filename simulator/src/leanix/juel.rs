//! The small part of JUEL the simulator understands: text with `${...}` parts, where a part
//! is `content.id`, `content.type`, `data.<key>[.<key>...]`, `header.<key>`, `true`, `false`,
//! `empty <path>` or `!empty <path>`. LeanIX evaluates full JUEL; a configuration using more
//! is refused by the simulator when it is installed, so that the daemon's configuration stays
//! within what the simulator can check.

use serde_json::Value;

/// One `${...}` part.
#[derive(Clone, Debug, PartialEq)]
enum Part {
    Text(String),
    Path(Vec<String>),
    Bool(bool),
    Empty { path: Vec<String>, negated: bool },
}

/// A parsed expression.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Expr {
    parts: Vec<Part>,
}

/// What an expression is evaluated against: the content item and the LDIF header.
pub(crate) struct Scope<'a> {
    /// The item's `id`.
    pub id: &'a str,
    /// The item's `type`.
    pub item_type: &'a str,
    /// The item's `data`.
    pub data: &'a Value,
    /// The LDIF's top level (for `header.*`).
    pub header: &'a Value,
}

fn path(text: &str) -> Result<Vec<String>, String> {
    let keys: Vec<String> = text.split('.').map(|s| s.trim().to_string()).collect();
    let valid_key = |k: &String| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match keys.first().map(String::as_str) {
        Some("content") if keys.len() == 2 && (keys[1] == "id" || keys[1] == "type") => Ok(keys),
        Some("data" | "header") if keys.len() >= 2 && keys.iter().all(valid_key) => Ok(keys),
        _ => Err(format!(
            "unsupported expression {text:?} (the simulator knows content.id, content.type, data.*, header.*)"
        )),
    }
}

/// Parses `text`; an error names what the simulator does not understand.
pub(crate) fn parse(text: &str) -> Result<Expr, String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        if start > 0 {
            parts.push(Part::Text(rest[..start].to_string()));
        }
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| format!("unclosed ${{ in {text:?}"))?;
        let inner = after[..end].trim();
        let part = match inner {
            "true" => Part::Bool(true),
            "false" => Part::Bool(false),
            _ => {
                if let Some(p) = inner.strip_prefix("!empty ") {
                    Part::Empty { path: path(p)?, negated: true }
                } else if let Some(p) = inner.strip_prefix("empty ") {
                    Part::Empty { path: path(p)?, negated: false }
                } else {
                    Part::Path(path(inner)?)
                }
            }
        };
        parts.push(part);
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_string()));
    }
    Ok(Expr { parts })
}

fn lookup(scope: &Scope<'_>, path: &[String]) -> Value {
    match path[0].as_str() {
        "content" if path[1] == "id" => Value::String(scope.id.to_string()),
        "content" => Value::String(scope.item_type.to_string()),
        root => {
            let mut v = if root == "data" { scope.data } else { scope.header };
            for k in &path[1..] {
                match v.get(k) {
                    Some(next) => v = next,
                    None => return Value::Null,
                }
            }
            v.clone()
        }
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

impl Expr {
    /// The value: a lone `${...}` keeps its JSON value (null when missing); text with parts
    /// is a string (a null part is empty text).
    pub(crate) fn eval(&self, scope: &Scope<'_>) -> Value {
        let one = |p: &Part| match p {
            Part::Text(t) => Value::String(t.clone()),
            Part::Path(path) => lookup(scope, path),
            Part::Bool(b) => Value::Bool(*b),
            Part::Empty { path, negated } => Value::Bool(is_empty(&lookup(scope, path)) != *negated),
        };
        if self.parts.len() == 1 {
            return one(&self.parts[0]);
        }
        let mut out = String::new();
        for p in &self.parts {
            match one(p) {
                Value::Null => {}
                Value::String(s) => out.push_str(&s),
                other => out.push_str(&other.to_string()),
            }
        }
        Value::String(out)
    }

    /// The value as text (`None` when null or empty).
    pub(crate) fn text(&self, scope: &Scope<'_>) -> Option<String> {
        match self.eval(scope) {
            Value::Null => None,
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s),
            other => Some(other.to_string()),
        }
    }

    /// Whether the value is `true` (or the text `true`).
    pub(crate) fn truthy(&self, scope: &Scope<'_>) -> bool {
        match self.eval(scope) {
            Value::Bool(b) => b,
            Value::String(s) => s == "true",
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_text_and_empty() {
        let data = json!({"name": "Acme", "parent": null, "n": {"x": 3}});
        let header = json!({"connectorId": "c1"});
        let s = Scope { id: "ns:1:vendor:7", item_type: "Service", data: &data, header: &header };
        assert_eq!(parse("${data.name}").unwrap().eval(&s), json!("Acme"));
        assert_eq!(parse("${data.n.x}").unwrap().eval(&s), json!(3));
        assert_eq!(parse("${data.missing}").unwrap().eval(&s), Value::Null);
        assert_eq!(
            parse("Vendor ${data.name} (${content.id})").unwrap().text(&s).unwrap(),
            "Vendor Acme (ns:1:vendor:7)"
        );
        assert!(parse("${!empty data.name}").unwrap().truthy(&s));
        assert!(!parse("${!empty data.parent}").unwrap().truthy(&s));
        assert!(parse("${empty data.parent}").unwrap().truthy(&s));
        assert_eq!(parse("${header.connectorId}").unwrap().text(&s).unwrap(), "c1");
        assert_eq!(parse("0").unwrap().text(&s).unwrap(), "0");
        assert!(parse("${lx.factsheet.name}").is_err());
        assert!(parse("${data.a + 1}").is_err());
        assert!(parse("${data.a").is_err());
    }
}
