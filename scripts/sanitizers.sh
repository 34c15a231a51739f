#!/usr/bin/env bash
# Runs the stable test suites under AddressSanitizer and ThreadSanitizer:
#   scripts/sanitizers.sh [--package-path DIR] [address] [thread]
# Each sanitizer builds into its own scratch directory (.build-asan, .build-tsan) so the normal build is untouched.
# `--package-path` runs a package of symlinks to this checkout instead (see docs/fuzzing.md), for when a module
# outside the suites below does not compile. Exits non-zero if a suite fails or a sanitizer reports anything.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
package=$root
if [[ ${1:-} == --package-path ]]; then
    package=$(cd "$2" && pwd)
    shift 2
fi
sanitizers=("$@")
[[ ${#sanitizers[@]} -gt 0 ]] || sanitizers=(address thread)

# The suites that are stable; SIDServiceTests and sidTests join once the service settles.
suites=(SIDRawTests SIDWeightsTests SIDImageTests SIDHTTPTests SIDNetworkTests SIDEngineTests)
filter="^($(IFS='|'; echo "${suites[*]}"))\\."

# halt_on_error: the first report fails the run, with the test that caused it still on screen.
# LeakSanitizer is off here: at exit it also reports what XCTest's test cases still hold and Foundation values whose
# pointers carry tag bits (docs/fuzzing.md). The fuzz targets check for leaks input by input instead; set
# ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 to see the exit report anyway.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=0}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
# The Swift runtime's crash backtracer would interleave with the sanitizer's report.
export SWIFT_BACKTRACE=enable=no

status=0
summary=()
for sanitizer in "${sanitizers[@]}"; do
    case $sanitizer in
        address) scratch=.build-asan ;;
        thread) scratch=.build-tsan ;;
        *) echo "unknown sanitizer: $sanitizer (address or thread)" >&2; exit 2 ;;
    esac
    log=$package/$scratch/sanitizer-tests.log
    mkdir -p "$package/$scratch"
    echo "== swift test --sanitize=$sanitizer (${suites[*]})"
    start=$SECONDS
    set +e
    swift test --package-path "$package" --scratch-path "$package/$scratch" --sanitize="$sanitizer" \
        --disable-swift-testing --filter "$filter" 2>&1 \
        | grep --line-buffered -vE '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Write|Merging)' | tee "$log"
    code=${PIPESTATUS[0]}
    set -e
    reports=$(grep -cE '^(==[0-9]+==ERROR: |WARNING: ThreadSanitizer|SUMMARY: (Address|Thread|Leak)Sanitizer)' "$log" || true)
    executed=$(grep -oE 'Executed [0-9]+ tests?, with ([0-9]+ tests? skipped and )?[0-9]+ failures?' "$log" | tail -1)
    if [[ $code -eq 0 && $reports -eq 0 ]]; then
        result=ok
    else
        result="FAILED (exit $code, $reports sanitizer report lines; log $log)"
        status=1
    fi
    summary+=("$(printf '%-8s %-40s %4ss  %s' "$sanitizer" "${executed:-no tests ran}" $((SECONDS - start)) "$result")")
done

echo "== sanitizer summary"
printf '%s\n' "${summary[@]}"
exit $status
