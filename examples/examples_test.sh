#!/usr/bin/env bash
# The example programs (examples/*.c) built with `wdsim cc` and run with `wdsim exec` on
# scenarios/exec.yaml, their outputs checked with the system's tools:
#   zip_file, zip_async: gzip output that gunzip inflates to the input; -d inflates gzip's own
#     output and each other's; empty and incompressible inputs; many members (-b 4096);
#   sec_tool: the same cipher text as `openssl enc` (AES-128/256-CBC, SM4-CBC, padded and
#     -nopad, requests chained across blocks), decryption of openssl's cipher text, a wrong key
#     is "bad decrypt" (exit 1); the same line as `openssl dgst -r` for SHA-256, SM3 and
#     HMAC-SHA256;
#   bench: the benchmark table with numbers > 0, and two runs give byte-identical stdout (and
#     stats.json and trace.txt): simulated time only;
#   exit status: each program's own (0, 1, 2) comes back from wdsim exec; the program's stdout
#     holds nothing but its own output (wdsim's summary goes to stderr and the output folder).
# Usage: examples_test.sh WDSIM SCENARIO EXAMPLES_DIR
set -u
wdsim="$1"
scenario="$2"
src="$3"
tmp="${TEST_TMPDIR:-$(mktemp -d)}/examples"
rm -rf "$tmp"
mkdir -p "$tmp/out"
fail=0
runs=0
check() {  # check NAME: passes when the previous command succeeded
  local rc=$?
  if [ "$rc" -ne 0 ]; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi
}
expect_rc() {  # expect_rc NAME EXPECTED ACTUAL
  if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, expected $2"; fail=1; else echo "ok: $1"; fi
}
# x PROG ARGS...: run PROG.so under wdsim exec, stdin and stdout passed through; each run gets
# its own output folder ($tmp/out/N) and its stderr in $tmp/out/N.stderr.
x() {
  local prog="$1"
  shift
  runs=$((runs + 1))
  last_out="$tmp/out/$runs"
  "$wdsim" exec "$scenario" --out "$last_out" -- "$tmp/$prog.so" "$@" 2>"$last_out.stderr"
}

# ---- build ----
for p in zip_file zip_async sec_tool bench; do
  "$wdsim" cc "$src/$p.c" -o "$tmp/$p.so" 2>"$tmp/$p.cc.stderr"
  check "wdsim cc $p.c"
  [ ! -s "$tmp/$p.cc.stderr" ]; check "$p.c builds without warnings"
done

# ---- inputs (deterministic) ----
key16=000102030405060708090a0b0c0d0e0f
key32=${key16}101112131415161718191a1b1c1d1e1f
iv=f0e0d0c0b0a090807060504030201000
# Text: 300 KiB spanning three 128 KiB blocks with an uneven tail.
for i in $(seq 1 12000); do echo "line $i: the device shares the process's address space"; done |
  head -c 307201 >"$tmp/text"
# Incompressible: AES-CTR of zeros under a fixed key.
head -c 200000 /dev/zero | openssl enc -aes-128-ctr -K "$key16" -iv "$iv" >"$tmp/random"
: >"$tmp/empty"
printf 'x' >"$tmp/one"
head -c 4096 "$tmp/random" >"$tmp/block4k"

# ---- zip_file, zip_async: compress ----
for prog in zip_file zip_async; do
  for f in text random empty one; do
    x "$prog" <"$tmp/$f" >"$tmp/$f.$prog.gz"
    check "$prog compresses $f (exit 0)"
    gunzip -c <"$tmp/$f.$prog.gz" | cmp -s - "$tmp/$f"
    check "gunzip inflates $prog's $f back"
  done
  x "$prog" -b 4096 "$tmp/text" >"$tmp/text.$prog.4k.gz"
  check "$prog -b 4096 FILE"
  gunzip -c <"$tmp/text.$prog.4k.gz" | cmp -s - "$tmp/text"
  check "gunzip inflates $prog's 76 members back"
  [ -s "$last_out/stats.json" ] && [ -s "$last_out/trace.txt" ]
  check "$prog's run writes stats.json and trace.txt"
