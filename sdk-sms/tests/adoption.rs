//! Issue 13 traps, through public APIs: the common error codes map to typed variants (they answered
//! `Other("AuthFailure...")`), and a client is configured with `sdk-sms` alone (no `sdk-core` dependency).

mod common;

use sdk_sms::v20210111::{Client, DescribeSmsSignListRequest, ErrorCode};
use sdk_sms::{ClientProfile, Credential, HttpMethod, HttpProfile, Language, RetryPolicy, SignMethod};
use tc_emulator::{Emulator, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, SEED_SIGN_ID};

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

/// Issue 13: a SendSms that failed after it was sent (and was rightly not retried) did not say the messages
/// may have gone out, nor what to do. A failure before sending does not say so.
#[tokio::test]
async fn a_send_that_may_have_gone_out_says_so() {
    use tc_emulator::Fault;
    let emulator = Emulator::builder()
        .fault(Fault::connection_reset().action("SendSms").first(1))
        .start()
        .await
        .unwrap();
    let client = common::client(&emulator);
    let request = common::seed_send_sms("+8613800001234", ["1234", "5"]);
    let err = client.send_sms(&request).await.unwrap_err();
    assert!(err.may_have_reached_service(), "{err:?}");
    assert!(
        err.to_string()
            .contains("may have reached the service and was not sent again"),
        "{err}"
    );
    assert_eq!(emulator.requests().len(), 1, "not re-sent");

    // Nothing listening: the request was never sent, and the error does not claim otherwise.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let profile = ClientProfile::new()
        .retry_policy(RetryPolicy::none())
        .http_profile(HttpProfile::new().endpoint(url));
    let client = Client::with_profile(
        Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY).unwrap(),
        "ap-guangzhou",
        profile,
    );
    let err = client.send_sms(&request).await.unwrap_err();
    assert!(err.is_connect() && !err.may_have_reached_service(), "{err}");
}
