#!/usr/bin/env bash
# Installs the system libraries sid builds and runs against (Debian 12), and the tools its tests use.
# The README, .ci/run and the Dockerfile all install through this one script.
#   scripts/ci/install-deps.sh          build + runtime + test tools
#   scripts/ci/install-deps.sh runtime  only what the built binary needs at run time
#   scripts/ci/install-deps.sh container what scripts/ci/container-test.sh builds and runs the image with
set -euo pipefail
runtime_packages=(libraw20 libpng16-16 libjpeg62-turbo libtiff6 libssl3 ca-certificates)
build_packages=(libraw-dev libpng-dev libjpeg62-turbo-dev libtiff-dev libssl-dev zlib1g-dev pkg-config)
test_packages=(curl openssl python3 python3-pil python3-requests chromium chromium-driver python3-selenium libimage-exiftool-perl)
# Podman instead of a Docker engine; runc because crun cannot run under this machine's hybrid cgroups;
# debootstrap makes the local Debian base image, since no image registry is reachable.
container_packages=(podman runc debootstrap curl python3)
case "${1:-all}" in
  runtime) packages=("${runtime_packages[@]}") ;;
  build)   packages=("${build_packages[@]}") ;;
  container) packages=("${container_packages[@]}") ;;
  *)       packages=("${build_packages[@]}" "${test_packages[@]}") ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
