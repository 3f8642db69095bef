#!/usr/bin/env bash
# Regenerates the golden protocol trace after an intended protocol or timing change.
# Review the diff (git diff scenarios/golden) before committing it.
set -euo pipefail
cd "$(dirname "$0")/.."
bazel build -c opt //tools/wdsim
out=$(mktemp -d)
bazel-bin/tools/wdsim/wdsim run scenarios/golden_two_requests.yaml --out "$out" >/dev/null
cp "$out/trace.txt" scenarios/golden/two_requests.trace.txt
rm -rf "$out"
echo "updated scenarios/golden/two_requests.trace.txt"
