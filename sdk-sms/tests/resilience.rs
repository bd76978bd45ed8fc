//! Resilience against the emulator's faults: what is retried (and what must never be, like `SendSms` after
//! it may have reached the service), clock-skew recovery, region failover, hostile bodies; and a property
//! test feeding arbitrary bodies through the decoding of every SMS action's response type.

use std::time::{Duration, Instant};

use sdk_core::breaker::RegionBreakerProfile;
use sdk_core::transport::{Transport, TransportFuture};
use sdk_core::RetryPolicy;
use sdk_core::{HttpRequest, HttpResponse};
use sdk_sms::v20210111::{Client, DescribeSmsSignListRequest, SendSmsRequest, SendSmsRequired};
use sdk_sms::{ClientProfile, Credential, HttpProfile};
use tc_emulator::{Emulator, Fault, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, SEED_SDK_APP_ID, SEED_SIGN_NAME};

/// Short backoffs so every test takes well under a second or two.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

fn profile(emulator: &Emulator) -> ClientProfile {
    ClientProfile::new()
        .http_profile(HttpProfile::new().endpoint(emulator.base_url()))
        .retry_policy(fast_retries())
}

fn client_with(profile: ClientProfile) -> Client {
    let credential = Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY).unwrap();
    Client::with_profile(credential, "ap-guangzhou", profile)
}

fn client(emulator: &Emulator) -> Client {
    client_with(profile(emulator))
}

fn send() -> SendSmsRequest {
    SendSmsRequest::new(SendSmsRequired {
        phone_number_set: vec!["+8613800000000".into()],
        sms_sdk_app_id: SEED_SDK_APP_ID.into(),
        template_id: "1110".into(),
    })
    .sign_name(SEED_SIGN_NAME)
    .template_param_set(vec!["4370".into(), "5".into()])
}

fn read() -> DescribeSmsSignListRequest {
    DescribeSmsSignListRequest::new(0)
}

async fn emulator_with(fault: Fault) -> Emulator {
    Emulator::builder().fault(fault).start().await.unwrap()
}

#[tokio::test]
async fn throttled_send_sms_is_retried_and_sent_once() {
    let emu = emulator_with(Fault::error_code("RequestLimitExceeded").first(2).action("SendSms")).await;
    let response = client(&emu).send_sms(&send()).await.unwrap();
    assert_eq!(response.send_status_set[0].code, "Ok");
    assert_eq!(emu.sms().sent().len(), 1);
    let codes: Vec<String> = emu.requests().into_iter().map(|r| r.code).collect();
    assert_eq!(codes, ["RequestLimitExceeded", "RequestLimitExceeded", "Ok"]);
}

#[tokio::test]
async fn throttling_beyond_max_attempts_is_returned() {
    let emu = emulator_with(Fault::error_code("RequestLimitExceeded.UinLimitExceeded").action("SendSms")).await;
    let err = client(&emu).send_sms(&send()).await.unwrap_err();
    assert_eq!(err.code(), Some("RequestLimitExceeded.UinLimitExceeded"));
    assert_eq!(emu.requests().len(), 3);
    assert!(emu.sms().sent().is_empty());
}

#[tokio::test]
async fn reset_after_sending_send_sms_is_not_retried() {
    let emu = emulator_with(Fault::connection_reset().first(1).action("SendSms")).await;
    let err = client(&emu).send_sms(&send()).await.unwrap_err();
    assert!(err.is_transport() && !err.is_connect(), "{err:?}");
    assert_eq!(emu.requests().len(), 1, "SendSms must not be re-sent");
}

#[tokio::test]
async fn reset_after_sending_a_read_is_retried() {
    let emu = emulator_with(Fault::connection_reset().first(1).action("DescribeSmsSignList")).await;
    client(&emu).describe_sms_sign_list(&read()).await.unwrap();
    let codes: Vec<String> = emu.requests().into_iter().map(|r| r.code).collect();
    assert_eq!(codes, ["Fault.Reset", "Ok"]);
}

