//! Every name in the repository's specs (api-specs and the sample specs of other products) becomes a
//! snake_case identifier the way a Rust user would type it: no versioned acronym split off its first letter
//! (`IPv6` as `i_pv6`), which a single-letter segment before a segment of letters and digits gives away.

use std::path::Path;

fn names(root: &Path, out: &mut Vec<String>) {
    for pv in tc_spec::discover(root).unwrap() {
        out.extend(pv.api.actions.keys().cloned());
        for (name, object) in &pv.api.objects {
            out.push(name.clone());
            out.extend(object.members.iter().map(|m| m.name.clone()));
        }
    }
}

/// `a_pv6`-like: a one-letter segment followed by one that starts with two letters and holds a digit.
fn split_acronym(snake: &str) -> bool {
    let segments: Vec<&str> = snake.split('_').collect();
    segments.windows(2).any(|w| {
        let next = w[1];
        w[0].len() == 1
            && w[0].chars().all(|c| c.is_ascii_alphabetic())
            && next.chars().take(2).all(|c| c.is_ascii_alphabetic())
            && next.chars().any(|c| c.is_ascii_digit())
    })
}

#[test]
fn no_generated_name_splits_a_versioned_acronym() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut all = Vec::new();
    names(&workspace.join("api-specs"), &mut all);
    names(&workspace.join("codegen/tests/sample-specs"), &mut all);
    assert!(all.len() > 5_000, "only {} names", all.len());
    assert!(
        all.iter().any(|n| n.contains("IPv6")),
        "the sample specs hold IPv6 names"
    );
    let bad: Vec<String> = all
        .iter()
        .map(|n| codegen::naming::snake(n))
        .filter(|s| split_acronym(s))
        .collect();
    assert!(bad.is_empty(), "split acronyms: {bad:?}");
    assert!(
        split_acronym("allocate_i_pv6_addresses"),
        "the check itself catches the old split"
    );
}
