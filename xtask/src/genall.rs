//! `cargo xtask gen-all`: generate every spec of a tccli `services/` directory (or any
//! `<product>/<version>/api.json` tree) into a scratch workspace outside the repository, `cargo check` it,
//! then build a small program that decodes every response example of every version into its generated
//! response type (through the `__roundtrip_example` hook each version has), and write a report.
//!
//! This is a check of the generator over specs that are not committed, not a way to publish crates: the
//! scratch workspace points at this repository's `sdk-core` by path. See `docs/all-products.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tc_spec::ProductVersion;

pub const USAGE: &str = "cargo xtask gen-all --from <specs dir> --out <scratch dir> [--sdk <python sdk dir>] \
[--only p[/vYYYYMMDD],...] [--target-dir <dir>] [--report <file>] [--no-check] [--no-examples]";

/// Marker file: `--out` is only ever written to if it is empty or has this file.
const MARKER: &str = ".gen-all-scratch";
const CHECKER: &str = "examples-check";

#[derive(Debug, Clone, Default)]
pub struct Args {
    /// `<product>/<version>/{api.json,examples.json[,errorcodes.json]}` tree (tccli's `services/`).
    pub from: PathBuf,
    /// Scratch workspace directory.
    pub out: PathBuf,
    /// The Python SDK's `tencentcloud/` directory: `<product>/<version>/errorcodes.py` is converted when a
    /// spec directory has no `errorcodes.json`.
    pub sdk: Option<PathBuf>,
    /// Only these products (`cvm`) or product versions (`cvm/v20170312`).
    pub only: Vec<String>,
    /// Cargo target directory (default: `CARGO_TARGET_DIR`, else `<out>/target`).
    pub target_dir: Option<PathBuf>,
    /// Markdown report (default: `<out>/report.md`).
    pub report: Option<PathBuf>,
    pub check: bool,
    pub examples: bool,
}

impl Args {
    pub fn parse(args: &[&str]) -> Result<Args, String> {
        let mut a = Args {
            check: true,
            examples: true,
            ..Args::default()
        };
        let mut it = args.iter();
        while let Some(&flag) = it.next() {
            let mut value = || crate::flag_value(&mut it, flag);
            match flag {
                "--from" => a.from = value()?.into(),
                "--out" => a.out = value()?.into(),
                "--sdk" => a.sdk = Some(value()?.into()),
                "--only" => a
                    .only
                    .extend(value()?.split(',').filter(|s| !s.is_empty()).map(str::to_string)),
                "--target-dir" => a.target_dir = Some(value()?.into()),
                "--report" => a.report = Some(value()?.into()),
                "--no-check" => a.check = false,
                "--no-examples" => a.examples = false,
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        if a.from.as_os_str().is_empty() || a.out.as_os_str().is_empty() {
            return Err("--from and --out are required".into());
        }
        Ok(a)
    }
}

/// Convert the Python SDK's `errorcodes.py` exactly as `tools/refresh_specs.py` does: every
/// `NAME = 'Code'` line takes the comment line directly above it as its description; sorted by code.
pub fn parse_errorcodes_py(source: &str) -> Result<Vec<tc_spec::ErrorCode>, String> {
    let mut codes = Vec::new();
    let mut comment: Vec<String> = Vec::new();
    for (i, line) in source.lines().enumerate() {
        if let Some(c) = line.strip_prefix('#') {
            comment.push(c.trim().to_string());
            continue;
        }
        let assignment = line.split_once(" = '").and_then(|(name, rest)| {
            let code = rest.strip_suffix('\'')?;
            let name_ok = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            (name_ok && !code.is_empty() && !code.contains('\'')).then_some(code)
        });
        if let Some(code) = assignment {
            let description = comment
                .pop()
                .ok_or_else(|| format!("line {}: error code {code} has no description comment", i + 1))?;
            codes.push(tc_spec::ErrorCode {
                code: code.to_string(),
                description,
            });
            comment.clear();
        } else if line.trim().is_empty() {
            comment.clear();
        } else {
            return Err(format!("line {}: unexpected line {line:?}", i + 1));
        }
    }
    codes.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(codes)
}

/// Response fields the spec says may be `null`, by how they are generated.
#[derive(Debug, Clone, Copy, Default)]
pub struct Nullable {
    /// `Option<T>`: a `null` is `None`.
    pub option: usize,
    /// Of those, members also marked `output_required` (plain `T` were it not for the null rule).
    pub option_required: usize,
    /// Plain `T` (a `null` would decode to the default): should be none.
    pub plain: usize,
}

/// One spec directory's fate.
#[derive(Debug, Clone)]
pub struct SpecResult {
    pub product: String,
    pub module: String,
    pub actions: usize,
    pub types: usize,
    /// Response fields the spec says may be `null` (`value_allowed_null`).
    pub nullable: Nullable,
    pub examples: usize,
    /// Generated bytes of this version's module.
    pub bytes: usize,
    pub error: Option<String>,
    pub warning: Option<String>,
}

/// What `cargo check` said about one crate.
#[derive(Debug, Clone, Default)]
pub struct CrateCheck {
    pub errors: Vec<String>,
    pub warnings: usize,
}

/// One example that did not decode.
#[derive(Debug, Clone)]
pub struct ExampleFailure {
    pub product: String,
    pub module: String,
    pub action: String,
    pub index: usize,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub specs: Vec<SpecResult>,
    pub generate_time: Duration,
    pub crates: usize,
    pub check_time: Option<Duration>,
    pub check_ok: Option<bool>,
    pub check: BTreeMap<String, CrateCheck>,
    pub build_time: Option<Duration>,
    pub run_time: Option<Duration>,
    pub responses_checked: usize,
    pub response_failures: Vec<ExampleFailure>,
    pub requests_checked: usize,
    pub request_failures: Vec<ExampleFailure>,
    /// Versions whose examples were not run (their crate did not compile).
    pub examples_skipped: Vec<String>,
    pub note: Vec<String>,
}

fn wanted(only: &[String], product: &str, module: &str) -> bool {
    only.is_empty() || only.iter().any(|o| o == product || *o == format!("{product}/{module}"))
}

fn list_dirs(d: &Path) -> Result<Vec<PathBuf>, String> {
    let rd = std::fs::read_dir(d).map_err(|e| format!("{}: {e}", d.display()))?;
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    Ok(v)
}

fn name_of(p: &Path) -> String {
    p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string()
}

/// Write `contents` unless the file already holds it (keeps mtimes, so cargo's fingerprints, stable).
pub fn write_if_changed(path: &Path, contents: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(contents) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, contents).map_err(|e| format!("{}: {e}", path.display()))
}

/// The scratch workspace manifest: the repository's own, with our members and absolute paths, so
/// dependency versions, features and profiles are the same as in the repository.
fn workspace_manifest(root: &Path, members: &[String]) -> Result<String, String> {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| format!("Cargo.toml: {e}"))?;
    let text = crate::with_workspace_members(&text, members)?;
    let root_s = root.display().to_string().replace('\\', "/");
    Ok(format!(
        "# Scratch workspace written by `cargo xtask gen-all`; not part of the repository.\n{}",
        text.replace("path = \"", &format!("path = \"{root_s}/"))
    ))
}

