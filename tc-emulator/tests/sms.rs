//! Stateful SMS 2021-01-11 over real HTTP: sending rules, sign/template lifecycle, delivery reports.

mod common;

use common::*;
use serde_json::{json, Value};
use tc_emulator::{
    Emulator, ReviewStatus, SEED_SDK_APP_ID, SEED_SIGN_ID, SEED_SIGN_NAME, SEED_TEMPLATE_CONTENT, SEED_TEMPLATE_ID,
};

fn send(numbers: &[&str], params: &[&str]) -> Value {
    json!({
        "PhoneNumberSet": numbers,
        "SmsSdkAppId": SEED_SDK_APP_ID,
        "SignName": SEED_SIGN_NAME,
        "TemplateId": SEED_TEMPLATE_ID.to_string(),
        "TemplateParamSet": params,
        "SessionContext": "ctx-1",
    })
}

async fn add_template(emu: &Emulator, content: &str, international: u64) -> u64 {
    let resp = Call::sms(
        "AddSmsTemplate",
        json!({"TemplateName": "t", "TemplateContent": content, "SmsType": 0, "International": international, "Remark": "r"}),
    )
    .response(emu)
    .await;
    expect_ok(&resp);
    resp["AddTemplateStatus"]["TemplateId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn send_sms_end_to_end() {
    let emu = Emulator::start().await.unwrap();
    let resp = Call::sms("SendSms", send(&["+8618501234444", "18501234445"], &["4370", "5"]))
        .response(&emu)
        .await;
    expect_ok(&resp);
    let set = resp["SendStatusSet"].as_array().unwrap();
    assert_eq!(set.len(), 2);
    for (s, number) in set.iter().zip(["+8618501234444", "+8618501234445"]) {
        assert_eq!(s["Code"], "Ok");
        assert_eq!(s["PhoneNumber"], number);
        assert_eq!(s["Fee"], 1);
        assert_eq!(s["IsoCode"], "CN");
        assert_eq!(s["SessionContext"], "ctx-1");
        assert!(!s["SerialNo"].as_str().unwrap().is_empty());
    }
    assert_ne!(set[0]["SerialNo"], set[1]["SerialNo"]);
    let sent = emu.sms().sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].text, "【腾讯云】您的验证码是4370，请于5分钟内填写。");
    assert_eq!(sent[0].sign_name.as_deref(), Some(SEED_SIGN_NAME));
    assert_eq!(sent[0].template_id, SEED_TEMPLATE_ID);
    assert_eq!(sent[0].serial_no, set[0]["SerialNo"]);
    assert_eq!(sent[1].requested_number, "18501234445");
}

#[tokio::test]
async fn fee_counts_long_messages() {
    let emu = Emulator::start().await.unwrap();
    let id = add_template(&emu, "{1}", 0).await;
    emu.sms().approve_template(id).unwrap();
    // 【腾讯云】 is 5 characters: 65 + 5 = 70 → 1; 66 + 5 = 71 → 2; 130 + 5 = 135 → 3.
    for (len, fee) in [(65, 1), (66, 2), (129, 2), (130, 3)] {
        let body = json!({"PhoneNumberSet": ["+8618501234444"], "SmsSdkAppId": SEED_SDK_APP_ID, "SignName": SEED_SIGN_NAME,
                          "TemplateId": id.to_string(), "TemplateParamSet": ["字".repeat(len)]});
        let resp = Call::sms("SendSms", body).response(&emu).await;
        expect_ok(&resp);
        assert_eq!(resp["SendStatusSet"][0]["Fee"], fee, "param of {len} chars");
    }
}

#[tokio::test]
async fn per_number_errors_for_bad_numbers() {
    let emu = Emulator::start().await.unwrap();
    let resp = Call::sms(
        "SendSms",
        send(&["+8618501234444", "+86123", "hello", "+0123456789"], &["1", "2"]),
    )
    .response(&emu)
    .await;
    expect_ok(&resp);
    let set = resp["SendStatusSet"].as_array().unwrap();
    assert_eq!(set[0]["Code"], "Ok");
    for s in &set[1..] {
        assert_eq!(s["Code"], "InvalidParameterValue.IncorrectPhoneNumber", "{s}");
        assert_eq!(s["Fee"], 0);
        assert_eq!(s["SerialNo"], "");
    }
    assert_eq!(emu.sms().sent().len(), 1);
    assert_eq!(emu.sms().attempts().len(), 4);
}

