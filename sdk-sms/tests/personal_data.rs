//! Issue 14 item 3: personal data in generated SMS types. Policy (docs/security.md, applied by the generator
//! in codegen/src/redaction.rs): phone numbers show only their last 4 characters, template parameters
//! (verification codes), reply texts and session context print `***`. Checked on a real SendSms to the
//! emulator and on the typed answers.

use sdk_sms::v20210111::{Client, SendSmsRequest, SendSmsRequired};
use sdk_sms::{ClientProfile, Credential, HttpProfile};
use tc_emulator::{Emulator, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, SEED_SDK_APP_ID, SEED_SIGN_NAME, SEED_TEMPLATE_ID};

#[tokio::test]
async fn numbers_are_masked_and_codes_hidden_in_debug() {
    let emulator = Emulator::start().await.unwrap();
    let profile = ClientProfile::new().http_profile(HttpProfile::new().endpoint(emulator.base_url()));
    let client = Client::with_profile(
        Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY).unwrap(),
        "ap-guangzhou",
        profile,
    );
    let request = SendSmsRequest::new(SendSmsRequired {
        phone_number_set: vec!["+8613800001234".into()],
        sms_sdk_app_id: SEED_SDK_APP_ID.into(),
        template_id: SEED_TEMPLATE_ID.to_string(),
    })
    .sign_name(SEED_SIGN_NAME)
    .template_param_set(vec!["739155".into(), "5".into()])
    .session_context("user-42-context");
    let response = client.send_sms(&request).await.unwrap();
    assert_eq!(
        emulator.sms().sent()[0].params,
        ["739155", "5"],
        "the real values were sent"
    );

    let shown = format!("{request:?} {request:#?} {response:?} {response:#?}");
    for personal in ["13800001234", "739155", "user-42-context"] {
        assert!(!shown.contains(personal), "{personal} in Debug: {shown}");
    }
    assert!(shown.contains("***1234"), "numbers keep their last 4 digits: {shown}");
    assert!(shown.contains(SEED_SIGN_NAME), "other members still print: {shown}");
}