pub type Generated = (codegen::ir::Version, Vec<codegen::File>);
/// A spec's fate, and what it generated when it did.
pub type SpecOutcome = (SpecResult, Option<Generated>);

/// Load and generate every wanted spec of `args.from` (with `args.only` and `args.sdk`), on every core, in
/// discovery order; also the options the product crates are assembled with. Shared by `gen-all` and `dist`.
pub fn generate_specs(root: &Path, args: &Args) -> Result<(codegen::Options, Vec<SpecOutcome>), String> {
    // Which actions upload binary bodies or answer as streams is this repository's data (from the official
    // SDK), not the specs': a tccli tree has neither file.
    let binary_bodies = tc_spec::BinaryBodies::load(&root.join("api-specs")).map_err(|e| e.to_string())?;
    let options = codegen::Options {
        source_root: args.from.display().to_string(),
        binary_bodies,
        ..codegen::Options::default()
    };
    let streaming = repository_streaming_actions(root, &args.from)?;
    let specs: Vec<tc_spec::SpecDir> = tc_spec::spec_dirs(&args.from)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|s| wanted(&args.only, &s.product, &s.module))
        .collect();
    let results = parallel_map(specs, |spec| generate_spec(&spec, args, &options, streaming.as_ref()));
    Ok((options, results))
}

