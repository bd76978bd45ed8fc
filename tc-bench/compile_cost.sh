#!/usr/bin/env bash
# Compile cost of sending one SMS with this SDK vs with the AWS SDK (SNS Publish), measured in the same run.
#
# Usage: tc-bench/compile_cost.sh            (takes 15-40 minutes on 2 shared cores; run it once, niced)
# Env:   WORK=/tmp/tc-compile-cost        where the copies and their target dirs go (wiped at start)
#        NICE=19                          niceness of every build (the machine is shared)
#
# Programs: tc-bench/compile/sms-min (sdk-sms by path) and tc-bench/compile/aws-sns-min (aws-config + aws-sdk-sns,
# default features, pinned by its Cargo.lock). Both are copied to $WORK, each with its own target dir; sms-min
# gets this workspace's Cargo.lock so it builds the same dependency versions as the workspace.
# Sources are fetched first (not timed). Builds are interleaved (sms, aws, sms, aws) so a burst of load from
# other processes hits both sides alike. Every build is measured with /usr/bin/time: wall seconds and CPU
# seconds (user+sys; less sensitive to other processes than wall time) and peak RSS.
#
# Figures (one RESULT line each, ratios sms/aws at the end):
#   clean_debug      `cargo build` from an empty target dir
#   clean_release    `cargo build --release` from an empty target dir
#   crate_debug      only the SDK crate (sdk-sms / aws-sdk-sns), dependencies already built (`cargo clean -p`)
#   crate_release    the same in release
#   binary_bytes     size of the release binary as built (Cargo's default release profile), and stripped
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/tmp/tc-compile-cost}"
NICE="${NICE:-19}"
rm -rf "$WORK"
mkdir -p "$WORK"

# The committed SDK (HEAD), not the work tree: others may be mid-edit, and the figure must name a commit.
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"
mkdir -p "$WORK/repo"
git -C "$ROOT" archive HEAD | tar -x -C "$WORK/repo"
cp -r "$ROOT/bench/compile/sms-min" "$WORK/sms"
sed -i "s#path = \"../../../sdk-sms\"#path = \"$WORK/repo/sdk-sms\"#" "$WORK/sms/Cargo.toml"
cp "$WORK/repo/Cargo.lock" "$WORK/sms/Cargo.lock"
cp -r "$ROOT/bench/compile/aws-sns-min" "$WORK/aws"
rm -rf "$WORK/sms/target" "$WORK/aws/target"

for p in sms aws; do
  (cd "$WORK/$p" && cargo fetch -q)
done

declare -A WALL CPU RSS
# measure NAME SIDE cargo-args...: runs cargo niced in $WORK/SIDE under /usr/bin/time.
measure() {
  local name="$1" side="$2"
  shift 2
  local tf="$WORK/$side.$name.time"
  (cd "$WORK/$side" && /usr/bin/time -f '%e %U %S %M' -o "$tf" nice -n "$NICE" cargo "$@" -q)
  read -r wall user sys rss <"$tf"
  WALL[$side.$name]="$wall"
  CPU[$side.$name]="$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')"
  RSS[$side.$name]="$rss"
  echo "RESULT $side.$name wall_s=$wall cpu_s=${CPU[$side.$name]} peak_rss_kb=$rss"
}

crate_of() { if [[ "$1" == sms ]]; then echo sdk-sms; else echo aws-sdk-sns; fi; }

echo "# $(date -u +%FT%TZ) $(uname -srm), $(nproc) cores, $(rustc -V), nice $NICE, sdk at $COMMIT"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for side in sms aws; do measure clean_debug "$side" build; done
for side in sms aws; do measure clean_release "$side" build --release; done
for side in sms aws; do
  (cd "$WORK/$side" && cargo clean -q -p "$(crate_of "$side")")
  measure crate_debug "$side" build -p "$(crate_of "$side")"
done
for side in sms aws; do
  (cd "$WORK/$side" && cargo clean -q --release -p "$(crate_of "$side")")
  measure crate_release "$side" build --release -p "$(crate_of "$side")"
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

declare -A SIZE STRIPPED
SIZE[sms]="$(stat -c %s "$WORK/sms/target/release/sms-min")"
SIZE[aws]="$(stat -c %s "$WORK/aws/target/release/aws-sns-min")"
for side in sms aws; do
  bin="$WORK/$side/target/release/$([[ $side == sms ]] && echo sms-min || echo aws-sns-min)"
  strip -o "$bin.stripped" "$bin"
  STRIPPED[$side]="$(stat -c %s "$bin.stripped")"
  echo "RESULT $side.binary_bytes as_built=${SIZE[$side]} stripped=${STRIPPED[$side]}"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "| figure | sdk-sms wall s | aws wall s | ratio wall | sdk-sms CPU s | aws CPU s | ratio CPU |"
echo "|---|---|---|---|---|---|---|"
for f in clean_debug clean_release crate_debug crate_release; do
  echo "| $f | ${WALL[sms.$f]} | ${WALL[aws.$f]} | $(ratio "${WALL[sms.$f]}" "${WALL[aws.$f]}") | ${CPU[sms.$f]} | ${CPU[aws.$f]} | $(ratio "${CPU[sms.$f]}" "${CPU[aws.$f]}") |"
done
echo "| release binary bytes (as built) | ${SIZE[sms]} | ${SIZE[aws]} | $(ratio "${SIZE[sms]}" "${SIZE[aws]}") | | | |"
echo "| release binary bytes (stripped) | ${STRIPPED[sms]} | ${STRIPPED[aws]} | $(ratio "${STRIPPED[sms]}" "${STRIPPED[aws]}") | | | |"
