//! Deterministic generation of the organisation: a department hierarchy, employees with a
//! supervisor tree, and the changes tests make to employees (new hires, edits).
//!
//! Like vendors, everything is a pure function of the seed, the sizes, the anchor time and
//! the records already there. Employees are placed in "units": the generated departments
//! when the account has some, otherwise the eight fixed department references
//! ([`DEPARTMENTS`]) employees always had, as a flat list.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Days, NaiveTime, TimeDelta, Utc};
use rand::seq::index;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::basics::clock::truncate_to_seconds;
use crate::basics::datetime::{pacific_day, pacific_local_to_utc};
use crate::model::generate::DEPARTMENTS;
use crate::model::generate::{currency_and_subsidiary, id_gap, pick, rng_for, slug, CURRENCIES};
use crate::model::org::{SimDepartment, SimEmployee};
use crate::model::records::SimRef;

/// The first employee internal id: far above vendor ids (vendors and employees share the
/// entity id space).
pub(crate) const FIRST_EMPLOYEE_ID: u64 = 700_000;
/// The first department internal id (departments are a list of their own).
const FIRST_DEPARTMENT_ID: u64 = 1;
/// Departments nest at most this many levels below a top-level department.
const MAX_DEPTH: usize = 4;
/// How far back generated employees were created.
const EMPLOYEE_HISTORY: TimeDelta = TimeDelta::days(8 * 365);
/// Share of generated employees (leads and heads aside) who have left.
const INACTIVE_SHARE: f64 = 0.08;
/// One lead per this many members of a department.
const MEMBERS_PER_LEAD: usize = 10;

/// A top-level department: its name, the names of its teams, and the titles of its people.
struct Root {
    name: &'static str,
    teams: &'static [&'static str],
    titles: &'static [&'static str],
}

/// Top-level departments, in the order they are generated.
const ROOTS: [Root; 5] = [
    Root {
        name: "Engineering",
        teams: &[
            "Platform",
            "Infrastructure",
            "Data",
            "Mobile",
            "Web",
            "Quality Assurance",
            "Security",
            "Site Reliability",
            "Developer Tools",
            "Machine Learning",
            "R&D",
        ],
        titles: &[
            "Software Engineer",
            "Senior Software Engineer",
            "Staff Engineer",
            "QA Engineer",
            "Site Reliability Engineer",
            "Data Engineer",
            "R&D Engineer",
        ],
    },
    Root {
        name: "Sales",
        teams: &[
            "North America",
            "EMEA",
            "APAC",
            "LATAM",
            "Enterprise",
            "Mid-Market",
            "Inside Sales",
            "Sales Engineering",
            "Partnerships",
            "Customer Success",
        ],
        titles: &[
            "Account Executive",
            "Sales Development Representative",
            "Solutions Engineer",
            "Customer Success Manager",
            "Sales & Partnerships Associate",
        ],
    },
    Root {
        name: "Finance",
        teams: &[
            "Accounting",
            "Accounts Payable",
            "Tax",
            "Treasury",
            "FP&A",
            "Procurement",
            "Payroll",
            "Internal Audit",
        ],
        titles: &["Accountant", "Financial Analyst", "AP Specialist", "Payroll Specialist", "Controller"],
    },
    Root {
        name: "Operations",
        teams: &[
            "IT",
            "Facilities",
            "Logistics",
            "Legal & Compliance",
            "Business Systems",
            "Supply Chain",
            "Security Operations",
            "Real Estate",
            "Vendor Management",
            "Customer Operations",
        ],
        titles: &[
            "Operations Analyst",
            "IT Support Specialist",
            "Facilities Coordinator",
            "Systems Administrator",
            "Paralegal",
        ],
    },
    Root {
        name: "People",
        teams: &[
            "Recruiting",
            "HR Business Partners",
            "Learning & Development",
            "Compensation & Benefits",
            "Workplace Experience",
            "People Operations",
            "Talent Management",
            "Employee Relations",
            "Diversity & Inclusion",
            "HR Systems",
        ],
        titles: &["Recruiter", "HR Generalist", "People Partner", "L&D Specialist"],
    },
];

/// Names of departments two levels or more below the top; some need XML escaping or are not
/// ASCII.
const SUBTEAMS: &[&str] = &[
    "Core",
    "Growth",
    "EMEA",
    "Americas",
    "APAC",
    "Tooling",
    "Analytics",
    "Enablement",
    "Strategy",
    "Support",
    "Research",
    "Special Projects",
    "Quality",
    "Zürich Office",
    "Team <Blue>",
];

/// Which [`ROOTS`] entry's titles the people of each fixed department of [`DEPARTMENTS`] get.
const FIXED_DEPARTMENT_ROOTS: [usize; 8] = [0, 1, 1, 2, 3, 3, 4, 0];

