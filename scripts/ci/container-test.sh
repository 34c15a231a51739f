#!/usr/bin/env bash
# Builds the image from the real Dockerfile and tests it as a user and an operator would (issue 13):
# serving, a PNG identical to the same binary run outside, uid 10001 with a read-only root and no
# capabilities, the HEALTHCHECK, mounted and baked weights, a drain on SIGTERM with a request in flight,
# the README's command-line form, and the image size and cold start. CI runs it from scripts/test.sh.
#
# Podman (Debian's `podman` + `runc`) builds and runs the containers: no Docker engine runs on these
# machines, and the script uses Podman only. No image registry can be reached either, so the two base images the Dockerfile names are made
# locally and stand in for the real ones (the FROM lines stay what a Docker user pulls):
#   debian:bookworm-slim  a `debootstrap --variant=minbase` Debian 12 root, `podman import`ed
#   swift:6.3-bookworm    that root + the Swift toolchain this machine already has (`which swift`) + the
#                         packages the official image carries for building
# Both stay in Podman's storage between runs and are rebuilt only when missing or when their recipe
# changes (the Swift one also when the toolchain, the mirrors below or the Debian one change). Where github.com is unreachable, git on this machine maps it to
# local mirrors (`url.<dir>.insteadOf=https://github.com/`); the Swift stand-in then carries those mirrors
# and that mapping, so the build resolves Package.swift's dependencies as it does outside. That is only a
# stand-in for the internet, never part of the real image.
#
#   scripts/ci/container-test.sh            everything: 2-5 min with warm caches, 12-14 min on a new machine
#   scripts/ci/container-test.sh --bases-only   only the local base images
# Needs root or sudo (rootful Podman, apt). SID_CONTAINER_KEEP=1 keeps the test containers and the work
# directory for inspection. Figures and what each check means: docs/operations.md, "The image".
set -euo pipefail
cd "$(dirname "$0")/../.."

scripts/ci/install-deps.sh container

step() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# Podman's default runtime here (crun) refuses hybrid cgroups; runc works.
podman=(podman_quiet --runtime runc)
# Without systemd Podman cannot start the timer that would repeat the HEALTHCHECK and says so at every
# create, start and removal; `podman healthcheck run` below runs the check itself, so that notice is dropped.
podman_quiet() { podman "$@" 2> >(grep -v 'unable to get systemd connection' >&2); }

# Running (not building) a container sets rlimits from the defaults, which this machine's sandbox forbids.
ensure_containers_conf() {
  local conf=/etc/containers/containers.conf
  [ -e "$conf" ] && return 0
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  printf '[containers]\ndefault_ulimits = []\n' | $sudo tee "$conf" >/dev/null
}

image_exists() { "${podman[@]}" image exists "$1"; }
image_label() { "${podman[@]}" image inspect --format "{{index .Labels \"$2\"}}" "$1" 2>/dev/null || true; }
image_id() { "${podman[@]}" image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }
# Removes the image a rebuild has replaced (if nothing else uses it), so repeated runs do not pile them up.
drop_replaced() { [ -n "$1" ] && [ "$1" != "$(image_id "$2")" ] && "${podman[@]}" rmi "$1" >/dev/null 2>&1 || true; }

debian_image=docker.io/library/debian:bookworm-slim
swift_image=docker.io/library/swift:6.3-bookworm

