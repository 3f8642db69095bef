#!/usr/bin/env bash
# `wdsim cc` and `wdsim exec`: the test programs in testdata/exec build with `wdsim cc` and run
# as simulated processes; their output is checked against formulas (sleep = request + timer
# slack with the costs set to 0, wdsim_compute_ns moves the clock by its argument), exact counts
# (mutexes, spin locks, condition variables, join values), the device's round trips of malloc'd,
# stack, static and mmap'd buffers, UADK's error for unmapped buffers, exit statuses (the
# program's, 128 + signal, 125/126/127 for wdsim's own failures), and determinism (two runs give
# byte-identical stdout, trace and stats).
set -u
wdsim="$1"
scenario="$2"
testdata="$3"
out=$(mktemp -d)
fail=0
check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" != "$3" ]; then echo "FAIL: $1: got '$3', expected '$2'"; fail=1; else echo "ok: $1"; fi
}
for p in threads memory exits spin; do
  "$wdsim" cc "$testdata/$p.c" -o "$out/$p.so" -O1 -Wall -Wextra -Werror
  check "wdsim cc $p.c" 0 $?
done

# Threads and time. Costs 0 and no slack: a 100 us sleep is 100 us; with the default 50 us
# slack it is 150 us.
zero="--set processes.0.threads.0.exec.cpu_ns_per_call=0 --set system.host.sleep_ns=0 \
--set system.host.wakeup_ns=0 --set processes.0.threads.0.exec.ns_per_block=0"
# shellcheck disable=SC2086
"$wdsim" exec "$scenario" $zero --set processes.0.threads.0.exec.timer_slack_ns=0 \
  --out "$out/t0" -- "$out/threads.so" >"$out/t0.txt" 2>"$out/t0.err"
check "threads exit" 0 $?
check "usleep(100), no slack" "usleep100_ns=100000" "$(grep usleep100 "$out/t0.txt")"
check "wdsim_compute_ns(12345)" "compute_ns=12345" "$(grep compute_ns "$out/t0.txt")"
# shellcheck disable=SC2086
"$wdsim" exec "$scenario" $zero --out "$out/t1" -- "$out/threads.so" >"$out/t1.txt" 2>/dev/null
check "usleep(100) + 50 us slack" "usleep100_ns=150000" "$(grep usleep100 "$out/t1.txt")"
check "mutex, spin lock, join values" "counter=9 spin_counter=9 joined=90" \
  "$(grep ^counter "$out/t1.txt")"
check "condition variable" "consumed=4" "$(grep consumed "$out/t1.txt")"
check "timed wait ends at its deadline" "timedwait=ETIMEDOUT late_ns=0" \
  "$(grep ^timedwait "$out/t1.txt")"
check "broadcast wakes only the threads already waiting" \
  "broadcast_woke=1 late_waiter=ETIMEDOUT" "$(grep broadcast_woke "$out/t1.txt")"
check "semaphores: posts, trywait, timedwait at its deadline" \
  "sem_taken=3 value=0 trywait=EAGAIN timedwait=ETIMEDOUT late_ns=0" "$(grep sem_taken "$out/t1.txt")"
check "barrier: one serial thread, all leave after the last arrives" \
  "barrier_serial=1 left_after_last_arrival=1" "$(grep barrier_serial "$out/t1.txt")"
check "rwlock: shared readers, a writer waits, the owner's relock" \
  "rwlock: second_reader=0 trywrlock=EBUSY writer_waited=1 writer_done=1 relock=EDEADLK" \
  "$(grep rwlock: "$out/t1.txt")"
check "trylock of a held mutex" "trylock_held=EBUSY" "$(grep trylock "$out/t1.txt")"
check "main is thread 1" "self=1" "$(grep self= "$out/t1.txt")"
grep -q "11 thread(s)" "$out/t0.err"; check "summary on stderr counts the threads" 0 $?
[ -s "$out/t1/stats.json" ] && [ -s "$out/t1/trace.txt" ]; check "outputs written" 0 $?

# The program's own code: basic blocks at exec.ns_per_block each. A loop of 100,000 iterations
# is at least one block each, and its CPU time scales with the parameter; a loop polling an
# atomic another thread sets, with no call in it, ends.
loop_ns() {  # loop_ns NS_PER_BLOCK: the program's loop_cpu_ns
  "$wdsim" exec "$scenario" --set processes.0.threads.0.exec.cpu_ns_per_call=0 \
    --set processes.0.threads.0.exec.ns_per_block="$1" --out "$out/s$1" -- "$out/spin.so" \
    >"$out/s$1.txt" 2>"$out/s$1.err"
  sed -n 's/^loop_cpu_ns=//p' "$out/s$1.txt"
}
l1=$(loop_ns 1)
l2=$(loop_ns 2)
check "a polling loop with no call ends" "poll_loop_ended=1" "$(grep poll_loop "$out/s1.txt")"
[ "${l1:-0}" -ge 100000 ] && [ "${l1:-0}" -lt 1000000 ]
check "100,000 iterations at 1 ns per block: 0.1 to 1 ms ($l1 ns)" 0 $?
check "CPU time scales with ns_per_block" "$((2 * ${l1:-0}))" "${l2:-0}"
grep -q "code blocks" "$out/s1.err"; check "the summary counts code blocks" 0 $?

