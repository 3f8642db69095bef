#!/usr/bin/env bash
# Runs fuzz targets (//fuzz) longer than the suite does, with libFuzzer.
#
#   tools/fuzz.sh [TARGET|all] [SECONDS]      e.g. tools/fuzz.sh loader_fuzz 3600
#
# TARGET is a target of fuzz/BUILD.bazel (default: all of them, one after another); SECONDS
# per target (default 600). WDSIM_FUZZ_JOBS (default: half the cores) libFuzzer processes
# share the corpus (-fork). Inputs are read from the checked-in corpus (fuzz/corpus/TARGET)
# and new ones are kept in a scratch folder, WDSIM_FUZZ_WORK (default /tmp/wdsim-fuzz):
# WORK/TARGET/corpus; a crash, timeout or out-of-memory input goes to WORK/TARGET/artifacts.
# The build uses --config=fuzz (ASan + UBSan), or WDSIM_FUZZ_CONFIG=fuzzfast (UBSan only, several
# times faster: replay what it finds under --config=fuzz before keeping it, -runs=0);
# WDSIM_FUZZ_RUNS, if set, ends each target after that many executions instead of SECONDS.
# WDSIM_FUZZ_BAZEL_STARTUP holds Bazel startup options (for example --output_base=DIR, so the
# clang build does not replace the default one's cache).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-all}"
seconds="${2:-600}"
jobs="${WDSIM_FUZZ_JOBS:-$(( ($(nproc) + 1) / 2 ))}"
work="${WDSIM_FUZZ_WORK:-/tmp/wdsim-fuzz}"
startup=(${WDSIM_FUZZ_BAZEL_STARTUP:-})
config="--config=${WDSIM_FUZZ_CONFIG:-fuzz}"
case "$config" in
  --config=fuzz | --config=fuzzfast) ;;
  *) echo "fuzz.sh: WDSIM_FUZZ_CONFIG must be fuzz or fuzzfast, not ${WDSIM_FUZZ_CONFIG}"; exit 2 ;;
esac
runs=()
if [ -n "${WDSIM_FUZZ_RUNS:-}" ]; then
  [[ "$WDSIM_FUZZ_RUNS" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: WDSIM_FUZZ_RUNS is not a count"; exit 2; }
  runs=(-runs="$WDSIM_FUZZ_RUNS")
  seconds=0  # no time limit
fi
# --symlink_prefix=/: no bazel-* links in the tree, which with another output base would point a
# later plain `bazel test //...` into this one's external repositories.
cache=(--disk_cache="${WDSIM_BAZEL_DISK_CACHE:-$HOME/.cache/wdsim-ci-disk-cache}" --symlink_prefix=/)

if [ "$target" = all ]; then
  targets=$(ls fuzz/corpus)
else
  [ -d "fuzz/corpus/$target" ] || { echo "fuzz.sh: no fuzz target $target (fuzz/corpus/)"; exit 2; }
  targets=$target
fi
bins=()
for t in $targets; do bins+=("//fuzz:${t}_bin"); done
bazel "${startup[@]}" build "${cache[@]}" "$config" "${bins[@]}"
bin_dir=$(bazel "${startup[@]}" info "${cache[@]}" "$config" bazel-bin)

# LeakSanitizer misreads SystemC thread stacks (see fuzz/run_fuzz_test.sh).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
status=0
for t in $targets; do
  max_len=$(grep -A8 "name = \"$t\"" fuzz/BUILD.bazel | sed -n 's/.*max_len = \([0-9]*\).*/\1/p' | head -1)
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  before=$(ls "$work/$t/corpus" | wc -l)
  echo "== $t: ${runs[*]:-${seconds}s}, $jobs job(s), new inputs in $work/$t/corpus"
  fork=()
  [ "$jobs" -gt 1 ] && fork=(-fork="$jobs")
  [ -f "fuzz/$t.dict" ] && fork+=(-dict="$PWD/fuzz/$t.dict")
  (cd "$work/$t" && "$bin_dir/fuzz/${t}_bin" "${fork[@]}" "${runs[@]}" -max_total_time="$seconds" \
    -max_len="${max_len:-4096}" -rss_limit_mb=2048 -timeout=10 -detect_leaks=0 -print_final_stats=1 \
    -artifact_prefix="$work/$t/artifacts/" "$work/$t/corpus" "$OLDPWD/fuzz/corpus/$t") ||
    status=1
  after=$(ls "$work/$t/corpus" | wc -l)
  echo "== $t: $((after - before)) new corpus inputs; findings (if any) in $work/$t/artifacts"
  echo "   to keep the ones that add coverage: $bin_dir/fuzz/${t}_bin -merge=1" \
    "fuzz/corpus/$t $work/$t/corpus  (then commit fuzz/corpus/$t)"
done
exit $status
