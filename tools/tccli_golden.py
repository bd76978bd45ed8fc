#!/usr/bin/env python3
"""Golden fixtures for `tcli` from tccli itself: what tccli sends for a command line, and what it prints.

Usage (tccli 3.1.189.1 installed in a venv; nothing here goes beyond loopback):

    python3 -m venv /tmp/tccli-venv && /tmp/tccli-venv/bin/pip install tccli==3.1.189.1
    /tmp/tccli-venv/bin/python tools/tccli_golden.py > fixtures/tccli/golden.json
    /tmp/tccli-venv/bin/python tools/tccli_golden.py --default-versions > tc-cli/default-versions.json

For each case, a capturing HTTP server on 127.0.0.1 answers with an answer made from the action's response
type in tccli's own api.json (every member filled, members in reverse spec order, plus one member the spec
does not list, so the projection and member order tccli applies show), and records the action, version,
region and JSON parameters tccli sent. tccli runs in a child process with a throw-away HOME, `--endpoint
127.0.0.1:PORT`, and plain http: tccli has no scheme option, so the child sets the SDK's HttpProfile scheme
to http before tccli's main runs (the only change). stdout is what `--output json` printed.

The recorded fixture has, per case: `name`, `argv` (the command line after `tccli`, without the common
options `--region ap-guangzhou --secretId ... --secretKey ... --endpoint ...`, which the Rust test adds for
tcli), `files` (files the command line reads, by name, written beside it as `{dir}/name`), `answer` (the
`Response` object served), `request` ({action, version, region, params}), `stdout`.
"""

import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading

import tccli

SERVICES = os.path.join(os.path.dirname(tccli.__file__), "services")
REGION = "ap-guangzhou"
SECRET_ID = "AKIDgoldengoldengoldengolden1234"
SECRET_KEY = "goldengoldengoldengoldengoldenke"

# A child that runs tccli's main with plain http.
CHILD = """
import sys
from tencentcloud.common.profile import http_profile
_init = http_profile.HttpProfile.__init__
def _http(self, *a, **k):
    _init(self, *a, **k)
    self.scheme = self.protocol = "http"
http_profile.HttpProfile.__init__ = _http
from tccli.main import main
sys.argv = ["tccli"] + sys.argv[1:]
sys.exit(main())
"""

SEND = ["--PhoneNumberSet", '["+8613800000000","+8613900000001"]', "--SmsSdkAppId", "1400000001",
        "--TemplateId", "449739", "--SignName", "腾讯云", "--TemplateParamSet", '["1234","5"]']
SEND_JSON = {"PhoneNumberSet": ["+8613800000000"], "SmsSdkAppId": "1400000001", "TemplateId": "449739",
             "TemplateParamSet": ["1234"], "SessionContext": "ctx \"quoted\""}

