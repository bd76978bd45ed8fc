//! The work behind `cargo xtask gen [--check]` and `gen-all`, as a library so it can be tested.

pub mod bundle;
pub mod dist;
pub mod genall;
pub mod msrv;
pub mod package;
pub mod paging_report;
pub mod release_names;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The value after `flag` in a command line, or an error naming the flag.
pub fn flag_value(it: &mut std::slice::Iter<'_, &str>, flag: &str) -> Result<String, String> {
    it.next()
        .map(|v| v.to_string())
        .ok_or_else(|| format!("{flag} needs a value"))
}

/// What a run did (or, with `--check`, found).
#[derive(Debug, Default)]
pub struct Report {
    pub products: Vec<String>,
    pub versions: usize,
    pub actions: usize,
    pub types: usize,
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
    /// `--check` only: every stale, missing or extra file.
    pub problems: Vec<String>,
    pub workspace_updated: bool,
    pub elapsed: Duration,
    pub check: bool,
}

impl Report {
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} {} product(s) [{}]: {} version(s), {} action(s), {} type(s)",
            if self.check { "checked" } else { "generated" },
            self.products.len(),
            self.products.join(", "),
            self.versions,
            self.actions,
            self.types
        );
        if self.check {
            let _ = writeln!(
                s,
                "files: {} up to date, {} problem(s)",
                self.unchanged,
                self.problems.len()
            );
        } else {
            let _ = writeln!(
                s,
                "files: {} written, {} unchanged, {} stale removed{}",
                self.written,
                self.unchanged,
                self.removed,
                if self.workspace_updated {
                    "; workspace members updated"
                } else {
                    ""
                }
            );
        }
        let _ = writeln!(s, "elapsed: {:.2}s", self.elapsed.as_secs_f64());
        s
    }
}

/// Does this file start with the generator's header?
pub fn is_generated(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    text.lines().next().is_some_and(|l| l.contains(codegen::HEADER_MARK))
}

/// Files under `dir` that carry the generated header, skipping `examples/`, `tests/` and `target/`.
fn generated_files(dir: &Path, out: &mut BTreeSet<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
            if !matches!(name, "examples" | "tests" | "target") && !name.starts_with('.') {
                generated_files(&p, out);
            }
        } else if (name.ends_with(".rs") || name.ends_with(".toml") || name.ends_with(".md")) && is_generated(&p) {
            out.insert(p);
        }
    }
}

/// Generator options for the workspace at `root` ([`codegen::Options::for_workspace`]).
pub fn options_for(root: &Path) -> Result<codegen::Options, String> {
    codegen::Options::for_workspace(root)
}

/// Generate every product under `<root>/api-specs` into `<root>/sdk-<product>/` (or only compare, with `check`).
pub fn gen(root: &Path, check: bool) -> Result<Report, String> {
    let start = Instant::now();
    let crates = codegen::generate_all(&root.join("api-specs"), &options_for(root)?).map_err(|e| e.to_string())?;
    let mut r = Report {
        check,
        ..Report::default()
    };
    for c in &crates {
        r.products.push(c.product.clone());
        r.versions += c.versions;
        r.actions += c.actions;
        r.types += c.types;
        let dir = root.join(&c.dir);
        let mut existing = BTreeSet::new();
        generated_files(&dir, &mut existing);
        for f in &c.files {
            let path = dir.join(&f.path);
            existing.remove(&path);
            let current = std::fs::read_to_string(&path).ok();
            let shown = format!("{}/{}", c.dir, f.path);
            match current {
                Some(cur) if cur == f.contents => r.unchanged += 1,
                Some(_) if !is_generated(&path) && !check => {
                    return Err(format!(
                        "{shown} exists without the generated header; not overwriting it"
                    ));
                }
                cur if check => {
                    r.problems
                        .push(format!("{}: {shown}", if cur.is_some() { "stale" } else { "missing" }));
                }
                _ => {
                    if let Some(parent) = path.parent() {
                        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
                    }
                    std::fs::write(&path, &f.contents).map_err(|e| format!("{shown}: {e}"))?;
                    r.written += 1;
                }
            }
        }
        for extra in existing {
            let shown = extra.strip_prefix(root).unwrap_or(&extra).display().to_string();
            if check {
                r.problems
                    .push(format!("extra (generated, no longer produced): {shown}"));
            } else {
                std::fs::remove_file(&extra).map_err(|e| format!("{shown}: {e}"))?;
                r.removed += 1;
            }
        }
        let member = format!("sdk-{}", c.product);
        let manifest = root.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).map_err(|e| format!("Cargo.toml: {e}"))?;
        if let Some(updated) = add_workspace_member(&text, &member)? {
            if check {
                r.problems
                    .push(format!("Cargo.toml: workspace members lack {member:?}"));
            } else {
                std::fs::write(&manifest, updated).map_err(|e| format!("Cargo.toml: {e}"))?;
                r.workspace_updated = true;
            }
        }
    }
    // The emulator compiles the same specs in (see `bundle`).
    let b = bundle::sync(root, check)?;
    r.written += b.written;
    r.unchanged += b.unchanged;
    r.removed += b.removed;
    r.problems.extend(b.problems);
    r.elapsed = start.elapsed();
    Ok(r)
}

