#!/usr/bin/env bash
# The trace-regression commands' contract (docs/regression.md): `trace diff`, `check` and
# `golden check|update` exit 0 when the same, 1 when different, 2 on bad input (a truncated or
# garbled trace named as file:line); the report names what differs.
set -u
wdsim="$1"
golden_dir="$2"
out=$(mktemp -d)
fail=0
check() {  # check NAME EXPECTED_RC ACTUAL_RC
  if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, expected $2"; fail=1; else echo "ok: $1"; fi
}
expect() {  # expect NAME PATTERN FILE
  if grep -qF -- "$2" "$3"; then echo "ok: $1"; else echo "FAIL: $1: no '$2' in $3"; cat "$3"; fail=1; fi
}
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
g="$golden_dir/two_requests.trace.txt"
s="$golden_dir/two_requests.yaml"

"$wdsim" trace diff "$g" "$g" >"$out/same" 2>&1; check "diff of a trace with itself" 0 $?
expect "says same" "same (protocol mode): 127 events" "$out/same"

# A timing-only change: the same protocol, not the same bytes.
"$wdsim" check "$s" --golden "$g" --set system.pcie.lanes=8 >"$out/lanes" 2>&1
check "pcie.lanes 16 -> 8 is the same protocol" 0 $?
"$wdsim" check "$s" --golden "$g" --set system.pcie.lanes=8 --mode exact >"$out/lanes_exact" 2>&1
check "pcie.lanes 16 -> 8 differs exactly" 1 $?
expect "exact report header" "traces differ (exact mode)" "$out/lanes_exact"

# A protocol change: no IOTLB, every translation walks.
"$wdsim" check "$s" --golden "$g" --set system.smmu.iotlb.enabled=false >"$out/tlb" 2>&1
check "no IOTLB differs in protocol" 1 $?
expect "summary names iotlb_hit" "  smmu       iotlb_hit          3       0  3" "$out/tlb"
expect "first divergence" "first divergence in component smmu at 15957740 ps:" "$out/tlb"
expect "unified diff" "-15957740 smmu iotlb_hit asid=1 iova=0x100003000" "$out/tlb"

# Bad input: a truncated trace, a garbled line, a missing file, a bad mode.
head -c 500 "$g" >"$out/truncated.txt"
"$wdsim" trace diff "$g" "$out/truncated.txt" >"$out/t1" 2>&1; check "truncated trace" 2 $?
expect "truncated is located" "truncated.txt:15: no newline at the end: the trace is truncated" "$out/t1"
{ head -n 3 "$g"; echo "garbage here"; } >"$out/garbled.txt"
"$wdsim" trace diff "$g" "$out/garbled.txt" >"$out/t2" 2>&1; check "garbled trace" 2 $?
expect "garbled is located" "garbled.txt:4: expected '<time_ps> <component> <event>" "$out/t2"
"$wdsim" trace diff "$g" "$out/none.txt" >"$out/t3" 2>&1; check "missing trace" 2 $?
"$wdsim" trace diff "$g" "$g" --mode fuzzy >"$out/t4" 2>&1; check "bad mode" 2 $?

# The suite commands on a copy of one golden.
mkdir -p "$out/g"
cp "$s" "$out/g/two_requests.yaml"
"$wdsim" golden update --dir "$out/g" >"$out/u1" 2>&1; check "golden update creates" 0 $?
expect "created" "two_requests: created" "$out/u1"
cmp -s "$out/g/two_requests.trace.txt" "$g"; check "created trace equals the golden" 0 $?
"$wdsim" golden check --dir "$out/g" >"$out/c1" 2>&1; check "golden check same" 0 $?
"$wdsim" golden update --dir "$out/g" >"$out/u2" 2>&1; check "golden update again" 0 $?
expect "unchanged" "two_requests: unchanged (127 events)" "$out/u2"
printf 'system:\n  pcie:\n    lanes: 8\n' >>"$out/g/two_requests.yaml"
"$wdsim" golden check --dir "$out/g" --mode exact >"$out/c2" 2>&1; check "golden check differs" 1 $?
"$wdsim" golden update --dir "$out/g" >"$out/u3" 2>&1; check "golden update timing change" 0 $?
expect "only timestamps" "the same protocol; only timestamps changed" "$out/u3"
"$wdsim" golden check --dir "$out/g" nosuch >"$out/c3" 2>&1; check "unknown golden" 2 $?

rm -rf "$out"
exit $fail
