//! One `SdkConfig` for several products, interceptors and waiters, through the emulator (echo mode: it
//! verifies every signature and answers with what it saw).
//!
//! - shared pool: clients of three products made from one configuration open one TCP connection;
//! - shared credential cache: one STS `AssumeRole` for all of them;
//! - per-client overrides: region and request timeout;
//! - interceptors: order of the hooks, a signed and an unsigned header seen by the emulator, no secret in
//!   the views;
//! - waiters: one that succeeds, one that times out, one that can never succeed;
//! - loading: region from tccli's configure file.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sdk_core::credential::StsAssumeRoleProvider;
use sdk_core::interceptor::{AttemptView, CallOutcome, CallView, RequestView, SignedHeaders};
use sdk_core::retry::Decision;
use sdk_core::waiter::{wait_until, JsonWaiter, State, WaitError, WaitPolicy};
use sdk_core::{
    ActionInfo, BodyMode, Client, ClientProfile, CommonClient, Credential, Error, HttpProfile, Interceptor,
    RetryPolicy, SdkConfig, ServiceInfo,
};
use serde_json::{json, Value};
use tc_emulator::{Emulator, Fault};

static SMS: ServiceInfo = ServiceInfo {
    product: "sms",
    version: "2021-01-11",
};
static STS: ServiceInfo = ServiceInfo {
    product: "sts",
    version: "2018-08-13",
};
static HUNYUAN: ServiceInfo = ServiceInfo {
    product: "hunyuan",
    version: "2023-09-01",
};
static READ: ActionInfo = ActionInfo {
    name: "DescribeThings",
    skip_sign: false,
    retry_safe: true,
    body: BodyMode::Json,
};

const ID: &str = "AKIDsharedconfig000000000000000000";
const KEY: &str = "SHARED-CONFIG-KEY-must-not-leak";

async fn echo_emulator() -> Emulator {
    Emulator::builder()
        .echo(true)
        .credential(ID, KEY)
        .start()
        .await
        .unwrap()
}

fn config_for(emulator: &Emulator) -> sdk_core::SdkConfigBuilder {
    SdkConfig::builder()
        .credential(Credential::new(ID, KEY).unwrap())
        .region("ap-guangzhou")
        .profile(ClientProfile::new().http_profile(HttpProfile::new().endpoint(emulator.base_url())))
}

async fn echo(client: &Client) -> Value {
    client.call(&READ, &json!({"Hello": "world"})).await.unwrap()
}

#[tokio::test]
async fn clients_of_one_config_share_one_connection() {
    let emulator = echo_emulator().await;
    let config = config_for(&emulator).build();
    let clients = [&SMS, &STS, &HUNYUAN].map(|s| Client::from_config(s, &config));
    for client in clients.iter().chain(clients.iter()) {
        let answer = echo(client).await;
        assert_eq!(answer["Action"], "DescribeThings");
    }
    let products: Vec<String> = emulator.requests().iter().map(|r| r.product.clone()).collect();
    assert_eq!(products, ["sms", "sts", "hunyuan", "sms", "sts", "hunyuan"]);
    assert_eq!(emulator.connections_accepted(), 1);

    // Three separately built clients: three pools, three connections.
    let emulator = echo_emulator().await;
    for service in [&SMS, &STS, &HUNYUAN] {
        echo(&Client::from_config(service, &config_for(&emulator).build())).await;
    }
    assert_eq!(emulator.connections_accepted(), 3);
}

#[tokio::test]
async fn clients_of_one_config_share_one_credential_cache() {
    // STS answers AssumeRole with its documented example credential, which the service emulator accepts.
    let sts = Emulator::builder().credential(ID, KEY).start().await.unwrap();
    let service = Emulator::builder()
        .echo(true)
        .temporary_credential("AKID***", "q95K***", "da1e***")
        .start()
        .await
        .unwrap();
    let provider = StsAssumeRoleProvider::new(
        Credential::new(ID, KEY).unwrap(),
        "qcs::cam::uin/100000000001:roleName/test",
        "shared-config",
    )
    .http_profile(HttpProfile::new().endpoint(sts.base_url()));
    let config = SdkConfig::builder()
        .credential(provider)
        .region("ap-guangzhou")
        .profile(ClientProfile::new().http_profile(HttpProfile::new().endpoint(service.base_url())))
        .build();
    for service in [&SMS, &STS, &HUNYUAN, &SMS] {
        let answer = echo(&Client::from_config(service, &config)).await;
        assert_eq!(answer["Token"], true, "{answer}");
    }
    let fetches = sts.requests().iter().filter(|r| r.action == "AssumeRole").count();
    assert_eq!(fetches, 1);
    assert_eq!(service.requests().len(), 4);
}