#[tokio::test]
async fn bad_gateway_and_internal_error_only_retried_for_reads() {
    for fault in [Fault::bad_gateway(), Fault::error_code("InternalError")] {
        let emu = emulator_with(fault.clone().first(1)).await;
        let c = client(&emu);
        let err = c.send_sms(&send()).await.unwrap_err();
        if err.is_status() {
            assert_eq!(err.status(), Some(502));
            assert!(err.body_snippet().unwrap().contains("502 Bad Gateway"), "{err}");
        } else {
            assert_eq!(err.code(), Some("InternalError"), "{err:?}");
        }
        assert_eq!(emu.requests().len(), 1, "{fault}: SendSms must not be re-sent");
        assert!(emu.sms().sent().is_empty());

        emu.reset();
        emu.set_faults(vec![fault.clone().first(1)]);
        c.describe_sms_sign_list(&read()).await.unwrap();
        assert_eq!(emu.requests().len(), 2, "{fault}: a read is retried");
    }
}

#[tokio::test]
async fn truncated_body_only_retried_for_reads() {
    let emu = emulator_with(Fault::truncated_body().first(1)).await;
    let c = client(&emu);
    let err = c.send_sms(&send()).await.unwrap_err();
    assert!(err.is_transport(), "{err:?}");
    assert_eq!(emu.requests().len(), 1);
    // The emulator executed it before cutting the answer: exactly one message, never two.
    assert_eq!(emu.sms().sent().len(), 1);

    emu.set_faults(vec![Fault::truncated_body().first(1)]);
    c.describe_sms_sign_list(&read()).await.unwrap();
    assert_eq!(emu.requests().len(), 3);
}

#[tokio::test]
async fn non_json_body_is_a_decode_error_with_a_snippet() {
    let emu = emulator_with(Fault::non_json_body()).await;
    let err = client(&emu).describe_sms_sign_list(&read()).await.unwrap_err();
    assert!(err.is_decode(), "{err:?}");
    assert_eq!(err.status(), Some(200));
    assert!(err.body_snippet().unwrap().contains("not JSON"), "{err}");
    // Not a transient failure: not retried even for a read.
    assert_eq!(emu.requests().len(), 1);
}

#[tokio::test]
async fn slow_answer_times_out_without_resending_send_sms() {
    let emu = emulator_with(Fault::latency(Duration::from_secs(3)).first(1)).await;
    let mut p = profile(&emu);
    p.http_profile.req_timeout = Duration::from_millis(300);
    let c = client_with(p);
    let t = Instant::now();
    let err = c.send_sms(&send()).await.unwrap_err();
    assert!(err.is_timeout() && !err.is_connect(), "{err:?}");
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    // Requests are counted by the fault rule on arrival: one attempt only.
    assert_eq!(emu.fault_hits()[0].matched, 1);

    // A read after a timeout is retried (the latency hit only the first request).
    emu.set_faults(vec![Fault::latency(Duration::from_secs(3)).first(1)]);
    let t = Instant::now();
    c.describe_sms_sign_list(&read()).await.unwrap();
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert_eq!(emu.fault_hits()[0].matched, 2);
}

#[tokio::test]
async fn retry_unsafe_opt_in_resends_send_sms() {
    let emu = emulator_with(Fault::error_code("InternalError").first(1).action("SendSms")).await;
    let c = client(&emu);
    let opted_in = Client::from_core(c.core().with_retry_policy(fast_retries().retry_unsafe(true)));
    opted_in.send_sms(&send()).await.unwrap();
    assert_eq!(emu.requests().len(), 2);
    assert_eq!(emu.sms().sent().len(), 1);
    // The original client keeps the safe rule.
    emu.set_faults(vec![Fault::error_code("InternalError").first(1).action("SendSms")]);
    assert_eq!(c.send_sms(&send()).await.unwrap_err().code(), Some("InternalError"));
}