done
x zip_async -q 1 <"$tmp/text" >"$tmp/text.q1.gz"
check "zip_async -q 1"
cmp -s "$tmp/text.q1.gz" "$tmp/text.zip_async.gz"
check "zip_async: the output does not depend on the depth"
cmp -s "$tmp/text.zip_file.gz" "$tmp/text.zip_async.gz"
check "zip_file and zip_async write the same members"

# ---- zip_file, zip_async: decompress ----
gzip -n -c <"$tmp/text" >"$tmp/text.sys.gz"
for prog in zip_file zip_async; do
  for f in text random empty one; do
    x "$prog" -d <"$tmp/$f.zip_file.gz" >"$tmp/$f.$prog.back"
    check "$prog -d inflates zip_file's $f"
    cmp -s "$tmp/$f.$prog.back" "$tmp/$f"
    check "$prog -d gives $f back"
  done
  x "$prog" -d "$tmp/text.zip_async.4k.gz" >"$tmp/text.$prog.4k.back"
  check "$prog -d FILE of 76 members"
  cmp -s "$tmp/text.$prog.4k.back" "$tmp/text"
  check "$prog -d gives the 76 members' text back"
  x "$prog" -d <"$tmp/text.sys.gz" >"$tmp/text.$prog.sys.back"
  check "$prog -d inflates gzip -n's output"
  cmp -s "$tmp/text.$prog.sys.back" "$tmp/text"
  check "$prog -d gives gzip's text back"
done

# ---- sec_tool: ciphers ----
head -c 65536 "$tmp/random" >"$tmp/r64k"
for c in aes-128-cbc aes-256-cbc sm4-cbc; do
  k=$key16
  [ "$c" = aes-256-cbc ] && k=$key32
  for f in text one empty r64k; do
    openssl enc "-$c" -K "$k" -iv "$iv" <"$tmp/$f" >"$tmp/$f.$c.ossl"
    x sec_tool enc -c "$c" -K "$k" -iv "$iv" <"$tmp/$f" >"$tmp/$f.$c.sec"
    check "sec_tool enc $c $f"
    cmp -s "$tmp/$f.$c.sec" "$tmp/$f.$c.ossl"
    check "sec_tool enc $c $f = openssl enc"
    if [ "$f" != empty ]; then
      x sec_tool enc -c "$c" -K "$k" -iv "$iv" -d <"$tmp/$f.$c.ossl" >"$tmp/$f.$c.plain"
      check "sec_tool enc -d $c decrypts openssl's $f"
      cmp -s "$tmp/$f.$c.plain" "$tmp/$f"
      check "sec_tool enc -d $c gives $f back"
    fi
  done
  openssl enc "-$c" -K "$k" -iv "$iv" -nopad <"$tmp/r64k" >"$tmp/r64k.$c.nopad.ossl"
  x sec_tool enc -c "$c" -K "$k" -iv "$iv" -nopad -b 4096 "$tmp/r64k" >"$tmp/r64k.$c.nopad.sec"
  check "sec_tool enc $c -nopad -b 4096 (16 chained requests)"
  cmp -s "$tmp/r64k.$c.nopad.sec" "$tmp/r64k.$c.nopad.ossl"
  check "sec_tool enc $c -nopad -b 4096 = openssl enc -nopad"
done
x sec_tool enc -c aes-128-cbc -K "$key32" -iv "$iv" </dev/null >/dev/null
expect_rc "sec_tool: a 32-byte key for aes-128-cbc is bad usage" 2 $?
x sec_tool enc -c aes-128-cbc -K "${key16%??}00" -iv "$iv" -d <"$tmp/text.aes-128-cbc.ossl" \
  >"$tmp/wrong.out"
expect_rc "sec_tool: a wrong key is bad decrypt" 1 $?
grep -q "bad decrypt" "$last_out.stderr"
check "sec_tool says bad decrypt on stderr"

