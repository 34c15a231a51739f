#!/usr/bin/env bash
# Soak test for `sid serve`: starts it with synthetic weights and short timeouts, then drives it through
# REQUESTS requests (default 10000, after a warm-up) at a fixed concurrency, mixing good uploads (each answer checked
# against a reference PNG), bad raws, malformed HTTP, slow clients and disconnects (scripts/ci/soak_client.py).
# Fails unless the server is still up and healthy, every good upload got the right image, RSS after the run is within
# 10 % of RSS after the warm-up, and open file descriptors are back to the warm-up's count. With a sid that has them:
# API keys on (every /v1/* request carries one; some carry none or a wrong one: 401), decompression bombs (422),
# a slowloris on the main port during which every probe on the admin port must answer 200, idle RSS printed before
# and after one large upload, and a second server whose drain runs past its grace period: every upload in flight
# must get an answer (200 or 503) and the process must exit 3. See docs/soak.md.
#
#   scripts/ci/soak.sh                        # build release, 10000 requests, 8 clients
#   SID=.build/release/sid REQUESTS=2000 scripts/ci/soak.sh -- --workers 2 --threads 1
#
# Environment: SID (a built sid; default: swift build -c release), REQUESTS (10000), WARMUP (1000),
# CONCURRENCY (8), SEED (5), PORT (default: a free one). Anything after -- goes to `sid serve`.
# The service's log and any bad raw that got no answer are kept in .build-soak/ (git-ignored).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
serve_args=()
if [[ ${1:-} == -- ]]; then shift; serve_args=("$@"); fi
requests=${REQUESTS:-10000}
warmup=${WARMUP:-1000}
concurrency=${CONCURRENCY:-8}
seed=${SEED:-5}
# Short enough that slow clients are cut off quickly, long enough that no good upload over loopback comes near.
header_timeout=0.5

sid=${SID:-}
if [[ -z $sid ]]; then
    swift build --package-path "$root" -c release --product sid 2>&1 \
        | grep --line-buffered -vE '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Write|Merging)' >&2
    sid="$(swift build --package-path "$root" -c release --show-bin-path)/sid"
fi
[[ -x $sid ]] || { echo "soak: no sid binary at $sid" >&2; exit 2; }

output=$root/.build-soak
rm -rf "$output" && mkdir -p "$output"
work=$(mktemp -d)
server_pid=""
cleanup() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null || true; fi
    [[ -f $work/serve.log ]] && cp "$work/serve.log" "$output/serve.log"
    rm -rf "$work"
}
trap cleanup EXIT

# Small raws, so that a good upload costs tens of milliseconds and the run takes minutes: the soak is about the
# service's handling of connections, memory and errors, not the network's speed.
raws=()
for size in 64x64 96x128 128x96 160x160 256x192; do
    "$sid" sample --width "${size%x*}" --height "${size#*x}" --seed "${#raws[@]}" "$work/sample-$size.dng" >/dev/null
    raws+=(--raw "$work/sample-$size.dng")
done

