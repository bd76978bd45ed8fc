"""Client overhead of two builds of the SDK in the same run: `client_overhead` workers of a BEFORE and an
AFTER binary (each built from its own checkout) against one loopback server, with raw reqwest as the
baseline, in rotating order per round so that load drifts hit all three alike.

    python3 tc-bench/before_after.py BEFORE_BIN AFTER_BIN [--rounds R] [--requests N] [--go GO_BIN]

Prints one JSON line per run, then per concurrency the medians of requests/s and client CPU µs/request and
the median of the per-round ratios to raw (the goal: throughput >= 0.95x raw, CPU <= 1.1x raw). With
`--go`, the Go SDK peer (`go_reference`, as `client_overhead` builds it) runs in every round too, and each
build's throughput and CPU are also given against it, as issue 27's table put them.
"""
import json
import os
import statistics
import subprocess
import sys


def arg(name, default):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def worker(exe, mode, url, c, n):
    command = [exe, url, str(c), str(n)] if mode == "go" else \
        [exe, "--worker", mode, "--url", url, "--concurrency", str(c), "--requests", str(n)]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    run = json.loads(out.stdout)
    print(json.dumps(run), flush=True)
    return run


def main():
    before, after = sys.argv[1], sys.argv[2]
    rounds, requests = arg("--rounds", 7), arg("--requests", 20000)
    server = subprocess.Popen([after, "--serve"], stdout=subprocess.PIPE, text=True)
    url = server.stdout.readline().strip().removeprefix("listening on ")
    load = open("/proc/loadavg").read().strip()
    print(f"# before_after: {requests} requests per run, {rounds} rounds, {os.cpu_count()} cores, load {load}")
    kinds = [("before", before, "sdk"), ("after", after, "sdk"), ("raw", after, "raw")]
    if "--go" in sys.argv:
        kinds.append(("go", sys.argv[sys.argv.index("--go") + 1], "go"))
    summary = []
    try:
        for c in (1, 64):
            runs = {k: [] for k, _, _ in kinds}
            for r in range(rounds):
                order = kinds[r % len(kinds):] + kinds[: r % len(kinds)]
                for name, exe, mode in order:
                    runs[name].append(worker(exe, mode, url, c, requests))
            summary.append(table(c, rounds, runs))
    finally:
        server.kill()
    print(f"\n# load average at the end: {open('/proc/loadavg').read().strip()}")
    print("\n".join(summary))


def table(c, rounds, runs):
    lines = [f"\n### concurrency {c}: medians of {rounds} rounds (ratios: median of per-round ratios to raw)\n",
             "| metric | before | after | raw reqwest | before/raw | after/raw |", "|---|---|---|---|---|---|"]
    for key, label in (("rps", "requests/s"), ("cpu_us_per_req", "client CPU µs/req")):
        med = {k: statistics.median(r[key] for r in v) for k, v in runs.items()}
        ratio = {k: statistics.median(a[key] / b[key] for a, b in zip(runs[k], runs["raw"])) for k in ("before", "after")}
        lines.append(f"| {label} | {med['before']:.1f} | {med['after']:.1f} | {med['raw']:.1f} | "
                     f"{ratio['before']:.3f} | {ratio['after']:.3f} |")
    if "go" in runs:
        per_round = lambda k, key, f: statistics.median(f(a[key], g[key]) for a, g in zip(runs[k], runs["go"]))
        lines += ["", "| against the Go SDK (same rounds) | before | after |", "|---|---|---|"]
        lines.append(f"| SDK/Go throughput | {per_round('before', 'rps', lambda a, g: a / g):.2f} | "
                     f"{per_round('after', 'rps', lambda a, g: a / g):.2f} |")
        lines.append(f"| Go CPU / SDK CPU | {per_round('before', 'cpu_us_per_req', lambda a, g: g / a):.2f} | "
                     f"{per_round('after', 'cpu_us_per_req', lambda a, g: g / a):.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
