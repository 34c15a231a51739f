#!/usr/bin/env bash
# Installs what the tests need and runs them all: `scripts/test.sh` (CI runs exactly this).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# Compiler progress lines are dropped to keep the log readable; swift test's status decides.
swift test --disable-swift-testing 2>&1 | grep --line-buffered -vE '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Write|Merging)'
