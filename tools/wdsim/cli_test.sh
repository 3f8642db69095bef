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
[ ! -e "$out/bad" ]; check "nothing ran, no output folder" 0 $?

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
grep -q '^sweep: 1/2 points done, .* s elapsed, about .* s left$' "$out/stderr" &&
  grep -q '^sweep: 2/2 points done, .* s elapsed, about 0 s left$' "$out/stderr"
check "sweep progress on stderr as each point ends" 0 $?
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
# report.html of the sweep: the compare metrics against the swept key, and each point's own.
grep -q 'aria-label="mean_us against entries"' "$out/sweep/report.html"
check "sweep report.html charts mean_us against the swept key" 0 $?
grep -q '<h3>compare</h3>' "$out/sweep/point-000/report.html"
check "each point writes its report.html" 0 $?
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

# Bad input of every kind: exit 2, a message naming where (file:line:column or the --set
# argument) and the key, and no output folder.
bad() {  # bad NAME EXPECTED_STDERR_TEXT ARGS... (the output folder is $out/b)
  local name=$1 text=$2
  shift 2
  rm -rf "$out/b"
  timeout 60 "$wdsim" run "$@" --out "$out/b" >"$out/stdout" 2>"$out/stderr"
  local rc=$?
  check "$name exits 2" 2 $rc
  grep -qF -- "$text" "$out/stderr"
  local found=$?
  [ $found = 0 ] || echo "  stderr: $(head -c 400 "$out/stderr")"
  check "$name: message names the place: $text" 0 $found
  [ ! -e "$out/b" ]; check "$name: no output folder" 0 $?
}
printf 'a: &a [*a]\n' >"$out/rec.yaml"
bad "an alias that contains itself" "rec.yaml:1:4: a.0: an alias inside the value it names" \
  "$out/rec.yaml"
long=$(printf 'a%.0s.' $(seq 1 20000))a
bad "a --set key of 20,000 components" "a key path of 20001 components (at most 64)" \
  "$scenarios/golden/two_requests.yaml" --set "$long=1"
# 504 bytes: nine levels of nine aliases, 9^9 values once expanded.
{
  echo 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
  prev=a
  for l in b c d e f g h i; do
    echo "$l: &$l [*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev]"
    prev=$l
  done
} >"$out/bomb.yaml"
bad "an alias bomb" "keys and values with every alias expanded (an alias bomb?)" "$out/bomb.yaml"
grep -qF "bomb.yaml:" "$out/stderr"; check "the alias bomb's file named" 0 $?
bad "/dev/zero" "/dev/zero: is not a regular file" /dev/zero
bad "a directory" "$out: is a directory, not a scenario file" "$out"
bad "/proc/self/mem" "/proc/self/mem: cannot read scenario file" /proc/self/mem
head -c 5000000 /dev/zero | tr '\0' '#' >"$out/huge.yaml"
bad "a file over the size limit" "huge.yaml: larger than 4194304 bytes" "$out/huge.yaml"
printf 'seed: 1\nseed: 2\n' >"$out/dup.yaml"
bad "a key given twice" "dup.yaml:2:1: seed: key given twice (first at $out/dup.yaml:1:1)" \
  "$out/dup.yaml"
printf 'processes:\n  - threads: [{compare: {requests: 1}}]\nprocesses:\n  - name: x\n' \
  >"$out/dup2.yaml"
