//! `cargo xtask dist`: publish-ready crates for any list of Tencent Cloud products, or all of them.
//!
//! What it writes into `--out` is a cargo workspace that can be published as it is:
//!
//! * the runtime crates every product crate needs (`tc-rules`, `tc-spec`, `sdk-core`, `tc-emulator`), copied from this
//!   repository (its tracked files), because a product crate is verified against them: `cargo package`
//!   verifies crates that depend on unpublished crates only when they are packaged in the same run;
//! * one `sdk-<product>` crate per product, generated from the specs with the same generator as
//!   `cargo xtask gen`, its manifest inheriting version, edition, licence, `rust-version` and repository from
//!   the output's workspace manifest (which is this repository's, with only the members changed), so every
//!   crate carries the same version as `sdk-core`; `cargo package` writes the inherited values out;
//! * the products this repository ships itself (`sdk-sms`, `sdk-sts`, `sdk-hunyuan`: generated code plus
//!   hand-written parts) are copied from the repository, not generated again, so a release never loses
//!   their hand-written parts (decision: the repository is their source of truth);
//! * every crate renamed to its crates.io name (`tencentcloud-api-<name>`, library name kept: see
//!   [`crate::release_names`]), without `repository`/`homepage`;
//! * `PRODUCTS.md`: the product index (product, Chinese and English name, crate, API versions, actions);
//! * `specs/` and its `SOURCES.md` when the specs were fetched;
//! * `bin/tcli`, the command-line tool with every product of the specs compiled in (when packaging every
//!   product, i.e. without `--products`).
//!
//! Specs: `--from <dir>` reads a `<product>/<version>/api.json` tree (tccli's `services/`, `api-specs/`, the
//! committed sample); without it, `tools/refresh_specs.py --tree` downloads the pinned tccli,
//! tccli-intl-en and tencentcloud-sdk-python wheels (the same pins as `cargo xtask import`) and writes the
//! tree with English docs and error codes. Then every crate is packaged with verification
//! ([`crate::package::run`]), unless `--no-package`; `--no-verify` packages without building.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::genall;

pub const USAGE: &str = "cargo xtask dist --out <dir> [--from <specs dir>] [--products a,b,...] [--sdk <python sdk \
tencentcloud dir>] [--no-package | --no-verify]";

/// Hand-written crates the product crates build on, copied from the repository.
pub const RUNTIME: &[&str] = &["tc-rules", "tc-spec", "sdk-core", "tc-emulator"];
/// Marker file: `--out` is only ever written to if it is empty or has this file.
const MARKER: &str = ".dist-output";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Args {
    pub out: PathBuf,
    /// A spec tree; `None`: fetch the pinned sources.
    pub from: Option<PathBuf>,
    /// Products to release; empty: every product of the specs.
    pub products: Vec<String>,
    /// The Python SDK's `tencentcloud/` dir, for error codes of a tree without `errorcodes.json`.
    pub sdk: Option<PathBuf>,
    pub package: bool,
    pub verify: bool,
}

