#!/usr/bin/env bash
# Regenerates golden protocol traces (scenarios/golden/NAME.trace.txt) after an intended
# protocol or timing change and prints what changed: `tools/update_golden.sh [NAME...]` is
# `wdsim golden update [NAME...]` with a fresh build. Review `git diff scenarios/golden` before
# committing (docs/regression.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bazel build -c opt //tools/wdsim
SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 bazel-bin/tools/wdsim/wdsim golden update "$@"
