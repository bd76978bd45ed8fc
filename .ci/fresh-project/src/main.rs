//! What a new user writes first: send an SMS, here to the emulator, with only the published crates.

use sdk_sms::v20210111::{Client, SendSmsRequest, SendSmsRequired};
use sdk_sms::{ClientProfile, Credential, HttpProfile, SignMethod};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = tc_emulator::Emulator::start().await?;
    let credential = Credential::new(tc_emulator::DEFAULT_SECRET_ID, tc_emulator::DEFAULT_SECRET_KEY)?;
    let profile = ClientProfile::new()
        .sign_method(SignMethod::Tc3HmacSha256)
        .http_profile(HttpProfile::new().endpoint(emulator.base_url()));
    let client = Client::with_profile(credential, "ap-guangzhou", profile);
    let request = SendSmsRequest::new(SendSmsRequired {
        phone_number_set: vec!["+8613800000000".into()],
        sms_sdk_app_id: "1400006666".into(),
        template_id: "1110".into(),
    })
        .sign_name("腾讯云")
        .template_param_set(vec!["4370".into(), "5".into()]);
    let response = client.send_sms(&request).await?;
    let code = &response.send_status_set[0].code;
    if code != "Ok" || emulator.sms().sent().len() != 1 {
        return Err(format!("the emulator did not take the SMS: {code}").into());
    }
    println!("sent: {code}, RequestId {}", response.request_id);
    Ok(())
}
