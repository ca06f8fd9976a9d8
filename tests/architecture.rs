//! The shape of the house, checked: the import graph of the product (`src/`) and of the
//! stand-ins (`simulator/src/`) read from their `use` lines and `crate::`/`super::` paths.
//!
//! - Layers: a file may import only from its own layer or a lower one (see [`PRODUCT`] and
//!   [`STAND_INS`]; layers on the same level, such as `discovery` and `push`, do not import
//!   each other).
//! - No loops: no two files import each other, directly or around a circle. A re-export in a
//!   module's root (`pub use child::Item`) is transparent: an import of `Item` through the
//!   root counts as an import of the child's file, and the re-export itself is no edge.
//! - The stand-ins depend on nothing of the product, and the product names the stand-ins'
//!   crate only where the `demo` and `simulator` commands live.
//!
//! `cargo test --test architecture -- --nocapture` also prints the layers and their sizes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A layer: a name, its level (higher imports lower), and the module paths it holds
/// (`daemon` holds `daemon` and everything under it; `""` is the crate root).
struct Layer {
    name: &'static str,
    level: u32,
    modules: &'static [&'static str],
}

/// The product, top to bottom.
const PRODUCT: &[Layer] = &[
    Layer { name: "cli", level: 9, modules: &["", "cli"] },
    Layer { name: "demo (stand-ins' commands)", level: 8, modules: &["demo", "pg"] },
    Layer { name: "daemon", level: 7, modules: &["daemon"] },
    Layer { name: "discovery", level: 6, modules: &["discovery"] },
    Layer { name: "push", level: 6, modules: &["push"] },
    Layer { name: "governance", level: 5, modules: &["governance"] },
    Layer { name: "telemetry", level: 4, modules: &["telemetry"] },
    Layer { name: "config", level: 3, modules: &["config"] },
    Layer { name: "store", level: 2, modules: &["store"] },
    Layer { name: "netsuite (wire)", level: 1, modules: &["netsuite"] },
    Layer { name: "sys", level: 0, modules: &["sys"] },
];

/// The stand-ins, top to bottom: the NetSuite stand-in's HTTP server, protocol and model,
/// and the LeanIX stand-in beside them, both on the basics.
const STAND_INS: &[Layer] = &[
    Layer { name: "lib.rs (public API)", level: 9, modules: &[""] },
    Layer { name: "netsuite: http (server, pipeline, control)", level: 8, modules: &["http"] },
    Layer { name: "leanix (the LeanIX stand-in)", level: 8, modules: &["leanix"] },
    Layer { name: "netsuite: protocol (requests, searches, sessions, answers)", level: 7, modules: &["protocol"] },
    Layer { name: "netsuite: rest (SuiteQL: OAuth 1.0a, parser, tables, answers)", level: 7, modules: &["rest"] },
    Layer { name: "netsuite: model (accounts, generators)", level: 6, modules: &["model"] },
    Layer { name: "basics (ids, namespaces, TBA, clock, XML, serving)", level: 5, modules: &["basics"] },
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------
// Reading files: tokens without comments and literals.

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Path, // `::`
    Punct(char),
}

fn tokens(src: &str) -> Vec<Tok> {
    let b: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == '/' && b.get(i + 1) == Some(&'/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && b.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '"' || ((c == 'r' || c == 'b') && raw_string_start(&b, i).is_some()) {
            i = skip_string(&b, i);
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            if b.get(i + 1) == Some(&'\\') {
                i += 2;
                while i < b.len() && b[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            let word: String = b[start..i].iter().collect();
            // b"..", br"..", r#".."#: a literal after all.
            if (word == "b" || word == "r" || word == "br") && i < b.len() && (b[i] == '"' || b[i] == '#') {
                i = skip_string(&b, start);
                continue;
            }
            out.push(Tok::Ident(word));
        } else if c == ':' && b.get(i + 1) == Some(&':') {
            out.push(Tok::Path);
            i += 2;
        } else {
            if !c.is_whitespace() {
                out.push(Tok::Punct(c));
            }
            i += 1;
        }
    }
    out
}

/// At a `r"`/`r#"`/`br"` start, the number of `#`.
fn raw_string_start(b: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if b[j] == 'b' {
        j += 1;
    }
    if b.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while b.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    (b.get(j) == Some(&'"')).then_some(hashes)
}

/// Skips a string literal starting at `i` (plain, byte or raw); returns the index after it.
fn skip_string(b: &[char], i: usize) -> usize {
    if let Some(hashes) = raw_string_start(b, i) {
        let mut j = i;
        while b[j] != '"' {
            j += 1;
        }
        j += 1;
        while j < b.len() {
            if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                return j + 1 + hashes;
            }
            j += 1;
        }
        return j;
    }
    let mut j = i;
    while b[j] != '"' {
        j += 1;
    }
    j += 1;
    while j < b.len() {
        match b[j] {
            '\\' => j += 2,
            '"' => return j + 1,
            _ => j += 1,
        }
    }
    j
}

