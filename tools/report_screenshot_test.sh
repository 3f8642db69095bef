#!/usr/bin/env bash
# report.html opens in headless Chromium: a run's report is rendered (tools/render_report.sh)
# and the PNG is checked: a PNG of the window's size, not blank (many distinct pixel values in
# the chart area). Skipped, saying so, when Chromium is not installed.
set -u
wdsim="$1"
scenario="$2"
render="$3"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
export HOME="$out"  # Chromium wants a writable home
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  echo "SKIPPED: chromium is not installed (apt-get install chromium); report.html not rendered"
  exit 0
fi
"$wdsim" run "$scenario" --out "$out/run" >/dev/null 2>&1 || { echo "FAIL: wdsim run"; exit 1; }
"$render" "$out/run/report.html" "$out/report.png" 1000 1200 || { echo "FAIL: render"; exit 1; }
python3 - "$out/report.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width, height, bpp = 8, b"", 0, 0, 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, color = struct.unpack(">IIBB", body[:10])
        bpp = {2: 3, 6: 4}[color] * depth // 8
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
assert (width, height) == (1000, 1200), f"size {width}x{height}"
raw = zlib.decompress(idat)
stride = width * bpp + 1
# Distinct byte values in the top third (header, stage bars, chart): a blank page has one.
top = raw[:stride * (height // 3)]
distinct = len(set(top))
assert distinct > 50, f"only {distinct} distinct byte values: blank?"
print(f"ok: {width}x{height} PNG, {distinct} distinct byte values in the top third")
PY
