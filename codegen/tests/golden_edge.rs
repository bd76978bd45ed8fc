//! Compiles the committed golden output of the edge-case fixture (`tests/golden/edge/`) and exercises it.

#[rustfmt::skip]
#[allow(dead_code, deprecated)]
#[path = "golden/edge/src/v20200101/mod.rs"]
mod edge;

use serde_json::json;

#[test]
fn requests_build_with_new_and_setters_and_serialize_wire_names() {
    let item = edge::Item::new(edge::ItemRequired {
        name: "n".into(),
        data: "ZGF0YQ==".into(),
    });
    let req = edge::DescribeThingsRequest::new(edge::DescribeThingsRequired {
        r#type: "t".into(),
        template_id: "TID".into(),
        items: vec![item.tags(vec!["a".into()])],
    })
    .r#match("m")
    .self_(-5)
    .r#async(true)
    ._3d_model("x")
    .template_id_2("tid2")
    .payload(vec![0u8, 1, 2])
    .created_at("2020-01-01 00:00:00")
    .opt(edge::Option::new().value("v"))
    .kind(edge::Type::new("k").self_("s"))
    .tree(
        edge::Node::new(1)
            .parent(edge::Node::new(0))
            .children(vec![edge::Node::new(2)]),
    )
    .ratio(0.5)
    .count(7)
    .url("https://x")
    .iso_code("CN")
    .new_2("n");
    let v = serde_json::to_value(&req).unwrap();
    assert_eq!(
        v,
        json!({
            "type": "t", "match": "m", "self": -5, "async": true, "3DModel": "x", "TemplateID": "TID", "TemplateId": "tid2",
            "Items": [{"Name": "n", "Data": "ZGF0YQ==", "Tags": ["a"]}],
            "Payload": "AAEC", "CreatedAt": "2020-01-01 00:00:00",
            "Opt": {"Value": "v"}, "Kind": {"Kind": "k", "Self": "s"},
            "Tree": {"Id": 1, "Parent": {"Id": 0}, "Children": [{"Id": 2}]},
            "Ratio": 0.5, "Count": 7, "URL": "https://x", "ISOCode": "CN", "New": "n"
        })
    );
    // Unset optionals are not sent.
    let required = edge::DescribeThingsRequired {
        r#type: "t".into(),
        template_id: "T".into(),
        items: vec![],
    };
    let minimal = serde_json::to_value(edge::DescribeThingsRequest::new(required)).unwrap();
    assert_eq!(minimal, json!({"type": "t", "TemplateID": "T", "Items": []}));
    // Requests decode back (the emulator side uses that).
    let back: edge::DescribeThingsRequest = serde_json::from_value(v).unwrap();
    assert_eq!(back, req);
    assert_eq!(
        serde_json::to_value(edge::CreateWidgetRequest::new().client_token("tok")).unwrap(),
        json!({"ClientToken": "tok"})
    );
}

#[test]
fn responses_tolerate_missing_null_and_unknown_fields() {
    let r: edge::DescribeThingsResponse = serde_json::from_value(json!({})).unwrap();
    assert_eq!(r, edge::DescribeThingsResponse::default());
    let r: edge::DescribeThingsResponse = serde_json::from_value(json!({
        "TotalCount": null, "Items": null, "Result": null, "Extra": null, "Names": null, "RequestId": null, "New": 1
    }))
    .unwrap();
    assert_eq!(
        (r.total_count, r.items.len(), r.extra, r.request_id.as_str()),
        (0, 0, None, "")
    );
    let r: edge::DescribeThingsResponse = serde_json::from_value(json!({
        "TotalCount": 3,
        "Items": [{"Name": null, "Tags": null, "Child": {"Id": null, "Children": [{}]}, "Surprise": true}],
        "Result": {"Value": 1.5, "When": "2020-01-01T00:00:00Z"},
        "RequestId": "req-1"
    }))
    .unwrap();
    assert_eq!(r.total_count, 3);
    assert_eq!(r.items[0].name, "");
    assert_eq!(r.items[0].data, "");
    assert_eq!(r.items[0].child.as_ref().unwrap().children.as_ref().unwrap()[0].id, 0);
    assert_eq!(
        (r.result.value, r.result.when.as_str(), r.result.note.as_deref()),
        (1.5, "2020-01-01T00:00:00Z", None)
    );
    assert_eq!(r.request_id, "req-1");
    // A wrong type is still an error: leniency is about absence, not about garbage.
    assert!(serde_json::from_value::<edge::DescribeThingsResponse>(json!({"TotalCount": "x"})).is_err());
}

#[test]
fn error_codes() {
    use edge::ErrorCode;
    assert_eq!(
        ErrorCode::parse("FailedOperation.Something"),
        ErrorCode::FailedOperationSomething
    );
    assert_eq!(
        ErrorCode::parse("LimitExceeded.3Things"),
        ErrorCode::LimitExceeded3Things
    );
    // A code literally named `Other` does not take over the catch-all.
    assert_eq!(ErrorCode::parse("Other"), ErrorCode::Other2);
    assert_eq!(ErrorCode::parse("Nope.Nope"), ErrorCode::Other("Nope.Nope".into()));
    assert_eq!(ErrorCode::Other2.as_str(), "Other");
    assert_eq!(ErrorCode::InternalError.to_string(), "InternalError");
    assert_eq!(ErrorCode::InternalError.description(), Some("Internal error."));
    assert_eq!(ErrorCode::Other("x".into()).description(), None);
}

