#!/usr/bin/env bash
# Load test for `sid serve`: starts it (release build), drives it at a fixed concurrency with keep-alive
# clients uploading raws, and reports throughput (req/s) and p50/p99 latency, for small uploads (512x512 raw)
# and full frames (4256x2848, the A7S II's size). Without a weights file the service runs synthetic full-width
# weights (--synthetic-weights): the images are meaningless, the timings are the real network's.
#
# Against the forward pass (the `forward` of each answer's Server-Timing) it also prints what everything else
# costs (issue #16): `overhead` is the client's wall time minus the forward time, per request, as a share of the
# forward time (p50; meaningful without queueing, so the `full1` phase sends one request at a time), and
# `saturation` is throughput times the forward time's p50, the share of one frame per forward time the service
# delivers with every worker kept busy (the `full` phase, more clients than workers).
#
#   scripts/measure/load-test.sh                               # the service's default worker layout
#   scripts/measure/load-test.sh -- --workers 2 --threads 1    # anything after -- goes to `sid serve`
#
# Environment: SID (a prebuilt sid binary; default: swift build -c release), PORT (default 18181),
# SMALL_REQUESTS (40), SMALL_CONCURRENCY (2), FULL1_REQUESTS (3, one client), FULL_REQUESTS (4),
# FULL_CONCURRENCY (2). Each phase starts with one unmeasured request per client, so first-use allocations
# are not counted. The service's peak RSS (VmHWM) is printed after each phase.
set -euo pipefail
cd "$(dirname "$0")/../.."

serve_args=()
if [ "${1:-}" = "--" ]; then shift; serve_args=("$@"); fi
port=${PORT:-18181}
small_requests=${SMALL_REQUESTS:-40}
small_concurrency=${SMALL_CONCURRENCY:-2}
full1_requests=${FULL1_REQUESTS:-3}
full_requests=${FULL_REQUESTS:-4}
full_concurrency=${FULL_CONCURRENCY:-2}

sid=${SID:-}
if [ -z "$sid" ]; then
  swift build -c release --product sid >&2
  sid="$(swift build -c release --show-bin-path)/sid"
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$sid" sample --width 512 --height 512 "$work/small.dng" >/dev/null
"$sid" sample --width 4256 --height 2848 "$work/full.dng" >/dev/null

weights_args=()
if [ -z "${SID_WEIGHTS:-}" ] && [ ! -f weights/sid-sony.safetensors ] \
   && ! printf '%s\n' "${serve_args[@]+"${serve_args[@]}"}" | grep -q -- '--weights'; then
  weights_args=(--synthetic-weights)
fi

"$sid" serve --host 127.0.0.1 --port "$port" "${weights_args[@]+"${weights_args[@]}"}" \
  "${serve_args[@]+"${serve_args[@]}"}" >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/serve.log" >&2; echo "sid serve exited" >&2; exit 1; fi
  sleep 0.2
done
grep -m1 "starting sid serve" "$work/serve.log" | sed 's/^/# /'
echo "# $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"

run_phase() { # name file requests concurrency
  [ "$3" -gt 0 ] || return 0
  python3 - "$port" "$1" "$2" "$3" "$4" <<'PYTHON'
import http.client, math, sys, threading, time

port, name, path, requests, concurrency = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
body = open(path, "rb").read()
headers = {"Content-Type": "application/octet-stream"}
lock = threading.Lock()
remaining = requests
latencies, forwards, failures = [], [], {}

def post(connection):
    started = time.monotonic()
    connection.request("POST", "/v1/enhance?ratio=100", body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    timing = dict(part.strip().split(";dur=") for part in (response.getheader("Server-Timing") or "").split(",") if ";dur=" in part)
    return response.status, time.monotonic() - started, float(timing.get("forward", "nan")) / 1000

def client(barrier):
    global remaining
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    post(connection)  # unmeasured: first-use allocations
    barrier.wait()
    while True:
        with lock:
            if remaining == 0:
                break
            remaining -= 1
        status, seconds, forward = post(connection)
        with lock:
            if status == 200:
                latencies.append(seconds)
                forwards.append(forward)
            else:
                failures[status] = failures.get(status, 0) + 1
    connection.close()

barrier = threading.Barrier(concurrency + 1)
threads = [threading.Thread(target=client, args=(barrier,)) for _ in range(concurrency)]
for thread in threads:
    thread.start()
barrier.wait()
started = time.monotonic()
for thread in threads:
    thread.join()
wall = time.monotonic() - started

def percentile(values, fraction):  # nearest rank
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]

ok = len(latencies)
line = f"{name:<6} {len(body) / 1e6:6.1f} MB  c={concurrency}  n={ok:<3} {ok / wall:7.2f} req/s"
if ok:
    forward = percentile(forwards, 0.5)
    overheads = [(latency - fwd) / fwd for latency, fwd in zip(latencies, forwards)]
    line += f"  p50 {percentile(latencies, 0.5):7.3f} s  p99 {percentile(latencies, 0.99):7.3f} s"
    line += f"  forward p50 {forward:.3f} s  overhead p50 {100 * percentile(overheads, 0.5):5.1f} %"
    line += f"  saturation {100 * ok / wall * forward:5.1f} %"
if failures:
    line += f"  failures {failures}"
print(line, flush=True)
sys.exit(1 if failures else 0)
PYTHON
}

# VmHWM only grows, so after full1 it is the peak with one full frame at a time, after full the peak with
# frames queued and decoded ahead.
peak() { echo "# sid serve peak RSS after $1: $(awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$server_pid/status")"; }
status=0
run_phase small "$work/small.dng" "$small_requests" "$small_concurrency" || status=1
peak small
run_phase full1 "$work/full.dng" "$full1_requests" 1 || status=1
peak full1
run_phase full "$work/full.dng" "$full_requests" "$full_concurrency" || status=1
peak full

kill -TERM "$server_pid"
if wait "$server_pid"; then server_pid=""; else echo "sid serve did not exit cleanly" >&2; status=1; fi
exit $status
