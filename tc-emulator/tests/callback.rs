//! SMS status reports pushed to a real HTTP receiver on loopback (issue 24): format, consistency with the
//! Pull actions, seeded loss and duplicates, delay, and a dead or stuck receiver never slowing requests.

mod common;

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde_json::{json, Value};
use tc_emulator::{CallbackStats, Emulator, StatusCallback};
use tokio::net::TcpListener;

/// A receiver as a customer's would be: stores every POSTed body, answers `{"result":0,"errmsg":"OK"}`.
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sms/status", listener.local_addr().unwrap());
        let bodies: Arc<Mutex<Vec<Value>>> = Arc::default();
        let kept = bodies.clone();
        let task = tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let kept = kept.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let kept = kept.clone();
                        async move {
                            assert_eq!(req.uri().path(), "/sms/status");
                            assert_eq!(req.method(), hyper::Method::POST);
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            kept.lock().unwrap().push(serde_json::from_slice(&body).unwrap());
                            let answer = json!({"result": 0, "errmsg": "OK"}).to_string();
                            Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from(answer))))
                        }
                    });
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, svc)
                        .await;
                });
            }
        });
        Receiver { url, bodies, task }
    }

    fn posts(&self) -> Vec<Value> {
        self.bodies.lock().unwrap().clone()
    }

    fn reports(&self) -> Vec<Value> {
        self.posts()
            .into_iter()
            .flat_map(|b| b.as_array().unwrap().clone())
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Wait until nothing is queued or in flight (the push is asynchronous by design).
async fn settled(emu: &Emulator) -> CallbackStats {
    for _ in 0..1000 {
        let s = emu.callback_stats();
        if s.pending == 0 {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("status reports still pending: {:?}", emu.callback_stats());
}

fn send(numbers: &[&str]) -> Call {
    Call::sms(
        "SendSms",
        json!({
            "PhoneNumberSet": numbers,
            "SmsSdkAppId": tc_emulator::SEED_SDK_APP_ID,
            "SignName": tc_emulator::SEED_SIGN_NAME,
            "TemplateId": tc_emulator::SEED_TEMPLATE_ID.to_string(),
            "TemplateParamSet": ["1234", "5"],
        }),
    )
}

fn numbers(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("+86138{i:08}")).collect()
}

#[tokio::test]
async fn each_send_pushes_the_accepted_numbers_reports_as_pull_reports_them() {
    let receiver = Receiver::start().await;
    let emu = Emulator::builder()
        .status_callback(StatusCallback::new(&receiver.url))
        .start()
        .await
        .unwrap();
    let answer = send(&["+8613800000001", "13800000002", "not-a-number"])
        .response(&emu)
        .await;
    let statuses = answer["SendStatusSet"].as_array().unwrap().clone();
    assert_eq!(statuses[2]["Code"], "InvalidParameterValue.IncorrectPhoneNumber");
    let stats = settled(&emu).await;
    assert_eq!(emu.callbacks_sent(), 1, "one POST per send: {stats:?}");
    let posts = receiver.posts();
    assert_eq!(posts.len(), 1);
    let reports = posts[0].as_array().unwrap();
    assert_eq!(reports.len(), 2, "the refused number has no report: {reports:?}");
    for (report, status) in reports.iter().zip(&statuses) {
        let keys: Vec<&str> = report.as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected = [
            "user_receive_time",
            "nationcode",
            "mobile",
            "report_status",
            "errmsg",
            "description",
            "sid",
        ];
        expected.sort();
        let mut keys = keys;
        keys.sort();
        assert_eq!(keys, expected);
        assert_eq!(report["sid"], status["SerialNo"]);
        assert_eq!(report["nationcode"], "86");
        let pulled = Call::sms(
            "PullSmsSendStatusByPhoneNumber",
            json!({
                "PhoneNumber": status["PhoneNumber"],
                "SmsSdkAppId": tc_emulator::SEED_SDK_APP_ID,
                "BeginTime": 0, "Offset": 0, "Limit": 10,
            }),
        )
        .response(&emu)
        .await;
        let pulled = &pulled["PullSmsSendStatusSet"][0];
        assert_eq!(report["sid"], pulled["SerialNo"]);
        assert_eq!(report["mobile"], pulled["SubscriberNumber"]);
        assert_eq!(report["report_status"], pulled["ReportStatus"]);
        assert_eq!(report["errmsg"], pulled["Description"]);
        let time = report["user_receive_time"].as_str().unwrap();
        assert_eq!(time.len(), "2026-12-07 10:00:00".len(), "{time}");
        assert!(time.starts_with("20") && &time[10..11] == " ", "{time}");
    }
    assert_eq!(reports[0]["mobile"], "13800000001");
    assert_eq!(reports[1]["mobile"], "13800000002");
    let admin = admin_get(&emu, "stats").await;
    assert_eq!(admin["CallbacksSent"], 1, "{admin}");
}

#[tokio::test]
async fn loss_and_duplicates_are_seeded_and_counted() {
    let receiver = Receiver::start().await;
    let config = StatusCallback::new(&receiver.url).loss(0.3).duplicates(0.2).seed(7);
    let emu = Emulator::builder()
        .status_callback(config.clone())
        .start()
        .await
        .unwrap();
    let all = numbers(200);
    let batch: Vec<&str> = all.iter().map(String::as_str).collect();
    send(&batch).response(&emu).await;
    let stats = settled(&emu).await;
    let reports = receiver.reports();
    assert!((30..=90).contains(&stats.lost), "{stats:?}");
    assert!((10..=70).contains(&stats.duplicated), "{stats:?}");
    assert_eq!(reports.len() as u64, 200 - stats.lost + stats.duplicated, "{stats:?}");
    let mut sids: Vec<&str> = reports.iter().map(|r| r["sid"].as_str().unwrap()).collect();
    sids.sort();
    sids.dedup();
    assert_eq!(sids.len() as u64, 200 - stats.lost, "every kept report, once or twice");
    assert_eq!(stats.sent, 2, "the reports, then their duplicates: {stats:?}");

    // Same seed, same sends: the same reports lost and duplicated.
    let again = Receiver::start().await;
    let config = StatusCallback::new(&again.url).loss(0.3).duplicates(0.2).seed(7);
    let emu2 = Emulator::builder().status_callback(config).start().await.unwrap();
    send(&batch).response(&emu2).await;
    let stats2 = settled(&emu2).await;
    assert_eq!((stats2.lost, stats2.duplicated), (stats.lost, stats.duplicated));
    let mobiles = |r: &Receiver| -> Vec<String> { r.reports().iter().map(|x| x["mobile"].to_string()).collect() };
    assert_eq!(mobiles(&receiver), mobiles(&again));
}

#[tokio::test]
async fn a_delayed_push_waits_and_the_answer_does_not() {
    let receiver = Receiver::start().await;
    let config = StatusCallback::new(&receiver.url).delay(Duration::from_secs(600));
    let emu = Emulator::builder().status_callback(config).start().await.unwrap();
    let answer = send(&["+8613800000001"]).response(&emu).await;
    assert_eq!(answer["SendStatusSet"][0]["Code"], "Ok");
    // A round trip after the answer: the report is queued, not sent.
    assert_eq!(admin_get(&emu, "health").await["ok"], true);
    let stats = emu.callback_stats();
    assert_eq!((stats.pending, stats.sent), (1, 0), "{stats:?}");
    assert!(receiver.posts().is_empty());
}

#[tokio::test]
async fn a_dead_receiver_is_counted_and_requests_go_on() {
    let dead = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/gone", dead.local_addr().unwrap());
    drop(dead);
    let emu = Emulator::builder()
        .status_callback(StatusCallback::new(url))
        .start()
        .await
        .unwrap();
    for i in 0..3 {
        let answer = send(&[&format!("+861380000000{i}")]).response(&emu).await;
        assert_eq!(answer["SendStatusSet"][0]["Code"], "Ok");
    }
    let stats = settled(&emu).await;
    assert_eq!((stats.sent, stats.failed), (0, 3), "{stats:?}");
}

/// A receiver that accepts connections and never answers: the queue fills, later reports are dropped
/// with a count, and requests are answered as usual (nothing waits for the receiver).
#[tokio::test]
async fn a_stuck_receiver_fills_a_bounded_queue_then_drops() {
    let stuck = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/stuck", stuck.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((s, _)) = stuck.accept().await {
            open.push(s);
        }
    });
    let config = StatusCallback::new(url).queue_capacity(2);
    let emu = Emulator::builder().status_callback(config).start().await.unwrap();
    for i in 0..20 {
        let answer = send(&[&format!("+86138000000{i:02}")]).response(&emu).await;
        assert_eq!(answer["SendStatusSet"][0]["Code"], "Ok");
    }
    let stats = emu.callback_stats();
    assert!(stats.pending <= 3, "at most the queue and one in flight: {stats:?}");
    assert_eq!(
        stats.pending + stats.dropped + stats.failed + stats.sent,
        20,
        "{stats:?}"
    );
    assert!(stats.dropped >= 17, "{stats:?}");
    held.abort();
}

#[tokio::test]
async fn bad_configurations_refuse_to_start() {
    for config in [
        StatusCallback::new("https://127.0.0.1:9/"),
        StatusCallback::new("http://127.0.0.1/"),
        StatusCallback::new("http://127.0.0.1:9/\r\nX-Injected: 1"),
        StatusCallback::new("http://127.0.0.1:9/").loss(2.0),
        StatusCallback::new("http://127.0.0.1:9/").duplicates(-0.1),
    ] {
        let err = Emulator::builder()
            .status_callback(config.clone())
            .start()
            .await
            .unwrap_err();
        assert!(err.to_string().contains("status callback"), "{config:?}: {err}");
    }
}
