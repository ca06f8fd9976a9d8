//! Deterministic generation of employees, expense categories and transactions, and the
//! reference tables (departments, classes, accounts, items) their records point to.
//!
//! Like vendors, everything is a pure function of the seed, the sizes, the anchor time and
//! the records already generated.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::basics::clock::truncate_to_seconds;
use crate::basics::datetime::{pacific_day, pacific_local_to_utc};
use crate::model::generate::{pick, rng_for, CURRENCIES, DEPARTMENTS};
use crate::model::org::SimEmployee;
use crate::model::records::{SimRef, SimVendor};
use crate::model::transactions::{
    to_cents, Line, LineDetail, NewTransaction, SimExpenseCategory, TransactionKind, Txn,
};

/// The first transaction internal id: apart from every entity and list id.
pub(crate) const FIRST_TRANSACTION_ID: u64 = 1_000_000;
/// The first expense category internal id.
pub(crate) const FIRST_CATEGORY_ID: u64 = 101;
/// How far back generated transactions are dated.
const TRANSACTION_HISTORY_DAYS: u64 = 3 * 365;

/// Classes (internal id, name).
pub(crate) const CLASSES: &[(&str, &str)] =
    &[("1", "Recurring"), ("2", "One-time"), ("3", "Capital Expenditure"), ("4", "Project Apollo")];

/// Expense accounts (internal id, name).
pub(crate) const EXPENSE_ACCOUNTS: &[(&str, &str)] = &[
    ("640", "6400 Office Expense"),
    ("611", "6110 Travel"),
    ("612", "6120 Meals & Entertainment"),
    ("650", "6500 Software & Subscriptions"),
    ("660", "6600 Telephone & Internet"),
    ("670", "6700 Professional Fees"),
    ("680", "6800 Training & Education"),
    ("690", "6900 Rent & Facilities"),
    ("700", "7000 Hardware < 5k"),
];

/// The payables account of bills, credits and expense reports.
pub(crate) const AP_ACCOUNT: (&str, &str) = ("111", "2000 Accounts Payable");
/// The bank account of payments and checks.
pub(crate) const BANK_ACCOUNT: (&str, &str) = ("1", "1000 Operating Account");

/// Items (internal id, name, description).
pub(crate) const ITEMS: &[(&str, &str, &str)] = &[
    ("501", "Laptop 14in", "Laptop, 14 inch, 32 GB"),
    ("502", "Monitor 27in", "27\" 4K monitor"),
    ("503", "Software License - Annual", "Annual named-user licence"),
    ("504", "Consulting Hours", "Consulting & implementation hours"),
    ("505", "Cloud Hosting - Monthly", "Hosting <usage tier 2>"),
    ("506", "Office Chair", "Ergonomic office chair"),
    ("507", "Toner Cartridge", "Toner cartridge, black"),
    ("508", "Support Contract", "Premium support contract"),
    ("509", "Network Switch", "48-port network switch"),
    ("510", "Headset", "USB headset"),
];

/// Expense categories: name, description, index in [`EXPENSE_ACCOUNTS`].
const CATEGORY_TABLE: &[(&str, Option<&str>, u8)] = &[
    ("Airfare", Some("Flights & rail"), 1),
    ("Hotel", Some("Lodging while travelling"), 1),
    ("Meals & Entertainment", Some("Meals <= 75 USD per person"), 2),
    ("Car Rental", None, 1),
    ("Mileage", Some("Private car use, per mile"), 1),
    ("Office Supplies", Some("Paper, toner & small items"), 0),
    ("Fax & Telex (legacy)", Some("Do not use"), 4),
    ("Software Subscriptions", Some("SaaS & app-store purchases"), 3),
    ("Telephone & Internet", None, 4),
    ("Training & Conferences", Some("Courses, tickets, books"), 6),
    ("Taxi & Rideshare", None, 1),
    ("Professional Fees", Some("Legal, audit & advisory"), 5),
];

/// Header memos; several need XML escaping or are not ASCII.
const MEMOS: &[&str] = &[
    "Monthly subscription",
    "Q3 licences & support",
    "Annual maintenance renewal",
    "Invoice <revised> per PO",
    "O'Reilly team seats",
    "\"Urgent\" replacement parts",
    "Müller & Söhne – Wartungsvertrag",
    "Consulting > 40h cap",
    "Cloud hosting usage",
    "Office supplies",
    "Hardware refresh",
    "Conference sponsorship",
    "東京オフィス賃料",
    "Legal fees – contract review",
];

/// Line memos.
const LINE_MEMOS: &[&str] = &[
    "Licence seats",
    "Support hours",
    "Setup fee",
    "Shipping & handling",
    "Usage overage <tier 2>",
    "Pro-rated period",
    "Travel costs",
];

/// Expense report line memos.
const REPORT_MEMOS: &[&str] = &[
    "Client dinner",
    "Flight to Berlin",
    "Hotel – 2 nights",
    "Taxi airport → office",
    "Team lunch & drinks",
    "Conference ticket",
    "Printer paper",
];

/// Value of each currency of [`CURRENCIES`] in ten-thousandths of a US dollar.
const USD_RATES: [i64; 4] = [10_000, 10_850, 12_700, 7_400];

