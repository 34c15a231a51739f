#!/usr/bin/env bash
# One command from a fresh Debian 12 machine with Swift: install the libraries, build sid (release),
# make a sample dark raw and enhance it. Uses weights/sid-sony.safetensors when present, else the
# baseline model (and says so).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
swift build -c release --product sid
sid=.build/release/sid
[ -f dark.dng ] || "$sid" sample dark.dng
"$sid" enhance dark.dng --ratio auto --output out.png
