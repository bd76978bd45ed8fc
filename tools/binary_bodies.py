#!/usr/bin/env python3
"""Write api-specs/binary-bodies.json: the actions whose request body is not JSON, read from the official
Python SDK's generated clients (`tencentcloud/<product>/<version>/<product>_client.py`).

Two modes exist there:
- multipart: the client method passes `options = {'IsMultipart': True, 'BinaryParams': [...]}`;
- octet-stream: the client method calls `self.call_octet_stream("<Action>", ...)` after renaming each
  parameter to a header `"<prefix>" + key`.

    python3 tools/binary_bodies.py                       # download the pinned SDK wheel (pip download --no-deps)
    python3 tools/binary_bodies.py --sdk-dir <site-packages>/tencentcloud --sdk-version 3.1.195

The output is sorted and records the package and version it was read from, so re-running it with the same
version writes the same bytes. A client whose binary call does not match the shapes above is an error, not
silently skipped.
"""
import argparse
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "api-specs" / "binary-bodies.json"
SDK_VERSION = "3.1.195"

METHOD = re.compile(r"^    def (\w+)\(self, request", re.M)
MULTIPART = re.compile(r"options = \{'IsMultipart': True, 'BinaryParams': \[([^\]]*)\]\}")
OCTET = re.compile(r'params = \{"([^"]+)"\+key: value for key, value in params\.items\(\)\}\s*'
                   r'response = self\.call_octet_stream\("(\w+)"')


def scan(sdk: pathlib.Path):
    found = []
    for client in sorted(sdk.glob("*/v*/*_client.py")):
        product, version = client.parts[-3], client.parts[-2]
        text = client.read_text(encoding="utf-8")
        if "IsMultipart" not in text and "call_octet_stream" not in text:
            continue
        methods = list(METHOD.finditer(text))
        for i, m in enumerate(methods):
            body = text[m.end(): methods[i + 1].start() if i + 1 < len(methods) else len(text)]
            action = m.group(1)
            mp = MULTIPART.search(body)
            oc = OCTET.search(body)
            if mp:
                params = re.findall(r"u?'(\w+)'", mp.group(1))
                found.append({"product": product, "version": version, "action": action,
                              "mode": "multipart", "binary_params": params})
            elif oc:
                if oc.group(2) != action:
                    sys.exit(f"{client}: {action} sends octet-stream as {oc.group(2)}")
                found.append({"product": product, "version": version, "action": action,
                              "mode": "octet-stream", "header_prefix": oc.group(1)})
            elif "IsMultipart" in body or "call_octet_stream" in body:
                sys.exit(f"{client}: {action} uses a binary body in a shape this script does not know")
    return found


def download(version: str, into: pathlib.Path) -> pathlib.Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(into),
                    f"tencentcloud-sdk-python=={version}"], check=True)
    wheel = next(into.glob("*.whl"))
    with zipfile.ZipFile(wheel) as z:
        members = [n for n in z.namelist() if n.endswith("_client.py")]
        z.extractall(into, members)
    return into / "tencentcloud"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sdk-dir", help="an unpacked `tencentcloud` package (default: download the wheel)")
    ap.add_argument("--sdk-version", default=SDK_VERSION)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sdk = pathlib.Path(args.sdk_dir) if args.sdk_dir else download(args.sdk_version, pathlib.Path(tmp))
        actions = scan(sdk)
    if not actions:
        sys.exit("no binary-body action found: wrong directory?")
    doc = {
        "source": f"tencentcloud-sdk-python {args.sdk_version}, tencentcloud/<product>/<version>/<product>_client.py",
        "tool": "tools/binary_bodies.py",
        "actions": actions,
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(actions)} actions")


if __name__ == "__main__":
    main()