/// The generated records an account starts with.
pub(crate) struct Generated {
    /// Transactions in internal-id order.
    pub txns: Vec<Txn>,
    /// The next sequence number of each kind (by [`TransactionKind::index`]).
    pub next_numbers: [u32; TransactionKind::COUNT],
}

/// What transactions may reference.
pub(crate) struct Refs<'a> {
    /// Vendors by internal id.
    pub vendors: &'a BTreeMap<u64, SimVendor>,
    /// Employees in internal-id order.
    pub employees: &'a [SimEmployee],
    /// The departments transactions may name (see `AccountState::department_table`).
    pub departments: &'a [SimRef],
    /// Expense categories in internal-id order.
    pub categories: &'a [SimExpenseCategory],
}

/// The index of a currency (or subsidiary) reference in [`CURRENCIES`].
pub(crate) fn currency_index(r: &SimRef) -> u8 {
    CURRENCIES.iter().position(|c| c.currency.0 == r.internal_id).unwrap_or(0) as u8
}

/// The index of a subsidiary reference in [`CURRENCIES`].
pub(crate) fn subsidiary_index(r: &SimRef) -> u8 {
    CURRENCIES.iter().position(|c| c.subsidiary.0 == r.internal_id).unwrap_or(0) as u8
}

/// [`DEPARTMENTS`] as references: the department table of accounts without generated
/// departments.
pub(crate) fn fixed_departments() -> Vec<SimRef> {
    DEPARTMENTS.iter().map(|(id, name)| SimRef::new(*id, *name)).collect()
}

/// The index of a department reference in `table`.
fn department_index(table: &[SimRef], r: &SimRef) -> u16 {
    table.iter().position(|d| d.internal_id == r.internal_id).unwrap_or(0) as u16
}

/// A department drawn uniformly from `table` (the draw `index_of` makes over a table of the
/// same length).
fn department_of(rng: &mut ChaCha8Rng, table: &[SimRef]) -> u16 {
    rng.gen_range(0..table.len().max(1)) as u16
}

/// `count` expense categories with consecutive ids from [`FIRST_CATEGORY_ID`]; past the
/// table's dozen, names repeat with a number.
pub(crate) fn expense_categories(count: usize) -> Vec<SimExpenseCategory> {
    (0..count)
        .map(|i| {
            let (name, description, account) = CATEGORY_TABLE[i % CATEGORY_TABLE.len()];
            let round = i / CATEGORY_TABLE.len();
            let (acct_id, acct_name) = EXPENSE_ACCOUNTS[usize::from(account)];
            SimExpenseCategory {
                internal_id: (FIRST_CATEGORY_ID + i as u64).to_string(),
                name: if round == 0 { name.to_string() } else { format!("{name} {}", round + 1) },
                description: description.map(str::to_string),
                expense_account: SimRef::new(acct_id, acct_name),
                is_inactive: i % CATEGORY_TABLE.len() == 6,
            }
        })
        .collect()
}

/// A category a line may use: internal id and account index.
#[derive(Clone, Copy)]
struct Category {
    id: u32,
    account: u8,
}

fn active_categories(categories: &[SimExpenseCategory]) -> Vec<Category> {
    categories
        .iter()
        .filter(|c| !c.is_inactive)
        .filter_map(|c| {
            let id = c.internal_id.parse::<u32>().ok()?;
            let account = EXPENSE_ACCOUNTS.iter().position(|a| a.0 == c.expense_account.internal_id).unwrap_or(0);
            Some(Category { id, account: account as u8 })
        })
        .collect()
}

/// The rate converting amounts in currency `cur` to currency `base` (both indexes in
/// [`CURRENCIES`]), moved by up to 2.5% so rates differ between transactions.
fn cross_rate(rng: &mut ChaCha8Rng, cur: u8, base: u8) -> Decimal {
    if cur == base {
        return Decimal::new(10, 1);
    }
    let jitter: i64 = rng.gen_range(-250..=250);
    let num = Decimal::from(USD_RATES[usize::from(cur)] * (10_000 + jitter));
    let den = Decimal::from(USD_RATES[usize::from(base)] * 10_000);
    (num / den).round_dp(4)
}

/// `foreign_cents` converted at `rate`, rounded half away from zero to cents.
fn convert(foreign_cents: i64, rate: Decimal) -> i64 {
    let v = (Decimal::new(foreign_cents, 2) * rate).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    (v * Decimal::ONE_HUNDRED).to_i64().unwrap_or(foreign_cents).max(1)
}

/// A header total in cents for a transaction of `kind`.
fn total_cents(rng: &mut ChaCha8Rng, kind: TransactionKind) -> i64 {
    let roll = rng.gen_range(0..100);
    let (lo, hi) = match kind {
        TransactionKind::VendorCredit | TransactionKind::VendorReturnAuthorization => {
            if roll < 80 {
                (2_000, 200_000)
            } else {
                (200_000, 2_000_000)
            }
        }
        TransactionKind::Check => {
            if roll < 85 {
                (1_000, 300_000)
            } else {
                (300_000, 2_500_000)
            }
        }
        _ => {
            if roll < 70 {
                (5_000, 500_000)
            } else if roll < 95 {
                (500_000, 5_000_000)
            } else {
                (5_000_000, 50_000_000)
            }
        }
    };
    rng.gen_range(lo..=hi)
}