#[tokio::test]
async fn clock_skew_is_corrected_once_then_remembered() {
    for offset in [3600i64, -3600] {
        let emu = Emulator::builder().clock_offset(offset).start().await.unwrap();
        // No retries configured: the correction is not a retry of an executed request.
        let c = client_with(profile(&emu).retry_policy(RetryPolicy::none()));
        c.send_sms(&send()).await.unwrap();
        let codes: Vec<String> = emu.requests().into_iter().map(|r| r.code).collect();
        assert_eq!(codes, ["AuthFailure.SignatureExpire", "Ok"], "offset {offset}");
        let learned = c.core().clock_offset();
        assert!((learned - offset).abs() <= 2, "learned {learned}, offset {offset}");

        // Clones share the offset: no more rejected requests.
        let clone = c.clone();
        clone.send_sms(&send()).await.unwrap();
        clone.describe_sms_sign_list(&read()).await.unwrap();
        assert_eq!(emu.requests().len(), 4);
        assert_eq!(emu.sms().sent().len(), 2);
    }
}

fn breaker_profile(primary: &Emulator, backup: &Emulator) -> ClientProfile {
    profile(primary).retry_policy(RetryPolicy::none()).region_breaker(
        RegionBreakerProfile::new()
            .backup_endpoint(backup.base_url())
            .max_fail_num(2)
            .max_fail_percent(50)
            .open_timeout(Duration::from_millis(300)),
    )
}

#[tokio::test]
async fn region_breaker_fails_over_to_the_backup_and_back() {
    let primary = emulator_with(Fault::bad_gateway()).await;
    let backup = Emulator::start().await.unwrap();
    let c = client_with(breaker_profile(&primary, &backup));

    for _ in 0..2 {
        let err = c.describe_sms_sign_list(&read()).await.unwrap_err();
        assert_eq!(err.status(), Some(502));
    }
    // Open: the next calls go to the backup.
    c.describe_sms_sign_list(&read()).await.unwrap();
    c.send_sms(&send()).await.unwrap();
    assert_eq!((primary.requests().len(), backup.requests().len()), (2, 2));
    assert_eq!(backup.sms().sent().len(), 1);

    // After the open timeout a probe goes to the (now healthy) primary and closes the breaker.
    primary.clear_faults();
    tokio::time::sleep(Duration::from_millis(350)).await;
    c.describe_sms_sign_list(&read()).await.unwrap();
    c.describe_sms_sign_list(&read()).await.unwrap();
    assert_eq!((primary.requests().len(), backup.requests().len()), (4, 2));
}

#[tokio::test]
async fn region_breaker_returns_the_backup_error_when_both_fail() {
    let primary = emulator_with(Fault::bad_gateway()).await;
    let backup = emulator_with(Fault::error_code("InternalError")).await;
    let c = client_with(breaker_profile(&primary, &backup));
    for _ in 0..2 {
        assert!(c.describe_sms_sign_list(&read()).await.unwrap_err().is_status());
    }
    let err = c.describe_sms_sign_list(&read()).await.unwrap_err();
    assert_eq!(err.code(), Some("InternalError"), "{err:?}");
    assert!(err.request_id().is_some());
    assert_eq!((primary.requests().len(), backup.requests().len()), (2, 1));

    // Probe fails: open again, still the backup's error.
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(c.describe_sms_sign_list(&read()).await.unwrap_err().status(), Some(502));
    assert_eq!(
        c.describe_sms_sign_list(&read()).await.unwrap_err().code(),
        Some("InternalError")
    );
    assert_eq!((primary.requests().len(), backup.requests().len()), (3, 2));
}

// ---------------------------------------------------------------------------------------------------------
// Property test: arbitrary bodies through the real decode path of every SMS 2021-01-11 response type.

#[derive(Debug)]
struct Canned {
    status: u16,
    body: Vec<u8>,
}

impl Transport for Canned {
    fn send(&self, _request: HttpRequest) -> TransportFuture<'_> {
        let response = HttpResponse::new(self.status, self.body.clone());
        Box::pin(async move { Ok(response) })
    }
}

mod decode {
    use super::*;
    use proptest::prelude::*;
    use sdk_sms::v20210111 as v;
    use serde_json::{Map, Value};

