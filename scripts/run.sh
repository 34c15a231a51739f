#!/usr/bin/env bash
# One command from a fresh Debian 12 machine with Swift: install the libraries, build sid (release),
# make a sample dark raw, enhance it once from the command line (out.png), then start the service on
# port 8080 (SID_PORT to change). Uses weights/sid-sony.safetensors when present, else the baseline
# model, and says so. Stop the service with Ctrl-C (it drains and exits 0).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ci/install-deps.sh build
swift build -c release --product sid
sid=.build/release/sid
[ -f dark.dng ] || "$sid" sample dark.dng
"$sid" enhance dark.dng --ratio auto --output out.png
port=${SID_PORT:-8080}
cat <<MSG

sid serve is starting on port $port. From another terminal:
  curl --data-binary @dark.dng -H 'Content-Type: application/octet-stream' -o served.png 'http://localhost:$port/v1/enhance?ratio=auto'
  curl -F file=@dark.dng -F ratio=100 -o served.png http://localhost:$port/v1/enhance
or open http://localhost:$port/ in a browser.
MSG
exec "$sid" serve --port "$port"
