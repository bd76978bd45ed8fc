//! The retry-safe rule is written once, in `tc-rules`; the generator calls it and the runtime re-exports it
//! (`sdk_core::retry::is_retry_safe`). This ties the generator to the runtime: over every action of every spec in `api-specs/` and in the committed sample of all tccli
//! specs, the `ActionInfo` static the generator emits says exactly what the runtime's rule says.

use std::path::Path;

fn check(root: &Path) -> usize {
    let versions = tc_spec::discover(root).unwrap_or_else(|e| panic!("{}: {e}", root.display()));
    let mut checked = 0;
    for pv in &versions {
        let (_, files) = codegen::generate_version(pv, &codegen::Options::default()).unwrap();
        let module = &files.iter().find(|f| f.path == "mod.rs").unwrap().contents;
        for (name, action) in &pv.api.actions {
            let has_token = pv.api.objects[&action.input]
                .members
                .iter()
                .any(|m| m.name == "ClientToken" && !m.disabled);
            let expected = sdk_core::retry::is_retry_safe(name, has_token);
            let skip = action.skip_sign;
            let emitted = format!("name: \"{name}\",\n    skip_sign: {skip},\n    retry_safe: {expected},\n");
            assert!(
                module.contains(&emitted),
                "{}/{}: {name}: expected retry_safe {expected}",
                pv.product,
                pv.module
            );
            checked += 1;
        }
    }
    checked
}

#[test]
fn generated_action_statics_follow_the_runtime_rule() {
    let codegen = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed = check(&codegen.join("../api-specs"));
    let sample = check(&codegen.join("tests/sample-specs"));
    assert!(
        committed >= 43 && sample > 900,
        "{committed} + {sample} actions checked"
    );
    // Both outcomes occur, so the comparison could fail either way.
    assert!(sdk_core::retry::is_retry_safe("DescribeInstances", false));
    assert!(!sdk_core::retry::is_retry_safe("RunInstances", false));
    assert!(sdk_core::retry::is_retry_safe("RunInstances", true));
}
