//! Send one SMS: the README example, the unit of compile cost in BENCHMARKS.md.
use sdk_sms::v20210111::{Client, SendSmsRequest};
use sdk_sms::Credential;

#[tokio::main]
async fn main() -> Result<(), sdk_sms::Error> {
    let client = Client::new(Credential::from_env()?, "ap-guangzhou");
    let request = SendSmsRequest::new(vec!["+8613800000000".into()], "1400006666", "1110")
        .sign_name("腾讯云")
        .template_param_set(vec!["4370".into()]);
    let response = client.send_sms(&request).await?;
    println!("{:?} (RequestId {})", response.send_status_set, response.request_id);
    Ok(())
}
