//! Departments and employees in the simulator, over real HTTP with the client's own request
//! writer and response parser: deterministic generation, a department hierarchy at least
//! three levels deep without cycles, a supervisor tree, every employee and department read
//! back into the client's `Employee` and `Department` with the ground truth's fields,
//! `lastModifiedDate`, `isInactive`, `internalId` and `department` criteria, mutations,
//! `searchMoreWithId` re-running its criteria, and the Employee Record and Departments
//! permissions.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use common::client_creds;
use netsuite_discovery::netsuite::search::{Criterion, DateOperator, SearchQuery, SearchType};
use netsuite_discovery::netsuite::{Client, ClientConfig, Department, Employee, RawRecord, SearchPage, WireError};
use nsd_simulator::AccountId;
use nsd_simulator::{
    AccountSpec, Outcome, Permission, PermissionSet, RunningSimulator, SimConfig, SimDepartment, SimEmployee,
    Simulator, TransactionKind,
};

fn account() -> AccountId {
    AccountId::parse("2468101_SB1").unwrap()
}

fn anchor() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z").unwrap().with_timezone(&Utc)
}

/// 5,000 employees in 120 departments, with expense reports.
fn big() -> AccountSpec {
    AccountSpec::new(account(), 31)
        .with_vendors(20)
        .with_departments(120)
        .with_employees(5_000)
        .with_expense_reports(300)
        .with_anchor(anchor())
}

fn small() -> AccountSpec {
    AccountSpec::new(account(), 8).with_departments(20).with_employees(400).with_anchor(anchor())
}

async fn start(spec: AccountSpec) -> RunningSimulator {
    let sim = Simulator::new(SimConfig { accounts: vec![spec], ..SimConfig::default() });
    sim.spawn().await.expect("simulator starts")
}

fn client(sim: &RunningSimulator, page_size: u32) -> Client {
    let mut cfg = ClientConfig::new(sim.endpoint());
    cfg.page_size = page_size;
    Client::new(client_creds(sim.credentials(&account()).unwrap()), cfg).unwrap()
}

fn query(search_type: SearchType, criteria: Vec<Criterion>) -> SearchQuery {
    SearchQuery { search_type, criteria, body_fields_only: true }
}

/// Every page of `q`: the first by `search`, the others by `searchMoreWithId`.
async fn all_pages(c: &Client, q: &SearchQuery) -> (Vec<SearchPage<RawRecord>>, Vec<RawRecord>) {
    let first = c.search(q).await.expect("first page");
    let mut records = first.records.clone();
    let mut pages = vec![first.clone()];
    for i in 2..=first.total_pages {
        let id = first.search_id.as_deref().expect("a searchId");
        let p = c.search_more_with_id(q.search_type, true, id, i).await.expect("next page");
        assert_eq!(p.page_index, i);
        records.extend(p.records.iter().cloned());
        pages.push(p);
    }
    assert_eq!(records.len() as u32, first.total_records);
    (pages, records)
}

fn employees_of(records: &[RawRecord]) -> Vec<Employee> {
    records.iter().map(|r| Employee::try_from(r).expect("an Employee")).collect()
}

fn departments_of(records: &[RawRecord]) -> Vec<Department> {
    records.iter().map(|r| Department::try_from(r).expect("a Department")).collect()
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<u64> {
    items.iter().map(|x| id(x).parse().unwrap()).collect()
}

/// The department's chain from itself up to its top-level department; panics on a cycle
/// or an unknown parent.
fn chain<'a>(by_id: &HashMap<&str, &'a SimDepartment>, id: &str) -> Vec<&'a SimDepartment> {
    let mut out: Vec<&SimDepartment> = Vec::new();
    let mut cur = Some(id.to_string());
    while let Some(c) = cur {
        let d = *by_id.get(c.as_str()).unwrap_or_else(|| panic!("unknown department {c}"));
        assert!(!out.iter().any(|x| x.internal_id == d.internal_id), "cycle through {c}");
        out.push(d);
        cur = d.parent_id.clone();
    }
    out
}

/// Asserts supervisors form a forest: every chain ends, supervisors are employees of the
/// account and active. Returns the employees without a supervisor.
fn assert_supervisor_tree(es: &[SimEmployee]) -> usize {
    let by_id: HashMap<&str, &SimEmployee> = es.iter().map(|e| (e.internal_id.as_str(), e)).collect();
    let mut tops = 0;
    for e in es {
        let mut seen = HashSet::new();
        let mut cur = e;
        while let Some(s) = &cur.supervisor_id {
            assert!(seen.insert(s.clone()), "supervisor cycle through {s}");
            cur = by_id.get(s.as_str()).unwrap_or_else(|| panic!("unknown supervisor {s}"));
            assert!(!cur.is_inactive, "supervisor {s} is inactive");
        }
        tops += usize::from(e.supervisor_id.is_none());
    }
    tops
}