// ---------------------------------------------------------------------------------------
// Modules, imports and their resolution to files.

/// One import: the absolute module path it names (segments after `crate`), or an external
/// crate's path (first segment the crate's name), and whether it is a `pub use`.
#[derive(Debug, Clone)]
struct Import {
    path: Vec<String>,
    external: bool,
    reexport: bool,
    /// The name it is visible under (for re-exports).
    alias: Option<String>,
}

struct SourceFile {
    rel: String,
    lines: usize,
    imports: Vec<Import>,
}

fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if !(stem == "mod" || (parts.is_empty() && (stem == "lib" || stem == "main"))) {
        parts.push(stem.to_string());
    }
    parts
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Expands a use tree at `toks[*i]` into (path, alias) leaves.
fn use_tree(toks: &[Tok], i: &mut usize, prefix: Vec<String>, out: &mut Vec<(Vec<String>, Option<String>)>) {
    let mut path = prefix;
    if toks.get(*i) == Some(&Tok::Path) {
        *i += 1;
    }
    loop {
        match toks.get(*i) {
            Some(Tok::Ident(w)) => {
                path.push(w.clone());
                *i += 1;
                if toks.get(*i) == Some(&Tok::Path) {
                    *i += 1;
                    continue;
                }
                let mut alias = None;
                if toks.get(*i) == Some(&Tok::Ident("as".into())) {
                    if let Some(Tok::Ident(a)) = toks.get(*i + 1) {
                        alias = Some(a.clone());
                    }
                    *i += 2;
                }
                if path.last().map(String::as_str) == Some("self") {
                    path.pop();
                    let a = alias.or_else(|| path.last().cloned());
                    out.push((path, a));
                } else {
                    let a = alias.or_else(|| path.last().cloned());
                    out.push((path, a));
                }
                return;
            }
            Some(Tok::Punct('*')) => {
                *i += 1;
                path.push("*".into());
                out.push((path, None));
                return;
            }
            Some(Tok::Punct('{')) => {
                *i += 1;
                loop {
                    match toks.get(*i) {
                        Some(Tok::Punct('}')) => {
                            *i += 1;
                            return;
                        }
                        Some(Tok::Punct(',')) => *i += 1,
                        None => return,
                        _ => use_tree(toks, i, path.clone(), out),
                    }
                }
            }
            _ => return,
        }
    }
}

/// Turns a path as written in module `here` into an absolute one, or None for an external
/// crate (with its name).
fn absolute(here: &[String], written: &[String], local_children: &BTreeSet<String>) -> Result<Vec<String>, String> {
    let mut base: Vec<String> = here.to_vec();
    let mut rest = written;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        Some(first) if local_children.contains(first) => {}
        Some(first) => return Err(first.to_string()),
        None => {}
    }
    base.extend(rest.iter().cloned());
    Ok(base)
}

/// An import as read: (module it is written in, path as written, `pub use`, alias).
type RawImport = (Vec<String>, Vec<String>, bool, Option<String>);

