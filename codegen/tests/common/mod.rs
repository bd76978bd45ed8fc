//! Shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn codegen_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

pub fn workspace_root() -> PathBuf {
    codegen_dir().join("..")
}

/// The edge-case fixture crate, as generated now.
pub fn generate_edge() -> codegen::Crate {
    let fixtures = codegen_dir().join("tests/fixtures");
    let options = codegen::Options {
        source_root: "codegen/tests/fixtures".into(),
        binary_bodies: tc_spec::BinaryBodies::load(&fixtures).expect("fixture binary-bodies.json"),
        ..codegen::Options::default()
    };
    let mut crates = codegen::generate_all(&fixtures, &options).expect("fixture generates");
    assert_eq!(crates.len(), 1);
    crates.remove(0)
}

/// Where a generated file of the edge crate is kept under `tests/golden/edge/` (`Cargo.toml` is stored as
/// `Cargo.toml.golden` so no tool mistakes the directory for a package).
pub fn golden_path(rel: &str) -> PathBuf {
    let rel = if rel == "Cargo.toml" { "Cargo.toml.golden" } else { rel };
    codegen_dir().join("tests/golden/edge").join(rel)
}
