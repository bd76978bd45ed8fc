//! Golden test over the hand-written edge-case spec in `tests/fixtures/edge/`: the generated crate must equal
//! the committed output under `tests/golden/edge/` (set `UPDATE_GOLDEN=1` to rewrite it). The output is
//! compiled and exercised by `golden_edge.rs` (a separate target, so a stale golden never blocks rewriting it).

mod common;

#[test]
fn golden_output_is_current() {
    let krate = common::generate_edge();
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for f in &krate.files {
        let path = common::golden_path(&f.path);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &f.contents).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(f.contents.as_str()) {
            stale.push(f.path.clone());
        }
    }
    assert!(
        stale.is_empty(),
        "golden files differ from the generator's output: {stale:?}; rerun with UPDATE_GOLDEN=1 and review the diff"
    );
}

#[test]
fn naming_edge_cases_in_the_output() {
    let krate = common::generate_edge();
    let models = &krate
        .files
        .iter()
        .find(|f| f.path.ends_with("models.rs"))
        .unwrap()
        .contents;
    for needle in [
        "pub r#type: ::std::string::String",
        "pub r#match: ::std::option::Option<",
        "pub self_: ::std::option::Option<i64>",
        "pub r#async: ::std::option::Option<bool>",
        "pub _3d_model:",
        "pub template_id: ::std::string::String",
        "pub template_id_2: ::std::option::Option<",
        "pub new_2:",
        "pub url:",
        "pub iso_code:",
        "pub struct Option {",
        "pub struct Type {",
        "pub struct Result {",
        "pub crate_: ::std::string::String",
        "pub parent: ::std::option::Option<::std::boxed::Box<Node>>",
        "pub children: ::std::option::Option<::std::vec::Vec<Node>>",
    ] {
        assert!(models.contains(needle), "models.rs lacks {needle:?}");
    }
    // A disabled member is kept (the official SDKs keep it), optional, with a deprecated setter.
    assert!(
        models.contains("pub hidden: ::std::option::Option<::std::string::String>"),
        "disabled member dropped"
    );
    assert!(
        models.contains("Disabled by the API"),
        "the disabled member's doc says so"
    );
    assert!(
        models.contains("#[deprecated(note = \"the API marks this member disabled"),
        "no deprecated setter"
    );
    let docs: String = models.lines().filter(|l| l.trim_start().starts_with("//")).collect();
    assert!(!codegen::docs::has_html_tag(&docs), "raw HTML left in docs");
    assert!(
        docs.contains("Range \\[0, 100\\] and a \\< b."),
        "rustdoc hazards are escaped"
    );
    assert!(docs.contains("Example: ``a`b``"), "examples are quoted safely");
    let module = &krate
        .files
        .iter()
        .find(|f| f.path.ends_with("v20200101/mod.rs"))
        .unwrap()
        .contents;
    assert!(
        module.contains("pub async fn core_2("),
        "action `Core` must not clash with Client::core"
    );
    assert!(
        module.contains("#[deprecated(note = \"the API marks this action deprecated\")]\n    pub async fn old_action(")
    );
    assert!(module
        .contains("#[deprecated(note = \"offline: the service no longer serves it\")]\n    pub async fn gone_action("));
    for (name, skip, retry) in [
        ("DescribeThings", false, true),
        ("CreateWidget", false, true),
        ("RunJob", false, true),
        ("OldAction", false, false),
        ("Core", true, false),
    ] {
        let want = format!("name: \"{name}\",\n    skip_sign: {skip},\n    retry_safe: {retry},");
        assert!(module.contains(&want), "{want}");
    }
    // ClientToken actions go through their token filler in both clients; the others do not.
    for needle in [
        "self.inner.call(&CREATE_WIDGET, &*create_widget_with_token(request)).await",
        "self.inner.call(&RUN_JOB, &*run_job_with_token(request)).await",
        "self.inner.call(&super::RUN_JOB, &*super::run_job_with_token(request))",
        "self.inner.call(&super::DESCRIBE_THINGS, request)",
        "#[cfg(feature = \"blocking\")]\npub mod blocking {",
    ] {
        assert!(module.contains(needle), "mod.rs lacks {needle:?}");
    }
    assert_eq!(module.matches("::sdk_core::idempotency_token()").count(), 2);
    let manifest = &krate.files.iter().find(|f| f.path == "Cargo.toml").unwrap().contents;
    assert!(manifest.contains("\nblocking = [\"sdk-core/blocking\"]\n"));
    assert!(krate
        .files
        .iter()
        .all(|f| f.contents.lines().next().unwrap().contains(codegen::HEADER_MARK)));
}