bad "a section given twice" "dup2.yaml:3:1: processes: key given twice" "$out/dup2.yaml"
printf 'workload:\n  requests: 5\nworkload:\n  requests: 6\n' >"$out/dup3.yaml"
bad "a second workload section" "dup3.yaml:3:1: workload: key given twice" "$out/dup3.yaml"
printf 'seed: 1\n---\nseed: 2\n' >"$out/docs.yaml"
bad "a second YAML document" "docs.yaml:3:1: a second YAML document" "$out/docs.yaml"
printf '~: 1\n' >"$out/nullkey.yaml"
bad "a null key" "nullkey.yaml:1:1: a key that is null" "$out/nullkey.yaml"
printf '? [a, b]\n: 1\n' >"$out/mapkey.yaml"
bad "a list as key" "mapkey.yaml:1:3: a key that is a map or a list" "$out/mapkey.yaml"
printf "seed: ' -1'\n" >"$out/minus.yaml"
bad "a uint written ' -1'" "minus.yaml:1:7: seed: expected uint, got ' -1'" "$out/minus.yaml"
bad "--seed 2^64" "--seed 18446744073709551616: out of range" \
  "$scenarios/golden/two_requests.yaml" --seed 18446744073709551616
bad "--seed 0" "--seed 0: 0 is not a seed" "$scenarios/golden/two_requests.yaml" --seed 0
bad "a size with a leading zero" "compare.sizes.0: value 010 has a leading zero" \
  "$scenarios/golden/two_requests.yaml" --set "processes.0.threads.0.compare.sizes=[010]"
bad "a missing file" "missing.yaml: cannot open scenario file: No such file or directory" \
  "$out/missing.yaml"
"$wdsim" run --no-such-flag "$scenarios/golden/two_requests.yaml" >/dev/null 2>&1
check "an unknown flag exits 2" 2 $?
"$wdsim" run "$scenarios/golden/two_requests.yaml" --jobs 0 >/dev/null 2>&1
check "--jobs 0 exits 2" 2 $?
"$wdsim" bogus >/dev/null 2>&1; check "an unknown subcommand exits 2" 2 $?
"$wdsim" run "$scenarios/golden/two_requests.yaml" --check >"$out/stdout" 2>"$out/stderr"
check "--check exits 0" 0 $?
[ ! -e wdsim_out ] && [ ! -s "$out/stderr" ]; check "--check writes nothing" 0 $?

# No SystemC banner on stderr.
"$wdsim" run "$scenarios/golden/two_requests.yaml" --out "$out/quiet" >/dev/null 2>"$out/stderr"
! grep -q "Copyright" "$out/stderr"; check "no SystemC banner" 0 $?

# An empty section is fine.
printf 'system: {}\noutput:\nprocesses:\n  - threads:\n      - compare: {paths: [doorbell], sizes: [256], requests: 1}\n' \
  >"$out/empty.yaml"
"$wdsim" run "$out/empty.yaml" --out "$out/empty" >/dev/null 2>"$out/stderr"
check "empty system and output sections run" 0 $?

# A reused output folder: an earlier run's files go (trace.json is not written this time);
# a folder holding anything wdsim did not write is refused and left as it is.
"$wdsim" run "$scenarios/golden/two_requests.yaml" --out "$out/quiet" \
  --set output.chrome_trace=false >/dev/null 2>&1
check "rerun into the same folder" 0 $?
[ -s "$out/quiet/trace.txt" ] && [ ! -e "$out/quiet/trace.json" ]
check "no stale file of the earlier run" 0 $?
mkdir -p "$out/mine" && echo keep >"$out/mine/notes.txt"
"$wdsim" run "$scenarios/golden/two_requests.yaml" --out "$out/mine" >/dev/null 2>"$out/stderr"
check "a folder of other files is refused" 2 $?
grep -qF "holds notes.txt, which wdsim did not write" "$out/stderr"; check "says why" 0 $?
[ "$(ls "$out/mine")" = notes.txt ]; check "the folder is left as it was" 0 $?

