//! Wire names → Rust identifiers.
//!
//! * Words are split at lower→upper changes and before the last capital of an acronym run
//!   (`ISOCode` → `ISO` `Code`, `SmsSdkAppId` → `Sms` `Sdk` `App` `Id`); digits stay with the word before them
//!   (`Ipv6Address` → `Ipv6` `Address`); an acronym whose last capital is followed by one lower-case letter
//!   and a digit is one word (`IPv6Address` → `IPv6` `Address`, so `ipv6_address` as a user types it, not
//!   `i_pv6_address`); any other character separates words.
//! * snake_case for fields and methods, PascalCase for types and enum variants. Type names that already are
//!   valid PascalCase identifiers are kept as the spec spells them (`ISOCodeInfo` stays), so docs and
//!   searches match the API reference; others are re-cased word by word.
//! * Keywords become raw identifiers (`r#type`); the ones raw identifiers cannot take (`self`, `Self`,
//!   `super`, `crate`, `_`) get a `_` suffix.
//! * A name starting with a digit gets a `_` prefix (snake) or an `N` prefix (Pascal).
//! * Names that collide within one scope are deduplicated with a numeric suffix (`template_id_2`) by
//!   [`Scope`], first come (spec order) first served.

use std::collections::BTreeSet;

use proc_macro2::{Ident, Span};

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in",
    "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super",
    "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box",
    "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];
/// Keywords that `r#` cannot be applied to.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Prefix of every crate's name on crates.io (`docs/release.md`): the repository's own names (`sdk-core`,
/// `tencentcloud-sdk-sms`...) are taken there by unrelated crates.
pub const REGISTRY_PREFIX: &str = "tencentcloud-api-";

/// The crates.io name of a workspace package (its folder name): `sdk-sms` → `tencentcloud-api-sms`,
/// `sdk-core` → `tencentcloud-api-core`, `tc-emulator` → `tencentcloud-api-emulator`. Users still write
/// `use sdk_sms::...`: the published manifest keeps the library name (`[lib] name = "sdk_sms"`).
pub fn registry_name(package: &str) -> String {
    let rest = package
        .strip_prefix("sdk-")
        .or_else(|| package.strip_prefix("tc-"))
        .unwrap_or(package);
    format!("{REGISTRY_PREFIX}{rest}")
}

/// Identifier text without a raw prefix (`r#type` → `type`), as docs and derived names write it.
pub fn unraw(name: &str) -> &str {
    name.trim_start_matches("r#")
}