# The local debian:bookworm-slim: a minimal Debian 12 with the official image's apt sources, slimmed as
# the official one is (no documentation, manual pages or translations, now or from later installs).
make_debian_image() {
  local key; key=$(declare -f make_debian_image | sha256sum | cut -c1-16)
  image_exists "$debian_image" && [ "$(image_label "$debian_image" sid.stand-in.key)" = "$key" ] && return 0
  step "making the local $debian_image (debootstrap, about a minute)"
  local replaced; replaced=$(image_id "$debian_image")
  local root; root=$(mktemp -d /var/tmp/sid-bookworm.XXXXXX)
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$root.log" 2>&1 \
    || { tail -20 "$root.log" >&2; rm -rf "$root" "$root.log"; fail "debootstrap of Debian bookworm failed"; }
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
SLIM
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$root"/usr/share/{man,groff,info,lintian,linda,locale}/*
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/* \
    "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/* "$root"/dev/*
  tar -C "$root" --numeric-owner -cf - . \
    | "${podman[@]}" import --quiet --change 'CMD ["bash"]' --change "LABEL sid.stand-in.key=$key" \
      - "$debian_image" >/dev/null
  rm -rf "$root" "$root.log"
  drop_replaced "$replaced" "$debian_image"
}

# The local swift:6.3-bookworm. Only what `swift build` needs is copied from the toolchain (no debugger,
# language server, documentation compiler or embedded-Swift libraries: about 2 GB of the 3.3 GB).
make_swift_image() {
  local swift toolchain mirror="" key
  swift=$(command -v swift) || fail "no swift on PATH: the local swift image is made from this machine's toolchain"
  toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$swift")")")")
  # The directory git maps https://github.com/ to, if any (see the header).
  mirror=$(git config --get-regexp '^url\..*\.insteadof$' 2>/dev/null \
    | awk '$2 == "https://github.com/" { sub(/^url\./, "", $1); sub(/\.insteadof$/, "", $1); print $1; exit }')
  local context; context=$(mktemp -d)
  local volumes=(-v "$toolchain:/toolchain:ro")
  local mirror_step="true"
  if [ -n "$mirror" ]; then
    volumes+=(-v "${mirror%/}:/mirror:ro")
    mirror_step="cp -a /mirror/. ${mirror%/}/ && git config --system url.${mirror}.insteadOf https://github.com/"
    mirror_step="mkdir -p ${mirror%/} && $mirror_step"
  fi
  cat >"$context/Containerfile" <<CONTAINERFILE
FROM $debian_image
LABEL sid.stand-in.note="local stand-in for the official swift:6.3-bookworm, made by scripts/ci/container-test.sh"
RUN apt-get update -qq \\
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
       binutils ca-certificates git libc6-dev libcurl4 libedit2 libgcc-12-dev libicu72 libncurses6 \\
       libsqlite3-0 libstdc++-12-dev libxml2 pkg-config tzdata zlib1g-dev \\
    && rm -rf /var/lib/apt/lists/*
RUN tar -C /toolchain -cf - \\
      --exclude='usr/bin/lldb*' --exclude='usr/lib/liblldb*' --exclude='usr/lib/python3*' \\
      --exclude=usr/bin/sourcekit-lsp --exclude='usr/lib/libsourcekitd*' --exclude='usr/lib/libSwiftSourceKit*' \\
      --exclude=usr/bin/clangd --exclude=usr/bin/docc --exclude=usr/share/docc --exclude=usr/bin/swift-format \\
      --exclude=usr/lib/swift/embedded --exclude=usr/lib/swift_static/embedded --exclude=usr/bin/repl_swift \\
      usr | tar -C / -xf - \\
    && swift --version
RUN $mirror_step
CMD ["bash"]
CONTAINERFILE
  # Rebuilt when the toolchain, the mirror, this recipe or the Debian base changes.
  key=$( { "$swift" --version 2>/dev/null; echo "$mirror"; cat "$context/Containerfile"
           [ -z "$mirror" ] || find "$mirror" \( -name packed-refs -o -path '*/refs/*' \) -type f -exec cat {} +
           image_label "$debian_image" sid.stand-in.key; } | sha256sum | cut -c1-16)
  if image_exists "$swift_image" && [ "$(image_label "$swift_image" sid.stand-in.key)" = "$key" ]; then
    rm -rf "$context"
    return 0
  fi
  step "making the local $swift_image from $toolchain (a few minutes)"
  local replaced; replaced=$(image_id "$swift_image")
  "${podman[@]}" build --network=host --pull=never "${volumes[@]}" --label "sid.stand-in.key=$key" \
    -t "$swift_image" "$context" \
    >"$context/build.log" 2>&1 || { tail -30 "$context/build.log" >&2; fail "making the local $swift_image failed"; }
  rm -rf "$context"
  drop_replaced "$replaced" "$swift_image"
}

ensure_containers_conf
make_debian_image
make_swift_image
[ "${1:-}" = "--bases-only" ] && exit 0

work=$(mktemp -d /var/tmp/sid-container-test.XXXXXX)
containers=()
stale=()
host_server=""
cleanup() {
  [ -n "$host_server" ] && kill "$host_server" 2>/dev/null || true
  if [ "${SID_CONTAINER_KEEP:-0}" = 1 ]; then echo "kept: $work ${containers[*]}"; return; fi
  for c in "${containers[@]}"; do "${podman[@]}" rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
  local used; used=$(cat "$work"/build*.log 2>/dev/null | grep -oE '[0-9a-f]{11,64}' | cut -c1-11 | sort -u)
  for i in "${stale[@]}"; do
    i=${i#sha256:}
    grep -qx "${i:0:11}" <<<"$used" || "${podman[@]}" rmi "$i" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# The port a test container publishes on: a free one, so a busy 8080 on the host does not matter.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Polls /readyz until it answers 200; fails after $2 seconds (or when the container has stopped).
wait_ready() {
  local port=$1 limit=$2 container=${3:-} started=$SECONDS
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ]; do
    if [ -n "$container" ] && [ "$("${podman[@]}" inspect --format '{{.State.Running}}' "$container")" != true ]; then
      "${podman[@]}" logs "$container" 2>&1 | tail -20 >&2
      fail "container $container stopped before /readyz turned 200"
    fi
    [ $((SECONDS - started)) -lt "$limit" ] || {
      [ -n "$container" ] && "${podman[@]}" logs "$container" 2>&1 | tail -20 >&2
      fail "/readyz on port $port did not turn 200 within $limit s"
    }
    sleep 0.2
  done
}

# Starts a detached test container (options and command after the name); sets $port to its published port.
run_container() {
  local name=$1; shift
  port=$(free_port)
  containers+=("$name")
  "${podman[@]}" run -d --name "$name" -p "127.0.0.1:$port:8080" -e SID_THREADS=2 "$@" >/dev/null \
    || fail "podman run of $name failed"
}

# Memory charged to the container's cgroup, in MiB: `current` or `peak` (cgroup v2: memory.current and
# memory.peak; v1: usage_in_bytes and max_usage_in_bytes). Page cache counts, as it does for the limit.
cgroup_memory() {
  "${podman[@]}" exec "$1" sh -c '
    if [ -e /sys/fs/cgroup/memory.current ]; then
      [ "$0" = peak ] && cat /sys/fs/cgroup/memory.peak || cat /sys/fs/cgroup/memory.current
    else
      [ "$0" = peak ] && cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes || cat /sys/fs/cgroup/memory/memory.usage_in_bytes
    fi' "$2" 2>/dev/null | awk '{ printf "%d", $1 / 1048576 }'
}

seconds_since() { awk -v start="$1" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - start }'; }

enhance() { # port input output -> HTTP status
  curl -s -o "$3" -w '%{http_code}' --data-binary "@$2" -H 'Content-Type: application/octet-stream' \
    "http://127.0.0.1:$1/v1/enhance?ratio=auto"
}

# Random weights of the Sony model's shapes at full width (7.8 M values, 31 MB), in the safetensors layout
# `sid convert` writes: the values do not matter here, only that the real network runs on them.
make_weights() {
  python3 - "$1" <<'PYTHON'
import array, json, random, struct, sys
width, inputs, outputs = 32, 4, 12
shapes = []
def conv(name, cout, cin, k=3):
    shapes.extend([(name + ".weight", [cout, cin, k, k]), (name + ".bias", [cout])])
levels = [width * f for f in (1, 2, 4, 8, 16)]
cin = inputs
for i, c in enumerate(levels):
    conv(f"conv{i + 1}_1", c, cin); conv(f"conv{i + 1}_2", c, c); cin = c
for step, c in enumerate(reversed(levels[:-1])):
    level = step + 6
    shapes.extend([(f"upv{level}.weight", [2 * c, c, 2, 2]), (f"upv{level}.bias", [c])])
    conv(f"conv{level}_1", c, 2 * c); conv(f"conv{level}_2", c, c)
conv("conv10_1", outputs, width, 1)
rng = random.Random(13)
header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
for name, shape in shapes:
    count = 1
    for d in shape: count *= d
    fan_in = shape[0] if name.startswith("upv") else count // shape[0]
    bound = 0.1 if name.endswith(".bias") else (6 / fan_in) ** 0.5 / (8 if name == "conv10_1.weight" else 1)
    blob = array.array("f", (rng.uniform(-bound, bound) for _ in range(count))).tobytes()
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
    blobs.append(blob); offset += len(blob)
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(text))); f.write(text)
    for blob in blobs: f.write(blob)
PYTHON
}

# --- build ---------------------------------------------------------------------------------------------
image=sid:local
step "podman build -t $image . (the real Dockerfile; the first build compiles sid in release)"
build_started=$SECONDS
replaced=$(image_id "$image")
# Untagged images left by earlier runs (their build stages): removed at the end unless this run's builds
# used them (named in the build logs, or parents of images in use), so the layer cache stays and stale
# stages go instead of piling up at 2.6 GB each.
mapfile -t stale < <("${podman[@]}" images --quiet --no-trunc --filter dangling=true)
# Docker's image format: the OCI one has no HEALTHCHECK, and Podman would drop it.
"${podman[@]}" build --format docker --network=host --pull=never -t "$image" . >"$work/build.log" 2>&1 \
  || { tail -40 "$work/build.log" >&2; fail "podman build of the Dockerfile failed"; }
echo "built in $((SECONDS - build_started)) s"
drop_replaced "$replaced" "$image"

# The same binary, outside: copied out of the image and run on this (Debian 12) host.
"${podman[@]}" create --name sid-ct-copy "$image" >/dev/null
containers+=(sid-ct-copy)
"${podman[@]}" cp sid-ct-copy:/usr/local/bin/sid "$work/sid" || fail "cannot copy /usr/local/bin/sid out of the image"
"${podman[@]}" rm sid-ct-copy >/dev/null
scripts/ci/install-deps.sh runtime

mkdir -p "$work/weights" "$work/data"
make_weights "$work/weights/sid-sony.safetensors"
# A full Sony A7S II frame (4256x2848), the size the figures in docs/operations.md are for.
(cd "$work/data" && "$work/sid" sample dark.dng --width 4256 --height 2848 >/dev/null) || fail "sid sample failed"
chmod -R a+rX "$work/weights"
chmod a+rwx "$work/data"

# --- the README's `docker run`: serve, weights, identical PNG, uid, health check, cold start --------------
step "run as the README does: -p, weights mounted at /app/weights"
port=$(free_port)
containers+=(sid-ct-serve)
cold_started=$(date +%s.%N)
"${podman[@]}" create --name sid-ct-serve -p "127.0.0.1:$port:8080" -e SID_THREADS=2 --cpus 2 \
  -v "$work/weights:/app/weights:ro" "$image" >/dev/null || fail "podman create failed"
"${podman[@]}" start sid-ct-serve >/dev/null || fail "podman start failed"
wait_ready "$port" 120 sid-ct-serve
cold_start=$(seconds_since "$cold_started")
echo "ready: /readyz 200 $cold_start s after podman create"
sleep 2
idle_memory=$(cgroup_memory sid-ct-serve current)
idle_stats=$("${podman[@]}" stats --no-stream --format '{{.MemUsage}}' sid-ct-serve 2>/dev/null || echo n/a)

models=$(curl -s "http://127.0.0.1:$port/v1/models")
grep -q '"sid-sony"' <<<"$models" || fail "/v1/models does not list the mounted sid-sony weights: $models"
weights_sha256=$(sha256sum "$work/weights/sid-sony.safetensors" | cut -d' ' -f1)
grep -q "\"weights_sha256\" *: *\"$weights_sha256\"" <<<"$models" \
  || fail "/v1/models does not show the mounted weights (SHA-256 $weights_sha256): $models"
echo "mounted weights picked up: /v1/models lists sid-sony from /app/weights"

uid=$("${podman[@]}" exec sid-ct-serve id -u) || fail "podman exec id -u failed"
[ "$uid" = 10001 ] || fail "the service runs as uid $uid, not 10001"
pid1_uid=$("${podman[@]}" exec sid-ct-serve awk '/^Uid:/ { print $2 }' /proc/1/status)
[ "$pid1_uid" = 10001 ] || fail "sid (pid 1) runs as uid $pid1_uid, not 10001"
echo "runs as uid 10001"

# podman stats sampled while the request runs: the highest figure it shows.
( while sleep 0.2; do "${podman[@]}" stats --no-stream --format '{{.MemUsage}}' sid-ct-serve 2>/dev/null; done ) \
  >"$work/stats.log" &
sampler=$!
request_started=$(date +%s.%N)
status=$(enhance "$port" "$work/data/dark.dng" "$work/container.png")
request_seconds=$(seconds_since "$request_started")
kill "$sampler"; wait "$sampler" 2>/dev/null || true
[ "$status" = 200 ] || fail "POST /v1/enhance in the container answered $status: $(head -c 400 "$work/container.png")"
peak_memory=$(cgroup_memory sid-ct-serve peak)
# The service process alone (the raw decoder runs in a helper process, counted in the cgroup only).
peak_rss=$("${podman[@]}" exec sid-ct-serve awk '/^VmHWM:/ { printf "%d", $2 / 1024 }' /proc/1/status)
busy_stats=$(awk '{ print $1 }' "$work/stats.log" | sort -h | tail -1)

# The same binary outside the container, same weights, same request.
host_port=$(free_port)
SID_PORT=$host_port SID_HOST=127.0.0.1 SID_THREADS=2 SID_WEIGHTS="$work/weights/sid-sony.safetensors" \
  "$work/sid" serve >"$work/host-serve.log" 2>&1 &
host_server=$!
wait_ready "$host_port" 60
status=$(enhance "$host_port" "$work/data/dark.dng" "$work/host.png")
[ "$status" = 200 ] || fail "POST /v1/enhance to the same binary on the host answered $status"
kill "$host_server"; wait "$host_server" 2>/dev/null || true; host_server=""
[ "$(head -c 8 "$work/container.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] \
  || fail "the container's answer is not a PNG"
cmp -s "$work/container.png" "$work/host.png" \
  || fail "the container's PNG differs from the same binary's on the host ($(stat -c %s "$work/container.png") vs $(stat -c %s "$work/host.png") bytes)"
echo "POST /v1/enhance?ratio=auto: PNG ($(stat -c %s "$work/container.png") bytes) identical to the same binary's outside"

"${podman[@]}" healthcheck run sid-ct-serve >"$work/health.log" 2>&1 \
  || fail "podman healthcheck run: the image's HEALTHCHECK failed: $(cat "$work/health.log")"
health=$("${podman[@]}" inspect --format '{{.State.Health.Status}}' sid-ct-serve 2>/dev/null \
  || "${podman[@]}" inspect --format '{{.State.Healthcheck.Status}}' sid-ct-serve)
[ "$health" = healthy ] || fail "after podman healthcheck run the container is '$health', not healthy"
echo "HEALTHCHECK passes (healthy)"
"${podman[@]}" rm -f -t 0 sid-ct-serve >/dev/null

# --- hardened as the Kubernetes manifests run it; drain on SIGTERM with work in flight -------------------
step "run with --read-only --cap-drop=ALL, then podman stop with requests in flight"
run_container sid-ct-hardened --read-only --cap-drop=ALL --security-opt no-new-privileges \
  --user 10001:10001 -e SID_GRACE_SECONDS=30 -v "$work/weights:/app/weights:ro" "$image"
wait_ready "$port" 120 sid-ct-hardened
status=$(enhance "$port" "$work/data/dark.dng" "$work/hardened.png")
[ "$status" = 200 ] || fail "with --read-only --cap-drop=ALL, POST /v1/enhance answered $status"
cmp -s "$work/hardened.png" "$work/host.png" || fail "with --read-only --cap-drop=ALL the PNG differs"
echo "serves with a read-only root and no capabilities"

# One request running and one queued when SIGTERM arrives: both must be answered 200.
enhance "$port" "$work/data/dark.dng" "$work/drain1.png" >"$work/drain1.status" &
drain1=$!
until curl -s "http://127.0.0.1:$port/metrics" | grep -qE '^sid_workers_busy(\{[^}]*\})? 1'; do
  kill -0 "$drain1" 2>/dev/null || fail "the first request finished before the drain test could stop the container"
  sleep 0.05
done
# The second one is a small raw (3 MB), and SIGTERM waits until curl has sent all of it, sid counts it
# queued, and a second has passed for sid to read the rest: a request still uploading at SIGTERM is not
# answered (the known issue in docs/operations.md), which is not what this checks.
(cd "$work/data" && "$work/sid" sample small.dng >/dev/null)
curl -sv -o "$work/drain2.png" -w '%{http_code}' --data-binary "@$work/data/small.dng" \
  -H 'Content-Type: application/octet-stream' "http://127.0.0.1:$port/v1/enhance?ratio=auto" \
  >"$work/drain2.status" 2>"$work/drain2.trace" &
drain2=$!
until grep -q 'completely uploaded' "$work/drain2.trace" \
    && curl -s "http://127.0.0.1:$port/metrics" | grep -qE '^sid_queue_depth(\{[^}]*\})? 1'; do
  kill -0 "$drain1" 2>/dev/null || fail "the first request finished before the second was queued"
  sleep 0.05
done
sleep 1
stop_grace=40
stop_started=$SECONDS
"${podman[@]}" stop -t "$stop_grace" sid-ct-hardened >/dev/null || fail "podman stop failed"
stop_seconds=$((SECONDS - stop_started))
wait "$drain1" "$drain2" || true
exit_code=$("${podman[@]}" inspect --format '{{.State.ExitCode}}' sid-ct-hardened)
[ "$(cat "$work/drain1.status")" = 200 ] || fail "the request in flight at SIGTERM got $(cat "$work/drain1.status"), not 200"
[ "$(cat "$work/drain2.status")" = 200 ] \
  || fail "the request queued at SIGTERM got $(cat "$work/drain2.status"), not 200: $(tail -3 "$work/drain2.trace")"
cmp -s "$work/drain1.png" "$work/host.png" || fail "the PNG finished during the drain differs"
[ "$exit_code" = 0 ] || fail "after SIGTERM the container exited $exit_code, not 0"
[ "$stop_seconds" -lt "$stop_grace" ] || fail "the drain took $stop_seconds s, not less than the $stop_grace s grace period"
"${podman[@]}" logs sid-ct-hardened 2>&1 | grep -q 'clean=true' \
  || fail "the log does not say 'stopped clean=true': $("${podman[@]}" logs sid-ct-hardened 2>&1 | tail -5)"
echo "podman stop with 1 running + 1 queued: both answered 200, exit code 0 after $stop_seconds s (grace $stop_grace s)"

# --- the README's command line, with a bind mount -------------------------------------------------------
step "CLI: run ... enhance dark.dng --output out.png with the working directory bind-mounted"
containers+=(sid-ct-cli)
# As the README writes it, with weights/ beside the raw in the mounted directory (sid looks there).
cp -a "$work/weights" "$work/data/weights"
(cd "$work/data" && "${podman[@]}" run --rm --name sid-ct-cli --user "$(id -u):$(id -g)" -v "$PWD:/data" -w /data \
  "$image" enhance dark.dng --ratio auto --output out.png) >"$work/cli.log" 2>&1 \
  || fail "the CLI form failed: $(tail -5 "$work/cli.log")"
[ -s "$work/data/out.png" ] || fail "the CLI form wrote no out.png into the bind mount"
[ "$(head -c 8 "$work/data/out.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "out.png is not a PNG"
grep -q sid-sony "$work/cli.log" || fail "the CLI form did not use weights/sid-sony.safetensors: $(cat "$work/cli.log")"
echo "CLI form wrote out.png ($(stat -c %s "$work/data/out.png") bytes) through the bind mount"

# --- weights baked in with --build-arg WEIGHTS_FILE -----------------------------------------------------
step "--build-arg WEIGHTS_FILE=weights/sid-sony.safetensors bakes the weights in"
# A copy of the build context with the test weights in weights/, so a user's own weights/ is never touched.
context="$work/context"
mkdir -p "$context/weights" "$context/scripts/ci"
cp -a Package.* Sources Tests Dockerfile .dockerignore "$context/"
cp -a scripts/ci/install-deps.sh "$context/scripts/ci/"
cp "$work/weights/sid-sony.safetensors" "$context/weights/"
"${podman[@]}" build --format docker --network=host --pull=never -t sid:local-baked \
  --build-arg WEIGHTS_FILE=weights/sid-sony.safetensors "$context" >"$work/build-baked.log" 2>&1 \
  || { tail -20 "$work/build-baked.log" >&2; fail "the build with WEIGHTS_FILE failed"; }
run_container sid-ct-baked sid:local-baked
wait_ready "$port" 120 sid-ct-baked
models=$(curl -s "http://127.0.0.1:$port/v1/models")
grep -q "\"weights_sha256\" *: *\"$weights_sha256\"" <<<"$models" \
  || fail "the baked image does not serve its weights (SHA-256 $weights_sha256): $models"
status=$(enhance "$port" "$work/data/dark.dng" "$work/baked.png")
[ "$status" = 200 ] && cmp -s "$work/baked.png" "$work/host.png" || fail "the baked image's PNG differs (status $status)"
"${podman[@]}" rm -f -t 0 sid-ct-baked >/dev/null
"${podman[@]}" rmi sid:local-baked >/dev/null 2>&1 || true
echo "baked weights served from /app/weights"

size=$("${podman[@]}" image inspect --format '{{.Size}}' "$image")
echo
echo "image $image: $((size / 1000000)) MB; cold start (podman create to /readyz 200): $cold_start s"
echo "memory (cgroup, page cache included): idle ${idle_memory} MiB, peak ${peak_memory} MiB over one full frame" \
  "($request_seconds s); sid's peak RSS ${peak_rss} MiB; podman stats: idle $idle_stats, busy up to $busy_stats"
echo "container tests passed in $SECONDS s"
