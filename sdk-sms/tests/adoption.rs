//! Issue 13 traps, through public APIs: the common error codes map to typed variants (they answered
//! `Other("AuthFailure...")`), and a client is configured with `sdk-sms` alone (no `sdk-core` dependency).

use sdk_sms::v20210111::{Client, DescribeSmsSignListRequest, ErrorCode};
use sdk_sms::{ClientProfile, Credential, HttpMethod, HttpProfile, Language, RetryPolicy, SignMethod};
use tc_emulator::{Emulator, DEFAULT_SECRET_ID, SEED_SIGN_ID};

#[tokio::test]
async fn common_error_codes_are_typed_and_profiles_need_only_this_crate() {
    let emulator = Emulator::start().await.unwrap();
    let profile = ClientProfile::new()
        .sign_method(SignMethod::Tc3HmacSha256)
        .language(Language::EnUs)
        .retry_policy(RetryPolicy::none())
        .http_profile(
            HttpProfile::new()
                .endpoint(emulator.base_url())
                .req_method(HttpMethod::Post),
        );
    // A wrong key: the emulator answers AuthFailure.SignatureFailure, a common code no SMS errorcodes.json lists.
    let client = Client::with_profile(
        Credential::new(DEFAULT_SECRET_ID, "wrong-key").unwrap(),
        "ap-guangzhou",
        profile,
    );
    let err = client
        .describe_sms_sign_list(&DescribeSmsSignListRequest::new(0).sign_id_set(vec![SEED_SIGN_ID]))
        .await
        .unwrap_err();
    assert_eq!(
        ErrorCode::of(&err),
        Some(ErrorCode::AuthFailureSignatureFailure),
        "{err}"
    );
    assert_eq!(
        ErrorCode::AuthFailureSignatureFailure.as_str(),
        "AuthFailure.SignatureFailure"
    );
    assert!(ErrorCode::InternalError.description().is_some());
    assert_eq!(ErrorCode::parse("UnsupportedRegion"), ErrorCode::UnsupportedRegion);
}
