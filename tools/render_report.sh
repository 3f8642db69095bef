#!/usr/bin/env bash
# Renders a wdsim report.html in headless Chromium (Debian's `chromium` package) and writes a
# PNG screenshot: tools/render_report.sh REPORT.html OUT.png [WIDTH HEIGHT]
# Exit 0 with the PNG written, 1 if Chromium failed, 3 if Chromium is not installed.
set -uo pipefail
report="$1"
png="$2"
width="${3:-1000}"
height="${4:-1600}"
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "render_report: chromium is not installed (apt-get install chromium)" >&2
  exit 3
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
abs=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
# --no-sandbox: Chromium refuses to run as root otherwise; the page is our own local file.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$profile" --window-size="${width},${height}" \
  --screenshot="$png" "file://$abs" >/dev/null 2>&1
[ -s "$png" ] || { echo "render_report: no screenshot written" >&2; exit 1; }
