//! Send one SMS with the 2021-01-11 API.
//!
//! With `TENCENTCLOUD_SECRET_ID`/`TENCENTCLOUD_SECRET_KEY` set, this talks to Tencent Cloud (override the
//! endpoint with `TENCENTCLOUD_ENDPOINT`, e.g. `sms.ap-guangzhou.tencentcloudapi.com`). Without them it starts
//! the in-process emulator and sends there, so it runs anywhere:
//!
//! ```sh
//! cargo run -p sdk-sms --example send_sms -- +8613800000000
//! SMS_SDK_APP_ID=1400... SMS_SIGN_NAME=... SMS_TEMPLATE_ID=... cargo run -p sdk-sms --example send_sms -- +86...
//! ```

use sdk_sms::v20210111::{Client, ErrorCode, SendSmsRequest, SendSmsRequired};
use sdk_sms::{ClientProfile, Credential, HttpProfile};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let phone = std::env::args().nth(1).unwrap_or_else(|| "+8613800000000".into());
    let env = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let mut endpoint = std::env::var("TENCENTCLOUD_ENDPOINT").ok();

    // The emulator (when used) must stay alive for the whole run.
    let (credential, _emulator) = if std::env::var_os("TENCENTCLOUD_SECRET_ID").is_none() {
        let emulator = tc_emulator::Emulator::start().await?;
        println!(
            "TENCENTCLOUD_SECRET_ID is not set: sending to the local emulator at {}",
            emulator.base_url()
        );
        endpoint = Some(emulator.base_url());
        let credential = Credential::new(tc_emulator::DEFAULT_SECRET_ID, tc_emulator::DEFAULT_SECRET_KEY)?;
        (credential, Some(emulator))
    } else {
        println!("sending through Tencent Cloud");
        (Credential::from_env()?, None)
    };

    let mut http = HttpProfile::new();
    if let Some(endpoint) = endpoint {
        http = http.endpoint(endpoint);
    }
    let region = env("TENCENTCLOUD_REGION", "ap-guangzhou");
    let client = Client::with_profile(credential, region, ClientProfile::new().http_profile(http));

    let request = SendSmsRequest::new(SendSmsRequired {
        phone_number_set: vec![phone],
        sms_sdk_app_id: env("SMS_SDK_APP_ID", "1400006666"),
        template_id: env("SMS_TEMPLATE_ID", "1110"),
    })
    .sign_name(env("SMS_SIGN_NAME", "腾讯云"))
    .template_param_set(vec!["4370".into(), "5".into()]);

    match client.send_sms(&request).await {
        Ok(response) => {
            for status in &response.send_status_set {
                println!(
                    "{}: {} {} (fee {})",
                    status.phone_number, status.code, status.message, status.fee
                );
            }
            println!("RequestId: {}", response.request_id);
            Ok(())
        }
        Err(err) => {
            if let Some(code) = ErrorCode::of(&err) {
                eprintln!("{code}: {}", code.description().unwrap_or("(no description)"));
            }
            Err(err.into())
        }
    }
}