fn read_crate(src: &Path) -> BTreeMap<Vec<String>, SourceFile> {
    let mut paths = Vec::new();
    rs_files(src, &mut paths);
    let mut files = BTreeMap::new();
    for p in paths {
        let rel = p.strip_prefix(src).unwrap().to_path_buf();
        if rel == Path::new("main.rs") {
            continue; // the binary: a crate of its own
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let module = module_of(&rel);
        let toks = tokens(&text);
        // Inline modules: (name, depth at its `{`).
        let mut inline: Vec<(String, usize)> = Vec::new();
        let mut depth = 0usize;
        let mut children = BTreeSet::new();
        let mut raw: Vec<RawImport> = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            let here: Vec<String> = module.iter().cloned().chain(inline.iter().map(|(n, _)| n.clone())).collect();
            match &toks[i] {
                Tok::Ident(w) if w == "mod" => {
                    if let Some(Tok::Ident(name)) = toks.get(i + 1) {
                        if inline.is_empty() {
                            children.insert(name.clone());
                        }
                        if toks.get(i + 2) == Some(&Tok::Punct('{')) {
                            depth += 1;
                            inline.push((name.clone(), depth));
                            i += 3;
                            continue;
                        }
                    }
                    i += 1;
                }
                Tok::Ident(w) if w == "use" => {
                    let reexport = is_pub(&toks, i);
                    let mut j = i + 1;
                    let mut leaves = Vec::new();
                    use_tree(&toks, &mut j, Vec::new(), &mut leaves);
                    for (path, alias) in leaves {
                        raw.push((here.clone(), path, reexport && inline.is_empty(), alias));
                    }
                    i = j;
                }
                Tok::Ident(w)
                    if (w == "crate" || w == "super" || w == "self") && toks.get(i + 1) == Some(&Tok::Path) =>
                {
                    let prev_is_path = i > 0 && toks[i - 1] == Tok::Path;
                    let mut path = vec![w.clone()];
                    let mut j = i + 1;
                    while toks.get(j) == Some(&Tok::Path) {
                        match toks.get(j + 1) {
                            Some(Tok::Ident(s)) => {
                                path.push(s.clone());
                                j += 2;
                            }
                            _ => break,
                        }
                    }
                    if !prev_is_path {
                        raw.push((here.clone(), path, false, None));
                    }
                    i = j;
                }
                Tok::Ident(w) if toks.get(i + 1) == Some(&Tok::Path) && !(i > 0 && toks[i - 1] == Tok::Path) => {
                    // Possibly an external crate path (`nsd_simulator::x`) or a child module.
                    let mut path = vec![w.clone()];
                    let mut j = i + 1;
                    while toks.get(j) == Some(&Tok::Path) {
                        match toks.get(j + 1) {
                            Some(Tok::Ident(s)) => {
                                path.push(s.clone());
                                j += 2;
                            }
                            _ => break,
                        }
                    }
                    raw.push((here.clone(), path, false, None));
                    i = j;
                }
                Tok::Punct('{') => {
                    depth += 1;
                    i += 1;
                }
                Tok::Punct('}') => {
                    if inline.last().is_some_and(|(_, d)| *d == depth) {
                        inline.pop();
                    }
                    depth = depth.saturating_sub(1);
                    i += 1;
                }
                _ => i += 1,
            }
        }
        let mut imports = Vec::new();
        for (here, written, reexport, alias) in raw {
            // `here` may be inside an inline module; its children are unknown: only the
            // file's own children count as relative roots.
            let local = if here.len() == module.len() { children.clone() } else { BTreeSet::new() };
            match absolute(&here, &written, &local) {
                Ok(path) => imports.push(Import { path, external: false, reexport, alias }),
                Err(_) => imports.push(Import { path: written, external: true, reexport, alias }),
            }
        }
        let lines = text.lines().count();
        files.insert(module.clone(), SourceFile { rel: rel.to_string_lossy().into_owned(), lines, imports });
    }
    files
}

fn is_pub(toks: &[Tok], use_at: usize) -> bool {
    match use_at.checked_sub(1).map(|k| &toks[k]) {
        Some(Tok::Ident(w)) if w == "pub" => true,
        Some(Tok::Punct(')')) => {
            // pub(crate) use / pub(super) use / pub(in path) use
            let mut k = use_at - 1;
            while k > 0 && toks[k] != Tok::Punct('(') {
                k -= 1;
            }
            k > 0 && toks[k - 1] == Tok::Ident("pub".into())
        }
        _ => false,
    }
}

