//! The blocking API (feature `blocking`) end to end against `tc-emulator` and the independent verifier:
//! from plain threads without any runtime, from inside current-thread and multi-thread tokio runtimes, and
//! from several threads at once. The servers run on their own runtime, owned by this test file.
#![cfg(feature = "blocking")]

mod common;

use common::{SEND_SMS, SMS};
use std::sync::OnceLock;

use sdk_core::blocking;
use sdk_core::{ClientProfile, Credential, HttpMethod, HttpProfile, SignMethod};
use serde_json::{json, Value};

/// The servers' runtime: separate from anything the client does, never dropped.
fn server_rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// Runs `f` on the server runtime from a fresh thread, so it also works from inside another runtime.
fn on_server<T: Send>(f: impl std::future::Future<Output = T> + Send) -> T {
    std::thread::scope(|s| s.spawn(|| server_rt().block_on(f)).join().unwrap())
}

fn emulator() -> tc_emulator::Emulator {
    on_server(async { tc_emulator::Emulator::start().await.unwrap() })
}

fn send_sms() -> Value {
    json!({
        "PhoneNumberSet": ["+8613800000000"],
        "SmsSdkAppId": tc_emulator::SEED_SDK_APP_ID,
        "SignName": tc_emulator::SEED_SIGN_NAME,
        "TemplateId": tc_emulator::SEED_TEMPLATE_ID.to_string(),
        "TemplateParamSet": ["1234", "5"],
    })
}

fn client(emu: &tc_emulator::Emulator, method: HttpMethod) -> blocking::Client {
    let cred = Credential::new(tc_emulator::DEFAULT_SECRET_ID, tc_emulator::DEFAULT_SECRET_KEY).unwrap();
    let profile = ClientProfile::new().http_profile(HttpProfile::new().endpoint(emu.base_url()).req_method(method));
    blocking::Client::new(&SMS, cred, "ap-guangzhou", profile)
}

fn exercise(emu: &tc_emulator::Emulator) {
    for method in [HttpMethod::Post, HttpMethod::Get] {
        let c = client(emu, method);
        let r: Value = c.call(&SEND_SMS, &send_sms()).unwrap();
        assert_eq!(r["SendStatusSet"][0]["Code"], "Ok", "{r}");
        let e = c.call::<_, Value>(&SEND_SMS, &json!({})).unwrap_err();
        assert!(e.is_service(), "{e}");
    }
}

#[test]
fn plain_thread_without_runtime() {
    assert!(tokio::runtime::Handle::try_current().is_err());
    let emu = emulator();
    exercise(&emu);
    // Wrapping an async client, and the common client.
    let cred = Credential::new(tc_emulator::DEFAULT_SECRET_ID, tc_emulator::DEFAULT_SECRET_KEY).unwrap();
    let profile = ClientProfile::new().http_profile(HttpProfile::new().endpoint(emu.base_url()));
    let wrapped = blocking::Client::from_async(sdk_core::Client::new(
        &SMS,
        cred.clone(),
        "ap-guangzhou",
        profile.clone(),
    ));
    let raw = wrapped
        .execute(&SEND_SMS, serde_json::to_vec(&send_sms()).unwrap())
        .unwrap();
    assert!(raw.request_id().is_some());
    let common = blocking::CommonClient::new("sms", "2021-01-11", cred, "ap-guangzhou", profile);
    let r = common.call_json("SendSms", &send_sms()).unwrap();
    assert_eq!(r["SendStatusSet"][0]["Code"], "Ok", "{r}");
}

#[test]
fn many_threads_share_one_client() {
    let emu = emulator();
    let c = client(&emu, HttpMethod::Post);
    std::thread::scope(|s| {
        for _ in 0..4 {
            let c = c.clone();
            s.spawn(move || {
                for _ in 0..5 {
                    let r: Value = c.call(&SEND_SMS, &send_sms()).unwrap();
                    assert_eq!(r["SendStatusSet"][0]["Code"], "Ok");
                }
            });
        }
    });
    assert_eq!(emu.requests().len(), 20);
}

#[tokio::test(flavor = "current_thread")]
async fn inside_a_current_thread_runtime() {
    // Blocks this runtime's only thread for the call, but neither panics nor deadlocks.
    let emu = emulator();
    exercise(&emu);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_a_multi_thread_runtime_and_legacy_modes() {
    let emu = emulator();
    exercise(&emu);
    // Legacy signatures through the blocking client, verified independently; the verifier runs on the
    // test's own runtime, which has a second worker to serve it.
    let v = common::start().await;
    let cred = Credential::new(common::SECRET_ID, common::SECRET_KEY).unwrap();
    for sign in [SignMethod::HmacSha1, SignMethod::HmacSha256] {
        let profile = ClientProfile::new()
            .sign_method(sign)
            .http_profile(HttpProfile::new().endpoint(v.endpoint()).req_method(HttpMethod::Get));
        let c = blocking::CommonClient::new("sms", "2021-01-11", cred.clone(), "ap-guangzhou", profile);
        let r = c
            .call_json("SendSms", &json!({"PhoneNumberSet": ["+8613800000000"]}))
            .unwrap();
        assert_eq!(r["Mode"], sign.as_str(), "{r}");
        assert_eq!(r["Params"]["PhoneNumberSet.0"], "+8613800000000");
    }
}

#[test]
fn configuration_errors_are_returned_not_panicked() {
    let cred = Credential::new("id", "key").unwrap();
    let profile = ClientProfile::new().http_profile(HttpProfile::new().endpoint("ftp://nowhere"));
    let c = blocking::Client::new(&SMS, cred, "ap-guangzhou", profile);
    let e = c.call::<_, Value>(&SEND_SMS, &json!({})).unwrap_err();
    assert!(e.is_invalid_request(), "{e}");
}

/// Blocking clients made from one `SdkConfig` share its pool: an SMS client and a `CommonClient` for STS,
/// two calls each, one TCP connection.
#[test]
fn blocking_clients_from_one_config_share_one_connection() {
    let emu = emulator();
    let config = sdk_core::SdkConfig::builder()
        .credential(Credential::new(tc_emulator::DEFAULT_SECRET_ID, tc_emulator::DEFAULT_SECRET_KEY).unwrap())
        .region("ap-guangzhou")
        .profile(ClientProfile::new().http_profile(HttpProfile::new().endpoint(emu.base_url())))
        .build();
    let sms = blocking::Client::from_config(&SMS, &config);
    let sts = blocking::CommonClient::from_config("sts", "2018-08-13", &config);
    for _ in 0..2 {
        let sent: Value = sms.call(&SEND_SMS, &send_sms()).unwrap();
        assert_eq!(sent["SendStatusSet"][0]["Code"], "Ok", "{sent}");
        let me = sts.call_json("GetCallerIdentity", &json!({})).unwrap();
        assert!(me["RequestId"].is_string(), "{me}");
    }
    assert_eq!(emu.connections_accepted(), 1);
}
