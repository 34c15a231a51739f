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
# Against the forward pass (what each file's line says it took) it also prints what everything else costs in the
# batch (issue #16): wall time per file minus the mean forward time, as a share of it (`overhead`), and the mean
# forward time over the wall time per file (`saturation`: the share of one file per forward time the batch
# delivers), with the batch's peak RSS.
#
# Environment: SID (a prebuilt sid binary; default: swift build -c release), COUNT (20), MODEL (sid-sony),
# BATCH_FIRST=1 to time the batch before the single runs (on a shared machine, run both orders), SINGLE=0 to skip
# the one-process-per-file runs.
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
single=0
run_single() {
  [ "${SINGLE:-1}" = 1 ] || return 0
  local start; start=$(now)
  for raw in "$work"/raws/*.dng; do
    "$sid" enhance "$raw" --ratio 100 --model "$model" "${weights[@]}" -o "$work/single/$(basename "$raw" .dng).png" \
      >/dev/null 2>&1
  done
  single=$(echo "$(now) - $start" | bc)
}
run_batch() {
  local start; start=$(now)
  /usr/bin/time -f '%M' -o "$work/batch.rss" \
    "$sid" enhance "$work/raws" --ratio 100 --model "$model" "${weights[@]}" --output-dir "$work/batch" \
    >"$work/batch.log" 2>/dev/null
  batch=$(echo "$(now) - $start" | bc)
}
if [ "${BATCH_FIRST:-0}" = 1 ]; then run_batch; run_single; else run_single; run_batch; fi

[ "${SINGLE:-1}" = 1 ] && for png in "$work"/single/*.png; do
  cmp -s "$png" "$work/batch/$(basename "$png")" || { echo "batch and single PNGs differ: $(basename "$png")" >&2; exit 1; }
done
printf '%d files of 4256x2848, model %s, %s cores\n' "$count" "$model" "$(nproc)"
if [ "${SINGLE:-1}" = 1 ]; then
  printf 'one sid enhance per file: %6.1f s  %5.2f files/min\n' "$single" "$(echo "$count * 60 / $single" | bc -l)"
fi
printf 'one batch (pipelined):    %6.1f s  %5.2f files/min\n' "$batch" "$(echo "$count * 60 / $batch" | bc -l)"
forward=$(sed -n 's/.*forward \([0-9.]*\) s.*/\1/p' "$work/batch.log" | awk '{ sum += $1; n++ } END { if (n) printf "%.3f", sum / n }')
if [ -n "$forward" ]; then
  per_file=$(echo "$batch / $count" | bc -l)
  printf 'batch per file %.3f s, forward mean %.3f s: overhead %.1f %%, saturation %.1f %%, peak RSS %.0f MB\n' \
    "$per_file" "$forward" "$(echo "100 * ($per_file - $forward) / $forward" | bc -l)" \
    "$(echo "100 * $forward / $per_file" | bc -l)" "$(echo "$(cat "$work/batch.rss") / 1024" | bc -l)"
fi
