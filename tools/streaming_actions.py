#!/usr/bin/env python3
"""Write api-specs/streaming-actions.json: which actions may answer as a stream (server-sent events).

The API descriptions (tccli's api.json) do not say which actions stream. The official Python SDK does, in
code: a product client's method for such an action calls `_call_and_deserialize` (which looks at the
answer's Content-Type and yields events for `text/event-stream`) or `call_sse`, where every other action
calls `call` and decodes one JSON document. This script reads every product client of an installed
`tencentcloud-sdk-python` (text only; nothing is imported or run) and lists those actions per product and
version, for every product the SDK has (not only those under api-specs/, so a later import finds its
list here). tc-spec reads the file; the generator adds a `<method>_stream` method for each listed action.

    python3 tools/streaming_actions.py                       # the SDK importable by this python3
    python3 tools/streaming_actions.py --sdk /work/ref/lib/python3.12/site-packages
    python3 tools/streaming_actions.py --check               # exit 1 when the file would change

The SDK version is recorded in the file and in api-specs/SOURCES.md (`streaming-actions.json` row).
"""
import argparse
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SPECS = ROOT / "api-specs"
OUT = SPECS / "streaming-actions.json"
# A method definition of a client class, and the calls that handle a streaming answer.
METHOD = re.compile(r"^    def ([A-Z][A-Za-z0-9]*)\(self, request\):", re.M)
STREAMING_CALL = re.compile(r"self\.(_call_and_deserialize|call_sse)\(")


def streaming_actions(client_source):
    """Names of the methods in one `<product>_client.py` whose body handles a streaming answer."""
    found = []
    starts = list(METHOD.finditer(client_source))
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(client_source)
        if STREAMING_CALL.search(client_source, m.end(), end):
            found.append(m.group(1))
    return sorted(found)


def sdk_root(given):
    if given:
        return pathlib.Path(given)
    import importlib.util
    spec = importlib.util.find_spec("tencentcloud")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("tencentcloud-sdk-python is not importable: pass --sdk <site-packages>")
    return pathlib.Path(list(spec.submodule_search_locations)[0]).parent


def sdk_version(site):
    dists = sorted(site.glob("tencentcloud_sdk_python-*.dist-info"))
    if not dists:
        sys.exit(f"no tencentcloud_sdk_python-*.dist-info in {site}: the full SDK package is needed")
    return dists[0].name[len("tencentcloud_sdk_python-"):-len(".dist-info")]


def scan(site):
    products = {}
    for client in sorted((site / "tencentcloud").glob("*/v*/*_client.py")):
        product, version = client.parts[-3], client.parts[-2]
        if client.name != f"{product}_client.py":
            continue
        actions = streaming_actions(client.read_text(encoding="utf-8"))
        if actions:
            products.setdefault(product, {})[version] = actions
    return products


def render(version, products):
    data = {
        "source": f"tencentcloud-sdk-python {version}",
        "rule": "methods of tencentcloud/<product>/<version>/<product>_client.py that call "
                "_call_and_deserialize or call_sse",
        "products": products,
    }
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def record_source(version):
    """Point the `streaming-actions.json` row of SOURCES.md at this SDK version."""
    sources = SPECS / "SOURCES.md"
    row = (f"| `streaming-actions.json` | tencentcloud-sdk-python {version} | "
           f"`tencentcloud/<product>/<version>/<product>_client.py` (scanned by `tools/streaming_actions.py`) "
           f"| Apache-2.0 |")
    lines = sources.read_text(encoding="utf-8").splitlines()
    lines = [line for line in lines if not line.startswith("| `streaming-actions.json` |")]
    last_row = max(i for i, line in enumerate(lines) if line.startswith("| `"))
    lines.insert(last_row + 1, row)
    sources.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sdk", help="site-packages directory holding tencentcloud/ and its dist-info")
    ap.add_argument("--check", action="store_true", help="only say whether the file is up to date")
    args = ap.parse_args()
    site = sdk_root(args.sdk)
    version = sdk_version(site)
    products = scan(site)
    text = render(version, products)
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            sys.exit(f"{OUT.relative_to(ROOT)} is out of date: run tools/streaming_actions.py")
        return
    OUT.write_text(text, encoding="utf-8")
    record_source(version)
    count = sum(len(a) for versions in products.values() for a in versions.values())
    print(f"{OUT.relative_to(ROOT)}: {count} streaming actions in {len(products)} products "
          f"(tencentcloud-sdk-python {version})")


if __name__ == "__main__":
    main()