# (name, argv, files)
CASES = [
    ("sms-send-plain", ["sms", "SendSms"] + SEND, {}),
    ("sms-send-unfold", ["sms", "SendSms", "--cli-unfold-argument", "--PhoneNumberSet", "+8613800000000",
                         "+8613900000001", "--SmsSdkAppId", "1400000001", "--TemplateId", "449739"], {}),
    # tccli 3.1.189.1 takes --cli-input-json only as file:// (tcli also takes inline JSON).
    ("sts-assume-role-input-file", ["sts", "AssumeRole", "--cli-input-json", "file://{dir}/role.json"],
     {"role.json": json.dumps({"RoleArn": "qcs::cam::uin/1:roleName/x", "RoleSessionName": "s",
                               "DurationSeconds": 900, "Tags": [{"Key": "k", "Value": "中文"}]},
                              ensure_ascii=False)}),
    ("sms-send-input-file", ["sms", "SendSms", "--cli-input-json", "file://{dir}/send.json"],
     {"send.json": json.dumps(SEND_JSON)}),
    ("sms-pull-status", ["sms", "PullSmsSendStatus", "--Limit", "10", "--SmsSdkAppId", "1400000001"], {}),
    ("sms-pull-status-number", ["sms", "PullSmsSendStatusByPhoneNumber", "--BeginTime", "1620000000",
                                "--Offset", "0", "--Limit", "10", "--PhoneNumber", "+8613800000000",
                                "--SmsSdkAppId", "1400000001", "--EndTime", "1620086400"], {}),
    ("sms-statistics", ["sms", "SendStatusStatistics", "--BeginTime", "2021010100", "--EndTime", "2021010123",
                        "--SmsSdkAppId", "1400000001", "--Limit", "0", "--Offset", "0"], {}),
    ("sms-add-template", ["sms", "AddSmsTemplate", "--TemplateName", "验证码", "--TemplateContent",
                          "您的验证码是{1}", "--SmsType", "0", "--International", "0", "--Remark", "登录"], {}),
    ("sms-template-list", ["sms", "DescribeSmsTemplateList", "--TemplateIdSet", "[449739, 449740]",
                           "--International", "0", "--Limit", "10", "--Offset", "0"], {}),
    ("sms-template-list-unfold", ["sms", "DescribeSmsTemplateList", "--cli-unfold-argument", "--TemplateIdSet",
                                  "449739", "449740", "--International", "1"], {}),
    ("sms-phone-info", ["sms", "DescribePhoneNumberInfo", "--PhoneNumberSet", '["+8613800000000"]'], {}),
    ("sms-sign-list", ["sms", "DescribeSmsSignList", "--SignIdSet", "[1, 2]", "--International", "0"], {}),
    ("sms-reply-status", ["sms", "PullSmsReplyStatus", "--Limit", "5", "--SmsSdkAppId", "1400000001"], {}),
    ("sms-modify-template", ["sms", "ModifySmsTemplate", "--TemplateId", "449739", "--TemplateName", "n",
                             "--TemplateContent", "c {1}", "--SmsType", "1", "--International", "0",
                             "--Remark", "r"], {}),
    ("sms2019-send", ["sms", "SendSms", "--version", "2019-07-11", "--PhoneNumberSet", '["+8613800000000"]',
                      "--TemplateID", "449739", "--SmsSdkAppid", "1400000001", "--Sign", "腾讯云",
                      "--TemplateParamSet", '["1"]'], {}),
    ("sms2019-pull-status", ["sms", "PullSmsSendStatus", "--version", "2019-07-11", "--Limit", "10",
                             "--SmsSdkAppid", "1400000001"], {}),
    ("sms2019-template-list-unfold", ["sms", "DescribeSmsTemplateList", "--version", "2019-07-11",
                                      "--cli-unfold-argument", "--TemplateIdSet", "1", "2",
                                      "--International", "0"], {}),
    ("sms2019-add-sign", ["sms", "AddSmsSign", "--version", "2019-07-11", "--SignName", "腾讯云",
                          "--SignType", "0", "--DocumentType", "0", "--International", "0", "--UsedMethod", "1",
                          "--ProofImage", "aGVsbG8="], {}),
    ("sts-caller-identity", ["sts", "GetCallerIdentity"], {}),
    ("sts-assume-role", ["sts", "AssumeRole", "--RoleArn", "qcs::cam::uin/100000000001:roleName/ops",
                         "--RoleSessionName", "golden", "--DurationSeconds", "7200"], {}),
    ("sts-federation-token", ["sts", "GetFederationToken", "--Name", "golden", "--Policy",
                              '{"version":"2.0","statement":[]}', "--DurationSeconds", "1800"], {}),
    ("sts-assume-role-tags-json", ["sts", "AssumeRole", "--RoleArn", "qcs::cam::uin/1:roleName/x",
                                   "--RoleSessionName", "s", "--Tags", '[{"Key":"team","Value":"ops"}]'], {}),
    ("sts-assume-role-tags-unfold", ["sts", "AssumeRole", "--cli-unfold-argument", "--RoleArn",
                                     "qcs::cam::uin/1:roleName/x", "--RoleSessionName", "s", "--Tags.0.Key",
                                     "team", "--Tags.0.Value", "ops", "--Tags.1.Key", "env", "--Tags.1.Value",
                                     "prod"], {}),
    ("hunyuan-chat", ["hunyuan", "ChatCompletions", "--Model", "hunyuan-lite", "--Messages",
                      '[{"Role":"user","Content":"你好"}]', "--Stream", "False", "--Temperature", "0.5",
                      "--TopP", "1"], {}),
    ("hunyuan-chat-unfold", ["hunyuan", "ChatCompletions", "--cli-unfold-argument", "--Model", "hunyuan-lite",
                             "--Messages.0.Role", "user", "--Messages.0.Content", "hi", "--Stream", "false",
                             "--EnableEnhancement", "true"], {}),
    ("hunyuan-embedding", ["hunyuan", "GetEmbedding", "--Input", "hello"], {}),
    ("hunyuan-token-count", ["hunyuan", "GetTokenCount", "--Prompt", "hello world"], {}),
    ("hunyuan-text-to-image", ["hunyuan", "TextToImageLite", "--Prompt", "a cat", "--Resolution", "768:768",
                               "--LogoAdd", "0", "--RspImgType", "url"], {}),
    ("cvm-describe-instances", ["cvm", "DescribeInstances", "--InstanceIds", '["ins-1","ins-2"]', "--Limit", "20",
                                "--Offset", "0"], {}),
    ("cvm-describe-instances-unfold", ["cvm", "DescribeInstances", "--cli-unfold-argument", "--Filters.0.Name",
                                       "zone", "--Filters.0.Values", "ap-guangzhou-1", "ap-guangzhou-2",
                                       "--Filters.1.Name", "instance-name", "--Filters.1.Values", "web",
                                       "--Limit", "5"], {}),
    ("cvm-run-instances", ["cvm", "RunInstances", "--Placement", '{"Zone":"ap-guangzhou-3","ProjectId":0}',
                           "--ImageId", "img-1", "--InstanceChargeType", "POSTPAID_BY_HOUR", "--InstanceCount", "2",
                           "--DryRun", "True", "--TagSpecification",
                           '[{"ResourceType":"instance","Tags":[{"Key":"k","Value":"v"}]}]'], {}),
    ("cvm-regions", ["cvm", "DescribeRegions"], {}),
    ("vpc-describe-vpcs", ["vpc", "DescribeVpcs", "--Filters", '[{"Name":"vpc-name","Values":["a","b"]}]',
                           "--Limit", "20"], {}),
    ("tke-describe-clusters", ["tke", "DescribeClusters", "--ClusterIds", '["cls-1"]', "--Limit", "20"], {}),
    ("autoscaling-groups", ["autoscaling", "DescribeAutoScalingGroups", "--AutoScalingGroupIds", '["asg-1"]',
                            "--Limit", "10"], {}),
    ("ses-send-email", ["ses", "SendEmail", "--FromEmailAddress", "noreply@example.com", "--Destination",
                        '["a@example.com"]', "--Subject", "hi", "--Template",
                        '{"TemplateID":1,"TemplateData":"{\\"code\\":1}"}'], {}),
]

