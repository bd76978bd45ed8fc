//! The generated blocking client (cargo feature `blocking`) end to end: plain `#[test]`s without any async
//! runtime send through `sdk_sms::v20210111::blocking::Client` to the emulator, which verifies the TC3
//! signature with its own code. The emulator runs on a runtime each test builds for it alone (one worker
//! thread); the client never sees that runtime.
#![cfg(feature = "blocking")]

use sdk_sms::v20210111::{
    blocking, Client, DescribeSmsTemplateListRequest, ErrorCode, SendSmsRequest, SendSmsRequired,
};
use sdk_sms::{ClientProfile, Credential, HttpProfile};
use tc_emulator::{Emulator, Fault, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, SEED_SDK_APP_ID, SEED_SIGN_NAME};

/// The emulator's own runtime and the emulator on it. Field order: the emulator stops before its runtime.
struct Server {
    emulator: Emulator,
    _runtime: tokio::runtime::Runtime,
}

fn server(faults: Vec<Fault>) -> Server {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let emulator = runtime.block_on(async {
        let mut builder = Emulator::builder();
        for fault in faults {
            builder = builder.fault(fault);
        }
        builder.start().await.unwrap()
    });
    Server {
        emulator,
        _runtime: runtime,
    }
}

fn profile(emulator: &Emulator) -> ClientProfile {
    ClientProfile::new().http_profile(HttpProfile::new().endpoint(emulator.base_url()))
}

fn credential() -> Credential {
    Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY).unwrap()
}

fn send_request(number: &str) -> SendSmsRequest {
    SendSmsRequest::new(SendSmsRequired {
        phone_number_set: vec![number.into()],
        sms_sdk_app_id: SEED_SDK_APP_ID.into(),
        template_id: "1110".into(),
    })
    .sign_name(SEED_SIGN_NAME)
    .template_param_set(vec!["4370".into(), "5".into()])
}

#[test]
fn send_sms_without_a_runtime_is_typed_and_recorded() {
    assert!(
        tokio::runtime::Handle::try_current().is_err(),
        "the test itself has no runtime"
    );
    let server = server(Vec::new());
    let emulator = &server.emulator;
    let client = blocking::Client::with_profile(credential(), "ap-guangzhou", profile(emulator));

    let response = client.send_sms(&send_request("+8613800000000")).unwrap();

    assert_eq!(response.send_status_set.len(), 1);
    let status = &response.send_status_set[0];
    assert_eq!((status.code.as_str(), status.fee), ("Ok", 1), "{status:?}");
    assert_eq!(status.phone_number, "+8613800000000");
    assert!(!status.serial_no.is_empty());
    assert!(!response.request_id.is_empty());

    let sent = emulator.sms().sent();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].text.contains("您的验证码是4370"), "{:?}", sent[0].text);
    let requests = emulator.requests();
    let last = requests.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.version.as_str(), last.code.as_str()),
        ("SendSms", "2021-01-11", "Ok")
    );

    // Wrapping an async client of the same version; a read action through it.
    let wrapped = blocking::Client::from_async(Client::with_profile(credential(), "ap-guangzhou", profile(emulator)));
    let templates = wrapped
        .describe_sms_template_list(&DescribeSmsTemplateListRequest::new(0).template_id_set(vec![1110]))
        .unwrap();
    assert_eq!(templates.describe_template_status_set[0].template_id, 1110);
    assert_eq!(emulator.requests().len(), 2);
}

#[test]
fn service_error_is_typed() {
    let server = server(vec![Fault::error_code(
        "FailedOperation.InsufficientBalanceInSmsPackage",
    )
    .action("SendSms")]);
    let emulator = &server.emulator;
    let client = blocking::Client::with_profile(credential(), "ap-guangzhou", profile(emulator));

    let err = client.send_sms(&send_request("+8613800000000")).unwrap_err();

    assert!(err.is_service(), "{err:?}");
    assert_eq!(
        ErrorCode::of(&err),
        Some(ErrorCode::FailedOperationInsufficientBalanceInSmsPackage)
    );
    assert!(err.request_id().is_some_and(|id| !id.is_empty()));
    assert!(emulator.sms().sent().is_empty());
    assert_eq!(
        emulator.requests().last().unwrap().code,
        "FailedOperation.InsufficientBalanceInSmsPackage"
    );
}
