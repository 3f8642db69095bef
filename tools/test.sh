#!/usr/bin/env bash
# Runs every test target built by gcc and then again instrumented (clang-14, ASan + UBSan,
# libFuzzer coverage: --config=fuzz in .bazelrc; each fuzz target fuzzes for a fixed time from a
# fixed seed), then the format check; ends with one line "N passed, N failed" counting the test
# targets of every run. WDSIM_TEST_SANITIZERS=0 skips the instrumented run (a cold one adds about
# 10 minutes of build and 6 of tests on 2 cores: docs/reliability.md).
set -uo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh || { echo "0 passed, 1 failed"; exit 1; }
log=$(mktemp)
# A disk cache outside the tree lets a fresh clone reuse earlier builds.
cache="${WDSIM_BAZEL_DISK_CACHE:-$HOME/.cache/wdsim-ci-disk-cache}"
mkdir -p "$cache"
passed=0
failed=0
rc=0
# run_suite LABEL [FLAGS...]: bazel test //... with FLAGS; adds its test targets to
# passed/failed and prints their count under LABEL.
run_suite() {
  local label=$1
  shift
  echo "== ${label}: bazel test $* //..."
  bazel test --disk_cache="$cache" --keep_going "$@" //... 2>&1 | tee "$log"
  local suite_rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log" || true)
  f=$(grep -cE '^//[^ ]+ +(FAILED|TIMEOUT|NO STATUS|FAILED TO BUILD|INCOMPLETE|FLAKY)' "$log" || true)
  if [ "$suite_rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1  # the build broke before any test target reported
  fi
  echo "== ${label}: ${p} passed, ${f} failed"
  passed=$((passed + p))
  failed=$((failed + f))
  [ "$suite_rc" -eq 0 ] || rc=1
}
run_suite gcc
# The one instrumented build: --config=fuzz includes --config=asan (ASan + UBSan), and runs each
# fuzz target under libFuzzer for a bounded time. On unless WDSIM_TEST_SANITIZERS=0.
if [ "${WDSIM_TEST_SANITIZERS:-1}" != 0 ]; then
  run_suite "clang-14 asan+ubsan+fuzz" --config=fuzz
fi
rm -f "$log"
# One more check, counted like a test target: every C++ file is clang-formatted.
if tools/check_format.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); rc=1; fi
echo "${passed} passed, ${failed} failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
