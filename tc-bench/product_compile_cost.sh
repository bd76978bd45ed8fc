#!/usr/bin/env bash
# Compile cost of generated product crates (CPU seconds and rustc's peak RSS), per action, optionally
# against aws-sdk-ec2 built in the same run.
#
# Usage: tc-bench/product_compile_cost.sh WORKSPACE CRATE...      e.g. /tmp/cc sdk-vpc sdk-cwp sdk-csip
#        tc-bench/product_compile_cost.sh --aws-ec2 DIR           aws-sdk-ec2 alone, project created in DIR
# WORKSPACE is a scratch workspace from `cargo xtask gen-all --only vpc,cwp,csip --out WORKSPACE --no-check
# --no-examples` (docs/all-products.md).
# Env:   PROFILE=dev|release   (default dev)
#        INCREMENTAL=0|1        (default 0: how a crate from a registry compiles; 1: a workspace member)
#        NICE=10                niceness of every build (the machine is shared)
#        PREBUILT=1             the dependencies are built already: skip the first (unmeasured) full build
#        EC2_VERSION=1.x        aws-sdk-ec2 version requirement for --aws-ec2 (default "1")
#
# Each crate is measured alone: its dependencies are built first (not measured), then the crate is cleaned
# (`cargo clean -p`) and built again under /usr/bin/time: CPU = user + sys seconds (other processes disturb
# it less than wall time) and peak RSS (the largest process, i.e. rustc compiling the crate). Actions are
# counted from the generated `ActionInfo` statics. One RESULT line per crate; the load average is printed
# before and after, since the machine is shared.
set -euo pipefail
PROFILE="${PROFILE:-dev}"
export CARGO_INCREMENTAL="${INCREMENTAL:-0}"
NICE="${NICE:-10}"
profile_args=()
[[ "$PROFILE" == release ]] && profile_args=(--release)

# measure DIR CRATE ACTIONS: one clean build of CRATE in the workspace DIR, its dependencies already built.
measure() {
  local dir="$1" crate="$2" actions="$3" tf
  tf="$(mktemp)"
  # Dependencies: built by a first full build unless PREBUILT=1 says they are (saves one build per crate).
  [[ "${PREBUILT:-0}" == 1 ]] || (cd "$dir" && cargo build -q "${profile_args[@]}" -p "$crate")
  (cd "$dir" && cargo clean -q "${profile_args[@]}" -p "$crate")
  local load_before
  load_before="$(cut -d' ' -f1 /proc/loadavg)"
  (cd "$dir" && /usr/bin/time -f '%e %U %S %M' -o "$tf" nice -n "$NICE" cargo build -q "${profile_args[@]}" -p "$crate")
  read -r wall user sys rss <"$tf"
  rm -f "$tf"
  awk -v c="$crate" -v p="$PROFILE" -v i="$CARGO_INCREMENTAL" -v n="$actions" -v w="$wall" -v u="$user" \
      -v s="$sys" -v r="$rss" -v l0="$load_before" -v l1="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
    cpu = u + s
    printf "RESULT %s profile=%s incremental=%s actions=%d cpu_s=%.1f wall_s=%.1f peak_rss_mb=%.0f cpu_ms_per_action=%.1f load=%s..%s\n",
      c, p, i, n, cpu, w, r / 1024, 1000 * cpu / n, l0, l1 }'
}

echo "# $(date -u +%FT%TZ) $(uname -srm), $(nproc) cores, $(rustc -V), profile $PROFILE, incremental $CARGO_INCREMENTAL"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ "${1:-}" == --aws-ec2 ]]; then
  dir="$2"
  mkdir -p "$dir/src"
  cat >"$dir/Cargo.toml" <<TOML
[package]
name = "ec2-cost"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
aws-sdk-ec2 = "${EC2_VERSION:-1}"
TOML
  echo 'fn main() {}' >"$dir/src/main.rs"
  (cd "$dir" && cargo fetch -q)
  # The operation count, from the crate's own `operation` modules.
  src="$(cd "$dir" && cargo metadata --format-version 1 | python3 -c 'import json,sys
m = json.load(sys.stdin)
print(next(p["manifest_path"] for p in m["packages"] if p["name"] == "aws-sdk-ec2"))')"
  ops="$(find "$(dirname "$src")/src/operation" -mindepth 1 -maxdepth 1 -type d | wc -l)"
  echo "# aws-sdk-ec2 $(basename "$(dirname "$src")"), $ops operations"
  measure "$dir" aws-sdk-ec2 "$ops"
else
  ws="$1"
  shift
  for crate in "$@"; do
    actions="$(grep -rh -c '::sdk_core::ActionInfo = ::sdk_core::ActionInfo' "$ws/$crate/src" | awk '{ s += $1 } END { print s }')"
    measure "$ws" "$crate" "$actions"
  done
fi
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
