//! `check`: the operator's "Integrate" button. Verifies a tenant's credentials, then probes
//! each enabled entity with a minimal search (page size 5) and reports whether its permission
//! is in place and how many records NetSuite holds. Disabled entities are not asked for.

use std::fmt::Write as _;

use tokio_util::sync::CancellationToken;

use super::entity::{Costs, Departments, Employees, Entity, EntitySpec, ExpenseCategories, Invoices, Vendors};
use super::pull::query_for;
use crate::config::{SyncSettings, Tenant};
use crate::governance::retry::RetryError;
use crate::netsuite::error::ErrorClass;
use crate::netsuite::{Client, WireError};

/// Smallest page size NetSuite accepts: a probe reads counts, not records.
const PROBE_PAGE_SIZE: u32 = 5;

/// What a probe found out about one entity.
#[derive(Clone, Debug, PartialEq)]
pub enum Access {
    /// The search ran.
    Ok {
        /// `totalRecords` NetSuite reported.
        total_records: u32,
    },
    /// NetSuite refused it for lack of permission, with its message.
    Missing(String),
    /// Another error (after retries), with its label and message.
    Error(String),
    /// Not asked: the entity is disabled, or the credentials failed.
    NotProbed,
}

/// One line of the report.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeRow {
    /// The entity.
    pub entity: Entity,
    /// Whether the tenant pulls it.
    pub enabled: bool,
    /// What the probe found.
    pub access: Access,
}

/// The whole report.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckReport {
    /// Tenant id.
    pub tenant: String,
    /// Account id.
    pub account: String,
    /// The SOAP endpoint version the probes used (`2017_2`, `2023_2`, `2025_2`).
    pub soap_version: String,
    /// The endpoint URL the probes were sent to.
    pub endpoint: String,
    /// `Err(message)` when NetSuite refused the credentials.
    pub credentials: Result<(), String>,
    /// One row per entity, enabled or not.
    pub rows: Vec<ProbeRow>,
}

impl CheckReport {
    /// 0 when every enabled entity is readable, 2 when some would degrade, 1 when the
    /// credentials fail.
    pub fn exit_code(&self) -> u8 {
        if self.credentials.is_err() {
            1
        } else if self.rows.iter().any(|r| r.enabled && !matches!(r.access, Access::Ok { .. })) {
            2
        } else {
            0
        }
    }

    /// The table printed to the operator.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let creds = match &self.credentials {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("FAILED: {e}"),
        };
        let _ = writeln!(out, "tenant {} (NetSuite account {}): credentials {creds}", self.tenant, self.account);
        let _ = writeln!(out, "SOAP endpoint version {} at {}", self.soap_version, self.endpoint);
        let _ = writeln!(
            out,
            "{:<20} {:<20} {:<8} {:<12} {:>10}  details",
            "entity", "category", "enabled", "permission", "records"
        );
        for r in &self.rows {
            let (perm, records, details) = match &r.access {
                Access::Ok { total_records } => ("ok", total_records.to_string(), String::new()),
                Access::Missing(m) => {
                    ("missing", "-".into(), format!("{m} (needs: {})", r.entity.permissions().join(", ")))
                }
                Access::Error(e) => ("error", "-".into(), e.clone()),
                Access::NotProbed => ("-", "-".into(), String::new()),
            };
            let _ = writeln!(
                out,
                "{:<20} {:<20} {:<8} {:<12} {:>10}  {}",
                r.entity.name(),
                r.entity.category().label(),
                if r.enabled { "yes" } else { "no" },
                perm,
                records,
                details
            );
        }
        out
    }
}

async fn probe<E: EntitySpec>(
    client: &Client,
    settings: &SyncSettings,
    cancel: &CancellationToken,
) -> Result<u32, RetryError> {
    let query = query_for::<E>(None, None, false);
    let governor = crate::governance::Governor::new(
        client.account().as_str(),
        settings.max_in_flight_per_account,
        super::run::retry_policy(settings),
    );
    let page = governor.call(cancel, "search", || client.search(&query)).await?;
    Ok(page.total_records)
}

/// Runs the check for `tenant`.
pub async fn check_tenant(tenant: &Tenant, settings: &SyncSettings) -> anyhow::Result<CheckReport> {
    let mut config = tenant.client_config(settings);
    config.page_size = PROBE_PAGE_SIZE;
    let client = Client::new(tenant.credentials.clone(), config)?;
    let cancel = CancellationToken::new();
    let mut report = CheckReport {
        tenant: tenant.id.clone(),
        account: tenant.credentials.account.to_string(),
        soap_version: client.soap_version().to_string(),
        endpoint: client.endpoint().to_string(),
        credentials: Ok(()),
        rows: Vec::new(),
    };
    for entity in Entity::ALL {
        let enabled = entity.enabled_for(tenant);
        if !enabled || report.credentials.is_err() {
            report.rows.push(ProbeRow { entity, enabled, access: Access::NotProbed });
            continue;
        }
        let result = match entity {
            Entity::Vendors => probe::<Vendors>(&client, settings, &cancel).await,
            Entity::Invoices => probe::<Invoices>(&client, settings, &cancel).await,
            Entity::ExpenseCategories => probe::<ExpenseCategories>(&client, settings, &cancel).await,
            Entity::Costs => probe::<Costs>(&client, settings, &cancel).await,
            Entity::Departments => probe::<Departments>(&client, settings, &cancel).await,
            Entity::Employees => probe::<Employees>(&client, settings, &cancel).await,
        };
        let access = match result {
            Ok(total_records) => Access::Ok { total_records },
            Err(RetryError::Wire(e)) => match e.class() {
                ErrorClass::Permission => Access::Missing(message(&e)),
                ErrorClass::Auth => {
                    report.credentials = Err(e.to_string());
                    Access::NotProbed
                }
                _ => Access::Error(format!("{}: {e}", e.label())),
            },
            Err(RetryError::Cancelled) => Access::NotProbed,
        };
        report.rows.push(ProbeRow { entity, enabled, access });
    }
    // Entities listed before the credentials failed were not probed either.
    if report.credentials.is_err() {
        for r in &mut report.rows {
            r.access = Access::NotProbed;
        }
    }
    Ok(report)
}

fn message(e: &WireError) -> String {
    match e {
        WireError::NetSuite { message, .. } => message.clone(),
        other => other.to_string(),
    }
}
