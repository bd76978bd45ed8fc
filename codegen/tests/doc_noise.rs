//! Generated docs carry no noise, over every spec we have: no HTML entity (`&gt;-`), no link to an in-page
//! anchor of Tencent's web pages (`](#4.-.E7...)`, dead in rustdoc), no `Example:` line that repeats the one
//! before it (`Example: Qsms` then ``Example: `Qsms` ``), and no example line longer than
//! [`MAX_EXAMPLE_LINE`] (they are laid out by prettyplease).
//!
//! Roots: `api-specs/` and `codegen/tests/sample-specs/`; `TC_ALL_SPECS=<dir>` adds another tree (all 300
//! specs of tccli, docs/all-products.md).

mod common;

use std::path::PathBuf;

/// Longest line allowed inside a doc example: 100 columns of layout plus one string value (at most 80
/// characters, escapes aside; `codegen::emit::usage::MAX_EXAMPLE_TEXT`).
const MAX_EXAMPLE_LINE: usize = 240;

fn roots() -> Vec<PathBuf> {
    let codegen = common::codegen_dir();
    let mut roots = vec![codegen.join("../api-specs"), codegen.join("tests/sample-specs")];
    if let Some(extra) = std::env::var_os("TC_ALL_SPECS") {
        roots.push(PathBuf::from(extra));
    }
    roots
}

/// An HTML entity in `line`: `&name;`, `&#123;` or `&#x1f;`. Every named entity of HTML has at least two
/// letters, so `Q&A;` (lke: "1: Q&A; 2: document fragment") is text, not an entity.
fn entity(line: &str) -> Option<&str> {
    line.match_indices('&').find_map(|(i, _)| {
        let rest = &line[i + 1..];
        let end = rest.find(';')?;
        let body = &rest[..end];
        let named = body.len() >= 2 && body.len() <= 8 && body.bytes().all(|b| b.is_ascii_alphanumeric());
        let numeric = body.strip_prefix('#').is_some_and(|n| {
            let n = n.strip_prefix(['x', 'X']).unwrap_or(n);
            !n.is_empty() && n.bytes().all(|b| b.is_ascii_hexdigit())
        });
        (named || numeric).then(|| &line[i..i + end + 2])
    })
}

/// The noise in one generated file, one message per finding.
fn noise(file: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut last_example: Option<String> = None;
    let mut in_example = false;
    for (n, line) in text.lines().enumerate() {
        let Some(doc) = line
            .trim_start()
            .strip_prefix("///")
            .or_else(|| line.trim_start().strip_prefix("//!"))
        else {
            last_example = None;
            continue;
        };
        let doc = doc.trim();
        let at = format!("{file}:{}", n + 1);
        if let Some(e) = entity(doc) {
            found.push(format!("{at}: entity {e}"));
        }
        if doc.contains("](#") {
            found.push(format!("{at}: in-page anchor"));
        }
        if let Some(value) = doc.strip_prefix("Example:") {
            let value = value.trim().trim_matches('`').trim().to_string();
            if last_example.as_ref() == Some(&value) {
                found.push(format!("{at}: repeated example {value}"));
            }
            last_example = Some(value);
        } else if !doc.is_empty() {
            last_example = None;
        }
        if doc.starts_with("```") {
            in_example = doc.starts_with("```no_run") || doc == "```rust";
        } else if in_example && doc.chars().count() > MAX_EXAMPLE_LINE {
            found.push(format!("{at}: example line of {} characters", doc.chars().count()));
        }
    }
    found
}

#[test]
fn generated_docs_have_no_entities_dead_anchors_repeats_or_long_example_lines() {
    let mut found = Vec::new();
    let mut files = 0;
    for root in roots() {
        let versions = tc_spec::discover(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display()));
        for pv in &versions {
            let (_, generated) = codegen::generate_version(pv, &codegen::Options::default())
                .unwrap_or_else(|e| panic!("{}/{}: {e}", pv.product, pv.module));
            for f in &generated {
                files += 1;
                found.extend(noise(&format!("{}/{}/{}", pv.product, pv.module, f.path), &f.contents));
            }
        }
    }
    assert!(files > 20, "only {files} files read");
    let shown: Vec<&String> = found.iter().take(40).collect();
    assert!(found.is_empty(), "{} findings, first ones:\n{shown:#?}", found.len());
}

#[test]
fn the_checks_find_what_they_look_for() {
    let text = "/// a &gt;- b\n/// [x](#4.-.E7)\n/// Example: Qsms\n///\n/// Example: `Qsms`\n/// ```no_run\n/// ";
    let long = format!("{text}{}\n/// ```\n", "x".repeat(MAX_EXAMPLE_LINE + 1));
    let found = noise("f.rs", &long);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(noise("f.rs", "/// a & b; c\n/// Example: 1\n/// Example: 2\n").is_empty());
    assert!(noise("f.rs", "/// 1: Q&A; 2: x\n").is_empty());
    assert!(!noise("f.rs", "/// size &lt;7.50\n").is_empty());
}