/// `api-specs/streaming-actions.json`, for a tree that has no list of its own (`ProductVersion::load` reads
/// the one beside the tree's product folders; tccli's `services/` has none).
fn repository_streaming_actions(root: &Path, from: &Path) -> Result<Option<tc_spec::StreamingActions>, String> {
    if from.join(tc_spec::STREAMING_FILE).exists() {
        return Ok(None);
    }
    let file = root.join("api-specs").join(tc_spec::STREAMING_FILE);
    tc_spec::StreamingActions::load(&file)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// The streaming actions of the tree: its own list, else the repository's.
fn streaming_list(root: &Path, from: &Path) -> Result<tc_spec::StreamingActions, String> {
    match repository_streaming_actions(root, from)? {
        Some(list) => Ok(list),
        None => tc_spec::StreamingActions::load(&from.join(tc_spec::STREAMING_FILE)).map_err(|e| e.to_string()),
    }
}

/// Load and generate one spec version; its fate is reported, never fatal to the others.
fn generate_spec(
    spec: &tc_spec::SpecDir,
    args: &Args,
    options: &codegen::Options,
    streaming: Option<&tc_spec::StreamingActions>,
) -> (SpecResult, Option<Generated>) {
    let (product, module) = (&spec.product, &spec.module);
    let mut r = SpecResult {
        product: product.clone(),
        module: module.clone(),
        actions: 0,
        types: 0,
        nullable: Nullable::default(),
        examples: 0,
        bytes: 0,
        error: None,
        warning: None,
    };
    let mut pv = match ProductVersion::load(&spec.dir) {
        Ok(pv) => pv,
        Err(e) => {
            r.error = Some(format!("load: {e}"));
            return (r, None);
        }
    };
    if let Some(list) = streaming {
        pv.streaming = list.actions(product, module);
    }
    if !spec.dir.join("errorcodes.json").exists() {
        if let Some(sdk) = &args.sdk {
            let py = sdk.join(product).join(module).join("errorcodes.py");
            match std::fs::read_to_string(&py) {
                Ok(src) => match parse_errorcodes_py(&src) {
                    Ok(codes) => pv.error_codes = codes,
                    Err(e) => r.warning = Some(format!("{}: {e}; no error codes", py.display())),
                },
                Err(_) => r.warning = Some(format!("no {}", py.display())),
            }
        }
    }
    r.examples = pv.examples.actions.values().map(Vec::len).sum();
    match codegen::generate_version(&pv, options) {
        Err(e) => {
            r.error = Some(format!("generate: {e}"));
            (r, None)
        }
        Ok((v, files)) => {
            r.actions = v.actions.len();
            r.types = v.objects.len();
            r.nullable = nullable_fields(&pv, &v);
            r.bytes = files.iter().map(|f| f.contents.len()).sum();
            (r, Some((v, files)))
        }
    }
}

/// Count [`SpecResult::nullable`]: response fields the spec says may be `null`, by how they are generated.
fn nullable_fields(pv: &ProductVersion, v: &codegen::ir::Version) -> Nullable {
    let mut n = Nullable::default();
    for object in v.objects.iter().filter(|o| o.role == codegen::ir::Role::Response) {
        let Some(spec) = pv.api.objects.get(&object.wire) else {
            continue;
        };
        for field in &object.fields {
            let Some(m) = spec
                .members
                .iter()
                .find(|m| m.name == field.wire && m.value_allowed_null)
            else {
                continue;
            };
            match field.plain {
                false => {
                    n.option += 1;
                    n.option_required += usize::from(m.output_required);
                }
                true => n.plain += 1,
            }
        }
    }
    n
}

/// `f` over `items` on every available core; results in the order of `items`. Work is handed out one item
/// at a time, so one large spec does not hold up a fixed share of the others.
pub fn parallel_map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len().max(1));
    let mut done = Vec::with_capacity(items.len());
    let queue = std::sync::Mutex::new(items.into_iter().enumerate());
    let finished = std::sync::Mutex::new(&mut done);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
                let Some((i, item)) = next else { break };
                let r = f(item);
                finished.lock().unwrap_or_else(|p| p.into_inner()).push((i, r));
            });
        }
    });
    done.sort_unstable_by_key(|&(i, _)| i);
    done.into_iter().map(|(_, r)| r).collect()
}

fn crate_ident(product: &str) -> String {
    format!("sdk_{}", product.replace('-', "_"))
}

/// Run the whole check; prints progress to stderr and the summary to stdout. `Ok(true)` when everything
/// generated and compiled (example decoding failures are reported, not fatal: the specs disagree with
/// themselves).
pub fn run(root: &Path, args: &Args) -> Result<bool, String> {
    if cfg!(debug_assertions) {
        eprintln!("note: an unoptimized generator is ~3x slower over hundreds of specs: `cargo xtask-release gen-all`");
    }
    let out = claim_scratch_dir(&args.out)?;
    let mut o = Outcome::default();

    // 1. Load and generate, per spec, on every core (results kept in discovery order: deterministic).
    let (members, modules) = generate_workspace(root, args, &out, &mut o)?;

    let target_dir = args
        .target_dir
        .clone()
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| out.join("target"));
    let cargo = || cargo_command(&out, &target_dir);

    // 2. cargo check, every version of every crate.
    if args.check && !members.is_empty() {
        check_crates(cargo(), &modules, &mut o)?;
    }

    // 3. Decode every example with the crates that compiled.
    if args.examples && !members.is_empty() {
        let (deps, hooks) = checker_hooks(root, args, &modules, &mut o)?;
        write_checker(&out, &deps, &hooks)?;
        let mut all_members = members.clone();
        all_members.push(CHECKER.into());
        write_if_changed(&out.join("Cargo.toml"), &workspace_manifest(root, &all_members)?)?;
        build_and_run_checker(cargo(), &target_dir, args, &mut o)?;
    }

    write_report(args, &out, &o)?;
    let all_generated = o.specs.iter().all(|s| s.error.is_none());
    Ok(all_generated && o.check_ok != Some(false))
}

