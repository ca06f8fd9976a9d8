//! The parser's list-or-single table (`netsuite::schema`) is what the 2017_2 XSDs say: every
//! element under a record whose type is a list of repeated rows is in `LIST_ELEMENTS`, no other
//! is, and no element name is a list in one record and a single value in another.
//!
//! Reads `$NETSUITE_SHARED_DIR/netsuite-wsdl/2017_2/*.xsd` (default `../shared`); skips with a
//! message when they are absent, unless `NSD_REQUIRE_XSD=1`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use netsuite_discovery::netsuite::schema::{is_list, LIST_ELEMENTS, SINGLE_VALUES_NAMED_LIST};
use quick_xml::events::Event;
use quick_xml::Reader;

fn shared_dir() -> PathBuf {
    std::env::var_os("NETSUITE_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

/// A type's qualified name: (namespace URI, local name).
type QName = (String, String);

/// A child element of a complex type: name, type, maxOccurs.
struct Child {
    name: String,
    ty: Option<QName>,
    max_occurs: Option<String>,
}

#[derive(Default)]
struct ComplexType {
    base: Option<QName>,
    children: Vec<Child>,
}

/// Every named top-level complex type of the schema files, by qualified name.
fn read_types(dir: &std::path::Path) -> HashMap<QName, ComplexType> {
    let mut types = HashMap::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "xsd"))
        .collect();
    files.sort();
    assert!(files.len() > 40, "the 2017_2 schema files in {}", dir.display());
    for file in files {
        let xml = std::fs::read(&file).expect("read xsd");
        let mut reader = Reader::from_reader(xml.as_slice());
        let mut prefixes: HashMap<String, String> = HashMap::new();
        let mut tns = String::new();
        let mut depth = 0usize;
        let mut current: Option<(QName, ComplexType)> = None;
        loop {
            let event = reader.read_event().unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let (e, empty) = match event {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(e) => {
                    depth -= 1;
                    if depth == 1 && e.local_name().as_ref() == b"complexType" {
                        if let Some((name, ty)) = current.take() {
                            types.entry(name).or_insert(ty);
                        }
                    }
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            let mut attrs: HashMap<String, String> = HashMap::new();
            for a in e.attributes() {
                let a = a.expect("attribute");
                let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                attrs.insert(key, a.unescape_value().expect("value").into_owned());
            }
            let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
            if depth == 0 {
                tns = attrs.get("targetNamespace").cloned().unwrap_or_default();
                for (k, v) in &attrs {
                    if let Some(p) = k.strip_prefix("xmlns:") {
                        prefixes.insert(p.to_string(), v.clone());
                    }
                }
            }
            let resolve = |v: &str| -> QName {
                match v.split_once(':') {
                    Some((p, l)) => (prefixes.get(p).cloned().unwrap_or_else(|| p.to_string()), l.to_string()),
                    None => (tns.clone(), v.to_string()),
                }
            };
            match (depth, local.as_str()) {
                (1, "complexType") => {
                    if let Some(n) = attrs.get("name") {
                        current = Some(((tns.clone(), n.clone()), ComplexType::default()));
                    }
                }
                (d, "extension") if d > 1 => {
                    if let (Some((_, t)), Some(b)) = (current.as_mut(), attrs.get("base")) {
                        t.base = Some(resolve(b));
                    }
                }
                (d, "element") if d > 1 => {
                    if let (Some((_, t)), Some(n)) = (current.as_mut(), attrs.get("name")) {
                        t.children.push(Child {
                            name: n.clone(),
                            ty: attrs.get("type").map(|v| resolve(v)),
                            max_occurs: attrs.get("maxOccurs").cloned(),
                        });
                    }
                }
                _ => {}
            }
            if !empty {
                depth += 1;
            } else if depth == 1 && local == "complexType" {
                if let Some((name, ty)) = current.take() {
                    types.entry(name).or_insert(ty);
                }
            }
        }
    }
    types
}

/// The repeated children of a type, when it is a list of rows.
fn rows<'t>(types: &'t HashMap<QName, ComplexType>, ty: &QName) -> Vec<&'t Child> {
    types
        .get(ty)
        .map(|t| t.children.iter().filter(|c| c.max_occurs.as_deref().is_some_and(|m| m != "1")).collect())
        .unwrap_or_default()
}

