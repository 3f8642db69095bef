#!/usr/bin/env bash
# Installs the Debian 12 packages wdsim builds with, when any is missing (run as root).
# clang-14, its ASan/UBSan/libFuzzer runtimes (libclang-rt-14-dev) and lld-14 are for the
# sanitizer and fuzz builds (--config=asan, --config=fuzz in .bazelrc).
# GNU parallel, slurm-wlm and munge run sweeps the way a cluster would (wdsim run --emit, the
# cluster tests and tools/slurm_localhost.sh); chromium renders report.html for
# //tools:report_screenshot_test.
# A no-op on a machine that has them all.
set -euo pipefail
packages=(
  bazel-bootstrap g++ libsystemc-dev libfmt-dev libspdlog-dev libgtest-dev libbenchmark-dev
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev zlib1g-dev libssl-dev clang-format
  clang-14 libclang-rt-14-dev lld-14 parallel slurm-wlm munge chromium
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