/// Employee first names.
const FIRST_NAMES: &[&str] = &[
    "Alice", "Bob", "Chloé", "David", "Emma", "Farid", "Grace", "Hiro", "Ingrid", "Jamal", "Kate", "Liam", "Mei",
    "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sven", "Tara", "Uma", "Victor", "Wen", "Yusuf", "Zoë",
];

/// Employee last names; some need XML escaping or are not ASCII.
const LAST_NAMES: &[&str] = &[
    "Anderson",
    "Brown",
    "Çelik",
    "Dubois",
    "Evans",
    "Fischer",
    "García",
    "Hansen",
    "Ivanova",
    "Jones",
    "Kowalski",
    "Lee",
    "Müller",
    "Nakamura",
    "O'Brien",
    "Patel",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Underwood",
    "Van der Berg",
    "Wójcik",
    "Xu",
    "Young",
    "Zhang",
];

/// Employee types (internal id, name) and their shares in percent.
const EMPLOYEE_TYPES: [(&str, &str, u32); 4] =
    [("1", "Full-time", 75), ("2", "Part-time", 8), ("3", "Contractor", 12), ("4", "Intern", 5)];

/// Employee statuses (internal id, name).
const STATUS_ACTIVE: (&str, &str) = ("1", "Active");
const STATUS_LEAVE: (&str, &str) = ("2", "Leave of Absence");
const STATUS_TERMINATED: (&str, &str) = ("3", "Terminated");

/// Locations (internal id, name), by the index in [`CURRENCIES`] of the subsidiary whose
/// people work there.
const LOCATIONS: [&[(&str, &str)]; 4] = [
    &[("1", "San Francisco HQ"), ("2", "New York"), ("6", "Remote (US)")],
    &[("4", "Amsterdam")],
    &[("3", "London")],
    &[("5", "Toronto")],
];

/// A place employees work in: a generated department or one of the fixed ones.
struct Unit {
    /// The department reference employees carry.
    dept: SimRef,
    /// Index of the parent unit.
    parent: Option<usize>,
    /// Whether the department is active.
    active: bool,
    /// Whether the unit is top-level.
    top: bool,
    /// Index in [`ROOTS`] of the titles its people get.
    root: usize,
    /// Indexes in [`CURRENCIES`] of the subsidiaries its people may belong to.
    subsidiaries: Vec<u8>,
}

/// The units of an account: its departments, or the fixed references when it has none.
struct Units {
    list: Vec<Unit>,
    /// Unit indexes, each active unit ten times and each inactive one once: drawing from it
    /// puts most people in active departments.
    weighted: Vec<usize>,
    /// Unit index by department internal id.
    by_id: HashMap<String, usize>,
}

impl Units {
    fn of(departments: &[SimDepartment]) -> Self {
        let list: Vec<Unit> = if departments.is_empty() {
            DEPARTMENTS
                .iter()
                .enumerate()
                .map(|(i, (id, name))| Unit {
                    dept: SimRef::new(*id, *name),
                    parent: None,
                    active: true,
                    top: true,
                    root: FIXED_DEPARTMENT_ROOTS[i % FIXED_DEPARTMENT_ROOTS.len()],
                    subsidiaries: (0..CURRENCIES.len() as u8).collect(),
                })
                .collect()
        } else {
            let index: HashMap<&str, usize> =
                departments.iter().enumerate().map(|(i, d)| (d.internal_id.as_str(), i)).collect();
            let mut root_of: Vec<usize> = Vec::with_capacity(departments.len());
            let mut list = Vec::with_capacity(departments.len());
            for (i, d) in departments.iter().enumerate() {
                let parent = d.parent_id.as_deref().and_then(|p| index.get(p).copied()).filter(|p| *p < i);
                root_of.push(parent.map_or(i, |p| root_of[p]));
                let root_name = departments[root_of[i]].name.as_str();
                let root = ROOTS.iter().position(|r| r.name == root_name).unwrap_or(root_of[i] % ROOTS.len());
                let mut subsidiaries: Vec<u8> = d
                    .subsidiaries
                    .iter()
                    .filter_map(|s| CURRENCIES.iter().position(|c| c.subsidiary.1 == s).map(|p| p as u8))
                    .collect();
                if subsidiaries.is_empty() {
                    subsidiaries.push(0);
                }
                list.push(Unit {
                    dept: SimRef::new(d.internal_id.clone(), d.name.clone()),
                    parent,
                    active: !d.is_inactive,
                    top: parent.is_none(),
                    root,
                    subsidiaries,
                });
            }
            list
        };
        let weighted = list
            .iter()
            .enumerate()
            .flat_map(|(i, u)| std::iter::repeat(i).take(if u.active { 10 } else { 1 }))
            .collect();
        let by_id = list.iter().enumerate().map(|(i, u)| (u.dept.internal_id.clone(), i)).collect();
        Units { list, weighted, by_id }
    }

