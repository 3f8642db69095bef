#!/usr/bin/env bash
# The calibration set (docs/calibration.md): `wdsim calibrate` on scenarios/calibration/
# figures.yaml exits 0 (every figure where the file expects it: in its band, or a known miss
# still missing), and docs/calibration.md's table is exactly the command's output. Then bad
# input: a figures file with an unknown key and one whose scenario fails exit 2.
set -u
wdsim="$1"
figures="$2"
doc="$3"
out=$(mktemp -d)
fail=0
cp "$doc" "$out/calibration.md"
"$wdsim" calibrate "$figures" --out "$out/runs" --markdown "$out/calibration.md" >"$out/table" 2>"$out/log"
rc=$?
if [ $rc != 0 ]; then echo "FAIL: calibrate exit $rc"; cat "$out/log" "$out/table"; fail=1; else echo "ok: calibrate exit 0"; fi
if ! cmp -s "$doc" "$out/calibration.md"; then
  echo "FAIL: docs/calibration.md is not the output of wdsim calibrate (regenerate it):"
  diff "$doc" "$out/calibration.md" | head -20
  fail=1
else
  echo "ok: docs/calibration.md table is current"
fi
rows=$(grep -c '^| [a-z0-9_]* | \(fit\|validation\) |' "$out/table")
[ "$rows" -ge 10 ] && echo "ok: $rows figures" || { echo "FAIL: only $rows figures in the table"; fail=1; }
grep -q 'out of band' "$out/table" && { echo "FAIL: a figure is out of band"; fail=1; }

printf 'figures:\n  - id: a\n    role: fit\n    what: x\n    published: 1\n    unit: B\n    source: s\n    scenario: nowhere.yaml\n    stat: k\n    colour: red\n' > "$out/bad.yaml"
"$wdsim" calibrate "$out/bad.yaml" --out "$out/bad" >/dev/null 2>"$out/bad.err"
rc=$?
if [ $rc = 2 ] && grep -q "bad.yaml:10: unknown key .colour." "$out/bad.err"; then echo "ok: unknown key -> exit 2 naming file:line"; else echo "FAIL: unknown key: exit $rc"; cat "$out/bad.err"; fail=1; fi
sed -i '/colour/d' "$out/bad.yaml"
"$wdsim" calibrate "$out/bad.yaml" --out "$out/bad2" >/dev/null 2>"$out/bad2.err"
rc=$?
if [ $rc = 2 ] && grep -q "failed" "$out/bad2.err"; then echo "ok: failing run -> exit 2"; else echo "FAIL: failing run: exit $rc"; cat "$out/bad2.err"; fail=1; fi
rm -rf "$out"
exit $fail
