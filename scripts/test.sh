#!/usr/bin/env bash
# Installs what the tests need and runs them all: `scripts/test.sh` (CI runs exactly this).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ci/install-deps.sh
# The container and Kubernetes recipes, checked offline (no Docker engine or cluster needed).
scripts/ci/validate-deploy.sh
# Compiler progress lines are dropped to keep the log readable; swift test's status decides, and its
# summary closes the output.
swift test --disable-swift-testing 2>&1 | grep --line-buffered -vE '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Write|Merging)'
scripts/ci/api-contract.sh  # the OpenAPI document validated, then Schemathesis against a live sid serve (~2.5 min)
scripts/ci/container-test.sh  # the image built from the Dockerfile and run with Podman, as users and operators do
# Hostile input (docs/fuzzing.md, docs/soak.md): every suite under AddressSanitizer and ThreadSanitizer,
# 30 s of fuzzing per target, and 10,000 mixed requests against a release build of the service.
scripts/ci/sanitizers.sh
scripts/ci/fuzz.sh 30
scripts/ci/soak.sh
