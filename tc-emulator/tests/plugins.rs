//! A second stateful product registered through the plug-in trait: its action and its admin path are served
//! by the generic server, which names no product.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use common::{admin_client, Call};
use hyper::{Method, StatusCode};
use serde_json::{json, Map, Value};
use tc_emulator::{Answer, Emulator, StatefulProduct};

/// Counts the STS `GetFederationToken` calls it answers; `GET /_emulator/sts/count` reads the count.
#[derive(Clone, Default)]
struct CountingSts {
    calls: Arc<AtomicU64>,
}

impl StatefulProduct for CountingSts {
    fn product(&self) -> &str {
        "sts"
    }

    fn version(&self) -> &str {
        "2018-08-13"
    }

    fn handle(&self, action: &str, _input: &Value, _now: i64) -> Option<Answer> {
        if action != "GetFederationToken" {
            return None;
        }
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let mut fields = Map::new();
        fields.insert("ExpiredTime".into(), json!(n));
        Some(Ok(fields))
    }

    fn admin(&self, method: &Method, path: &[&str], _body: &Value) -> Option<(StatusCode, Value)> {
        match (method, path) {
            (&Method::GET, ["count"]) => Some((StatusCode::OK, json!({"count": self.calls.load(Ordering::SeqCst)}))),
            _ => None,
        }
    }

    fn reset(&self) {
        self.calls.store(0, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_registered_product_answers_its_action_and_admin_path() {
    let sts = CountingSts::default();
    let emu = Emulator::builder().product(sts.clone()).start().await.unwrap();
    let mut call = Call::new("GetFederationToken", "2018-08-13", json!({"Name": "n", "Policy": "{}"}));
    call.service = "sts".into();
    for expected in 1..=2 {
        let r = call.response(&emu).await;
        assert_eq!(r["ExpiredTime"], expected, "{r}");
    }
    let admin = admin_client(&emu);
    let count: Value = admin
        .get(format!("{}/_emulator/sts/count", emu.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(count["count"], 2);
    // An action it does not emulate gets the spec's example; SMS is still registered beside it.
    let mut other = Call::new(
        "AssumeRole",
        "2018-08-13",
        json!({"RoleArn": "a", "RoleSessionName": "s"}),
    );
    other.service = "sts".into();
    assert!(other.response(&emu).await["Credentials"].is_object());
    assert_eq!(sts.calls.load(Ordering::SeqCst), 2);
    let unknown = admin
        .get(format!("{}/_emulator/sts/nothing", emu.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    emu.reset();
    assert_eq!(sts.calls.load(Ordering::SeqCst), 0);
}
