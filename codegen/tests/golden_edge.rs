//! Compiles the committed golden output of the edge-case fixture (`tests/golden/edge/`) and exercises it.

#[rustfmt::skip]
#[allow(dead_code, deprecated)]
#[path = "golden/edge/src/v20200101/mod.rs"]
mod edge;

use serde_json::json;

#[test]
fn requests_build_with_new_and_setters_and_serialize_wire_names() {
    let req = edge::DescribeThingsRequest::new(
        "t",
        "TID",
        vec![edge::Item::new("n", "ZGF0YQ==").tags(vec!["a".into()])],
    )
    .r#match("m")
    .self_(-5)
    .r#async(true)
    ._3d_model("x")
    .template_id_2("tid2")
    .payload("AAEC")
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
    let minimal = serde_json::to_value(edge::DescribeThingsRequest::new("t", "T", vec![])).unwrap();
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
