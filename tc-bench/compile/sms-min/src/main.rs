//! Send one SMS: the README example, the unit of compile cost in BENCHMARKS.md.
use sdk_sms::v20210111::{Client, SendSmsRequest, SendSmsRequired};
use sdk_sms::Credential;

#[tokio::main]
async fn main() -> Result<(), sdk_sms::Error> {
    let client = Client::new(Credential::from_env()?, "ap-guangzhou");
    let request = SendSmsRequest::new(SendSmsRequired { phone_number_set: vec!["+8613800000000".into()], sms_sdk_app_id: "1400006666".into(), template_id: "1110".into() })
        .sign_name("腾讯云")
        .template_param_set(vec!["4370".into()]);
    let response = client.send_sms(&request).await?;
    println!("{:?} (RequestId {})", response.send_status_set, response.request_id);
    Ok(())
}