impl Args {
    pub fn parse(args: &[&str]) -> Result<Args, String> {
        let mut a = Args {
            package: true,
            verify: true,
            ..Args::default()
        };
        let mut it = args.iter();
        while let Some(&flag) = it.next() {
            let mut value = || crate::flag_value(&mut it, flag);
            match flag {
                "--out" => a.out = value()?.into(),
                "--from" => a.from = Some(value()?.into()),
                "--sdk" => a.sdk = Some(value()?.into()),
                "--products" => {
                    for p in value()?.split(',').filter(|s| !s.is_empty()) {
                        if !p
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                        {
                            return Err(format!(
                                "--products: {p:?} is not a product name (lower-case letters, digits, -)"
                            ));
                        }
                        a.products.push(p.to_string());
                    }
                }
                "--no-package" => a.package = false,
                "--no-verify" => a.verify = false,
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        if a.out.as_os_str().is_empty() {
            return Err("--out is required".into());
        }
        Ok(a)
    }
}

/// `tcli` with every product of `from` compiled in (the repository's own specs first), copied to
/// `<out>/bin/tcli`: the CLI's spec bundle is chosen by `TCLI_SPECS` (tc-cli/build.rs).
fn build_cli(root: &Path, out: &Path, from: &Path) -> Result<(), String> {
    let specs = std::env::join_paths([root.join("api-specs"), from.to_path_buf()]).map_err(|e| e.to_string())?;
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(root)
        .args(["build", "--release", "-p", "tc-cli", "--bin", "tcli"])
        .env("TCLI_SPECS", specs)
        .status()
        .map_err(|e| format!("cargo build tc-cli: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build tc-cli: {status}"));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    std::fs::create_dir_all(out.join("bin")).map_err(|e| e.to_string())?;
    std::fs::copy(target.join("release/tcli"), out.join("bin/tcli")).map_err(|e| format!("copy tcli: {e}"))?;
    eprintln!(
        "dist: tcli with every product written to {}",
        out.join("bin/tcli").display()
    );
    Ok(())
}

/// One product of the index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexRow {
    pub product: String,
    pub name_cn: String,
    pub name_en: String,
    pub krate: String,
    pub versions: Vec<String>,
    /// Versions with English documents (`api_en.json`).
    pub english: usize,
    pub actions: usize,
}

/// Run it; prints progress to stderr. `Ok(false)` when a spec did not generate or a crate did not package.
pub fn run(root: &Path, args: &Args) -> Result<bool, String> {
    let started = Instant::now();
    let out = prepare_out(&args.out)?;
    let from = match &args.from {
        Some(from) => from
            .canonicalize()
            .map_err(|e| format!("--from {}: {e}", from.display()))?,
        None => fetch(root, &out, &args.products)?,
    };
    let own = own_products(root)?;

    // Generate every wanted product the repository does not ship itself.
    let gen_args = genall::Args {
        from: from.clone(),
        out: out.clone(),
        sdk: args.sdk.clone(),
        only: args.products.clone(),
        ..genall::Args::default()
    };
    let (options, results) = genall::generate_specs(root, &gen_args)?;
    let (by_product, wanted_own, mut ok) = sort_generated(results, &own);
    if let Some(missing) = args
        .products
        .iter()
        .find(|p| !by_product.contains_key(*p) && !wanted_own.contains(p))
    {
        return Err(format!("{missing}: no such product in {}", from.display()));
    }
    let mut crates: Vec<String> = RUNTIME.iter().map(|s| s.to_string()).collect();
    crates.extend(wanted_own.iter().map(|p| format!("sdk-{p}")));
    for dir in &crates {
        copy_tracked(root, dir, &out)?;
    }
    crates.extend(write_generated_crates(&out, by_product, &options)?);
    let index = product_index(root, &from, &own, &args.products)?;
    write_workspace(root, &out, &crates, &index)?;
    // The CLI with every product: for a release of all products (a `--products` subset, as in CI, skips it).
    if args.package && args.products.is_empty() {
        build_cli(root, &out, &from)?;
    }
    eprintln!(
        "dist: {} crate(s) written to {} in {:.1}s; index: {}",
        crates.len(),
        out.display(),
        started.elapsed().as_secs_f64(),
        out.join("PRODUCTS.md").display()
    );
    if args.package && !package_crates(&out, &crates, args.verify, started) {
        ok = false;
    }
    Ok(ok)
}

/// What generated, by product, leaving out the products the repository ships itself (returned apart, in
/// order of first appearance); `false` when a spec did not generate (reported on stderr).
fn sort_generated(
    results: Vec<genall::SpecOutcome>,
    own: &[String],
) -> (BTreeMap<String, Vec<genall::Generated>>, Vec<String>, bool) {
    let mut ok = true;
    let mut by_product: BTreeMap<String, Vec<genall::Generated>> = BTreeMap::new();
    let mut wanted_own = Vec::new();
    for (r, generated) in results {
        if own.contains(&r.product) {
            if !wanted_own.contains(&r.product) {
                wanted_own.push(r.product.clone());
            }
            continue;
        }
        if let Some(e) = &r.error {
            eprintln!("{}/{}: FAILED: {e}", r.product, r.module);
            ok = false;
        }
        if let Some(g) = generated {
            by_product.entry(r.product).or_default().push(g);
        }
    }
    (by_product, wanted_own, ok)
}

/// Assembles and writes one crate per generated product; returns their directories in product order.
fn write_generated_crates(
    out: &Path,
    by_product: BTreeMap<String, Vec<genall::Generated>>,
    options: &codegen::Options,
) -> Result<Vec<String>, String> {
    let mut dirs = Vec::new();
    for (product, versions) in by_product {
        let krate = codegen::assemble_product(&product, versions, options).map_err(|e| e.to_string())?;
        for f in &krate.files {
            genall::write_if_changed(&out.join(&krate.dir).join(&f.path), &f.contents)?;
        }
        dirs.push(krate.dir);
    }
    Ok(dirs)
}

/// One index row per listed product (sorted, once each), read from the repository's own specs for the
/// products it ships, else from `from`.
fn product_index(root: &Path, from: &Path, own: &[String], products: &[String]) -> Result<Vec<IndexRow>, String> {
    let mut listed = args_or_all(from, products)?;
    listed.sort();
    listed.dedup();
    let mut index = Vec::new();
    for product in listed {
        let specs = if own.contains(&product) {
            root.join("api-specs")
        } else {
            from.to_path_buf()
        };
        index.push(index_row(&specs.join(&product), &product)?);
    }
    Ok(index)
}

/// The workspace manifest, release names, `Cargo.lock` (the repository's, when none yet) and `PRODUCTS.md`.
fn write_workspace(root: &Path, out: &Path, crates: &[String], index: &[IndexRow]) -> Result<(), String> {
    std::fs::write(out.join("Cargo.toml"), workspace_manifest(root, out, crates)?).map_err(|e| e.to_string())?;
    crate::release_names::apply(out, crates)?;
    if !out.join("Cargo.lock").exists() {
        std::fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock")).map_err(|e| e.to_string())?;
    }
    std::fs::write(out.join("PRODUCTS.md"), render_index(index)).map_err(|e| e.to_string())
}

/// `cargo package` of every crate under its registry name; `false` (reported on stderr) when it failed.
fn package_crates(out: &Path, crates: &[String], verify: bool, started: Instant) -> bool {
    let registry: Vec<String> = crates.iter().map(|c| codegen::naming::registry_name(c)).collect();
    let names: Vec<&str> = registry.iter().map(String::as_str).collect();
    let extra: &[&str] = if verify { &[] } else { &["--no-verify"] };
    match crate::package::run(out, &names, extra) {
        Ok(()) => {
            let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| out.join("target"), PathBuf::from);
            eprintln!(
                "dist: {} crate(s) packaged into {} ({:.1}s in all)",
                names.len(),
                target.join("package").display(),
                started.elapsed().as_secs_f64()
            );
            true
        }
        Err(e) => {
            eprintln!("dist: cargo package failed: {e}");
            false
        }
    }
}

