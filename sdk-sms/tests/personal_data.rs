//! Issue 14 item 3: personal data in generated SMS types. Policy (docs/security.md, applied by the generator
//! in codegen/src/redaction.rs): phone numbers show only their last 4 characters, template parameters
//! (verification codes), reply texts and session context print `***`. Checked on a real SendSms to the
//! emulator and on the typed answers.

mod common;

use tc_emulator::{Emulator, SEED_SIGN_NAME};

#[tokio::test]
async fn numbers_are_masked_and_codes_hidden_in_debug() {
    let emulator = Emulator::start().await.unwrap();
    let client = common::client(&emulator);
    let request = common::seed_send_sms("+8613800001234", ["739155", "5"]).session_context("user-42-context");
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