fn line_count(rng: &mut ChaCha8Rng) -> usize {
    match rng.gen_range(0..100) {
        0..=39 => 1,
        40..=64 => 2,
        65..=79 => 3,
        80..=89 => 4,
        _ => rng.gen_range(5..=8),
    }
}

/// `total` cents cut into `n` positive parts (fewer when the total has fewer cents).
fn split(rng: &mut ChaCha8Rng, total: i64, n: usize) -> Vec<i64> {
    let n = n.clamp(1, usize::try_from(total.max(1)).unwrap_or(1));
    let weights: Vec<i64> = (0..n).map(|_| rng.gen_range(1..=100)).collect();
    let sum: i64 = weights.iter().sum();
    let mut parts: Vec<i64> = weights.iter().map(|w| (total * w / sum).max(1)).collect();
    let used: i64 = parts[..n - 1].iter().sum();
    parts[n - 1] = total - used;
    if parts[n - 1] < 1 {
        // Only possible when the `max(1)` floors took more than the rounding left over.
        parts = vec![1; n];
        parts[n - 1] = total - (n as i64 - 1);
    }
    parts
}

fn maybe_memo(rng: &mut ChaCha8Rng, table: &'static [&'static str], p: f64) -> Option<Cow<'static, str>> {
    rng.gen_bool(p).then(|| Cow::Borrowed(*pick(rng, table)))
}

fn index_of<T>(rng: &mut ChaCha8Rng, table: &[T]) -> u8 {
    rng.gen_range(0..table.len()) as u8
}

/// Expense and item lines summing to `total` cents. `items_share` is the chance that the
/// transaction has item lines only; `mixed_share` that it has both kinds.
#[allow(clippy::too_many_arguments)]
fn goods_lines(
    rng: &mut ChaCha8Rng,
    total: i64,
    items_share: u32,
    mixed_share: u32,
    department: Option<u16>,
    class: Option<u8>,
    categories: &[Category],
    departments: &[SimRef],
) -> Vec<Line> {
    let count = line_count(rng);
    let parts = split(rng, total, count);
    let n = parts.len();
    let roll = rng.gen_range(0..100);
    let expense_lines = if roll < items_share {
        0
    } else if roll < items_share + mixed_share && n >= 2 {
        rng.gen_range(1..n)
    } else {
        n
    };
    let mut lines = Vec::with_capacity(n);
    let mut carry = 0i64;
    for (i, mut amount) in parts.into_iter().enumerate() {
        let last = i + 1 == n;
        if last {
            amount += carry;
        }
        let department = if rng.gen_bool(0.8) { department } else { Some(department_of(rng, departments)) };
        let class = if rng.gen_bool(0.8) { class } else { None };
        if i < expense_lines {
            let (category, account) = match categories.is_empty() || rng.gen_bool(0.1) {
                true => (None, index_of(rng, EXPENSE_ACCOUNTS)),
                false => {
                    let c = *pick(rng, categories);
                    (Some(c.id), c.account)
                }
            };
            lines.push(Line {
                amount_cents: amount,
                memo: maybe_memo(rng, LINE_MEMOS, 0.4),
                department,
                class,
                detail: LineDetail::Expense { category, account },
            });
        } else {
            let item = index_of(rng, ITEMS);
            let mut quantity: u32 = if last || rng.gen_bool(0.5) { 1 } else { rng.gen_range(2..=12) };
            let q = i64::from(quantity);
            if amount < q {
                quantity = 1;
            } else if q > 1 {
                // The amount becomes a multiple of the quantity so the rate is exact; the
                // rest moves to the last line.
                carry += amount % q;
                amount -= amount % q;
            }
            lines.push(Line {
                amount_cents: amount,
                memo: Some(Cow::Borrowed(ITEMS[usize::from(item)].2)),
                department,
                class,
                detail: LineDetail::Item { item, quantity },
            });
        }
    }
    // Expense lines come first in storage.
    lines.sort_by_key(Line::is_item);
    lines
}

/// Expense report lines for an employee whose report currency is `currency`.
fn report_lines(
    rng: &mut ChaCha8Rng,
    tran_date: NaiveDate,
    currency: u8,
    department: Option<u16>,
    categories: &[Category],
) -> Vec<Line> {
    let n = line_count(rng);
    (0..n)
        .map(|_| {
            let spent_in = if rng.gen_bool(0.85) { currency } else { index_of(rng, CURRENCIES) };
            let foreign_cents = rng.gen_range(500..=150_000);
            let exchange_rate = cross_rate(rng, spent_in, currency);
            let expense_date = tran_date - Days::new(rng.gen_range(0..=21));
            let category = (!categories.is_empty()).then(|| pick(rng, categories).id);
            Line {
                amount_cents: convert(foreign_cents, exchange_rate),
                memo: maybe_memo(rng, REPORT_MEMOS, 0.6),
                department,
                class: None,
                detail: LineDetail::Report { expense_date, category, currency: spent_in, foreign_cents, exchange_rate },
            }
        })
        .collect()
}

