#!/usr/bin/env bash
# Runs the stable test suites under AddressSanitizer and ThreadSanitizer:
#   scripts/ci/sanitizers.sh [--package-path DIR] [address] [thread]
# Each sanitizer builds into its own scratch directory (.build-asan, .build-tsan) so the normal build is untouched.
# `--package-path` runs a package of symlinks to this checkout instead (see docs/fuzzing.md), for when a module
# outside the suites below does not compile. Exits non-zero if a suite fails or a sanitizer reports anything.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
package=$root
if [[ ${1:-} == --package-path ]]; then
    package=$(cd "$2" && pwd)
    shift 2
fi
sanitizers=("$@")
[[ ${#sanitizers[@]} -gt 0 ]] || sanitizers=(address thread)

# Every suite; SANITIZER_SUITES="SIDRawTests SIDHTTPTests" narrows the run while working on one module.
read -r -a suites <<< "${SANITIZER_SUITES:-SIDRawTests SIDDecoderIsolationTests SIDSamplesTests SIDModelTests SIDWeightsTests SIDCheckpointTests SIDImageTests SIDTestSupportTests SIDHTTPTests SIDNetworkTests SIDEngineTests SIDServiceTests sidTests}"
filter="^($(IFS='|'; echo "${suites[*]}"))\\."

# halt_on_error: the first report fails the run. log_path: reports go to files, one per process, so that a report from
# a `sid` process a test started (sidTests, `sid serve` included), whose stderr the test swallows, is seen too; the
# script prints them after the run.
# LeakSanitizer is off here: at exit it also reports what XCTest's test cases still hold and Foundation values whose
# pointers carry tag bits (docs/fuzzing.md). The fuzz targets check for leaks input by input instead; set
# ASAN_OPTIONS=detect_leaks=1 to see the exit report anyway.
asan_options=${ASAN_OPTIONS:-detect_leaks=0}
tsan_options=${TSAN_OPTIONS:-second_deadlock_stack=1}
# The Swift runtime's crash backtracer would interleave with the sanitizer's report.
export SWIFT_BACKTRACE=enable=no
# The decoder helper gets no address-space, file-size or descriptor limit: the sanitizer's shadow memory takes
# terabytes of address space, and its report must reach its file (DecoderIsolation.memoryLimitBytes). The tests
# of the memory limit skip themselves under this setting.
export SID_DECODER_MEMORY_MB=0
quiet() { grep --line-buffered -vE '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Write|Merging)'; }

status=0
summary=()
for sanitizer in "${sanitizers[@]}"; do
    case $sanitizer in
        address) scratch=.build-asan ;;
        thread) scratch=.build-tsan ;;
        *) echo "unknown sanitizer: $sanitizer (address or thread)" >&2; exit 2 ;;
    esac
    log=$package/$scratch/sanitizer-tests.log
    reports=$package/$scratch/sanitizer-reports
    rm -rf "$reports" && mkdir -p "$reports"
    export ASAN_OPTIONS="$asan_options:halt_on_error=1:log_path=$reports/asan"
    export TSAN_OPTIONS="$tsan_options:halt_on_error=1:log_path=$reports/tsan"
    [[ -f $root/scripts/ci/tsan-suppressions.txt ]] && TSAN_OPTIONS+=":suppressions=$root/scripts/ci/tsan-suppressions.txt"
    echo "== swift build --build-tests --sanitize=$sanitizer"
    start=$SECONDS
    set +e
    swift build --package-path "$package" --scratch-path "$package/$scratch" --sanitize="$sanitizer" --build-tests \
        2>&1 | quiet
    code=${PIPESTATUS[0]}
    built=$((SECONDS - start))
    if [[ $code -ne 0 ]]; then
        status=1
        summary+=("$(printf '%-8s build failed after %ss (exit %s)' "$sanitizer" "$built" "$code")")
        set -e
        continue
    fi
    echo "== swift test --sanitize=$sanitizer (${suites[*]})"
    start=$SECONDS
    swift test --package-path "$package" --scratch-path "$package/$scratch" --sanitize="$sanitizer" --skip-build \
        --disable-swift-testing --filter "$filter" 2>&1 | quiet | tee "$log"
    code=${PIPESTATUS[0]}
    set -e
    tested=$((SECONDS - start))
    found=()
    contained=0
    for report in "$reports"/*; do
        [[ -e $report ]] || continue
        # Tests feed the decoder helper files that crash LibRaw on purpose (Fuzz/raw-decoder/libraw-crashes); a
        # report whose first frame in LibRaw or in our code is LibRaw's is that crash, contained in the helper.
        frame=$(awk -v ours="/(Sources|Tests)/" '/^ +#[0-9]+ 0x/ {
                    if ($0 ~ /libraw_r\.so/ || $0 ~ ours) { print; exit }
                }' "$report")
        if [[ $frame == *libraw_r.so* ]] && grep -q 'DecoderHelper' "$report"; then
            contained=$((contained + 1))
            echo "== LibRaw's own fault in the decoder helper, contained: $report: $frame"
            continue
        fi
        found+=("$report")
        echo "== sanitizer report $report"
        head -c 20000 "$report"
    done
    executed=$(grep -oE 'Executed [0-9]+ tests?, with ([0-9]+ tests? skipped and )?[0-9]+ failures?' "$log" | tail -1)
    if [[ $code -eq 0 && ${#found[@]} -eq 0 ]]; then
        result="ok ($contained LibRaw faults contained in the decoder helper)"
    else
        result="FAILED (exit $code, ${#found[@]} sanitizer reports in $reports; log $log)"
        status=1
    fi
    summary+=("$(printf '%-8s %-42s build %4ss, tests %4ss  %s' "$sanitizer" "${executed:-no tests ran}" "$built" "$tested" "$result")")
done

echo "== sanitizer summary"
printf '%s\n' "${summary[@]}"
exit $status
