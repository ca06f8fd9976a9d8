//! The content hash of a typed record: what decides whether an upsert writes a row and what
//! the outbox row carries.
//!
//! **What is hashed.** Every typed column of the row and, for invoices and costs, every line
//! (sorted by its key, duplicates dropped as the line insert drops them) — never `raw`. Two
//! transports (SOAP, SuiteQL) fill the same typed columns from different documents: a tenant
//! moved from one to the other sees no change.
//!
//! **How.** A canonical byte encoding — a version tag and the entity name, then each field in
//! a fixed order: absent/present tag, lengths as little-endian `u64` before text, booleans as
//! one byte, instants as microseconds since the epoch (Postgres `timestamptz` precision, so a
//! value stored and read back hashes the same), dates as days from 0001-01-01, money as the
//! normalized decimal text (`150.0` and `150.00` are the same amount, as `NUMERIC` equality
//! says) — hashed with SHA-256 (the `sha2` crate, already a dependency) and truncated to its
//! first 128 bits. SHA-256 is specified, not an implementation detail (unlike `std`'s
//! `DefaultHasher`), so hashes stored by one version are valid for the next; 128 bits make an
//! accidental collision among a tenant's rows negligible (about 2^-64 at 2^32 rows).
//!
//! Changing the encoding changes every hash, and so rewrites every row once and queues it:
//! bump [`VERSION`] only on purpose.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::netsuite::records::{ExpenseLine, TransactionLine};
use crate::netsuite::{Department, Employee, ExpenseCategory, ExpenseReport, Transaction, Vendor};

/// The encoding's version, hashed first.
pub const VERSION: &[u8] = b"nsd-content-v1";

/// A 128-bit content hash.
pub type ContentHash = [u8; 16];