fn status(rng: &mut ChaCha8Rng, kind: TransactionKind, age_days: i64) -> Option<&'static str> {
    let roll = rng.gen_range(0..100);
    let recent = age_days < 45;
    Some(match kind {
        TransactionKind::VendorBill => {
            if recent && roll < 15 {
                "Pending Approval"
            } else {
                "Open"
            }
        }
        TransactionKind::PurchaseOrder => match (recent, roll) {
            (false, 0..=69) => "Fully Billed",
            (false, 70..=89) => "Closed",
            (false, _) => "Partially Received",
            (true, 0..=49) => "Pending Receipt",
            (true, 50..=74) => "Pending Bill",
            (true, 75..=89) => "Partially Received",
            (true, _) => "Pending Supervisor Approval",
        },
        TransactionKind::VendorReturnAuthorization => match (recent, roll) {
            (false, 0..=79) => "_credited",
            (false, _) => "_closed",
            (true, 0..=39) => "_pendingReturn",
            (true, 40..=69) => "_pendingCredit",
            (true, _) => "_pendingApproval",
        },
        TransactionKind::ExpenseReport => match (recent, roll) {
            (false, 0..=84) => "Paid In Full",
            (false, 85..=94) => "Approved by Accounting",
            (false, _) => "Rejected by Supervisor",
            (true, 0..=29) => "Pending Supervisor Approval",
            (true, 30..=54) => "Pending Accounting Approval",
            (true, 55..=84) => "Approved by Accounting",
            (true, _) => "In Progress",
        },
        TransactionKind::VendorCredit
        | TransactionKind::VendorPayment
        | TransactionKind::Check
        | TransactionKind::CreditCardCharge
        | TransactionKind::CreditCardRefund => return None,
    })
}

/// One generated transaction's dates.
struct Slot {
    tran_date: NaiveDate,
    created: DateTime<Utc>,
    last_modified: DateTime<Utc>,
    report: bool,
}

/// Skewed towards the start of the list: older entities have more transactions.
fn skewed_index(rng: &mut ChaCha8Rng, len: usize) -> usize {
    rng.gen_range(0..len).min(rng.gen_range(0..len))
}

/// `vendor_side` vendor transactions and `reports` expense reports for `seed`, dated over
/// the three years before `anchor` (created and last modified at least a day before it),
/// ids ascending in creation order. Vendor transactions need vendors and expense reports
/// need employees: without them none are made.
pub(crate) fn transactions(
    seed: u64,
    vendor_side: usize,
    reports: usize,
    anchor: DateTime<Utc>,
    refs: &Refs<'_>,
) -> Generated {
    let vendor_side = if refs.vendors.is_empty() { 0 } else { vendor_side };
    let reports = if refs.employees.is_empty() { 0 } else { reports };
    let mut rng = rng_for(seed, "transactions", 0);
    let latest = truncate_to_seconds(anchor - TimeDelta::days(1));
    let last_date = pacific_day(latest) - Days::new(1);
    let first_date = last_date - Days::new(TRANSACTION_HISTORY_DAYS - 1);
    let span = (last_date - first_date).num_days();

    let mut slots: Vec<Slot> = (0..vendor_side + reports)
        .map(|i| {
            let tran_date = first_date + Days::new(rng.gen_range(0..=span) as u64);
            let midnight = pacific_local_to_utc(tran_date.and_time(chrono::NaiveTime::MIN));
            let created = (midnight + TimeDelta::seconds(rng.gen_range(6 * 3600..=60 * 3600))).min(latest);
            let last_modified = if rng.gen_bool(0.5) {
                created
            } else {
                let room = (latest - created).num_seconds().clamp(0, 120 * 86_400);
                created + TimeDelta::seconds(rng.gen_range(0..=room))
            };
            Slot { tran_date, created, last_modified, report: i >= vendor_side }
        })
        .collect();
    slots.sort_by_key(|s| s.created);

    let vendor_ids: Vec<u64> = refs.vendors.keys().copied().collect();
    let categories = active_categories(refs.categories);
    let mut next_numbers = [1u32; TransactionKind::COUNT];
    let mut open_bills: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut txns: Vec<Txn> = Vec::with_capacity(slots.len());
    let mut id = FIRST_TRANSACTION_ID;
    for slot in slots {
        let age_days = (last_date - slot.tran_date).num_days();
        let mut txn = if slot.report {
            let e = &refs.employees[skewed_index(&mut rng, refs.employees.len())];
            let currency = currency_index(&e.currency);
            let department = Some(department_index(refs.departments, &e.department));
            let lines = report_lines(&mut rng, slot.tran_date, currency, department, &categories);
            Txn {
                id,
                kind: TransactionKind::ExpenseReport,
                number: 0,
                tran_date: slot.tran_date,
                entity: e.internal_id.parse().unwrap_or(0),
                currency,
                subsidiary: subsidiary_index(&e.subsidiary),
                exchange_rate: Decimal::new(10, 1),
                department,
                class: None,
                status: status(&mut rng, TransactionKind::ExpenseReport, age_days),
                terms_days: 0,
                memo: maybe_memo(&mut rng, REPORT_MEMOS, 0.5),
                total_cents: lines.iter().map(|l| l.amount_cents).sum(),
                created: slot.created,
                last_modified: slot.last_modified,
                lines,
            }
        } else {
            let vendor_id = vendor_ids[skewed_index(&mut rng, vendor_ids.len())];
            let (currency, subsidiary) = match refs.vendors.get(&vendor_id) {
                Some(v) => (currency_index(&v.currency), subsidiary_index(&v.subsidiary)),
                None => (0, 0),
            };
            let kind = match rng.gen_range(0..100) {
                0..=54 => TransactionKind::VendorBill,
                55..=69 => TransactionKind::PurchaseOrder,
                70..=84 => TransactionKind::VendorPayment,
                85..=92 => TransactionKind::Check,
                93..=97 => TransactionKind::VendorCredit,
                _ => TransactionKind::VendorReturnAuthorization,
            };
            let payment = if kind == TransactionKind::VendorPayment {
                pay_bills(&mut rng, &mut open_bills, &mut txns, vendor_id)
            } else {
                None
            };
            // A payment needs open bills; a vendor without any gets a check instead.
            let kind =
                if kind == TransactionKind::VendorPayment && payment.is_none() { TransactionKind::Check } else { kind };
            let currency = match &payment {
                Some((cur, _)) => *cur,
                None if rng.gen_bool(0.12) => index_of(&mut rng, CURRENCIES),
                None => currency,
            };
            let exchange_rate = cross_rate(&mut rng, currency, subsidiary);
            let department = rng.gen_bool(0.85).then(|| department_of(&mut rng, refs.departments));
            let class = rng.gen_bool(0.5).then(|| index_of(&mut rng, CLASSES));
            let lines = match payment {
                Some((_, lines)) => lines,
                None => {
                    let total = total_cents(&mut rng, kind);
                    let (items, mixed) = match kind {
                        TransactionKind::VendorBill => (20, 15),
                        TransactionKind::PurchaseOrder => (70, 0),
                        TransactionKind::VendorCredit => (40, 0),
                        TransactionKind::VendorReturnAuthorization => (100, 0),
                        _ => (15, 0),
                    };
                    goods_lines(&mut rng, total, items, mixed, department, class, &categories, refs.departments)
                }
            };
            Txn {
                id,
                kind,
                number: 0,
                tran_date: slot.tran_date,
                entity: vendor_id,
                currency,
                subsidiary,
                exchange_rate,
                department,
                class,
                status: status(&mut rng, kind, age_days),
                terms_days: *pick(&mut rng, &[15u16, 30, 30, 30, 45, 60]),
                memo: maybe_memo(&mut rng, MEMOS, 0.8),
                total_cents: lines.iter().map(|l| l.amount_cents).sum(),
                created: slot.created,
                last_modified: slot.last_modified,
                lines,
            }
        };
        let k = txn.kind.index();
        txn.number = next_numbers[k];
        next_numbers[k] += 1;
        if txn.kind == TransactionKind::VendorBill && txn.status == Some("Open") {
            open_bills.entry(txn.entity).or_default().push(txns.len());
        }
        txns.push(txn);
        id += rng.gen_range(1..=3);
    }
    Generated { txns, next_numbers }
}

