#!/usr/bin/env bash
# Installs what is missing, builds wdsim and runs the default scenario, printing its table.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
bazel build -c opt //tools/wdsim
bazel-bin/tools/wdsim/wdsim run scenarios/syscall_vs_doorbell.yaml "$@"