/// The hash as the outbox stores it: 32 lowercase hex digits.
pub fn hex(h: &ContentHash) -> String {
    use std::fmt::Write;
    h.iter().fold(String::with_capacity(32), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The canonical encoding of one record, written into a reusable buffer.
struct Canon<'b> {
    buf: &'b mut Vec<u8>,
}

impl<'b> Canon<'b> {
    fn new(buf: &'b mut Vec<u8>, entity: &str) -> Self {
        buf.clear();
        buf.extend_from_slice(VERSION);
        buf.push(0);
        let mut c = Canon { buf };
        c.str(entity);
        c
    }

    fn str(&mut self, s: &str) {
        self.buf.extend_from_slice(&(s.len() as u64).to_le_bytes());
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn text(&mut self, v: Option<&str>) {
        match v {
            None => self.buf.push(0),
            Some(s) => {
                self.buf.push(1);
                self.str(s);
            }
        }
    }

    fn boolean(&mut self, b: bool) {
        self.buf.push(if b { 3 } else { 2 });
    }

    fn int(&mut self, i: i64) {
        self.buf.extend_from_slice(&i.to_le_bytes());
    }

    fn time(&mut self, v: Option<DateTime<Utc>>) {
        match v {
            None => self.buf.push(0),
            Some(t) => {
                self.buf.push(1);
                self.int(t.timestamp_micros());
            }
        }
    }

    fn date(&mut self, v: Option<NaiveDate>) {
        use chrono::Datelike;
        match v {
            None => self.buf.push(0),
            Some(d) => {
                self.buf.push(1);
                self.int(i64::from(d.num_days_from_ce()));
            }
        }
    }

    fn money(&mut self, v: Option<Decimal>) {
        match v {
            None => self.buf.push(0),
            Some(d) => {
                self.buf.push(1);
                self.str(&d.normalize().to_string());
            }
        }
    }

    fn finish(self) -> ContentHash {
        let digest = Sha256::digest(&self.buf[..]);
        let mut h = [0u8; 16];
        h.copy_from_slice(&digest[..16]);
        h
    }
}

/// Hashes records of one kind, reusing one buffer.
#[derive(Default)]
pub struct Hasher {
    buf: Vec<u8>,
}

impl Hasher {
    /// A vendor (`services`).
    pub fn vendor(&mut self, v: &Vendor) -> ContentHash {
        let mut c = Canon::new(&mut self.buf, "services");
        c.str(&v.internal_id);
        c.text(v.external_id.as_deref());
        c.text(v.entity_id.as_deref());
        c.text(v.company_name.as_deref());
        c.text(v.email.as_deref());
        c.text(v.url.as_deref());
        c.text(v.category.as_deref());
        c.text(v.currency.as_deref());
        c.text(v.subsidiary.as_deref());
        c.boolean(v.is_inactive);
        c.time(v.date_created);
        c.time(v.last_modified);
        c.finish()
    }

    /// A vendor-side transaction (`invoices`) with its `lines` (as [`invoice_lines`] keeps them).
    pub fn invoice(&mut self, t: &Transaction, lines: &[&TransactionLine]) -> ContentHash {
        let mut c = Canon::new(&mut self.buf, "invoices");
        c.str(&t.internal_id);
        c.str(&t.record_type);
        c.str(t.role.as_str());
        c.text(t.tran_id.as_deref());
        c.date(t.tran_date);
        c.text(t.vendor_id.as_deref());
        c.text(t.vendor_name.as_deref());
        c.money(t.total);
        c.money(t.amount);
        c.text(t.currency.as_deref());
        c.money(t.exchange_rate);
        c.text(t.subsidiary.as_deref());
        c.text(t.department.as_deref());
        c.text(t.memo.as_deref());
        c.text(t.status.as_deref());
        c.date(t.due_date);
        c.text(t.posting_period.as_deref());
        c.time(t.created);
        c.time(t.last_modified);
        c.int(lines.len() as i64);
        for l in lines {
            c.str(l.kind);
            c.int(i64::from(l.line));
            c.text(l.account.as_deref());
            c.text(l.item.as_deref());
            c.text(l.category.as_deref());
            c.money(l.amount);
            c.text(l.memo.as_deref());
            c.text(l.department.as_deref());
            c.text(l.class.as_deref());
        }
        c.finish()
    }

    /// An expense report (`costs`) with its `lines` (as [`cost_lines`] keeps them).
    pub fn cost(&mut self, t: &ExpenseReport, lines: &[&ExpenseLine]) -> ContentHash {
        let mut c = Canon::new(&mut self.buf, "costs");
        c.str(&t.internal_id);
        c.text(t.tran_id.as_deref());
        c.text(t.employee_id.as_deref());
        c.text(t.employee_name.as_deref());
        c.date(t.tran_date);
        c.money(t.total);
        c.text(t.currency.as_deref());
        c.text(t.status.as_deref());
        c.text(t.department.as_deref());
        c.text(t.memo.as_deref());
        c.time(t.created);
        c.time(t.last_modified);
        c.int(lines.len() as i64);
        for l in lines {
            c.int(i64::from(l.line));
            c.date(l.expense_date);
            c.text(l.category_id.as_deref());
            c.text(l.category_name.as_deref());
            c.money(l.amount);
            c.text(l.currency.as_deref());
            c.money(l.foreign_amount);
            c.money(l.exchange_rate);
            c.text(l.memo.as_deref());
            c.text(l.department.as_deref());
            c.text(l.ref_number.as_deref());
        }
        c.finish()
    }

    /// An expense category.
    pub fn expense_category(&mut self, e: &ExpenseCategory) -> ContentHash {
        let mut c = Canon::new(&mut self.buf, "expense_categories");
        c.str(&e.internal_id);
        c.text(e.name.as_deref());
        c.text(e.description.as_deref());
        c.boolean(e.is_inactive);
        c.finish()
    }

    /// A department (its subsidiaries in the order stored).
    pub fn department(&mut self, d: &Department) -> ContentHash {
        let mut c = Canon::new(&mut self.buf, "departments");
        c.str(&d.internal_id);
        c.text(d.name.as_deref());
        c.text(d.parent_id.as_deref());
        c.int(d.subsidiaries.len() as i64);
        for s in &d.subsidiaries {
            c.str(s);
        }
        c.boolean(d.is_inactive);
        c.finish()
    }

    /// An employee.
    pub fn employee(&mut self, e: &Employee) -> ContentHash {
        let mut c = Canon::new(&mut self.buf, "employees");
        c.str(&e.internal_id);
        c.text(e.entity_id.as_deref());
        c.text(e.first_name.as_deref());
        c.text(e.last_name.as_deref());
        c.text(e.email.as_deref());
        c.text(e.title.as_deref());
        c.text(e.department_id.as_deref());
        c.text(e.department_name.as_deref());
        c.text(e.subsidiary.as_deref());
        c.text(e.supervisor_id.as_deref());
        c.text(e.supervisor_name.as_deref());
        c.boolean(e.is_inactive);
        c.date(e.hire_date);
        c.date(e.release_date);
        c.text(e.employee_type.as_deref());
        c.text(e.employee_status.as_deref());
        c.text(e.location.as_deref());
        c.time(e.last_modified);
        c.finish()
    }
}

/// A transaction's lines as `invoice_lines` keeps them: sorted by key (kind, line), the first
/// of any duplicate key kept.
pub fn invoice_lines(t: &Transaction) -> Vec<&TransactionLine> {
    let mut lines: Vec<&TransactionLine> = t.lines.iter().collect();
    lines.sort_by(|a, b| (a.kind, a.line).cmp(&(b.kind, b.line)));
    lines.dedup_by(|b, a| (a.kind, a.line) == (b.kind, b.line));
    lines
}

/// An expense report's lines as `cost_lines` keeps them: sorted by line, the first of any
/// duplicate kept.
pub fn cost_lines(t: &ExpenseReport) -> Vec<&ExpenseLine> {
    let mut lines: Vec<&ExpenseLine> = t.lines.iter().collect();
    lines.sort_by_key(|l| l.line);
    lines.dedup_by_key(|l| l.line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vendor() -> Vendor {
        Vendor {
            internal_id: "7".into(),
            external_id: None,
            entity_id: Some("V-7".into()),
            company_name: Some("Acme".into()),
            email: None,
            url: None,
            category: None,
            currency: Some("USD".into()),
            subsidiary: None,
            is_inactive: false,
            date_created: None,
            last_modified: DateTime::from_timestamp(1_700_000_000, 123_456_789),
            raw: serde_json::json!({"a": 1}).into(),
        }
    }

    #[test]
    fn raw_is_not_hashed_typed_columns_are() {
        let mut h = Hasher::default();
        let a = vendor();
        let b = Vendor { raw: serde_json::json!({"something": "else"}).into(), ..vendor() };
        assert_eq!(h.vendor(&a), h.vendor(&b));
        let c = Vendor { email: Some("x@y".into()), ..vendor() };
        assert_ne!(h.vendor(&a), h.vendor(&c));
        // Text boundaries are unambiguous: ("ab", None) and ("a", "b") differ.
        let d = Vendor { entity_id: Some("V-".into()), company_name: Some("7Acme".into()), ..vendor() };
        assert_ne!(h.vendor(&a), h.vendor(&d));
    }

    #[test]
    fn stable_across_versions() {
        // A stored hash must stay valid: this value may only change with VERSION.
        assert_eq!(hex(&Hasher::default().vendor(&vendor())), "bea52e875407eaf93d3df58e11736b3e");
    }

    #[test]
    fn instants_at_postgres_precision_and_money_by_value() {
        let mut h = Hasher::default();
        let a = vendor();
        let b = Vendor { last_modified: DateTime::from_timestamp(1_700_000_000, 123_456_000), ..vendor() };
        assert_eq!(h.vendor(&a), h.vendor(&b));
        let mut c = Canon::new(&mut h.buf, "x");
        c.money(Some(Decimal::new(1500, 1)));
        let one = c.finish();
        let mut c = Canon::new(&mut h.buf, "x");
        c.money(Some(Decimal::new(15000, 2)));
        assert_eq!(one, c.finish());
    }
}