/// `count` credit card charges and refunds (about one in seven a refund) for `seed`, dated
/// like the other transactions over the three years before `anchor`, with expense lines like
/// bills' and ids above `after` (ascending in creation order). They come from a random stream
/// of their own, so the other transactions of a seed are the same with or without them. They
/// need vendors: without them none are made. Numbered from 1 per kind.
pub(crate) fn card_transactions(
    seed: u64,
    count: usize,
    anchor: DateTime<Utc>,
    refs: &Refs<'_>,
    after: Option<u64>,
) -> Vec<Txn> {
    if refs.vendors.is_empty() {
        return Vec::new();
    }
    let mut rng = rng_for(seed, "card_transactions", 0);
    let latest = truncate_to_seconds(anchor - TimeDelta::days(1));
    let last_date = pacific_day(latest) - Days::new(1);
    let first_date = last_date - Days::new(TRANSACTION_HISTORY_DAYS - 1);
    let span = (last_date - first_date).num_days();
    let mut slots: Vec<Slot> = (0..count)
        .map(|_| {
            let tran_date = first_date + Days::new(rng.gen_range(0..=span) as u64);
            let midnight = pacific_local_to_utc(tran_date.and_time(chrono::NaiveTime::MIN));
            let created = (midnight + TimeDelta::seconds(rng.gen_range(2 * 3600..=30 * 3600))).min(latest);
            let last_modified = if rng.gen_bool(0.6) {
                created
            } else {
                let room = (latest - created).num_seconds().clamp(0, 60 * 86_400);
                created + TimeDelta::seconds(rng.gen_range(0..=room))
            };
            Slot { tran_date, created, last_modified, report: false }
        })
        .collect();
    slots.sort_by_key(|s| s.created);
    let vendor_ids: Vec<u64> = refs.vendors.keys().copied().collect();
    let categories = active_categories(refs.categories);
    let mut numbers = [1u32; 2];
    let mut id = after.map_or(FIRST_TRANSACTION_ID, |a| a + rng.gen_range(1..=3));
    let mut out = Vec::with_capacity(slots.len());
    for slot in slots {
        let vendor_id = vendor_ids[skewed_index(&mut rng, vendor_ids.len())];
        let (currency, subsidiary) = match refs.vendors.get(&vendor_id) {
            Some(v) => (currency_index(&v.currency), subsidiary_index(&v.subsidiary)),
            None => (0, 0),
        };
        let kind = if rng.gen_range(0..7) == 0 {
            TransactionKind::CreditCardRefund
        } else {
            TransactionKind::CreditCardCharge
        };
        let currency = if rng.gen_bool(0.15) { index_of(&mut rng, CURRENCIES) } else { currency };
        let exchange_rate = cross_rate(&mut rng, currency, subsidiary);
        let department = rng.gen_bool(0.85).then(|| department_of(&mut rng, refs.departments));
        let class = rng.gen_bool(0.5).then(|| index_of(&mut rng, CLASSES));
        let total = match kind {
            TransactionKind::CreditCardRefund => rng.gen_range(500..=50_000),
            _ => rng.gen_range(300..=250_000),
        };
        let lines = goods_lines(&mut rng, total, 0, 0, department, class, &categories, refs.departments);
        let k = usize::from(kind == TransactionKind::CreditCardRefund);
        let number = numbers[k];
        numbers[k] += 1;
        out.push(Txn {
            id,
            kind,
            number,
            tran_date: slot.tran_date,
            entity: vendor_id,
            currency,
            subsidiary,
            exchange_rate,
            department,
            class,
            status: None,
            terms_days: 0,
            memo: maybe_memo(&mut rng, MEMOS, 0.6),
            total_cents: lines.iter().map(|l| l.amount_cents).sum(),
            created: slot.created,
            last_modified: slot.last_modified,
            lines,
        });
        id += rng.gen_range(1..=3);
    }
    out
}