#[test]
fn generation_is_deterministic_fast_and_well_shaped() {
    let started = Instant::now();
    let a = Simulator::new(SimConfig { accounts: vec![big()], ..SimConfig::default() });
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "generating 5,000 employees in 120 departments took {took:?}");
    let b = Simulator::new(SimConfig { accounts: vec![big()], ..SimConfig::default() });
    let other = Simulator::new(SimConfig { accounts: vec![AccountSpec { seed: 32, ..big() }], ..SimConfig::default() });
    let (ds, es) = (a.departments(&account()).unwrap(), a.employees(&account()).unwrap());
    assert_eq!(ds, b.departments(&account()).unwrap());
    assert_eq!(es, b.employees(&account()).unwrap());
    assert_eq!(a.transactions(&account()).unwrap(), b.transactions(&account()).unwrap());
    assert_ne!(ds, other.departments(&account()).unwrap());
    assert_ne!(es, other.employees(&account()).unwrap());

    // Departments: 120, ids ascending, parents first, at least three levels, no cycles.
    assert_eq!(ds.len(), 120);
    let d_ids = ids(&ds, |d| &d.internal_id);
    assert!(d_ids.windows(2).all(|w| w[0] < w[1]));
    let by_id: HashMap<&str, &SimDepartment> = ds.iter().map(|d| (d.internal_id.as_str(), d)).collect();
    let depth = ds.iter().map(|d| chain(&by_id, &d.internal_id).len()).max().unwrap();
    assert!(depth >= 3, "depth {depth}");
    let tops: Vec<&str> = ds.iter().filter(|d| d.parent_id.is_none()).map(|d| d.name.as_str()).collect();
    assert_eq!(tops, ["Engineering", "Sales", "Finance", "Operations", "People"]);
    assert!(ds.iter().any(|d| d.is_inactive));
    for d in &ds {
        assert!(!d.subsidiaries.is_empty(), "{d:?}");
        assert!(!d.name.contains(" : "), "names are short: {}", d.name);
        if let Some(p) = &d.parent_id {
            assert!(p.parse::<u64>().unwrap() < d.internal_id.parse::<u64>().unwrap());
        }
    }

    // Employees: every one in a department of the hierarchy, supervisors a tree with one top,
    // managers mostly in the same department, about 7% inactive with a release date.
    assert_eq!(es.len(), 5_000);
    assert_eq!(assert_supervisor_tree(&es), 1);
    let emp_by_id: HashMap<&str, &SimEmployee> = es.iter().map(|e| (e.internal_id.as_str(), e)).collect();
    let mut same_department = 0;
    for e in &es {
        assert!(by_id.contains_key(e.department.internal_id.as_str()), "{e:?}");
        assert_eq!(e.department_id.as_deref(), Some(e.department.internal_id.as_str()));
        assert_eq!(e.is_inactive, e.release_date.is_some());
        assert!(e.date_created <= e.last_modified && e.last_modified < anchor());
        assert!(!e.title.is_empty() && e.email.contains('@'));
        if let Some(s) = &e.supervisor_id {
            same_department += usize::from(emp_by_id[s.as_str()].department == e.department);
        }
    }
    assert!(same_department * 10 > es.len() * 9, "{same_department} report within their department");
    let inactive = es.iter().filter(|e| e.is_inactive).count();
    assert!((250..=450).contains(&inactive), "{inactive} inactive");

    // Expense reports name their employee's department, a department of the hierarchy.
    let reports: Vec<_> =
        a.transactions(&account()).unwrap().into_iter().filter(|t| t.kind == TransactionKind::ExpenseReport).collect();
    assert_eq!(reports.len(), 300);
    for t in &reports {
        let e = emp_by_id[t.entity_id.as_str()];
        assert_eq!(t.department.as_ref(), Some(&e.department), "{}", t.internal_id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_employee_and_department_reads_back_into_the_clients_records() {
    let sim = start(big()).await;
    let c = client(&sim, 1000);
    let truth = sim.employees(&account()).unwrap();
    let (pages, records) = all_pages(&c, &SearchQuery::all(SearchType::Employee)).await;
    assert_eq!(pages.len(), 5);
    let got = employees_of(&records);
    assert_eq!(got.len(), 5_000);
    assert_eq!(ids(&got, |e| &e.internal_id), ids(&truth, |e| &e.internal_id), "ordered by internal id");
    let names: HashMap<&str, String> = truth.iter().map(|e| (e.internal_id.as_str(), e.display_name())).collect();
    for (g, t) in got.iter().zip(&truth) {
        assert_eq!(g.entity_id.as_deref(), Some(t.entity_id.as_str()));
        assert_eq!(g.first_name.as_deref(), Some(t.first_name.as_str()));
        assert_eq!(g.last_name.as_deref(), Some(t.last_name.as_str()));
        assert_eq!(g.email.as_deref(), Some(t.email.as_str()));
        assert_eq!(g.title.as_deref(), Some(t.title.as_str()));
        assert_eq!(g.department_id.as_deref(), t.department_id.as_deref());
        assert_eq!(g.department_name.as_deref(), Some(t.department.name.as_str()));
        assert_eq!(g.subsidiary.as_deref(), Some(t.subsidiary.name.as_str()));
        assert_eq!(g.supervisor_id.as_deref(), t.supervisor_id.as_deref());
        let boss = t.supervisor_id.as_deref().map(|s| names[s].clone());
        assert_eq!(g.supervisor_name.as_deref(), boss.as_deref());
        assert_eq!(g.is_inactive, t.is_inactive);
        assert_eq!(g.hire_date, Some(t.hire_date));
        assert_eq!(g.release_date, t.release_date);
        assert_eq!(g.employee_type.as_deref(), Some(t.employee_type.name.as_str()));
        assert_eq!(g.employee_status.as_deref(), Some(t.employee_status.name.as_str()));
        assert_eq!(g.location.as_deref(), Some(t.location.name.as_str()));
        assert_eq!(g.last_modified, Some(t.last_modified));
    }
    assert!(got.iter().any(|e| e.last_name.as_deref() == Some("O'Brien")));

    // Departments: all of them, with parent ids, short names and subsidiaries.
    let truth = sim.departments(&account()).unwrap();
    let c = client(&sim, 50);
    let (pages, records) = all_pages(&c, &SearchQuery::all(SearchType::Department)).await;
    assert_eq!(pages.len(), 3);
    let got = departments_of(&records);
    assert_eq!(got.len(), 120);
    for (g, t) in got.iter().zip(&truth) {
        assert_eq!(g.internal_id, t.internal_id);
        assert_eq!(g.name.as_deref(), Some(t.name.as_str()));
        assert_eq!(g.parent_id.as_deref(), t.parent_id.as_deref());
        assert_eq!(g.is_inactive, t.is_inactive);
        assert_eq!(g.subsidiaries, t.subsidiaries);
    }
    // The parsed parents alone give a hierarchy three levels deep or more.
    let parent: HashMap<&str, Option<&str>> =
        got.iter().map(|d| (d.internal_id.as_str(), d.parent_id.as_deref())).collect();
    let depth = |id: &str| {
        let mut cur = id.to_string();
        let mut n = 1;
        while let Some(Some(p)) = parent.get(cur.as_str()) {
            cur = p.to_string();
            n += 1;
            assert!(n <= got.len(), "cycle");
        }
        n
    };
    assert!(got.iter().map(|d| depth(&d.internal_id)).max().unwrap() >= 3);
    // The raw record keeps the parent's name.
    let nested = records.iter().find(|r| r.ref_id("parent").is_some()).unwrap();
    let p = truth.iter().find(|d| Some(d.internal_id.as_str()) == nested.ref_id("parent")).unwrap();
    assert_eq!(nested.ref_name("parent"), Some(p.name.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn criteria_filter_employees_and_departments() {
    let sim = start(small()).await;
    let c = client(&sim, 1000);
    let es = sim.employees(&account()).unwrap();
    let ds = sim.departments(&account()).unwrap();

    // isInactive, both ways.
    for inactive in [true, false] {
        let q = query(SearchType::Employee, vec![Criterion::Boolean { field: "isInactive", value: inactive }]);
        let got = employees_of(&c.search(&q).await.unwrap().records);
        let want: Vec<&SimEmployee> = es.iter().filter(|e| e.is_inactive == inactive).collect();
        assert_eq!(ids(&got, |e| &e.internal_id), ids(&want, |e| &e.internal_id));
        assert!(!got.is_empty());
    }
    // department anyOf, internalId anyOf.
    let busiest = {
        let mut n: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &es {
            *n.entry(e.department.internal_id.as_str()).or_default() += 1;
        }
        n.into_iter().max_by_key(|(_, k)| *k).unwrap().0.to_string()
    };
    let other = ds.iter().find(|d| d.internal_id != busiest).unwrap().internal_id.clone();
    let q = query(
        SearchType::Employee,
        vec![Criterion::AnyOfIds { field: "department", ids: vec![busiest.clone(), other.clone()] }],
    );
    let got = employees_of(&c.search(&q).await.unwrap().records);
    let want: Vec<&SimEmployee> =
        es.iter().filter(|e| e.department.internal_id == busiest || e.department.internal_id == other).collect();
    assert_eq!(ids(&got, |e| &e.internal_id), ids(&want, |e| &e.internal_id));
    let picked = vec![es[3].internal_id.clone(), es[250].internal_id.clone()];
    let q = query(SearchType::Employee, vec![Criterion::AnyOfIds { field: "internalId", ids: picked.clone() }]);
    let got = employees_of(&c.search(&q).await.unwrap().records);
    assert_eq!(got.iter().map(|e| e.internal_id.clone()).collect::<Vec<_>>(), picked);

    // Departments: isInactive, internalId.
    let q = query(SearchType::Department, vec![Criterion::Boolean { field: "isInactive", value: false }]);
    let got = departments_of(&c.search(&q).await.unwrap().records);
    assert_eq!(got.len(), ds.iter().filter(|d| !d.is_inactive).count());
    assert!(got.iter().all(|d| !d.is_inactive));
    let q = query(
        SearchType::Department,
        vec![Criterion::AnyOfIds { field: "internalId", ids: vec![ds[2].internal_id.clone()] }],
    );
    let got = departments_of(&c.search(&q).await.unwrap().records);
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].name.as_deref(), got[0].parent_id.as_deref()),
        (Some(ds[2].name.as_str()), ds[2].parent_id.as_deref())
    );

    // An account without departments: no department records; employees name the fixed ones.
    let sim = start(AccountSpec::new(account(), 8).with_employees(30).with_anchor(anchor())).await;
    let c = client(&sim, 1000);
    assert!(sim.departments(&account()).unwrap().is_empty());
    let page = c.search(&SearchQuery::all(SearchType::Department)).await.unwrap();
    assert_eq!((page.total_records, page.records.len()), (0, 0));
    let got = employees_of(&c.search(&SearchQuery::all(SearchType::Employee)).await.unwrap().records);
    assert_eq!(got.len(), 30);
    for e in &got {
        let d: u64 = e.department_id.as_deref().unwrap().parse().unwrap();
        assert!((1..=8).contains(&d), "{e:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_modified_finds_exactly_the_changed_employees() {
    let sim = start(small()).await;
    let c = client(&sim, 1000);
    let before = sim.employees(&account()).unwrap();
    let t0 = sim.now();
    sim.advance_clock(Duration::from_secs(3600));
    let modified = sim.modify_employees(&account(), 30).unwrap();
    let added = sim.add_employees(&account(), 5).unwrap();
    let after = sim.employees(&account()).unwrap();
    assert_eq!(after.len(), before.len() + 5);
    assert_eq!(assert_supervisor_tree(&after), 1);
    let changed: BTreeSet<u64> = modified.iter().chain(&added).map(|i| i.parse().unwrap()).collect();
    assert_eq!(changed.len(), 35);

    let since = |op: DateOperator, value: DateTime<Utc>, value2: Option<DateTime<Utc>>| {
        query(SearchType::Employee, vec![Criterion::Date { field: "lastModifiedDate", operator: op, value, value2 }])
    };
    let half = t0 + TimeDelta::minutes(30);
    let got = employees_of(&c.search(&since(DateOperator::OnOrAfter, half, None)).await.unwrap().records);
    assert_eq!(got.iter().map(|e| e.internal_id.parse::<u64>().unwrap()).collect::<BTreeSet<_>>(), changed);
    let got = employees_of(&c.search(&since(DateOperator::Before, half, None)).await.unwrap().records);
    assert_eq!(got.len(), after.len() - 35);
    let window = since(DateOperator::Within, half, Some(sim.now() + TimeDelta::minutes(1)));
    assert_eq!(c.search(&window).await.unwrap().total_records, 35);
    // Changes are visible in the parsed records.
    let by_id: HashMap<&str, &SimEmployee> = after.iter().map(|e| (e.internal_id.as_str(), e)).collect();
    let old: HashMap<&str, &SimEmployee> = before.iter().map(|e| (e.internal_id.as_str(), e)).collect();
    let got = employees_of(&c.search(&since(DateOperator::After, half, None)).await.unwrap().records);
    let mut left = 0;
    for g in &got {
        let t = by_id[g.internal_id.as_str()];
        assert_eq!(
            (g.is_inactive, g.release_date, g.supervisor_id.as_deref()),
            (t.is_inactive, t.release_date, t.supervisor_id.as_deref())
        );
        assert_eq!(g.last_modified, Some(t.last_modified));
        assert!(g.last_modified.unwrap() >= half);
        if let Some(o) = old.get(g.internal_id.as_str()) {
            assert_ne!(*o, t, "{} changed", g.internal_id);
            left += usize::from(!o.is_inactive && t.is_inactive);
        } else {
            assert!(g.hire_date.is_some() && !g.is_inactive && g.supervisor_id.is_some(), "{g:?}");
        }
    }
    assert!(left > 0, "some left the company");

    // searchMoreWithId re-runs the criteria: employees leaving move the pages.
    let c = client(&sim, 50);
    let active = query(SearchType::Employee, vec![Criterion::Boolean { field: "isInactive", value: false }]);
    let first = c.search(&active).await.unwrap();
    sim.modify_employees(&account(), 60).unwrap();
    let now_active = sim.employees(&account()).unwrap().iter().filter(|e| !e.is_inactive).count() as u32;
    assert!(now_active < first.total_records);
    let second =
        c.search_more_with_id(SearchType::Employee, true, first.search_id.as_deref().unwrap(), 2).await.unwrap();
    assert_eq!(second.total_records, now_active);
    assert!(employees_of(&second.records).iter().all(|e| !e.is_inactive));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn employee_record_and_departments_permissions() {
    let sim = start(small()).await;
    let c = client(&sim, 100);
    let refused = |e: WireError, label: &str| {
        assert_eq!(e.code(), Some("INSUFFICIENT_PERMISSION"), "{e:?}");
        match e {
            WireError::NetSuite { message, .. } => assert_eq!(
                message,
                format!(
                    "Permission Violation: You need  the '{label}' permission to access this page. Please contact your account administrator."
                )
            ),
            other => panic!("expected INSUFFICIENT_PERMISSION, got {other:?}"),
        }
    };
    let employees = SearchQuery::all(SearchType::Employee);
    let departments = SearchQuery::all(SearchType::Department);
    let paged = c.search(&employees).await.unwrap();
    assert_eq!(paged.total_pages, 4);

    sim.set_permissions(&account(), PermissionSet::all().without(Permission::EmployeeRecord)).unwrap();
    refused(c.search(&employees).await.unwrap_err(), "Lists -> Employee Record");
    let more = c.search_more_with_id(SearchType::Employee, true, paged.search_id.as_deref().unwrap(), 2).await;
    refused(more.unwrap_err(), "Lists -> Employee Record");
    assert_eq!(c.search(&departments).await.unwrap().total_records, 20, "departments need their own permission");

    sim.set_permissions(&account(), PermissionSet::all().without(Permission::Departments)).unwrap();
    refused(c.search(&departments).await.unwrap_err(), "Lists -> Departments");
    assert_eq!(c.search(&employees).await.unwrap().total_records, 400);

    sim.set_permissions(&account(), PermissionSet::all()).unwrap();
    let log = sim.request_log();
    let seen: Vec<(Option<&str>, Option<&str>)> =
        log.iter().map(|r| (r.search_type.as_deref(), r.outcome.code())).collect();
    assert_eq!(
        seen,
        [
            (Some("EmployeeSearchBasic"), None),
            (Some("EmployeeSearchBasic"), Some("INSUFFICIENT_PERMISSION")),
            (Some("EmployeeSearchBasic"), Some("INSUFFICIENT_PERMISSION")),
            (Some("DepartmentSearchBasic"), None),
            (Some("DepartmentSearchBasic"), Some("INSUFFICIENT_PERMISSION")),
            (Some("EmployeeSearchBasic"), None),
        ]
    );
    assert!(matches!(log[1].outcome, Outcome::StatusError { .. }));
    assert_eq!(log[2].operation.as_deref(), Some("searchMoreWithId"));
}
