//! Which generated members are hidden in `Debug`, and how: the written policy for secrets and personal data
//! in generated types (docs/security.md). The generator applies it to every object of every product; nothing
//! is marked by hand per type.
//!
//! - **Secret** (printed `***`): by name — `SecretKey`/`TmpSecretKey` and anything ending in `SecretKey`,
//!   `Token` alone and the credential tokens (`SessionToken`, `SecurityToken`, `WebIdentityToken`,
//!   `AccessToken`, `RefreshToken`, `IdToken`), anything containing `Password`, `Passwd`, `PrivateKey` or a
//!   one-time code (`TokenCode`, `VerificationCode`, `VerifyCode`), and a member named `Credential`. Not `ClientToken` (an idempotency key) nor paging tokens
//!   (`NextToken`, `PageToken`), which are not secrets.
//! - **Phone** (all but the last 4 characters masked: `***4444`): names containing `PhoneNumber` or `Mobile`.
//! - **Content** (printed `***`): personal message content, from the reviewed per-product list
//!   `codegen/data/redaction.json` (SMS template parameters — verification codes —, reply texts...).
//!
//! The rule is on names, so a new product is covered the day it is generated; the data list adds what names
//! cannot tell. Runtime side: `sdk_core::redact` prints the markers.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// How a member is shown in `Debug`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Redaction {
    Secret,
    Phone,
    Content,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "as")]
    redaction: Redaction,
    #[allow(dead_code)]
    why: String,
}

type Table = BTreeMap<String, BTreeMap<String, Entry>>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut value: serde_json::Value =
            serde_json::from_str(include_str!("../data/redaction.json")).expect("codegen/data/redaction.json is JSON");
        if let Some(map) = value.as_object_mut() {
            map.remove("_about");
        }
        serde_json::from_value(value).expect("codegen/data/redaction.json has the documented shape")
    })
}

/// The redaction of member `member` of product `product`, if any.
pub fn classify(product: &str, member: &str) -> Option<Redaction> {
    if let Some(e) = table().get(product).and_then(|t| t.get(member)) {
        return Some(e.redaction);
    }
    let lower = member.to_ascii_lowercase();
    const SECRET_TOKENS: [&str; 7] = [
        "token",
        "sessiontoken",
        "securitytoken",
        "webidentitytoken",
        "accesstoken",
        "refreshtoken",
        "idtoken",
    ];
    let secret = lower.ends_with("secretkey")
        || SECRET_TOKENS.contains(&lower.as_str())
        || [
            "password",
            "passwd",
            "privatekey",
            "tokencode",
            "verificationcode",
            "verifycode",
        ]
        .iter()
        .any(|p| lower.contains(p))
        || lower == "credential";
    if secret {
        return Some(Redaction::Secret);
    }
    if lower.contains("phonenumber") || lower.contains("mobile") {
        return Some(Redaction::Phone);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for s in [
            "SecretKey",
            "TmpSecretKey",
            "Token",
            "WebIdentityToken",
            "Password",
            "DBPassword",
            "PrivateKey",
            "TokenCode",
        ] {
            assert_eq!(classify("x", s), Some(Redaction::Secret), "{s}");
        }
        for p in ["PhoneNumber", "PhoneNumberSet", "Mobile", "MobilePhone"] {
            assert_eq!(classify("x", p), Some(Redaction::Phone), "{p}");
        }
        for none in [
            "ClientToken",
            "NextToken",
            "PageToken",
            "SecretId",
            "TmpSecretId",
            "SignName",
            "Limit",
        ] {
            assert_eq!(classify("x", none), None, "{none}");
        }
        assert_eq!(classify("sms", "TemplateParamSet"), Some(Redaction::Content));
        assert_eq!(
            classify("cvm", "TemplateParamSet"),
            None,
            "the data list is per product"
        );
    }

    #[test]
    fn the_data_file_loads() {
        assert!(table().contains_key("sms") && table().contains_key("sts"));
    }
}
