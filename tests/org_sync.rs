//! Org discovery (HRIS) and the category switches: employees and departments with their
//! hierarchy; only enabled entities are ever requested (read from the simulator's request
//! log); `check` for each permission set.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{client_creds, fresh_db, sync_settings, tenant};
use netsuite_discovery::config::{Product, Tenant};
use netsuite_discovery::discovery::{check_tenant, sync_tenant, Access, Entity, RunSummary};
use netsuite_discovery::store::{RunStatus, Store};
use nsd_simulator::AccountId;
use nsd_simulator::{AccountSpec, Permission, PermissionSet, RunningSimulator, SimConfig, Simulator};
use tokio_util::sync::CancellationToken;

fn account() -> AccountId {
    AccountId::parse("5550001_SB2").unwrap()
}

async fn sim(spec: AccountSpec) -> (Simulator, RunningSimulator) {
    common::init_logs();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(spec).unwrap();
    let running = sim.clone().spawn().await.unwrap();
    (sim, running)
}

async fn sync(store: &Store, t: &Tenant) -> RunSummary {
    sync_tenant(store, t, &sync_settings(), CancellationToken::new(), "test").await.expect("sync runs")
}

fn hris(mut t: Tenant) -> Tenant {
    t.categories.hris = true;
    t
}

/// The search types the simulator was asked for since the log was last cleared.
fn searched(sim: &Simulator) -> BTreeSet<String> {
    sim.request_log().into_iter().filter_map(|r| r.search_type).collect()
}

async fn count(store: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(store.pool()).await.unwrap()
}

/// 5,000 employees in 120 departments: exact counts, the hierarchy intact (every path equals
/// the one the simulator's parents give), links to departments, and a second run changes 0 rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn employees_and_departments_exact_with_hierarchy() {
    let spec = AccountSpec::new(account(), 17).with_vendors(10).with_departments(120).with_employees(5_000);
    let (sim, running) = sim(spec).await;
    let db = fresh_db().await;
    let t = hris(tenant("acme", client_creds(sim.credentials(&account()).unwrap()), &running.endpoint(), 1000));
    let run = sync(&db.store, &t).await;
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    assert_eq!(count(&db.store, "SELECT count(*) FROM employees").await, 5_000);
    assert_eq!(count(&db.store, "SELECT count(*) FROM departments").await, 120);

    // Hierarchy: the stored path of each department equals the simulator's.
    let depts = sim.departments(&account()).unwrap();
    let by_id: BTreeMap<String, _> = depts.iter().map(|d| (d.internal_id.clone(), d)).collect();
    let expected_path = |id: &str| {
        let mut parts = Vec::new();
        let mut cur = by_id.get(id).copied();
        while let Some(d) = cur {
            parts.push(d.name.clone());
            cur = d.parent_id.as_deref().and_then(|p| by_id.get(p).copied());
        }
        parts.reverse();
        parts.join(" : ")
    };
    let paths: Vec<(String, String, i32)> = sqlx::query_as("SELECT internal_id, path, depth FROM department_paths")
        .fetch_all(db.store.pool())
        .await
        .unwrap();
    assert_eq!(paths.len(), 120);
    assert!(paths.iter().any(|(_, _, depth)| *depth >= 2), "a hierarchy at least three levels deep");
    for (id, path, _) in &paths {
        assert_eq!(path, &expected_path(id), "path of department {id}");
    }
    // Every employee's department is a stored department; supervisors are stored employees.
    assert_eq!(
        count(&db.store, "SELECT count(*) FROM employees e LEFT JOIN departments d ON d.tenant_id = e.tenant_id AND d.internal_id = e.department_internal_id WHERE d.internal_id IS NULL").await,
        0
    );
    assert_eq!(
        count(&db.store, "SELECT count(*) FROM employees e WHERE supervisor_internal_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM employees s WHERE s.internal_id = e.supervisor_internal_id)").await,
        0
    );
    let truth_inactive = sim.employees(&account()).unwrap().iter().filter(|e| e.is_inactive).count() as i64;
    assert!(truth_inactive > 0);
    assert_eq!(count(&db.store, "SELECT count(*) FROM employees WHERE is_inactive").await, truth_inactive);

    let again = sync(&db.store, &t).await;
    for o in &again.outcomes {
        assert_eq!((o.inserted, o.updated), (0, 0), "{} changed on a second run", o.entity);
    }
}

