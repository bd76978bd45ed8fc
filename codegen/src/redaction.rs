//! Which generated members are hidden in `Debug`, and how: the written policy for secrets and personal data
//! in generated types (docs/security.md). The generator applies it to every object of every product; nothing
//! is marked by hand per type.
//!
//! - **Secret** (printed `***`): by name — `SecretKey`/`TmpSecretKey` and anything ending in `SecretKey`,
//!   `Token` alone and the credential tokens (`SessionToken`, `SecurityToken`, `WebIdentityToken`,
//!   `AccessToken`, `RefreshToken`, `IdToken`), anything containing `Password`, `Passwd`, `PrivateKey` or a
//!   one-time code (`TokenCode`, `VerificationCode`, `VerifyCode`), and a member named `Credential`. Not `ClientToken` (an idempotency key) nor paging tokens
//!   (`NextToken`, `PageToken`), which are not secrets.
//! - **Phone** (all but the last 4 characters masked: `***4444`): names containing `Phone`, `Mobile`,
//!   `SubscriberNumber` or `Msisdn`.
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

/// The redaction of member `member` of product `product`, if any, by its name (and the data list). A member
/// the name rules miss is still caught by what its documentation says it holds ([`by_document`]).
pub fn classify(product: &str, member: &str) -> Option<Redaction> {
    if let Some(e) = table().get(product).and_then(|t| t.get(member)) {
        return Some(e.redaction);
    }
    let lower = member.to_ascii_lowercase();
    if is_secret_name(&lower) {
        return Some(Redaction::Secret);
    }
    // `Phone` alone too: `ContactPhone`, `BuyerPhone`, `DoctorPhone` (34 members over the 300 specs printed
    // in full); a member that only describes a phone (`PhoneCallType`) is masked as well, the safe side.
    if ["phone", "mobile", "subscribernumber", "msisdn"]
        .iter()
        .any(|p| lower.contains(p))
    {
        return Some(Redaction::Phone);
    }
    None
}

/// Secret by (lower-case) name: keys, credential tokens, passwords, one-time codes, SAML assertions.
fn is_secret_name(lower: &str) -> bool {
    const SECRET_TOKENS: [&str; 7] = [
        "token",
        "sessiontoken",
        "securitytoken",
        "webidentitytoken",
        "accesstoken",
        "refreshtoken",
        "idtoken",
    ];
    const SECRET_PARTS: [&str; 8] = [
        "password",
        "passwd",
        "privatekey",
        "tokencode",
        "verificationcode",
        "verifycode",
        "samlassertion",
        "captcha",
    ];
    lower.ends_with("secretkey")
        || SECRET_TOKENS.contains(&lower)
        || SECRET_PARTS.iter().any(|p| lower.contains(p))
        || lower == "credential"
}

/// The redaction a text member's documentation calls for (Chinese and English, as the specs write them):
/// it holds a phone number, a one-time code, a person's name or a message a person wrote. Applied to text
/// members only (`ir/redact.rs`); this is what makes the policy cover members named in ways the name
/// rules cannot foresee (`SubscriberNumber` was one).
pub fn by_document(doc: &str) -> Option<Redaction> {
    const PHONE: [&str; 6] = [
        "手机号",
        "电话号码",
        "用户号码",
        "phone number",
        "mobile number",
        "e.164",
    ];
    const CODE: [&str; 3] = ["验证码", "verification code", "saml 断言"];
    const PERSONAL: [&str; 7] = [
        "姓名",
        "real name",
        "用户回复",
        "回复的内容",
        "reply content",
        "短信下发内容",
        "短信内容",
    ];
    let lower = doc.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    if has(&CODE) {
        Some(Redaction::Secret)
    } else if has(&PHONE) {
        Some(Redaction::Phone)
    } else if has(&PERSONAL) {
        Some(Redaction::Content)
    } else {
        None
    }
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
            "SAMLAssertion",
        ] {
            assert_eq!(classify("x", s), Some(Redaction::Secret), "{s}");
        }
        for p in [
            "PhoneNumber",
            "PhoneNumberSet",
            "Mobile",
            "MobilePhone",
            "SubscriberNumber",
        ] {
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
    fn documents() {
        assert_eq!(
            by_document("用户号码，普通格式，示例如：18501234444。"),
            Some(Redaction::Phone)
        );
        assert_eq!(by_document("The recipient's phone number"), Some(Redaction::Phone));
        assert_eq!(by_document("mfa身份验证码。"), Some(Redaction::Secret));
        assert_eq!(by_document("base64 编码的 SAML 断言信息"), Some(Redaction::Secret));
        assert_eq!(by_document("联系人姓名"), Some(Redaction::Content));
        assert_eq!(by_document("用户回复的内容。"), Some(Redaction::Content));
        for none in [
            "模板名称。",
            "签名名称。",
            "国家（或地区）码。",
            "错误码。上报成功返回 ok。",
        ] {
            assert_eq!(by_document(none), None, "{none}");
        }
    }

    #[test]
    fn the_data_file_loads() {
        assert!(table().contains_key("sms") && table().contains_key("sts"));
    }
}