/// Creates `out` (refusing a non-empty directory gen-all did not make), marks it as gen-all's, and returns
/// its canonical path.
fn claim_scratch_dir(out: &Path) -> Result<PathBuf, String> {
    if out.exists() && !out.join(MARKER).exists() && list_dirs(out).map(|d| !d.is_empty()).unwrap_or(false) {
        return Err(format!(
            "{} is not empty and was not made by gen-all; pick another --out",
            out.display()
        ));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let out = out.canonicalize().map_err(|e| format!("{}: {e}", out.display()))?;
    std::fs::write(out.join(MARKER), "made by `cargo xtask gen-all`\n").map_err(|e| e.to_string())?;
    Ok(out)
}

/// Per product, its generated version modules (`v20210111`).
type Modules = BTreeMap<String, Vec<String>>;

/// Step 1: generates every spec, writes one crate per product and the workspace manifest into `out`.
/// Returns the workspace members and, per product, its generated version modules.
fn generate_workspace(root: &Path, args: &Args, out: &Path, o: &mut Outcome) -> Result<(Vec<String>, Modules), String> {
    let t = Instant::now();
    let (options, results) = generate_specs(root, args)?;
    let by_product = group_by_product(results, o);
    let modules: Modules = by_product
        .iter()
        .map(|(product, versions)| {
            (
                product.clone(),
                versions.iter().map(|(v, _)| v.module.clone()).collect(),
            )
        })
        .collect();
    let members = write_product_crates(out, by_product, &options)?;
    remove_stale_crates(out, &members.iter().cloned().collect())?;
    o.crates = members.len();
    o.generate_time = t.elapsed();
    let lock = out.join("Cargo.lock");
    if !lock.exists() {
        let _ = std::fs::copy(root.join("Cargo.lock"), &lock);
    }
    write_if_changed(&out.join("Cargo.toml"), &workspace_manifest(root, &members)?)?;
    let generated = o.specs.iter().filter(|s| s.error.is_none()).count();
    eprintln!(
        "generated {generated}/{} spec(s) into {} crate(s) in {:.1}s",
        o.specs.len(),
        o.crates,
        o.generate_time.as_secs_f64()
    );
    Ok((members, modules))
}

/// Reports each spec's fate on stderr, records it in `o`, and groups what generated by product.
fn group_by_product(results: Vec<SpecOutcome>, o: &mut Outcome) -> BTreeMap<String, Vec<Generated>> {
    let mut by_product: BTreeMap<String, Vec<Generated>> = BTreeMap::new();
    for (r, generated) in results {
        match (&r.error, &r.warning) {
            (Some(e), _) => eprintln!("{}/{}: FAILED: {e}", r.product, r.module),
            (None, Some(w)) => eprintln!("{}/{}: ok ({} actions); warning: {w}", r.product, r.module, r.actions),
            _ => {}
        }
        if let Some(g) = generated {
            by_product.entry(r.product.clone()).or_default().push(g);
        }
        o.specs.push(r);
    }
    by_product
}

/// Assembles and writes one crate per product (≈ 220 MB for every spec), on every core; returns the crate
/// directories in product order.
fn write_product_crates(
    out: &Path,
    by_product: BTreeMap<String, Vec<Generated>>,
    options: &codegen::Options,
) -> Result<Vec<String>, String> {
    let products: Vec<(String, Vec<Generated>)> = by_product.into_iter().collect();
    let written = parallel_map(products, |(product, versions)| {
        let krate = codegen::assemble_product(&product, versions, options).map_err(|e| e.to_string())?;
        let dir = out.join(&krate.dir);
        for f in &krate.files {
            write_if_changed(&dir.join(&f.path), &f.contents)?;
        }
        // Files of versions no longer generated (a previous run with other --only).
        let keep: BTreeSet<PathBuf> = krate.files.iter().map(|f| dir.join(&f.path)).collect();
        remove_other_files(&dir.join("src"), &keep);
        Ok::<String, String>(krate.dir)
    });
    written.into_iter().collect()
}

/// Removes `sdk-*` crates of an earlier run that this run did not write.
fn remove_stale_crates(out: &Path, written_dirs: &BTreeSet<String>) -> Result<(), String> {
    for d in list_dirs(out)? {
        let n = name_of(&d);
        if n.starts_with("sdk-") && !written_dirs.contains(&n) {
            let _ = std::fs::remove_dir_all(&d);
        }
    }
    Ok(())
}

/// `cargo`, run in the scratch workspace with its target directory.
fn cargo_command(out: &Path, target_dir: &Path) -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(out).env("CARGO_TARGET_DIR", target_dir);
    c
}