# Raws that crash LibRaw 0.20.2 take the process that decodes them down: they are sent only when `sid` can decode in
# a subprocess (`sid decode-helper`), which is what contains them.
crashers=()
decoder_args=()
isolation=()
# An unknown subcommand prints the top-level help, so the check is that the help is decode-helper's own. The help is
# captured rather than piped into `grep -q`, whose early exit could fail the pipeline with SIGPIPE.
helper_help=$("$sid" decode-helper --help 2>&1 || true)
if [[ $helper_help == *"sid decode-helper"* ]]; then
    isolation=(--isolated)
    for input in "$root"/Fuzz/raw-decoder/libraw-crashes/*; do crashers+=(--crash-input "$input"); done
    serve_help=$("$sid" serve --help 2>&1 || true)
    if [[ $serve_help == *--decoder* ]]; then decoder_args=(--decoder isolated); fi
    echo "# decoder isolation present: raws with mutated IFDs and $((${#crashers[@]} / 2)) LibRaw-crashing inputs are sent"
else
    echo "# no decoder isolation in this sid (no decode-helper): raws that can crash LibRaw are NOT sent"
fi

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=${PORT:-$(free_port)}

# What this sid has of issue 14's hardening: API keys, the admin listener.
hardening=()
client_hardening=()
serve_help=$("$sid" serve --help 2>&1 || true)
if [[ $serve_help == *--api-keys-file* && $serve_help == *--admin-port* ]]; then
    key=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
    printf '# the soak'"'"'s key\n%s\n' "$key" >"$work/api-keys"
    admin_port=$(free_port)
    hardening=(--api-keys-file "$work/api-keys" --admin-port "$admin_port" --max-megapixels 4)
    "$sid" sample --width 1424 --height 1064 --seed 9 "$work/big.dng" >/dev/null
    client_hardening=(--api-key "$key" --admin-port "$admin_port" --big-raw "$work/big.dng")
    echo "# API keys on, admin port $admin_port: keyless requests, a slowloris and a large upload are added"
fi
# One worker with two compute threads (the default layout on two cores); a queue longer than the client count, so
# no good upload is refused with 503; short timeouts for the slow clients; warnings only, so logging costs little.
# Should it crash, Swift's backtrace names only the crashed thread's frames (the others just wait).
SWIFT_BACKTRACE=threads=crashed,registers=none,images=none,limit=40 \
"$sid" serve --host 127.0.0.1 --port "$port" --synthetic-weights --workers 1 --threads 2 --queue 32 \
    --max-body-mb 4 --header-timeout "$header_timeout" --body-idle-timeout 0.5 --body-timeout 5 \
    --keep-alive-timeout 2 --request-timeout 60 --max-connections 64 --log-level warning \
    "${hardening[@]+"${hardening[@]}"}" \
    "${decoder_args[@]+"${decoder_args[@]}"}" "${serve_args[@]+"${serve_args[@]}"}" >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; then break; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/serve.log" >&2; echo "soak: sid serve exited" >&2; exit 1; fi
    sleep 0.2
done
echo "# sid serve pid $server_pid on port $port; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

set +e
python3 "$root/scripts/ci/soak_client.py" --port "$port" --pid "$server_pid" "${raws[@]}" \
    "${isolation[@]+"${isolation[@]}"}" "${crashers[@]+"${crashers[@]}"}" "${client_hardening[@]+"${client_hardening[@]}"}" \
    --keep-dir "$output/no-answer" --requests "$requests" --warmup "$warmup" --concurrency "$concurrency" \
    --seed "$seed" --header-timeout "$header_timeout"
status=$?
set -e

# The server's own account: anything it logged above warning level, and whether it is still there.
if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "CHECK FAILED: sid serve is gone (its log: $output/serve.log); how it ended:"
    # Swift's backtrace (only the crashed thread's, see SWIFT_BACKTRACE above), with any message before it.
    grep -m1 -B2 -A30 'Program crashed' "$work/serve.log" | grep -v '^$' | cut -c1-240 || tail -5 "$work/serve.log"
    status=1
else
    # 5xx answers (505 to HTTP/2.0 requests, 500 from a crashed decoder) are logged at error level as requests;
    # anything else at error level is worth a look.
    others=$(grep -E ' (error|critical) ' "$work/serve.log" | grep -vc '\[SIDService\] request$' || true)
    echo "# sid serve still running; its log has $(wc -l < "$work/serve.log") lines," \
         "$(grep -c '\[SIDService\] request$' "$work/serve.log" || true) of them 5xx request lines, $others other errors"
    grep -E ' (error|critical) ' "$work/serve.log" | grep -v '\[SIDService\] request$' | head -5 | cut -c1-300 || true
fi
kill -TERM "$server_pid"
wait "$server_pid" || { echo "CHECK FAILED: sid serve did not exit 0 on SIGTERM"; status=1; }
server_pid=""

# A drain that runs past its grace period: uploads of a large raw fill the worker and the queue, SIGTERM comes with a
# 1 s grace period. Every upload must get an answer, and sid must say the drain was unclean with exit status 3.
if [[ ${#hardening[@]} -gt 0 ]]; then
    "$sid" sample --width 2848 --height 2128 --seed 11 "$work/drain.dng" >/dev/null
    drain_port=$(free_port)
    drain_admin=$(free_port)
    "$sid" serve --host 127.0.0.1 --port "$drain_port" --admin-port "$drain_admin" --synthetic-weights --workers 1 \
        --threads 2 --queue 4 --max-body-mb 64 --grace-seconds 1 --api-keys-file "$work/api-keys" --log-level notice \
        "${decoder_args[@]+"${decoder_args[@]}"}" >"$work/drain.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 600); do
        if curl -fsS -o /dev/null "http://127.0.0.1:$drain_admin/readyz" 2>/dev/null; then break; fi
        sleep 0.2
    done
    set +e
    drain_output=$(python3 "$root/scripts/ci/soak_client.py" --drain-check --port "$drain_port" --admin-port "$drain_admin" \
        --pid "$server_pid" --raw "$work/drain.dng" --big-raw "$work/drain.dng" --api-key "$key" --header-timeout 10)
    drain_status=$?
    wait "$server_pid"
    drain_exit=$?
    set -e
    server_pid=""
    cp "$work/drain.log" "$output/drain.log"
    echo "$drain_output" | grep -v '^expect-exit'
    expected_exit=$(echo "$drain_output" | sed -n 's/^expect-exit //p')
    echo "# drain: sid serve exited $drain_exit (expected ${expected_exit:-?}); log: $(grep -o 'clean=[a-z]*' "$work/drain.log" || true)"
    if [[ $drain_status -ne 0 || $drain_exit != "${expected_exit:-x}" ]]; then
        echo "CHECK FAILED: the drain past its grace period (client $drain_status, exit $drain_exit)"
        status=1
    fi
fi
exit $status
