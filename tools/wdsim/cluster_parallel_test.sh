#!/usr/bin/env bash
# Sweeps through GNU parallel: `wdsim run --emit parallel` writes the job list and manifest and
# runs nothing; Debian's parallel runs the list; `wdsim gather` then gives the same sweep table,
# sweep.csv and report.html as the local runner (host timings aside), and names missing and
# failed points. Paths with a space and a quote check the job list's quoting.
set -u
wdsim="$1"
scenario="$2"
out=$(mktemp -d)
export HOME="${TEST_TMPDIR:-$out}"  # parallel keeps its state in ~/.parallel
fail=0
check() {  # check NAME EXPECTED_RC ACTUAL_RC
  if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, expected $2"; fail=1; else echo "ok: $1"; fi
}
if ! command -v parallel >/dev/null; then
  echo "FAIL: GNU parallel is not installed (tools/install_deps.sh installs it)"
  exit 1
fi
dir="$out/it's a dir"
mkdir -p "$dir" && cp "$scenario" "$dir/sweep.yaml"

"$wdsim" run "$dir/sweep.yaml" --out "$out/local" >"$out/local.stdout" 2>/dev/null
check "the local sweep runs" 0 $?

"$wdsim" run "$dir/sweep.yaml" --emit parallel "$dir/P" >"$out/emit.stdout" 2>"$out/stderr"
check "--emit parallel OUT" 0 $?
[ "$(ls "$dir/P" | tr '\n' ' ')" = "parallel_jobs.txt sweep.json " ]
check "emitting writes the job list and manifest, runs nothing" 0 $?
[ "$(wc -l <"$dir/P/parallel_jobs.txt")" = 4 ]; check "one job line per point" 0 $?
grep -qF "run:     parallel --jobs 2 < '$out/it'\\''s a dir/P/parallel_jobs.txt'" "$out/emit.stdout"
check "says how to run it" 0 $?
grep -q "gather '$out/it'\\\\''s a dir/P'" "$out/emit.stdout"; check "and how to gather" 0 $?
grep -qF "\"scenario\": \"$dir/sweep.yaml\"" "$dir/P/sweep.json"
check "the manifest names the scenario by its absolute path" 0 $?
grep -qF "\"wdsim\": \"/" "$dir/P/sweep.json"; check "and wdsim by its absolute path" 0 $?

(cd / && parallel --jobs 2 <"$dir/P/parallel_jobs.txt")
check "parallel runs the job list" 0 $?
"$wdsim" gather "$dir/P" >"$out/gather.stdout" 2>"$out/stderr"
check "gather after parallel" 0 $?
cmp "$out/local/sweep.csv" "$dir/P/sweep.csv"; check "sweep.csv is byte-identical to the local run's" 0 $?
cmp "$out/local/report.html" "$dir/P/report.html"; check "so is report.html" 0 $?
diff <(sed '$d' "$out/local.stdout") <(sed '$d' "$out/gather.stdout")
check "so is the sweep table (but the line naming the folder)" 0 $?
for i in 000 001 002 003; do
  cmp "$out/local/point-$i/stats.json" "$dir/P/point-$i/stats.json" &&
    grep -q '"exit_code": 0' "$dir/P/point-$i/status.json" && [ -e "$dir/P/point-$i/stdout.txt" ] &&
    [ -e "$dir/P/point-$i/stderr.txt" ]
  check "point-$i: same stats.json, status.json exit 0, its logs" 0 $?
done
req() { sed -n 's/.*"simulated_requests": \([0-9]*\).*/\1/p' "$1"; }
[ "$(req "$dir/P/host_speed.json")" = "$(req "$out/local/host_speed.json")" ] &&
  grep -q '"points": 4,' "$dir/P/host_speed.json" && grep -q '"jobs": 2,' "$dir/P/host_speed.json"
check "the sweep's host_speed.json counts the same points and requests" 0 $?

# A point that is gone, then one that failed: named, exit 1, the others still gathered.
mv "$dir/P/point-002" "$out/point-002"
"$wdsim" gather "$dir/P" >"$out/gather.stdout" 2>"$out/stderr"
check "gather with a missing point" 1 $?
grep -q '^point-002 missing (no folder: the point has not started): see ' "$out/gather.stdout"
check "names the missing point" 0 $?
[ "$(grep -c '^compare,"point-00[013]"' "$dir/P/sweep.csv")" = 6 ] &&
  ! grep -q 'point-002' "$dir/P/sweep.csv"
