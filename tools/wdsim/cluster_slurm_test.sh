#!/usr/bin/env bash
# Sweeps through Slurm: tools/slurm_localhost.sh starts a one-node Slurm on this machine,
# `wdsim run --emit slurm` writes the job-array script, `sbatch --wait` runs it, and
# `wdsim gather` gives the same sweep table, sweep.csv and report.html as the local runner; a
# sweep whose points fail is gathered as failed. When Slurm cannot start here (not root, not
# installed, the node not up within a minute) the test prints a SKIP line saying why and
# exits 0.
set -u
wdsim="$1"
scenario="$2"
slurm_localhost="$3"
out=$(mktemp -d)
fail=0
check() {  # check NAME EXPECTED_RC ACTUAL_RC
  if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, expected $2"; fail=1; else echo "ok: $1"; fi
}
skip() { echo "SKIP: cluster_slurm_test: $1"; rm -rf "$out"; exit 0; }
# Seconds an sbatch --wait may take (Slurm polls a finished array every few seconds).
sbatch_limit_seconds=90

[ "$(id -u)" = 0 ] || skip "not root (the one-node Slurm runs its daemons as root)"
PATH="$PATH:/usr/sbin"
for b in munged slurmctld slurmd sbatch sinfo; do
  command -v "$b" >/dev/null || skip "$b is not installed (tools/install_deps.sh installs slurm-wlm and munge)"
done
# The cluster's folder under /tmp: munged's socket path must stay short (a Unix socket path
# holds at most 107 bytes; Bazel's TEST_TMPDIR can be longer).
cluster=$(mktemp -d /tmp/wdsim-slurm.XXXXXX) && rmdir "$cluster"
trap '"$slurm_localhost" stop "$cluster"; rm -rf "$out" "$cluster"' EXIT
trap 'exit 1' INT TERM
WDSIM_SLURM_START_SECONDS=60 "$slurm_localhost" start "$cluster" >"$out/start.log" 2>&1 ||
  skip "the one-node Slurm did not start: $(tr '\n' ' ' <"$out/start.log")"
cat "$out/start.log"
export SLURM_CONF="$cluster/slurm.conf"

"$wdsim" run "$scenario" --out "$out/local" >"$out/local.stdout" 2>/dev/null
check "the local sweep runs" 0 $?
"$wdsim" run "$scenario" --emit slurm "$out/S" >"$out/emit.stdout" 2>"$out/stderr"
check "--emit slurm OUT" 0 $?
[ "$(ls "$out/S" | tr '\n' ' ')" = "sweep.json sweep.sbatch " ] && [ -x "$out/S/sweep.sbatch" ]
check "emitting writes the sbatch script and manifest, runs nothing" 0 $?
grep -q '^#SBATCH --array=0-3%2$' "$out/S/sweep.sbatch"
check "one array task per point, --jobs at once" 0 $?
grep -qF "submit:  sbatch '$out/S/sweep.sbatch'" "$out/emit.stdout"; check "says how to submit" 0 $?
t0=$SECONDS
(cd / && timeout "$sbatch_limit_seconds" sbatch --wait "$out/S/sweep.sbatch") >"$out/sbatch.log" 2>&1
check "sbatch --wait runs the job array (in $((SECONDS - t0)) s)" 0 $?
"$wdsim" gather "$out/S" >"$out/gather.stdout" 2>"$out/stderr"
check "gather after Slurm" 0 $?
cmp "$out/local/sweep.csv" "$out/S/sweep.csv"; check "sweep.csv is byte-identical to the local run's" 0 $?
cmp "$out/local/report.html" "$out/S/report.html"; check "so is report.html" 0 $?
diff <(sed '$d' "$out/local.stdout") <(sed '$d' "$out/gather.stdout")
check "so is the sweep table (but the line naming the folder)" 0 $?
for i in 000 001 002 003; do
  cmp "$out/local/point-$i/stats.json" "$out/S/point-$i/stats.json" &&
    grep -q '"exit_code": 0' "$out/S/point-$i/status.json" && [ -e "$out/S/point-$i/stderr.txt" ]
  check "point-$i: same stats.json, status.json exit 0, its logs" 0 $?
done

"$wdsim" run "$scenario" --emit slurm "$out/F" --jobs 4 --set run.max_sim_time_ms=0.001 \
  >/dev/null 2>&1
check "--emit slurm --jobs 4" 0 $?
grep -q '^#SBATCH --array=0-3%4$' "$out/F/sweep.sbatch"; check "four at once" 0 $?
t0=$SECONDS
(cd / && timeout "$sbatch_limit_seconds" sbatch --wait "$out/F/sweep.sbatch") >"$out/sbatch.log" 2>&1
check "sbatch --wait reports the failed tasks (in $((SECONDS - t0)) s)" 1 $?
"$wdsim" gather "$out/F" >"$out/gather.stdout" 2>"$out/stderr"
check "gather with failed points" 1 $?
[ "$(grep -c '^point-00[0-3] failed (exit 1): see ' "$out/gather.stdout")" = 4 ] &&
  grep -q 'watchdog: run.max_sim_time_ms' "$out/F/point-000/stderr.txt"
check "names each failed point and its log says why" 0 $?

exit $fail
