//! The binary calling modes (`sdk_core::body`) end to end against the emulator's verifier in echo mode:
//! multipart uploads (cii `DescribeQualityScore`'s shape) and octet-stream uploads (cls `UploadLog`'s
//! shape), signed with TC3 and checked by the emulator's own code.

mod common;

use bytes::Bytes;
use common::{Mode, SECRET_ID, SECRET_KEY};
use sdk_core::{
    ActionInfo, Binary, BodyMode, Client, ClientProfile, Credential, HttpMethod, HttpProfile, ServiceInfo, SignMethod,
};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

static CII: ServiceInfo = ServiceInfo {
    product: "cii",
    version: "2021-04-08",
};
static CLS: ServiceInfo = ServiceInfo {
    product: "cls",
    version: "2020-10-16",
};
static QUALITY: ActionInfo = ActionInfo {
    name: "DescribeQualityScore",
    skip_sign: false,
    retry_safe: true,
    body: BodyMode::Multipart {
        binary_params: &["File"],
    },
};
static UPLOAD_LOG: ActionInfo = ActionInfo {
    name: "UploadLog",
    skip_sign: false,
    retry_safe: false,
    body: BodyMode::OctetStream {
        header_prefix: "X-CLS-",
    },
};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Quality {
    file: Binary,
    file_type: String,
    tags: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Upload {
    topic_id: String,
    compress_type: Option<String>,
}

fn client(service: &'static ServiceInfo, endpoint: &str, profile: ClientProfile) -> Client {
    let http = profile.http_profile.clone().endpoint(endpoint);
    let credential = Credential::new(SECRET_ID, SECRET_KEY).unwrap();
    Client::new(service, credential, "ap-guangzhou", profile.http_profile(http))
}

/// Every byte value, and the bytes of a CRLF + boundary-like line, so a careless encoder would break.
fn file() -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..=255).collect();
    bytes.extend_from_slice(b"\r\n--notTheBoundary\r\n");
    bytes
}

#[tokio::test]
async fn multipart_upload_is_signed_and_arrives_intact() {
    let v = common::start().await;
    let request = Quality {
        file: Binary::from(file()),
        file_type: "png".into(),
        tags: vec!["a".into(), "b".into()],
    };
    // A legacy sign method is overridden: multipart is always TC3, as the official SDKs send it.
    for sign in [SignMethod::Tc3HmacSha256, SignMethod::HmacSha256] {
        let c = client(&CII, &v.endpoint(), ClientProfile::default().sign_method(sign));
        let echo: Value = c.call(&QUALITY, &request).await.unwrap();
        let file_b64 = serde_json::to_value(&request.file).unwrap();
        assert_eq!(
            echo["Params"],
            json!({"File": file_b64, "FileType": "png", "Tags": ["a", "b"]}),
            "{sign:?}"
        );
        let content_type = echo["ContentType"].as_str().unwrap();
        let boundary = content_type.strip_prefix("multipart/form-data; boundary=").unwrap();
        assert_eq!(boundary.len(), 32, "{content_type}");
        assert!(matches!(v.last().verdict, Ok(Mode::Tc3 { .. })), "{sign:?}");
    }
    // A fresh boundary per request.
    let c = client(&CII, &v.endpoint(), ClientProfile::default());
    let a: Value = c.call(&QUALITY, &request).await.unwrap();
    let b: Value = c.call(&QUALITY, &request).await.unwrap();
    assert_ne!(a["ContentType"], b["ContentType"]);
}

#[tokio::test]
async fn octet_stream_upload_sends_bytes_and_parameters_in_headers() {
    let v = common::start().await;
    let c = client(&CLS, &v.endpoint(), ClientProfile::default());
    let body = Bytes::from(file());
    let request = Upload {
        topic_id: "topic-1".into(),
        compress_type: Some("lz4".into()),
    };
    let echo: Value = c.call_octet_stream(&UPLOAD_LOG, &request, body.clone()).await.unwrap();
    assert_eq!(echo["ContentType"], "application/octet-stream");
    assert_eq!(echo["Params"]["Body"]["Length"], body.len());
    assert_eq!(echo["Params"]["Body"]["Sha256"], hex::encode(Sha256::digest(&body)));
    assert_eq!(echo["Headers"]["x-cls-topicid"], "topic-1");
    assert_eq!(echo["Headers"]["x-cls-compresstype"], "lz4");
    // Parameters travel unsigned, as the official SDKs send them: only content-type and host are signed.
    assert_eq!(echo["SignedHeaders"], "content-type;host");
}

#[tokio::test]
async fn binary_modes_refuse_what_the_service_cannot_take_before_sending() {
    let v = common::start().await;
    let get = ClientProfile::default().http_profile(HttpProfile::default().req_method(HttpMethod::Get));
    let request = Quality {
        file: Binary::from(vec![1u8]),
        file_type: "png".into(),
        tags: vec![],
    };
    let e = client(&CII, &v.endpoint(), get.clone())
        .call::<_, Value>(&QUALITY, &request)
        .await
        .unwrap_err();
    assert_eq!(e.parameter(), Some("HttpProfile.req_method"), "{e}");

    let upload = Upload {
        topic_id: "t".into(),
        compress_type: None,
    };
    let legacy = ClientProfile::default().sign_method(SignMethod::HmacSha1);
    let e = client(&CLS, &v.endpoint(), legacy)
        .call_octet_stream::<_, Value>(&UPLOAD_LOG, &upload, Bytes::from_static(b"x"))
        .await
        .unwrap_err();
    assert_eq!(e.parameter(), Some("ClientProfile.sign_method"), "{e}");

    // A parameter that cannot be a header value is named, and its value is not shown.
    let bad = Upload {
        topic_id: "t\r\nX-Evil: 1".into(),
        compress_type: None,
    };
    let e = client(&CLS, &v.endpoint(), ClientProfile::default())
        .call_octet_stream::<_, Value>(&UPLOAD_LOG, &bad, Bytes::new())
        .await
        .unwrap_err();
    assert_eq!(e.parameter(), Some("TopicId"), "{e}");
    assert!(!e.to_string().contains("Evil"), "{e}");

    // The octet-stream entry point is only for octet-stream actions.
    let e = client(&CII, &v.endpoint(), ClientProfile::default())
        .call_octet_stream::<_, Value>(&QUALITY, &upload, Bytes::new())
        .await
        .unwrap_err();
    assert_eq!(e.parameter(), Some("ActionInfo.body"), "{e}");
    assert_eq!(v.count(), 0, "nothing may be sent");
}