# ---- sec_tool: digests ----
hkey=00112233445566778899aabbccddeeff00112233
for a in sha256 sm3; do
  for f in text one; do
    x sec_tool dgst -a "$a" <"$tmp/$f" >"$tmp/$f.$a.sec"
    check "sec_tool dgst $a $f"
    openssl dgst "-$a" -r <"$tmp/$f" | cmp -s - "$tmp/$f.$a.sec"
    check "sec_tool dgst $a $f = openssl dgst -r"
  done
done
x sec_tool dgst -a sha256 "$tmp/text" >"$tmp/text.sha256.file.sec"
check "sec_tool dgst FILE"
openssl dgst -sha256 -r "$tmp/text" | cmp -s - "$tmp/text.sha256.file.sec"
check "sec_tool dgst FILE = openssl dgst -r FILE"
x sec_tool dgst -a sha256 -hmac "$hkey" <"$tmp/text" >"$tmp/text.hmac.sec"
check "sec_tool dgst -hmac"
openssl dgst -sha256 -r -mac HMAC -macopt "hexkey:$hkey" <"$tmp/text" |
  cmp -s - "$tmp/text.hmac.sec"
check "sec_tool HMAC-SHA256 = openssl's"
x sec_tool dgst -a sha256 <"$tmp/empty" >"$tmp/empty.sha256.sec"
expect_rc "sec_tool dgst of nothing is an error" 1 $?

# ---- bench ----
header=$(printf 'algname:\tlength:\t\tperf:\t\tiops:\t\tCPU_rate:')
for args in "--alg gzip --pktlen 65536 --thread 2 --requests 20 --sync" \
  "--alg gzip --pktlen 4096 --thread 2 --requests 40 --async --depth 4" \
  "--alg aes-128-cbc --pktlen 4096 --thread 2 --requests 40 --sync" \
  "--alg sha256 --pktlen 8192 --thread 1 --requests 40 --async --depth 8 --work_ns 2000"; do
  # shellcheck disable=SC2086
  x bench $args >"$tmp/bench.1"
  check "bench $args"
  first="$last_out"
  # shellcheck disable=SC2086
  x bench $args >"$tmp/bench.2"
  check "bench $args, again"
  [ "$(head -1 "$tmp/bench.1")" = "$header" ]
  check "bench prints the UADK benchmark's header"
  alg=${args#--alg }
  alg=${alg%% *}
  len=${args#*--pktlen }
  len=${len%% *}
  awk -F'\t' -v alg="$alg" -v len="$len" '
    NR == 2 {
      ok = ($1 ~ "^" alg " *$" && $2 == len "Bytes " && $3 ~ /KiB\/s$/ && $4 ~ /Kops $/ &&
            $5 ~ /%$/ && $3 + 0 > 0 && $4 + 0 > 0 && $5 + 0 > 0)
    }
    END { exit !(NR == 2 && ok) }' "$tmp/bench.1"
  check "bench $alg: one row, perf, iops and CPU rate > 0"
  cmp -s "$tmp/bench.1" "$tmp/bench.2"
  check "bench $alg: two runs print the same table"
  for f in stats.json trace.txt; do
    cmp -s "$first/$f" "$last_out/$f"
    check "bench $alg: two runs write the same $f"
  done
done

# ---- exit status, stdout ----
x zip_file -x </dev/null >"$tmp/usage.out"
expect_rc "zip_file: a bad option exits 2" 2 $?
[ ! -s "$tmp/usage.out" ]
check "zip_file: nothing on stdout but the program's output"
x zip_file "$tmp/does-not-exist" >/dev/null
expect_rc "zip_file: a missing file exits 1" 1 $?
x zip_async -d <"$tmp/text" >/dev/null
expect_rc "zip_async -d: not gzip exits 1" 1 $?
x bench --pktlen 4096 >/dev/null
expect_rc "bench: no --alg exits 2" 2 $?
x zip_file -h </dev/null >/dev/null
expect_rc "zip_file -h exits 0" 0 $?

if [ "$fail" -ne 0 ]; then
  echo "examples_test: FAILED (outputs in $tmp)"
  exit 1
fi
echo "examples_test: all passed ($runs runs)"
