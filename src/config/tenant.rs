//! Tenant files: one TOML file per tenant, validated, with its credentials resolved (see
//! `secrets.rs`) into [`Credentials`] and its LeanIX push target.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use super::error::{tenant_err, ConfigError};
use super::secrets::{secret, CredentialSources};
use super::settings::SyncSettings;
use crate::netsuite::rest::RestConfig;
use crate::netsuite::{AccountId, ClientConfig, Credentials, SoapVersion};

/// How the daemon talks to a tenant's NetSuite account.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// SOAP web services with a `tokenPassport` (the default).
    #[default]
    Soap,
    /// SuiteQL over SuiteTalk REST, signed with an OAuth 1.0a `Authorization` header from the
    /// same five TBA values. `endpoint` is then the account's base URL (scheme and host).
    Suiteql,
}

impl Transport {
    /// The name in tenant files, logs and `check`.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Soap => "soap",
            Transport::Suiteql => "suiteql",
        }
    }
}

/// Which LeanIX product the tenant uses.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Product {
    /// SaaS Management Platform: every enabled category.
    #[default]
    Smp,
    /// Enterprise Architecture Management: vendors alone.
    Eam,
}

/// Category switches of a tenant.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Categories {
    /// Financial System (vendors, invoices). On by default.
    pub financial_system: bool,
    /// Expense Management (expense reports). On by default.
    pub expense_management: bool,
    /// HRIS (employees, departments). Off by default.
    pub hris: bool,
}

impl Default for Categories {
    fn default() -> Self {
        Self { financial_system: true, expense_management: true, hris: false }
    }
}

/// When a tenant's delta runs (used by the daemon).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Schedule {
    /// Time between delta checks (`"24h"`, `"6h"`, `"90s"`).
    #[serde(with = "humantime_serde")]
    pub delta_every: Duration,
    /// Each run starts up to this much later, by an amount fixed per tenant and run, so that
    /// tenants do not align (`"30m"`).
    #[serde(with = "humantime_serde")]
    pub jitter: Duration,
    /// A full refresh of every entity this often (`"7d"`): it finds changes NetSuite made
    /// without moving `lastModifiedDate`, and marks deleted what it no longer finds.
    #[serde(with = "humantime_serde")]
    pub full_every: Duration,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            delta_every: Duration::from_secs(24 * 3600),
            jitter: Duration::from_secs(30 * 60),
            full_every: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// A tenant's LeanIX push settings as written (`[push]`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushFile {
    /// Push to LeanIX (off: Postgres only).
    #[serde(default)]
    pub enabled: bool,
    /// LeanIX base URL (`https://<instance>.leanix.net`); https unless the tenant file allows
    /// insecure endpoints.
    pub base_url: Option<String>,
    /// LDIF `connectorId` (default `netsuite-discovery-<tenant>`).
    pub connector_id: Option<String>,
    /// LDIF `lxWorkspace`, if wanted.
    pub workspace: Option<String>,
    /// Items per batch (the settings' default otherwise).
    pub batch_size: Option<u32>,
    /// Env var holding the API token (default `NSD_<TENANT>_LEANIX_API_TOKEN`).
    pub api_token_env: Option<String>,
    /// File holding the API token.
    pub api_token_file: Option<PathBuf>,
    /// Install or update the daemon's processor configuration in the workspace before
    /// pushing (default true); false when a workspace admin owns it (the daemon then only
    /// checks that one exists).
    pub manage_configuration: Option<bool>,
}

/// A tenant's resolved push target.
#[derive(Clone, Debug)]
pub struct PushTarget {
    /// LeanIX base URL.
    pub base_url: String,
    /// LDIF `connectorId`.
    pub connector_id: String,
    /// LDIF `lxWorkspace`.
    pub workspace: Option<String>,
    /// Items per batch.
    pub batch_size: u32,
    /// The API token (a secret).
    pub api_token: SecretString,
    /// Whether the daemon installs and updates its processor configuration.
    pub manage_configuration: bool,
}

