#!/bin/bash
# Fails when a library that must stand alone reaches into the simulator.
#
#   standalone_test.sh <forbidden> <forbidden_includes> <deps.txt> <allowed.txt> <source>...
#
# forbidden: an extended regex of labels the checked targets must not depend on, e.g.
#   '^//sim[/:]|^//third_party:systemc$'.
# forbidden_includes: an extended regex of what may not follow `#include `, e.g.
#   '"sim/|<systemc|<tlm'.
# deps.txt: the output of a genquery `deps(...)` over the checked targets, one label a line.
#   Every label matching <forbidden> is an error, named.
# allowed.txt: lines "<source path> <include path>": includes of sim/ headers a test source
#   may keep (test-only references); empty for none.
# source...: the checked source files. An include matching <forbidden_includes> in any of
#   them that allowed.txt does not list is an error naming the file, line and include.
set -u
forbidden="$1"
forbidden_includes="$2"
deps="$3"
allowed="$4"
shift 4
fail=0

bad_deps=$(grep -E "$forbidden" "$deps" || true)
if [[ -n "$bad_deps" ]]; then
  echo "FAIL: the checked targets depend on (matching $forbidden):"
  echo "$bad_deps" | sed 's/^/  /'
  echo "  (find the path with: bazel query 'somepath(<checked target>, <label above>)')"
  fail=1
fi

for src in "$@"; do
  while IFS=: read -r line text; do
    inc=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]([^">]+)[">].*/\1/' <<<"$text")
    if grep -qxF "$src $inc" "$allowed"; then continue; fi
    echo "FAIL: $src:$line includes $inc"
    fail=1
  done < <(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*($forbidden_includes)" "$src" || true)
done

if [[ $fail -eq 0 ]]; then
  echo "OK: $(grep -c . "$deps") labels in the dependency closure, $# sources checked"
fi
exit $fail
