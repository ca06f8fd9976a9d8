//! Deterministic generation of account data and credentials from a seed.
//!
//! Everything here is a pure function of its inputs: the same seed, sizes and anchor time
//! always give the same vendors and the same credentials.

use chrono::{DateTime, TimeDelta, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::basics::clock::truncate_to_seconds;
use crate::model::records::{SimRef, SimVendor};

/// First words of company names.
const PREFIXES: &[&str] = &[
    "Northwind",
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Cyberdyne",
    "Soylent",
    "Tyrell",
    "Wonka",
    "Aperture",
    "Pied Piper",
    "Oceanic",
    "Virtucon",
    "Nakatomi",
    "Monarch",
    "Dunder Mifflin",
    "Sterling Cooper",
    "Bluth",
    "Blue Sun",
    "Weyland",
    "Rekall",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Litware",
    "Adatum",
];

/// Middle words of company names.
const MIDDLES: &[&str] = &[
    "Software",
    "Cloud",
    "Analytics",
    "Systems",
    "Labs",
    "Networks",
    "Consulting",
    "Logistics",
    "Security",
    "Data",
    "Robotics",
    "Solutions",
    "Media",
    "Supplies",
    "Hosting",
    "Telecom",
];

/// Legal-form suffixes and the top-level domain that goes with each.
const SUFFIXES: &[(&str, &str)] = &[
    ("Inc.", "com"),
    ("LLC", "com"),
    ("GmbH", "de"),
    ("Ltd", "co.uk"),
    ("SA", "fr"),
    ("BV", "nl"),
    ("AG", "ch"),
    ("Pty Ltd", "com.au"),
    ("Oy", "fi"),
    ("KK", "jp"),
];

/// Names that need XML escaping or are not ASCII, mixed in at fixed positions.
const SPECIAL_NAMES: &[&str] = &[
    "Müller & Söhne GmbH",
    "O'Reilly Cloud Services Ltd",
    "Ben & Jerry's Analytics LLC",
    "R&D <Prototype> Labs Inc.",
    "Société Générale de Logiciels SA",
    "\"Quoted\" Data Systems Inc.",
    "Łódź Software Sp. z o.o.",
    "日本データ株式会社",
    "AT&T Wholesale Telecom",
    "Smith > Jones Consulting LLP",
    "Ærøskøbing Hosting ApS",
    "Zürich Datennetze AG",
];

/// Every how many entity numbers a special name appears (entity numbers 3, 12, 21, ...).
const SPECIAL_EVERY: u64 = 9;

/// Local parts of vendor email addresses.
const EMAIL_LOCALS: &[&str] = &["ap", "billing", "accounts", "invoices", "finance"];

/// Vendor categories (internal id, name).
pub(crate) const CATEGORIES: &[(&str, &str)] = &[
    ("1", "Software"),
    ("2", "Consulting"),
    ("3", "Hardware"),
    ("4", "Telecom"),
    ("5", "Facilities"),
    ("6", "Professional Services"),
];

/// A currency, the subsidiary whose vendors use it, and how common it is.
pub(crate) struct CurrencyShare {
    /// Currency (internal id, name).
    pub currency: (&'static str, &'static str),
    /// Subsidiary (internal id, name); the currency is its base currency.
    pub subsidiary: (&'static str, &'static str),
    /// Share of vendors, in percent.
    pub percent: u32,
}

/// The department references of accounts without generated departments (internal id,
/// name): their transactions and employees point to these, which no department search
/// returns.
pub(crate) const DEPARTMENTS: &[(&str, &str)] = &[
    ("1", "Engineering"),
    ("2", "Sales"),
    ("3", "Marketing"),
    ("4", "Finance & Accounting"),
    ("5", "Operations"),
    ("6", "IT"),
    ("7", "Human Resources"),
    ("8", "Research & Development"),
];

/// Currencies of the simulated account; the shares add up to 100.
pub(crate) const CURRENCIES: &[CurrencyShare] = &[
    CurrencyShare { currency: ("1", "USA"), subsidiary: ("1", "Parent Company"), percent: 55 },
    CurrencyShare { currency: ("4", "EUR"), subsidiary: ("2", "Honeycomb Europe BV"), percent: 20 },
    CurrencyShare { currency: ("2", "GBP"), subsidiary: ("3", "Honeycomb UK Ltd"), percent: 15 },
    CurrencyShare { currency: ("3", "CAD"), subsidiary: ("4", "Honeycomb Canada Inc."), percent: 10 },
];

/// How far back generated vendors were created.
const HISTORY: TimeDelta = TimeDelta::days(6 * 365);
/// Generated vendors were all last modified at least this long before the anchor.
const QUIET_BEFORE_ANCHOR: TimeDelta = TimeDelta::days(1);
/// The first generated internal id.
const FIRST_ID: u64 = 1000;

/// The four secrets of an account's integration and token, in clear (the simulator is the
/// server: it must know them).
#[derive(Clone)]
pub(crate) struct Secrets {
    /// Consumer key, 64 hex characters.
    pub consumer_key: String,
    /// Consumer secret, 64 hex characters.
    pub consumer_secret: String,
    /// Token id, 64 hex characters.
    pub token_id: String,
    /// Token secret, 64 hex characters.
    pub token_secret: String,
}

/// FNV-1a of a string: a stable hash (std's hasher may change between Rust releases).
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// A random stream derived from an account seed, a purpose and a counter.
pub(crate) fn rng_for(seed: u64, purpose: &str, n: u64) -> ChaCha8Rng {
    let mixed = seed ^ fnv1a(purpose).rotate_left(17) ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    ChaCha8Rng::seed_from_u64(mixed)
}

fn hex64(rng: &mut ChaCha8Rng) -> String {
    let mut out = String::with_capacity(64);
    for _ in 0..32 {
        let b: u8 = rng.gen();
        out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
    }
    out
}

/// The credentials of an account: a function of its seed and id only.
pub(crate) fn secrets(seed: u64, account: &str) -> Secrets {
    let mut rng = rng_for(seed, &format!("credentials:{account}"), 0);
    Secrets {
        consumer_key: hex64(&mut rng),
        consumer_secret: hex64(&mut rng),
        token_id: hex64(&mut rng),
        token_secret: hex64(&mut rng),
    }
}

/// One item of `items`, uniformly.
pub(crate) fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

/// Lower-case ASCII letters and digits of `s`, common accented letters folded.
pub(crate) fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        let folded: &str = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => "a",
            'ç' | 'ć' => "c",
            'è' | 'é' | 'ê' | 'ë' => "e",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ñ' | 'ń' => "n",
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'ø' => "o",
            'ù' | 'ú' | 'û' | 'ü' => "u",
            'ß' => "ss",
            'æ' => "ae",
            'ł' => "l",
            'ś' => "s",
            'ź' | 'ż' => "z",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => continue,
        };
        out.push_str(folded);
    }
    out
}