/// `--out`, created, and either empty or made by an earlier `dist`.
fn prepare_out(out: &Path) -> Result<PathBuf, String> {
    let used = std::fs::read_dir(out).map(|mut d| d.next().is_some()).unwrap_or(false);
    if used && !out.join(MARKER).exists() {
        return Err(format!(
            "{} is not empty and was not made by dist; pick another --out",
            out.display()
        ));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    std::fs::write(out.join(MARKER), "made by `cargo xtask dist`\n").map_err(|e| e.to_string())?;
    out.canonicalize().map_err(|e| format!("{}: {e}", out.display()))
}

/// Download the pinned specs into `<out>/specs` with `tools/refresh_specs.py --tree`.
fn fetch(root: &Path, out: &Path, products: &[String]) -> Result<PathBuf, String> {
    let tree = out.join("specs");
    let mut cmd = Command::new("python3");
    cmd.arg(root.join("tools/refresh_specs.py")).arg("--tree").arg(&tree);
    for p in products {
        cmd.args(["--product", p]);
    }
    eprintln!("dist: fetching the pinned specs into {}", tree.display());
    let status = cmd.status().map_err(|e| format!("python3: {e}"))?;
    if !status.success() {
        return Err(format!(
            "tools/refresh_specs.py --tree failed ({status}); nothing was written"
        ));
    }
    Ok(tree)
}

/// The products this repository ships itself: its `sdk-<product>` workspace members.
fn own_products(root: &Path) -> Result<Vec<String>, String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?;
    Ok(crate::workspace_members(&manifest)?
        .into_iter()
        .filter_map(|m| m.strip_prefix("sdk-").map(str::to_string))
        .filter(|p| p != "core")
        .collect())
}