/// Split a wire name into words (see the module docs).
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            // `IPv6`: the lower-case letter belongs to a versioned acronym, not to a new word.
            let versioned = next_lower && chars.get(i + 2).is_some_and(|n| n.is_ascii_digit());
            // fooBar | foo1Bar | ISOCode (split before the C of "Code")
            if prev.is_ascii_lowercase()
                || (prev.is_ascii_digit() && cur.chars().any(|c| c.is_ascii_alphabetic()))
                || (prev.is_ascii_uppercase() && next_lower && !versioned)
            {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `SmsSdkAppId` → `sms_sdk_app_id`, `ISOCode` → `iso_code`. Not yet a safe identifier: see [`snake_ident`].
pub fn snake(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// `foo_bar` → `FooBar`; valid PascalCase names (`ISOCodeInfo`) are kept.
pub fn pascal(name: &str) -> String {
    let valid =
        name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && name.chars().all(|c| c.is_ascii_alphanumeric());
    if valid {
        return name.to_string();
    }
    words(name)
        .iter()
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// A snake_case identifier text for a wire name, keyword- and digit-safe (`r#type`, `self_`, `_3d_model`).
/// Returns `None` when nothing identifier-like is left (e.g. the name is empty or all punctuation).
pub fn snake_ident(name: &str) -> Option<String> {
    let s = snake(name);
    if s.is_empty() {
        return None;
    }
    Some(fix_ident(if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{s}")
    } else {
        s
    }))
}

/// A PascalCase identifier text for a wire name (`Self_`, `N2fa`). `None` as for [`snake_ident`].
pub fn pascal_ident(name: &str) -> Option<String> {
    let s = pascal(name);
    if s.is_empty() {
        return None;
    }
    Some(fix_ident(if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("N{s}")
    } else {
        s
    }))
}

/// `SCREAMING_SNAKE` for statics (`SEND_SMS`).
pub fn screaming(name: &str) -> Option<String> {
    snake_ident(name).map(|s| s.trim_start_matches("r#").trim_end_matches('_').to_ascii_uppercase())
}

fn fix_ident(s: String) -> String {
    if NOT_RAW.contains(&s.as_str()) {
        format!("{s}_")
    } else if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// Turn identifier text (possibly `r#kw`) into an [`Ident`].
pub fn ident(text: &str) -> Ident {
    match text.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(text, Span::call_site()),
    }
}

/// Names already used in one scope (a struct's fields, a module's types, an enum's variants).
#[derive(Debug, Default)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope where `reserved` are already taken (e.g. `new` among a request's setters).
    pub fn with_reserved(reserved: &[&str]) -> Scope {
        Scope {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// `candidate`, or `candidate_2`, `candidate_3`... (`Candidate2` for Pascal names) if taken.
    pub fn claim(&mut self, candidate: &str) -> String {
        let bare = candidate.trim_start_matches("r#");
        let key = |s: &str| s.trim_start_matches("r#").to_string();
        if !self.taken.contains(&key(candidate)) {
            self.taken.insert(key(candidate));
            return candidate.to_string();
        }
        let pascal = bare.starts_with(|c: char| c.is_ascii_uppercase()) && !bare.contains('_');
        let base = bare.trim_end_matches('_');
        for n in 2.. {
            let next = if pascal {
                format!("{base}{n}")
            } else {
                format!("{base}_{n}")
            };
            if !self.taken.contains(&next) {
                self.taken.insert(next.clone());
                return next;
            }
        }
        unreachable!("an unbounded counter always finds a free name")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names() {
        assert_eq!(registry_name("sdk-sms"), "tencentcloud-api-sms");
        assert_eq!(registry_name("sdk-core"), "tencentcloud-api-core");
        assert_eq!(registry_name("tc-emulator"), "tencentcloud-api-emulator");
        assert_eq!(registry_name("tc-cli"), "tencentcloud-api-cli");
        assert_eq!(registry_name("sdk-autoscaling"), "tencentcloud-api-autoscaling");
    }

    #[test]
    fn acronyms_and_words() {
        assert_eq!(snake("SmsSdkAppId"), "sms_sdk_app_id");
        assert_eq!(snake("PhoneNumberSet"), "phone_number_set");
        assert_eq!(snake("ISOCode"), "iso_code");
        assert_eq!(snake("URL"), "url");
        assert_eq!(snake("TemplateID"), "template_id");
        assert_eq!(snake("SmsSdkAppid"), "sms_sdk_appid");
        assert_eq!(snake("Ipv6Address"), "ipv6_address");
        assert_eq!(snake("IPv6Address"), "ipv6_address");
        assert_eq!(snake("AllocateIPv6Addresses"), "allocate_ipv6_addresses");
        assert_eq!(snake("IPv4AddressType"), "ipv4_address_type");
        assert_eq!(snake("IPv6InternetAccessible"), "ipv6_internet_accessible");
        assert_eq!(snake("HTTPSProxy2Url"), "https_proxy2_url");
        assert_eq!(snake("already_snake"), "already_snake");
        assert_eq!(snake("Dotted.Name-x"), "dotted_name_x");
    }

    #[test]
    fn keywords_and_digits() {
        assert_eq!(snake_ident("type").unwrap(), "r#type");
        assert_eq!(snake_ident("Match").unwrap(), "r#match");
        assert_eq!(snake_ident("Async").unwrap(), "r#async");
        assert_eq!(snake_ident("self").unwrap(), "self_");
        assert_eq!(snake_ident("Self").unwrap(), "self_");
        assert_eq!(snake_ident("Crate").unwrap(), "crate_");
        assert_eq!(snake_ident("Super").unwrap(), "super_");
        assert_eq!(snake_ident("3DModel").unwrap(), "_3d_model");
        assert_eq!(pascal_ident("3dModel").unwrap(), "N3dModel");
        assert_eq!(pascal_ident("Self").unwrap(), "Self_");
        assert_eq!(pascal_ident("foo_bar").unwrap(), "FooBar");
        assert_eq!(pascal_ident("ISOCodeInfo").unwrap(), "ISOCodeInfo");
        assert_eq!(snake_ident("..."), None);
        assert_eq!(snake_ident(""), None);
        assert_eq!(screaming("SendSms").unwrap(), "SEND_SMS");
        assert_eq!(screaming("Type").unwrap(), "TYPE");
        // Every produced text is a valid identifier.
        for t in ["r#type", "self_", "_3d_model", "N3dModel", "Self_"] {
            let _ = ident(t);
        }
    }

    #[test]
    fn std_names_are_kept_as_types() {
        // The generator emits fully qualified std paths, so these are safe as user type names.
        for n in ["Option", "Result", "String", "Box", "Vec", "Type"] {
            assert_eq!(pascal_ident(n).unwrap(), n);
        }
    }

    #[test]
    fn collisions_get_numeric_suffixes() {
        let mut s = Scope::default();
        assert_eq!(s.claim("template_id"), "template_id");
        assert_eq!(s.claim("template_id"), "template_id_2");
        assert_eq!(s.claim("template_id"), "template_id_3");
        assert_eq!(s.claim("r#type"), "r#type");
        assert_eq!(s.claim("r#type"), "type_2");
        let mut s = Scope::with_reserved(&["new"]);
        assert_eq!(s.claim("new"), "new_2");
        let mut t = Scope::default();
        assert_eq!(t.claim("Other"), "Other");
        assert_eq!(t.claim("Other"), "Other2");
        assert_eq!(t.claim("self_"), "self_");
        assert_eq!(t.claim("self_"), "self_2");
    }
}
