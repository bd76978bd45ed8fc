//! `cargo xtask gen [--check]`: regenerate (or verify) every `sdk-<product>/` crate from `api-specs/`.
//!
//! Writes only files the generator owns: ones it produces, and stale ones that carry the generated header
//! but are no longer produced (removed). `examples/`, `tests/` and files without the header are never touched.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = root.canonicalize().unwrap_or(root);
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["gen"] => run(&root, false),
        ["gen", "--check"] | ["gen", "check"] => run(&root, true),
        _ => {
            eprintln!("usage: cargo xtask gen [--check]");
            ExitCode::from(2)
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
