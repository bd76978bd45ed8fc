//! End to end: generated SMS client → sdk-core signs and sends → the emulator verifies the TC3 signature
//! with its own implementation → typed response or typed error.

use sdk_sms::v20210111::{
    Client, DescribeSmsTemplateListRequest, ErrorCode, PullSmsSendStatusRequest, SendSmsRequest, SendSmsRequired,
};
use sdk_sms::{ClientProfile, Credential, HttpProfile};
use tc_emulator::{Emulator, Fault, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, SEED_SDK_APP_ID, SEED_SIGN_NAME};

fn client_for(emulator: &Emulator, credential: Credential) -> Client {
    let profile = ClientProfile::new().http_profile(HttpProfile::new().endpoint(emulator.base_url()));
    Client::with_profile(credential, "ap-guangzhou", profile)
}

fn credential() -> Credential {
    Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY).unwrap()
}

fn send_request(numbers: &[&str]) -> SendSmsRequest {
    SendSmsRequest::new(SendSmsRequired {
        phone_number_set: numbers.iter().map(|n| n.to_string()).collect(),
        sms_sdk_app_id: SEED_SDK_APP_ID.into(),
        template_id: "1110".into(),
    })
    .sign_name(SEED_SIGN_NAME)
    .template_param_set(vec!["4370".into(), "5".into()])
}

#[tokio::test]
async fn send_sms_round_trip_is_typed_and_recorded() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator, credential());

    let response = client
        .send_sms(&send_request(&["+8613800000000", "+8613800000001"]))
        .await
        .unwrap();

    assert_eq!(response.send_status_set.len(), 2);
    for status in &response.send_status_set {
        assert_eq!(status.code, "Ok", "{status:?}");
        assert_eq!(status.fee, 1);
        assert!(!status.serial_no.is_empty());
    }
    assert_eq!(response.send_status_set[1].phone_number, "+8613800000001");
    assert!(!response.request_id.is_empty());

    let sent = emulator.sms().sent();
    assert_eq!(sent.len(), 2);
    assert!(sent[0].text.contains("您的验证码是4370"), "{:?}", sent[0].text);

    // What went over the wire: the emulator records each request with the headers the SDK set.
    let requests = emulator.requests();
    let last = requests.last().unwrap();
    assert_eq!(last.action, "SendSms");
    assert_eq!(last.version, "2021-01-11");
    assert_eq!(last.code, "Ok");
    let header = |name: &str| last.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!(header("x-tc-region"), Some("ap-guangzhou"));
    assert!(header("x-tc-requestclient").is_some_and(|v| v.starts_with("SDK_RUST_")));
    assert!(header("x-tc-timestamp").is_some());
}

#[tokio::test]
async fn service_error_is_typed_and_matchable() {
    let emulator = Emulator::builder()
        .fault(Fault::error_code("FailedOperation.InsufficientBalanceInSmsPackage").action("SendSms"))
        .start()
        .await
        .unwrap();
    let client = client_for(&emulator, credential());

    let err = client.send_sms(&send_request(&["+8613800000000"])).await.unwrap_err();

    assert!(err.is_service(), "{err:?}");
    assert_eq!(err.code(), Some("FailedOperation.InsufficientBalanceInSmsPackage"));
    assert!(err.request_id().is_some_and(|id| !id.is_empty()));
    assert_eq!(
        ErrorCode::of(&err),
        Some(ErrorCode::FailedOperationInsufficientBalanceInSmsPackage)
    );
    assert!(ErrorCode::FailedOperationInsufficientBalanceInSmsPackage
        .description()
        .unwrap()
        .contains("套餐包"));
    let shown = err.to_string();
    assert!(
        shown.contains("FailedOperation.InsufficientBalanceInSmsPackage"),
        "{shown}"
    );
    assert!(shown.contains(err.request_id().unwrap()), "{shown}");
}

#[tokio::test]
async fn wrong_secret_key_is_rejected_by_the_verifier() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator, Credential::new(DEFAULT_SECRET_ID, "not-the-key").unwrap());

    let err = client.send_sms(&send_request(&["+8613800000000"])).await.unwrap_err();

    assert_eq!(err.code(), Some("AuthFailure.SignatureFailure"), "{err}");
    assert_eq!(
        ErrorCode::of(&err),
        Some(ErrorCode::parse("AuthFailure.SignatureFailure"))
    );
    assert!(emulator.sms().sent().is_empty());
}

#[tokio::test]
async fn unknown_codes_still_work() {
    let emulator = Emulator::builder()
        .fault(Fault::error_code("FailedOperation.SomethingNew").action("SendSms"))
        .start()
        .await
        .unwrap();
    let client = client_for(&emulator, credential());

    let err = client.send_sms(&send_request(&["+8613800000000"])).await.unwrap_err();

    assert_eq!(
        ErrorCode::of(&err),
        Some(ErrorCode::Other("FailedOperation.SomethingNew".into()))
    );
}

#[tokio::test]
async fn read_actions_reflect_state() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator, credential());
    client.send_sms(&send_request(&["+8613800000000"])).await.unwrap();

    let templates = client
        .describe_sms_template_list(&DescribeSmsTemplateListRequest::new(0).template_id_set(vec![1110]))
        .await
        .unwrap();
    assert_eq!(templates.describe_template_status_set.len(), 1);
    assert_eq!(templates.describe_template_status_set[0].template_id, 1110);

    let pulled = client
        .pull_sms_send_status(&PullSmsSendStatusRequest::new(10, SEED_SDK_APP_ID))
        .await
        .unwrap();
    assert_eq!(pulled.pull_sms_send_status_set.len(), 1);
    assert_eq!(pulled.pull_sms_send_status_set[0].phone_number, "+8613800000000");
}

#[cfg(feature = "v20190711")]
#[tokio::test]
async fn older_version_is_served_from_its_examples() {
    use sdk_sms::v20190711;
    let emulator = Emulator::start().await.unwrap();
    let profile = ClientProfile::new().http_profile(HttpProfile::new().endpoint(emulator.base_url()));
    let client = v20190711::Client::with_profile(credential(), "ap-guangzhou", profile);

    let request = v20190711::SendSmsRequest::new(v20190711::SendSmsRequired {
        phone_number_set: vec!["+8613800000000".into()],
        template_id: "1110".into(),
        sms_sdk_appid: "1400006666".into(),
    });
    let response = client.send_sms(&request).await.unwrap();

    assert!(!response.send_status_set.is_empty());
    assert_eq!(emulator.requests().last().unwrap().version, "2019-07-11");
}
