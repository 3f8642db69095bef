#!/usr/bin/env bash
# The loader against a few hundred mutated scenarios (scenario_mutator: truncations, flipped
# bytes, duplicated/deleted/moved lines, aliases): `wdsim run --check` on every mutant, and a
# full run of mutants of the small golden scenario. Each must exit 0, 1 or 2 (no signal, no
# hang: a timeout fails), an exit 2 must name the file with line:column or the --set argument,
# and an exit 2 of a full run leaves no output folder behind. Prints the counts.
set -u
wdsim="$1"
mutator="$2"
scenarios="$3"
work=$(mktemp -d)
fail=0
declare -A count
# The checks bound each run generously: a mutant that takes longer than this has hung.
limit_s=120
classify() {  # classify FILE RC STDERR [OUT_DIR]
  local f=$1 rc=$2 err=$3 out=${4:-}
  case "$rc" in
    0 | 1) count[$rc]=$((${count[$rc]:-0} + 1)) ;;
    2)
      count[2]=$((${count[2]:-0} + 1))
      local base
      base=$(basename "$f")
      if ! grep -qE "(${base}:[0-9]+:[0-9]+: |--set )" "$err"; then
        if grep -qF "${base}: " "$err"; then
          count[noline]=$((${count[noline]:-0} + 1))
        fi
        echo "FAIL: $f: exit 2 without file:line:column: $(head -c 300 "$err")"
        fail=1
      fi
      if [ -n "$out" ] && [ -e "$out" ]; then
        echo "FAIL: $f: exit 2 left $out behind"
        fail=1
      fi
      ;;
    124)
      count[hang]=$((${count[hang]:-0} + 1))
      echo "FAIL: $f: no exit within ${limit_s} s"
      fail=1
      ;;
    *)
      count[other]=$((${count[other]:-0} + 1))
      echo "FAIL: $f: exit $rc (a signal or a wrong code): $(tail -c 300 "$err")"
      fail=1
      ;;
  esac
}

mkdir -p "$work/check" "$work/full"
"$mutator" "$work/check" 400 1 "$scenarios"/*.yaml || { echo "FAIL: mutator"; exit 1; }
"$mutator" "$work/full" 40 2 "$scenarios/golden/two_requests.yaml" || exit 1
n=0
for f in "$work"/check/*.yaml; do
  timeout "$limit_s" "$wdsim" run "$f" --check >/dev/null 2>"$work/err"
  classify "$f" $? "$work/err"
  n=$((n + 1))
done
echo "check: $n mutants: exit 0 ${count[0]:-0}, exit 2 ${count[2]:-0}," \
  "exit 2 naming the file without line ${count[noline]:-0}, hangs ${count[hang]:-0}," \
  "other ${count[other]:-0}"
count=()
n=0
for f in "$work"/full/*.yaml; do
  out="$work/out_$(basename "$f" .yaml)"
  timeout "$limit_s" "$wdsim" run "$f" --no-sweep --out "$out" >/dev/null 2>"$work/err"
  classify "$f" $? "$work/err" "$out"
  n=$((n + 1))
done
echo "run: $n mutants: exit 0 ${count[0]:-0}, exit 1 ${count[1]:-0}, exit 2 ${count[2]:-0}," \
  "hangs ${count[hang]:-0}, other ${count[other]:-0}"
rm -rf "$work"
exit $fail