#[test]
fn client_constructors() {
    let cred = sdk_core::Credential::new("AKIDexample", "secret").unwrap();
    let client = edge::Client::new(cred, "ap-guangzhou");
    let again = edge::Client::from_core(client.core().clone());
    assert!(format!("{again:?}").contains("2020-01-01"));
    assert_eq!((edge::SERVICE.product, edge::SERVICE.version), ("edge", "2020-01-01"));
    assert!(edge::__roundtrip_example(
        "DescribeThings",
        r#"{"type":"t","TemplateID":"T","Items":[]}"#,
        r#"{"Response":{}}"#
    )
    .is_ok());
    let err = edge::__roundtrip_example(
        "DescribeThings",
        r#"{"type":"t","TemplateID":"T","Items":[],"Bogus":1}"#,
        r#"{"Response":{}}"#,
    );
    assert!(err.unwrap_err().contains("re-encodes differently"));
    assert!(edge::__roundtrip_example("NoSuchAction", "{}", "{}").is_err());
}

/// A transport that records every request body and answers `InternalError` to the first attempt of each
/// call (every odd request since the last [`Flaky::tokens`]), then a `CreateWidget`-shaped success.
#[derive(Debug, Default, Clone)]
struct Flaky {
    bodies: std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
}

impl Flaky {
    /// The `ClientToken` of every attempt so far, and forget them.
    fn tokens(&self) -> Vec<serde_json::Value> {
        std::mem::take(&mut *self.bodies.lock().unwrap())
            .iter()
            .map(|b| serde_json::from_slice::<serde_json::Value>(b).unwrap())
            .map(|v| v["ClientToken"].clone())
            .collect()
    }
}

impl sdk_core::Transport for Flaky {
    fn send(&self, request: sdk_core::HttpRequest) -> sdk_core::transport::TransportFuture<'_> {
        let mut bodies = self.bodies.lock().unwrap();
        bodies.push(request.body.to_vec());
        let body = if bodies.len() % 2 == 1 {
            json!({"Response": {"Error": {"Code": "InternalError", "Message": "try again"}, "RequestId": "r1"}})
        } else {
            json!({"Response": {"WidgetId": "w-1", "RequestId": "r2"}})
        };
        let response = sdk_core::HttpResponse::new(200, serde_json::to_vec(&body).unwrap());
        Box::pin(async move { Ok(response) })
    }
}

/// An async client whose calls each fail once with `InternalError` and then succeed, with fast retries.
fn flaky_client() -> (edge::Client, Flaky) {
    let flaky = Flaky::default();
    let profile = sdk_core::ClientProfile::new()
        .retry_policy(sdk_core::RetryPolicy::new().initial_backoff(std::time::Duration::from_millis(1)));
    let cred = sdk_core::Credential::new("AKIDexample", "secret").unwrap();
    let core = edge::Client::with_profile(cred, "ap-guangzhou", profile)
        .core()
        .with_transport(flaky.clone());
    (edge::Client::from_core(core), flaky)
}

/// Both attempts of one call carried the same, generated, UUID-v4-shaped token; returns it.
fn one_generated_token(tokens: Vec<serde_json::Value>) -> String {
    assert_eq!(tokens.len(), 2, "one failed attempt and one retry: {tokens:?}");
    assert_eq!(tokens[0], tokens[1], "the token changed between attempts");
    let token = tokens[0].as_str().expect("ClientToken sent as a string").to_owned();
    assert_eq!(token.len(), 36, "{token}");
    assert_eq!(token.as_bytes()[14], b'4', "{token}");
    token
}

