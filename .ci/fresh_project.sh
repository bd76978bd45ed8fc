#!/usr/bin/env bash
# A fresh project outside the workspace that depends on the packaged crates (the .crate files `cargo
# package` wrote to target/package, unpacked) sends an SMS to the emulator. Run after `cargo package`.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
work=target/fresh-project
rm -rf "$work"
mkdir -p "$work/crates"
cp -r .ci/fresh-project/src "$work/"
cp .ci/fresh-project/Cargo.toml.in "$work/Cargo.toml"
printf '\n[patch.crates-io]\n' >> "$work/Cargo.toml"
for krate in tc-rules tc-spec sdk-core tc-emulator sdk-sms; do
    tar xzf "target/package/$krate-$version.crate" -C "$work/crates"
    echo "$krate = { path = \"crates/$krate-$version\" }" >> "$work/Cargo.toml"
done
# The workspace's lockfile pins the same dependency versions, so the shared target dir reuses their builds.
cp Cargo.lock "$work/"
CARGO_TARGET_DIR="$PWD/target" cargo run --quiet --manifest-path "$work/Cargo.toml"
