//! The daemon's own LeanIX processor configuration: `config/leanix/processors.json` (built
//! in, or the file `[push] processor_configuration` names) with the connector fields of a
//! tenant added. Before a push pass the daemon reads the workspace's configuration for its
//! connector (`GET /configurations`) and installs or updates its own when it is missing or
//! differs (`PUT /configurations`); a tenant with `manage_configuration = false` only has it
//! checked that one exists.

use serde_json::{json, Map, Value};
use tracing::info;

use super::client::{LeanixClient, LeanixError};
use crate::config::{PushSettings, PushTarget};

/// The shipped processor configuration (`config/leanix/processors.json`).
pub const BUILT_IN: &str = include_str!("../../config/leanix/processors.json");

/// What setting up the configuration did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setup {
    /// None was there: ours was installed.
    Installed,
    /// One was there but differed: ours replaced it.
    Updated,
    /// Ours was there already: nothing sent.
    Unchanged,
    /// Not managed by the daemon: one exists for the connector (not compared).
    Present,
}

/// Why the configuration could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ConfigurationError {
    /// The configuration file could not be read or is not a configuration.
    #[error("processor configuration {source_name}: {message}")]
    Unreadable {
        /// The file (or `built-in`).
        source_name: String,
        /// What is wrong.
        message: String,
    },
    /// Not managed by the daemon, and the workspace has none for the connector.
    #[error(
        "no processor configuration in LeanIX for connectorType {connector_type}, connectorId {connector_id}, \
         connectorVersion {version} (manage_configuration is false: a workspace admin must install it)"
    )]
    Missing {
        /// connectorType.
        connector_type: String,
        /// connectorId.
        connector_id: String,
        /// connectorVersion.
        version: String,
    },
    /// LeanIX failed.
    #[error(transparent)]
    Leanix(#[from] LeanixError),
}

/// The processors document (with `processors`), from the settings' file or the built-in copy.
pub fn processors_document(settings: &PushSettings) -> Result<Value, ConfigurationError> {
    let (name, text) = match &settings.processor_configuration {
        Some(path) => (
            path.display().to_string(),
            std::fs::read_to_string(path).map_err(|e| ConfigurationError::Unreadable {
                source_name: path.display().to_string(),
                message: e.to_string(),
            })?,
        ),
        None => ("built-in".to_string(), BUILT_IN.to_string()),
    };
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| ConfigurationError::Unreadable { source_name: name.clone(), message: e.to_string() })?;
    if !value.get("processors").is_some_and(Value::is_array) {
        return Err(ConfigurationError::Unreadable { source_name: name, message: "no processors array".into() });
    }
    Ok(value)
}

/// The whole configuration for a tenant's connector: the document with `connectorType`,
/// `connectorId`, `connectorVersion`, `processingDirection` (inbound) and `processingMode`
/// (partial unless the document says otherwise) set.
pub fn for_target(document: &Value, settings: &PushSettings, target: &PushTarget) -> Value {
    let mut out = Map::new();
    out.insert("connectorType".into(), json!(settings.connector_type));
    out.insert("connectorId".into(), json!(target.connector_id));
    out.insert("connectorVersion".into(), json!(settings.connector_version));
    out.insert("processingDirection".into(), json!("inbound"));
    out.insert("processingMode".into(), json!("partial"));
    if let Value::Object(doc) = document {
        for (k, v) in doc {
            if !matches!(k.as_str(), "connectorType" | "connectorId" | "connectorVersion" | "processingDirection") {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// Whether `remote` holds every field of `ours` with the same value, at every level (fields
/// LeanIX adds to a stored configuration or its processors are not compared; arrays must
/// have the same length; a missing `processingMode` counts as `partial`, a missing
/// `sequentialExecution` as false).
pub fn same(remote: &Value, ours: &Value) -> bool {
    match (remote, ours) {
        (Value::Object(r), Value::Object(o)) => o.iter().all(|(k, v)| match (r.get(k), k.as_str()) {
            (Some(rv), _) => same(rv, v),
            (None, "processingMode") => v == "partial",
            (None, "sequentialExecution") => v == false,
            (None, _) => v.is_null(),
        }),
        (Value::Array(r), Value::Array(o)) => r.len() == o.len() && r.iter().zip(o).all(|(a, b)| same(a, b)),
        (r, o) => r == o,
    }
}

/// Makes sure the workspace has the daemon's configuration for `target` (installs or
/// updates it when `target.manage_configuration`; else only checks one exists).
pub async fn ensure(
    client: &LeanixClient,
    settings: &PushSettings,
    target: &PushTarget,
) -> Result<Setup, ConfigurationError> {
    let ours = for_target(&processors_document(settings)?, settings, target);
    let existing = client
        .configurations(&settings.connector_type, &target.connector_id, Some(&settings.connector_version))
        .await?;
    let matching: Vec<&Value> = existing
        .iter()
        .filter(|c| c.get("connectorVersion").and_then(Value::as_str) == Some(settings.connector_version.as_str()))
        .collect();
    if !target.manage_configuration {
        return if matching.is_empty() {
            Err(ConfigurationError::Missing {
                connector_type: settings.connector_type.clone(),
                connector_id: target.connector_id.clone(),
                version: settings.connector_version.clone(),
            })
        } else {
            Ok(Setup::Present)
        };
    }
    if matching.iter().any(|c| same(c, &ours)) {
        return Ok(Setup::Unchanged);
    }
    client.put_configuration(&ours).await?;
    let setup = if matching.is_empty() { Setup::Installed } else { Setup::Updated };
    info!(
        connector_id = %target.connector_id,
        connector_version = %settings.connector_version,
        setup = ?setup,
        "LeanIX processor configuration installed"
    );
    Ok(setup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_ignores_what_leanix_adds_and_sees_changes() {
        let ours = json!({"connectorType": "t", "processingMode": "partial", "sequentialExecution": false,
                          "processors": [{"processorName": "a"}]});
        let mut remote = ours.clone();
        remote["id"] = json!("x");
        assert!(same(&remote, &ours));
        remote.as_object_mut().unwrap().remove("processingMode");
        remote.as_object_mut().unwrap().remove("sequentialExecution");
        assert!(same(&remote, &ours));
        remote["processors"][0]["enabled"] = json!(true);
        assert!(same(&remote, &ours), "a field LeanIX adds to a processor is not a difference");
        remote["processors"][0]["processorName"] = json!("b");
        assert!(!same(&remote, &ours));
        let mut shorter = ours.clone();
        shorter["processors"] = json!([]);
        assert!(!same(&shorter, &ours));
    }

    #[test]
    fn the_built_in_document_has_processors() {
        let v: Value = serde_json::from_str(BUILT_IN).unwrap();
        assert!(v["processors"].as_array().is_some_and(|p| !p.is_empty()));
    }
}