/// A tenant file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantFile {
    /// Our id for the tenant: 1 to 64 of `a-z 0-9 - _`.
    pub tenant_id: String,
    /// NetSuite account id; may instead come from the environment.
    pub account_id: Option<String>,
    /// Endpoint override (for the simulator or a proxy). Must be https unless
    /// `allow_insecure_endpoint` is true. `/services/NetSuitePort_<soap_version>` is appended
    /// unless the URL already ends in it.
    pub endpoint: Option<String>,
    /// SOAP endpoint version: `"2017_2"` (default), `"2023_2"` or `"2025_2"`. Read as any TOML
    /// value so that an unquoted `2025_2` (a TOML integer, 20252) gets an error naming the key.
    pub soap_version: Option<toml::Value>,
    /// Allows an `http://` endpoint.
    #[serde(default)]
    pub allow_insecure_endpoint: bool,
    /// `soap` (default) or `suiteql`.
    #[serde(default)]
    pub transport: Transport,
    /// Search page size (5 to 1000); the settings' default otherwise.
    pub page_size: Option<u32>,
    /// `smp` (default) or `eam`.
    #[serde(default)]
    pub product: Product,
    /// Category switches.
    #[serde(default)]
    pub categories: Categories,
    /// Delta schedule.
    #[serde(default)]
    pub schedule: Schedule,
    /// Where the secrets come from.
    #[serde(default)]
    pub credentials: CredentialSources,
    /// LeanIX delivery.
    #[serde(default)]
    pub push: PushFile,
}

/// A tenant, validated and with its credentials resolved.
#[derive(Clone, Debug)]
pub struct Tenant {
    /// Tenant id.
    pub id: String,
    /// The file it came from.
    pub source: PathBuf,
    /// Credentials (secrets wrapped).
    pub credentials: Credentials,
    /// SOAP endpoint URL, ending in `/services/NetSuitePort_<soap_version>` (for a `suiteql`
    /// tenant only its scheme, host and port are used: the REST base URL).
    pub endpoint: String,
    /// SOAP endpoint version (namespaces and path).
    pub soap_version: SoapVersion,
    /// SOAP or SuiteQL.
    pub transport: Transport,
    /// Page size.
    pub page_size: u32,
    /// Product.
    pub product: Product,
    /// Categories.
    pub categories: Categories,
    /// Schedule.
    pub schedule: Schedule,
    /// LeanIX delivery, when switched on.
    pub push: Option<PushTarget>,
}

impl Tenant {
    /// The wire client settings for this tenant.
    pub fn client_config(&self, settings: &SyncSettings) -> ClientConfig {
        let mut c = ClientConfig::for_version(self.endpoint.clone(), self.soap_version);
        c.page_size = self.page_size;
        c.timeout = Duration::from_secs(settings.request_timeout_seconds);
        c.max_body_bytes = settings.max_response_bytes;
        c
    }

    /// The SuiteTalk REST settings for this tenant: the base URL is the endpoint's scheme,
    /// host and port (a SOAP endpoint's path is dropped, so a tenant moved from `soap` keeps
    /// working with its old `endpoint`), or the account's REST host when none is set.
    pub fn rest_config(&self, settings: &SyncSettings) -> RestConfig {
        let base = origin_of(&self.endpoint).unwrap_or_else(|| self.credentials.account.default_rest_base());
        let mut c = RestConfig::new(base);
        c.page_size = self.page_size;
        c.timeout = Duration::from_secs(settings.request_timeout_seconds);
        c.max_body_bytes = settings.max_response_bytes;
        c
    }
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next().filter(|h| !h.is_empty())?;
    Some(format!("{}://{}", scheme.to_ascii_lowercase(), host))
}

