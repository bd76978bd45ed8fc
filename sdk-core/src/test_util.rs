//! Transports for unit tests of code that calls Tencent Cloud (feature `test-util`): plug one into any client
//! with `with_transport` and no request leaves the process.
//!
//! - [`CaptureTransport`] records every request (signed, as it would be sent) and answers each with one
//!   canned response — a success by default;
//! - [`ReplayTransport`] answers with recorded responses in order (the request is recorded too), and with a
//!   transport error once they run out;
//! - [`NeverTransport`] never answers, to test timeouts and deadlines.
//!
//! The requests are real: signed, with every header; but nothing checks the signature. For that, test
//! against `tc-emulator` over loopback.
//!
//! Unit-testing code that sends SMS (with a generated client: `sdk_sms::v20210111::Client::from_core(
//! core_client.with_transport(capture.clone()))`; here the runtime client with a static description of the
//! action):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use sdk_core::test_util::{CaptureTransport, ReplayTransport};
//! use sdk_core::{ActionInfo, BodyMode, Client, ClientProfile, Credential, ServiceInfo};
//!
//! static SMS: ServiceInfo = ServiceInfo { product: "sms", version: "2021-01-11" };
//! static SEND_SMS: ActionInfo = ActionInfo { name: "SendSms", skip_sign: false, retry_safe: false, body: BodyMode::Json };
//!
//! // The code under test: sends a verification code.
//! async fn send_code(client: &Client, phone: &str) -> Result<serde_json::Value, sdk_core::Error> {
//!     let request = serde_json::json!({
//!         "PhoneNumberSet": [phone], "SmsSdkAppId": "1400006666", "TemplateId": "1110",
//!         "TemplateParamSet": ["739155", "5"],
//!     });
//!     client.call(&SEND_SMS, &request).await
//! }
//!
//! let credential = Credential::new("AKIDexample", "example-key").unwrap();
//! let capture = CaptureTransport::new();
//! let client = Client::new(&SMS, credential.clone(), "ap-guangzhou", ClientProfile::default())
//!     .with_transport(capture.clone());
//! send_code(&client, "+8613800000000").await.unwrap();
//! let sent = capture.requests();
//! assert_eq!(sent[0].header("X-TC-Action"), Some("SendSms"));
//! assert!(String::from_utf8_lossy(&sent[0].body).contains("+8613800000000"));
//!
//! // A recorded service error reaches the caller as the one Error type.
//! let replay = ReplayTransport::json([r#"{"Response":{"Error":{"Code":"LimitExceeded.PhoneNumberDailyLimit","Message":"daily limit"},"RequestId":"r1"}}"#]);
//! let client = Client::new(&SMS, credential, "ap-guangzhou", ClientProfile::default()).with_transport(replay);
//! let err = send_code(&client, "+8613800000000").await.unwrap_err();
//! assert_eq!(err.code(), Some("LimitExceeded.PhoneNumberDailyLimit"));
//! # }
//! ```

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use crate::error::Error;
use crate::http::{header, HeaderValue, HttpRequest, HttpResponse};
use crate::transport::{Transport, TransportFuture};

/// A JSON response with status 200.
fn json_response(body: &str) -> HttpResponse {
    HttpResponse::new(200, body.as_bytes().to_vec())
        .with_header(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))
}

/// Requests seen by a test transport (shared by clones).
#[derive(Debug, Clone, Default)]
struct Recorded(Arc<Mutex<Vec<HttpRequest>>>);

impl Recorded {
    fn push(&self, request: HttpRequest) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(request);
    }

    fn all(&self) -> Vec<HttpRequest> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Records every request and answers each with the same response. Clones share the record.
#[derive(Debug, Clone)]
pub struct CaptureTransport {
    recorded: Recorded,
    answer: HttpResponse,
}

impl CaptureTransport {
    /// Answers `{"Response":{"RequestId":"captured"}}`.
    pub fn new() -> CaptureTransport {
        CaptureTransport::answering(json_response(r#"{"Response":{"RequestId":"captured"}}"#))
    }

    /// Answers every request with `response`.
    pub fn answering(response: HttpResponse) -> CaptureTransport {
        CaptureTransport {
            recorded: Recorded::default(),
            answer: response,
        }
    }

    /// The requests sent so far, in order.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.recorded.all()
    }
}

impl Default for CaptureTransport {
    fn default() -> Self {
        CaptureTransport::new()
    }
}

impl Transport for CaptureTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        self.recorded.push(request);
        let answer = self.answer.clone();
        Box::pin(async move { Ok(answer) })
    }
}

/// Answers with recorded responses in order; once they run out, each request fails with a transport error.
/// Clones share the queue and the record.
#[derive(Debug, Clone, Default)]
pub struct ReplayTransport {
    answers: Arc<Mutex<VecDeque<HttpResponse>>>,
    recorded: Recorded,
}

impl ReplayTransport {
    /// Replays `responses` in order.
    pub fn new(responses: impl IntoIterator<Item = HttpResponse>) -> ReplayTransport {
        ReplayTransport {
            answers: Arc::new(Mutex::new(responses.into_iter().collect())),
            recorded: Recorded::default(),
        }
    }

    /// Replays JSON bodies (whole envelopes, `{"Response": ...}`) with status 200.
    pub fn json<'a>(bodies: impl IntoIterator<Item = &'a str>) -> ReplayTransport {
        ReplayTransport::new(bodies.into_iter().map(json_response))
    }

    /// The requests sent so far, in order.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.recorded.all()
    }

    /// How many recorded responses are left.
    pub fn remaining(&self) -> usize {
        self.answers.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl Transport for ReplayTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        self.recorded.push(request);
        let next = self.answers.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
        Box::pin(async move {
            next.ok_or_else(|| Error::transport(std::io::Error::other("ReplayTransport: no recorded response left")))
        })
    }
}

/// Never answers: every request waits until the client's timeout or deadline ends it.
#[derive(Debug, Clone, Copy, Default)]
pub struct NeverTransport;

impl Transport for NeverTransport {
    fn send(&self, _request: HttpRequest) -> TransportFuture<'_> {
        Box::pin(std::future::pending())
    }
}
