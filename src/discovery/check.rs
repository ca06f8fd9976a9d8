//! `check`: the operator's "Integrate" button. Verifies a tenant's credentials, then probes
//! each enabled entity with a minimal search (page size 5) or, for a `suiteql` tenant, the
//! entity's SuiteQL query asked for one row, and reports the transport used, whether each
//! permission is in place and how many records NetSuite holds. Disabled entities are not
//! asked for; an entity the transport cannot pull (credit-card charges over SOAP) says so.

use std::fmt::Write as _;

use tokio_util::sync::CancellationToken;

use super::entity::{
    CardSpend, Costs, Departments, Employees, Entity, EntitySpec, ExpenseCategories, Invoices, Vendors,
};
use super::keyset;
use super::pull::query_for;
use crate::config::{SyncSettings, Tenant, Transport};
use crate::governance::retry::RetryError;
use crate::governance::Governor;
use crate::netsuite::error::ErrorClass;
use crate::netsuite::{Client, RestClient, WireError};

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
    /// The tenant's transport cannot pull it at all (why): not a failure.
    NotAvailable(String),
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
    /// The transport the probes used (`soap` or `suiteql`).
    pub transport: String,
    /// The SOAP endpoint version (`2017_2`, `2023_2`, `2025_2`; used by `soap` tenants).
    pub soap_version: String,
    /// Where the probes were sent: the SOAP endpoint URL, or the REST base URL.
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
        } else if self
            .rows
            .iter()
            .any(|r| r.enabled && !matches!(r.access, Access::Ok { .. } | Access::NotAvailable(_)))
        {
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
        let _ = writeln!(
            out,
            "tenant {} (NetSuite account {}, transport {}): credentials {creds}",
            self.tenant, self.account, self.transport
        );
        if self.transport == Transport::Suiteql.as_str() {
            let _ = writeln!(out, "SuiteQL over SuiteTalk REST at {}", self.endpoint);
        } else {
            let _ = writeln!(out, "SOAP endpoint version {} at {}", self.soap_version, self.endpoint);
        }
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
                Access::NotAvailable(why) => ("n/a", "-".into(), why.clone()),
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

/// Runs the check for `tenant`, over its transport.
pub async fn check_tenant(tenant: &Tenant, settings: &SyncSettings) -> anyhow::Result<CheckReport> {
    let mut config = tenant.client_config(settings);
    config.page_size = PROBE_PAGE_SIZE;
    let client = Client::new(tenant.credentials.clone(), config)?;
    let rest = match tenant.transport {
        Transport::Suiteql => Some(RestClient::new(tenant.credentials.clone(), tenant.rest_config(settings))?),
        Transport::Soap => None,
    };
    let governor = Governor::new(
        tenant.credentials.account.as_str(),
        settings.max_in_flight_per_account,
        super::run::retry_policy(settings),
    );
    let cancel = CancellationToken::new();
    let mut report = CheckReport {
        tenant: tenant.id.clone(),
        account: tenant.credentials.account.to_string(),
        transport: tenant.transport.as_str().to_string(),
        soap_version: client.soap_version().to_string(),
        endpoint: match tenant.transport {
            Transport::Suiteql => tenant.rest_config(settings).base,
            Transport::Soap => client.endpoint().to_string(),
        },
        credentials: Ok(()),
        rows: Vec::new(),
    };
    for entity in Entity::ALL {
        let enabled = entity.enabled_for(tenant);
        if let Some(why) = entity.unavailable_reason(tenant.transport) {
            report.rows.push(ProbeRow { entity, enabled, access: Access::NotAvailable(why.to_string()) });
            continue;
        }
        if !enabled || report.credentials.is_err() {
            report.rows.push(ProbeRow { entity, enabled, access: Access::NotProbed });
            continue;
        }
        let result = match &rest {
            Some(rest) => match entity {
                Entity::Vendors => keyset::probe::<Vendors>(rest, &governor, &cancel).await,
                Entity::Invoices => keyset::probe::<Invoices>(rest, &governor, &cancel).await,
                Entity::ExpenseCategories => keyset::probe::<ExpenseCategories>(rest, &governor, &cancel).await,
                Entity::Costs => keyset::probe::<Costs>(rest, &governor, &cancel).await,
                Entity::CardSpend => keyset::probe::<CardSpend>(rest, &governor, &cancel).await,
                Entity::Departments => keyset::probe::<Departments>(rest, &governor, &cancel).await,
                Entity::Employees => keyset::probe::<Employees>(rest, &governor, &cancel).await,
            },
            None => match entity {
                Entity::Vendors => probe::<Vendors>(&client, settings, &cancel).await,
                Entity::Invoices => probe::<Invoices>(&client, settings, &cancel).await,
                Entity::ExpenseCategories => probe::<ExpenseCategories>(&client, settings, &cancel).await,
                Entity::Costs => probe::<Costs>(&client, settings, &cancel).await,
                Entity::Departments => probe::<Departments>(&client, settings, &cancel).await,
                Entity::Employees => probe::<Employees>(&client, settings, &cancel).await,
                Entity::CardSpend => Err(RetryError::Cancelled),
            },
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
            if !matches!(r.access, Access::NotAvailable(_)) {
                r.access = Access::NotProbed;
            }
        }
    }
    Ok(report)
}

fn message(e: &WireError) -> String {
    match e {
        WireError::NetSuite { message, .. } => message.clone(),
        WireError::Rest { detail, .. } => detail.clone(),
        other => other.to_string(),
    }
}
