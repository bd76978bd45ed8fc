#!/usr/bin/env python3
"""Refresh api-specs/<product>/<version>/ from Tencent's published PyPI packages.

For each product: `api.json` and `examples.json` are copied byte for byte from the tccli wheel
(`tccli/services/<product>/<version>/`), and `errorcodes.json` is converted from the product's official
Python SDK wheel (`tencentcloud/<product>/<version>/errorcodes.py`: a comment line with the description
above each `NAME = 'Code'` assignment). `api_en.json` is the same version's `api.json` from the English
edition of tccli (`tccli-intl-en`, same path), copied byte for byte when that package has the version; the
generator puts its documents before the Chinese ones. A version it lacks gets no `api_en.json` (a stale one
is removed). `api-specs/SOURCES.md` is rewritten to say where each file came from.

Wheels are fetched with `pip download --no-deps`, so nothing is installed.

    python3 tools/refresh_specs.py                      # products already in api-specs/, pinned versions
    python3 tools/refresh_specs.py --product sts        # add or refresh one product
    python3 tools/refresh_specs.py --tccli 3.1.189.1 --tccli-en 3.1.189.1 --sdk-version 3.1.153
    python3 tools/refresh_specs.py --tree /tmp/specs [--product cvm ...]   # a whole tree elsewhere (dist)

`--tree DIR` writes the same files for every product (or those named) into DIR instead of api-specs/, with
error codes from the one `tencentcloud-sdk-python` wheel (FULL_SDK_VERSION) rather than per-product wheels,
and DIR/SOURCES.md; `cargo xtask dist` runs it. A version whose SDK has no errorcodes.py gets an empty list.

SDK version per product: `--sdk-version` if given; else the version SOURCES.md already records for the
product (so a refresh is reproducible); else SDK_VERSION. Per-product SDK packages are not published for
every release (tencentcloud-sdk-python-sts stops at 3.0.x), so when that version is not on PyPI the nearest
published one is used (the highest below it, else the lowest above it) and recorded in SOURCES.md.
"""
import argparse
import difflib
import io
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
SPECS = ROOT / "api-specs"
TCCLI_VERSION = "3.1.189.1"
# The English edition is released alongside tccli with the same version numbers; the same release keeps the
# two descriptions of a version in step.
TCCLI_EN_VERSION = "3.1.189.1"
ENGLISH_FILE = "api_en.json"
SDK_VERSION = "3.1.153"
# `--tree`: one wheel with every product's error codes, the release the streaming and binary-body lists
# were read from (api-specs/streaming-actions.json, binary-bodies.json).
FULL_SDK_VERSION = "3.1.195"


def version_key(v):
    return tuple(int(x) if x.isdigit() else 0 for x in re.split(r"[.]", v))


def nearest_version(package, wanted):
    """The published version of `package` nearest to `wanted`: highest below it, else lowest above it."""
    done = subprocess.run([sys.executable, "-m", "pip", "index", "versions", package],
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{package} is not on PyPI (pip index versions failed)")
    out = done.stdout
    m = re.search(r"Available versions: (.*)", out)
    if not m:
        sys.exit(f"pip index versions {package}: no versions listed")
    versions = [v.strip() for v in m.group(1).split(",") if v.strip()]
    below = [v for v in versions if version_key(v) <= version_key(wanted)]
    if below:
        return max(below, key=version_key)
    return min(versions, key=version_key)


def download(requirement, dest, check=True):
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
         "-d", str(dest), requirement],
        check=check,
        stderr=None if check else subprocess.DEVNULL,
    )
    if done.returncode != 0:
        return None
    name = requirement.split("==")[0].replace("-", "_")
    wheels = [p for p in pathlib.Path(dest).glob("*.whl") if p.name.lower().startswith(name.lower() + "-")]
    if len(wheels) != 1:
        sys.exit(f"expected one wheel for {requirement}, found {wheels}")
    return wheels[0]


def parse_errorcodes(source, origin):
    """Turn errorcodes.py into [{code, description}], sorted by code. Every assignment must have a comment."""
    codes = []
    comment = []
    for lineno, line in enumerate(source.splitlines(), 1):
        if line.startswith("#"):
            comment.append(line[1:].strip())
            continue
        m = re.match(r"^([A-Z0-9_]+) = '([^']+)'$", line)
        if m:
            # The licence header is a comment block too; only the block directly above counts.
            if not comment:
                sys.exit(f"{origin}:{lineno}: error code {m.group(2)} has no description comment")
            codes.append({"code": m.group(2), "description": comment[-1]})
            comment = []
        elif not line.strip():
            comment = []
        else:
            sys.exit(f"{origin}:{lineno}: unexpected line {line!r}")
    return sorted(codes, key=lambda c: c["code"])


