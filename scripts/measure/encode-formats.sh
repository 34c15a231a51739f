#!/usr/bin/env bash
# Encode time and size of each output format on a full frame, through the service as a client gets them:
# a release `sid serve` with the baseline model (no weights: LibRaw's rendering of a 4256x2848 synthetic DNG, a
# smooth photo-like picture, which is what sizes depend on; SYNTHETIC=1 uses random full-width U-Net weights,
# whose noise-like output is the worst case for compression), one request per format and depth, the encode
# stage read from Server-Timing and the size from the body. Prints a Markdown table (median of RUNS runs).
#   scripts/measure/encode-formats.sh            (needs swift build -c release --product sid)
set -euo pipefail
cd "$(dirname "$0")/../.."
sid=${SID_BINARY:-.build/release/sid}
runs=${RUNS:-3}
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
"$sid" sample "$work/full.dng" --width 4256 --height 2848 --seed 5 >/dev/null
(cd "$work" && SID_HOST=127.0.0.1 SID_PORT=0 exec "$OLDPWD/$sid" serve ${SYNTHETIC:+--synthetic-weights} >"$work/serve.log" 2>&1) &
server_pid=$!
for _ in $(seq 1 600); do grep -q "\] ready" "$work/serve.log" 2>/dev/null && break; sleep 0.2; done
port=$(grep "\] ready" "$work/serve.log" | grep -o " port=[0-9]*" | head -1 | cut -d= -f2)
url="http://127.0.0.1:$port/v1/enhance?ratio=100"
echo "| format | encode s (median of $runs) | size MB |"
echo "| --- | --- | --- |"
for query in "format=png" "format=png&bits=16" "format=jpeg" "format=jpeg&quality=75" "format=tiff" "format=tiff&bits=8"; do
  times=()
  size=0
  for _ in $(seq 1 "$runs"); do
    timing=$(curl -s -D - -o "$work/out" --data-binary @"$work/full.dng" "$url&$query" | tr -d '\r' | grep -i '^server-timing:')
    times+=("$(echo "$timing" | grep -o 'encode;dur=[0-9.]*' | cut -d= -f2)")
    size=$(stat -c %s "$work/out")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  awk -v q="$query" -v ms="$median" -v bytes="$size" 'BEGIN { printf "| %s | %.2f | %.1f |\n", q, ms / 1000, bytes / 1e6 }'
done