/// The wanted products, or every product of the tree.
fn args_or_all(from: &Path, products: &[String]) -> Result<Vec<String>, String> {
    if !products.is_empty() {
        return Ok(products.to_vec());
    }
    let mut all: Vec<String> = tc_spec::spec_dirs(from)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|s| s.product)
        .collect();
    all.dedup();
    Ok(all)
}

/// Copy the files git tracks under `dir` of the repository into `out/dir`.
fn copy_tracked(root: &Path, dir: &str, out: &Path) -> Result<(), String> {
    let listed = Command::new("git")
        .current_dir(root)
        .args(["ls-files", "-z", "--", dir])
        .output()
        .map_err(|e| format!("git ls-files: {e}"))?;
    if !listed.status.success() {
        return Err(format!("git ls-files {dir} failed"));
    }
    let files: Vec<&[u8]> = listed.stdout.split(|&b| b == 0).filter(|f| !f.is_empty()).collect();
    if files.is_empty() {
        return Err(format!("{dir}: no tracked files"));
    }
    for f in files {
        let rel = std::str::from_utf8(f).map_err(|_| format!("{dir}: a file name is not UTF-8"))?;
        let target = out.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::copy(root.join(rel), &target).map_err(|e| format!("{rel}: {e}"))?;
    }
    Ok(())
}

/// The repository's workspace manifest with `members` replaced, workspace dependencies on crates that are
/// not in the output dropped, and the repository's build profiles (tuned for its generator) left out.
pub fn workspace_manifest(root: &Path, out: &Path, members: &[String]) -> Result<String, String> {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let text = match text.find("\n[profile") {
        Some(at) => &text[..at + 1],
        None => &text[..],
    };
    let text = crate::with_workspace_members(text, members)?;
    let mut s = String::from("# Release workspace written by `cargo xtask dist`.\n");
    for line in text.lines() {
        let path = line
            .split_once("path = \"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(p, _)| p);
        if path.is_some_and(|p| !out.join(p).join("Cargo.toml").exists()) {
            continue;
        }
        let _ = writeln!(s, "{line}");
    }
    Ok(s)
}

/// One product's row, from the `api.json` (and `api_en.json`) of each of its versions under `dir`.
pub fn index_row(dir: &Path, product: &str) -> Result<IndexRow, String> {
    let mut row = IndexRow {
        product: product.to_string(),
        name_cn: String::new(),
        name_en: String::new(),
        krate: codegen::naming::registry_name(&format!("sdk-{product}")),
        versions: Vec::new(),
        english: 0,
        actions: 0,
    };
    let mut versions: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("api.json").exists())
        .collect();
    versions.sort();
    for v in &versions {
        let api = read_json(&v.join("api.json"))?;
        row.versions
            .push(v.file_name().unwrap_or_default().to_string_lossy().into_owned());
        row.actions += api["actions"].as_object().map_or(0, |a| a.len());
        // The newest version's names win.
        if let Some(name) = api["metadata"]["serviceNameCN"].as_str() {
            row.name_cn = name.trim().to_string();
        }
        if let Ok(en) = read_json(&v.join(tc_spec::ENGLISH_FILE)) {
            row.english += 1;
            // The English edition keeps the field's name; where it holds an English name, that is it (in
            // tccli-intl-en 3.1.189.1 it still holds the Chinese one, which is not shown twice).
            let name = en["metadata"]["serviceNameCN"].as_str().unwrap_or("").trim();
            if !name.is_empty() && name.is_ascii() {
                row.name_en = name.to_string();
            }
        }
    }
    if versions.is_empty() {
        return Err(format!("{}: no API version", dir.display()));
    }
    Ok(row)
}

fn read_json(file: &Path) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))
}

