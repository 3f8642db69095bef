#!/usr/bin/env bash
# The CLI's contract: exit 0 on success, 2 on bad input (naming file:line:column and key),
# 1 on a simulation error; --version; describe; results on stdout, diagnostics on stderr.
set -u
wdsim="$1"
scenarios="$2"
out=$(mktemp -d)
fail=0
check() {  # check NAME EXPECTED_RC ACTUAL_RC
  if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, expected $2"; fail=1; else echo "ok: $1"; fi
}

"$wdsim" --version | grep -q '^wdsim ' ; check "--version" 0 $?

"$wdsim" run "$scenarios/golden_two_requests.yaml" --out "$out/ok" >"$out/stdout" 2>"$out/stderr"
check "run golden scenario" 0 $?
grep -q "syscall / doorbell mean latency" "$out/stdout"; check "table on stdout" 0 $?
for f in stats.json stats.csv trace.txt host_speed.json; do
  [ -s "$out/ok/$f" ]; check "writes $f" 0 $?
done

printf 'workload:\n  requests: lots\n' >"$out/bad.yaml"
"$wdsim" run "$out/bad.yaml" --out "$out/bad" >"$out/stdout" 2>"$out/stderr"
check "wrong type exits 2" 2 $?
grep -q "bad.yaml:2:13: workload.requests: expected uint, got 'lots'" "$out/stderr"
check "error names file:line:column and key" 0 $?
[ ! -e "$out/bad/stats.json" ]; check "nothing ran" 0 $?

"$wdsim" run "$out/missing.yaml" >/dev/null 2>&1; check "missing file exits 2" 2 $?
"$wdsim" run "$scenarios/golden_two_requests.yaml" --set system.pcie.lanes=3 --out "$out/x" \
  >/dev/null 2>"$out/stderr"
check "out-of-range --set exits 2" 2 $?
"$wdsim" run >/dev/null 2>&1; check "missing argument exits 2" 2 $?
"$wdsim" run --help | grep -q -- "--set"; check "run --help" 0 $?

"$wdsim" run "$scenarios/golden_two_requests.yaml" --out "$out/err" \
  --set system.zip.max_bytes_per_request=16 >/dev/null 2>"$out/stderr"
check "simulation error exits 1" 1 $?
grep -q "simulation error" "$out/stderr"; check "simulation error on stderr" 0 $?

"$wdsim" describe smmu | grep -q "system.smmu.iotlb.entries"; check "describe smmu" 0 $?
"$wdsim" describe no_such_block >/dev/null 2>&1; check "describe unknown exits 2" 2 $?

printf 'workload:\n  paths: [doorbell]\n  sizes: [256]\n  requests: 2\noutput:\n  trace: false\nsweep:\n  system.smmu.iotlb.entries: [8, 32]\n' >"$out/sweep.yaml"
"$wdsim" run "$out/sweep.yaml" --out "$out/sweep" >"$out/stdout" 2>"$out/stderr"
check "sweep runs every point" 0 $?
[ -s "$out/sweep/point-000/stats.json" ] && [ -s "$out/sweep/point-001/stats.json" ]
check "sweep writes each point's stats" 0 $?
[ "$(wc -l <"$out/sweep/sweep.csv")" = 3 ]; check "sweep.csv has a row per point" 0 $?
printf 'sweep:\n  system.pcie.lanes: [4, 3]\n' >"$out/badsweep.yaml"
"$wdsim" run "$out/badsweep.yaml" --out "$out/bs" >/dev/null 2>"$out/stderr"
check "a bad sweep point exits 2 before running" 2 $?
grep -q "point-001" "$out/stderr"; check "names the bad point" 0 $?

rm -rf "$out"
exit $fail