SAMPLE = {"int64": 7, "uint64": 7, "int": 7, "float": 0.25, "bool": True, "string": "s",
          "date": "2021-01-01", "datetime": "2021-01-01 00:00:00", "datetime_iso": "2021-01-01T00:00:00Z",
          "binary": "aGk="}


def sample(objects, member, depth):
    """One value of `member`'s type: lists of one item, objects filled to a small depth."""
    kind = member["member"]
    if kind in SAMPLE:
        one = SAMPLE[kind] if kind != "string" else "%s-值" % member["name"]
    elif depth >= 3 or kind not in objects:
        one = {}
    else:
        one = fill(objects, objects[kind]["members"], depth + 1)
    return [one] if member["type"] == "list" else one


def fill(objects, members, depth):
    out = {"NotInSpec": "dropped by the projection"}
    for m in reversed(members):
        out[m["name"]] = sample(objects, m, depth) if m["name"] != "RequestId" else "req-golden"
    return out


def answer_for(product, version, action):
    module = "v" + version.replace("-", "")
    with open(os.path.join(SERVICES, product, module, "api.json"), encoding="utf-8") as f:
        api = json.load(f)
    objects = api["objects"]
    return fill(objects, objects[api["actions"][action]["output"]]["members"], 0)


class Capture(http.server.BaseHTTPRequestHandler):
    answer = {}
    seen = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        Capture.seen.append({
            "action": self.headers.get("X-TC-Action"),
            "version": self.headers.get("X-TC-Version"),
            "region": self.headers.get("X-TC-Region"),
            "params": json.loads(body or b"{}"),
        })
        data = json.dumps({"Response": Capture.answer}, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def default_version(home, product):
    with open(os.path.join(home, ".tccli", "default.configure"), encoding="utf-8") as f:
        return json.load(f)[product]["version"]


def run_case(server, home, name, argv, files):
    workdir = os.path.join(home, "files")
    os.makedirs(workdir, exist_ok=True)
    for fname, text in files.items():
        with open(os.path.join(workdir, fname), "w", encoding="utf-8") as f:
            f.write(text)
    concrete = [a.replace("{dir}", workdir) for a in argv]
    product, action = argv[0], argv[1]
    version = argv[argv.index("--version") + 1] if "--version" in argv else default_version(home, product)
    Capture.answer = answer_for(product, version, action)
    Capture.seen = []
    port = server.server_address[1]
    common = ["--region", REGION, "--secretId", SECRET_ID, "--secretKey", SECRET_KEY,
              "--endpoint", "127.0.0.1:%d" % port]
    env = dict(os.environ, HOME=home)
    for k in list(env):
        if k.startswith("TENCENTCLOUD_") or k == "TCCLI_PROFILE":
            del env[k]
    proc = subprocess.run([sys.executable, "-c", CHILD] + concrete + common, env=env,
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 or len(Capture.seen) != 1:
        raise SystemExit("case %s failed (%d, %d requests): %s" % (name, proc.returncode, len(Capture.seen),
                                                                    proc.stderr[-2000:]))
    return {"name": name, "argv": argv, "files": files, "answer": Capture.answer,
            "request": Capture.seen[0], "stdout": proc.stdout}


def default_versions():
    """tccli's default API version of each product where it is not the newest (the first of its
    SERVICE_VERSIONS): tcli uses the same defaults (tc-cli/default-versions.json)."""
    from tccli.services import SERVICE_VERSIONS
    odd = {k: v[0] for k, v in sorted(SERVICE_VERSIONS.items()) if len(v) > 1 and v[0] != max(v)}
    return {"source": "tccli %s" % tccli.__version__, "versions": odd}


def main():
    if sys.argv[1:2] == ["--default-versions"]:
        json.dump(default_versions(), sys.stdout, indent=1)
        sys.stdout.write("\n")
        return
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, HOME=home)
        subprocess.run([sys.executable, "-c", CHILD, "configure", "set", "region", REGION, "output", "json"],
                       env=env, check=True, capture_output=True)
        cases = [run_case(server, home, *c) for c in CASES]
    server.shutdown()
    out = {"tccli": tccli.__version__, "region": REGION, "cases": cases}
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
