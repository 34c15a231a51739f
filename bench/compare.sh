#!/usr/bin/env bash
# sid against ONNX Runtime, OpenVINO, MNN and ncnn on the same network, weights and full-frame input (issues 4, 16),
# with an accuracy check of every runtime (and of sid on every kernel copy this CPU runs) against PyTorch fp32.
#
#   bench/compare.sh [--rounds N] [--runs R] [--threads T] [--cpus 0,1] [--crop 512x1024] [--runtimes sid,...] ...
#   bench/compare.sh --quick                   # smoke test: 2 rounds on a 512x512 packed frame
#   SID=/path/to/sid bench/compare.sh          # time a given binary instead of building one
#
# Installs bench/requirements.txt (about 300 MB of wheels from PyPI, torch's CPU wheel from the local wheel
# directory; 1.5 GB installed) into .build-compare/venv, builds
# `sid` in release mode unless SID is set, and leaves weights, inputs and results
# (compare-WxH.json and .md) in .build-compare/. Not part of CI: it downloads wheels and takes minutes.
# Needs: python3 with venv, swift (unless SID is set); taskset pins every runtime to the same CPUs.
set -euo pipefail
cd "$(dirname "$0")/.."

work=.build-compare
venv=$work/venv
mkdir -p "$work"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r bench/requirements.txt

if [ -z "${SID:-}" ]; then
    swift build -c release --product sid >&2
    SID="$(swift build -c release --show-bin-path)/sid"
fi
sid=$(command -v "$SID") || { echo "compare.sh: $SID is not an executable sid binary" >&2; exit 1; }

exec "$venv/bin/python" bench/compare.py --sid "$(realpath "$sid")" --work "$work" "$@"
