#!/usr/bin/env bash
# Wall time and peak memory of `cargo xtask gen` (every product under api-specs/, i.e. SMS at the time of
# writing), against a no-op `cargo xtask` in the same run (cargo's start-up, lock and freshness check).
#
# Usage: tc-bench/codegen_cost.sh [ROUNDS=5]
# Env:   WORK=/tmp/tc-codegen-cost  (wiped at start)   NICE=19
#
# Runs on a snapshot of HEAD (git archive) with its own target dir, so it neither rewrites the work tree's
# sdk-* crates nor waits on the shared target's lock. xtask is built first (not timed: `cargo xtask gen`
# after any edit also compiles xtask, which is a compile-cost figure, not a generator one). Each round runs
# the no-op and `gen` alternately under /usr/bin/time -v; peak RSS is the largest process (cargo or xtask).
# A last run times the xtask binary directly, without cargo in front.
set -euo pipefail

ROUNDS="${1:-5}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/tmp/tc-codegen-cost}"
NICE="${NICE:-19}"
rm -rf "$WORK"
mkdir -p "$WORK/repo"
git -C "$ROOT" archive HEAD | tar -x -C "$WORK/repo"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"
cd "$WORK/repo"
nice -n "$NICE" cargo build -q -p xtask

echo "# $(date -u +%FT%TZ) $(uname -srm), $(nproc) cores, $(rustc -V), nice $NICE, HEAD $COMMIT"
echo "# products: $(ls -d api-specs/*/ | xargs -n1 basename | tr '\n' ' ')"

# run NAME cmd...: one measured run; prints and returns "wall_s max_rss_kib"
run() {
  local name="$1"
  shift
  local tf="$WORK/time.out"
  nice -n "$NICE" /usr/bin/time -v -o "$tf" "$@" >/dev/null 2>"$WORK/stderr" || true
  local wall rss cpu
  cpu="$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$tf")"
  wall="$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s }' "$tf")"
  rss="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tf")"
  echo "RESULT $name wall_s=$wall cpu_s=$cpu max_rss_kib=$rss"
  echo "$name $wall $rss $cpu" >>"$WORK/all"
}

for _ in $(seq 1 "$ROUNDS"); do
  run noop cargo xtask
  run gen cargo xtask gen
done
for _ in $(seq 1 "$ROUNDS"); do
  run gen_binary_only target/debug/xtask gen
done

echo
python3 - "$WORK/all" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print("| run | median wall s (min–max) | median CPU s (min–max) | median peak RSS KiB (min–max) |")
print("|---|---|---|---|")
for name in ("noop", "gen", "gen_binary_only"):
    cols = [[float(r[i]) for r in rows if r[0] == name] for i in (1, 3, 2)]
    print("| %s | %s |" % (name, " | ".join("%g (%g–%g)" % (statistics.median(c), min(c), max(c)) for c in cols)))
PY
