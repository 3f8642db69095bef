#!/usr/bin/env bash
# The test of one fuzz target (fuzz.bzl):
#   BINARY CORPUS_DIR SECONDS RSS_LIMIT_MB TIMEOUT_S MAX_LEN [DICT]
# A libFuzzer build fuzzes for SECONDS from a copy of the corpus (new entries stay in the test's
# scratch folder; a crashing input is saved in the test's undeclared outputs); a replay build
# ignores the libFuzzer flags and replays the corpus.
set -euo pipefail
bin=$1 corpus=$2 seconds=$3 rss=$4 timeout=$5 max_len=$6
dict=()
[ $# -ge 7 ] && dict=(-dict="$7")
work="${TEST_TMPDIR:-$(mktemp -d)}/corpus"
artifacts="${TEST_UNDECLARED_OUTPUTS_DIR:-${TEST_TMPDIR:-/tmp}}/"
mkdir -p "$work"
# LeakSanitizer cannot see the main stack while SystemC threads run on their own stacks: it
# reports libFuzzer's live objects as leaks at exit. Memory is bounded by -rss_limit_mb instead.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
cp "$corpus"/* "$work"/
# A fixed seed: the same build explores the same inputs first (time-bounded runs still reach
# further on a faster machine).
exec "$bin" -seed=1 -max_total_time="$seconds" -rss_limit_mb="$rss" -timeout="$timeout" \
  -max_len="$max_len" -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$artifacts" \
  "${dict[@]}" "$work"
