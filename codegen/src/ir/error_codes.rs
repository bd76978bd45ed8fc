//! Pass 7, error codes: sets [`Version::errors`] from the version's `errorcodes.json` and Tencent's common
//! codes ([`crate::common_errors`]), which any product can answer.
//!
//! Sorted by code; a code listed twice is one variant, and the product's own entry wins over the common
//! one (its description is the product's). Variant names join the dotted parts in PascalCase
//! (`FailedOperation.SignNotFound` → `FailedOperationSignNotFound`), unique in the enum, where `Other` is
//! taken by the catch-all variant. A code with no identifier characters is [`Error::Unsupported`] naming
//! `errorcodes.json` and the entry's index.

use std::collections::BTreeSet;

use tc_spec::ProductVersion;

use super::{ErrorCode, Version};
use crate::naming::{pascal, pascal_ident, Scope};
use crate::Error;

/// Where a code comes from: its index in `errorcodes.json`, or `None` for a common code.
type Sourced<'a> = (Option<usize>, &'a tc_spec::ErrorCode);

/// Collect the error codes of `pv` into `version`.
pub fn error_codes(pv: &ProductVersion, version: &mut Version) -> Result<(), Error> {
    let mut variants = Scope::with_reserved(&["Other"]);
    let mut seen = BTreeSet::new();
    let mut errors = Vec::new();
    for (index, code) in sorted_codes(pv) {
        if !seen.insert(code.code.as_str()) {
            continue;
        }
        let variant = variant_name(pv, index, &code.code)?;
        errors.push(ErrorCode {
            code: code.code.clone(),
            variant: variants.claim(&variant),
            description: code.description.clone(),
            doc: crate::docs::to_rustdoc(&code.description),
        });
    }
    version.errors = errors;
    Ok(())
}

/// The product's codes and the common codes it does not list, sorted by code (stable: the product's
/// duplicates keep their order).
fn sorted_codes(pv: &ProductVersion) -> Vec<Sourced<'_>> {
    let own: BTreeSet<&str> = pv.error_codes.iter().map(|e| e.code.as_str()).collect();
    let mut codes: Vec<Sourced<'_>> = pv.error_codes.iter().enumerate().map(|(i, e)| (Some(i), e)).collect();
    let common = crate::common_errors::codes()
        .iter()
        .filter(|c| !own.contains(c.code.as_str()));
    codes.extend(common.map(|c| (None, c)));
    codes.sort_by(|a, b| a.1.code.cmp(&b.1.code));
    codes
}

fn variant_name(pv: &ProductVersion, index: Option<usize>, code: &str) -> Result<String, Error> {
    let joined: String = code.split('.').map(pascal).collect();
    pascal_ident(&joined).ok_or_else(|| Error::Unsupported {
        file: pv.dir.join("errorcodes.json"),
        path: match index {
            Some(i) => format!("[{i}].code"),
            None => "(common code)".into(),
        },
        message: format!("error code {code:?} has no identifier characters"),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::spec_with;

    fn codes(codes: Vec<(&str, &str)>) -> Result<Version, Error> {
        crate::ir::build(&spec_with(json!({}), json!({}), codes), "specs")
    }

    #[test]
    fn own_codes_win_duplicates_collapse_and_variants_are_unique() {
        let v = codes(vec![
            ("Other", "A code named like the catch-all."),
            ("FailedOperation.SignNotFound", "first"),
            ("FailedOperation.SignNotFound", "second"),
            ("InternalError", "Our own words."),
            ("failed_operation.sign_not_found", "same variant text"),
        ])
        .unwrap();
        let find = |code: &str| v.errors.iter().find(|e| e.code == code).unwrap();
        assert_eq!(find("Other").variant, "Other2");
        assert_eq!(find("FailedOperation.SignNotFound").description, "first");
        assert_eq!(
            find("failed_operation.sign_not_found").variant,
            "FailedOperationSignNotFound2"
        );
        assert_eq!(find("InternalError").description, "Our own words.");
        assert_eq!(v.errors.iter().filter(|e| e.code == "InternalError").count(), 1);
        assert!(
            v.errors.iter().any(|e| e.code == "AuthFailure.SignatureExpire"),
            "common codes are added"
        );
        let order: Vec<_> = v.errors.iter().map(|e| e.code.as_str()).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "sorted and unique: {order:?}");
    }

    #[test]
    fn a_code_without_identifier_characters_names_its_entry() {
        let err = codes(vec![("Fine", "ok"), ("..", "dots only")])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "specs/demo/v20200101/errorcodes.json: [1].code: unsupported: error code \"..\" has no identifier \
             characters"
        );
    }
}
