//! The SDK's spans and metrics after a throttled-then-successful call and a failed one, through the
//! emulator: span fields captured by a subscriber layer, metrics scraped over HTTP from a real Prometheus
//! exporter (`metrics-exporter-prometheus`). Neither carries a secret or a parameter value.
//!
//! One binary (feature `metrics`): it installs the process-wide subscriber and metrics recorder.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sdk_core::{
    ActionInfo, BodyMode, Client, ClientProfile, Credential, HttpProfile, RetryPolicy, SdkConfig, ServiceInfo,
};
use serde_json::{json, Value};
use tc_emulator::{Emulator, Fault};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

static SMS: ServiceInfo = ServiceInfo {
    product: "sms",
    version: "2021-01-11",
};
static SEND: ActionInfo = ActionInfo {
    name: "SendSms",
    skip_sign: false,
    retry_safe: false,
    body: BodyMode::Json,
};

const ID: &str = "AKIDtelemetry00000000000000000000";
const KEY: &str = "TELEMETRY-KEY-must-not-leak";
const PHONE: &str = "+8613800000000";

/// Every span's name and fields, as recorded, in closing order.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Book>>);
/// Open spans by id, and closed ones in order.
type Book = (BTreeMap<u64, Named>, Vec<Named>);
type Fields = BTreeMap<String, String>;
/// A span's name and fields.
type Named = (String, Fields);

struct Collect<'a>(&'a mut Fields);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").trim_matches('"').to_owned(),
        );
    }
}

impl<S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut fields = Fields::new();
        attrs.record(&mut Collect(&mut fields));
        self.0
            .lock()
            .unwrap()
            .0
            .insert(id.into_u64(), (attrs.metadata().name().to_owned(), fields));
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        if let Some((_, fields)) = self.0.lock().unwrap().0.get_mut(&id.into_u64()) {
            values.record(&mut Collect(fields));
        }
    }
    fn on_close(&self, id: Id, _: Context<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        if let Some(span) = spans.0.remove(&id.into_u64()) {
            spans.1.push(span);
        }
    }
}

fn free_port() -> SocketAddr {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    listener.local_addr().unwrap()
}

async fn scrape(addr: SocketAddr) -> String {
    reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The value of the one sample of `metric` whose labels include all of `labels`.
fn sample(text: &str, metric: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| l.starts_with(metric) && l[metric.len()..].starts_with(['{', ' ']))
        .find(|l| labels.iter().all(|label| l.contains(label)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn spans_and_metrics_of_a_throttled_then_successful_call() {
    let spans = Spans::default();
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry()
            .with(spans.clone())
            .with(tracing_subscriber::filter::LevelFilter::DEBUG),
    )
    .unwrap();
    let metrics_addr = free_port();
    metrics_exporter_prometheus::PrometheusBuilder::new()
        .with_http_listener(metrics_addr)
        .install()
        .unwrap();

    let emulator = Emulator::builder()
        .echo(true)
        .credential(ID, KEY)
        .start()
        .await
        .unwrap();
    emulator.set_faults(vec![Fault::error_code("RequestLimitExceeded").first(1)]);
    let config = SdkConfig::builder()
        .credential(Credential::new(ID, KEY).unwrap())
        .region("ap-guangzhou")
        .profile(
            ClientProfile::new()
                .http_profile(HttpProfile::new().endpoint(emulator.base_url()))
                .retry_policy(RetryPolicy::new().initial_backoff(Duration::from_millis(1))),
        )
        .build();
    let client = Client::from_config(&SMS, &config);
    let request = json!({"PhoneNumberSet": [PHONE], "TemplateParamSet": ["123456"]});
    let answer: Value = client.call(&SEND, &request).await.unwrap();
    emulator.set_faults(vec![Fault::error_code("FailedOperation.Nope").first(1)]);
    client.call::<_, Value>(&SEND, &request).await.unwrap_err();

    // Spans: two calls, three attempts.
    let closed = spans.0.lock().unwrap().1.clone();
    let calls: Vec<&Fields> = closed
        .iter()
        .filter(|(n, _)| n == "tencentcloud_call")
        .map(|(_, f)| f)
        .collect();
    let attempts: Vec<&Fields> = closed.iter().filter(|(n, _)| n == "attempt").map(|(_, f)| f).collect();
    assert_eq!((calls.len(), attempts.len()), (2, 3), "{closed:?}");
    let ok = calls[0];
    for (field, value) in [
        ("rpc.system", "tencentcloud"),
        ("rpc.service", "sms"),
        ("rpc.method", "SendSms"),
        ("rpc.tencentcloud.version", "2021-01-11"),
        ("cloud.region", "ap-guangzhou"),
        ("server.address", "127.0.0.1"),
        ("rpc.tencentcloud.attempts", "2"),
        ("rpc.tencentcloud.request_id", answer["RequestId"].as_str().unwrap()),
    ] {
        assert_eq!(ok.get(field).map(String::as_str), Some(value), "{field} of {ok:?}");
    }
    assert!(!ok.contains_key("error.type"), "{ok:?}");
    assert_eq!(attempts[0]["rpc.tencentcloud.attempt"], "1");
    assert_eq!(attempts[0]["error.type"], "RequestLimitExceeded");
    assert_eq!(attempts[0]["rpc.tencentcloud.retry_reason"], "throttled");
    assert_eq!(attempts[1]["rpc.tencentcloud.attempt"], "2");
    assert_eq!(attempts[1]["http.response.status_code"], "200");
    assert!(!attempts[1].contains_key("rpc.tencentcloud.retry_reason"));
    let failed = calls[1];
    assert_eq!(failed["error.type"], "FailedOperation.Nope");
    assert_eq!(failed["otel.status_code"], "ERROR");
    let all = format!("{closed:?}");
    for secret in [KEY, ID, PHONE, "123456"] {
        assert!(!all.contains(secret), "{secret} in a span: {all}");
    }

    // Metrics, scraped over HTTP.
    let text = scrape(metrics_addr).await;
    let base = ["product=\"sms\"", "action=\"SendSms\"", "region=\"ap-guangzhou\""];
    let with = |extra: &'static str| base.iter().copied().chain([extra]).collect::<Vec<_>>();
    assert_eq!(
        sample(&text, "tencentcloud_calls_total", &with("outcome=\"success\"")),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "tencentcloud_calls_total", &with("outcome=\"error\"")),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "tencentcloud_retries_total", &with("reason=\"throttled\"")),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "tencentcloud_throttled_total", &base),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "tencentcloud_errors_total",
            &with("code=\"FailedOperation.Nope\"")
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "tencentcloud_calls_in_flight", &base),
        Some(0.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "tencentcloud_call_duration_seconds_count",
            &with("outcome=\"success\"")
        ),
        Some(1.0),
        "{text}"
    );
    for secret in [KEY, ID, PHONE, "123456"] {
        assert!(!text.contains(secret), "{secret} in the metrics: {text}");
    }
}
