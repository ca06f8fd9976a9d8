//! The part of the `outbox` command's report about what did not land: changes LeanIX
//! rejected (with its messages) and dead-lettered batches (with their errors and warnings).

use std::fmt::Write;

use serde_json::Value;

use crate::store::outbox::{OutboxReport, REPORT_REJECTED};

/// The messages of a batch's warnings, joined (at most five, then a count).
fn warning_messages(warnings: &Value) -> String {
    let list = warnings.as_array().map(Vec::as_slice).unwrap_or_default();
    let mut parts: Vec<String> = list
        .iter()
        .take(5)
        .map(|w| match w {
            Value::String(s) => s.clone(),
            other => other.get("message").and_then(Value::as_str).unwrap_or_default().to_string(),
        })
        .filter(|m| !m.is_empty())
        .collect();
    if list.len() > 5 {
        parts.push(format!("... and {} more", list.len() - 5));
    }
    parts.join("; ")
}

/// Rejected changes and dead letters as text, one line each.
pub fn render(r: &OutboxReport) -> String {
    let mut out = String::new();
    if r.rejected.is_empty() {
        let _ = writeln!(out, "rejected by LeanIX: none");
    } else {
        let _ = writeln!(
            out,
            "rejected by LeanIX (kept; sent again when connector_version changes or the configuration is installed again; latest {} shown):",
            r.rejected.len().min(REPORT_REJECTED as usize)
        );
        for x in &r.rejected {
            let _ = writeln!(
                out,
                "  rejected: tenant {} {} {} (connectorVersion {}): {}",
                x.tenant_id,
                x.entity,
                x.internal_id,
                x.version.as_deref().unwrap_or("?"),
                x.message.as_deref().unwrap_or("")
            );
        }
    }
    if r.dead.is_empty() {
        let _ = writeln!(out, "dead letters: none");
    }
    for (t, b, e, n, err, warnings) in &r.dead {
        let w = warnings.as_ref().map(warning_messages).unwrap_or_default();
        let _ = writeln!(
            out,
            "dead letter: tenant {t} batch {b} ({n} {e}): {}{}",
            err.as_deref().unwrap_or(""),
            if w.is_empty() { String::new() } else { format!(" | warnings: {w}") }
        );
    }
    out
}
