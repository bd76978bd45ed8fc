"""The official Python SDK sending SendSms to the same server as client_overhead (second reference).

Usage: /tmp/ref/bin/python tc-bench/python_reference.py URL CONCURRENCY REQUESTS
(venv: python3 -m venv /tmp/ref && /tmp/ref/bin/pip install tencentcloud-sdk-python-sms)

Started by `client_overhead`; prints one JSON line with the same keys as its Rust workers. Concurrency is
threads, one SmsClient per thread (keep-alive on, as a server application would configure it).
"""
import json
import resource
import sys
import threading
import time

from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

SECRET_ID = "AKIDEMULATOR00000000000000000000"
SECRET_KEY = "emulator-secret-key"


def make_client(url):
    scheme, host = url.split("://", 1)
    http = HttpProfile(protocol=scheme, endpoint=host, keepAlive=True)
    return sms_client.SmsClient(credential.Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou",
                                ClientProfile(httpProfile=http))


def make_request():
    req = models.SendSmsRequest()
    req.PhoneNumberSet = ["+8618501234444"]
    req.SmsSdkAppId = "1400006666"
    req.SignName = "腾讯云"
    req.TemplateId = "1110"
    req.TemplateParamSet = ["4370", "5"]
    return req


def main():
    url, concurrency, requests = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    per_thread = requests // concurrency
    requests = per_thread * concurrency
    clients = [make_client(url) for _ in range(concurrency)]
    request = make_request()
    for c in clients:  # warm-up: one connection per client
        for _ in range(5):
            assert c.SendSms(request).SendStatusSet[0].Code == "Ok"
    latencies = [[] for _ in range(concurrency)]

    def run(i):
        client, lat = clients[i], latencies[i]
        for _ in range(per_thread):
            t = time.perf_counter()
            client.SendSms(request)
            lat.append(int((time.perf_counter() - t) * 1e6))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(concurrency)]
    cpu0 = time.process_time()
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    all_lat = sorted(x for lat in latencies for x in lat)
    pct = lambda p: all_lat[min(int(len(all_lat) * p), len(all_lat) - 1)]
    print(json.dumps({
        "mode": "python", "concurrency": concurrency, "requests": requests,
        "rps": requests / elapsed, "p50_us": pct(0.50), "p99_us": pct(0.99),
        "cpu_us_per_req": cpu * 1e6 / requests,
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))


if __name__ == "__main__":
    main()
