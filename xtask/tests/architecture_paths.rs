//! `ARCHITECTURE.md` names files and folders; every one must exist, so the page cannot drift from the tree
//! unnoticed (it did: it listed a partial set of emitters and left out `sdk-hunyuan/` and `.ci/`).
//!
//! What counts as a path: the first word of each line of the tree block, and every `code span` that
//! contains a `/` or ends in a known file extension. A path with a `/` is taken from the repository root; a
//! bare file name (`clock.rs`, beside the path that says where) must exist somewhere in the repository.
//! Spans with placeholders (`sdk-<product>/`, `{product}`), Rust paths (`::`) or spaces are not paths.

use std::path::{Path, PathBuf};

const EXTENSIONS: [&str; 6] = [".rs", ".md", ".json", ".toml", ".py", ".sh"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The paths the page names, with the line they are on.
fn named_paths(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_tree = false;
    for (n, line) in text.lines().enumerate() {
        if line.starts_with("```") {
            in_tree = line == "```text";
            continue;
        }
        if in_tree {
            if let Some(first) = line.split_whitespace().next() {
                out.push((n + 1, first.to_string()));
            }
            continue;
        }
        for (i, span) in line.split('`').enumerate() {
            if i % 2 == 1 && looks_like_path(span) {
                out.push((n + 1, span.to_string()));
            }
        }
    }
    out
}

fn looks_like_path(span: &str) -> bool {
    let plain = !span.contains(['<', '>', '{', '}', ' ', '*', '(', '=']) && !span.contains("::");
    let media_type = ["text/", "application/", "multipart/"]
        .iter()
        .any(|m| span.starts_with(m));
    plain
        && !media_type
        && !span.starts_with('/')
        && (span.contains('/') || EXTENSIONS.iter().any(|e| span.ends_with(e)))
}

/// Whether a file named `name` is anywhere under `dir` (build output and git data left out).
fn exists_somewhere(dir: &Path, name: &str) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|e| {
        let path = e.path();
        let skip = matches!(e.file_name().to_str(), Some("target" | ".git"));
        e.file_name().to_str() == Some(name) || (!skip && path.is_dir() && exists_somewhere(&path, name))
    })
}

#[test]
fn every_path_architecture_md_names_exists() {
    let root = root();
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let paths = named_paths(&text);
    assert!(
        paths.len() > 40,
        "only {} paths found: the reader is broken",
        paths.len()
    );
    let missing: Vec<String> = paths
        .iter()
        .filter(|(_, p)| {
            let p = p.trim_end_matches('/');
            if p.contains('/') {
                !root.join(p).exists()
            } else {
                !exists_somewhere(&root, p)
            }
        })
        .map(|(n, p)| format!("line {n}: {p}"))
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_reader_finds_paths_and_only_paths() {
    let text =
        "```text\nsdk-core/   runtime\n```\nsee `codegen/src/emit/` and `retry.rs`, not `sdk_core::Error`, `text/event-stream` or `<x>/y`";
    let found: Vec<String> = named_paths(text).into_iter().map(|(_, p)| p).collect();
    assert_eq!(found, ["sdk-core/", "codegen/src/emit/", "retry.rs"]);
    assert!(!exists_somewhere(&root(), "no-such-file-anywhere.rs"));
}