/// The file an absolute path lands in, following re-exports in module roots.
fn resolve(files: &BTreeMap<Vec<String>, SourceFile>, path: &[String], hops: usize) -> Option<Vec<String>> {
    let k = (0..=path.len()).rev().find(|k| files.contains_key(&path[..*k]))?;
    let module = &path[..k];
    if hops < 16 {
        if let Some(item) = path.get(k) {
            let file = &files[module];
            for imp in &file.imports {
                if imp.reexport && !imp.external && imp.alias.as_deref() == Some(item.as_str()) {
                    let mut next = imp.path.clone();
                    next.extend(path[k + 1..].iter().cloned());
                    if let Some(target) = resolve(files, &next, hops + 1) {
                        return Some(target);
                    }
                }
            }
            // A glob re-export: the item may live in the glob's module.
            for imp in &file.imports {
                if imp.reexport && !imp.external && imp.path.last().map(String::as_str) == Some("*") {
                    let mut next = imp.path[..imp.path.len() - 1].to_vec();
                    next.extend(path[k..].iter().cloned());
                    if let Some(target) = resolve(files, &next, hops + 1) {
                        if target.len() > module.len() {
                            return Some(target);
                        }
                    }
                }
            }
        }
    }
    Some(module.to_vec())
}

/// File-level edges: importer → imported (distinct files), with the re-exports of module
/// roots left out.
fn edges(files: &BTreeMap<Vec<String>, SourceFile>) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut out: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (m, f) in files {
        let set = out.entry(m.clone()).or_default();
        for imp in &f.imports {
            if imp.external {
                continue;
            }
            let mut path = imp.path.clone();
            if path.last().map(String::as_str) == Some("*") {
                path.pop();
            }
            let Some(target) = resolve(files, &path, 0) else { continue };
            if &target == m {
                continue;
            }
            // A root re-exporting its own descendant is a façade, not a dependency.
            if imp.reexport && target.starts_with(m) {
                continue;
            }
            set.insert(target);
        }
    }
    out
}

fn layer_of<'a>(layers: &'a [Layer], module: &[String]) -> &'a Layer {
    let joined = module.join("::");
    layers
        .iter()
        .filter(|l| {
            l.modules.iter().any(|m| {
                if m.is_empty() {
                    module.is_empty()
                } else {
                    joined == *m || joined.starts_with(&format!("{m}::"))
                }
            })
        })
        .max_by_key(|l| l.modules.iter().map(|m| m.len()).max())
        .unwrap_or_else(|| panic!("module `{joined}` is in no layer: add it to tests/architecture.rs"))
}