/// Step 2: `cargo check` of every version of every crate, recorded in `o`.
fn check_crates(mut cmd: Command, modules: &Modules, o: &mut Outcome) -> Result<(), String> {
    let t = Instant::now();
    // Every version of every crate, as users compile them: without the `__examples` test hook.
    let features: Vec<String> = modules
        .iter()
        .flat_map(|(p, ms)| ms.iter().map(move |m| format!("sdk-{p}/{m}")))
        .collect();
    cmd.args([
        "check",
        "--workspace",
        "--keep-going",
        "--message-format=json-diagnostic-rendered-ansi",
        "--features",
        &features.join(","),
    ]);
    let (ok, per_crate) = run_cargo_json(cmd)?;
    o.check_time = Some(t.elapsed());
    o.check_ok = Some(ok);
    o.check = per_crate;
    eprintln!(
        "cargo check: {} in {:.1}s",
        if ok { "ok" } else { "FAILED" },
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The checker's dependency lines and decoder hook lines, for every product whose crate compiled; the
/// versions of the others are recorded in `o` as skipped.
fn checker_hooks(
    root: &Path,
    args: &Args,
    modules: &Modules,
    o: &mut Outcome,
) -> Result<(Vec<String>, Vec<String>), String> {
    let failed_crates: BTreeSet<String> = o
        .check
        .iter()
        .filter(|(_, c)| !c.errors.is_empty())
        .map(|(k, _)| k.clone())
        .collect();
    let mut hooks = Vec::new();
    let mut deps = Vec::new();
    let streaming = streaming_list(root, &args.from)?;
    for (product, versions) in modules {
        let ident = crate_ident(product);
        if failed_crates.contains(&ident) {
            o.examples_skipped
                .extend(versions.iter().map(|m| format!("{product}/{m}")));
            continue;
        }
        let mut features: Vec<String> = versions.iter().map(|m| format!("\"{m}\"")).collect();
        features.push("\"__examples\"".into());
        deps.push(format!(
            "sdk-{product} = {{ path = \"../sdk-{product}\", features = [{}] }}",
            features.join(", ")
        ));
        for m in versions {
            let streams: Vec<String> = streaming.actions(product, m).iter().map(|a| format!("{a:?}")).collect();
            hooks.push(format!(
                "    (\"{product}\", \"{m}\", {ident}::{m}::__roundtrip_example, &[{}]),",
                streams.join(", ")
            ));
        }
    }
    Ok((deps, hooks))
}

/// Step 3: builds the checker and, when it built, runs it over the examples; records results in `o`.
fn build_and_run_checker(mut cmd: Command, target_dir: &Path, args: &Args, o: &mut Outcome) -> Result<(), String> {
    let t = Instant::now();
    cmd.args(["build", "-p", CHECKER, "--message-format=json-diagnostic-rendered-ansi"]);
    // Hundreds of crates are built only to run their decoders once: debug info and incremental caches
    // would multiply the time and disk of this step for nothing.
    cmd.args(["--config", "profile.dev.debug=false"])
        .env("CARGO_INCREMENTAL", "0");
    let (ok, per_crate) = run_cargo_json(cmd)?;
    o.build_time = Some(t.elapsed());
    eprintln!(
        "build {CHECKER}: {} in {:.1}s",
        if ok { "ok" } else { "FAILED" },
        t.elapsed().as_secs_f64()
    );
    if ok {
        let t = Instant::now();
        let exe = target_dir.join("debug").join(CHECKER);
        let output = Command::new(&exe)
            .arg(&args.from)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("{}: {e}", exe.display()))?;
        o.run_time = Some(t.elapsed());
        parse_checker_output(&String::from_utf8_lossy(&output.stdout), o)?;
        if !output.status.success() {
            o.note.push(format!("{CHECKER} exited with {}", output.status));
        }
    } else {
        for (k, c) in per_crate {
            if !c.errors.is_empty() {
                o.note
                    .push(format!("{CHECKER} build failed in {k}: {}", c.errors.join("\n")));
            }
        }
    }
    Ok(())
}

/// Writes the Markdown report and prints the summary and where the report is.
fn write_report(args: &Args, out: &Path, o: &Outcome) -> Result<(), String> {
    let report = render_report(args, o);
    let report_path = args.report.clone().unwrap_or_else(|| out.join("report.md"));
    write_if_changed(&report_path, &report)?;
    print!("{}", summary(o));
    println!("report: {}", report_path.display());
    Ok(())
}

fn remove_other_files(dir: &Path, keep: &BTreeSet<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            remove_other_files(&p, keep);
            let _ = std::fs::remove_dir(&p); // only if empty
        } else if !keep.contains(&p) {
            let _ = std::fs::remove_file(&p);
        }
    }
}

fn write_checker(out: &Path, deps: &[String], hooks: &[String]) -> Result<(), String> {
    let manifest = format!(
        "[package]\nname = \"{CHECKER}\"\nversion = \"0.0.0\"\nedition.workspace = true\npublish = false\n\n\
         [dependencies]\ntc-spec.workspace = true\nsdk-core.workspace = true\nserde_json.workspace = true\n{}\n",
        deps.join("\n")
    );
    write_if_changed(&out.join(CHECKER).join("Cargo.toml"), &manifest)?;
    write_if_changed(&out.join(CHECKER).join("src/main.rs"), &checker_main_rs(hooks))
}

