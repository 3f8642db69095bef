#!/usr/bin/env bash
# The example programs built natively against the runtime (no simulated system: every UADK call
# fails): bad usage exits 2 with the usage or the reason on stderr and nothing on stdout; -h
# exits 0; a run whose accelerator init finds nothing exits 1 with UADK's error on stderr and
# writes nothing to stdout.
# Usage: examples_native_test.sh BENCH SEC_TOOL ZIP_ASYNC ZIP_FILE
set -u
bench="$1"
sec_tool="$2"
zip_async="$3"
zip_file="$4"
tmp="${TEST_TMPDIR:-$(mktemp -d)}/native"
mkdir -p "$tmp"
fail=0
iv=f0e0d0c0b0a090807060504030201000
key=000102030405060708090a0b0c0d0e0f

# t NAME EXPECTED_RC STDERR_PATTERN PROG ARGS... (stdin from /dev/null)
t() {
  local name="$1" want="$2" pattern="$3"
  shift 3
  "$@" </dev/null >"$tmp/stdout" 2>"$tmp/stderr"
  local rc=$?
  if [ "$rc" != "$want" ]; then
    echo "FAIL: $name: exit $rc, expected $want"
    fail=1
  elif [ -s "$tmp/stdout" ]; then
    echo "FAIL: $name: wrote to stdout"
    fail=1
  elif ! grep -q -e "$pattern" "$tmp/stderr"; then
    echo "FAIL: $name: stderr lacks '$pattern':"
    cat "$tmp/stderr"
    fail=1
  else
    echo "ok: $name"
  fi
}

t "zip_file: unknown option" 2 "usage: zip_file" "$zip_file" -x
t "zip_file: block size 0" 2 "bad block size '0'" "$zip_file" -b 0
t "zip_file: level 16" 2 "bad level '16'" "$zip_file" -l 16
t "zip_file: two files" 2 "usage: zip_file" "$zip_file" a b
t "zip_file: missing file" 1 "does-not-exist: No such file" "$zip_file" "$tmp/does-not-exist"
t "zip_file: no device" 1 "wd_comp_init2 failed (ret = -22)" "$zip_file"
t "zip_file -d: no device" 1 "wd_comp_init2 failed" "$zip_file" -d

t "zip_async: depth 0" 2 "bad depth '0'" "$zip_async" -q 0
t "zip_async: depth 65" 2 "bad depth '65'" "$zip_async" -q 65
t "zip_async: no device" 1 "no device offers gzip" "$zip_async"

t "sec_tool: no command" 2 "usage: sec_tool" "$sec_tool"
t "sec_tool: unknown cipher" 2 "unknown cipher 'aes-128-gcm'" "$sec_tool" enc -c aes-128-gcm
t "sec_tool: short key" 2 "aes-128-cbc needs -K with 16 bytes" \
  "$sec_tool" enc -c aes-128-cbc -K 0011 -iv "$iv"
t "sec_tool: bad hex" 2 "bad hex key 'zz'" "$sec_tool" enc -c aes-128-cbc -K zz -iv "$iv"
t "sec_tool: short iv" 2 "the iv is 16 bytes" "$sec_tool" enc -c sm4-cbc -K "$key" -iv 00
t "sec_tool: block not a multiple of 16" 2 "bad block size '100'" \
  "$sec_tool" enc -c sm4-cbc -K "$key" -iv "$iv" -b 100
t "sec_tool: dgst with -d" 2 "usage: sec_tool" "$sec_tool" dgst -a sha256 -d
t "sec_tool: unknown digest" 2 "unknown digest 'sha3'" "$sec_tool" dgst -a sha3
t "sec_tool: enc, no device" 1 "wd_cipher_init2(cbc(aes)) failed (ret = -22)" \
  "$sec_tool" enc -c aes-128-cbc -K "$key" -iv "$iv"
t "sec_tool: hmac, no device" 1 "wd_digest_init2(hmac(sha256)) failed" \
  "$sec_tool" dgst -a sha256 -hmac "$key"

t "bench: no --alg" 2 "usage: bench" "$bench" --pktlen 4096
t "bench: unknown alg" 2 "unknown algorithm 'lz4'" "$bench" --alg lz4
t "bench: 65 threads" 2 "bad value '65' for --thread" "$bench" --alg gzip --thread 65
t "bench: cipher length" 2 "multiple of 16" "$bench" --alg sm4-128-cbc --pktlen 1000
t "bench: no device" 1 "failed to init zlib (ret = -22)" "$bench" --alg zlib
t "bench: async, no device" 1 "failed to init sha256" "$bench" --alg sha256 --async

"$zip_file" -h >"$tmp/stdout" 2>"$tmp/stderr"
if [ $? -eq 0 ] && grep -q "usage: zip_file" "$tmp/stderr"; then
  echo "ok: zip_file -h"
else
  echo "FAIL: zip_file -h"
  fail=1
fi
exit $fail
