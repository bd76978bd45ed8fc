#!/usr/bin/env bash
# Compile cost of a generated product crate before and after a generator change, in the same run.
#
# Usage: tc-bench/crate_cost_ab.sh BEFORE_REV [CRATE] [ROUNDS]     (defaults: sdk-sms, 5 rounds)
#
# Builds CRATE (debug, all features) with its generated `src/` as committed at BEFORE_REV and as it is in the
# work tree, alternately in the workspace's own target dir: dependencies are built once and shared, so only
# the crate itself is rebuilt (its `lib.rs` is touched before each build). Each build is measured with
# /usr/bin/time (CPU = user + sys seconds, which other processes disturb less than wall time). Prints one
# RESULT line per build, then the median CPU of each side, their ratio, and the load average.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BEFORE="$1"
CRATE="${2:-sdk-sms}"
ROUNDS="${3:-5}"
cd "$ROOT"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$CRATE/src" "$work/after"
mkdir -p "$work/before"
git archive "$BEFORE" "$CRATE/src" | tar -x -C "$work/before" --strip-components=2
cp "$CRATE/README.md" "$work/README.after"
git show "$BEFORE:$CRATE/README.md" > "$work/README.before" 2>/dev/null || cp "$CRATE/README.md" "$work/README.before"
restore() { rm -rf "$CRATE/src"; cp -r "$work/after" "$CRATE/src"; cp "$work/README.after" "$CRATE/README.md"; }
trap 'restore; rm -rf "$work"' EXIT
echo "# crate_cost_ab: $CRATE, $BEFORE vs work tree, $ROUNDS rounds, load $(cut -d' ' -f1-3 /proc/loadavg)"
cargo build -q -p "$CRATE" --all-features   # dependencies, not measured
build() { # side
    rm -rf "$CRATE/src"; cp -r "$work/$1" "$CRATE/src"; cp "$work/README.$1" "$CRATE/README.md"
    touch "$CRATE/src/lib.rs"
    /usr/bin/time -f "%U %S %e %M" -o "$work/time" cargo build -q -p "$CRATE" --all-features
    read -r user sys wall rss < "$work/time"
    cpu=$(echo "$user + $sys" | bc)
    echo "RESULT $1 cpu_s=$cpu wall_s=$wall peak_rss_kib=$rss"
    echo "$cpu" >> "$work/$1.cpu"
}
for _ in $(seq "$ROUNDS"); do build before; build after; done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
b=$(median "$work/before.cpu"); a=$(median "$work/after.cpu")
echo "median cpu_s: before $b, after $a, after/before $(echo "scale=3; $a / $b" | bc)"
echo "# load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
