#!/usr/bin/env bash
# What decoder isolation costs: a 4256x2848 raw (the A7S II's size) through `sid serve`, once with the decoder
# in a helper process per decode (--decoder isolated, the default) and once in-process: two servers, requests
# alternating between them, one at a time. Reports the median request time and the median decode stage (Server-Timing) of each.
# Without a weights file the service runs synthetic full-width weights: the images are meaningless, the
# timings are the real network's. With BASELINE=1 it serves the baseline model instead (no network: two
# decoder calls per request, decode and LibRaw's rendering, and nothing else to hide them).
#
#   scripts/measure/decoder-overhead.sh
#   RUNS=7 BASELINE=1 scripts/measure/decoder-overhead.sh
#
# Environment: SID (a prebuilt sid binary; default: swift build -c release), PORT (default 18191), RUNS (5).
set -euo pipefail
cd "$(dirname "$0")/../.."

port=${PORT:-18191}
runs=${RUNS:-5}
sid=${SID:+$(realpath "$SID")}
if [ -z "$sid" ]; then
  swift build -c release --product sid >&2
  sid="$(swift build -c release --show-bin-path)/sid"
fi

work=$(mktemp -d)
pids=()
trap 'for pid in ${pids[@]+"${pids[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done; wait; rm -rf "$work"' EXIT

"$sid" sample --width 4256 --height 2848 "$work/full.dng" >/dev/null
weights=(--synthetic-weights)
if [ "${BASELINE:-0}" = 1 ]; then weights=(); fi

# Both servers run at once, each idle while the other answers: requests alternate, one at a time.
declare -A ports=([isolated]=$port [in-process]=$((port + 1)))
for mode in isolated in-process; do
  (cd "$work" && exec "$sid" serve --host 127.0.0.1 --port "${ports[$mode]}" --decoder "$mode" \
    ${weights[@]+"${weights[@]}"} --log-level warning) &
  pids+=($!)
done
for mode in isolated in-process; do
  for _ in $(seq 1 600); do
    if curl -sf "http://127.0.0.1:${ports[$mode]}/readyz" >/dev/null 2>&1; then continue 2; fi
    sleep 0.1
  done
  echo "sid serve --decoder $mode did not become ready" >&2
  exit 1
done

# One request to the server of mode $1: "total_seconds decode_seconds forward_seconds".
request() {
  curl -s -o /dev/null -D "$work/headers" -w '%{time_total}' --data-binary "@$work/full.dng" \
    -H 'Content-Type: application/octet-stream' "http://127.0.0.1:${ports[$1]}/v1/enhance?ratio=100" > "$work/total"
  local timing
  timing=$(tr -d '\r' < "$work/headers" | sed -n 's/^[Ss]erver-[Tt]iming: *//p')
  echo "$(cat "$work/total") $(stage decode "$timing") $(stage forward "$timing")"
}

# Seconds of stage $1 in the Server-Timing value $2 (which is in milliseconds).
stage() { echo "$2" | tr ',' '\n' | sed -n "s/^ *$1;dur=\([0-9.]*\).*/\1/p" | awk '{ print $1 / 1000 }'; }

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: > "$work/isolated"
: > "$work/in-process"
# First-use allocations of each worker are not counted.
request isolated >/dev/null
request in-process >/dev/null
for run in $(seq 1 "$runs"); do
  for mode in isolated in-process; do request "$mode" >> "$work/$mode"; done
  echo "run $run: isolated $(tail -1 "$work/isolated"), in-process $(tail -1 "$work/in-process") (request, decode, forward s)" >&2
done

for mode in isolated in-process; do
  echo "$mode: medians over $runs runs: request $(cut -d' ' -f1 < "$work/$mode" | median) s," \
    "decode $(cut -d' ' -f2 < "$work/$mode" | median) s, forward $(cut -d' ' -f3 < "$work/$mode" | median) s"
done
# Isolation changes only the stages that call LibRaw (decode; forward too for the baseline model), so their
# medians measure it more steadily than whole requests do on a busy machine.
request=$(cut -d' ' -f1 < "$work/in-process" | median)
for column in 1 2 3; do
  isolated=$(cut -d' ' -f$column < "$work/isolated" | median)
  local=$(cut -d' ' -f$column < "$work/in-process" | median)
  name=$(echo "request decode forward" | cut -d' ' -f$column)
  awk -v n="$name" -v a="$isolated" -v b="$local" -v r="$request" \
    'BEGIN { printf "isolation overhead, %s: %+.3f s (%+.1f %% of the in-process request)\n", n, a - b, (a - b) / r * 100 }'
done
