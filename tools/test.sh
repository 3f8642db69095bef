#!/usr/bin/env bash
# Runs every test target and ends with one line "N passed, N failed" counting test targets.
set -uo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh || { echo "0 passed, 1 failed"; exit 1; }
log=$(mktemp)
# A disk cache outside the tree lets a fresh clone reuse earlier builds.
cache="${WDSIM_BAZEL_DISK_CACHE:-$HOME/.cache/wdsim-ci-disk-cache}"
mkdir -p "$cache"
bazel test --disk_cache="$cache" --keep_going //... 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log" || true)
failed=$(grep -cE '^//[^ ]+ +(FAILED|TIMEOUT|NO STATUS|FAILED TO BUILD|INCOMPLETE|FLAKY)' "$log" || true)
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1  # the build broke before any test target reported
fi
rm -f "$log"
# One more check, counted like a test target: every C++ file is clang-formatted.
if tools/check_format.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); rc=1; fi
echo "${passed} passed, ${failed} failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