/// Every element under `ty`, to any depth (rows, subrecords): name -> {is a list}.
fn walk(
    types: &HashMap<QName, ComplexType>,
    ty: &QName,
    depth: usize,
    seen: &mut Vec<QName>,
    out: &mut BTreeMap<String, BTreeSet<bool>>,
) {
    if depth > 10 || seen.contains(ty) {
        return;
    }
    let Some(t) = types.get(ty) else { return };
    seen.push(ty.clone());
    for c in &t.children {
        let Some(ct) = &c.ty else { continue };
        let r = rows(types, ct);
        out.entry(c.name.clone()).or_default().insert(!r.is_empty());
        if r.is_empty() {
            walk(types, ct, depth + 1, seen, out);
        } else {
            for row in r {
                if let Some(rt) = &row.ty {
                    walk(types, rt, depth + 2, seen, out);
                }
            }
        }
    }
    seen.pop();
}

fn quoted(names: &[&String]) -> String {
    names.iter().map(|n| format!("\"{n}\",")).collect::<Vec<_>>().join(" ")
}

#[test]
fn list_table_matches_the_2017_2_schema() {
    let dir = shared_dir().join("netsuite-wsdl/2017_2");
    if !dir.is_dir() {
        if std::env::var("NSD_REQUIRE_XSD").as_deref() == Ok("1") {
            panic!("{} is missing and NSD_REQUIRE_XSD=1", dir.display());
        }
        eprintln!("skipped: no 2017_2 XSDs at {} (set NETSUITE_SHARED_DIR)", dir.display());
        return;
    }
    let types = read_types(&dir);
    let records: Vec<&QName> = types
        .iter()
        .filter(|(_, t)| t.base.as_ref().is_some_and(|(ns, l)| l == "Record" && ns.contains("core_2017_2")))
        .map(|(n, _)| n)
        .collect();
    assert!(records.len() > 150, "record types found: {}", records.len());
    let mut names: BTreeMap<String, BTreeSet<bool>> = BTreeMap::new();
    for r in &records {
        walk(&types, r, 0, &mut Vec::new(), &mut names);
    }
    let ambiguous: Vec<&String> = names.iter().filter(|(_, s)| s.len() > 1).map(|(n, _)| n).collect();
    assert!(ambiguous.is_empty(), "names that are a list in one place and single in another: {ambiguous:?}");
    let lists: Vec<&String> = names.iter().filter(|(_, s)| s.contains(&true)).map(|(n, _)| n).collect();
    let singles: Vec<&String> =
        names.iter().filter(|(n, s)| n.ends_with("List") && !s.contains(&true)).map(|(n, _)| n).collect();
    let table: Vec<&str> = LIST_ELEMENTS.to_vec();
    let want: Vec<&str> = lists.iter().map(|s| s.as_str()).collect();
    assert_eq!(table, want, "LIST_ELEMENTS differs from the XSDs; the schema says:\n{}", quoted(&lists));
    let want_singles: Vec<&str> = singles.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        SINGLE_VALUES_NAMED_LIST.to_vec(),
        want_singles,
        "SINGLE_VALUES_NAMED_LIST differs from the XSDs; the schema says:\n{}",
        quoted(&singles)
    );

    // The record types the daemon reads, field by field.
    let core = |t: &str| types.keys().find(|(ns, l)| l == t && !ns.is_empty()).cloned();
    let mut checked = HashSet::new();
    for record in [
        "Vendor",
        "VendorBill",
        "Check",
        "PurchaseOrder",
        "VendorCredit",
        "VendorReturnAuthorization",
        "VendorPayment",
        "ExpenseReport",
        "ExpenseCategory",
        "Employee",
        "Department",
    ] {
        let q = core(record).unwrap_or_else(|| panic!("{record} in the XSDs"));
        for c in &types[&q].children {
            let list = c.ty.as_ref().is_some_and(|t| !rows(&types, t).is_empty());
            assert_eq!(is_list(c.name.as_bytes()), list, "{record}/{}", c.name);
            checked.insert(c.name.clone());
        }
    }
    for (field, list) in [("billAddressList", false), ("expenseList", true), ("subsidiaryList", true)] {
        assert!(checked.contains(field), "{field} is a field of a record the daemon reads");
        assert_eq!(is_list(field.as_bytes()), list, "{field}");
    }
}
