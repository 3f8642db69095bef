#!/usr/bin/env bash
# Fails (exit 1) naming every C++ file that clang-format (.clang-format at the root: Google
# base, 100 columns) would change. Not checked: third_party/ (local Bazel repositories) and
# runtime/include/uadk/ (UADK's public headers, kept in UADK's own layout so that programs
# written against UADK read the same). Fix with: clang-format -i FILE...
set -uo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
  echo "check_format: clang-format is not installed (tools/install_deps.sh installs it)" >&2
  exit 1
fi
if git rev-parse --git-dir >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cc' '*.h' | grep -v -e '^third_party/' -e '^runtime/include/uadk/')
else
  mapfile -t files < <(find . -name '*.cc' -o -name '*.h' | sed 's|^\./||' |
                       grep -v -e '^third_party/' -e '^runtime/include/uadk/' -e '^bazel-' | sort)
fi
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "check_format: ${#bad[@]} of ${#files[@]} files are not clang-formatted:" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "check_format: ${#files[@]} files formatted"
