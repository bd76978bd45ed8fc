#!/usr/bin/env bash
# tcli vs tccli, same machine, same run (BENCHMARKS.md §9). Needs: a release tcli and tc-emulator
# (cargo build --release -p tc-cli -p tc-emulator), tccli 3.1.189.1 in $TCCLI_VENV (default /tmp/tccli-venv),
# hyperfine and GNU time (apt-get install hyperfine time). Only loopback is used.
#
#   tools/tcli_bench.sh [rounds]
#
# Per round, paired: 100 SendSms in a row with tcli, then N_TCCLI with tccli (tccli runs through the same
# plain-http shim as tools/tccli_golden.py: the SDK's HttpProfile scheme set to http); per-command
# medians and their ratio per round. Then hyperfine for `--version` and `sms SendSms help`, and peak
# memory (GNU time's maximum resident set) of one SendSms each.
set -euo pipefail
ROUNDS=${1:-3}
N_TCLI=100
N_TCCLI=${N_TCCLI:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TCLI=${TCLI:-$ROOT/target/release/tcli}
EMU=${EMU:-$ROOT/target/release/tc-emulator}
VENV=${TCCLI_VENV:-/tmp/tccli-venv}
PORT=${PORT:-19876}
WORK=$(mktemp -d)
export HOME=$WORK
cat > "$WORK/tccli_http.py" <<'EOF'
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
EOF
TCCLI=("$VENV/bin/python" "$WORK/tccli_http.py")
"${TCCLI[@]}" configure set region ap-guangzhou output json >/dev/null

"$EMU" --port "$PORT" >"$WORK/emu.log" 2>&1 &
EMU_PID=$!
trap 'kill $EMU_PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do grep -q "127.0.0.1:$PORT" "$WORK/emu.log" 2>/dev/null && break; sleep 0.1; done

COMMON=(--region ap-guangzhou --secretId AKIDEMULATOR00000000000000000000 --secretKey emulator-secret-key)
send() { # $1 = tool (tcli|tccli), $2 = index
  local n; n=$(printf '+86138%08d' "$2")
  local args=(sms SendSms --PhoneNumberSet "[\"$n\"]" --SmsSdkAppId 1400006666 --TemplateId 1110
    --SignName 腾讯云 --TemplateParamSet '["1234","5"]' "${COMMON[@]}")
  if [ "$1" = tcli ]; then "$TCLI" "${args[@]}" --endpoint "http://127.0.0.1:$PORT" >/dev/null
  else "${TCCLI[@]}" "${args[@]}" --endpoint "127.0.0.1:$PORT" >/dev/null; fi
}
per_cmd() { # $1 tool, $2 count, $3 offset: seconds per command
  local start end; start=$(date +%s.%N)
  for i in $(seq "$2"); do send "$1" $(( $3 + i )); done
  end=$(date +%s.%N)
  echo "($end - $start) / $2" | bc -l
}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
  t=$(per_cmd tcli $N_TCLI $(( r * 1000 )))
  p=$(per_cmd tccli "$N_TCCLI" $(( r * 1000 + 500 )))
  printf 'round %d: SendSms tcli %.2f ms/cmd (100 in a row), tccli %.1f ms/cmd (%d), ratio %.0fx, load %s\n' \
    "$r" "$(echo "$t*1000" | bc -l)" "$(echo "$p*1000" | bc -l)" "$N_TCCLI" "$(echo "$p/$t" | bc -l)" \
    "$(cut -d' ' -f1 /proc/loadavg)"
done
hyperfine -N --warmup 2 --runs 20 --export-markdown "$WORK/version.md" \
  "$TCLI --version" "$VENV/bin/tccli --version" 2>&1 | grep -E "Time|±|faster|^ +[0-9]" || true
cat "$WORK/version.md"
hyperfine -N --warmup 1 --runs 10 --export-markdown "$WORK/help.md" \
  "$TCLI sms SendSms help" "$VENV/bin/tccli sms SendSms help" >/dev/null 2>&1 || true
cat "$WORK/help.md"
for tool in tcli tccli; do
  if [ $tool = tcli ]; then cmd=("$TCLI"); ep="http://127.0.0.1:$PORT"; else cmd=("${TCCLI[@]}"); ep="127.0.0.1:$PORT"; fi
  /usr/bin/time -v "${cmd[@]}" sms SendSms --PhoneNumberSet '["+8613900000000"]' --SmsSdkAppId 1400006666 \
    --TemplateId 1110 --SignName 腾讯云 --TemplateParamSet '["1","2"]' "${COMMON[@]}" --endpoint "$ep" \
    2>&1 >/dev/null | grep -E "Maximum resident" | sed "s/^/$tool: /"
done
ls -l "$TCLI" | awk '{print "tcli binary: " $5 " bytes"}'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
