#!/usr/bin/env bash
# Compile cost of generated product crates (CPU seconds and rustc's peak RSS), per action, optionally
# against aws-sdk-ec2 built in the same run.
#
# Usage: tc-bench/product_compile_cost.sh WORKSPACE CRATE...      e.g. /tmp/cc sdk-vpc sdk-cwp sdk-csip
#        tc-bench/product_compile_cost.sh --aws-ec2 DIR           aws-sdk-ec2 alone, project created in DIR
#        tc-bench/product_compile_cost.sh --callers WORKSPACE DIR N...   a program calling N vpc actions
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
  # Dependencies first, not measured: a build whose rustc wrapper refuses the crate itself (so it is not
  # compiled twice); it ends in that refusal. PREBUILT=1 skips it.
  if [[ "${PREBUILT:-0}" != 1 ]]; then
    local wrapper
    wrapper="$(mktemp)"
    printf '#!/bin/sh\ncase " $* " in *" --crate-name %s "*) exit 1;; esac\nexec "$@"\n' "${crate//-/_}" >"$wrapper"
    chmod +x "$wrapper"
    (cd "$dir" && RUSTC_WRAPPER="$wrapper" cargo build -q "${profile_args[@]}" -p "$crate" 2>/dev/null) || true
    rm -f "$wrapper"
  fi
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
# callers WORKSPACE DIR N...: writes the programs calls-N into the workspace DIR.
write_callers() {
  local ws="$1" dir="$2"
  shift 2
  mkdir -p "$dir"
  local members=""
  for n in "$@"; do members="$members\"calls-$n\", "; done
  cat >"$dir/Cargo.toml" <<TOML
[workspace]
resolver = "2"
members = [$members]

[workspace.dependencies]
sdk-vpc = { path = "$ws/sdk-vpc" }
tokio = { version = "1", features = ["rt", "macros"] }

# As in the scratch workspace, so its built dependencies can be shared (CARGO_TARGET_DIR); the programs
# themselves keep debug info.
[profile.dev.package."*"]
debug = false
TOML
  cp "$ws/Cargo.lock" "$dir/Cargo.lock"
  for n in "$@"; do
    mkdir -p "$dir/calls-$n/src"
    printf '[package]\nname = "calls-%s"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n[dependencies]\nsdk-vpc.workspace = true\ntokio.workspace = true\n' "$n" >"$dir/calls-$n/Cargo.toml"
    python3 - "$ws/sdk-vpc/src/v20170312" "$n" >"$dir/calls-$n/src/main.rs" <<'PY'
import re, sys
src, n = sys.argv[1], int(sys.argv[2])
models = open(f"{src}/models.rs").read()
no_args = set(re.findall(r"impl (\w+Request) \{\n(?:\s*///[^\n]*\n)*\s*pub fn new\(\) -> Self", models))
methods = re.findall(r"pub async fn (\w+)\(\s*&self,\s*request: &models::(\w+),", open(f"{src}/mod.rs").read())
calls = [(m, r) for m, r in methods if r in no_args][:n]
assert len(calls) == n, f"only {len(calls)} actions without required members"
print("use sdk_vpc::v20170312::*;\n\n#[tokio::main(flavor = \"current_thread\")]\nasync fn main() -> Result<(), sdk_vpc::Error> {")
print('    let client = Client::new(sdk_vpc::Credential::new("id", "key")?, "ap-guangzhou");')
for m, r in calls:
    print(f'    println!("{{:?}}", client.{m}(&{r}::new()).await);')
print("    Ok(())\n}")
PY
  done
}

if [[ "${1:-}" == --callers ]]; then
  ws="$2" dir="$3"
  shift 3
  write_callers "$ws" "$dir" "$@"
  for n in "$@"; do measure "$dir" "calls-$n" "$n"; done
elif [[ "${1:-}" == --aws-ec2 ]]; then
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
