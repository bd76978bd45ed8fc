//! The bulk sender's logs explain each request (batch id, counts, codes, throttling, reconciliation) and
//! never show a phone number: everything logged at TRACE by every crate during a campaign with throttling,
//! a cut answer, a 502 and malformed numbers is captured and searched for the numbers' digits.
//!
//! One test in its own binary: it installs the process-wide subscriber.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sdk_sms::bulk::{BulkConfig, BulkSender, NoJournal, Recipient, ReconcilePolicy, ThrottlePolicy};
use sdk_sms::v20210111::Client;
use sdk_sms::{ClientProfile, Credential, HttpProfile};
use tc_emulator::{Emulator, Fault, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, SEED_SDK_APP_ID, SEED_SIGN_NAME};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn campaign_logs_carry_batches_and_codes_never_numbers() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init()
        .expect("the only subscriber of this test binary");

    let emulator = Emulator::builder()
        .fault(Fault::error_code("RequestLimitExceeded").first(1).action("SendSms"))
        .fault(Fault::truncated_body().first(1).action("SendSms"))
        .fault(Fault::bad_gateway().first(1).action("SendSms"))
        .start()
        .await
        .unwrap();
    let credential = Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY).unwrap();
    let profile = ClientProfile::new().http_profile(HttpProfile::new().endpoint(emulator.base_url()));
    let client = Client::with_profile(credential, "ap-guangzhou", profile);
    let config = BulkConfig::new(SEED_SDK_APP_ID, "1110")
        .sign_name(SEED_SIGN_NAME)
        .template_params(["4370", "5"])
        .batch_size(3)
        .concurrency(1)
        .resend_not_sent(1)
        .throttle(ThrottlePolicy {
            base_pause: Duration::from_millis(2),
            max_pause: Duration::from_millis(10),
            slow_interval: Duration::from_millis(1),
            recover_after: 1,
        })
        .reconcile(ReconcilePolicy {
            checks: vec![Duration::ZERO],
            window_slack: Duration::from_secs(60),
        });
    let subscribers: Vec<String> = (0..12).map(|i| format!("1391234{i:04}")).collect();
    let mut input: Vec<Recipient> = subscribers.iter().map(|s| Recipient::new(format!("+86{s}"))).collect();
    input.push(Recipient::new("9876543210987654321"));
    let summary = BulkSender::new(&client, config)
        .send_iter(input, NoJournal)
        .finish()
        .await
        .unwrap();
    assert_eq!((summary.sent, summary.rejected), (12, 1), "{summary}");
    assert!(summary.throttled == 1 && summary.reconciled == 6, "{summary}");

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    for event in [
        "SendSms answered",
        "throttled; the whole campaign slows down",
        "reconciled",
        "campaign finished",
    ] {
        assert!(logs.contains(event), "no `{event}` event in:\n{logs}");
    }
    assert!(logs.contains("batch=bulk-"), "events name their batch:\n{logs}");
    for s in &subscribers {
        assert!(!logs.contains(s), "a phone number in the logs:\n{logs}");
    }
    assert!(!logs.contains("9876543210987654321"), "a malformed number in the logs");
}
