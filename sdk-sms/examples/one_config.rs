//! One configuration for three products: SMS, STS and Hunyuan clients made from one `sdk_core::SdkConfig`
//! share one connection pool and one credential cache, and report metrics to Prometheus.
//!
//! Runs against the in-process emulator (nothing leaves the machine):
//!
//! ```sh
//! cargo run -p sdk-sms --example one_config
//! ```
//!
//! The credential is a temporary one from STS `AssumeRole`, asked of a second emulator playing the STS
//! endpoint (the service emulator accepts the role's documented example credential). Each client calls
//! twice; the program prints how many TCP connections the service emulator accepted and how many
//! credentials were fetched (1 and 1: one pool, one cache), then the Prometheus scrape of those calls.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};

use sdk_core::credential::StsAssumeRoleProvider;
use sdk_core::{ClientProfile, Credential, HttpProfile, SdkConfig};
use tc_emulator::{Emulator, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Metrics: the SDK records through the `metrics` facade (feature `metrics`); this exporter serves them.
    let metrics_addr: SocketAddr = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?;
    metrics_exporter_prometheus::PrometheusBuilder::new()
        .with_http_listener(metrics_addr)
        .install()?;

    let sts_endpoint = Emulator::start().await?;
    let service = Emulator::builder()
        .temporary_credential("AKID***", "q95K***", "da1e***")
        .start()
        .await?;

    let role = StsAssumeRoleProvider::new(
        Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY)?,
        "qcs::cam::uin/100000000001:roleName/one-config",
        "one-config-example",
    )
    .http_profile(HttpProfile::new().endpoint(sts_endpoint.base_url()));
    let config = SdkConfig::builder()
        .credential(role)
        .region("ap-guangzhou")
        .profile(ClientProfile::new().http_profile(HttpProfile::new().endpoint(service.base_url())))
        .build();

    let sms = sdk_sms::v20210111::Client::from_config(&config);
    let sts = sdk_sts::v20180813::Client::from_config(&config);
    let hunyuan = sdk_hunyuan::v20230901::Client::from_config(&config);
    for round in 1..=2 {
        let send = sdk_sms::v20210111::SendSmsRequest::new(sdk_sms::v20210111::SendSmsRequired {
            phone_number_set: vec!["+8613800000000".into()],
            sms_sdk_app_id: "1400006666".into(),
            template_id: "1110".into(),
        })
        .sign_name("腾讯云")
        .template_param_set(vec!["4370".into(), "5".into()]);
        let sent = sms.send_sms(&send).await?;
        let me = sts
            .get_caller_identity(&sdk_sts::v20180813::GetCallerIdentityRequest::new())
            .await?;
        let job = hunyuan
            .query_hunyuan_image_job(&sdk_hunyuan::v20230901::QueryHunyuanImageJobRequest::new("1258"))
            .await?;
        println!(
            "round {round}: sms {} ({}), sts {}, hunyuan job status {}",
            sent.request_id,
            sent.send_status_set.first().map_or("-", |s| s.code.as_str()),
            me.request_id,
            job.job_status_code.as_deref().unwrap_or("-"),
        );
    }

    let fetches = sts_endpoint
        .requests()
        .iter()
        .filter(|r| r.action == "AssumeRole")
        .count();
    println!("connections accepted: {}", service.connections_accepted());
    println!("credential fetches: {fetches}");

    let scrape = reqwest::get(format!("http://{metrics_addr}/metrics"))
        .await?
        .text()
        .await?;
    println!("--- Prometheus scrape ---");
    print!("{scrape}");
    Ok(())
}
