//! Send one SMS with AWS SNS: the comparison program of tc-bench/compile_cost.sh.
#[tokio::main]
async fn main() -> Result<(), aws_sdk_sns::Error> {
    let config = aws_config::load_from_env().await;
    let client = aws_sdk_sns::Client::new(&config);
    let response = client
        .publish()
        .phone_number("+8613800000000")
        .message("Your verification code is 4370")
        .send()
        .await?;
    println!("{:?}", response.message_id());
    Ok(())
}