/// A company name and the web domain that goes with it.
fn company(rng: &mut ChaCha8Rng, entity_no: u64) -> (String, String) {
    if entity_no % SPECIAL_EVERY == 3 {
        let idx = usize::try_from(entity_no / SPECIAL_EVERY).unwrap_or(0) % SPECIAL_NAMES.len();
        let name = SPECIAL_NAMES[idx];
        let mut base = slug(name);
        if base.is_empty() {
            base = format!("vendor{entity_no}");
        }
        return (name.to_string(), format!("{base}.com"));
    }
    let prefix = pick(rng, PREFIXES);
    let middle = pick(rng, MIDDLES);
    let (suffix, tld) = pick(rng, SUFFIXES);
    (format!("{prefix} {middle} {suffix}"), format!("{}{}.{tld}", slug(prefix), slug(middle)))
}

/// A currency and its subsidiary, drawn by the shares of [`CURRENCIES`].
pub(crate) fn currency_and_subsidiary(rng: &mut ChaCha8Rng) -> (SimRef, SimRef) {
    let mut roll = rng.gen_range(0..100u32);
    let share = CURRENCIES
        .iter()
        .find(|c| {
            let hit = roll < c.percent;
            roll = roll.saturating_sub(c.percent);
            hit
        })
        .unwrap_or(&CURRENCIES[0]);
    (SimRef::new(share.currency.0, share.currency.1), SimRef::new(share.subsidiary.0, share.subsidiary.1))
}

/// One vendor with generated descriptive fields and the given ids and times.
pub(crate) fn vendor(
    rng: &mut ChaCha8Rng,
    internal_id: u64,
    entity_no: u64,
    date_created: DateTime<Utc>,
    last_modified: DateTime<Utc>,
) -> SimVendor {
    let (company_name, domain) = company(rng, entity_no);
    let email = rng.gen_bool(0.9).then(|| format!("{}@{domain}", pick(rng, EMAIL_LOCALS)));
    let url = rng.gen_bool(0.8).then(|| format!("https://www.{domain}"));
    let category = rng.gen_bool(0.95).then(|| {
        let (id, name) = pick(rng, CATEGORIES);
        SimRef::new(*id, *name)
    });
    let (currency, subsidiary) = currency_and_subsidiary(rng);
    let is_inactive = rng.gen_bool(0.08);
    SimVendor {
        internal_id: internal_id.to_string(),
        entity_id: entity_id(entity_no),
        company_name,
        email,
        url,
        category,
        currency,
        subsidiary,
        is_inactive,
        date_created,
        last_modified,
    }
}