/// The checker's `src/main.rs`: one template, the decoder hook lines set into its `HOOKS` table.
fn checker_main_rs(hooks: &[String]) -> String {
    format!(
        r#"//! Written by `cargo xtask gen-all`: decode every example of every generated version.
//! Prints one JSON line per example: {{"p","m","a","i","resp","req"}} (null = ok, string = error, "-" = no body).
type Hook = fn(&str, &str, &str) -> Result<(), String>;
/// Product, version, its decoder hook and its actions that may answer as a stream of events.
static HOOKS: &[(&str, &str, Hook, &[&str])] = &[
{}
];

/// The response bodies an example shows. An example of a raw HTTP answer is its body. A body with lines
/// starting `data:` is read as an event stream, the way the SSE format defines: `data:` lines joined until a
/// blank line make one event, other lines (`id:`, comments, or prose around the events, which is a field
/// name SSE ignores) are skipped; each event is wrapped as `{{"Response": event}}` (an event is the response
/// type), except the end marker (`sdk_core::stream::is_end_of_stream`), which the SDK's typed stream ends at.
/// The examples separate events by lines holding only whitespace, so those count as blank here. A
/// streaming action's example may also show one event alone, a JSON object without the `Response`
/// envelope: it is wrapped the same way.
fn responses(output: &str, streaming: bool) -> Vec<String> {{
    let body = match output.split_once("\n\n").filter(|(h, _)| h.starts_with("HTTP/")) {{
        Some((head, body)) if !head.to_ascii_lowercase().contains("text/event-stream") => {{
            return vec![body.to_string()];
        }}
        Some((_, body)) => body,
        None => output,
    }};
    let mut events = Vec::new();
    let mut data: Vec<&str> = Vec::new();
    if body.lines().any(|l| l.starts_with("data:")) {{
        for line in body.lines().chain([""]) {{
            if line.trim().is_empty() {{
                let event = data.join("\n");
                if !data.is_empty() && !sdk_core::stream::is_end_of_stream(&event) {{
                    events.push(format!("{{{{\"Response\": {{event}}}}}}"));
                }}
                data.clear();
            }} else if let Some(d) = line.strip_prefix("data:") {{
                data.push(d.strip_prefix(' ').unwrap_or(d));
            }}
        }}
    }}
    if events.is_empty() {{
        let bare = streaming
            && serde_json::from_str::<serde_json::Value>(body)
                .is_ok_and(|v| v.as_object().is_some_and(|o| !o.contains_key("Response")));
        events.push(if bare {{ format!("{{{{\"Response\": {{body}}}}}}") }} else {{ body.to_string() }});
    }}
    events
}}

fn main() {{
    let root = std::path::PathBuf::from(std::env::args().nth(1).expect("specs dir"));
    for (product, module, hook, streams) in HOOKS {{
        let file = root.join(product).join(module).join("examples.json");
        let text = std::fs::read_to_string(&file).expect("examples.json");
        let examples: tc_spec::Examples = match tc_spec::parse_json(&file, &text) {{
            Ok(e) => e,
            Err(e) => {{
                eprintln!("{{e}}");
                continue;
            }}
        }};
        for (action, list) in &examples.actions {{
            for (i, ex) in list.iter().enumerate() {{
                let resp = responses(&ex.output, streams.contains(&action.as_str()))
                    .iter()
                    .find_map(|r| hook(action, "", r).err());
                let req = match ex.request_body() {{
                    Some(body) => match hook(action, body, &ex.output) {{
                        Err(e) if e.starts_with("request") => Some(e),
                        _ => None,
                    }},
                    None => Some("-".to_string()),
                }};
                let line = serde_json::json!({{"p": product, "m": module, "a": action, "i": i, "resp": resp, "req": req}});
                println!("{{line}}");
            }}
        }}
    }}
}}
"#,
        hooks.join("\n")
    )
}

fn parse_checker_output(stdout: &str, o: &mut Outcome) -> Result<(), String> {
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{CHECKER} printed {line:?}: {e}"))?;
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        let fail = |message: String| ExampleFailure {
            product: s("p"),
            module: s("m"),
            action: s("a"),
            index: v["i"].as_u64().unwrap_or(0) as usize,
            message,
        };
        o.responses_checked += 1;
        if let Some(e) = v["resp"].as_str() {
            o.response_failures.push(fail(e.to_string()));
        }
        match v["req"].as_str() {
            Some("-") => {}
            Some(e) => {
                o.requests_checked += 1;
                o.request_failures.push(fail(e.to_string()));
            }
            None => o.requests_checked += 1,
        }
    }
    Ok(())
}

/// `cargo --message-format=json...`: success, and per crate (lib target name) its errors and warning count.
fn run_cargo_json(mut cmd: Command) -> Result<(bool, BTreeMap<String, CrateCheck>), String> {
    cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child = cmd.spawn().map_err(|e| format!("cargo: {e}"))?;
    let stdout = child.stdout.take().ok_or("cargo: no stdout")?;
    let mut per_crate: BTreeMap<String, CrateCheck> = BTreeMap::new();
    let mut success = false;
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| e.to_string())?;
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        match v["reason"].as_str() {
            Some("compiler-message") => {
                let name = v["target"]["name"].as_str().unwrap_or("?").to_string();
                let level = v["message"]["level"].as_str().unwrap_or("");
                let entry = per_crate.entry(name).or_default();
                if level == "error" {
                    let text = v["message"]["rendered"].as_str().unwrap_or("").to_string();
                    entry.errors.push(strip_ansi(&text));
                } else if level == "warning" {
                    entry.warnings += 1;
                }
            }
            Some("build-finished") => success = v["success"].as_bool().unwrap_or(false),
            _ => {}
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    Ok((success && status.success(), per_crate))
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A failure message without its particulars, for grouping: `invalid type: string "12", expected i64`
/// → `invalid type: string, expected i64`.
pub fn reason(message: &str) -> String {
    let m = message
        .trim_start_matches("response does not decode: ")
        .trim_start_matches("request does not decode: ");
    if m.starts_with("request re-encodes differently") {
        return "request re-encodes differently".into();
    }
    let mut out = String::new();
    let mut chars = m.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '`' => {
                for d in chars.by_ref() {
                    if d == c {
                        break;
                    }
                }
                out.push_str(if c == '"' { "\"…\"" } else { "`…`" });
            }
            _ => out.push(c),
        }
    }
    let out = match out.find(" at line ") {
        Some(i) => out[..i].to_string(),
        None => out,
    };
    // Numbers and floats in "invalid value: integer `-1`" and the like.
    out.replace("string \"…\"", "string")
}

