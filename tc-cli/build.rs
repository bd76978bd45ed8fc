//! Compiles a spec tree into the binary: every `<root>/<product>/<vNNNNNNNN>/api.json` (and `api_en.json`
//! when present), each DEFLATE-compressed on its own so a command inflates only the version it uses, plus
//! the root's `streaming-actions.json`. The root is `TCLI_SPECS` (a path; `cargo xtask dist` sets it to the
//! tree of all products) or the repository's `api-specs/`.
//!
//! Output in `OUT_DIR`: `specs.bin` (the compressed texts, one after the other) and `specs_index.rs` (where
//! each text is, sorted by product then version).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=TCLI_SPECS");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = match std::env::var_os("TCLI_SPECS") {
        Some(p) => manifest.join(p),
        None => manifest.join("../api-specs"),
    };
    println!("cargo:rerun-if-changed={}", root.display());
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut blob = Vec::new();
    let mut index = String::from("pub(crate) static INDEX: &[Entry] = &[\n");
    for (product, module, dir) in version_dirs(&root) {
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
    let streaming = pack(&mut blob, &root.join("streaming-actions.json"));
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
