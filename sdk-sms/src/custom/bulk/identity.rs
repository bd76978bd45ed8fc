//! A campaign's identity: what makes two runs the same campaign, so that a journal or store of another
//! campaign is refused instead of silently skipping numbers.
//!
//! The identity is the campaign's name ([`BulkConfig::campaign`]), the SmsSdkAppId, template and sign,
//! a digest of the campaign's template parameters (the parameters themselves may be verification codes,
//! so only a digest is kept) and, when the caller gives one, a digest of the input
//! ([`BulkConfig::input_digest`]). Its [fingerprint](CampaignIdentity::fingerprint) (16 hex digits of a
//! SHA-256) is part of every batch id, `bulk-<fingerprint>-<run>-<seq>`: reconciliation recognizes any
//! request of the same campaign by that prefix, and a number with a status from another request of its
//! own campaign is never taken as not sent (what an edited journal could otherwise make happen).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::BulkConfig;

/// Who a campaign is; stored first in every journal and in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignIdentity {
    /// The caller's name for it (empty: unnamed).
    pub name: String,
    pub sms_sdk_app_id: String,
    pub template_id: String,
    pub sign_name: Option<String>,
    /// Hex SHA-256 of the campaign's template parameters.
    pub params_digest: String,
    /// The caller's digest of the input, if any (`bulk_send` gives the CSV file's SHA-256).
    pub input_digest: Option<String>,
}

impl CampaignIdentity {
    /// The identity a configuration describes.
    pub fn of(config: &BulkConfig) -> CampaignIdentity {
        let mut params = Sha256::new();
        for p in &config.template_params {
            // Length-prefixed, so ["a,b"] and ["a","b"] differ.
            params.update((p.len() as u64).to_be_bytes());
            params.update(p.as_bytes());
        }
        CampaignIdentity {
            name: config.campaign.clone(),
            sms_sdk_app_id: config.sms_sdk_app_id.clone(),
            template_id: config.template_id.clone(),
            sign_name: config.sign_name.clone(),
            params_digest: hex(&params.finalize()),
            input_digest: config.input_digest.clone(),
        }
    }

    /// 16 hex digits identifying the campaign (a prefix of the SHA-256 of every field).
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        for field in [
            self.name.as_str(),
            &self.sms_sdk_app_id,
            &self.template_id,
            self.sign_name.as_deref().unwrap_or("\u{0}none"),
            &self.params_digest,
            self.input_digest.as_deref().unwrap_or("\u{0}none"),
        ] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        hex(&h.finalize()[..8])
    }

    /// `None` when `other` is the same campaign; otherwise the names of the fields that differ (never
    /// their values beyond the campaign's name, app, template and sign, which are not personal data).
    pub fn mismatch(&self, other: &CampaignIdentity) -> Option<String> {
        let mut differ = Vec::new();
        if self.name != other.name {
            differ.push(format!("name `{}` (stored `{}`)", self.name, other.name));
        }
        if self.sms_sdk_app_id != other.sms_sdk_app_id {
            differ.push(format!(
                "SmsSdkAppId {} (stored {})",
                self.sms_sdk_app_id, other.sms_sdk_app_id
            ));
        }
        if self.template_id != other.template_id {
            differ.push(format!(
                "TemplateId {} (stored {})",
                self.template_id, other.template_id
            ));
        }
        if self.sign_name != other.sign_name {
            differ.push("SignName".into());
        }
        if self.params_digest != other.params_digest {
            differ.push("template parameters".into());
        }
        if self.input_digest != other.input_digest {
            differ.push("input digest".into());
        }
        (!differ.is_empty()).then(|| differ.join(", "))
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_changes_the_fingerprint_and_is_named_in_the_mismatch() {
        let base = BulkConfig::new("1400006666", "1110")
            .sign_name("s")
            .template_params(["4370", "5"]);
        let a = CampaignIdentity::of(&base);
        assert_eq!(a.fingerprint().len(), 16);
        assert_eq!(a.mismatch(&CampaignIdentity::of(&base.clone())), None);
        let variants = [
            (base.clone().campaign("other"), "name"),
            (
                BulkConfig {
                    sms_sdk_app_id: "1400000000".into(),
                    ..base.clone()
                },
                "SmsSdkAppId",
            ),
            (
                BulkConfig {
                    template_id: "1111".into(),
                    ..base.clone()
                },
                "TemplateId",
            ),
            (base.clone().sign_name("t"), "SignName"),
            (base.clone().template_params(["4370,5"]), "template parameters"),
            (base.clone().input_digest("ab"), "input digest"),
        ];
        for (config, field) in variants {
            let b = CampaignIdentity::of(&config);
            assert_ne!(a.fingerprint(), b.fingerprint(), "{field}");
            assert!(a.mismatch(&b).unwrap().contains(field), "{field}");
        }
    }

    #[test]
    fn the_parameters_are_kept_only_as_a_digest() {
        let id = CampaignIdentity::of(&BulkConfig::new("1", "2").template_params(["834211"]));
        assert!(!serde_json::to_string(&id).unwrap().contains("834211"));
    }
}