    /// A unit drawn from [`Units::weighted`].
    fn draw(&self, rng: &mut ChaCha8Rng) -> usize {
        *pick(rng, &self.weighted)
    }

    /// The first of `heads` found walking up from `unit`'s parent.
    fn ancestor_head(&self, unit: usize, heads: &HashMap<usize, usize>) -> Option<usize> {
        let mut cur = self.list.get(unit).and_then(|u| u.parent);
        while let Some(p) = cur {
            if let Some(h) = heads.get(&p) {
                return Some(*h);
            }
            cur = self.list[p].parent;
        }
        None
    }
}

/// The subsidiary index an employee of `unit` gets: `drawn` when the unit has it, otherwise
/// one of the unit's own.
fn subsidiary_for(rng: &mut ChaCha8Rng, unit: &Unit, drawn: u8) -> u8 {
    if unit.subsidiaries.contains(&drawn) {
        drawn
    } else {
        *pick(rng, &unit.subsidiaries)
    }
}

fn subsidiary_ref(index: u8) -> SimRef {
    let (id, name) = CURRENCIES[usize::from(index).min(CURRENCIES.len() - 1)].subsidiary;
    SimRef::new(id, name)
}

fn currency_ref(index: u8) -> SimRef {
    let (id, name) = CURRENCIES[usize::from(index).min(CURRENCIES.len() - 1)].currency;
    SimRef::new(id, name)
}

fn location_for(rng: &mut ChaCha8Rng, subsidiary: u8) -> SimRef {
    let offices = LOCATIONS[usize::from(subsidiary).min(LOCATIONS.len() - 1)];
    let (id, name) = *pick(rng, offices);
    SimRef::new(id, name)
}

fn status_ref(s: (&str, &str)) -> SimRef {
    SimRef::new(s.0, s.1)
}

fn employee_type(rng: &mut ChaCha8Rng) -> SimRef {
    let mut roll = rng.gen_range(0..100u32);
    for (id, name, share) in EMPLOYEE_TYPES {
        if roll < share {
            return SimRef::new(id, name);
        }
        roll -= share;
    }
    SimRef::new(EMPLOYEE_TYPES[0].0, EMPLOYEE_TYPES[0].1)
}

fn member_title(rng: &mut ChaCha8Rng, unit: &Unit) -> String {
    pick(rng, ROOTS[unit.root.min(ROOTS.len() - 1)].titles).to_string()
}

fn email(first: &str, last: &str, no: usize) -> String {
    format!("{}.{}{no}@honeycomb.example", slug(first), slug(last))
}

/// `count` departments for `seed`: up to five top-level ones (Engineering, Sales, Finance,
/// Operations, People; one per ten departments), the rest nested below them at most
/// [`MAX_DEPTH`] levels down. With three departments or more the hierarchy is at least three
/// levels deep. Ids ascend from 1 with gaps, parents before children; about 8% of the
/// nested departments are inactive, and an inactive department has no children.
pub(crate) fn departments(seed: u64, count: usize) -> Vec<SimDepartment> {
    let mut rng = rng_for(seed, "departments", 0);
    let roots = count.div_ceil(10).clamp(1, ROOTS.len()).min(count);
    let mut out: Vec<SimDepartment> = Vec::with_capacity(count);
    let mut depth: Vec<usize> = Vec::with_capacity(count);
    let mut subs: Vec<Vec<u8>> = Vec::with_capacity(count);
    let mut root_of: Vec<usize> = Vec::with_capacity(count);
    let mut child_names: Vec<Vec<String>> = Vec::with_capacity(count);
    // The active children of each department that may still get children themselves.
    let mut open_children: Vec<Vec<usize>> = Vec::with_capacity(count);
    let mut id = FIRST_DEPARTMENT_ID;
    for i in 0..count {
        let (name, parent, active, sub_list) = if let Some(root) = ROOTS.get(i).filter(|_| i < roots) {
            let mut s = vec![0u8];
            s.extend((1..CURRENCIES.len() as u8).filter(|_| rng.gen_bool(0.6)));
            (root.name.to_string(), None, true, s)
        } else {
            let p = if i == roots {
                0
            } else if i == roots + 1 {
                roots
            } else {
                // A top-level department, then down a random branch, stopping at each
                // level with probability 0.4 (shallow levels get the most departments) but
                // never at a top-level department whose team names are all used.
                let mut p = rng.gen_range(0..roots);
                loop {
                    let kids = &open_children[p];
                    let full = depth[p] == 0 && child_names[p].len() >= ROOTS[root_of[p]].teams.len();
                    if kids.is_empty() || (!full && !rng.gen_bool(0.6)) {
                        break p;
                    }
                    p = kids[rng.gen_range(0..kids.len())];
                }
            };
            let pool: &[&str] = if depth[p] == 0 { ROOTS[root_of[p]].teams } else { SUBTEAMS };
            let taken = &child_names[p];
            let start = rng.gen_range(0..pool.len());
            let name = (0..pool.len())
                .map(|k| pool[(start + k) % pool.len()])
                .find(|n| *n != out[p].name && !taken.iter().any(|t| t == n))
                .map_or_else(|| format!("Team {}", taken.len() + 1), str::to_string);
            let mut s: Vec<u8> = subs[p].iter().copied().filter(|_| rng.gen_bool(0.75)).collect();
            if s.is_empty() {
                s.push(subs[p][0]);
            }
            let active = i <= roots + 1 || !rng.gen_bool(0.08);
            (name, Some(p), active, s)
        };
        let d = parent.map_or(0, |p| depth[p] + 1);
        if let Some(p) = parent {
            child_names[p].push(name.clone());
        }
        if let (Some(p), true) = (parent, active && d < MAX_DEPTH) {
            open_children[p].push(i);
        }
        root_of.push(parent.map_or(i, |p| root_of[p]));
        depth.push(d);
        open_children.push(Vec::new());
        child_names.push(Vec::new());
        out.push(SimDepartment {
            internal_id: id.to_string(),
            name,
            parent_id: parent.map(|p| out[p].internal_id.clone()),
            is_inactive: !active,
            subsidiaries: sub_list.iter().map(|s| subsidiary_ref(*s).name).collect(),
        });
        subs.push(sub_list);
        id += id_gap(&mut rng);
    }
    out
}

