//! sdk-core's modules form a layered graph: no top-level module imports, directly or through others, one
//! that imports it back, and nothing imports through the crate root's re-exports (which would hide such a
//! loop behind `lib.rs`). Read from the sources, so a new `use` that closes a loop fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module name → the top-level modules its files name as `crate::<module>`.
fn graph() -> (BTreeMap<String, BTreeSet<String>>, Vec<String>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().filter_map(|(top, _)| top.clone()).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut through_root = Vec::new();
    for (top, text) in &files {
        let Some(top) = top else { continue }; // lib.rs itself: declarations and re-exports
        edges.entry(top.clone()).or_default();
        for (line_no, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for name in crate_paths(code) {
                if !modules.contains(&name) {
                    through_root.push(format!("src/{top}: line {}: crate::{name}", line_no + 1));
                } else if &name != top {
                    edges.get_mut(top).unwrap().insert(name);
                }
            }
        }
    }
    (edges, through_root)
}

/// Every `crate::<ident>` in a line, including the members of `use crate::{a, b::c}` groups.
fn crate_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            out.extend(inner.split(',').map(|p| ident(p.trim())).filter(|s| !s.is_empty()));
        } else {
            out.push(ident(after));
        }
        rest = after;
    }
    out
}

fn ident(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// `(top-level module, text)` of every source file; `None` for `lib.rs`.
fn collect(dir: &Path, out: &mut Vec<(Option<String>, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
            continue;
        }
        let relative = path
            .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
            .unwrap();
        let first = relative.components().next().unwrap().as_os_str().to_str().unwrap();
        let top = match first.strip_suffix(".rs") {
            Some("lib") => None,
            Some(name) => Some(name.to_owned()),
            None => Some(first.to_owned()),
        };
        out.push((top, std::fs::read_to_string(&path).unwrap()));
    }
}

/// A cycle through `start`, if any, as the path of modules.
fn cycle_from(edges: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    fn walk(
        edges: &BTreeMap<String, BTreeSet<String>>,
        at: &str,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in edges.get(at).into_iter().flatten() {
            if next == start {
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(edges, next, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_owned()];
    walk(edges, start, start, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn no_import_goes_through_the_crate_root() {
    let (_, through_root) = graph();
    assert!(
        through_root.is_empty(),
        "import these from the module that defines them:\n{}",
        through_root.join("\n")
    );
}

#[test]
fn top_level_modules_have_no_import_cycle() {
    let (edges, _) = graph();
    assert!(edges.contains_key("call") && edges.contains_key("http"), "{edges:?}");
    for module in edges.keys() {
        if let Some(path) = cycle_from(&edges, module) {
            panic!("import cycle: {} -> {module}", path.join(" -> "));
        }
    }
    // The bottom of the request path imports nothing of the crate.
    assert_eq!(edges["http"], BTreeSet::new());
}

#[test]
fn the_checker_finds_a_cycle() {
    let mut edges = BTreeMap::new();
    edges.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    edges.insert("b".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(cycle_from(&edges, "a"), Some(vec!["a".to_owned(), "b".to_owned()]));
    assert_eq!(crate_paths("use crate::{error::Error, Client};"), ["error", "Client"]);
}
