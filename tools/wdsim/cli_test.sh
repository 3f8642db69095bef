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

"$wdsim" run "$scenarios/golden/two_requests.yaml" --out "$out/ok" >"$out/stdout" 2>"$out/stderr"
check "run golden scenario" 0 $?
grep -q "syscall / doorbell mean latency" "$out/stdout"; check "table on stdout" 0 $?
for f in stats.json stats.csv summary.json trace.txt host_speed.json; do
  [ -s "$out/ok/$f" ]; check "writes $f" 0 $?
done
for k in host_cpu_seconds wall_seconds simulated_requests simulated_seconds \
  requests_per_host_cpu_second peak_rss_bytes; do
  grep -q "\"$k\": " "$out/ok/host_speed.json"; check "host_speed.json has $k" 0 $?
done
grep -q '"simulated_requests": 2,' "$out/ok/host_speed.json"
check "host_speed.json counts the measured requests" 0 $?
# The same scenario and seed give byte-identical outputs, all but host_speed.json (it measures
# the host, so it differs by nature).
"$wdsim" run "$scenarios/golden/two_requests.yaml" --out "$out/ok2" >/dev/null 2>&1
for f in stats.json stats.csv summary.json trace.txt; do
  cmp -s "$out/ok/$f" "$out/ok2/$f"; check "$f byte-identical across runs" 0 $?
done
[ ! -e "$out/ok/requests.csv" ]; check "no requests.csv unless output.requests" 0 $?
"$wdsim" run "$scenarios/golden/two_requests.yaml" --set output.requests=true --out "$out/req" \
  >/dev/null 2>"$out/stderr"
check "run with output.requests" 0 $?
head -1 "$out/req/requests.csv" | grep -q '^process,thread,program,point,size,request,'
check "requests.csv header" 0 $?
# The golden scenario measures one request per path.
[ "$(grep -c '^app,app/main,compare,\(doorbell\|syscall\),4096,0,' "$out/req/requests.csv")" = 2 ]
check "requests.csv: a row per measured request" 0 $?
cmp -s "$out/ok/stats.json" "$out/req/stats.json"; check "rows change no stat" 0 $?

printf 'processes:\n  - threads:\n      - compare:\n          requests: lots\n' >"$out/bad.yaml"
"$wdsim" run "$out/bad.yaml" --out "$out/bad" >"$out/stdout" 2>"$out/stderr"
check "wrong type exits 2" 2 $?
grep -qF "bad.yaml:4:21: processes.0.threads.0.compare.requests: expected uint, got 'lots'" \
  "$out/stderr"
check "error names file:line:column and key" 0 $?
[ ! -e "$out/bad/stats.json" ]; check "nothing ran" 0 $?

# The format before the system layer: an error that says what replaced it.
printf 'workload:\n  requests: 5\n' >"$out/old.yaml"
"$wdsim" run "$out/old.yaml" --out "$out/old" >/dev/null 2>"$out/stderr"
check "old key exits 2" 2 $?
grep -qF "old.yaml:2:3: workload: replaced by processes[].threads[]" "$out/stderr"
check "old key says what replaced it" 0 $?
"$wdsim" run "$scenarios/golden/two_requests.yaml" --set system.qm.ats=true --out "$out/old2" \
  >/dev/null 2>"$out/stderr"
check "old key from --set exits 2" 2 $?
grep -qF -- "--set system.qm.ats=true: system.qm: replaced by system.devices[].qm" "$out/stderr"
check "old key from --set names the override" 0 $?

"$wdsim" run "$out/missing.yaml" >/dev/null 2>&1; check "missing file exits 2" 2 $?
"$wdsim" run "$scenarios/golden/two_requests.yaml" --set system.pcie.lanes=3 --out "$out/x" \
  >/dev/null 2>"$out/stderr"
check "out-of-range --set exits 2" 2 $?
"$wdsim" run >/dev/null 2>&1; check "missing argument exits 2" 2 $?
"$wdsim" run --help | grep -q -- "--set"; check "run --help" 0 $?

"$wdsim" run "$scenarios/golden/two_requests.yaml" --out "$out/err" \
  --set system.devices.0.zip.max_bytes_per_request=16 >/dev/null 2>"$out/stderr"
check "simulation error exits 1" 1 $?
grep -q "simulation error" "$out/stderr"; check "simulation error on stderr" 0 $?