# Sweeps: the number of points is bounded; every point loads before any runs; batch and
# crypto sweeps gather sweep.csv.
{
  echo 'sweep:'
  for k in system.smmu.iotlb.entries system.smmu.iotlb.ways processes.0.threads.0.compare.requests \
    system.host.syscall_entry_ns processes.0.threads.0.compare.warmup_requests seed; do
    echo "  $k: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"
  done
} >"$out/big_sweep.yaml"
bad "a sweep of 10^6 points" "the sweep has more than 4096 points" "$out/big_sweep.yaml"
printf 'sweep:\n  system.pcie.lanes: [4, 3]\n' >"$out/badsweep2.yaml"
bad "a bad sweep point" "sweep point-001: --set system.pcie.lanes=3: system.pcie.lanes" \
  "$out/badsweep2.yaml"
printf 'system:\n  devices: [{kind: zip}, {kind: sec}]\nprocesses:\n  - threads:\n      - program: crypto\n        crypto: {algs: [sha256], modes: [sync], sizes: [1024], requests: 2, warmup_requests: 1}\noutput: {trace: false, chrome_trace: false}\nsweep:\n  system.smmu.iotlb.entries: [8, 32]\n' \
  >"$out/csweep.yaml"
"$wdsim" run "$out/csweep.yaml" --out "$out/csweep" >/dev/null 2>"$out/stderr"
check "a crypto sweep runs" 0 $?
[ "$(grep -c '^crypto,' "$out/csweep/sweep.csv")" = 2 ]; check "crypto sweep.csv rows" 0 $?
printf 'processes:\n  - threads:\n      - program: batch\n        batch: {sizes: [1024], depths: [1], requests: 4, warmup_requests: 1}\noutput: {trace: false, chrome_trace: false}\nsweep:\n  processes.0.threads.0.batch.depths: [[1], [2, 4]]\n' \
  >"$out/bsweep.yaml"
"$wdsim" run "$out/bsweep.yaml" --out "$out/bsweep" >/dev/null 2>"$out/stderr"
check "a batch sweep runs" 0 $?
[ "$(grep -c '^batch,' "$out/bsweep/sweep.csv")" = 3 ]; check "batch sweep.csv rows" 0 $?
[ -e "$out/bsweep/point-000/stdout.txt" ] && [ -e "$out/bsweep/point-000/stderr.txt" ]
check "a sweep point keeps its logs" 0 $?
# Rerunning a sweep into its folder replaces it (point folders are wdsim's).
"$wdsim" run "$out/bsweep.yaml" --out "$out/bsweep" >/dev/null 2>"$out/stderr"
check "a sweep reruns into its folder" 0 $?
# A check made only when the system is built: still exit 2, and no folder left.
"$wdsim" run "$scenarios/golden/two_requests.yaml" --set system.smmu.iotlb.entries=7 \
  --out "$out/late/x" >/dev/null 2>"$out/stderr"
check "a bad combination found when building exits 2" 2 $?
[ ! -e "$out/late" ]; check "and leaves no output folder" 0 $?

# Presets: describe shows each value, where it is set and its source; a scenario uses one.
"$wdsim" describe --preset kunpeng920 >"$out/preset" 2>"$out/stderr"
check "describe --preset kunpeng920" 0 $?
grep -q '^    from scenarios/presets/kunpeng920.yaml:[0-9]*:[0-9]*$' "$out/preset"
check "describe --preset names where each value is set" 0 $?
[ "$(grep -c '^    source: ' "$out/preset")" = "$(grep -c '^    from ' "$out/preset")" ]
check "describe --preset gives every value a source" 0 $?
"$wdsim" describe --preset kunpeng921 >/dev/null 2>"$out/stderr"
check "describe --preset of an unknown preset" 2 $?
grep -q "no preset named 'kunpeng921' (built in: .*kunpeng920" "$out/stderr"
check "names the built-in presets" 0 $?
printf 'preset: kunpeng920\noutput: {trace: false, chrome_trace: false}\n' >"$out/kp.yaml"
"$wdsim" run "$out/kp.yaml" --check >/dev/null 2>"$out/stderr"
check "a scenario with preset: kunpeng920 loads" 0 $?

rm -rf "$out"
exit $fail