impl TenantFile {
    /// Parses a tenant file's text; errors name `file` and the key.
    pub fn parse(file: &Path, text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let msg = e.message().to_string();
            let key = msg
                .split('`')
                .nth(1)
                .filter(|_| msg.starts_with("unknown field") || msg.starts_with("missing field"))
                .map(str::to_string)
                .unwrap_or_else(|| match e.span() {
                    Some(span) => format!("line {}", text[..span.start.min(text.len())].lines().count().max(1)),
                    None => "file".into(),
                });
            tenant_err(file, &key, msg)
        })
    }

    /// Validates the file and resolves its credentials with `lookup` (the process
    /// environment in production, a map in tests).
    pub fn resolve(
        self,
        file: &Path,
        defaults: &SyncSettings,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Tenant, ConfigError> {
        let id = self.tenant_id.trim().to_string();
        if id.is_empty()
            || id.len() > 64
            || !id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err(tenant_err(file, "tenant_id", format!("{id:?} must be 1 to 64 of a-z, 0-9, '-' and '_'")));
        }
        let c = &self.credentials;
        let account_raw = match &self.account_id {
            Some(a) => a.clone(),
            None => secret(file, &id, "account_id", &c.account_id_env, &None, lookup)?,
        };
        let account = AccountId::parse(&account_raw).map_err(|e| tenant_err(file, "account_id", e.to_string()))?;
        let soap_version = match &self.soap_version {
            Some(toml::Value::String(v)) => {
                SoapVersion::parse(v).map_err(|e| tenant_err(file, "soap_version", e.to_string()))?
            }
            Some(other) => {
                return Err(tenant_err(
                    file,
                    "soap_version",
                    format!("{other} is not a string: write it quoted, e.g. soap_version = \"2025_2\""),
                ))
            }
            None => SoapVersion::default(),
        };
        let endpoint = match &self.endpoint {
            Some(e) => {
                let e = e.trim().to_string();
                if !e.starts_with("https://") && !e.starts_with("http://") {
                    return Err(tenant_err(file, "endpoint", format!("{e:?} is not an http(s) URL")));
                }
                if e.starts_with("http://") && !self.allow_insecure_endpoint {
                    return Err(tenant_err(file, "endpoint", "http:// endpoints need allow_insecure_endpoint = true"));
                }
                match self.transport {
                    // The REST paths are derived from the base URL; a SOAP path left from
                    // before a switch is ignored (only scheme, host and port count).
                    Transport::Suiteql => e,
                    Transport::Soap => {
                        versioned_endpoint(&e, soap_version).map_err(|m| tenant_err(file, "endpoint", m))?
                    }
                }
            }
            None if self.transport == Transport::Suiteql => account.default_rest_base(),
            None => account.default_endpoint(soap_version),
        };
        let page_size = self.page_size.unwrap_or(defaults.page_size);
        if !(5..=1000).contains(&page_size) {
            return Err(tenant_err(file, "page_size", format!("{page_size} is outside 5..=1000")));
        }
        let credentials = Credentials {
            account,
            consumer_key: SecretString::from(secret(
                file,
                &id,
                "consumer_key",
                &c.consumer_key_env,
                &c.consumer_key_file,
                lookup,
            )?),
            consumer_secret: SecretString::from(secret(
                file,
                &id,
                "consumer_secret",
                &c.consumer_secret_env,
                &c.consumer_secret_file,
                lookup,
            )?),
            token_id: SecretString::from(secret(file, &id, "token_id", &c.token_id_env, &c.token_id_file, lookup)?),
            token_secret: SecretString::from(secret(
                file,
                &id,
                "token_secret",
                &c.token_secret_env,
                &c.token_secret_file,
                lookup,
            )?),
        };
        let push = if self.push.enabled {
            let p = &self.push;
            let base_url =
                p.base_url.clone().ok_or_else(|| tenant_err(file, "push.base_url", "required when push.enabled"))?;
            let base_url = base_url.trim_end_matches('/').to_string();
            if !(base_url.starts_with("https://") || (base_url.starts_with("http://") && self.allow_insecure_endpoint))
            {
                return Err(tenant_err(
                    file,
                    "push.base_url",
                    "must be https:// (http:// needs allow_insecure_endpoint = true)",
                ));
            }
            let token = secret(file, &id, "leanix_api_token", &p.api_token_env, &p.api_token_file, lookup).map_err(
                |e| match e {
                    ConfigError::Tenant { file, message, .. } => {
                        ConfigError::Tenant { file, key: "push.api_token".into(), message }
                    }
                    other => other,
                },
            )?;
            let batch_size = p.batch_size.unwrap_or(defaults_push_batch());
            if batch_size == 0 {
                return Err(tenant_err(file, "push.batch_size", "must be at least 1"));
            }
            Some(PushTarget {
                base_url,
                connector_id: p.connector_id.clone().unwrap_or_else(|| format!("netsuite-discovery-{id}")),
                workspace: p.workspace.clone(),
                batch_size,
                api_token: SecretString::from(token),
                manage_configuration: p.manage_configuration.unwrap_or(true),
            })
        } else {
            None
        };
        Ok(Tenant {
            id,
            source: file.to_path_buf(),
            credentials,
            endpoint,
            soap_version,
            transport: self.transport,
            page_size,
            product: self.product,
            categories: self.categories,
            schedule: self.schedule,
            push,
        })
    }
}