/// Circles in the graph (strongly connected components of more than one file).
fn cycles(g: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<Vec<String>>> {
    // Tarjan.
    struct St<'a> {
        g: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<Vec<String>, usize>,
        low: BTreeMap<Vec<String>, usize>,
        on: BTreeSet<Vec<String>>,
        stack: Vec<Vec<String>>,
        next: usize,
        out: Vec<Vec<Vec<String>>>,
    }
    fn visit(s: &mut St, v: &Vec<String>) {
        s.index.insert(v.clone(), s.next);
        s.low.insert(v.clone(), s.next);
        s.next += 1;
        s.stack.push(v.clone());
        s.on.insert(v.clone());
        let succ: Vec<Vec<String>> = s.g.get(v).map(|x| x.iter().cloned().collect()).unwrap_or_default();
        for w in succ {
            if !s.index.contains_key(&w) {
                visit(s, &w);
                let lw = s.low[&w];
                let lv = s.low[v];
                s.low.insert(v.clone(), lv.min(lw));
            } else if s.on.contains(&w) {
                let iw = s.index[&w];
                let lv = s.low[v];
                s.low.insert(v.clone(), lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            loop {
                let w = s.stack.pop().unwrap();
                s.on.remove(&w);
                let done = &w == v;
                comp.push(w);
                if done {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = St {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        on: BTreeSet::new(),
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

fn name(files: &BTreeMap<Vec<String>, SourceFile>, m: &[String]) -> String {
    files.get(m).map(|f| f.rel.clone()).unwrap_or_else(|| m.join("::"))
}

/// Every broken rule of one crate, as text.
fn violations(src: &Path, layers: &[Layer], forbidden_crates: &[(&str, &[&str])]) -> Vec<String> {
    let files = read_crate(src);
    let g = edges(&files);
    let mut out = Vec::new();
    for (from, tos) in &g {
        let lf = layer_of(layers, from);
        for to in tos {
            let lt = layer_of(layers, to);
            if lf.name != lt.name && lt.level >= lf.level {
                out.push(format!(
                    "{} ({}) imports {} ({}): not a lower layer",
                    name(&files, from),
                    lf.name,
                    name(&files, to),
                    lt.name
                ));
            }
        }
    }
    for c in cycles(&g) {
        let names: Vec<String> = c.iter().map(|m| name(&files, m)).collect();
        out.push(format!("import loop between files: {}", names.join(" <-> ")));
    }
    for (f, file) in &files {
        for imp in &file.imports {
            if !imp.external {
                continue;
            }
            for (krate, allowed) in forbidden_crates {
                if imp.path.first().map(String::as_str) == Some(*krate) && !allowed.iter().any(|a| f.join("::") == *a) {
                    out.push(format!("{} names `{}`: not allowed here", file.rel, imp.path.join("::")));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn report(title: &str, src: &Path, layers: &[Layer]) -> usize {
    let files = read_crate(src);
    let mut by_layer: BTreeMap<(u32, &str), (usize, usize)> = BTreeMap::new();
    for (m, f) in &files {
        let l = layer_of(layers, m);
        let e = by_layer.entry((l.level, l.name)).or_default();
        e.0 += 1;
        e.1 += f.lines;
    }
    let total: usize = by_layer.values().map(|v| v.1).sum();
    println!("{title}: {total} lines in {} files", files.len());
    for ((level, name), (n, lines)) in by_layer.iter().rev() {
        println!("  {level}  {name:<62} {n:>3} files {lines:>6} lines");
    }
    total
}

#[test]
fn product_layers_point_down_without_loops() {
    let v = violations(&root().join("src"), PRODUCT, &[("nsd_simulator", &["demo"]), ("netsuite_discovery", &[])]);
    assert!(v.is_empty(), "the product's import graph breaks its rules:\n{}", v.join("\n"));
}

#[test]
fn stand_in_layers_point_down_without_loops() {
    let v = violations(&root().join("simulator/src"), STAND_INS, &[("netsuite_discovery", &[])]);
    assert!(v.is_empty(), "the stand-ins' import graph breaks its rules:\n{}", v.join("\n"));
}

#[test]
fn the_stand_ins_depend_on_nothing_of_the_product() {
    let manifest = std::fs::read_to_string(root().join("simulator/Cargo.toml")).unwrap();
    let mut table = String::new();
    for line in manifest.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
        if line.starts_with('[') {
            table = line.to_string();
        } else if table.contains("dependencies") {
            assert!(
                !line.contains("netsuite-discovery")
                    && !line.contains("netsuite_discovery")
                    && !line.contains("\"..\""),
                "simulator/Cargo.toml depends on the product: {table} {line}"
            );
        }
    }
}

#[test]
fn print_layers() {
    let product = report("product (src/)", &root().join("src"), PRODUCT);
    let stand_ins = report("stand-ins (simulator/src/)", &root().join("simulator/src"), STAND_INS);
    println!("product {product} lines, stand-ins {stand_ins} lines");
}

/// The checker itself: it sees a loop, a re-export and an upward import.
#[test]
fn the_checker_sees_what_it_should() {
    let dir = std::env::temp_dir().join(format!("nsd-arch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("store")).unwrap();
    std::fs::create_dir_all(dir.join("daemon")).unwrap();
    std::fs::write(dir.join("lib.rs"), "pub mod store;\npub mod daemon;\n").unwrap();
    std::fs::write(dir.join("store/mod.rs"), "mod a;\nmod b;\npub use a::{A, Thing as Other};\n").unwrap();
    std::fs::write(
        dir.join("store/a.rs"),
        "use super::b::B; // a comment: crate::daemon::x\nlet s = \"crate::daemon\";\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("store/b.rs"),
        "pub fn f() { crate::store::Other::new(); }\n#[cfg(test)]\nmod tests { use super::*; }\n",
    )
    .unwrap();
    std::fs::write(dir.join("daemon/mod.rs"), "use crate::store::A;\n").unwrap();
    let v = violations(&dir, PRODUCT, &[]);
    assert_eq!(v, vec!["import loop between files: store/a.rs <-> store/b.rs".to_string()], "{v:?}");
    std::fs::write(dir.join("store/b.rs"), "pub fn f() { crate::daemon::g(); }\n").unwrap();
    std::fs::write(dir.join("daemon/mod.rs"), "pub fn g() {}\n").unwrap();
    let v = violations(&dir, PRODUCT, &[]);
    assert_eq!(v, vec!["store/b.rs (store) imports daemon/mod.rs (daemon): not a lower layer".to_string()], "{v:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
