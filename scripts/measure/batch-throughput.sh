#!/usr/bin/env bash
# Files per minute of `sid enhance` on full-size raws: one batch (`sid enhance DIR --output-dir OUT`, decoding and
# encoding of neighbouring files overlapping the forward pass) against one `sid enhance FILE` process per file, on
# the same COUNT synthetic 4256x2848 DNGs (`sid sample`, the A7S II's size), one after the other.
# MODEL=sid-sony (default) runs synthetic full-width U-Net weights (the images are meaningless, the timings are
# the real network's); MODEL=baseline runs the paper's LibRaw pipeline.
#
#   scripts/measure/batch-throughput.sh
#   COUNT=20 MODEL=baseline scripts/measure/batch-throughput.sh
#
# Environment: SID (a prebuilt sid binary; default: swift build -c release), COUNT (20), MODEL (sid-sony),
# BATCH_FIRST=1 to time the batch before the single runs (on a shared machine, run both orders).
set -euo pipefail
cd "$(dirname "$0")/../.."

count=${COUNT:-20}
model=${MODEL:-sid-sony}
sid=${SID:+$(realpath "$SID")}
if [ -z "$sid" ]; then
  swift build -c release --product sid >&2
  sid="$(swift build -c release --show-bin-path)/sid"
fi
weights=()
if [ "$model" = sid-sony ]; then weights=(--synthetic-weights); fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/raws" "$work/single" "$work/batch"
for i in $(seq 1 "$count"); do
  "$sid" sample --width 4256 --height 2848 --seed "$i" "$work/raws/$(printf 'frame%02d' "$i").dng" >/dev/null
done

now() { date +%s.%N; }
run_single() {
  local start; start=$(now)
  for raw in "$work"/raws/*.dng; do
    "$sid" enhance "$raw" --ratio 100 --model "$model" "${weights[@]}" -o "$work/single/$(basename "$raw" .dng).png" \
      >/dev/null 2>&1
  done
  single=$(echo "$(now) - $start" | bc)
}
run_batch() {
  local start; start=$(now)
  "$sid" enhance "$work/raws" --ratio 100 --model "$model" "${weights[@]}" --output-dir "$work/batch" >/dev/null 2>&1
  batch=$(echo "$(now) - $start" | bc)
}
if [ "${BATCH_FIRST:-0}" = 1 ]; then run_batch; run_single; else run_single; run_batch; fi

for png in "$work"/single/*.png; do
  cmp -s "$png" "$work/batch/$(basename "$png")" || { echo "batch and single PNGs differ: $(basename "$png")" >&2; exit 1; }
done
printf '%d files of 4256x2848, model %s, %s cores\n' "$count" "$model" "$(nproc)"
printf 'one sid enhance per file: %6.1f s  %5.2f files/min\n' "$single" "$(echo "$count * 60 / $single" | bc -l)"
printf 'one batch (pipelined):    %6.1f s  %5.2f files/min\n' "$batch" "$(echo "$count * 60 / $batch" | bc -l)"