/// Who an employee reports to and what they do, decided from their place in the unit.
struct Role {
    supervisor: Option<usize>,
    title: Option<String>,
    /// Heads and leads: always active, full-time.
    manager: bool,
}

/// The supervisor tree of employees placed in `unit_of` (index order): employee 0 heads the
/// company; the first employee of each unit heads it and reports to the head of the nearest
/// parent unit that has one, or to employee 0; one member in ten leads a team and reports to
/// the head; the others report to a lead, or to the head (every fifth, and all of them in
/// units without leads).
fn roles(units: &Units, unit_of: &[usize]) -> Vec<Role> {
    let mut heads: HashMap<usize, usize> = HashMap::new();
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, u) in unit_of.iter().enumerate() {
        if heads.contains_key(u) {
            members.entry(*u).or_default().push(i);
        } else {
            heads.insert(*u, i);
        }
    }
    let mut out: Vec<Role> =
        (0..unit_of.len()).map(|_| Role { supervisor: None, title: None, manager: false }).collect();
    for (&u, &h) in &heads {
        let unit = &units.list[u];
        let supervisor = if h == 0 { None } else { Some(units.ancestor_head(u, &heads).unwrap_or(0)) };
        let title = if h == 0 {
            "Chief Executive Officer".to_string()
        } else if unit.top {
            format!("VP {}", unit.dept.name)
        } else {
            format!("Head of {}", unit.dept.name)
        };
        out[h] = Role { supervisor, title: Some(title), manager: true };
    }
    for (u, list) in &members {
        let Some(&head) = heads.get(u) else { continue };
        let leads = list.len() / MEMBERS_PER_LEAD;
        let name = &units.list[*u].dept.name;
        for (j, &m) in list.iter().enumerate() {
            out[m] = if j < leads {
                Role { supervisor: Some(head), title: Some(format!("{name} Team Lead")), manager: true }
            } else if leads == 0 || j % 5 == 0 {
                Role { supervisor: Some(head), title: None, manager: false }
            } else {
                Role { supervisor: Some(list[(j - leads) % leads]), title: None, manager: false }
            };
        }
    }
    out
}