def copy_english(wheel, path, out):
    """Copy the English api.json at `path` in `wheel` to `out/api_en.json`; the path, or None when absent."""
    target = out / ENGLISH_FILE
    if path not in wheel.namelist():
        print(f"{path}: not in tccli-intl-en; {out.relative_to(ROOT)} has Chinese documents only")
        target.unlink(missing_ok=True)
        return None
    target.write_bytes(wheel.read(path))
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--product", action="append", help="product to import (default: those in api-specs/)")
    ap.add_argument("--tccli", default=TCCLI_VERSION)
    ap.add_argument("--tccli-en", default=TCCLI_EN_VERSION, help="version of tccli-intl-en (English docs)")
    ap.add_argument("--sdk-version", default=None,
                    help=f"SDK package version (default: as recorded in SOURCES.md, else {SDK_VERSION})")
    ap.add_argument("--tree", default=None, help="write a whole spec tree into this directory instead")
    args = ap.parse_args()
    if args.tree:
        return write_tree(args)
    recorded = {}
    sources = SPECS / "SOURCES.md"
    if sources.exists():
        for line in sources.read_text(encoding="utf-8").splitlines():
            m = re.match(r"^\| `([^/`]+)/[^`]*errorcodes.json` \| tencentcloud-sdk-python-\S+ (\S+) \|", line)
            if m:
                recorded[m.group(1)] = m.group(2)
    products = args.product or sorted(p.name for p in SPECS.iterdir() if p.is_dir())
    if not products:
        sys.exit("no products: pass --product NAME")

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tccli = zipfile.ZipFile(download(f"tccli=={args.tccli}", tmp))
        tccli_en = zipfile.ZipFile(download(f"tccli-intl-en=={args.tccli_en}", tmp))
        known = sorted({n.split("/")[2] for n in tccli.namelist()
                        if n.startswith("tccli/services/") and n.endswith("/api.json")})
        for product in products:
            if product not in known:
                close = difflib.get_close_matches(product, known, n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                sys.exit(f"tccli {args.tccli} has no product `{product}` ({len(known)} products){hint}")
        for product in products:
            package = f"tencentcloud-sdk-python-{product}"
            sdk_version = args.sdk_version or recorded.get(product, SDK_VERSION)
            wheel = download(f"{package}=={sdk_version}", tmp, check=False)
            if wheel is None:
                nearest = nearest_version(package, sdk_version)
                print(f"{package} {sdk_version} is not on PyPI; using the nearest published version, {nearest}")
                sdk_version = nearest
                wheel = download(f"{package}=={sdk_version}", tmp)
            sdk = zipfile.ZipFile(wheel)
            prefix = f"tccli/services/{product}/"
            versions = sorted({n[len(prefix):].split("/")[0] for n in tccli.namelist()
                               if n.startswith(prefix) and n.endswith("/api.json")})
            if not versions:
                sys.exit(f"tccli {args.tccli} has no product {product}")
            for version in versions:
                out = SPECS / product / version
                out.mkdir(parents=True, exist_ok=True)
                for name in ("api.json", "examples.json"):
                    path = f"{prefix}{version}/{name}"
                    (out / name).write_bytes(tccli.read(path))
                    rows.append((f"{product}/{version}/{name}", f"tccli {args.tccli}", path))
                row = copy_english(tccli_en, f"{prefix}{version}/api.json", out)
                if row:
                    rows.append((f"{product}/{version}/{ENGLISH_FILE}", f"tccli-intl-en {args.tccli_en}", row))
                path = f"tencentcloud/{product}/{version}/errorcodes.py"
                codes = parse_errorcodes(sdk.read(path).decode("utf-8"), path)
                (out / "errorcodes.json").write_text(
                    json.dumps(codes, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
                rows.append((f"{product}/{version}/errorcodes.json", f"{package} {sdk_version}", path))
                print(f"{product} {version}: {len(codes)} error codes")

    # Keep rows for products not refreshed this time.
    kept = []
    if sources.exists():
        for line in sources.read_text(encoding="utf-8").splitlines():
            m = re.match(r"^\| `([^`]+)` \|", line)
            if m and m.group(1).split("/")[0] not in products:
                kept.append(line)
    lines = [f"| `{f}` | {pkg} | `{p}` | Apache-2.0 |" for f, pkg, p in rows]
    table = sorted(kept + lines)
    sources.write_text(
        "# Where the API descriptions come from\n\n"
        "Data, not code: Tencent's own API descriptions as published on PyPI under the Apache License 2.0.\n"
        "`api.json` and `examples.json` are byte-for-byte copies from the `tccli` wheel; `errorcodes.json` is\n"
        "converted from the product's official Python SDK wheel (each `NAME = 'Code'` line with the comment\n"
        "above it becomes `{\"code\", \"description\"}`, sorted by code). `api_en.json` is the same version's\n"
        "`api.json` from the English edition of tccli (`tccli-intl-en`), byte for byte, where it has the\n"
        "version: the generated docs show its documents first, then the Chinese ones (`tc_spec::ApiDocs`).\n"
        "`streaming-actions.json` lists, for every product of the official Python SDK, the actions that may\n"
        "answer as a stream of events (its clients call `_call_and_deserialize` or `call_sse` for them); it is\n"
        "written by `python3 tools/streaming_actions.py` (not by `tools/refresh_specs.py`) and read by `tc_spec`.\n\n"
        "Refresh (downloads the wheels with `pip download --no-deps`, installs nothing):\n\n"
        "```sh\npython3 tools/refresh_specs.py                 # every product here, pinned versions\n"
        "python3 tools/refresh_specs.py --product sts   # add a product\ncargo xtask gen\n```\n\n"
        "(`cargo xtask import sts` does both.) The sample specs CI runs `cargo xtask gen-all` on are listed in\n"
        "`codegen/tests/sample-specs/SOURCES.md`.\n\n"
        "`binary-bodies.json` lists the actions whose request body is not JSON (multipart form data or an octet\n"
        "stream), which the API descriptions do not say: `tools/binary_bodies.py` reads them from the official\n"
        "Python SDK's clients (`tencentcloud-sdk-python`, the version recorded in the file's `source`).\n\n"
        "| file | package and version | path in the package | licence |\n|---|---|---|---|\n"
        + "\n".join(table) + "\n",
        encoding="utf-8")


def write_tree(args):
    """`--tree`: every product (or those named) of the pinned tccli into args.tree, with SOURCES.md."""
    tree = pathlib.Path(args.tree)
    sdk_version = args.sdk_version or FULL_SDK_VERSION
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tccli = zipfile.ZipFile(download(f"tccli=={args.tccli}", tmp))
        tccli_en = zipfile.ZipFile(download(f"tccli-intl-en=={args.tccli_en}", tmp))
        sdk = zipfile.ZipFile(download(f"tencentcloud-sdk-python=={sdk_version}", tmp))
        sdk_files = set(sdk.namelist())
        specs = sorted(n for n in tccli.namelist()
                       if n.startswith("tccli/services/") and n.endswith("/api.json") and n.count("/") == 4)
        known = sorted({n.split("/")[2] for n in specs})
        for product in args.product or []:
            if product not in known:
                close = difflib.get_close_matches(product, known, n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                sys.exit(f"tccli {args.tccli} has no product `{product}` ({len(known)} products){hint}")
        wanted = set(args.product or known)
        for spec in specs:
            _, _, product, version, _ = spec.split("/")
            if product not in wanted:
                continue
            out = tree / product / version
            out.mkdir(parents=True, exist_ok=True)
            prefix = f"tccli/services/{product}/{version}/"
            for name in ("api.json", "examples.json"):
                (out / name).write_bytes(tccli.read(prefix + name))
                rows.append((f"{product}/{version}/{name}", f"tccli {args.tccli}", prefix + name))
            if prefix + "api.json" in tccli_en.namelist():
                (out / ENGLISH_FILE).write_bytes(tccli_en.read(prefix + "api.json"))
                rows.append((f"{product}/{version}/{ENGLISH_FILE}", f"tccli-intl-en {args.tccli_en}",
                             prefix + "api.json"))
            path = f"tencentcloud/{product}/{version}/errorcodes.py"
            codes = parse_errorcodes(sdk.read(path).decode("utf-8"), path) if path in sdk_files else []
            (out / "errorcodes.json").write_text(
                json.dumps(codes, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            rows.append((f"{product}/{version}/errorcodes.json", f"tencentcloud-sdk-python {sdk_version}",
                         path if path in sdk_files else "(none: no errorcodes.py)"))
    lines = [f"| `{f}` | {pkg} | `{p}` | Apache-2.0 |" for f, pkg, p in rows]
    (tree / "SOURCES.md").write_text(
        "# Where these API descriptions come from\n\n"
        "Written by `tools/refresh_specs.py --tree` (for `cargo xtask dist`): Tencent's own API descriptions as\n"
        "published on PyPI under the Apache License 2.0, copied byte for byte (`errorcodes.json` converted from\n"
        "the SDK's `errorcodes.py`).\n\n"
        "| file | package and version | path in the package | licence |\n|---|---|---|---|\n"
        + "\n".join(sorted(lines)) + "\n",
        encoding="utf-8")
    print(f"{len({r[0].split('/')[0] for r in rows})} products written to {tree}")


if __name__ == "__main__":
    main()