    /// Every member name of the SMS models, so generated objects hit real fields with wrong types.
    fn field_names() -> Vec<String> {
        let src = include_str!("../src/v20210111/models.rs");
        let mut names: Vec<String> = src
            .split("rename = \"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .map(str::to_owned)
            .collect();
        names.extend(["Response", "Error", "Code", "Message", "RequestId", "x"].map(String::from));
        names.sort();
        names.dedup();
        names
    }

    fn json() -> impl Strategy<Value = Value> {
        let names = field_names();
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            let names = names.clone();
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((prop::sample::select(names), inner), 0..8)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    /// A body: JSON wrapped in `{"Response": ...}` (the interesting case), bare JSON, or raw bytes.
    fn body() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => json().prop_map(|v| serde_json::to_vec(&serde_json::json!({ "Response": v })).unwrap()),
            1 => json().prop_map(|v| serde_json::to_vec(&v).unwrap()),
            1 => prop::collection::vec(any::<u8>(), 0..64),
        ]
    }

    fn status() -> impl Strategy<Value = u16> {
        prop::sample::select(vec![200u16, 200, 200, 400, 404, 500, 502, 503])
    }

    macro_rules! check_all {
        ($($action:literal => $resp:ty),* $(,)?) => {
            fn check(runtime: &tokio::runtime::Runtime, base: &sdk_core::Client, status: u16, body: &[u8]) {
                $({
                    static ACTION: sdk_core::ActionInfo =
                        sdk_core::ActionInfo { name: $action, skip_sign: false, retry_safe: true, body: sdk_core::BodyMode::Json };
                    let client = base.with_transport(Canned { status, body: body.to_vec() });
                    let result: Result<$resp, sdk_core::Error> =
                        runtime.block_on(client.call(&ACTION, &serde_json::json!({})));
                    if let Err(e) = result {
                        assert!(
                            e.is_service() || e.is_decode() || e.is_status(),
                            "{}: untyped error {e:?}", $action
                        );
                        let _ = e.to_string();
                    }
                })*
            }
            const ACTIONS: usize = [$($action),*].len();
        };
    }

    check_all! {
        "AddSmsSign" => v::AddSmsSignResponse,
        "AddSmsTemplate" => v::AddSmsTemplateResponse,
        "CallbackStatusStatistics" => v::CallbackStatusStatisticsResponse,
        "DeleteSmsSign" => v::DeleteSmsSignResponse,
        "DeleteSmsTemplate" => v::DeleteSmsTemplateResponse,
        "DescribePhoneNumberInfo" => v::DescribePhoneNumberInfoResponse,
        "DescribeSendRecordList" => v::DescribeSendRecordListResponse,
        "DescribeSmsSignList" => v::DescribeSmsSignListResponse,
        "DescribeSmsTemplateList" => v::DescribeSmsTemplateListResponse,
        "ModifySmsSign" => v::ModifySmsSignResponse,
        "ModifySmsTemplate" => v::ModifySmsTemplateResponse,
        "PullSmsReplyStatus" => v::PullSmsReplyStatusResponse,
        "PullSmsReplyStatusByPhoneNumber" => v::PullSmsReplyStatusByPhoneNumberResponse,
        "PullSmsSendStatus" => v::PullSmsSendStatusResponse,
        "PullSmsSendStatusByPhoneNumber" => v::PullSmsSendStatusByPhoneNumberResponse,
        "ReportConversion" => v::ReportConversionResponse,
        "SendMultiGlobalSms" => v::SendMultiGlobalSmsResponse,
        "SendSms" => v::SendSmsResponse,
        "SendStatusStatistics" => v::SendStatusStatisticsResponse,
        "SmsPackagesStatistics" => v::SmsPackagesStatisticsResponse,
    }

    #[test]
    fn every_action_covered() {
        assert_eq!(ACTIONS, 20);
    }

    proptest! {
        // 256 bodies, each decoded as all 20 response types.
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn arbitrary_bodies_never_panic(status in status(), body in body()) {
            thread_local! {
                static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                static BASE: sdk_core::Client = sdk_core::Client::new(
                    &v::SERVICE,
                    Credential::new("id", "key").unwrap(),
                    "ap-guangzhou",
                    ClientProfile::new().retry_policy(RetryPolicy::none()),
                );
            }
            RT.with(|rt| BASE.with(|base| check(rt, base, status, &body)));
        }
    }
}