/// `count` employees for `seed` in `departments` (or in the fixed department references when
/// there are none), with ids from [`FIRST_EMPLOYEE_ID`] ascending in creation order, entity
/// numbers 1..=count, created over the eight years before `anchor` and all last modified at
/// least a day before it.
///
/// Names, departments (without generated departments), subsidiaries and ids are drawn from
/// the same random stream as before departments were simulated, so accounts without
/// departments keep their employees and expense reports.
pub(crate) fn employees(
    seed: u64,
    count: usize,
    anchor: DateTime<Utc>,
    departments: &[SimDepartment],
) -> Vec<SimEmployee> {
    let units = Units::of(departments);
    let hierarchy = !departments.is_empty();
    let mut rng = rng_for(seed, "employees", 0);
    struct Draft {
        id: u64,
        first: &'static str,
        last: &'static str,
        unit: usize,
        subsidiary: u8,
    }
    let mut drafts: Vec<Draft> = Vec::with_capacity(count);
    let mut id = FIRST_EMPLOYEE_ID;
    for i in 0..count {
        let first = *pick(&mut rng, FIRST_NAMES);
        let last = *pick(&mut rng, LAST_NAMES);
        let unit = match (hierarchy, i) {
            (false, _) => rng.gen_range(0..units.list.len()),
            (true, 0) => 0,
            (true, _) => units.draw(&mut rng),
        };
        let (_, sub) = currency_and_subsidiary(&mut rng);
        let drawn = CURRENCIES.iter().position(|c| c.subsidiary.0 == sub.internal_id).unwrap_or(0) as u8;
        let subsidiary = subsidiary_for(&mut rng, &units.list[unit], drawn);
        drafts.push(Draft { id, first, last, unit, subsidiary });
        id += rng.gen_range(1..=3);
    }

    let mut rng = rng_for(seed, "employee_details", 0);
    let latest = truncate_to_seconds(anchor - TimeDelta::days(1));
    let last_day = pacific_day(latest);
    let earliest = latest - EMPLOYEE_HISTORY;
    let span = (latest - earliest).num_seconds().max(1);
    let mut created: Vec<DateTime<Utc>> =
        (0..count).map(|_| earliest + TimeDelta::seconds(rng.gen_range(0..span))).collect();
    created.sort();
    let unit_of: Vec<usize> = drafts.iter().map(|d| d.unit).collect();
    let roles = roles(&units, &unit_of);

    let mut out = Vec::with_capacity(count);
    for (i, (d, created)) in drafts.iter().zip(created).enumerate() {
        let role = &roles[i];
        let unit = &units.list[d.unit];
        let hire_date = (pacific_day(created) + Days::new(rng.gen_range(0..=21))).min(last_day);
        let is_inactive = !role.manager && rng.gen_bool(INACTIVE_SHARE);
        let release_date = is_inactive.then(|| {
            let room = (last_day - hire_date).num_days().max(0) as u64;
            hire_date + Days::new(rng.gen_range(room.min(30)..=room))
        });
        let last_modified = match release_date {
            Some(r) => {
                let morning = pacific_local_to_utc(r.and_time(NaiveTime::MIN)) + TimeDelta::hours(9);
                (morning + TimeDelta::seconds(rng.gen_range(0..9 * 3600))).clamp(created, latest)
            }
            None if rng.gen_bool(0.4) => created,
            None => created + TimeDelta::seconds(rng.gen_range(0..=(latest - created).num_seconds().max(0))),
        };
        let status = match (is_inactive, role.manager) {
            (true, _) => STATUS_TERMINATED,
            (false, false) if rng.gen_bool(0.03) => STATUS_LEAVE,
            _ => STATUS_ACTIVE,
        };
        let employee_type =
            if role.manager { SimRef::new(EMPLOYEE_TYPES[0].0, EMPLOYEE_TYPES[0].1) } else { employee_type(&mut rng) };
        let title = role.title.clone().unwrap_or_else(|| member_title(&mut rng, unit));
        let no = i + 1;
        out.push(SimEmployee {
            internal_id: d.id.to_string(),
            entity_id: format!("EMP{no:04}"),
            first_name: d.first.to_string(),
            last_name: d.last.to_string(),
            email: email(d.first, d.last, no),
            title,
            department: unit.dept.clone(),
            department_id: Some(unit.dept.internal_id.clone()),
            subsidiary: subsidiary_ref(d.subsidiary),
            currency: currency_ref(d.subsidiary),
            location: location_for(&mut rng, d.subsidiary),
            supervisor_id: role.supervisor.map(|s| drafts[s].id.to_string()),
            employee_type,
            employee_status: status_ref(status),
            is_inactive,
            hire_date,
            release_date,
            date_created: created,
            last_modified,
        });
    }
    out
}

/// The head of each unit among `employees`: the active employee of the unit with the lowest
/// id whose supervisor is outside the unit (or who has none).
fn current_heads(units: &Units, employees: &[SimEmployee]) -> HashMap<usize, usize> {
    let dept_of: HashMap<&str, &str> =
        employees.iter().map(|e| (e.internal_id.as_str(), e.department.internal_id.as_str())).collect();
    let mut heads = HashMap::new();
    for (i, e) in employees.iter().enumerate() {
        if e.is_inactive {
            continue;
        }
        let Some(&u) = units.by_id.get(&e.department.internal_id) else { continue };
        let boss_dept = e.supervisor_id.as_deref().and_then(|s| dept_of.get(s).copied());
        if boss_dept != Some(e.department.internal_id.as_str()) {
            heads.entry(u).or_insert(i);
        }
    }
    heads
}

/// The head of the company: the active employee with the lowest id and no supervisor.
fn company_head(employees: &[SimEmployee]) -> Option<usize> {
    employees.iter().position(|e| !e.is_inactive && e.supervisor_id.is_none())
}

