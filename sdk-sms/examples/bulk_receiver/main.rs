//! Receives Tencent SMS status reports by HTTP callback and writes them into a campaign store, where
//! `bulk_send` workers read them before asking the service about unknown outcomes.
//!
//! ```sh
//! cargo run -p sdk-sms --features sqlite --example bulk_receiver -- --store sqlite:campaign.db --listen 127.0.0.1:8090
//! ```
//!
//! The store must exist (start a `bulk_send` worker on it first). Set the console's status-report URL
//! (or the emulator's `--status-callback`) to `http://<listen>/`; replies go to `/reply`.

#[cfg(feature = "sqlite")]
mod server;

#[cfg(feature = "sqlite")]
mod app {
    use super::server;
    use std::net::SocketAddr;

    use sdk_sms::bulk::store::ReceiptWriter;

    fn parse_args() -> Result<(String, SocketAddr), String> {
        let (mut store, mut listen) = (None, "127.0.0.1:8090".to_owned());
        let mut it = std::env::args().skip(1);
        while let Some(arg) = it.next() {
            let mut value = || it.next().ok_or(format!("{arg} needs a value"));
            match arg.as_str() {
                "--store" => store = Some(value()?),
                "--listen" => listen = value()?,
                other => {
                    return Err(format!(
                        "unknown argument `{other}` (see examples/bulk_receiver/main.rs)"
                    ))
                }
            }
        }
        let store = store.ok_or("--store sqlite:PATH is required")?;
        let path = store
            .strip_prefix("sqlite:")
            .ok_or("--store must be sqlite:PATH (the receiver writes SQLite stores)")?
            .to_owned();
        let listen = listen
            .parse()
            .map_err(|_| format!("--listen {listen}: not an address:port"))?;
        Ok((path, listen))
    }

    pub async fn main() -> std::process::ExitCode {
        let (path, listen) = match parse_args() {
            Ok(args) => args,
            Err(e) => {
                eprintln!("bulk_receiver: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        let store = match ReceiptWriter::open(&path) {
            Ok(store) => store,
            Err(e) => {
                eprintln!("bulk_receiver: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        let listener = match tokio::net::TcpListener::bind(listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("bulk_receiver: cannot listen on {listen}: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        eprintln!("bulk_receiver: listening on http://{listen}/ (status reports), /reply (replies)");
        server::serve(listener, server::Receiver::new(store)).await;
        std::process::ExitCode::SUCCESS
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    #[cfg(feature = "sqlite")]
    return app::main().await;
    #[cfg(not(feature = "sqlite"))]
    {
        eprintln!("bulk_receiver: build with `--features sqlite`");
        std::process::ExitCode::FAILURE
    }
}
