//! Secret resolution: where each credential of a tenant comes from (an environment variable
//! or a file) and reading it. Values are returned for wrapping in `SecretString` at once;
//! nothing here logs or prints them.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::{tenant_err, ConfigError};

/// Where each secret comes from: `<name>_env` names an environment variable, `<name>_file` a
/// file whose content (trimmed) is the value. Without either, the variable
/// `NSD_<TENANT>_<NAME>` is read (tenant id upper-cased, `-` as `_`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialSources {
    /// Env var holding the account id (when `account_id` is not in the file).
    pub account_id_env: Option<String>,
    /// Env var holding the consumer key.
    pub consumer_key_env: Option<String>,
    /// File holding the consumer key.
    pub consumer_key_file: Option<PathBuf>,
    /// Env var holding the consumer secret.
    pub consumer_secret_env: Option<String>,
    /// File holding the consumer secret.
    pub consumer_secret_file: Option<PathBuf>,
    /// Env var holding the token id.
    pub token_id_env: Option<String>,
    /// File holding the token id.
    pub token_id_file: Option<PathBuf>,
    /// Env var holding the token secret.
    pub token_secret_env: Option<String>,
    /// File holding the token secret.
    pub token_secret_file: Option<PathBuf>,
}

/// Reads one secret: from `<name>_file`, `<name>_env`, or `NSD_<TENANT>_<NAME>`.
pub(crate) fn secret(
    file: &Path,
    tenant_id: &str,
    name: &str,
    env: &Option<String>,
    path: &Option<PathBuf>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    if let Some(p) = path {
        let key = format!("credentials.{name}_file");
        let text = std::fs::read_to_string(p)
            .map_err(|e| tenant_err(file, &key, format!("cannot read {}: {e}", p.display())))?;
        let v = text.trim().to_string();
        if v.is_empty() {
            return Err(tenant_err(file, &key, format!("{} is empty", p.display())));
        }
        return Ok(v);
    }
    let (var, key) = match env {
        Some(v) => (v.clone(), format!("credentials.{name}_env")),
        None => (default_env_var(tenant_id, name), format!("credentials.{name}")),
    };
    match lookup(&var) {
        Some(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
        _ => Err(tenant_err(
            file,
            &key,
            format!(
                "missing: set the environment variable {var} (or credentials.{name}_file / credentials.{name}_env)"
            ),
        )),
    }
}

/// The default environment variable of a tenant's secret: `NSD_<TENANT>_<NAME>`.
pub fn default_env_var(tenant_id: &str, name: &str) -> String {
    format!("NSD_{}_{}", tenant_id.to_ascii_uppercase().replace('-', "_"), name.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(k: &str) -> Option<String> {
        (k == "NSD_ACME_CONSUMER_KEY").then(|| "  ck \n".to_string())
    }

    #[test]
    fn default_variable_is_upper_case_with_underscores() {
        assert_eq!(default_env_var("acme-prod", "consumer_key"), "NSD_ACME_PROD_CONSUMER_KEY");
    }

    #[test]
    fn from_the_default_variable_trimmed() {
        let f = Path::new("tenants/acme.toml");
        assert_eq!(secret(f, "acme", "consumer_key", &None, &None, &env).unwrap(), "ck");
    }

    #[test]
    fn a_named_variable_that_is_missing_names_itself_and_the_key() {
        let f = Path::new("tenants/acme.toml");
        let e = secret(f, "acme", "token_id", &Some("MY_TOKEN".into()), &None, &env).unwrap_err().to_string();
        assert!(
            e.contains("tenants/acme.toml") && e.contains("credentials.token_id_env") && e.contains("MY_TOKEN"),
            "{e}"
        );
    }

    #[test]
    fn a_file_wins_and_an_empty_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ck");
        std::fs::write(&p, "from-file\n").unwrap();
        let f = Path::new("tenants/acme.toml");
        assert_eq!(secret(f, "acme", "consumer_key", &None, &Some(p.clone()), &env).unwrap(), "from-file");
        std::fs::write(&p, "\n").unwrap();
        let e = secret(f, "acme", "consumer_key", &None, &Some(p), &env).unwrap_err().to_string();
        assert!(e.contains("credentials.consumer_key_file") && e.contains("is empty"), "{e}");
    }
}