/// With HRIS off no employee or department request is ever sent; an EAM tenant sends vendor
/// searches only; switching HRIS on onboards just those entities; switching it off again
/// stops the requests and keeps the data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn category_switches_decide_what_is_requested() {
    let spec = AccountSpec::new(account(), 4)
        .with_vendors(30)
        .with_departments(8)
        .with_employees(40)
        .with_transactions(200)
        .with_expense_reports(30);
    let (sim, running) = sim(spec).await;
    let db = fresh_db().await;
    let creds = client_creds(sim.credentials(&account()).unwrap());

    let mut eam = tenant("acme", creds.clone(), &running.endpoint(), 1000);
    eam.product = Product::Eam;
    sync(&db.store, &eam).await;
    assert_eq!(searched(&sim), BTreeSet::from(["VendorSearchBasic".to_string()]), "EAM: vendors only");

    sim.clear_request_log();
    let smp = tenant("acme", creds.clone(), &running.endpoint(), 1000);
    assert!(!smp.categories.hris, "HRIS is off by default");
    sync(&db.store, &smp).await;
    let s = searched(&sim);
    assert!(!s.contains("EmployeeSearchBasic") && !s.contains("DepartmentSearchBasic"), "{s:?}");
    assert!(s.contains("TransactionSearchBasic"));

    sim.clear_request_log();
    let run = sync(&db.store, &hris(smp.clone())).await;
    let modes: BTreeMap<String, &str> = run.outcomes.iter().map(|o| (o.entity.clone(), o.mode.as_str())).collect();
    assert_eq!(modes["vendors"], "delta");
    assert_eq!(modes["invoices"], "delta");
    assert_eq!(modes["employees"], "full", "switching HRIS on onboards just its entities");
    assert_eq!(count(&db.store, "SELECT count(*) FROM employees").await, 40);

    sim.clear_request_log();
    sync(&db.store, &smp).await;
    let s = searched(&sim);
    assert!(!s.contains("EmployeeSearchBasic") && !s.contains("DepartmentSearchBasic"), "{s:?}");
    assert_eq!(count(&db.store, "SELECT count(*) FROM employees").await, 40, "switching off keeps the data");
}

/// `check` for each permission set: the table and the exit code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_each_permission_set() {
    let cases: Vec<(Option<Permission>, u8, Vec<Entity>)> = vec![
        (None, 0, vec![]),
        (Some(Permission::Vendors), 2, vec![Entity::Vendors]),
        (Some(Permission::Bills), 2, vec![Entity::Invoices]),
        (Some(Permission::PurchaseOrder), 2, vec![Entity::Invoices]),
        (Some(Permission::FindTransaction), 2, vec![Entity::Invoices, Entity::Costs]),
        (Some(Permission::ExpenseReport), 2, vec![Entity::Costs]),
        (Some(Permission::ExpenseCategories), 2, vec![Entity::ExpenseCategories]),
        (Some(Permission::EmployeeRecord), 2, vec![Entity::Employees]),
        (Some(Permission::Departments), 2, vec![Entity::Departments]),
        (Some(Permission::CreditCard), 0, vec![]),
        (Some(Permission::SoapWebServices), 1, vec![]),
    ];
    for (missing, code, missing_entities) in cases {
        let perms = missing.map_or_else(PermissionSet::all, |p| PermissionSet::all().without(p));
        let spec = AccountSpec::new(account(), 2)
            .with_vendors(12)
            .with_departments(5)
            .with_employees(9)
            .with_transactions(50)
            .with_expense_reports(6)
            .with_permissions(perms);
        let (sim, running) = sim(spec).await;
        let t = hris(tenant("acme", client_creds(sim.credentials(&account()).unwrap()), &running.endpoint(), 1000));
        let report = check_tenant(&t, &sync_settings()).await.unwrap();
        let table = report.render();
        assert_eq!(report.exit_code(), code, "missing {missing:?}:\n{table}");
        if code == 1 {
            assert!(table.contains("credentials FAILED") && table.contains("Invalid login attempt."), "{table}");
            continue;
        }
        for row in &report.rows {
            let should_miss = missing_entities.contains(&row.entity);
            match &row.access {
                Access::Missing(m) => {
                    assert!(should_miss, "missing {missing:?}: {:?} unexpectedly refused", row.entity);
                    assert!(m.contains("Permission Violation"), "{m}");
                }
                Access::Ok { .. } => assert!(!should_miss, "missing {missing:?}: {:?} should be refused", row.entity),
                // Credit-card charges cannot be read over SOAP at all (SuiteQL only): said, not probed.
                Access::NotAvailable(_) if row.entity == Entity::CardSpend => {}
                other => panic!("missing {missing:?}: {:?} {other:?}", row.entity),
            }
        }
        if missing.is_none() {
            let vendors = report.rows.iter().find(|r| r.entity == Entity::Vendors).unwrap();
            assert_eq!(vendors.access, Access::Ok { total_records: 12 });
            assert!(table.contains("vendors") && table.contains("hris"), "{table}");
        }
        // Disabled entities are not probed: with HRIS off no HRIS request is sent.
        let mut off = t.clone();
        off.categories.hris = false;
        sim.clear_request_log();
        let r = check_tenant(&off, &sync_settings()).await.unwrap();
        assert!(r
            .rows
            .iter()
            .filter(|r| !r.enabled)
            .all(|r| r.access == Access::NotProbed || matches!(r.access, Access::NotAvailable(_))));
        let s = searched(&sim);
        assert!(!s.contains("EmployeeSearchBasic") && !s.contains("DepartmentSearchBasic"), "{s:?}");
        running.shutdown().await.ok();
    }
}