fn summary(o: &Outcome) -> String {
    let mut s = String::new();
    let generated = o.specs.iter().filter(|x| x.error.is_none()).count();
    let failed_crates = o.check.values().filter(|c| !c.errors.is_empty()).count();
    let actions: usize = o.specs.iter().map(|x| x.actions).sum();
    let bytes: usize = o.specs.iter().map(|x| x.bytes).sum();
    let _ = writeln!(
        s,
        "specs: {} generated, {} failed; {} crate(s), {} action(s), {} type(s); {} bytes generated ({} per action) in {:.1}s",
        generated,
        o.specs.len() - generated,
        o.crates,
        actions,
        o.specs.iter().map(|x| x.types).sum::<usize>(),
        bytes,
        bytes.checked_div(actions).unwrap_or(0),
        o.generate_time.as_secs_f64()
    );
    let sum = |f: fn(&Nullable) -> usize| o.specs.iter().map(|x| f(&x.nullable)).sum::<usize>();
    let _ = writeln!(
        s,
        "null-able response fields (value_allowed_null): {} Option ({} of them also output_required), {} plain",
        sum(|n| n.option),
        sum(|n| n.option_required),
        sum(|n| n.plain)
    );
    if let Some(t) = o.check_time {
        let _ = writeln!(
            s,
            "cargo check: {} crate(s) with errors, {:.1}s",
            failed_crates,
            t.as_secs_f64()
        );
    }
    if let Some(t) = o.build_time {
        let _ = writeln!(
            s,
            "examples: {} responses checked, {} failed; {} request bodies, {} failed; build {:.1}s, run {:.1}s",
            o.responses_checked,
            o.response_failures.len(),
            o.requests_checked,
            o.request_failures.len(),
            t.as_secs_f64(),
            o.run_time.map(|r| r.as_secs_f64()).unwrap_or(0.0)
        );
    }
    s
}

fn group(fails: &[ExampleFailure]) -> Vec<(String, Vec<&ExampleFailure>)> {
    let mut g: BTreeMap<String, Vec<&ExampleFailure>> = BTreeMap::new();
    for f in fails {
        g.entry(reason(&f.message)).or_default().push(f);
    }
    let mut v: Vec<_> = g.into_iter().collect();
    v.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    v
}

fn render_report(args: &Args, o: &Outcome) -> String {
    let mut s = String::new();
    let from = args.from.display().to_string();
    report_header(&mut s, args, &from, o);
    report_spec_failures(&mut s, &from, o);
    report_crate_failures(&mut s, o);
    for (title, fails, checked) in [
        (
            "Response examples that do not decode",
            &o.response_failures,
            o.responses_checked,
        ),
        (
            "Request examples that do not round-trip",
            &o.request_failures,
            o.requests_checked,
        ),
    ] {
        report_example_failures(&mut s, title, fails, checked);
    }
    s
}

/// Title, where the specs came from, and the summary.
fn report_header(s: &mut String, args: &Args, from: &str, o: &Outcome) {
    let _ = writeln!(s, "# Generator check over every spec\n");
    let _ = writeln!(
        s,
        "Written by `cargo xtask gen-all` (see `docs/all-products.md`); do not edit by hand.\n"
    );
    let _ = writeln!(s, "Specs: `{}` ({} spec directories)", shorten(from), o.specs.len());
    if !args.only.is_empty() {
        let _ = writeln!(s, "Only: {}", args.only.join(", "));
    }
    let _ = writeln!(s, "\n## Summary\n\n```text\n{}```\n", summary(o));
    let _ = writeln!(
        s,
        "Generated code: SMS-sized versions and the whole set, in bytes per action, are in the summary line; \
         timings are wall-clock on the machine that ran it.\n"
    );
}

/// Specs that did not generate, and the warnings of those that did.
fn report_spec_failures(s: &mut String, from: &str, o: &Outcome) {
    let failed: Vec<_> = o.specs.iter().filter(|x| x.error.is_some()).collect();
    let _ = writeln!(s, "## Specs that did not generate ({})\n", failed.len());
    for f in &failed {
        let _ = writeln!(
            s,
            "- `{}/{}`: {}",
            f.product,
            f.module,
            f.error.as_deref().unwrap_or("")
        );
    }
    let warned: Vec<_> = o.specs.iter().filter(|x| x.warning.is_some()).collect();
    if !warned.is_empty() {
        let _ = writeln!(s, "\n## Warnings ({})\n", warned.len());
        for f in &warned {
            let w = f.warning.as_deref().unwrap_or("").replace(from, "<specs>");
            let _ = writeln!(s, "- `{}/{}`: {}", f.product, f.module, shorten(&w));
        }
    }
}

/// Crates that do not compile (their first errors), the examples skipped for them, and notes.
fn report_crate_failures(s: &mut String, o: &Outcome) {
    let bad: Vec<_> = o.check.iter().filter(|(_, c)| !c.errors.is_empty()).collect();
    let _ = writeln!(s, "\n## Crates that do not compile ({})\n", bad.len());
    for (name, c) in &bad {
        let _ = writeln!(s, "### `{name}` ({} errors)\n\n```text", c.errors.len());
        for e in c.errors.iter().take(5) {
            let _ = writeln!(s, "{}", e.trim_end());
        }
        let _ = writeln!(s, "```\n");
    }
    if !o.examples_skipped.is_empty() {
        let _ = writeln!(
            s,
            "Examples not run (crate did not compile): {}\n",
            o.examples_skipped.join(", ")
        );
    }
    for note in &o.note {
        let _ = writeln!(s, "Note: {note}\n");
    }
}