# Determinism: the same run twice.
"$wdsim" exec "$scenario" --out "$out/d1" -- "$out/threads.so" >"$out/d1.txt" 2>/dev/null
"$wdsim" exec "$scenario" --out "$out/d2" -- "$out/threads.so" >"$out/d2.txt" 2>/dev/null
cmp -s "$out/d1.txt" "$out/d2.txt"; check "stdout byte-identical across runs" 0 $?
for f in trace.txt stats.json summary.json; do
  cmp -s "$out/d1/$f" "$out/d2/$f"; check "$f byte-identical across runs" 0 $?
done

# The device and the program's own buffers.
"$wdsim" exec "$scenario" --out "$out/m" -- "$out/memory.so" >"$out/m.txt" 2>"$out/m.err"
check "memory exit" 0 $?
# UADK calls charge exec.cpu_ns_per_call like wrapped calls: 1 us per call adds 5 us to the CPU
# time of four requests and the clock call that ends the interval.
cpu_of() {  # cpu_of CPU_NS_PER_CALL: the program's four_requests_cpu_ns
  "$wdsim" exec "$scenario" --set processes.0.threads.0.exec.cpu_ns_per_call="$1" \
    --out "$out/mc$1" -- "$out/memory.so" 2>/dev/null | sed -n 's/^four_requests_cpu_ns=//p'
}
c0=$(cpu_of 0)
c1000=$(cpu_of 1000)
check "each UADK call charges cpu_ns_per_call" 5000 "$((c1000 - c0))"
for kind in malloc stack static mmap; do
  grep -q "^$kind: ok" "$out/m.txt"; check "device round trip of a $kind buffer" 0 $?
done
check "a buffer after munmap: WD_IN_EPARA" "after munmap: ret=0 status=67" \
  "$(grep 'after munmap' "$out/m.txt")"
check "a buffer never mapped: WD_IN_EPARA" "never mapped: ret=0 status=67" \
  "$(grep 'never mapped' "$out/m.txt")"
grep -q "host.smmu_drv event id=F_TRANSLATION .*addr=0x200000 stall=1" "$out/m/trace.txt"
check "the unmapped buffer faults in the SMMU" 0 $?
grep -q "host.smmu_drv resume .*retry=0" "$out/m/trace.txt"
check "and the kernel aborts the stalled access" 0 $?
grep -A2 '"page_faults": {' "$out/m/stats.json" | grep -qE '"io": [1-9]'
check "the device's faults on the program's buffers are I/O page faults" 0 $?

# UADK's environment variables come from wdsim exec's environment: two sync compression ctxs
# and one decompression ctx (and none else) open three queues.
WD_COMP_CTX_NUM="sync-comp:2@0,sync-decomp:1@0" "$wdsim" exec "$scenario" --out "$out/env" -- "$out/memory.so" \
  >/dev/null 2>&1
check "WD_COMP_CTX_NUM opens its ctxs" 0 $?
check "three queues opened" 3 "$(grep -c 'host.uacce open' "$out/env/trace.txt")"

# Several instances: each has its own globals.
"$wdsim" exec "$scenario" --set processes.0.count=2 --out "$out/two" -- "$out/threads.so" \
  >"$out/two.txt" 2>/dev/null
check "two instances" 0 $?
check "each instance counts alone" 2 "$(grep -c '^counter=9 ' "$out/two.txt")"

# Exit statuses.
"$wdsim" exec "$scenario" --out "$out/e" -- "$out/exits.so" exit >/dev/null 2>&1
check "exit(42) passes through" 42 $?
"$wdsim" exec "$scenario" --out "$out/s" -- "$out/exits.so" segv >"$out/s.txt" 2>"$out/s.err"
check "SIGSEGV in the program: 128 + 11" 139 $?
check "output before the crash kept" before "$(cat "$out/s.txt")"
grep -q "SIGSEGV at 0x10 in app/main" "$out/s.err"; check "the crash reported" 0 $?
[ -s "$out/s/stats.json" ] && [ -s "$out/s/trace.txt" ]; check "outputs written after a crash" 0 $?
"$wdsim" exec "$scenario" --out "$out/a" -- "$out/exits.so" abort >/dev/null 2>&1
check "abort(): 128 + 6" 134 $?
"$wdsim" exec "$scenario" --out "$out/n" -- "$out/exits.so" >/dev/null 2>&1
check "return 0" 0 $?
printf 'int main(void) { extern int no_such_function(void); return no_such_function(); }\n' \
  >"$out/undef.c"
"$wdsim" cc "$out/undef.c" -o "$out/undef.so" 2>/dev/null
"$wdsim" exec "$scenario" --out "$out/u" -- "$out/undef.so" >/dev/null 2>"$out/u.err"
check "an unresolved symbol: 126" 126 $?
grep -q "no_such_function" "$out/u.err"; check "names the symbol" 0 $?
"$wdsim" exec "$scenario" --out "$out/x" -- "$out/missing.so" >/dev/null 2>&1
check "no such program: 127" 127 $?
printf 'seed: 1\n' >"$out/noexec.yaml"
"$wdsim" exec "$out/noexec.yaml" --out "$out/y" -- "$out/exits.so" >/dev/null 2>"$out/y.err"
check "a scenario without an exec entry: 125" 125 $?
grep -q "has no thread entry" "$out/y.err"; check "says why" 0 $?
"$wdsim" cc --headers "$out/h" >/dev/null
[ -s "$out/h/uadk/wd_comp.h" ] && [ -s "$out/h/wdsim.h" ]; check "cc --headers" 0 $?

rm -rf "$out"
[ "$fail" = 0 ] && echo "exec_test: all checks passed"
exit "$fail"