/// Picks up to three open bills of `vendor` in one currency (oldest first), marks them paid
/// and returns the currency and the apply lines paying them in full.
fn pay_bills(
    rng: &mut ChaCha8Rng,
    open_bills: &mut HashMap<u64, Vec<usize>>,
    txns: &mut [Txn],
    vendor: u64,
) -> Option<(u8, Vec<Line>)> {
    let open = open_bills.get_mut(&vendor)?;
    let first = *open.first()?;
    let currency = txns[first].currency;
    let want = rng.gen_range(1..=3);
    let mut chosen = Vec::with_capacity(want);
    open.retain(|&i| {
        if chosen.len() < want && txns[i].currency == currency {
            chosen.push(i);
            false
        } else {
            true
        }
    });
    let lines = chosen
        .into_iter()
        .map(|i| {
            let bill = &mut txns[i];
            bill.status = Some("Paid In Full");
            apply_line(bill, bill.total_cents)
        })
        .collect();
    Some((currency, lines))
}

/// An apply line paying `amount` cents of `bill`.
fn apply_line(bill: &Txn, amount: i64) -> Line {
    Line {
        amount_cents: amount,
        memo: None,
        department: None,
        class: None,
        detail: LineDetail::Apply {
            doc: Some(bill.id),
            ref_num: bill.tran_id(),
            date: bill.tran_date,
            doc_total_cents: bill.total_cents,
        },
    }
}

/// Why a [`NewTransaction`] cannot be added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NewTxnError {
    /// The entity is not a vendor (or, for an expense report, not an employee).
    UnknownEntity,
    /// The total is not positive or has more than two decimal places.
    BadTotal,
    /// The `type_enum` is not a kind the simulator generates.
    UnknownType,
}

/// Builds the transaction `new` describes, with id `id`, sequence number `number`, created
/// and last modified at `now`, and one line holding the whole total.
pub(crate) fn new_transaction(
    new: &NewTransaction,
    id: u64,
    number: u32,
    now: DateTime<Utc>,
    refs: &Refs<'_>,
    bills: &[Txn],
) -> Result<Txn, NewTxnError> {
    let kind = new.kind().ok_or(NewTxnError::UnknownType)?;
    let total = to_cents(new.total).filter(|c| *c > 0).ok_or(NewTxnError::BadTotal)?;
    let entity: u64 = new.entity_id.trim().parse().map_err(|_| NewTxnError::UnknownEntity)?;
    let categories = active_categories(refs.categories);
    let category = categories.first().copied();
    let (currency, subsidiary, department) = if kind.is_vendor_side() {
        let v = refs.vendors.get(&entity).ok_or(NewTxnError::UnknownEntity)?;
        (currency_index(&v.currency), subsidiary_index(&v.subsidiary), None)
    } else {
        let e =
            refs.employees.iter().find(|e| e.internal_id == new.entity_id.trim()).ok_or(NewTxnError::UnknownEntity)?;
        (
            currency_index(&e.currency),
            subsidiary_index(&e.subsidiary),
            Some(department_index(refs.departments, &e.department)),
        )
    };
    let line = match kind {
        TransactionKind::VendorPayment => {
            let bill = bills.iter().rev().find(|t| t.kind == TransactionKind::VendorBill && t.entity == entity);
            match bill {
                Some(b) => apply_line(b, total),
                None => Line {
                    amount_cents: total,
                    memo: None,
                    department: None,
                    class: None,
                    detail: LineDetail::Apply {
                        doc: None,
                        ref_num: String::new(),
                        date: new.tran_date,
                        doc_total_cents: total,
                    },
                },
            }
        }
        TransactionKind::VendorReturnAuthorization => Line {
            amount_cents: total,
            memo: Some(Cow::Borrowed(ITEMS[0].2)),
            department,
            class: None,
            detail: LineDetail::Item { item: 0, quantity: 1 },
        },
        TransactionKind::ExpenseReport => Line {
            amount_cents: total,
            memo: None,
            department,
            class: None,
            detail: LineDetail::Report {
                expense_date: new.tran_date,
                category: category.map(|c| c.id),
                currency,
                foreign_cents: total,
                exchange_rate: Decimal::new(10, 1),
            },
        },
        _ => Line {
            amount_cents: total,
            memo: None,
            department,
            class: None,
            detail: LineDetail::Expense {
                category: category.map(|c| c.id),
                account: category.map_or(0, |c| c.account),
            },
        },
    };
    let status = match kind {
        TransactionKind::VendorBill => Some("Open"),
        TransactionKind::PurchaseOrder => Some("Pending Receipt"),
        TransactionKind::VendorReturnAuthorization => Some("_pendingApproval"),
        TransactionKind::ExpenseReport => Some("Pending Supervisor Approval"),
        _ => None,
    };
    Ok(Txn {
        id,
        kind,
        number,
        tran_date: new.tran_date,
        entity,
        currency,
        subsidiary,
        exchange_rate: Decimal::new(10, 1),
        department,
        class: None,
        status,
        terms_days: 30,
        memo: None,
        total_cents: total,
        created: now,
        last_modified: now,
        lines: vec![line],
    })
}