/// Where a manifest's workspace `members = [...]` list is: the text between its brackets.
fn members_span(manifest: &str) -> Result<std::ops::Range<usize>, String> {
    let start = manifest.find("members").ok_or("Cargo.toml: no workspace `members`")?;
    let open = start + manifest[start..].find('[').ok_or("Cargo.toml: malformed `members`")?;
    let close = open + manifest[open..].find(']').ok_or("Cargo.toml: malformed `members`")?;
    Ok(open + 1..close)
}

/// The workspace members a manifest lists, in its order.
pub fn workspace_members(manifest: &str) -> Result<Vec<String>, String> {
    let span = members_span(manifest)?;
    Ok(manifest[span]
        .split(',')
        .map(|m| m.trim().trim_matches('"'))
        .filter(|m| !m.is_empty())
        .map(str::to_string)
        .collect())
}

/// `manifest` with its workspace members replaced by `members` (one line: `["a", "b"]`).
pub fn with_workspace_members(manifest: &str, members: &[String]) -> Result<String, String> {
    let span = members_span(manifest)?;
    let list: Vec<String> = members.iter().map(|m| format!("\"{m}\"")).collect();
    Ok(format!(
        "{}{}{}",
        &manifest[..span.start],
        list.join(", "),
        &manifest[span.end..]
    ))
}