check "and gathers the others" 0 $?
mv "$out/point-002" "$dir/P/point-002" && rm "$dir/P/point-002/status.json"
"$wdsim" gather "$dir/P" >"$out/gather.stdout" 2>"$out/stderr"
check "gather with a point that left no status.json" 1 $?
grep -q '^point-002 missing (no status.json: not run yet, still running' "$out/gather.stdout"
check "names it" 0 $?
grep -q '^wdsim gather: 3 of 4 points ok, 0 failed, 1 missing$' "$out/stderr"; check "counts" 0 $?
"$wdsim" run "$dir/sweep.yaml" --emit parallel --out "$out/F" --set run.max_sim_time_ms=0.001 \
  >/dev/null 2>&1
check "--emit parallel --out OUT" 0 $?
(cd / && parallel --jobs 2 <"$out/F/parallel_jobs.txt") >/dev/null 2>&1
check "parallel reports the failed points" 4 $?
"$wdsim" gather "$out/F" >"$out/gather.stdout" 2>"$out/stderr"
check "gather with failed points" 1 $?
grep -q '^point-003 failed (exit 1): see .*/F/point-003/stderr.txt$' "$out/gather.stdout" &&
  grep -q 'watchdog: run.max_sim_time_ms' "$out/F/point-003/stderr.txt"
check "names each failed point and its log says why" 0 $?
# Emitting again into a sweep's folder replaces it.
"$wdsim" run "$dir/sweep.yaml" --emit parallel --out "$out/F" >/dev/null 2>&1
check "re-emit into an emitted and run folder" 0 $?
[ "$(ls "$out/F" | tr '\n' ' ')" = "parallel_jobs.txt sweep.json " ]
check "and nothing of the earlier sweep stays" 0 $?

# Bad input: exit 2, nothing written.
mkdir -p "$out/mine" && echo keep >"$out/mine/notes.txt"
"$wdsim" run "$dir/sweep.yaml" --emit parallel "$out/mine" >/dev/null 2>"$out/stderr"
check "--emit into a folder of other files is refused" 2 $?
[ "$(ls "$out/mine")" = notes.txt ]; check "the folder is left as it was" 0 $?
printf 'sweep:\n  system.pcie.lanes: [4, 3]\n' >"$out/badsweep.yaml"
"$wdsim" run "$out/badsweep.yaml" --emit parallel "$out/bad" >/dev/null 2>"$out/stderr"
check "--emit validates every point" 2 $?
grep -q 'sweep point-001: --set system.pcie.lanes=3: ' "$out/stderr" && [ ! -e "$out/bad" ]
check "names the bad point and writes nothing" 0 $?
"$wdsim" run "$dir/sweep.yaml" --emit pbs "$out/pbs" >/dev/null 2>"$out/stderr"
check "--emit of an unknown kind" 2 $?
"$wdsim" run "$dir/sweep.yaml" --emit parallel "$out/a" --out "$out/b" >/dev/null 2>"$out/stderr"
check "--emit OUT and another --out" 2 $?
"$wdsim" run "$dir/sweep.yaml" --no-sweep --emit slurm "$out/one" >/dev/null 2>"$out/stderr"
check "--emit with --no-sweep" 2 $?
grep -q 'no points to emit' "$out/stderr" && [ ! -e "$out/one" ]; check "says why" 0 $?
"$wdsim" gather "$out/nothing" >/dev/null 2>"$out/stderr"
check "gather of no folder" 2 $?
"$wdsim" gather "$out/mine" >/dev/null 2>"$out/stderr"
check "gather of a folder with no sweep.json" 2 $?
grep -q 'mine/sweep.json: cannot read it' "$out/stderr"; check "says why" 0 $?
mkdir -p "$out/m" && echo '{"wdsim_sweep_format": 1, "name": "x", "jobs": 2, "axes": [{"keys": ["a"]}], "points": [{"folder": "point-000", "sets": [3]}]}' >"$out/m/sweep.json"
"$wdsim" gather "$out/m" >/dev/null 2>"$out/stderr"
check "gather of a malformed manifest" 2 $?
grep -q 'm/sweep.json: points\[0\].sets\[0\] is not a string' "$out/stderr"
check "names the bad field" 0 $?

rm -rf "$out"
exit $fail
