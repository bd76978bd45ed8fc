//! `cargo xtask paging-report --from <tccli services dir> [--out <file>]`: runs the generator's paging rules
//! (`codegen::ir::paging::classify`, the only copy of them) over every spec of a tccli `services/`
//! directory and writes which list actions get a paginator, by style, and which do not, grouped by reason
//! (default output: `docs/paginators-list.md`; the summary is also printed). `docs/paginators.md` quotes
//! the numbers.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use codegen::ir::paging::{classify, Outcome, Skip, Style};

pub const USAGE: &str = "cargo xtask paging-report --from <tccli services dir> [--out <file>]";

#[derive(Debug, Default)]
struct Tally {
    versions: usize,
    actions: usize,
    /// Paged, by style and whether a total is read: `offset + total`.
    paged: BTreeMap<String, usize>,
    /// Not covered: reason → (product/version → actions).
    skipped: BTreeMap<Skip, BTreeMap<String, Vec<String>>>,
    /// Paginators that send a documented maximum as the default page size.
    with_default_size: usize,
    /// Page-number paginators counting from 0.
    from_zero: usize,
    /// Paginators whose list is inside an object of the response.
    nested: usize,
    /// Spec folders that could not be read.
    errors: Vec<String>,
}

impl Tally {
    fn list_actions(&self) -> usize {
        self.paged.values().sum::<usize>() + self.skipped_count(None)
    }

    fn skipped_count(&self, reason: Option<Skip>) -> usize {
        self.skipped
            .iter()
            .filter(|(r, _)| reason.is_none_or(|want| **r == want))
            .flat_map(|(_, by_version)| by_version.values())
            .map(Vec::len)
            .sum()
    }
}

/// Parses the arguments and runs; `Err` says what was wrong.
pub fn run(root: &Path, args: &[&str]) -> Result<(), String> {
    let mut from = None;
    let mut out = root.join("docs/paginators-list.md");
    let mut it = args.iter();
    while let Some(&flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag {
            "--from" => from = Some(PathBuf::from(value)),
            "--out" => out = PathBuf::from(value),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let from = from.ok_or("--from is required")?;
    let tally = survey(&from)?;
    let text = report(&tally);
    std::fs::write(&out, &text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    print!(
        "{}",
        text.split("\n## Not covered, by action").next().unwrap_or_default()
    );
    println!("\nwrote {}", out.display());
    Ok(())
}

fn survey(from: &Path) -> Result<Tally, String> {
    let mut tally = Tally::default();
    for spec in tc_spec::spec_dirs(from).map_err(|e| e.to_string())? {
        let label = format!("{}/{}", spec.product, spec.module);
        let version = tc_spec::ProductVersion::load(&spec.dir)
            .map_err(|e| e.to_string())
            .and_then(|pv| codegen::ir::build(&pv, "services").map_err(|e| e.to_string()));
        let version = match version {
            Ok(v) => v,
            Err(e) => {
                tally.errors.push(format!("{label}: {e}"));
                continue;
            }
        };
        tally.versions += 1;
        tally.actions += version.actions.len();
        for action in &version.actions {
            match classify(&version, action) {
                Outcome::Paged(p) => {
                    let (default, first) = match &p.style {
                        Style::Offset { default_limit, .. } | Style::Token { default_limit, .. } => {
                            (default_limit.is_some(), 1)
                        }
                        Style::Page {
                            default_size, first, ..
                        } => (default_size.is_some(), *first),
                    };
                    tally.with_default_size += usize::from(default);
                    tally.from_zero += usize::from(first == 0);
                    tally.nested += usize::from(p.within.is_some());
                    let total = match (&p.style, &p.total) {
                        (Style::Token { .. }, _) => "",
                        (_, Some(_)) => " + total",
                        (_, None) => " without total",
                    };
                    *tally.paged.entry(format!("{}{total}", p.style.kind())).or_default() += 1;
                }
                Outcome::Skipped(reason) => tally
                    .skipped
                    .entry(reason)
                    .or_default()
                    .entry(label.clone())
                    .or_default()
                    .push(action.wire.clone()),
                Outcome::NotAList => {}
            }
        }
    }
    Ok(tally)
}

fn report(t: &Tally) -> String {
    let mut s = String::new();
    let paged: usize = t.paged.values().sum();
    let _ = writeln!(
        s,
        "# Paginators over every tccli spec\n\n<!-- @generated by `cargo xtask paging-report` — do not edit. -->\n\n\
         {} API versions, {} actions, {} list actions (a top-level list in the response, or paging members \
         with the list inside an object); {paged} get a paginator.\n",
        t.versions,
        t.actions,
        t.list_actions()
    );
    let _ = writeln!(s, "| paginated style | actions |\n|---|---|");
    for (style, n) in &t.paged {
        let _ = writeln!(s, "| {style} | {n} |");
    }
    let _ = writeln!(
        s,
        "| **all** | **{paged}** |\n\n{} paginators send the page size their spec documents as the maximum when \
         the caller sets none (the others leave it to the service); {} page-number paginators count from 0; {} \
         reach their list inside an object of the response (`Response.Data.List`).\n",
        t.with_default_size, t.from_zero, t.nested
    );
    let _ = writeln!(s, "| not covered, because | actions |\n|---|---|");
    for reason in t.skipped.keys() {
        let _ = writeln!(s, "| {} | {} |", reason.describe(), t.skipped_count(Some(*reason)));
    }
    let _ = writeln!(s, "| **all** | **{}** |", t.skipped_count(None));
    if !t.errors.is_empty() {
        let _ = writeln!(s, "\nSpec folders not read: {}", t.errors.join("; "));
    }
    let _ = writeln!(s, "\n## Not covered, by action");
    for (reason, by_version) in &t.skipped {
        let _ = writeln!(s, "\n### {}\n", reason.describe());
        for (version, actions) in by_version {
            let _ = writeln!(s, "- `{version}`: {}", actions.join(", "));
        }
    }
    s
}
