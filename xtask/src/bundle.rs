//! The emulator's bundle of specs. A published `tc-emulator` cannot read `api-specs/` (a crate package holds
//! only its own folder), so `cargo xtask gen` copies every spec file into `tc-emulator/specs/` and writes
//! `tc-emulator/src/bundled_specs.rs`, which compiles them in with `include_str!`. The folder belongs to the
//! generator: `gen --check` reports a copy that differs, is missing or is no longer produced.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where the copies go, relative to the workspace root.
pub const DIR: &str = "tc-emulator/specs";
/// The generated index, relative to the workspace root.
pub const INDEX: &str = "tc-emulator/src/bundled_specs.rs";
const SPEC_FILES: [&str; 3] = ["api.json", "examples.json", "errorcodes.json"];

/// One file the bundle consists of: a path relative to the workspace root and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: String,
    pub contents: String,
}

/// Every file of the bundle for the specs under `root/api-specs`: the copies, then the index.
pub fn files(root: &Path) -> Result<Vec<File>, String> {
    let dirs = tc_spec::spec_dirs(&root.join("api-specs")).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut index = String::new();
    for d in &dirs {
        let mut present = Vec::new();
        for name in SPEC_FILES {
            let source = d.dir.join(name);
            if !source.is_file() {
                continue;
            }
            let contents = std::fs::read_to_string(&source).map_err(|e| format!("{}: {e}", source.display()))?;
            out.push(File {
                path: format!("{DIR}/{}/{}/{name}", d.product, d.module),
                contents,
            });
            present.push(name);
        }
        entry(&mut index, &d.product, &d.module, &present);
    }
    out.push(File {
        path: INDEX.to_owned(),
        contents: index_file(&index),
    });
    Ok(out)
}

fn entry(index: &mut String, product: &str, module: &str, present: &[&str]) {
    let file = |name: &str| format!("include_str!(\"../specs/{product}/{module}/{name}\")");
    let _ = writeln!(index, "    Bundled {{");
    let _ = writeln!(index, "        product: \"{product}\",");
    let _ = writeln!(index, "        module: \"{module}\",");
    let _ = writeln!(index, "        api: {},", file("api.json"));
    let _ = writeln!(index, "        examples: {},", file("examples.json"));
    match present.contains(&"errorcodes.json") {
        true => {
            let _ = writeln!(index, "        error_codes: Some({}),", file("errorcodes.json"));
        }
        false => {
            let _ = writeln!(index, "        error_codes: None,");
        }
    }
    let _ = writeln!(index, "    }},");
}

fn index_file(entries: &str) -> String {
    format!(
        "// {} api-specs — do not edit.\n\
         //! The specs compiled into the emulator: copies of `api-specs/` that `cargo xtask gen` keeps in\n\
         //! `tc-emulator/specs/`, so that a published emulator serves them without this repository.\n\
         \n\
         use crate::catalog::Bundled;\n\
         \n\
         /// Every product version under `api-specs/`, sorted by product then version.\n\
         #[rustfmt::skip]\n\
         pub(crate) static BUNDLED: &[Bundled] = &[\n{entries}];\n",
        codegen::HEADER_MARK
    )
}

/// Files under `root/DIR` now, relative to `root`.
fn existing(root: &Path) -> BTreeSet<PathBuf> {
    fn walk(dir: &Path, out: &mut BTreeSet<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for p in rd.filter_map(|e| e.ok().map(|e| e.path())) {
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.insert(p);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&root.join(DIR), &mut out);
    out
}

/// What syncing the bundle did or, with `check`, found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sync {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
    pub problems: Vec<String>,
}

/// Writes the bundle under `root` (or, with `check`, compares it), removing copies no longer produced.
pub fn sync(root: &Path, check: bool) -> Result<Sync, String> {
    let mut s = Sync::default();
    let mut stale = existing(root);
    for f in files(root)? {
        let path = root.join(&f.path);
        stale.remove(&path);
        match std::fs::read_to_string(&path) {
            Ok(current) if current == f.contents => s.unchanged += 1,
            current if check => {
                let what = if current.is_ok() { "stale" } else { "missing" };
                s.problems.push(format!("{what}: {}", f.path));
            }
            _ => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
                }
                std::fs::write(&path, &f.contents).map_err(|e| format!("{}: {e}", f.path))?;
                s.written += 1;
            }
        }
    }
    for extra in stale {
        let shown = extra.strip_prefix(root).unwrap_or(&extra).display().to_string();
        if check {
            s.problems.push(format!("extra (no longer in api-specs): {shown}"));
        } else {
            std::fs::remove_file(&extra).map_err(|e| format!("{shown}: {e}"))?;
            s.removed += 1;
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("xtask-bundle-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dir = root.join("api-specs/sms/v20210111");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("api.json"), "{\"api\": 1}").unwrap();
        std::fs::write(dir.join("examples.json"), "{}").unwrap();
        root
    }

    #[test]
    fn copies_every_spec_file_and_indexes_them() {
        let root = workspace("copies");
        let files = files(&root).unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "tc-emulator/specs/sms/v20210111/api.json",
                "tc-emulator/specs/sms/v20210111/examples.json",
                INDEX
            ]
        );
        let index = &files[2].contents;
        assert!(
            index.contains("include_str!(\"../specs/sms/v20210111/api.json\")"),
            "{index}"
        );
        assert!(index.contains("error_codes: None"), "{index}");
        assert!(index.lines().next().unwrap().contains(codegen::HEADER_MARK));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn check_reports_stale_missing_and_extra_copies() {
        let root = workspace("check");
        assert_eq!(sync(&root, true).unwrap().problems.len(), 3);
        let written = sync(&root, false).unwrap();
        assert_eq!(written.written, 3);
        assert!(sync(&root, true).unwrap().problems.is_empty());
        std::fs::write(root.join(DIR).join("sms/v20210111/api.json"), "edited").unwrap();
        std::fs::write(root.join(DIR).join("sms/old.json"), "{}").unwrap();
        let problems = sync(&root, true).unwrap().problems;
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].starts_with("stale") && problems[1].starts_with("extra"),
            "{problems:?}"
        );
        let fixed = sync(&root, false).unwrap();
        assert_eq!((fixed.written, fixed.removed), (1, 1));
        let _ = std::fs::remove_dir_all(&root);
    }
}