/// Changes `t` as a user editing it would: a new memo (mutation `mutation`) and a new amount
/// on its first line, the total following; last modified at `now`.
pub(crate) fn modify(rng: &mut ChaCha8Rng, t: &mut Txn, mutation: u64, now: DateTime<Utc>) {
    t.memo = Some(Cow::Owned(format!("{} (revised #{mutation})", pick(rng, MEMOS))));
    if let Some(line) = t.lines.first_mut() {
        let a = line.amount_cents;
        match &mut line.detail {
            LineDetail::Item { quantity, .. } => {
                let q = i64::from(*quantity).max(1);
                let units = (a / q).max(1);
                let step = rng.gen_range(1..=(units / 10).max(1));
                line.amount_cents = if units > step && rng.gen_bool(0.5) { a - step * q } else { a + step * q };
            }
            LineDetail::Apply { doc_total_cents, .. } => {
                // A payment can only pay less of the bill, or more up to the bill's total.
                let room = *doc_total_cents - a;
                line.amount_cents = if room > 0 { a + rng.gen_range(1..=room) } else { (a - (a / 10).max(1)).max(1) };
            }
            LineDetail::Report { foreign_cents, exchange_rate, .. } => {
                // At least one unit more, so the converted amount moves too.
                *foreign_cents += rng.gen_range(100..=(*foreign_cents / 10).max(200));
                line.amount_cents = convert(*foreign_cents, *exchange_rate);
            }
            LineDetail::Expense { .. } => {
                let step = rng.gen_range(1..=(a / 10).max(1));
                line.amount_cents = if a > step && rng.gen_bool(0.5) { a - step } else { a + step };
            }
        }
    }
    t.total_cents = t.line_sum();
    t.last_modified = now.max(t.created);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::generate::vendors;
    use crate::model::generate_org::employees;

    fn anchor() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-05-01T00:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn world(seed: u64, vendors_n: usize) -> (BTreeMap<u64, SimVendor>, Vec<SimEmployee>, Vec<SimExpenseCategory>) {
        let vs = vendors(seed, vendors_n, anchor()).into_iter().map(|v| (v.internal_id.parse().unwrap(), v)).collect();
        (vs, employees(seed, 40, anchor(), &[]), expense_categories(12))
    }

    #[test]
    fn same_seed_same_transactions() {
        let (v, e, c) = world(3, 100);
        let d = fixed_departments();
        let refs = Refs { vendors: &v, employees: &e, categories: &c, departments: &d };
        let a = transactions(3, 2000, 300, anchor(), &refs);
        let b = transactions(3, 2000, 300, anchor(), &refs);
        assert_eq!(a.txns, b.txns);
        assert_eq!(a.txns.len(), 2300);
        let other = transactions(4, 2000, 300, anchor(), &refs);
        assert_ne!(a.txns, other.txns);
    }

    #[test]
    fn transactions_are_consistent() {
        let (v, e, c) = world(11, 300);
        let d = fixed_departments();
        let refs = Refs { vendors: &v, employees: &e, categories: &c, departments: &d };
        let g = transactions(11, 5000, 800, anchor(), &refs);
        let latest = anchor() - TimeDelta::days(1);
        let first_day = pacific_day(latest) - Days::new(3 * 365);
        let mut per_kind = [0usize; 7];
        for w in g.txns.windows(2) {
            assert!(w[0].id < w[1].id);
            assert!(w[0].created <= w[1].created);
        }
        for t in &g.txns {
            per_kind[t.kind.index()] += 1;
            assert_eq!(t.total_cents, t.line_sum(), "{t:?}");
            assert!(t.total_cents > 0 && !t.lines.is_empty());
            assert!(t.lines.iter().all(|l| l.amount_cents > 0));
            assert!(t.created <= t.last_modified && t.last_modified <= latest);
            assert!(t.tran_date >= first_day && t.tran_date < pacific_day(latest));
            assert!(t.id >= FIRST_TRANSACTION_ID);
            if t.kind.is_vendor_side() {
                assert!(v.contains_key(&t.entity));
            } else {
                assert!(e.iter().any(|x| x.internal_id == t.entity.to_string()));
            }
            for l in &t.lines {
                match &l.detail {
                    LineDetail::Item { quantity, .. } => assert_eq!(l.amount_cents % i64::from(*quantity), 0),
                    LineDetail::Apply { doc, .. } => {
                        let bill = g.txns.iter().find(|b| Some(b.id) == *doc).unwrap();
                        assert_eq!(
                            (bill.kind, bill.entity, bill.currency),
                            (TransactionKind::VendorBill, t.entity, t.currency)
                        );
                        assert_eq!(bill.status, Some("Paid In Full"));
                    }
                    LineDetail::Report { foreign_cents, exchange_rate, .. } => {
                        assert_eq!(l.amount_cents, convert(*foreign_cents, *exchange_rate));
                    }
                    LineDetail::Expense { category: Some(c), .. } => assert!(*c as u64 >= FIRST_CATEGORY_ID),
                    LineDetail::Expense { .. } => {}
                }
            }
        }
        // Bills most, then purchase orders and payments; every kind present.
        let [bills, pos, credits, payments, checks, vras, reports] = per_kind;
        assert!(bills > pos && bills > payments && pos > credits && checks > vras, "{per_kind:?}");
        assert!(credits > 0 && vras > 0 && reports == 800, "{per_kind:?}");
        assert!(g.txns.iter().any(|t| t.currency != 0) && g.txns.iter().any(|t| t.subsidiary != 0));
        assert!(g.txns.iter().any(|t| t.lines.iter().any(Line::is_item) && !t.lines.iter().all(Line::is_item)));
        assert!(g.txns.iter().any(|t| t.memo.as_deref().is_some_and(|m| m.contains('&'))));
        assert_eq!(g.next_numbers[TransactionKind::ExpenseReport.index()], 801);
    }

    #[test]
    fn card_transactions_are_consistent_and_leave_the_others_alone() {
        let (v, e, c) = world(11, 300);
        let d = fixed_departments();
        let refs = Refs { vendors: &v, employees: &e, categories: &c, departments: &d };
        let g = transactions(11, 2000, 100, anchor(), &refs);
        let after = g.txns.last().map(|t| t.id);
        let cards = card_transactions(11, 400, anchor(), &refs, after);
        assert_eq!(cards, card_transactions(11, 400, anchor(), &refs, after));
        assert_eq!(cards.len(), 400);
        assert!(cards[0].id > after.unwrap());
        assert!(cards.windows(2).all(|w| w[0].id < w[1].id && w[0].created <= w[1].created));
        let refunds = cards.iter().filter(|t| t.kind == TransactionKind::CreditCardRefund).count();
        assert!(refunds > 20 && refunds < 120, "{refunds}");
        for t in &cards {
            assert!(t.kind.is_card() && v.contains_key(&t.entity));
            assert_eq!(t.total_cents, t.line_sum());
            assert!(t.lines.iter().all(|l| matches!(l.detail, LineDetail::Expense { .. }) && l.amount_cents > 0));
        }
        // Other kinds are what they were.
        assert_eq!(g.txns, transactions(11, 2000, 100, anchor(), &refs).txns);
    }

    #[test]
    fn generating_a_large_account_is_fast() {
        let (v, e, c) = world(5, 2000);
        let d = fixed_departments();
        let refs = Refs { vendors: &v, employees: &e, categories: &c, departments: &d };
        let started = std::time::Instant::now();
        let g = transactions(5, 50_000, 5_000, anchor(), &refs);
        let took = started.elapsed();
        assert_eq!(g.txns.len(), 55_000);
        assert!(took < std::time::Duration::from_secs(2), "took {took:?}");
    }

    #[test]
    fn modify_keeps_totals_equal_to_lines() {
        let (v, e, c) = world(8, 50);
        let d = fixed_departments();
        let refs = Refs { vendors: &v, employees: &e, categories: &c, departments: &d };
        let mut g = transactions(8, 500, 100, anchor(), &refs);
        let mut rng = rng_for(8, "test", 0);
        for t in g.txns.iter_mut() {
            let before = t.total_cents;
            modify(&mut rng, t, 1, anchor());
            assert_eq!(t.total_cents, t.line_sum());
            assert!(t.lines.iter().all(|l| l.amount_cents > 0));
            assert_ne!(t.total_cents, before, "{t:?}");
            assert_eq!(t.last_modified, anchor());
        }
    }

    #[test]
    fn split_is_exact() {
        let mut rng = rng_for(1, "split", 0);
        for total in [1i64, 2, 7, 100, 12_345, 99_999_999] {
            for n in 1..=8 {
                let parts = split(&mut rng, total, n);
                assert_eq!(parts.iter().sum::<i64>(), total);
                assert!(parts.iter().all(|p| *p >= 1));
            }
        }
    }
}
