#!/usr/bin/env bash
# Requests/s of the tc-emulator binary for a signed SendSms at concurrency 64.
#
# Usage: tc-emulator/bench/emulator_throughput.sh [DURATION_SECONDS=10] [CONNECTIONS=64] [THREADS=2]
# Env:   REQUEST_LOG=N  keep N requests in the emulator's log (default 0, as for benchmarks; 10000 is the
#        library default) — lets you see what recording costs.
#
# Needs: cargo, python3 (computes the TC3 signature once: the emulator accepts the same signed request for
# 300 s, it does not reject replays), wrk (installed with apt-get when missing and running as root).
# Builds the emulator in release mode, starts it on an ephemeral port, runs wrk, prints wrk's summary and
# a last line `RESULT requests_per_sec=<n>`, and stops the emulator.
set -euo pipefail

DURATION="${1:-10}"
CONNECTIONS="${2:-64}"
THREADS="${3:-2}"
REQUEST_LOG="${REQUEST_LOG:-0}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$(mktemp -d)"
trap 'if [[ -n "${EMU_PID:-}" ]]; then kill "$EMU_PID" 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT

if ! command -v wrk >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk is not installed (apt-get install wrk)" >&2
    exit 1
  fi
fi

cargo build --release -q -p tc-emulator --manifest-path "$ROOT/Cargo.toml"
BIN="$ROOT/target/release/tc-emulator"

"$BIN" --port 0 --request-log "$REQUEST_LOG" >"$WORK/emulator.out" 2>&1 &
EMU_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/emulator.out" 2>/dev/null && break
  sleep 0.05
done
URL="$(sed -n 's/^tc-emulator listening on //p' "$WORK/emulator.out")"
[[ -n "$URL" ]] || { cat "$WORK/emulator.out" >&2; exit 1; }
ID="$(sed -n 's/^TENCENTCLOUD_SECRET_ID=//p' "$WORK/emulator.out")"
KEY="$(sed -n 's/^TENCENTCLOUD_SECRET_KEY=//p' "$WORK/emulator.out")"

# One signed SendSms request, written as a wrk Lua script.
python3 - "$URL" "$ID" "$KEY" >"$WORK/sendsms.lua" <<'PY'
import hashlib, hmac, json, sys, time, datetime
url, sid, key = sys.argv[1:4]
host = url.split("://", 1)[1]
body = json.dumps({"PhoneNumberSet": ["+8618501234444"], "SmsSdkAppId": "1400006666", "SignName": "腾讯云",
                   "TemplateId": "1110", "TemplateParamSet": ["4370", "5"]}, ensure_ascii=False, separators=(",", ":"))
ts = int(time.time())
date = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%d")
ct = "application/json; charset=utf-8"
canonical = "POST\n/\n\ncontent-type:%s\nhost:%s\n\ncontent-type;host\n%s" % (
    ct, host, hashlib.sha256(body.encode()).hexdigest())
scope = "%s/sms/tc3_request" % date
to_sign = "TC3-HMAC-SHA256\n%d\n%s\n%s" % (ts, scope, hashlib.sha256(canonical.encode()).hexdigest())
def h(k, m): return hmac.new(k, m.encode(), hashlib.sha256).digest()
k = h(("TC3" + key).encode(), date); k = h(k, "sms"); k = h(k, "tc3_request")
sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
auth = "TC3-HMAC-SHA256 Credential=%s/%s, SignedHeaders=content-type;host, Signature=%s" % (sid, scope, sig)
lua_str = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
print('wrk.method = "POST"')
print("wrk.body = " + lua_str(body))
for name, value in [("Content-Type", ct), ("Host", host), ("Authorization", auth), ("X-TC-Action", "SendSms"),
                    ("X-TC-Version", "2021-01-11"), ("X-TC-Timestamp", str(ts)), ("X-TC-Region", "ap-guangzhou")]:
    print("wrk.headers[%s] = %s" % (lua_str(name), lua_str(value)))
# Count answers that are not a successful SendSms, so a broken signature cannot pass for a fast server.
print('''
bad = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"Code":"Ok"', 1, true) then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("non-Ok answers: %d\\n", total))
end''')
PY

# Sanity check: one request must succeed.
curl_out="$(python3 - "$WORK/sendsms.lua" "$URL" <<'PY'
import re, sys, urllib.request
lua = open(sys.argv[1], encoding="utf-8").read()
headers = dict(re.findall(r'wrk\.headers\["([^"]+)"\] = "((?:[^"\\]|\\.)*)"', lua))
body = re.search(r'wrk\.body = "((?:[^"\\]|\\.)*)"', lua).group(1).replace('\\"', '"').replace("\\\\", "\\")
req = urllib.request.Request(sys.argv[2] + "/", data=body.encode(), headers=headers, method="POST")
print(urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req).read().decode())
PY
)"
if ! grep -q '"Code":"Ok"' <<<"$curl_out"; then
  echo "sanity request failed: $curl_out" >&2
  exit 1
fi

echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s against $URL (request log $REQUEST_LOG, $(nproc) cores shared with wrk)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/sendsms.lua" "$URL/" | tee "$WORK/wrk.out"
RPS="$(awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk.out")"
echo "RESULT requests_per_sec=$RPS"
