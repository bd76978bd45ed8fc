//! Shared support for sdk-sms's tests: a client of the emulator, and the preloaded SendSms.

#![allow(dead_code)]

use sdk_sms::v20210111::{Client, SendSmsRequest, SendSmsRequired};
use sdk_sms::{ClientProfile, Credential, HttpProfile};
use tc_emulator::{Emulator, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, SEED_SDK_APP_ID, SEED_SIGN_NAME, SEED_TEMPLATE_ID};

/// A client of `emulator` in ap-guangzhou, signing with its default credential.
pub fn client(emulator: &Emulator) -> Client {
    let credential = Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY).unwrap();
    let profile = ClientProfile::new().http_profile(HttpProfile::new().endpoint(emulator.base_url()));
    Client::with_profile(credential, "ap-guangzhou", profile)
}

/// A SendSms to `phone` with the emulator's preloaded app, sign and template, and `params`.
pub fn seed_send_sms(phone: &str, params: [&str; 2]) -> SendSmsRequest {
    SendSmsRequest::new(SendSmsRequired {
        phone_number_set: vec![phone.into()],
        sms_sdk_app_id: SEED_SDK_APP_ID.into(),
        template_id: SEED_TEMPLATE_ID.to_string(),
    })
    .sign_name(SEED_SIGN_NAME)
    .template_param_set(params.iter().map(|p| p.to_string()).collect())
}