/// `PRODUCTS.md`: one table row per product.
pub fn render_index(rows: &[IndexRow]) -> String {
    let cell = |t: &str| {
        if t.is_empty() {
            "—".to_string()
        } else {
            t.replace('|', "\\|")
        }
    };
    let mut s = String::from(
        "# Products\n\nWritten by `cargo xtask dist`. One crate per product; each API version is a cargo feature.\n\n\
         | product | 中文名 | English name | crate | API versions | English docs | actions |\n|---|---|---|---|---|---|---:|\n",
    );
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | [`{}`](https://docs.rs/{}) | {} | {}/{} | {} |",
            r.product,
            cell(&r.name_cn),
            cell(&r.name_en),
            r.krate,
            r.krate,
            r.versions.join(", "),
            r.english,
            r.versions.len(),
            r.actions
        );
    }
    let actions: usize = rows.iter().map(|r| r.actions).sum();
    let _ = writeln!(
        s,
        "\n{} products, {actions} actions. English names are shown where a source has one: the English edition of \
         tccli names products in Chinese too; \"English docs\" counts the versions documented in English.",
        rows.len()
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_and_their_errors() {
        let a = Args::parse(&["--out", "/tmp/d", "--products", "cvm,vpc", "--no-verify"]).unwrap();
        assert_eq!(a.products, ["cvm", "vpc"]);
        assert!(a.package && !a.verify && a.from.is_none());
        assert_eq!(Args::parse(&["--products", "cvm"]).unwrap_err(), "--out is required");
        assert_eq!(Args::parse(&["--out"]).unwrap_err(), "--out needs a value");
        assert!(Args::parse(&["--out", "d", "--products", "../x"])
            .unwrap_err()
            .contains("\"../x\""));
        assert!(Args::parse(&["--out", "d", "--bogus"]).unwrap_err().contains("--bogus"));
    }

    #[test]
    fn the_index_names_both_languages_and_counts_actions_over_versions() {
        let dir = std::env::temp_dir().join(format!("dist-index-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (v, actions) in [("v20170312", r#"{"A":{},"B":{}}"#), ("v20190101", r#"{"C":{}}"#)] {
            std::fs::create_dir_all(dir.join(v)).unwrap();
            let api = format!(r#"{{"actions":{actions},"metadata":{{"serviceNameCN":"云服务器 {v}"}}}}"#);
            std::fs::write(dir.join(v).join("api.json"), api).unwrap();
        }
        std::fs::write(
            dir.join("v20190101").join(tc_spec::ENGLISH_FILE),
            r#"{"metadata":{"serviceNameCN":"Cloud Virtual Machine"}}"#,
        )
        .unwrap();
        let row = index_row(&dir, "cvm").unwrap();
        assert_eq!(row.actions, 3);
        assert_eq!(row.versions, ["v20170312", "v20190101"]);
        assert_eq!(
            (row.name_cn.as_str(), row.name_en.as_str()),
            ("云服务器 v20190101", "Cloud Virtual Machine")
        );
        let md = render_index(&[row]);
        assert!(md.contains("| cvm | 云服务器 v20190101 | Cloud Virtual Machine | [`tencentcloud-api-cvm`](https://docs.rs/tencentcloud-api-cvm) | v20170312, v20190101 | 1/2 | 3 |"), "{md}");
        assert!(index_row(&dir.join("nothing"), "x").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_workspace_manifest_keeps_what_exists_and_drops_profiles() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let out = std::env::temp_dir().join(format!("dist-manifest-{}", std::process::id()));
        std::fs::create_dir_all(out.join("sdk-core")).unwrap();
        std::fs::write(out.join("sdk-core/Cargo.toml"), "").unwrap();
        let text = workspace_manifest(&root, &out, &["sdk-core".into(), "sdk-cvm".into()]).unwrap();
        assert!(text.contains("members = [\"sdk-core\", \"sdk-cvm\"]"), "{text}");
        assert!(text.contains("sdk-core = { path = \"sdk-core\""), "{text}");
        assert!(!text.contains("path = \"codegen\""), "{text}");
        assert!(!text.contains("[profile"), "{text}");
        assert!(
            text.contains("[workspace.package]") && text.contains("version = "),
            "{text}"
        );
        let _ = std::fs::remove_dir_all(&out);
    }
}
