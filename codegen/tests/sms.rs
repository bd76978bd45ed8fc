//! Checks over the real SMS specs and the committed `sdk-sms` crate.

mod common;

use std::path::Path;

use codegen::docs::{has_html_tag, to_rustdoc};

fn sms_versions() -> Vec<tc_spec::ProductVersion> {
    let all = tc_spec::discover(&common::workspace_root().join("api-specs")).unwrap();
    let sms: Vec<_> = all.into_iter().filter(|p| p.product == "sms").collect();
    assert_eq!(sms.len(), 2);
    sms
}

#[test]
fn every_sms_document_converts_to_clean_rustdoc() {
    let mut checked = 0;
    for pv in sms_versions() {
        let mut docs: Vec<(String, &str)> = Vec::new();
        for (name, a) in &pv.api.actions {
            docs.push((format!("actions.{name}.document"), &a.document));
        }
        for (name, o) in &pv.api.objects {
            docs.push((format!("objects.{name}.document"), &o.document));
            for (i, m) in o.members.iter().enumerate() {
                docs.push((format!("objects.{name}.members[{i}].document"), &m.document));
            }
        }
        for (i, e) in pv.error_codes.iter().enumerate() {
            docs.push((format!("errorcodes[{i}].description"), &e.description));
        }
        for (path, doc) in docs {
            let out = to_rustdoc(doc);
            assert!(!has_html_tag(&out), "{}: {path}: raw HTML left:\n{out}", pv.module);
            assert!(
                !out.lines().any(|l| l.starts_with("    ")),
                "{path}: indented line would be a doctest"
            );
            // Unescaped `[x]` that is not a link would be an intra-doc link.
            let unescaped = out.match_indices('[').any(|(i, _)| {
                !out[..i].ends_with('\\') && {
                    let tail = &out[i..];
                    tail.find("](").is_none_or(|c| tail[1..c].contains(['\n', '[']))
                }
            });
            assert!(!unescaped, "{path}: bare brackets left:\n{out}");
            // Links survive, except those to an in-page anchor of Tencent's web page (dead in rustdoc).
            let anchored_only = doc.matches("](").count() == doc.matches("](#").count()
                && doc.matches("href=").count() == doc.matches("href=\"#").count();
            assert_eq!(
                (doc.contains("href=") || doc.contains("](")) && !anchored_only,
                out.contains("]("),
                "{path}: links lost:\n{out}"
            );
            checked += 1;
        }
    }
    assert!(checked > 500, "only {checked} documents checked");
}

#[test]
fn generation_is_deterministic_and_matches_committed_sdk_sms() {
    let root = common::workspace_root();
    let options = codegen::Options::for_workspace(&root).unwrap();
    let first = codegen::generate_all(&root.join("api-specs"), &options).unwrap();
    let second = codegen::generate_all(&root.join("api-specs"), &options).unwrap();
    let sms = first.iter().find(|c| c.product == "sms").unwrap();
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a.files, b.files, "two runs differ for {}", a.product);
    }
    assert_eq!((sms.versions, sms.actions), (2, 36));
    for f in &sms.files {
        let on_disk = std::fs::read_to_string(root.join("sdk-sms").join(&f.path)).unwrap_or_default();
        assert!(
            on_disk == f.contents,
            "sdk-sms/{} is stale: run `cargo xtask gen`",
            f.path
        );
    }
}

#[test]
fn generated_lib_rs_is_rustfmt_stable() {
    // CI runs `cargo fmt --check`; version modules are `#[rustfmt::skip]`, lib.rs itself must be stable.
    let root = common::workspace_root();
    let lib = root.join("sdk-sms/src/lib.rs");
    let out = std::process::Command::new(std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into()))
        .args(["--edition", "2021", "--check", "--config-path"])
        .arg(root.join("rustfmt.toml"))
        .arg(&lib)
        .output();
    match out {
        Ok(o) => assert!(
            o.status.success(),
            "rustfmt would change sdk-sms/src/lib.rs:\n{}",
            String::from_utf8_lossy(&o.stdout)
        ),
        Err(e) => panic!("rustfmt not runnable ({e}); install the rustfmt component"),
    }
}

fn write_spec(dir: &Path, api: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("api.json"), api).unwrap();
    std::fs::write(dir.join("examples.json"), r#"{"actions":{}}"#).unwrap();
}

fn api_with_member(member: &str) -> String {
    format!(
        r#"{{"actions":{{"A":{{"input":"AReq","output":"AResp"}}}},
            "objects":{{"AReq":{{"members":[{member}]}},"AResp":{{"members":[]}}}},
            "metadata":{{"apiVersion":"2020-01-01","serviceShortName":"bad"}}}}"#
    )
}

#[test]
fn malformed_specs_name_file_and_json_path() {
    let root = std::env::temp_dir().join(format!("codegen-bad-{}", std::process::id()));
    let dir = root.join("bad/v20200101");
    write_spec(&dir, &api_with_member(r#"{"name":"X","type":"list","member":"Nope"}"#));
    let err = codegen::generate_all(&root, &codegen::Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bad/v20200101/api.json") && err.contains("objects.AReq.members[0].member"),
        "{err}"
    );

    write_spec(
        &dir,
        &api_with_member(r#"{"name":"X","type":"int","member":"int64","required":"yes"}"#),
    );
    let err = codegen::generate_all(&root, &codegen::Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("api.json") && err.contains("objects.AReq.members[0].required"),
        "{err}"
    );

    // Well-formed but not expressible: codegen's own error, also with file + path.
    write_spec(
        &dir,
        &api_with_member(r#"{"name":"..","type":"string","member":"string"}"#),
    );
    let err = codegen::generate_all(&root, &codegen::Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("api.json: objects.AReq.members[0].name: unsupported"),
        "{err}"
    );

    // A spec built in memory that skipped `check`: still an error, not a panic.
    let good = api_with_member(r#"{"name":"X","type":"string","member":"string"}"#);
    write_spec(&dir, &good);
    let mut loaded = tc_spec::ProductVersion::load(&dir).unwrap();
    loaded.api.objects.get_mut("AReq").unwrap().members[0].member = "Ghost".into();
    let err = codegen::generate_version(&loaded, &codegen::Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("objects.AReq.members[0].member") && err.contains("Ghost"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&root);
}
