#!/usr/bin/env python3
"""Record what the official Python SDK puts on the wire, as golden fixtures for our signer tests.

Runs `tencentcloud-sdk-python` (CommonClient) with time, nonce and trace id pinned, for the same inputs in
each signing mode, and captures the request the SDK would send (method, host, path, query, headers, body)
instead of sending it. Writes `fixtures/python_sdk_requests.json`; Rust tests compare our requests with it,
so they need no Python.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install tencentcloud-sdk-python-sms==3.1.153
    /tmp/ref/bin/python tools/python_golden.py
"""
import json
import pathlib
import random
import time
import uuid

import tencentcloud
from tencentcloud.common import credential
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.http import request as http_request
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

OUT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "python_sdk_requests.json"
SECRET_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
SECRET_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
TOKEN = "token-for-golden-fixtures"
TIMESTAMP = 1700000000
NONCE = 11886
REGION = "ap-guangzhou"

SEND_SMS = {
    "PhoneNumberSet": ["+8613800000000", "+8613800000001"],
    "SmsSdkAppId": "1400006666",
    "SignName": "腾讯云",
    "TemplateId": "1110",
    "TemplateParamSet": ["4370", "5"],
}
DESCRIBE_TEMPLATES = {"TemplateIdSet": [1110, 1111], "International": 0, "Limit": 10, "Offset": 0}

# name, product, version, action, params, sign method, http method, unsigned payload, token, language
CASES = [
    ("tc3_post", "sms", "2021-01-11", "SendSms", SEND_SMS, "TC3-HMAC-SHA256", "POST", False, None, "zh-CN"),
    ("tc3_post_token", "sms", "2021-01-11", "SendSms", SEND_SMS, "TC3-HMAC-SHA256", "POST", False, TOKEN, None),
    ("tc3_post_en_us", "sms", "2021-01-11", "SendSms", SEND_SMS, "TC3-HMAC-SHA256", "POST", False, None, "en-US"),
    ("tc3_post_unsigned", "sms", "2021-01-11", "SendSms", SEND_SMS, "TC3-HMAC-SHA256", "POST", True, None, None),
    ("tc3_get", "sms", "2021-01-11", "SendSms", SEND_SMS, "TC3-HMAC-SHA256", "GET", False, None, None),
    ("tc3_get_numbers", "sms", "2021-01-11", "DescribeSmsTemplateList", DESCRIBE_TEMPLATES,
     "TC3-HMAC-SHA256", "GET", False, None, None),
    ("hmac_sha1_post", "sms", "2021-01-11", "SendSms", SEND_SMS, "HmacSHA1", "POST", False, None, None),
    ("hmac_sha256_post", "sms", "2021-01-11", "SendSms", SEND_SMS, "HmacSHA256", "POST", False, None, None),
    ("hmac_sha256_get_token", "sms", "2021-01-11", "SendSms", SEND_SMS, "HmacSHA256", "GET", False, TOKEN, None),
    ("hmac_sha1_get_numbers", "sms", "2021-01-11", "DescribeSmsTemplateList", DESCRIBE_TEMPLATES,
     "HmacSHA1", "GET", False, None, None),
]


class Captured(Exception):
    pass


def main():
    time.time = lambda: TIMESTAMP + 0.25
    random.randint = lambda a, b: NONCE
    uuid.uuid4 = lambda: uuid.UUID("00000000-0000-4000-8000-000000000000")
    captured = {}

    def send_request(self, req):
        captured["req"] = req
        raise Captured()

    http_request.ApiRequest.send_request = send_request

    cases = []
    for name, product, version, action, params, sign_method, method, unsigned, token, language in CASES:
        cred = credential.Credential(SECRET_ID, SECRET_KEY, token)
        http = HttpProfile(reqMethod=method)
        profile = ClientProfile(signMethod=sign_method, httpProfile=http, language=language or "zh-CN")
        profile.unsignedPayload = unsigned
        profile.disable_region_breaker = True
        client = CommonClient(product, version, cred, REGION, profile)
        try:
            client.call_json(action, json.loads(json.dumps(params)))
        except Captured:
            pass
        req = captured.pop("req")
        data = req.data if isinstance(req.data, str) else req.data.decode("utf-8")
        query, body = (data, "") if method == "GET" else ("", data)
        headers = {k: v for k, v in req.header.items() if k != "X-TC-TraceId"}
        cases.append({
            "name": name, "product": product, "version": version, "action": action, "params": params,
            "sign_method": sign_method, "method": method, "unsigned_payload": unsigned, "token": token,
            "language": language, "region": REGION, "host": req.host, "path": req.uri,
            "query": query, "headers": dict(sorted(headers.items())), "body": body,
        })

    OUT.write_text(json.dumps({
        "generator": f"tools/python_golden.py with tencentcloud-sdk-python-common {tencentcloud.__version__}",
        "secret_id": SECRET_ID, "secret_key": SECRET_KEY, "timestamp": TIMESTAMP, "nonce": NONCE,
        "cases": cases,
    }, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