#[tokio::test]
async fn send_sms_rules() {
    let emu = Emulator::start().await.unwrap();
    let check = |body: Value, want: &'static str| {
        let emu = &emu;
        async move { expect_error(&Call::sms("SendSms", body).response(emu).await, want) }
    };
    // Placeholder count.
    let msg = check(
        send(&["+8618501234444"], &["1"]),
        "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
    )
    .await;
    assert!(msg.contains("2 placeholders"), "{msg}");
    check(
        send(&["+8618501234444"], &["1", "2", "3"]),
        "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
    )
    .await;
    // More than 200 numbers.
    let many: Vec<String> = (0..201).map(|i| format!("+86185{i:08}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    check(send(&many, &["1", "2"]), "LimitExceeded.PhoneNumberCountLimit").await;
    expect_ok(
        &Call::sms("SendSms", send(&many[..200], &["1", "2"]))
            .response(&emu)
            .await,
    );
    // Empty set.
    check(send(&[], &["1", "2"]), "MissingParameter.EmptyPhoneNumberSet").await;
    // Mixed mainland and international.
    check(
        send(&["+8618501234444", "+6591234567"], &["1", "2"]),
        "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
    )
    .await;
    check(
        send(&["008618501234444", "+14155550100"], &["1", "2"]),
        "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
    )
    .await;
    // Unknown app.
    let mut body = send(&["+8618501234444"], &["1", "2"]);
    body["SmsSdkAppId"] = json!("1400000000");
    check(body, "UnauthorizedOperation.SmsSdkAppIdVerifyFail").await;
    // Mainland without a sign, unknown sign.
    let mut body = send(&["+8618501234444"], &["1", "2"]);
    body.as_object_mut().unwrap().remove("SignName");
    check(body, "FailedOperation.SignatureIncorrectOrUnapproved").await;
    let mut body = send(&["+8618501234444"], &["1", "2"]);
    body["SignName"] = json!("没有这个");
    check(body, "FailedOperation.SignatureIncorrectOrUnapproved").await;
    // Unknown template.
    let mut body = send(&["+8618501234444"], &["1", "2"]);
    body["TemplateId"] = json!("999999");
    check(body, "FailedOperation.TemplateIncorrectOrUnapproved").await;
    // Mainland template to international numbers.
    let mut body = send(&["+6591234567"], &["1", "2"]);
    body.as_object_mut().unwrap().remove("SignName");
    check(body, "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone").await;
    // An unapproved sign and template.
    let resp = Call::sms(
        "AddSmsSign",
        json!({"SignName": "新签名", "SignType": 0, "DocumentType": 0, "International": 0, "SignPurpose": 0, "ProofImage": "aGk="}),
    )
    .response(&emu)
    .await;
    expect_ok(&resp);
    let mut body = send(&["+8618501234444"], &["1", "2"]);
    body["SignName"] = json!("新签名");
    let msg = check(body, "FailedOperation.SignatureIncorrectOrUnapproved").await;
    assert!(msg.contains("not approved"), "{msg}");
    let tid = add_template(&emu, "hello {1}", 0).await;
    let mut body = send(&["+8618501234444"], &["1"]);
    body["TemplateId"] = json!(tid.to_string());
    check(body.clone(), "FailedOperation.TemplateIncorrectOrUnapproved").await;
    emu.sms().reject_template(tid, "no").unwrap();
    check(body.clone(), "FailedOperation.TemplateIncorrectOrUnapproved").await;
    emu.sms().approve_template(tid).unwrap();
    expect_ok(&Call::sms("SendSms", body).response(&emu).await);
}

#[tokio::test]
async fn international_sends() {
    let emu = Emulator::start().await.unwrap();
    let tid = add_template(&emu, "Your code is {1}", 1).await;
    emu.sms().approve_template(tid).unwrap();
    let body = json!({"PhoneNumberSet": ["+6591234567", "+85261234567"], "SmsSdkAppId": SEED_SDK_APP_ID,
                      "TemplateId": tid.to_string(), "TemplateParamSet": ["1234"]});
    let resp = Call::sms("SendSms", body).response(&emu).await;
    expect_ok(&resp);
    assert_eq!(resp["SendStatusSet"][0]["IsoCode"], "SG");
    assert_eq!(resp["SendStatusSet"][1]["IsoCode"], "HK");
    assert_eq!(emu.sms().sent()[0].text, "Your code is 1234");
    let body = json!({"PhoneNumberSet": ["+8618501234444"], "SmsSdkAppId": SEED_SDK_APP_ID, "SignName": SEED_SIGN_NAME,
                      "TemplateId": tid.to_string(), "TemplateParamSet": ["1234"]});
    expect_error(
        &Call::sms("SendSms", body).response(&emu).await,
        "UnsupportedOperation.GlobalTemplateToChineseMainlandPhone",
    );
}

#[tokio::test]
async fn sign_lifecycle_and_review() {
    let emu = Emulator::start().await.unwrap();
    let add = json!({"SignName": "测试签名", "SignType": 1, "DocumentType": 0, "International": 0, "SignPurpose": 0, "ProofImage": "aGk="});
    let resp = Call::sms("AddSmsSign", add.clone()).response(&emu).await;
    expect_ok(&resp);
    let id = resp["AddSignStatus"]["SignId"].as_u64().unwrap();
    assert_eq!(id, SEED_SIGN_ID + 1);
    // The same name again while under review.
    expect_error(
        &Call::sms("AddSmsSign", add.clone()).response(&emu).await,
        "InvalidParameterValue.SignExistAndUnapproved",
    );
    let list = |ids: Vec<u64>| Call::sms("DescribeSmsSignList", json!({"International": 0, "SignIdSet": ids}));
    let resp = list(vec![SEED_SIGN_ID, id]).response(&emu).await;
    let set = resp["DescribeSignListStatusSet"].as_array().unwrap();
    assert_eq!(set.len(), 2);
    assert_eq!(set[0]["StatusCode"], 0);
    assert_eq!(set[1]["StatusCode"], 1);
    assert_eq!(set[1]["SignName"], "测试签名");
    // Modify while under review, then reject, modify again (back to review), approve.
    let mut modify = add.clone();
    modify["SignId"] = json!(id);
    modify["SignName"] = json!("改名签名");
    expect_ok(&Call::sms("ModifySmsSign", modify.clone()).response(&emu).await);
    emu.sms().reject_sign(id, "证明材料不清晰").unwrap();
    let resp = list(vec![id]).response(&emu).await;
    assert_eq!(resp["DescribeSignListStatusSet"][0]["StatusCode"], -1);
    assert_eq!(resp["DescribeSignListStatusSet"][0]["ReviewReply"], "证明材料不清晰");
    assert_eq!(resp["DescribeSignListStatusSet"][0]["SignName"], "改名签名");
    expect_ok(&Call::sms("ModifySmsSign", modify.clone()).response(&emu).await);
    assert_eq!(emu.sms().signs()[1].status, ReviewStatus::UnderReview);
    emu.sms().approve_sign(id).unwrap();
    expect_error(
        &Call::sms("ModifySmsSign", modify.clone()).response(&emu).await,
        "InvalidParameterValue.SignAlreadyPassedCheck",
    );
    // The approved sign sends.
    let mut body = send(&["+8618501234444"], &["1", "2"]);
    body["SignName"] = json!("改名签名");
    expect_ok(&Call::sms("SendSms", body).response(&emu).await);
    assert!(emu.sms().sent()[0].text.starts_with("【改名签名】"));
    // Delete; then it is gone.
    let resp = Call::sms("DeleteSmsSign", json!({"SignId": id})).response(&emu).await;
    assert_eq!(resp["DeleteSignStatus"]["DeleteStatus"], "return successfully!");
    expect_error(
        &Call::sms("DeleteSmsSign", json!({"SignId": id})).response(&emu).await,
        "FailedOperation.SignIdNotExist",
    );
    modify["SignId"] = json!(424242);
    expect_error(
        &Call::sms("ModifySmsSign", modify).response(&emu).await,
        "FailedOperation.MissingSignatureToModify",
    );
    let resp = list(vec![]).response(&emu).await;
    assert_eq!(resp["DescribeSignListStatusSet"].as_array().unwrap().len(), 1);
    // Bad International value.
    let resp = Call::sms("DescribeSmsSignList", json!({"International": 7}))
        .response(&emu)
        .await;
    expect_error(&resp, "InvalidParameterValue.InvalidInternational");
}

#[tokio::test]
async fn template_lifecycle_and_review() {
    let emu = Emulator::start().await.unwrap();
    let id = add_template(&emu, "您的订单{1}已发货", 0).await;
    assert_eq!(id, SEED_TEMPLATE_ID + 1);
    let list = |ids: Vec<u64>| {
        Call::sms(
            "DescribeSmsTemplateList",
            json!({"International": 0, "TemplateIdSet": ids}),
        )
    };
    let resp = list(vec![SEED_TEMPLATE_ID, id]).response(&emu).await;
    let set = resp["DescribeTemplateStatusSet"].as_array().unwrap();
    assert_eq!(set[0]["TemplateContent"], SEED_TEMPLATE_CONTENT);
    assert_eq!(set[0]["StatusCode"], 0);
    assert_eq!(set[1]["StatusCode"], 1);
    let modify = json!({"TemplateId": id, "TemplateName": "发货", "TemplateContent": "订单{1}已发货，{2}送达", "SmsType": 0, "International": 0, "Remark": "r"});
    expect_ok(&Call::sms("ModifySmsTemplate", modify.clone()).response(&emu).await);
    emu.sms().approve_template(id).unwrap();
    let resp = list(vec![id]).response(&emu).await;
    assert_eq!(resp["DescribeTemplateStatusSet"][0]["StatusCode"], 0);
    assert_eq!(
        resp["DescribeTemplateStatusSet"][0]["TemplateContent"],
        "订单{1}已发货，{2}送达"
    );
    expect_error(
        &Call::sms("ModifySmsTemplate", modify).response(&emu).await,
        "FailedOperation.TemplateAlreadyPassedCheck",
    );
    let resp = Call::sms("DeleteSmsTemplate", json!({"TemplateId": id}))
        .response(&emu)
        .await;
    expect_ok(&resp);
    expect_error(
        &Call::sms("DeleteSmsTemplate", json!({"TemplateId": id}))
            .response(&emu)
            .await,
        "FailedOperation.TemplateIdNotExist",
    );
    assert!(emu.sms().review_template(id, ReviewStatus::Approved, "").is_err());
    // reset() restores the seed.
    emu.reset();
    assert_eq!(emu.sms().templates().len(), 1);
    assert!(emu.requests().is_empty());
}

#[tokio::test]
async fn pull_and_statistics_reflect_sends() {
    let emu = Emulator::start().await.unwrap();
    expect_ok(
        &Call::sms(
            "SendSms",
            send(&["+8618501234444", "+8618501234445", "bad"], &["1", "2"]),
        )
        .response(&emu)
        .await,
    );
    expect_ok(
        &Call::sms("SendSms", send(&["+8618501234444"], &["3", "4"]))
            .response(&emu)
            .await,
    );
    let sent = emu.sms().sent();
    assert_eq!(sent.len(), 3);

    let pull = |limit: u64| {
        Call::sms(
            "PullSmsSendStatus",
            json!({"Limit": limit, "SmsSdkAppId": SEED_SDK_APP_ID}),
        )
    };
    let resp = pull(2).response(&emu).await;
    let set = resp["PullSmsSendStatusSet"].as_array().unwrap();
    assert_eq!(set.len(), 2);
    assert_eq!(set[0]["SerialNo"], sent[0].serial_no.as_str());
    assert_eq!(set[0]["ReportStatus"], "SUCCESS");
    assert_eq!(set[0]["CountryCode"], "86");
    assert_eq!(set[0]["SubscriberNumber"], "18501234444");
    // Reports are handed out once.
    let resp = pull(100).response(&emu).await;
    let set = resp["PullSmsSendStatusSet"].as_array().unwrap();
    assert_eq!(set.len(), 1);
    assert_eq!(set[0]["SerialNo"], sent[2].serial_no.as_str());
    assert!(pull(100).response(&emu).await["PullSmsSendStatusSet"]
        .as_array()
        .unwrap()
        .is_empty());
    expect_error(&pull(101).response(&emu).await, "InvalidParameterValue.LimitVerifyFail");

    let by_number = Call::sms(
        "PullSmsSendStatusByPhoneNumber",
        json!({"BeginTime": now() - 60, "Offset": 0, "Limit": 10, "PhoneNumber": "+8618501234444", "SmsSdkAppId": SEED_SDK_APP_ID}),
    );
    let resp = by_number.response(&emu).await;
    assert_eq!(resp["PullSmsSendStatusSet"].as_array().unwrap().len(), 2);
    let before = Call::sms(
        "PullSmsSendStatusByPhoneNumber",
        json!({"BeginTime": now() - 600, "EndTime": now() - 300, "Offset": 0, "Limit": 10, "PhoneNumber": "18501234444", "SmsSdkAppId": SEED_SDK_APP_ID}),
    );
    assert!(before.response(&emu).await["PullSmsSendStatusSet"]
        .as_array()
        .unwrap()
        .is_empty());

    // Statistics: hours in UTC+8, YYYYMMDDHH.
    let hour = |t: i64| {
        let t = t + 8 * 3600;
        let date = utc_date(t).replace('-', "");
        format!("{date}{:02}", (t.rem_euclid(86_400)) / 3600)
    };
    let stats = Call::sms(
        "SendStatusStatistics",
        json!({"BeginTime": hour(now() - 3600), "EndTime": hour(now()), "SmsSdkAppId": SEED_SDK_APP_ID, "Limit": 0, "Offset": 0}),
    );
    let resp = stats.response(&emu).await;
    assert_eq!(
        resp["SendStatusStatistics"],
        json!({"FeeCount": 3, "RequestCount": 4, "RequestSuccessCount": 3})
    );
    let old = Call::sms(
        "SendStatusStatistics",
        json!({"BeginTime": "2020010100", "EndTime": "2020010123", "SmsSdkAppId": SEED_SDK_APP_ID, "Limit": 0, "Offset": 0}),
    );
    assert_eq!(old.response(&emu).await["SendStatusStatistics"]["RequestCount"], 0);
    let bad = Call::sms(
        "SendStatusStatistics",
        json!({"BeginTime": "yesterday", "EndTime": "2020010123", "SmsSdkAppId": SEED_SDK_APP_ID, "Limit": 0, "Offset": 0}),
    );
    expect_error(&bad.response(&emu).await, "InvalidParameterValue.BeginTimeVerifyFail");
}

#[tokio::test]
async fn admin_http_paths() {
    let emu = Emulator::start().await.unwrap();
    let c = admin_client(&emu);
    let base = emu.base_url();
    let resp = Call::sms(
        "AddSmsTemplate",
        json!({"TemplateName": "t", "TemplateContent": "hi {1}", "SmsType": 0, "International": 0, "Remark": "r"}),
    )
    .response(&emu)
    .await;
    let id = resp["AddTemplateStatus"]["TemplateId"].as_str().unwrap().to_owned();
    let r = c
        .post(format!("{base}/_emulator/sms/templates/{id}/approve"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(emu.sms().templates()[1].status, ReviewStatus::Approved);
    let r = c
        .post(format!("{base}/_emulator/sms/signs/{SEED_SIGN_ID}/reject"))
        .body(r#"{"ReviewReply":"expired"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(emu.sms().signs()[0].review_reply, "expired");
    let r = c
        .post(format!("{base}/_emulator/sms/signs/99/approve"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    c.post(format!("{base}/_emulator/sms/signs/{SEED_SIGN_ID}/approve"))
        .send()
        .await
        .unwrap();
    expect_ok(
        &Call::sms("SendSms", send(&["+8618501234444"], &["1", "2"]))
            .response(&emu)
            .await,
    );
    let sent: Value = admin_get(&emu, "sms/sent").await;
    assert_eq!(sent[0]["phone_number"], "+8618501234444");
    let reqs: Value = admin_get(&emu, "requests").await;
    assert_eq!(reqs.as_array().unwrap().len(), 2);
    let r = c.post(format!("{base}/_emulator/reset")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(emu.sms().sent().is_empty());
    let health: Value = admin_get(&emu, "health").await;
    assert_eq!(health["ok"], true);
}