"$wdsim" describe smmu | grep -q "system.smmu.iotlb.entries"; check "describe smmu" 0 $?
"$wdsim" describe no_such_block >/dev/null 2>&1; check "describe unknown exits 2" 2 $?
# After the parameters, the stats of the default system (one device of each kind).
"$wdsim" describe smmu >"$out/describe" 2>/dev/null; check "describe smmu exits 0" 0 $?
grep -qE '^  smmu\.walk_latency_ns +histogram +ns +Walk time' "$out/describe"
check "describe smmu lists its stats: key, kind, unit, description" 0 $?
grep -q '^  zip\.' "$out/describe"; check "describe smmu lists no other block's stats" 1 $?
"$wdsim" describe >"$out/describe" 2>/dev/null
grep -qE '^  zip\.requests +counter +- ' "$out/describe" &&
  grep -qE '^  sec\.requests +counter +- ' "$out/describe"
check "describe lists every kind's engine stats" 0 $?
"$wdsim" describe zip --stats-json >"$out/stats_list.json" 2>/dev/null
check "describe --stats-json exits 0" 0 $?
grep -qF '"key": "zip.queued_ns",' "$out/stats_list.json" &&
  grep -qF '"kind": "histogram",' "$out/stats_list.json" &&
  ! grep -q "system.devices" "$out/stats_list.json"
check "describe --stats-json: the stats alone, as JSON" 0 $?

printf 'processes:\n  - threads:\n      - compare: {paths: [doorbell], sizes: [256], requests: 2}\noutput:\n  trace: false\nsweep:\n  system.smmu.iotlb.entries: [8, 32]\n' >"$out/sweep.yaml"
"$wdsim" run "$out/sweep.yaml" --out "$out/sweep" >"$out/stdout" 2>"$out/stderr"
check "sweep runs every point" 0 $?
[ -s "$out/sweep/point-000/stats.json" ] && [ -s "$out/sweep/point-001/stats.json" ]
check "sweep writes each point's stats" 0 $?
[ -s "$out/sweep/point-000/summary.json" ] && [ -s "$out/sweep/point-001/summary.json" ]
check "sweep writes each point's summary.json" 0 $?
[ -s "$out/sweep/point-000/host_speed.json" ] && grep -q '"points": 2,' "$out/sweep/host_speed.json"
check "sweep writes each point's host_speed.json and its own" 0 $?
# sweep.csv: one block per table kind, a header line starting with `table,` then its rows
# (one compare row per point here: one path, one size).
[ "$(wc -l <"$out/sweep/sweep.csv")" = 3 ]; check "sweep.csv: header + a row per point" 0 $?
head -1 "$out/sweep/sweep.csv" | grep -q '^table,point,entries,path,size,requests,'
check "sweep.csv header names the table, point, swept key and the table's columns" 0 $?
[ "$(grep -c '^compare,"point-00[01]","\(8\|32\)","doorbell","256","2",' "$out/sweep/sweep.csv")" = 2 ]
check "sweep.csv rows: table kind, point, swept value, the compare row" 0 $?
# Two program kinds (two processes): two blocks, each with its header.
printf 'processes:\n  - name: c\n    threads:\n      - compare: {paths: [doorbell], sizes: [256], requests: 2}\n  - name: b\n    threads:\n      - program: batch\n        batch: {sizes: [1024], depths: [1, 2], requests: 4, warmup_requests: 1}\noutput:\n  trace: false\n  chrome_trace: false\nsweep:\n  system.smmu.iotlb.entries: [8, 32]\n' >"$out/sweep2.yaml"
"$wdsim" run "$out/sweep2.yaml" --out "$out/sweep2" >"$out/stdout" 2>"$out/stderr"
check "sweep of two program kinds runs" 0 $?
[ "$(grep -c '^table,' "$out/sweep2/sweep.csv")" = 2 ]; check "sweep.csv: a header per table kind" 0 $?
[ "$(grep -c '^compare,' "$out/sweep2/sweep.csv")" = 2 ]; check "sweep.csv: compare rows" 0 $?
# batch: 2 depths per point.
[ "$(grep -c '^batch,' "$out/sweep2/sweep.csv")" = 4 ]; check "sweep.csv: batch rows" 0 $?
grep -q '^table,point,entries,process,size,queues,depth,' "$out/sweep2/sweep.csv"
check "sweep.csv: the batch block's header" 0 $?
printf 'sweep:\n  system.pcie.lanes: [4, 3]\n' >"$out/badsweep.yaml"
"$wdsim" run "$out/badsweep.yaml" --out "$out/bs" >/dev/null 2>"$out/stderr"
check "a bad sweep point exits 2 before running" 2 $?
grep -q "point-001" "$out/stderr"; check "names the bad point" 0 $?

rm -rf "$out"
exit $fail