/// Who a newcomer to `unit` reports to: the unit's head, else the head of the nearest parent
/// unit that has one, else the head of the company.
fn supervisor_in(units: &Units, unit: usize, heads: &HashMap<usize, usize>, top: Option<usize>) -> Option<usize> {
    heads.get(&unit).copied().or_else(|| units.ancestor_head(unit, heads)).or(top)
}

/// Appends `n` new hires to `employees` (kept in id order), created, last modified and
/// hired at `now`; `next_no` is the entity number of the first. Their ids are above every
/// employee's and above `last_deleted` (ids are never given twice). Each joins a department
/// (mostly active ones) and reports to its head; a newcomer to a department without anyone
/// becomes its head. Returns their internal ids.
pub(crate) fn add_employees(
    rng: &mut ChaCha8Rng,
    employees: &mut Vec<SimEmployee>,
    last_deleted: Option<u64>,
    departments: &[SimDepartment],
    n: usize,
    next_no: usize,
    now: DateTime<Utc>,
) -> Vec<String> {
    let units = Units::of(departments);
    let mut heads = current_heads(&units, employees);
    let top = company_head(employees);
    let mut next_id = employees
        .iter()
        .filter_map(|e| e.internal_id.parse::<u64>().ok())
        .max()
        .max(last_deleted)
        .map_or(FIRST_EMPLOYEE_ID, |last| last + id_gap(rng));
    let mut ids = Vec::with_capacity(n);
    for k in 0..n {
        let unit_index = units.draw(rng);
        let unit = &units.list[unit_index];
        let (_, sub) = currency_and_subsidiary(rng);
        let drawn = CURRENCIES.iter().position(|c| c.subsidiary.0 == sub.internal_id).unwrap_or(0) as u8;
        let subsidiary = subsidiary_for(rng, unit, drawn);
        let supervisor = supervisor_in(&units, unit_index, &heads, top).map(|s| employees[s].internal_id.clone());
        let (first, last) = (*pick(rng, FIRST_NAMES), *pick(rng, LAST_NAMES));
        let no = next_no + k;
        let e = SimEmployee {
            internal_id: next_id.to_string(),
            entity_id: format!("EMP{no:04}"),
            first_name: first.to_string(),
            last_name: last.to_string(),
            email: email(first, last, no),
            title: member_title(rng, unit),
            department: unit.dept.clone(),
            department_id: Some(unit.dept.internal_id.clone()),
            subsidiary: subsidiary_ref(subsidiary),
            currency: currency_ref(subsidiary),
            location: location_for(rng, subsidiary),
            supervisor_id: supervisor,
            employee_type: employee_type(rng),
            employee_status: status_ref(STATUS_ACTIVE),
            is_inactive: false,
            hire_date: pacific_day(now),
            release_date: None,
            date_created: now,
            last_modified: now,
        };
        ids.push(e.internal_id.clone());
        heads.entry(unit_index).or_insert(employees.len());
        employees.push(e);
        next_id += id_gap(rng);
    }
    ids
}

/// A new title for a promotion: `Senior X` becomes `Principal X`, `Principal X` becomes
/// `Senior X` again (so the title always changes), anything else `Senior X`.
fn promoted(title: &str) -> String {
    match title.strip_prefix("Senior ") {
        Some(rest) => format!("Principal {rest}"),
        None => format!("Senior {}", title.strip_prefix("Principal ").unwrap_or(title)),
    }
}

