#!/usr/bin/env bash
# The CLI on values the simulated system cannot take (exit 2 at load, the --set named, nothing
# written, also inside a sweep) and on a simulated system that fails (exit 1, the message says
# what failed: a watchdog, a CMD_SYNC timeout, a request that did not complete).
set -u
wdsim="$1"
out=$(mktemp -d)
fail=0
check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" != "$3" ]; then echo "FAIL: $1: got $3, expected $2"; fail=1; else echo "ok: $1"; fi
}
cat >"$out/b.yaml" <<'EOF'
seed: 1
processes:
  - name: app
    threads:
      - program: compare
        compare: {paths: [doorbell], sizes: [4096], requests: 1, warmup_requests: 0}
EOF

# bad SET KEY TEXT: exit 2, "--set SET: KEY: ...TEXT...", no output folder.
bad() {
  local dir="$out/bad$RANDOM"
  "$wdsim" run "$out/b.yaml" --set "$1" --out "$dir" >/dev/null 2>"$out/stderr"
  check "$1 exits 2" 2 $?
  grep -qF -- "--set $1: $2: " "$out/stderr"; check "$1 names the --set and $2" 0 $?
  grep -qF -- "$3" "$out/stderr"; check "$1 says '$3'" 0 $?
  [ ! -e "$dir" ]; check "$1 writes nothing" 0 $?
}
bad system.smmu.iotlb.entries=510 system.smmu.iotlb.entries "multiple of ways (4)"
bad system.smmu.utlb.ways=5 system.smmu.utlb.ways "entries (32) must be a multiple of ways (5)"
bad system.smmu.walk_cache.l1_entries=30 system.smmu.walk_cache.l1_entries "multiple of ways"
bad system.devices.0.qm.atc.ways=3 system.devices.0.qm.atc.ways "multiple of ways (3)"
bad system.devices.0.qm.sqe_size_bytes=64 system.devices.0.qm.sqe_size_bytes "[128, 128]"
bad system.dram.size_bytes=16777217 system.dram.size_bytes "multiple of 4 KiB"
bad system.dram.interleave_bytes=100 system.dram.interleave_bytes "power of two"
bad system.devices.0.qm.stream_id=65536 system.devices.0.qm.stream_id "out of range"
bad system.devices.0.qm.db_isolation_base=16385 system.devices.0.qm.db_isolation_base \
  "out of range"
bad system.smmu.cmdq.max_log2_entries=2 system.smmu.cmdq.max_log2_entries \
  "more than 64 entries"
bad system.root_complex.msi_size=0 system.root_complex.msi_size "out of range"
bad system.devices.0.zip.setup_latency_ns=1.8e19 system.devices.0.zip.setup_latency_ns \
  "out of range"

"$wdsim" run "$out/b.yaml" --set system.devices.0.qm.ats=true --set system.smmu.ats.enabled=false \
  --out "$out/ats" >/dev/null 2>"$out/stderr"
check "ATS endpoint without the SMMU's ATS exits 2" 2 $?
grep -qF "system.devices.0.qm.ats: system.devices.0 is an ATS endpoint (qm.ats: true) but the SMMU" \
  "$out/stderr"
check "ATS contradiction says so" 0 $?

# A sweep over bad values is caught at load: no point runs.
cat >"$out/sweep.yaml" <<'EOF'
seed: 1
processes:
  - name: app
    threads:
      - program: compare
        compare: {paths: [doorbell], sizes: [4096], requests: 1, warmup_requests: 0}
sweep:
  system.smmu.iotlb.entries: [512, 510]
EOF
"$wdsim" run "$out/sweep.yaml" --out "$out/sweep" >/dev/null 2>"$out/stderr"
check "sweep over a bad cache shape exits 2" 2 $?
grep -qF "system.smmu.iotlb.entries" "$out/stderr"; check "sweep error names the key" 0 $?
[ ! -e "$out/sweep/point-000" ]; check "no sweep point ran" 0 $?

# The documented minimum memory runs.
"$wdsim" run "$out/b.yaml" --set system.dram.size_bytes=16777216 --out "$out/min" \
  >/dev/null 2>"$out/stderr"
check "dram.size_bytes at its minimum runs" 0 $?

# sim SET... -- TEXT: exit 1 and stderr says TEXT.
sim() {
  local text="${*: -1}" args=() a
  for a in "${@:1:$#-1}"; do args+=(--set "$a"); done
  "$wdsim" run "$out/b.yaml" "${args[@]}" --out "$out/sim$RANDOM" >/dev/null 2>"$out/stderr"
  check "${*:1:$#-1} exits 1" 1 $?
  grep -qF -- "$text" "$out/stderr"; check "${*:1:$#-1} says '$text'" 0 $?
}
sim run.max_sim_time_ms=0.001 \
  "watchdog: run.max_sim_time_ms (0.001 ms of simulated time) reached at simulated time"
sim run.max_host_seconds=0 "watchdog: run.max_host_seconds (0 s of host time) reached"
sim system.smmu.cmdq.sync_cost_ns=1e12 system.host.smmu_poll_timeout_us=1000 \
  "SMMU driver: CMD_SYNC timeout after 1000 us"
sim system.devices.0.zip.setup_latency_ns=2000000000 "app/main: "
# Two doorbell compare entries of one process at once: UADK's wd_comp state is per process, so
# the second's wd_comp_init2 waits for the first's and fails with -WD_EEXIST (it once crashed
# the simulator while the first was still initialising).
sim processes.0.threads.1.name=b processes.0.threads.1.program=compare \
  "processes.0.threads.1.compare.paths=[doorbell]" processes.0.threads.1.compare.requests=1 \
  processes.0.threads.1.compare.warmup_requests=0 \
  "app/b: doorbell path: wd_comp init failed (-17) (wd_comp_init2: already initialised)"

rm -rf "$out"
exit $fail
