//! * `cargo xtask gen [--check]`: regenerate (or verify) every `sdk-<product>/` crate from `api-specs/`.
//!   Writes only files the generator owns: ones it produces, and stale ones that carry the generated header
//!   but are no longer produced (removed). `examples/`, `tests/` and files without the header are never touched.
//! * `cargo xtask import <product>...`: fetch the product's specs into `api-specs/` with
//!   `tools/refresh_specs.py` (PyPI wheels, pinned versions), then `gen`: adding a product is this one command.
//! * `cargo xtask msrv`: fail when a locked dependency needs a newer compiler than the declared
//!   `rust-version` (see `xtask::msrv`).
//! * `cargo xtask gen-all --from <tccli services dir> --out <dir> ...`: generate every spec into a scratch
//!   workspace, `cargo check` it and decode every response example (see `docs/all-products.md`).
//! * `cargo xtask package <crate>...`: `cargo package` those workspace crates together, first removing cargo's
//!   stale unpacked copies of them from earlier runs at the same path (see `xtask::package`).
//! * `cargo xtask dist --out <dir> [--from <specs dir>] [--products a,b]`: publish-ready crates for those
//!   products (default: every product of the specs; without `--from` the pinned specs are downloaded), a
//!   product index, and `cargo package` of each (see `xtask::dist`, `docs/release.md`).
//! * `cargo xtask paging-report --from <tccli services dir>`: which list actions get a paginator, by style,
//!   and why the others do not (`docs/paginators-list.md`, see `docs/paginators.md`).

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = root.canonicalize().unwrap_or(root);
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["gen"] => run(&root, false),
        ["gen", "--check"] | ["gen", "check"] => run(&root, true),
        ["import", products @ ..] if !products.is_empty() => import(&root, products),
        ["msrv"] => msrv(&root),
        ["package", crates @ ..] if !crates.is_empty() => match xtask::package::run(&root, crates, &[]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        ["paging-report", rest @ ..] => match xtask::paging_report::run(&root, rest) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}\n{}", xtask::paging_report::USAGE);
                ExitCode::FAILURE
            }
        },
        ["dist", rest @ ..] => match xtask::dist::Args::parse(rest) {
            Ok(args) => match xtask::dist::run(&root, &args) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            },
            Err(e) => {
                eprintln!("error: {e}\n{}", xtask::dist::USAGE);
                ExitCode::from(2)
            }
        },
        ["gen-all", rest @ ..] => match xtask::genall::Args::parse(rest) {
            Ok(args) => match xtask::genall::run(&root, &args) {
                Ok(ok) => {
                    if ok {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            },
            Err(e) => {
                eprintln!("error: {e}\n{}", xtask::genall::USAGE);
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!(
                "usage: cargo xtask gen [--check]\n       cargo xtask import <product>...\n       cargo xtask msrv\n       cargo xtask package <crate>...\n       {}\n       {}",
                xtask::genall::USAGE,
                xtask::paging_report::USAGE
            );
            ExitCode::from(2)
        }
    }
}

fn msrv(root: &Path) -> ExitCode {
    let check = || -> Result<(String, Vec<String>), String> {
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| format!("Cargo.toml: {e}"))?;
        let declared = xtask::msrv::declared(&manifest)?;
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = std::process::Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--locked"])
            .current_dir(root)
            .output()
            .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "cargo metadata failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let metadata = serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
        Ok((declared.clone(), xtask::msrv::too_new(&metadata, &declared)?))
    };
    match check() {
        Ok((declared, too_new)) if too_new.is_empty() => {
            println!("rust-version {declared}: every locked package builds with it");
            ExitCode::SUCCESS
        }
        Ok((declared, too_new)) => {
            eprintln!("rust-version {declared} is not true of the lockfile; these need a newer compiler:");
            for p in too_new {
                eprintln!("  {p}");
            }
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn import(root: &Path, products: &[&str]) -> ExitCode {
    // A product is a lower-case DNS label (`sms`, `cvm`): anything else cannot be one, so say so before
    // downloading anything.
    let valid = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if let Some(bad) = products.iter().find(|p| !valid(p)) {
        eprintln!(
            "error: `{bad}` is not a product name (lower-case letters and digits, as in `cargo xtask import sms`)"
        );
        return ExitCode::from(2);
    }
    let mut cmd = std::process::Command::new("python3");
    cmd.arg(root.join("tools/refresh_specs.py"));
    for p in products {
        cmd.args(["--product", p]);
    }
    match cmd.status() {
        Ok(s) if s.success() => {
            let code = run(root, false);
            for p in products {
                println!("imported {p}: api-specs/{p}/ and the crate sdk-{p}/ (a workspace member); next: cargo build -p sdk-{p}");
            }
            code
        }
        Ok(s) => {
            eprintln!("error: tools/refresh_specs.py failed ({s}); nothing was generated");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: cannot run python3 tools/refresh_specs.py: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(root: &Path, check: bool) -> ExitCode {
    match xtask::gen(root, check) {
        Ok(report) => {
            print!("{}", report.summary());
            if check && !report.problems.is_empty() {
                for p in &report.problems {
                    eprintln!("{p}");
                }
                eprintln!("generated code is out of date: run `cargo xtask gen`");
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