/// One section of example failures: a count per reason, then every failure grouped by reason.
fn report_example_failures(s: &mut String, title: &str, fails: &[ExampleFailure], checked: usize) {
    let _ = writeln!(s, "\n## {title} ({} of {checked})\n", fails.len());
    if fails.is_empty() {
        return;
    }
    let _ = writeln!(s, "| count | reason |\n|---:|---|");
    let groups = group(fails);
    for (r, list) in &groups {
        let _ = writeln!(s, "| {} | {} |", list.len(), md_cell(r));
    }
    let _ = writeln!(s, "\n<details><summary>every failure</summary>\n");
    for (r, list) in &groups {
        let _ = writeln!(s, "\n**{}**\n", md_cell(r));
        for f in list {
            let _ = writeln!(
                s,
                "- `{}/{}` `{}`[{}]: {}",
                f.product,
                f.module,
                f.action,
                f.index,
                md_cell(&describe(&f.message))
            );
        }
    }
    let _ = writeln!(s, "\n</details>");
}

/// The first line of a failure, and for a request that re-encodes differently, where it differs.
fn describe(message: &str) -> String {
    let mut line = first_line(message);
    let field = |prefix: &str| {
        message
            .lines()
            .find_map(|l| l.trim_start().strip_prefix(prefix))
            .and_then(|v| serde_json::from_str::<serde_json::Value>(v).ok())
    };
    if let (Some(example), Some(encoded)) = (field("example: "), field("encoded: ")) {
        if let Some((path, a, b)) = first_difference("", &example, &encoded) {
            let _ = write!(line, " `{path}`: example `{}`, encoded `{}`", short(&a), short(&b));
        }
    }
    line
}

fn short(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

/// First JSON path (`A.B[2]`) where two values differ, with both sides (`null` for a missing member).
fn first_difference(
    path: &str,
    a: &serde_json::Value,
    b: &serde_json::Value,
) -> Option<(String, serde_json::Value, serde_json::Value)> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                let sub = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let (va, vb) = (x.get(k).unwrap_or(&Value::Null), y.get(k).unwrap_or(&Value::Null));
                first_difference(&sub, va, vb)
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (va, vb))| first_difference(&format!("{path}[{i}]"), va, vb)),
        _ if a == b => None,
        _ => Some((
            if path.is_empty() { ".".into() } else { path.into() },
            a.clone(),
            b.clone(),
        )),
    }
}

fn first_line(s: &str) -> String {
    let l = s.lines().next().unwrap_or("");
    if l.chars().count() > 300 {
        format!("{}…", l.chars().take(300).collect::<String>())
    } else {
        l.to_string()
    }
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ").replace('<', "&lt;")
}

/// Paths under a Python site-packages are shown from `tccli/` on, so the report does not name a machine.
fn shorten(p: &str) -> String {
    match p.find("site-packages/") {
        Some(i) => p[i + "site-packages/".len()..].to_string(),
        None => p.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_map_keeps_the_order_of_its_input() {
        let items: Vec<u64> = (0..500).collect();
        // Uneven work so that workers finish out of order.
        let out = parallel_map(items.clone(), |i| {
            std::thread::sleep(Duration::from_micros((i * 7919) % 200));
            i * 2
        });
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert!(parallel_map(Vec::<u8>::new(), |_| 1).is_empty());
    }

    #[test]
    fn errorcodes_py_like_the_script() {
        let src = "# -*- coding: utf8 -*-\n# Copyright\n\n\n# CAM签名/鉴权错误。\nAUTHFAILURE = 'AuthFailure'\n\n\
                   # 操作失败。\nFAILEDOPERATION = 'FailedOperation'\n";
        let codes = parse_errorcodes_py(src).unwrap();
        assert_eq!(codes.len(), 2);
        assert_eq!(codes[0].code, "AuthFailure");
        assert_eq!(codes[0].description, "CAM签名/鉴权错误。");
        assert!(parse_errorcodes_py("X = 'Y'\n").is_err());
        assert!(parse_errorcodes_py("import os\n").is_err());
    }

    #[test]
    fn reasons_group() {
        assert_eq!(
            reason("response does not decode: invalid type: string \"12\", expected i64 at line 1 column 9"),
            "invalid type: string, expected i64"
        );
        assert_eq!(
            reason("response does not decode: missing field `Foo`"),
            "missing field `…`"
        );
    }

    #[test]
    fn args() {
        let a = Args::parse(&[
            "--from",
            "a",
            "--out",
            "b",
            "--only",
            "cvm,sts/v20180813",
            "--no-examples",
        ])
        .unwrap();
        assert_eq!(a.only, vec!["cvm", "sts/v20180813"]);
        assert!(a.check && !a.examples);
        assert!(Args::parse(&["--from", "a"]).is_err());
        let msg = "request re-encodes differently:\n  example: {\"A\":{\"B\":[1,\"2\"]},\"C\":1}\n  encoded: {\"A\":{\"B\":[1,2]}}";
        assert_eq!(
            describe(msg),
            "request re-encodes differently: `A.B[1]`: example `\"2\"`, encoded `2`"
        );
        assert!(wanted(&a.only, "sts", "v20180813") && !wanted(&a.only, "sts", "v1"));
    }
}