/// Changes `n` employees (all of them if there are fewer), chosen with `rng`; `mutation`
/// numbers the change. In ascending id order, the k-th chosen one:
/// - k % 3 == 0, active and supervising nobody: leaves (inactive, `Terminated`, released
///   today);
/// - k % 3 == 1, supervising nobody, with another department to go to: moves there, with a
///   title of that department and its head as supervisor;
/// - otherwise: a supervisor gets a new email address, anyone else a promotion (title).
///
/// Every one is last modified at `now`. Returns their internal ids in ascending order.
pub(crate) fn modify_employees(
    rng: &mut ChaCha8Rng,
    employees: &mut [SimEmployee],
    departments: &[SimDepartment],
    n: usize,
    mutation: u64,
    now: DateTime<Utc>,
) -> Vec<String> {
    let units = Units::of(departments);
    let amount = n.min(employees.len());
    let mut chosen = index::sample(rng, employees.len(), amount).into_vec();
    chosen.sort_unstable();
    let mut supervisors: HashSet<String> = employees.iter().filter_map(|e| e.supervisor_id.clone()).collect();
    let top = company_head(employees);
    let today = pacific_day(now);
    for (k, &i) in chosen.iter().enumerate() {
        let supervises = supervisors.contains(&employees[i].internal_id);
        let e_unit = units.by_id.get(&employees[i].department.internal_id).copied();
        let target = (k % 3 == 1 && !supervises && units.list.len() > 1)
            .then(|| (0..8).map(|_| units.draw(rng)).find(|u| Some(*u) != e_unit))
            .flatten();
        if k % 3 == 0 && !supervises && !employees[i].is_inactive {
            let e = &mut employees[i];
            e.is_inactive = true;
            e.release_date = Some(today.max(e.hire_date));
            e.employee_status = status_ref(STATUS_TERMINATED);
        } else if let Some(u) = target {
            let mut heads = current_heads(&units, employees);
            heads.retain(|_, h| *h != i);
            let boss = supervisor_in(&units, u, &heads, top.filter(|t| *t != i));
            let boss_id = boss.map(|b| employees[b].internal_id.clone());
            if let Some(b) = &boss_id {
                supervisors.insert(b.clone());
            }
            let unit = &units.list[u];
            let title = member_title(rng, unit);
            let e = &mut employees[i];
            let sub = CURRENCIES.iter().position(|c| c.subsidiary.0 == e.subsidiary.internal_id).unwrap_or(0) as u8;
            let sub = subsidiary_for(rng, unit, sub);
            if subsidiary_ref(sub) != e.subsidiary {
                e.subsidiary = subsidiary_ref(sub);
                e.currency = currency_ref(sub);
                e.location = location_for(rng, sub);
            }
            e.department = unit.dept.clone();
            e.department_id = Some(unit.dept.internal_id.clone());
            e.supervisor_id = boss_id;
            e.title = title;
        } else if supervises {
            let e = &mut employees[i];
            e.email = format!("{}.{}.{mutation}@honeycomb.example", slug(&e.first_name), slug(&e.last_name));
        } else {
            let e = &mut employees[i];
            e.title = promoted(&e.title);
        }
        let e = &mut employees[i];
        e.last_modified = now.max(e.date_created);
    }
    chosen.iter().map(|&i| employees[i].internal_id.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn anchor() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-05-01T00:00:00Z").unwrap().with_timezone(&Utc)
    }

    /// Department `id`'s parent chain, from `id` up (for checks): `None` when it loops or names
    /// an unknown department.
    fn chain<'a>(departments: &'a [SimDepartment], id: &str) -> Option<Vec<&'a SimDepartment>> {
        let mut out = Vec::new();
        let mut cur = Some(id.to_string());
        while let Some(c) = cur {
            let d = departments.iter().find(|d| d.internal_id == c)?;
            if out.len() > departments.len() {
                return None;
            }
            out.push(d);
            cur = d.parent_id.clone();
        }
        Some(out)
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn departments_form_a_deep_acyclic_hierarchy() {
        for n in [3usize, 5, 8, 40, 120, 400] {
            let ds = departments(9, n);
            assert_eq!(ds, departments(9, n), "deterministic");
            assert_eq!(ds.len(), n);
            let mut max_depth = 0;
            for d in &ds {
                let chain = chain(&ds, &d.internal_id).expect("no cycle, parents known");
                max_depth = max_depth.max(chain.len());
                if let Some(p) = &d.parent_id {
                    assert!(p.parse::<u64>().unwrap() < d.internal_id.parse::<u64>().unwrap());
                    let parent = ds.iter().find(|x| &x.internal_id == p).unwrap();
                    assert!(!parent.is_inactive, "inactive departments have no children");
                    assert!(d.subsidiaries.iter().all(|s| parent.subsidiaries.contains(s)));
                    let siblings = ds.iter().filter(|x| x.parent_id == d.parent_id && x.name == d.name).count();
                    assert_eq!(siblings, 1, "sibling names are unique: {}", d.name);
                }
                assert!(!d.subsidiaries.is_empty());
                assert!(!d.name.contains(" : "));
            }
            assert!(max_depth >= 3, "{n} departments: depth {max_depth}");
            assert!(max_depth <= MAX_DEPTH + 1);
        }
        let ds = departments(9, 120);
        let roots: Vec<&str> = ds.iter().filter(|d| d.parent_id.is_none()).map(|d| d.name.as_str()).collect();
        assert_eq!(roots, ["Engineering", "Sales", "Finance", "Operations", "People"]);
        let inactive = ds.iter().filter(|d| d.is_inactive).count();
        assert!((1..=25).contains(&inactive), "{inactive} inactive");
        assert!(ds.iter().any(|d| d.name.contains('&')));
        assert_ne!(ds, departments(10, 120));
    }

    #[test]
    fn employees_without_departments_keep_their_old_draws() {
        // The fields that existed before departments were simulated come from the same stream.
        let es = employees(3, 60, anchor(), &[]);
        let mut rng = rng_for(3, "employees", 0);
        let mut id = FIRST_EMPLOYEE_ID;
        for e in &es {
            let first = *pick(&mut rng, FIRST_NAMES);
            let last = *pick(&mut rng, LAST_NAMES);
            let (dept_id, dept_name) = *pick(&mut rng, DEPARTMENTS);
            let (currency, subsidiary) = currency_and_subsidiary(&mut rng);
            assert_eq!((e.first_name.as_str(), e.last_name.as_str()), (first, last));
            assert_eq!(e.department, SimRef::new(dept_id, dept_name));
            assert_eq!((&e.currency, &e.subsidiary), (&currency, &subsidiary));
            assert_eq!(e.internal_id, id.to_string());
            id += rng.gen_range(1..=3);
        }
    }

    #[test]
    fn supervisors_form_a_tree_within_departments() {
        let ds = departments(17, 120);
        let started = std::time::Instant::now();
        let es = employees(17, 5_000, anchor(), &ds);
        let took = started.elapsed();
        assert!(took < std::time::Duration::from_millis(500), "took {took:?}");
        assert_eq!(es, employees(17, 5_000, anchor(), &ds));
        let by_id: HashMap<&str, &SimEmployee> = es.iter().map(|e| (e.internal_id.as_str(), e)).collect();
        let dept_ids: HashSet<&str> = ds.iter().map(|d| d.internal_id.as_str()).collect();
        let mut tops = 0;
        let mut same_dept = 0;
        for e in &es {
            assert!(dept_ids.contains(e.department.internal_id.as_str()));
            assert_eq!(e.department_id.as_deref(), Some(e.department.internal_id.as_str()));
            let d = ds.iter().find(|d| d.internal_id == e.department.internal_id).unwrap();
            assert!(d.subsidiaries.contains(&e.subsidiary.name), "{e:?}");
            // Walking up ends at the top without revisiting anyone.
            let mut seen = HashSet::new();
            let mut cur = e;
            while let Some(s) = &cur.supervisor_id {
                assert!(seen.insert(s.clone()), "cycle through {s}");
                cur = by_id[s.as_str()];
                assert!(!cur.is_inactive, "supervisors are active");
            }
            match &e.supervisor_id {
                None => tops += 1,
                Some(s) if by_id[s.as_str()].department == e.department => same_dept += 1,
                Some(_) => {}
            }
            assert!(e.date_created <= e.last_modified && e.last_modified <= anchor() - TimeDelta::days(1));
            assert_eq!(e.is_inactive, e.release_date.is_some());
            assert_eq!(e.is_inactive, e.employee_status.name == "Terminated");
            if let Some(r) = e.release_date {
                assert!(r >= e.hire_date);
            }
            assert!(e.hire_date >= pacific_day(e.date_created));
        }
        assert_eq!(tops, 1, "one head of the company");
        assert!(same_dept > 4_500, "{same_dept} report within their department");
        let inactive = es.iter().filter(|e| e.is_inactive).count();
        assert!((250..=450).contains(&inactive), "about 7% inactive: {inactive}");
        let ids: Vec<u64> = es.iter().map(|e| e.internal_id.parse().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(es.windows(2).all(|w| w[0].date_created <= w[1].date_created));
        assert_eq!(es[0].title, "Chief Executive Officer");
        assert!(es.iter().any(|e| e.title.starts_with("Head of ")));
        assert!(es.iter().any(|e| e.title.ends_with("Team Lead")));
        for t in ["Full-time", "Part-time", "Contractor", "Intern"] {
            assert!(es.iter().any(|e| e.employee_type.name == t), "{t}");
        }
        assert!(es.iter().all(|e| e.hire_date <= day("2024-04-30")));
    }

    #[test]
    fn hires_and_edits_keep_the_tree() {
        let ds = departments(5, 20);
        let mut es = employees(5, 300, anchor(), &ds);
        let now = anchor() + TimeDelta::days(3);
        let mut rng = rng_for(5, "t", 1);
        let added = add_employees(&mut rng, &mut es, None, &ds, 25, 301, now);
        assert_eq!(added.len(), 25);
        assert_eq!(es.len(), 325);
        assert_eq!(es[300].entity_id, "EMP0301");
        let changed = modify_employees(&mut rng, &mut es, &ds, 60, 2, now);
        assert_eq!(changed.len(), 60);
        let by_id: HashMap<&str, &SimEmployee> = es.iter().map(|e| (e.internal_id.as_str(), e)).collect();
        for id in &changed {
            assert_eq!(by_id[id.as_str()].last_modified, now);
        }
        for e in &es {
            let mut seen = HashSet::new();
            let mut cur = e;
            while let Some(s) = &cur.supervisor_id {
                assert!(seen.insert(s.clone()), "cycle through {s}");
                cur = by_id[s.as_str()];
            }
        }
        assert!(es.iter().any(|e| e.release_date == Some(pacific_day(now))));
        assert_eq!(promoted("Accountant"), "Senior Accountant");
        assert_eq!(promoted("Senior Accountant"), "Principal Accountant");
        assert_eq!(promoted("Principal Accountant"), "Senior Accountant");
    }
}