#[tokio::test]
async fn client_token_is_filled_once_and_resent_unchanged_on_retry() {
    let (client, flaky) = flaky_client();

    // Unset: generated, and the retry after `InternalError` (retry-safe action) sends the same token.
    let response = client
        .create_widget(&edge::CreateWidgetRequest::new().name("n"))
        .await
        .unwrap();
    assert_eq!(response.widget_id, "w-1");
    let first = one_generated_token(flaky.tokens());
    // Each call gets its own token.
    client.create_widget(&edge::CreateWidgetRequest::new()).await.unwrap();
    let second = one_generated_token(flaky.tokens());
    assert_ne!(first, second);
    // Empty counts as unset: the service would not de-duplicate by it.
    client
        .create_widget(&edge::CreateWidgetRequest::new().client_token(""))
        .await
        .unwrap();
    one_generated_token(flaky.tokens());

    // The caller's token is sent as given, on every attempt, next to the other members in spec order.
    let mine = edge::CreateWidgetRequest::new()
        .name("n")
        .client_token("caller-token-1");
    client.create_widget(&mine).await.unwrap();
    let bodies = std::mem::take(&mut *flaky.bodies.lock().unwrap());
    assert_eq!(bodies.len(), 2);
    for body in &bodies {
        assert_eq!(
            std::str::from_utf8(body).unwrap(),
            r#"{"Name":"n","ClientToken":"caller-token-1"}"#
        );
    }
    assert_eq!(
        mine.client_token.as_deref(),
        Some("caller-token-1"),
        "the request is not modified"
    );

    // A required (plain `String`) token: filled when empty, kept otherwise.
    client
        .run_job(&edge::RunJobRequest::new(edge::RunJobRequired {
            script: "echo".into(),
            client_token: "".into(),
        }))
        .await
        .unwrap();
    one_generated_token(flaky.tokens());
    client
        .run_job(&edge::RunJobRequest::new(edge::RunJobRequired {
            script: "echo".into(),
            client_token: "job-7".into(),
        }))
        .await
        .unwrap();
    assert_eq!(flaky.tokens(), vec![json!("job-7"), json!("job-7")]);

    // Actions without a `ClientToken` member are sent as they are (and `OldAction` is not retry-safe).
    #[allow(deprecated)]
    let err = client.old_action(&edge::OldActionRequest::new()).await.unwrap_err();
    assert_eq!(err.code(), Some("InternalError"));
    assert_eq!(flaky.tokens(), vec![serde_json::Value::Null]);
}

#[test]
fn blocking_client_mirrors_the_async_one() {
    assert!(tokio::runtime::Handle::try_current().is_err());
    let (client, flaky) = flaky_client();
    let blocking = edge::blocking::Client::from_async(client);
    assert!(format!("{blocking:?}").contains("2020-01-01"));

    let response = blocking.create_widget(&edge::CreateWidgetRequest::new()).unwrap();
    assert_eq!(
        (response.widget_id.as_str(), response.request_id.as_str()),
        ("w-1", "r2")
    );
    one_generated_token(flaky.tokens());
    blocking
        .run_job(&edge::RunJobRequest::new(edge::RunJobRequired {
            script: "echo".into(),
            client_token: "job-8".into(),
        }))
        .unwrap();
    assert_eq!(flaky.tokens(), vec![json!("job-8"), json!("job-8")]);

    // Same constructors as the async client; `core()` reaches the runtime's blocking client.
    let cred = sdk_core::Credential::new("AKIDexample", "secret").unwrap();
    let other = edge::blocking::Client::new(cred, "ap-guangzhou");
    assert_eq!(other.core().as_async().region(), "ap-guangzhou");
    assert_eq!(other.core().as_async().version(), "2020-01-01");
}

/// The generated binary-body methods (fixture `binary-bodies.json`) against the emulator in echo mode, which
/// verifies the TC3 signature with its own code: multipart `upload_file`, octet-stream `put_log` (which takes
/// the bytes as a second argument), async and blocking.
#[test]
fn binary_body_methods_send_multipart_and_octet_stream() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let emulator = runtime.block_on(async {
        tc_emulator::Emulator::builder()
            .echo(true)
            .without_default_credential()
            .credential("AKIDbinary", "binary-key")
            .start()
            .await
            .unwrap()
    });
    let profile =
        sdk_core::ClientProfile::default().http_profile(sdk_core::HttpProfile::default().endpoint(emulator.base_url()));
    let cred = sdk_core::Credential::new("AKIDbinary", "binary-key").unwrap();
    let client = edge::Client::with_profile(cred.clone(), "ap-guangzhou", profile.clone());
    // A file and a string: different types, so positional (no swap can compile).
    let upload = edge::UploadFileRequest::new(vec![0u8, 255, b'\r', b'\n'], "png").tags(vec!["a".into()]);
    runtime.block_on(client.upload_file(&upload)).unwrap();
    let log = edge::PutLogRequest::new("topic-9").compress_type("lz4");
    runtime.block_on(client.put_log(&log, b"line one\n".to_vec())).unwrap();
    let blocking = edge::blocking::Client::with_profile(cred, "ap-guangzhou", profile);
    blocking.put_log(&log, b"line two\n".to_vec()).unwrap();

    let seen = emulator.requests();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter()
            .all(|r| r.code == "Ok" && r.sign_method == "TC3-HMAC-SHA256"),
        "{seen:?}"
    );
    let multipart = seen[0].header("content-type").unwrap();
    assert!(multipart.starts_with("multipart/form-data; boundary="), "{multipart}");
    assert!(seen[0].body.contains("name=\"File\"; filename=\"File\""));
    assert!(seen[0]
        .body
        .contains("name=\"Tags\"\r\nContent-Type: application/json\r\n\r\n[\"a\"]"));
    for (r, body) in seen[1..].iter().zip(["line one\n", "line two\n"]) {
        assert_eq!(r.header("content-type"), Some("application/octet-stream"));
        assert_eq!(r.header("x-edge-topicid"), Some("topic-9"));
        assert_eq!(r.header("x-edge-compresstype"), Some("lz4"));
        assert_eq!(r.body, body);
    }
}