/// `members = [...]` of the root manifest with `member` added, or `None` if it is already there.
pub fn add_workspace_member(manifest: &str, member: &str) -> Result<Option<String>, String> {
    let span = members_span(manifest)?;
    let list = &manifest[span.clone()];
    let quoted = format!("\"{member}\"");
    if list.contains(&quoted) {
        return Ok(None);
    }
    let trimmed = list.trim_end();
    let sep = if trimmed.trim().is_empty() || trimmed.ends_with(',') {
        ""
    } else {
        ", "
    };
    let new_list = if list.contains('\n') {
        format!("{trimmed}{}\n    {quoted},\n", if sep.is_empty() { "" } else { "," })
    } else {
        format!("{trimmed}{sep}{quoted}")
    };
    Ok(Some(format!(
        "{}{}{}",
        &manifest[..span.start],
        new_list,
        &manifest[span.end..]
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_member_once() {
        let m = "[workspace]\nmembers = [\"spec\", \"codegen\"]\n";
        let out = add_workspace_member(m, "sdk-sms").unwrap().unwrap();
        assert_eq!(out, "[workspace]\nmembers = [\"spec\", \"codegen\", \"sdk-sms\"]\n");
        assert_eq!(add_workspace_member(&out, "sdk-sms").unwrap(), None);
        let multi = "members = [\n    \"spec\",\n]\n";
        assert_eq!(
            add_workspace_member(multi, "sdk-x").unwrap().unwrap(),
            "members = [\n    \"spec\",\n    \"sdk-x\",\n]\n"
        );
    }

    #[test]
    fn reads_and_replaces_members_on_one_line_or_many() {
        let one = "[workspace]\nmembers = [\"spec\", \"sdk-core\"]\n\n[workspace.package]\n";
        let many = "[workspace]\nmembers = [\n    \"spec\",\n    \"sdk-core\",\n]\n\n[workspace.package]\n";
        for m in [one, many] {
            assert_eq!(workspace_members(m).unwrap(), ["spec", "sdk-core"]);
            assert_eq!(
                with_workspace_members(m, &["a".into(), "b".into()]).unwrap(),
                "[workspace]\nmembers = [\"a\", \"b\"]\n\n[workspace.package]\n"
            );
        }
        assert!(workspace_members("[workspace]\n")
            .unwrap_err()
            .contains("no workspace `members`"));
        assert!(with_workspace_members("members = [\"a\"", &[])
            .unwrap_err()
            .contains("malformed"));
    }

    #[test]
    fn check_finds_stale_missing_and_extra_and_gen_fixes_them() {
        let root = std::env::temp_dir().join(format!("xtask-gen-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../codegen/tests/fixtures");
        copy_dir(&specs, &root.join("api-specs"));
        std::fs::write(root.join("Cargo.toml"), "[workspace]\nmembers = [\"spec\"]\n").unwrap();
        // A hand-written test and an unrelated file must survive.
        std::fs::create_dir_all(root.join("sdk-edge/tests")).unwrap();
        std::fs::write(
            root.join("sdk-edge/tests/mine.rs"),
            "// @generated by `cargo xtask gen` from x — do not edit.\n",
        )
        .unwrap();
        std::fs::create_dir_all(root.join("sdk-edge/src/old")).unwrap();
        let stale = format!("// {} api-specs/edge/old — do not edit.\n", codegen::HEADER_MARK);
        std::fs::write(root.join("sdk-edge/src/old/mod.rs"), &stale).unwrap();
        std::fs::write(root.join("sdk-edge/src/notes.rs"), "// mine\n").unwrap();

        let r = gen(&root, true).unwrap();
        assert!(
            r.problems.iter().any(|p| p.starts_with("missing: sdk-edge/src/lib.rs")),
            "{:?}",
            r.problems
        );
        assert!(
            r.problems
                .iter()
                .any(|p| p.contains("extra") && p.contains("old/mod.rs")),
            "{:?}",
            r.problems
        );
        assert!(
            r.problems.iter().any(|p| p.contains("workspace members")),
            "{:?}",
            r.problems
        );
        assert!(!root.join("sdk-edge/src/lib.rs").exists(), "--check wrote a file");

        let r = gen(&root, false).unwrap();
        assert!(
            r.written > 0 && r.removed == 1 && r.workspace_updated,
            "{}",
            r.summary()
        );
        assert!(!root.join("sdk-edge/src/old/mod.rs").exists());
        assert!(root.join("sdk-edge/tests/mine.rs").exists());
        assert!(root.join("sdk-edge/src/notes.rs").exists());
        let r = gen(&root, true).unwrap();
        assert!(r.problems.is_empty(), "{:?}", r.problems);

        let models = root.join("sdk-edge/src/v20200101/models.rs");
        std::fs::write(
            &models,
            format!("{}\n// edited\n", std::fs::read_to_string(&models).unwrap()),
        )
        .unwrap();
        let r = gen(&root, true).unwrap();
        assert_eq!(r.problems, vec!["stale: sdk-edge/src/v20200101/models.rs".to_string()]);
        let r = gen(&root, false).unwrap();
        assert_eq!((r.written, r.removed), (1, 0));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn custom_module_is_wired_in_and_never_touched() {
        let root = std::env::temp_dir().join(format!("xtask-custom-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../codegen/tests/fixtures");
        copy_dir(&specs, &root.join("api-specs"));
        std::fs::write(root.join("Cargo.toml"), "[workspace]\nmembers = []\n").unwrap();
        gen(&root, false).unwrap();
        let lib = root.join("sdk-edge/src/lib.rs");
        assert!(!std::fs::read_to_string(&lib).unwrap().contains("mod custom"));

        let custom = root.join("sdk-edge").join(codegen::CUSTOM_MODULE);
        std::fs::create_dir_all(custom.parent().unwrap()).unwrap();
        std::fs::write(&custom, "//! Hand-written.\npub mod extra;\n").unwrap();
        std::fs::write(custom.with_file_name("extra.rs"), "pub fn hello() {}\n").unwrap();
        let manifest = root.join("sdk-edge").join(codegen::CUSTOM_MANIFEST);
        std::fs::write(
            &manifest,
            "# mine\n[dependencies]\nitoa = \"1\"\n[features]\nfast = []\n",
        )
        .unwrap();
        let r = gen(&root, true).unwrap();
        assert_eq!(
            r.problems,
            vec![
                "stale: sdk-edge/Cargo.toml".to_string(),
                "stale: sdk-edge/src/lib.rs".to_string()
            ]
        );
        gen(&root, false).unwrap();
        let text = std::fs::read_to_string(&lib).unwrap();
        assert!(
            text.contains("mod custom;") && text.contains("pub use custom::*;"),
            "{text}"
        );
        assert_eq!(
            std::fs::read_to_string(&custom).unwrap(),
            "//! Hand-written.\npub mod extra;\n"
        );
        assert!(custom.with_file_name("extra.rs").exists());
        let toml = std::fs::read_to_string(root.join("sdk-edge/Cargo.toml")).unwrap();
        let deps = toml.split("[dev-dependencies]").next().unwrap();
        assert!(
            deps.contains("\nitoa = \"1\"\n") && deps.contains("\nfast = []\n"),
            "{toml}"
        );
        assert!(gen(&root, true).unwrap().problems.is_empty());
        std::fs::write(&manifest, "[package]\nname = \"x\"\n").unwrap();
        let err = gen(&root, true).unwrap_err();
        assert!(
            err.contains("manifest.toml") && err.contains("line 1") && err.contains("[package]"),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&root);
    }

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let p = e.unwrap().path();
            let dest = to.join(p.file_name().unwrap());
            if p.is_dir() {
                copy_dir(&p, &dest);
            } else {
                std::fs::copy(&p, &dest).unwrap();
            }
        }
    }
}