#[tokio::test]
async fn per_client_region_and_timeout() {
    let emulator = echo_emulator().await;
    let config = config_for(&emulator)
        .profile(
            ClientProfile::new()
                .http_profile(HttpProfile::new().endpoint(emulator.base_url()))
                .retry_policy(RetryPolicy::none()),
        )
        .build();
    let guangzhou = Client::from_config(&SMS, &config);
    let beijing = Client::from_config(&SMS, &config.with_region("ap-beijing"));
    assert_eq!(echo(&guangzhou).await["Region"], "ap-guangzhou");
    assert_eq!(echo(&beijing).await["Region"], "ap-beijing");

    // The same slow answer: cut by the client whose timeout is overridden, waited for by the other.
    let hasty = Client::from_config(&SMS, &config.with_req_timeout(Duration::from_millis(100)));
    emulator.set_faults(vec![Fault::latency(Duration::from_millis(1500)).first(1)]);
    let e = hasty.call::<_, Value>(&READ, &json!({})).await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    emulator.set_faults(vec![Fault::latency(Duration::from_millis(1500)).first(1)]);
    assert_eq!(echo(&guangzhou).await["Region"], "ap-guangzhou");
    assert_eq!(
        emulator.connections_accepted(),
        2,
        "only the cut connection is replaced"
    );
}

/// Records each hook it sees, as `name:hook`, and adds headers.
#[derive(Clone)]
struct Recorder {
    name: &'static str,
    log: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn push(&self, what: String) {
        self.log.lock().unwrap().push(format!("{}:{what}", self.name));
    }
}

impl Interceptor for Recorder {
    fn on_call_start(&self, call: &CallView<'_>) {
        self.push(format!("start {}.{}", call.product(), call.action()));
    }
    fn before_signing(&self, call: &CallView<'_>, headers: &mut SignedHeaders) {
        self.push(format!("sign {}", call.attempt()));
        headers.insert(&format!("X-Signed-{}", self.name), "s").unwrap();
        assert!(headers.insert("Authorization", "x").is_err());
        assert!(headers.insert("X-TC-Action", "x").is_err());
    }
    fn before_sending(&self, _call: &CallView<'_>, request: &mut RequestView<'_>) {
        self.push("send".into());
        assert_eq!(request.header("Authorization"), None, "a secret is never shown");
        assert_eq!(request.header("X-TC-Action"), Some("DescribeThings"));
        request
            .insert_header(&format!("X-Unsigned-{}", self.name), "u")
            .unwrap();
        assert!(request.insert_header("X-Unsigned-a", "again").is_err() || self.name != "a");
    }
    fn after_response(&self, _call: &CallView<'_>, attempt: &AttemptView<'_>) {
        let code = attempt.error().and_then(Error::code).unwrap_or("ok");
        self.push(format!("response {} {code}", attempt.attempt()));
    }
    fn on_retry_decision(&self, _call: &CallView<'_>, _error: &Error, decision: &Decision) {
        let what = match decision {
            Decision::Retry { reason, .. } => reason.label(),
            _ => "stop",
        };
        self.push(format!("retry {what}"));
    }
    fn on_final_error(&self, _call: &CallView<'_>, error: &Error) {
        self.push(format!("error {}", error.code().unwrap_or("-")));
    }
    fn on_call_end(&self, _call: &CallView<'_>, outcome: &CallOutcome<'_>) {
        self.push(format!("end {}", outcome.label()));
    }
}

#[tokio::test]
async fn interceptors_run_in_order_and_add_headers() {
    let emulator = echo_emulator().await;
    emulator.set_faults(vec![Fault::error_code("RequestLimitExceeded").first(1)]);
    let log = Arc::new(Mutex::new(Vec::new()));
    let a = Recorder {
        name: "a",
        log: log.clone(),
    };
    let b = Recorder {
        name: "b",
        log: log.clone(),
    };
    let config = config_for(&emulator)
        .profile(
            ClientProfile::new()
                .http_profile(HttpProfile::new().endpoint(emulator.base_url()))
                .retry_policy(RetryPolicy::new().initial_backoff(Duration::from_millis(1))),
        )
        .interceptor(a)
        .interceptor(b)
        .build();
    let answer = echo(&Client::from_config(&SMS, &config)).await;
    let signed = answer["SignedHeaders"].as_str().unwrap();
    assert!(
        signed.contains("x-signed-a") && signed.contains("x-signed-b"),
        "{signed}"
    );
    assert!(!signed.contains("x-unsigned"), "{signed}");
    for header in ["x-signed-a", "x-signed-b", "x-unsigned-a", "x-unsigned-b"] {
        assert!(answer["Headers"].get(header).is_some(), "{header} missing: {answer}");
    }
    let expected = [
        "a:start sms.DescribeThings",
        "b:start sms.DescribeThings",
        "a:sign 1",
        "b:sign 1",
        "a:send",
        "b:send",
        "a:response 1 RequestLimitExceeded",
        "b:response 1 RequestLimitExceeded",
        "a:retry throttled",
        "b:retry throttled",
        "a:sign 2",
        "b:sign 2",
        "a:send",
        "b:send",
        "a:response 2 ok",
        "b:response 2 ok",
        "a:end success",
        "b:end success",
    ];
    assert_eq!(*log.lock().unwrap(), expected);

    // A failing call: the final error, then the end.
    log.lock().unwrap().clear();
    emulator.set_faults(vec![Fault::error_code("FailedOperation.Nope").first(1)]);
    Client::from_config(&SMS, &config)
        .call::<_, Value>(&READ, &json!({}))
        .await
        .unwrap_err();
    let log = log.lock().unwrap();
    assert_eq!(
        log[log.len() - 6..],
        [
            "a:retry stop",
            "b:retry stop",
            "a:error FailedOperation.Nope",
            "b:error FailedOperation.Nope",
            "a:end error",
            "b:end error"
        ]
    );
}