/// The endpoint URL of an `endpoint` override at `version`: the override with
/// `/services/NetSuitePort_<v>` appended, or the override itself when it already ends in that
/// path. An override naming another version's port is refused, so that moving a tenant to
/// another `soap_version` cannot leave its requests on the old port.
fn versioned_endpoint(endpoint: &str, version: SoapVersion) -> Result<String, String> {
    let base = endpoint.trim_end_matches('/');
    let Some(port) = base.rsplit('/').next().filter(|last| last.starts_with("NetSuitePort_")) else {
        return Ok(format!("{base}{}", version.path()));
    };
    match SoapVersion::from_port(port) {
        Some(Ok(v)) if v == version => Ok(base.to_string()),
        _ => Err(format!(
            "{endpoint:?} ends in port {port} but soap_version is \"{version}\": leave the path out (it is \
             appended from soap_version) or end it in {}",
            version.path()
        )),
    }
}

/// Items per LDIF batch when neither the tenant nor the settings say.
fn defaults_push_batch() -> u32 {
    2000
}

/// Loads one tenant file, reading secrets from the process environment. The file must be
/// named after its tenant (`<tenant_id>.toml`): `sync --tenant ID` finds it by that name, and
/// two files can then never claim one tenant.
pub fn load_tenant_file(file: &Path, defaults: &SyncSettings) -> Result<Tenant, ConfigError> {
    let text = std::fs::read_to_string(file).map_err(|e| tenant_err(file, "file", format!("cannot read: {e}")))?;
    let parsed = TenantFile::parse(file, &text)?;
    check_file_name(file, &parsed.tenant_id)?;
    parsed.resolve(file, defaults, &|k| std::env::var(k).ok())
}

/// Refuses a tenant file whose name is not `<tenant_id>.toml`.
fn check_file_name(file: &Path, tenant_id: &str) -> Result<(), ConfigError> {
    let id = tenant_id.trim();
    let stem = file.file_stem().and_then(|s| s.to_str());
    if stem == Some(id) {
        return Ok(());
    }
    Err(tenant_err(
        file,
        "tenant_id",
        format!(
            "{id:?} does not match the file name {:?}: a tenant's file must be named <tenant_id>.toml ({id}.toml)",
            file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        ),
    ))
}

