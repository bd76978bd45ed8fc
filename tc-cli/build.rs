//! Compiles a spec tree into the binary: every `<root>/<product>/<vNNNNNNNN>/api.json` (and `api_en.json`
//! when present), each DEFLATE-compressed on its own so a command inflates only the version it uses, plus
//! the first root's `streaming-actions.json`. The roots are `TCLI_SPECS` (a path list, `:`-separated on
//! Unix; `cargo xtask dist` sets it to the tree of all products) or, by default, the repository's
//! `api-specs/` and then the products of `codegen/tests/sample-specs/` that `api-specs/` lacks (cvm, vpc,
//! tke, ...): a product is taken from the first root that has it.
//!
//! Output in `OUT_DIR`: `specs.bin` (the compressed texts, one after the other) and `specs_index.rs` (where
//! each text is, sorted by product then version).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=TCLI_SPECS");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let roots: Vec<PathBuf> = match std::env::var_os("TCLI_SPECS") {
        Some(list) => std::env::split_paths(&list).map(|p| manifest.join(p)).collect(),
        None => vec![
            manifest.join("../api-specs"),
            manifest.join("../codegen/tests/sample-specs"),
        ],
    };
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut blob = Vec::new();
    let mut index = String::from("pub(crate) static INDEX: &[Entry] = &[\n");
    let mut taken: Vec<String> = Vec::new();
    let mut dirs = Vec::new();
    for root in &roots {
        println!("cargo:rerun-if-changed={}", root.display());
        let found = version_dirs(root);
        let fresh: Vec<_> = found.into_iter().filter(|(p, _, _)| !taken.contains(p)).collect();
        taken.extend(fresh.iter().map(|(p, _, _)| p.clone()));
        dirs.extend(fresh);
    }
    dirs.sort();
    for (product, module, dir) in dirs {
        println!("cargo:rerun-if-changed={}", dir.display());
        let api = pack(&mut blob, &dir.join("api.json")).unwrap_or_else(|| panic!("{}: no api.json", dir.display()));
        let en = pack(&mut blob, &dir.join("api_en.json"));
        writeln!(
            index,
            "    Entry {{ product: {product:?}, module: {module:?}, api: {api:?}, english: {en:?} }},"
        )
        .unwrap();
    }
    index.push_str("];\n");
    let streaming = pack(&mut blob, &roots[0].join("streaming-actions.json"));
    writeln!(
        index,
        "pub(crate) static STREAMING: Option<(usize, usize)> = {streaming:?};"
    )
    .unwrap();
    std::fs::write(out.join("specs.bin"), &blob).expect("write specs.bin");
    std::fs::write(out.join("specs_index.rs"), index).expect("write specs_index.rs");
}

/// Compresses `file` onto `blob`; its `(start, len)` there, or `None` when there is no such file.
fn pack(blob: &mut Vec<u8>, file: &Path) -> Option<(usize, usize)> {
    let text = std::fs::read(file).ok()?;
    let packed = miniz_oxide::deflate::compress_to_vec(&text, 6);
    let start = blob.len();
    blob.extend_from_slice(&packed);
    Some((start, packed.len()))
}

/// `(product, module, dir)` of every version directory holding an `api.json`, sorted.
fn version_dirs(root: &Path) -> Vec<(String, String, PathBuf)> {
    let mut found = Vec::new();
    for product in sorted_dirs(root) {
        for version in sorted_dirs(&product) {
            let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
            if name(&version).starts_with('v') && version.join("api.json").is_file() {
                found.push((name(&product), name(&version), version));
            }
        }
    }
    assert!(!found.is_empty(), "no specs under {}", root.display());
    found
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}
