//! Stream a chat completion and print the tokens as they arrive.
//!
//! With `TENCENTCLOUD_SECRET_ID`/`TENCENTCLOUD_SECRET_KEY` set, this asks hunyuan on Tencent Cloud (model
//! from `HUNYUAN_MODEL`, default `hunyuan-lite`; endpoint override `TENCENTCLOUD_ENDPOINT`). Without them it
//! starts the in-process emulator, which streams the events of the API's own streaming example, so it runs
//! anywhere:
//!
//! ```sh
//! cargo run -p sdk-hunyuan --example chat_stream -- "Write a haiku about the sea"
//! ```

use std::io::Write;

use sdk_hunyuan::v20230901::{ChatCompletionsRequest, Client, Message};
use sdk_hunyuan::{ClientProfile, Credential, HttpProfile};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let prompt = std::env::args().nth(1).unwrap_or_else(|| "Hello! Who are you?".into());
    let mut endpoint = std::env::var("TENCENTCLOUD_ENDPOINT").ok();

    // The emulator (when used) must stay alive for the whole run.
    let (credential, _emulator) = if std::env::var_os("TENCENTCLOUD_SECRET_ID").is_none() {
        let emulator = tc_emulator::Emulator::builder()
            .stream_events(12)
            .stream_delay(std::time::Duration::from_millis(80))
            .start()
            .await?;
        println!(
            "TENCENTCLOUD_SECRET_ID is not set: streaming from the local emulator at {}",
            emulator.base_url()
        );
        endpoint = Some(emulator.base_url());
        let credential = Credential::new(tc_emulator::DEFAULT_SECRET_ID, tc_emulator::DEFAULT_SECRET_KEY)?;
        (credential, Some(emulator))
    } else {
        println!("streaming from Tencent Cloud");
        (Credential::from_env()?, None)
    };

    let mut http = HttpProfile::new();
    if let Some(endpoint) = endpoint {
        http = http.endpoint(endpoint);
    }
    let region = std::env::var("TENCENTCLOUD_REGION").unwrap_or_else(|_| "ap-guangzhou".into());
    let client = Client::with_profile(credential, region, ClientProfile::new().http_profile(http));

    let model = std::env::var("HUNYUAN_MODEL").unwrap_or_else(|_| "hunyuan-lite".into());
    let request = ChatCompletionsRequest::new(model, vec![Message::new("user").content(prompt)]);
    // `chat_completions_stream` sets `Stream` to true and returns the events as they arrive. (The spec marks
    // ChatCompletions deprecated in favour of Tencent's OpenAI-compatible endpoint; it is still served.)
    #[allow(deprecated)]
    let mut events = client.chat_completions_stream(&request).await?;
    let mut out = std::io::stdout();
    while let Some(event) = events.next().await {
        let event = event?;
        // hunyuan reports some failures inside an event instead of as an API error.
        if let Some(error) = &event.error_msg {
            eprintln!("\nthe model stopped: {error:?}");
            break;
        }
        for choice in event.choices.iter().flatten() {
            if let Some(text) = choice.delta.as_ref().and_then(|d| d.content.as_deref()) {
                write!(out, "{text}")?;
                out.flush()?;
            }
        }
    }
    println!();
    Ok(())
}