/// A read whose answer (the echo of `State`) is given per poll.
async fn poll_state(client: &CommonClient, state: &str) -> Result<Value, Error> {
    client.call_json("DescribeThings", &json!({"State": state})).await
}

#[tokio::test]
async fn waiters() {
    let emulator = echo_emulator().await;
    let config = config_for(&emulator).build();
    let client = CommonClient::from_config("cvm", "2017-03-12", &config);
    let quick = WaitPolicy::backoff(
        Duration::from_millis(1),
        Duration::from_millis(4),
        Duration::from_secs(30),
    );

    // Succeeds on the third poll.
    let mut polls = 0;
    let answer = wait_until(
        &quick,
        || {
            polls += 1;
            let state = if polls < 3 { "PENDING" } else { "RUNNING" };
            let client = client.clone();
            async move { poll_state(&client, state).await }
        },
        |r| match r["Params"]["State"].as_str() {
            Some("RUNNING") => State::Ready,
            _ => State::Pending,
        },
    )
    .await
    .unwrap();
    assert_eq!(answer["Params"]["State"], "RUNNING");
    assert_eq!(polls, 3);

    // Never reached within the timeout.
    let short = WaitPolicy::fixed(Duration::from_millis(20), Duration::from_millis(200));
    let e = wait_until(&short, || poll_state(&client, "PENDING"), |_| State::Pending)
        .await
        .unwrap_err();
    assert!(matches!(e, WaitError::Timeout { polls, .. } if polls >= 1), "{e}");

    // The JSON form, as tccli's --waiter: ready, and unreachable at the first poll.
    let waiter = JsonWaiter::new("Params.State", "RUNNING")
        .unwrap()
        .interval(Duration::from_millis(1))
        .fail_on("TERMINATED");
    let answer = client
        .wait_for("DescribeThings", &json!({"State": "RUNNING"}), &waiter)
        .await
        .unwrap();
    assert_eq!(answer["Action"], "DescribeThings");
    let e = client
        .wait_for("DescribeThings", &json!({"State": "TERMINATED"}), &waiter)
        .await
        .unwrap_err();
    assert!(matches!(&e, WaitError::Unreachable { polls: 1, .. }), "{e}");
    assert!(e.to_string().contains("Params.State"), "{e}");

    // An invalid expression is refused before any call.
    let e = JsonWaiter::new("Params..State", "x").unwrap_err();
    assert!(e.to_string().contains("character 8"), "{e}");
}

#[test]
fn region_is_loaded_from_tccli_configure() {
    let home = std::env::temp_dir().join(format!("sdkconfig-{}", std::process::id()));
    std::fs::create_dir_all(home.join(".tccli")).unwrap();
    std::fs::write(
        home.join(".tccli/work.configure"),
        r#"{"_sys_param": {"arrayCount": 10, "output": "json", "region": "ap-chengdu"}}"#,
    )
    .unwrap();
    std::fs::write(home.join(".tccli/broken.configure"), "{not json").unwrap();
    // TENCENTCLOUD_REGION wins when set; this test binary never sets it.
    if std::env::var_os("TENCENTCLOUD_REGION").is_none() {
        let config = SdkConfig::builder()
            .home_dir(&home)
            .tccli_profile("work")
            .load()
            .unwrap();
        assert_eq!(config.region(), Some("ap-chengdu"));
        let none = SdkConfig::builder()
            .home_dir(&home)
            .tccli_profile("absent")
            .load()
            .unwrap();
        assert_eq!(none.region(), None);
        let e = SdkConfig::builder()
            .home_dir(&home)
            .tccli_profile("broken")
            .load()
            .unwrap_err();
        assert!(e.to_string().contains("broken.configure"), "{e}");
    }
    let given = SdkConfig::builder()
        .home_dir(&home)
        .tccli_profile("work")
        .region("ap-hongkong")
        .load()
        .unwrap();
    assert_eq!(given.region(), Some("ap-hongkong"));
    std::fs::remove_dir_all(&home).unwrap();
}
