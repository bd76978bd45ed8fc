//! The redaction policy is complete over every spec we have: every text member that holds a phone number, a
//! one-time code or bearer credential, a person's name or a message a person wrote is hidden in the
//! generated `Debug`.
//!
//! "Holds" is decided here, independently of `codegen::redaction`, from the raw spec: the member's name and
//! its Chinese and English documents, with this file's own word lists (broader than the policy's, so a
//! member the policy's rules miss fails here instead of printing in someone's logs). The check reads the
//! generated `models.rs`, so it holds what users compile, not the intermediate model.
//!
//! Roots: `api-specs/` and `codegen/tests/sample-specs/` always; set `TC_ALL_SPECS=<dir>` to run it over
//! another tree too (all 300 specs of tccli, see docs/all-products.md).

mod common;

use std::path::{Path, PathBuf};

use tc_spec::ProductVersion;

/// Member-name fragments (lower case) of members holding personal data or credentials.
const NAME_WORDS: [&str; 10] = [
    "phone",
    "mobile",
    "subscriber",
    "msisdn",
    "telephone",
    "captcha",
    "verifycode",
    "verificationcode",
    "assertion",
    "password",
];

/// Document fragments (lower case) that say a member holds one.
const DOC_WORDS: [&str; 12] = [
    "手机号",
    "电话号码",
    "用户号码",
    "验证码",
    "姓名",
    "断言",
    "回复的内容",
    "短信下发内容",
    "phone number",
    "mobile number",
    "verification code",
    "saml assertion",
];

/// Members these words find that hold no personal data, each with the reason (reviewed by hand).
const NOT_PERSONAL: [(&str, &str); 0] = [];

fn roots() -> Vec<PathBuf> {
    let codegen = common::codegen_dir();
    let mut roots = vec![codegen.join("../api-specs"), codegen.join("tests/sample-specs")];
    if let Some(extra) = std::env::var_os("TC_ALL_SPECS") {
        roots.push(PathBuf::from(extra));
    }
    roots
}

/// Whether a member, by name or document, holds personal data (this test's own reading).
fn holds_personal_data(name: &str, docs: &[&str]) -> bool {
    let name = name.to_ascii_lowercase();
    NAME_WORDS.iter().any(|w| name.contains(w))
        || docs.iter().any(|d| {
            let d = d.to_lowercase();
            DOC_WORDS.iter().any(|w| d.contains(w))
        })
}

/// `object.member` strings of text members that hold personal data but print in the generated `Debug`.
fn unmasked(pv: &ProductVersion) -> (usize, Vec<String>) {
    let (version, files) = codegen::generate_version(pv, &codegen::Options::default())
        .unwrap_or_else(|e| panic!("{}/{}: {e}", pv.product, pv.module));
    let models = &files
        .iter()
        .find(|f| f.path == "models.rs")
        .expect("models.rs")
        .contents;
    let (mut found, mut open) = (0, Vec::new());
    for object in &version.objects {
        let spec = &pv.api.objects[&object.wire];
        let english = pv.english.as_ref().and_then(|e| e.objects.get(&object.wire));
        for field in &object.fields {
            let text = matches!(&field.ty, codegen::ir::Ty::String)
                || matches!(&field.ty, codegen::ir::Ty::List(t) if **t == codegen::ir::Ty::String);
            let member = spec.members.iter().find(|m| m.name == field.wire).expect("member");
            let en = english.and_then(|o| o.member(&field.wire)).unwrap_or("");
            let id = format!("{}.{}", object.wire, field.wire);
            if !text
                || !holds_personal_data(&field.wire, &[&member.document, en])
                || NOT_PERSONAL.iter().any(|(n, _)| *n == id)
            {
                continue;
            }
            found += 1;
            let hidden = ["Phone", "Secret"]
                .iter()
                .any(|how| models.contains(&format!("::sdk_core::redact::{how}(&self.{})", field.rust)));
            if !hidden {
                open.push(format!("{}/{}: {id}", pv.product, pv.module));
            }
        }
    }
    (found, open)
}

fn check(root: &Path) -> (usize, Vec<String>) {
    let versions = tc_spec::discover(root).unwrap_or_else(|e| panic!("{}: {e}", root.display()));
    let mut total = (0, Vec::new());
    for pv in &versions {
        let (found, open) = unmasked(pv);
        total.0 += found;
        total.1.extend(open);
    }
    total
}

#[test]
fn every_member_holding_personal_data_is_masked() {
    let mut found = 0;
    let mut open = Vec::new();
    for root in roots() {
        let (n, o) = check(&root);
        found += n;
        open.extend(o);
    }
    // The scan finds something (sms phone numbers, sts codes and assertions), so it could fail.
    assert!(found >= 20, "only {found} personal-data members found");
    assert!(
        open.is_empty(),
        "{} of {found} members print in Debug:\n{}",
        open.len(),
        open.join("\n")
    );
}

#[test]
fn the_findings_of_the_attack_review_are_masked() {
    let root = common::codegen_dir().join("../api-specs");
    let versions = tc_spec::discover(&root).unwrap();
    let models = |product: &str, module: &str| {
        let pv = versions
            .iter()
            .find(|v| v.product == product && v.module == module)
            .unwrap();
        let (_, files) = codegen::generate_version(pv, &codegen::Options::default()).unwrap();
        files.into_iter().find(|f| f.path == "models.rs").unwrap().contents
    };
    let sms = models("sms", "v20210111");
    for object in ["PullSmsSendStatus", "PullSmsReplyStatus", "PhoneNumberInfo"] {
        let start = sms
            .find(&format!("impl ::std::fmt::Debug for {object} "))
            .expect(object);
        let body = &sms[start..start + sms[start..].find("\n}\n").unwrap()];
        assert!(
            body.contains("::sdk_core::redact::Phone(&self.subscriber_number)"),
            "{object}: {body}"
        );
    }
    let sts = models("sts", "v20180813");
    assert!(sts.contains("::sdk_core::redact::Secret(&self.saml_assertion)"));
}