/// The `entityId` of the `n`th vendor (`V00042`).
pub(crate) fn entity_id(n: u64) -> String {
    format!("V{n:05}")
}

/// A new company name (for a vendor that rebrands).
pub(crate) fn rebrand(rng: &mut ChaCha8Rng, entity_no: u64) -> String {
    company(rng, entity_no.wrapping_add(1)).0
}

/// The domain part of an email address, or a domain made from the vendor's name.
pub(crate) fn email_domain(v: &SimVendor) -> String {
    match v.email.as_deref().and_then(|e| e.split_once('@')) {
        Some((_, d)) => d.to_string(),
        None => {
            let s = slug(&v.company_name);
            if s.is_empty() {
                format!("{}.com", v.entity_id.to_ascii_lowercase())
            } else {
                format!("{s}.com")
            }
        }
    }
}

/// The gap to the next internal id (real accounts have holes left by deleted records).
pub(crate) fn id_gap(rng: &mut ChaCha8Rng) -> u64 {
    rng.gen_range(1..=3)
}

/// `count` vendors for `seed`, created over the six years before `anchor` (and all last
/// modified at least a day before it), internal ids ascending in creation order, entity
/// numbers 1..=count.
pub(crate) fn vendors(seed: u64, count: usize, anchor: DateTime<Utc>) -> Vec<SimVendor> {
    let mut rng = rng_for(seed, "vendors", 0);
    let latest = truncate_to_seconds(anchor - QUIET_BEFORE_ANCHOR);
    let earliest = latest - HISTORY;
    let span = (latest - earliest).num_seconds().max(1);
    let mut created: Vec<DateTime<Utc>> =
        (0..count).map(|_| earliest + TimeDelta::seconds(rng.gen_range(0..span))).collect();
    created.sort();
    let mut out = Vec::with_capacity(count);
    let mut id = FIRST_ID;
    for (i, c) in created.into_iter().enumerate() {
        let modified = if rng.gen_bool(0.35) {
            c
        } else {
            let room = (latest - c).num_seconds().max(0);
            c + TimeDelta::seconds(rng.gen_range(0..=room))
        };
        out.push(vendor(&mut rng, id, i as u64 + 1, c, modified));
        id += id_gap(&mut rng);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-05-01T00:00:00Z").unwrap().with_timezone(&Utc)
    }

    #[test]
    fn same_seed_same_vendors_other_seed_other_vendors() {
        let a = vendors(7, 200, anchor());
        assert_eq!(a, vendors(7, 200, anchor()));
        assert_ne!(a, vendors(8, 200, anchor()));
    }

    #[test]
    fn vendors_are_plausible() {
        let vs = vendors(42, 1000, anchor());
        let ids: Vec<u64> = vs.iter().map(|v| v.internal_id.parse().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids ascending");
        assert_eq!(vs[41].entity_id, "V00042");
        let inactive = vs.iter().filter(|v| v.is_inactive).count();
        assert!((40..=130).contains(&inactive), "about 8% inactive, got {inactive}");
        for v in &vs {
            assert!(v.last_modified >= v.date_created);
            assert!(v.last_modified <= anchor() - TimeDelta::days(1));
            assert!(v.date_created >= anchor() - TimeDelta::days(6 * 365 + 2));
            assert_eq!(v.date_created.timestamp_subsec_nanos(), 0);
        }
        assert!(vs.iter().any(|v| v.company_name.contains('&')));
        assert!(vs.iter().any(|v| v.company_name.contains('<')));
        assert!(vs.iter().any(|v| v.company_name.contains('\'')));
        assert!(vs.iter().any(|v| v.company_name == "Müller & Söhne GmbH"));
        assert!(vs.iter().all(|v| v.email.as_deref().map_or(true, |e| e.is_ascii() && e.contains('@'))));
    }

    #[test]
    fn secrets_depend_on_seed_and_account() {
        let a = secrets(1, "1234567_SB1");
        assert_eq!(a.consumer_key, secrets(1, "1234567_SB1").consumer_key);
        assert_ne!(a.consumer_key, secrets(1, "1234567").consumer_key);
        assert_ne!(a.consumer_key, secrets(2, "1234567_SB1").consumer_key);
        for s in [&a.consumer_key, &a.consumer_secret, &a.token_id, &a.token_secret] {
            assert_eq!(s.len(), 64);
            assert!(s.bytes().all(|b| b.is_ascii_hexdigit()));
        }
    }
}