/// Loads every `*.toml` in `dir`, sorted by file name. Two files with one tenant id are an
/// error.
pub fn load_tenants(dir: &Path, defaults: &SyncSettings) -> Result<Vec<Tenant>, ConfigError> {
    let entries = std::fs::read_dir(dir).map_err(|e| ConfigError::Settings {
        file: Some(dir.to_path_buf()),
        message: format!("tenants_dir: cannot read directory: {e}"),
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let t = load_tenant_file(&f, defaults)?;
        if let Some(prev) = seen.insert(t.id.clone(), f.clone()) {
            return Err(tenant_err(&f, "tenant_id", format!("{:?} is also used by {}", t.id, prev.display())));
        }
        out.push(t);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::settings::Settings;
    use super::*;
    use secrecy::ExposeSecret;

    fn defaults() -> SyncSettings {
        SyncSettings {
            page_size: 1000,
            overlap_seconds: 600,
            request_timeout_seconds: 60,
            max_attempts: 3,
            max_in_flight_per_account: 2,
            max_search_restarts: 4,
            restart_base_ms: 10,
            retry_base_ms: 10,
            retry_max_ms: 100,
            max_response_bytes: 64 << 20,
        }
    }

    fn env(k: &str) -> Option<String> {
        match k {
            "NSD_ACME_CONSUMER_KEY" => Some("ck".into()),
            "NSD_ACME_CONSUMER_SECRET" => Some("cs".into()),
            "NSD_ACME_TOKEN_ID" => Some("tk".into()),
            "NSD_ACME_TOKEN_SECRET" => Some("ts".into()),
            _ => None,
        }
    }

    fn resolve(text: &str) -> Result<Tenant, ConfigError> {
        let f = Path::new("tenants/acme.toml");
        TenantFile::parse(f, text)?.resolve(f, &defaults(), &env)
    }

    #[test]
    fn transport_defaults_to_soap_and_suiteql_derives_the_rest_base() {
        let t = resolve("tenant_id = \"acme\"\naccount_id = \"1234567_sb1\"\n").unwrap();
        assert_eq!(t.transport, Transport::Soap);
        let t = resolve("tenant_id = \"acme\"\naccount_id = \"1234567_sb1\"\ntransport = \"suiteql\"\n").unwrap();
        assert_eq!(t.transport, Transport::Suiteql);
        assert_eq!(t.endpoint, "https://1234567-sb1.suitetalk.api.netsuite.com");
        assert_eq!(t.rest_config(&defaults()).base, "https://1234567-sb1.suitetalk.api.netsuite.com");
        // A tenant moved from soap keeps its SOAP endpoint: only scheme, host and port count.
        let t = resolve(
            "tenant_id = \"acme\"\naccount_id = \"1234567\"\ntransport = \"suiteql\"\nallow_insecure_endpoint = true\nendpoint = \"http://127.0.0.1:8080/services/NetSuitePort_2017_2\"\n",
        )
        .unwrap();
        assert_eq!(t.rest_config(&defaults()).base, "http://127.0.0.1:8080");
        let e = resolve("tenant_id = \"acme\"\naccount_id = \"1\"\ntransport = \"graphql\"\n").unwrap_err();
        assert!(e.to_string().contains("graphql") && e.to_string().contains("suiteql"), "{e}");
    }

    #[test]
    fn minimal_tenant_uses_defaults() {
        let t = resolve("tenant_id = \"acme\"\naccount_id = \"1234567_sb1\"\n").unwrap();
        assert_eq!(t.credentials.account.as_str(), "1234567_SB1");
        assert_eq!(t.endpoint, "https://1234567-sb1.suitetalk.api.netsuite.com/services/NetSuitePort_2017_2");
        assert_eq!(t.soap_version, SoapVersion::V2017_2);
        assert_eq!(t.page_size, 1000);
        assert_eq!(t.categories, Categories { financial_system: true, expense_management: true, hris: false });
        assert_eq!(t.product, Product::Smp);
        assert_eq!(t.credentials.token_secret.expose_secret(), "ts");
    }

    #[test]
    fn unknown_key_names_file_and_key() {
        let e = resolve("tenant_id = \"acme\"\naccount_id = \"1\"\npage_sise = 5\n").unwrap_err().to_string();
        assert!(e.contains("tenants/acme.toml") && e.contains("page_sise"), "{e}");
    }

    #[test]
    fn missing_credential_names_the_variable() {
        let f = Path::new("t.toml");
        let e = TenantFile::parse(f, "tenant_id = \"other\"\naccount_id = \"1\"\n")
            .unwrap()
            .resolve(f, &defaults(), &env)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("t.toml") && e.contains("credentials.consumer_key") && e.contains("NSD_OTHER_CONSUMER_KEY"),
            "{e}"
        );
    }

    #[test]
    fn bad_account_and_insecure_endpoint_are_refused() {
        let e = resolve("tenant_id = \"acme\"\naccount_id = \"12 34\"\n").unwrap_err().to_string();
        assert!(e.contains("account_id"), "{e}");
        let e =
            resolve("tenant_id = \"acme\"\naccount_id = \"1\"\nendpoint = \"http://x/\"\n").unwrap_err().to_string();
        assert!(e.contains("endpoint") && e.contains("allow_insecure_endpoint"), "{e}");
        assert!(resolve(
            "tenant_id = \"acme\"\naccount_id = \"1\"\nendpoint = \"http://x/\"\nallow_insecure_endpoint = true\n"
        )
        .is_ok());
        let e = resolve("tenant_id = \"acme\"\naccount_id = \"1\"\npage_size = 2\n").unwrap_err().to_string();
        assert!(e.contains("page_size"), "{e}");
    }

    #[test]
    fn secrets_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cs");
        std::fs::write(&p, "from-file\n").unwrap();
        let text = format!("tenant_id = \"acme\"\naccount_id = \"1\"\n[credentials]\nconsumer_secret_file = {:?}\n", p);
        let t = resolve(&text).unwrap();
        assert_eq!(t.credentials.consumer_secret.expose_secret(), "from-file");
    }

    #[test]
    fn tenant_file_must_be_named_after_its_tenant() {
        let dir = tempfile::tempdir().unwrap();
        let text = "tenant_id = \"acme\"\naccount_id = \"1\"\n[credentials]\nconsumer_key_env = \"X_CK\"\n";
        let wrong = dir.path().join("acme-prod.toml");
        std::fs::write(&wrong, text).unwrap();
        let e = load_tenant_file(&wrong, &defaults()).unwrap_err().to_string();
        assert!(
            e.contains("acme-prod.toml")
                && e.contains("tenant_id")
                && e.contains("\"acme\"")
                && e.contains("acme.toml"),
            "{e}"
        );
        // load_tenants refuses the directory for it too.
        let e = load_tenants(dir.path(), &defaults()).unwrap_err().to_string();
        assert!(e.contains("acme-prod.toml") && e.contains("tenant_id"), "{e}");
        // Named right, the same text passes the name check (and goes on to the credentials).
        std::fs::remove_file(&wrong).unwrap();
        let right = dir.path().join("acme.toml");
        std::fs::write(&right, text).unwrap();
        let e = load_tenant_file(&right, &defaults()).unwrap_err().to_string();
        assert!(!e.contains("file name") && e.contains("credentials."), "{e}");
        assert!(check_file_name(&right, " acme ").is_ok());
    }

    #[test]
    fn soap_version_sets_path_and_client_and_is_validated() {
        let t = resolve("tenant_id = \"acme\"\naccount_id = \"1\"\n").unwrap();
        assert_eq!(t.soap_version, SoapVersion::V2017_2);
        for (v, version) in [("2023_2", SoapVersion::V2023_2), ("2025_2", SoapVersion::V2025_2)] {
            let t = resolve(&format!("tenant_id = \"acme\"\naccount_id = \"1234567_sb1\"\nsoap_version = \"{v}\"\n"))
                .unwrap();
            assert_eq!(t.soap_version, version);
            assert_eq!(t.endpoint, format!("https://1234567-sb1.suitetalk.api.netsuite.com/services/NetSuitePort_{v}"));
            assert_eq!(t.client_config(&defaults()).soap_version, version);
            assert_eq!(t.client_config(&defaults()).endpoint, t.endpoint);
        }
        let e =
            resolve("tenant_id = \"acme\"\naccount_id = \"1\"\nsoap_version = \"2019_1\"\n").unwrap_err().to_string();
        assert!(e.contains("tenants/acme.toml") && e.contains("soap_version") && e.contains("2019_1"), "{e}");
        let e = resolve("tenant_id = \"acme\"\naccount_id = \"1\"\nsoap_version = 2025_2\n").unwrap_err().to_string();
        assert!(e.contains("tenants/acme.toml") && e.contains("soap_version") && e.contains("quoted"), "{e}");
        // An override gets the version's path, keeps a matching one, refuses another version's.
        let with = |endpoint: &str, v: &str| {
            resolve(&format!(
                "tenant_id = \"acme\"\naccount_id = \"1\"\nendpoint = \"{endpoint}\"\nsoap_version = \"{v}\"\n"
            ))
        };
        assert_eq!(
            with("https://proxy.example/", "2025_2").unwrap().endpoint,
            "https://proxy.example/services/NetSuitePort_2025_2"
        );
        assert_eq!(
            with("https://p.example/services/NetSuitePort_2023_2", "2023_2").unwrap().endpoint,
            "https://p.example/services/NetSuitePort_2023_2"
        );
        let e = with("https://p.example/services/NetSuitePort_2017_2", "2025_2").unwrap_err().to_string();
        assert!(e.contains("endpoint") && e.contains("NetSuitePort_2017_2") && e.contains("2025_2"), "{e}");
    }

    #[test]
    fn response_cap_reaches_the_client_and_is_bounded() {
        let t = resolve("tenant_id = \"acme\"\naccount_id = \"1\"\n").unwrap();
        let mut s = defaults();
        s.max_response_bytes = 5 << 20;
        assert_eq!(t.client_config(&s).max_body_bytes, 5 << 20);
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("s.toml");
        std::fs::write(&f, "[sync]\nmax_response_bytes = 1000\n").unwrap();
        let e = Settings::load(Some(&f)).unwrap_err().to_string();
        assert!(e.contains("s.toml") && e.contains("sync.max_response_bytes"), "{e}");
    }
}
