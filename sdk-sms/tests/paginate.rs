//! The generated paginators of SMS's template and sign lists (v20210111, offset/limit without a total)
//! against the emulator's stateful SMS: lists of 0, 1, exactly one page (100, the documented maximum the
//! paginator sends as `Limit`) and many entries, entries added and deleted between pages, an error
//! mid-walk. Without a total, a walk ends on the first empty page: one request more than the pages.

mod common;

use sdk_sms::v20210111::{
    AddSmsSignRequest, AddSmsSignRequired, AddSmsTemplateRequest, AddSmsTemplateRequired, Client,
    DeleteSmsTemplateRequest, DescribeSmsSignListRequest, DescribeSmsTemplateListRequest,
};
use sdk_sms::{ClientProfile, Credential, Error, HttpProfile, RetryPolicy};
use serde_json::Value;
use tc_emulator::{Emulator, Fault, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

/// International lists: the emulator preloads mainland entries only, so these start empty.
const INTERNATIONAL: u64 = 1;

async fn add_templates(client: &Client, n: usize) -> Vec<u64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let request = AddSmsTemplateRequest::new(AddSmsTemplateRequired {
            template_name: format!("t{i}"),
            template_content: "Your code is {1}".into(),
            sms_type: 0,
            international: INTERNATIONAL,
            remark: "paginator test".into(),
        });
        let added = client.add_sms_template(&request).await.unwrap();
        ids.push(added.add_template_status.template_id.unwrap().parse().unwrap());
    }
    ids
}

async fn template_ids(client: &Client) -> Result<Vec<u64>, Error> {
    let mut items = client.describe_sms_template_list_items(&DescribeSmsTemplateListRequest::new(INTERNATIONAL));
    let mut ids = Vec::new();
    while let Some(t) = items.next_item().await {
        ids.push(t?.template_id);
    }
    Ok(ids)
}

/// The `(Offset, Limit)` of each list request the emulator received since it had `mark` requests.
fn list_requests(emu: &Emulator, action: &str, mark: usize) -> Vec<(u64, u64)> {
    emu.requests()
        .into_iter()
        .skip(mark)
        .filter(|r| r.action == action)
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap();
            (body["Offset"].as_u64().unwrap(), body["Limit"].as_u64().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn template_lists_of_every_length_are_walked_to_the_end() {
    let emu = Emulator::start().await.unwrap();
    let client = common::client(&emu);
    let mut added = Vec::new();
    // (length, offsets sent): pages of 100, then the empty page that ends a walk without a total.
    for (len, offsets) in [
        (0, vec![0]),
        (1, vec![0, 1]),
        (100, vec![0, 100]),
        (250, vec![0, 100, 200, 250]),
    ] {
        added.extend(add_templates(&client, len - added.len()).await);
        let mark = emu.requests().len();
        assert_eq!(template_ids(&client).await.unwrap(), added, "length {len}");
        let sent = list_requests(&emu, "DescribeSmsTemplateList", mark);
        assert_eq!(
            sent,
            offsets.iter().map(|&o| (o, 100)).collect::<Vec<_>>(),
            "length {len}"
        );
    }
}

#[tokio::test]
async fn a_start_offset_past_the_end_is_one_empty_page() {
    let emu = Emulator::start().await.unwrap();
    let client = common::client(&emu);
    add_templates(&client, 3).await;
    let request = DescribeSmsTemplateListRequest::new(INTERNATIONAL).offset(10).limit(2);
    let mut pages = client.describe_sms_template_list_pages(&request);
    let page = pages.next_page().await.unwrap().unwrap();
    assert!(page.describe_template_status_set.is_empty());
    assert!(pages.next_page().await.is_none());
    // A limit the caller sets is sent as is.
    let request = DescribeSmsTemplateListRequest::new(INTERNATIONAL).limit(2);
    let mark = emu.requests().len();
    let pages: Vec<_> = {
        let mut p = client.describe_sms_template_list_pages(&request);
        let mut all = Vec::new();
        while let Some(page) = p.next_page().await {
            all.push(page.unwrap().describe_template_status_set.len());
        }
        all
    };
    assert_eq!(pages, [2, 1, 0]);
    assert_eq!(
        list_requests(&emu, "DescribeSmsTemplateList", mark),
        [(0, 2), (2, 2), (3, 2)]
    );
}

#[tokio::test]
async fn entries_added_or_deleted_between_pages() {
    let emu = Emulator::start().await.unwrap();
    let client = common::client(&emu);
    let ids = add_templates(&client, 150).await;
    let mut items = client.describe_sms_template_list_items(&DescribeSmsTemplateListRequest::new(INTERNATIONAL));
    let mut seen = Vec::new();
    for _ in 0..100 {
        seen.push(items.next_item().await.unwrap().unwrap().template_id);
    }
    // Deleting an entry already seen shifts the rest down by one: offset paging skips the entry that
    // moves across the page boundary (documented in sdk_core::paginate), and never fails or repeats.
    client
        .delete_sms_template(&DeleteSmsTemplateRequest::new(ids[0]))
        .await
        .unwrap();
    // Entries added meanwhile are followed to the new end.
    let more = add_templates(&client, 5).await;
    while let Some(t) = items.next_item().await {
        seen.push(t.unwrap().template_id);
    }
    let expected: Vec<u64> = ids[..100].iter().chain(&ids[101..]).chain(&more).copied().collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn sign_lists_page_the_same_way() {
    let emu = Emulator::start().await.unwrap();
    let client = common::client(&emu);
    let mut added = Vec::new();
    for i in 0..130 {
        let request = AddSmsSignRequest::new(AddSmsSignRequired {
            sign_name: format!("Sign{i}"),
            sign_type: 0,
            document_type: 0,
            international: INTERNATIONAL,
            sign_purpose: 0,
            proof_image: "aW1n".into(),
        });
        added.push(
            client
                .add_sms_sign(&request)
                .await
                .unwrap()
                .add_sign_status
                .sign_id
                .unwrap(),
        );
    }
    let mut items = client.describe_sms_sign_list_items(&DescribeSmsSignListRequest::new(INTERNATIONAL));
    let mut ids = Vec::new();
    while let Some(s) = items.next_item().await {
        ids.push(s.unwrap().sign_id);
    }
    assert_eq!(ids, added);
}

#[tokio::test]
async fn an_error_mid_walk_is_the_last_item() {
    let emu = Emulator::start().await.unwrap();
    let credential = Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY).unwrap();
    let profile = ClientProfile::new()
        .http_profile(HttpProfile::new().endpoint(emu.base_url()))
        .retry_policy(RetryPolicy::none());
    let client = Client::with_profile(credential, "ap-guangzhou", profile);
    add_templates(&client, 120).await;
    let mut items = client.describe_sms_template_list_items(&DescribeSmsTemplateListRequest::new(INTERNATIONAL));
    for _ in 0..100 {
        items.next_item().await.unwrap().unwrap();
    }
    emu.add_fault(Fault::error_code("InternalError").action("DescribeSmsTemplateList"));
    let err = items.next_item().await.unwrap().unwrap_err();
    assert_eq!(err.code(), Some("InternalError"));
    assert!(items.next_item().await.is_none());
}
