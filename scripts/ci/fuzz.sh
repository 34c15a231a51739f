#!/usr/bin/env bash
# Builds every libFuzzer target under Fuzz/ and runs each for a while:
#   scripts/ci/fuzz.sh [seconds per target, default 60] [target ...]
# Exits non-zero if any target finds a crash, a leak, a timeout or an out-of-memory input in our code; the input is
# kept under .build-fuzz/run/<target>/. Crashes inside LibRaw are counted and kept but do not fail the run (below).
# Each target starts from its committed corpus (Fuzz/<target>/corpus, read only) plus a scratch corpus that keeps
# what earlier local runs found. See docs/fuzzing.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

seconds=${1:-60}
shift || true
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/ci/fuzz.sh [seconds per target] [target ...]" >&2; exit 2; }

# Every folder under Fuzz/ but Support/ is a target; what each links comes from the package itself: the modules
# its harness imports, their transitive dependencies (`swift package describe`) and the system libraries and
# linker settings of those (`swift package dump-package`), so nothing here restates the module graph.
all_targets=()
for directory in "$root"/Fuzz/*/; do
    name=$(basename "$directory")
    [[ $name != Support ]] && all_targets+=("$name")
done
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
    [[ -d $root/Fuzz/$target && $target != Support ]] \
        || { echo "unknown fuzz target: $target (known: ${all_targets[*]})" >&2; exit 2; }
done

build=$root/.build-fuzz
spm=$build/spm
products=$spm/release
mkdir -p "$build/bin" "$build/plans"
swift package --package-path "$root" --scratch-path "$spm" describe --type json > "$build/plans/describe.json"
swift package --package-path "$root" --scratch-path "$spm" dump-package > "$build/plans/dump.json"
declare -A modules_of objects_of libraries_of includes_of
for target in "${targets[@]}"; do
    python3 "$root/scripts/ci/lib/fuzz_link_plan.py" "$build/plans/describe.json" "$build/plans/dump.json" \
        "$root"/Fuzz/"$target"/*.swift > "$build/plans/$target"
    modules_of[$target]=$(sed -n 's/^modules: *//p' "$build/plans/$target")
    objects_of[$target]=$(sed -n 's/^objects: *//p' "$build/plans/$target")
    libraries_of[$target]=$(sed -n 's/^libraries: *//p' "$build/plans/$target")
    includes_of[$target]=$(sed -n 's/^includes: *//p' "$build/plans/$target")
done

# 1. The modules, instrumented, built by SwiftPM (which also fetches HTTPTypes and Logging) with testing enabled so
#    that harnesses can `@testable import` them and reach internal parsers. Only the modules the chosen targets need.
modules=$(for target in "${targets[@]}"; do tr ' ' '\n' <<< "${modules_of[$target]}"; done | sort -u)
for module in $modules; do
    echo "== building $module (fuzzer + address sanitizer)"
    # Not `--sanitize=fuzzer --sanitize=address`: SwiftPM hands those to swiftc as two flags and the last one wins.
    swift build --package-path "$root" --scratch-path "$spm" -c release -Xswiftc -sanitize=fuzzer,address \
        -Xcc -fsanitize=fuzzer-no-link,address -Xswiftc -enable-testing -Xswiftc -g --target "$module" 2>&1 \
        | grep --line-buffered -vE '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Write|Merging)' || true
    [[ -f $products/Modules/$module.swiftmodule ]] || { echo "building $module failed" >&2; exit 1; }
done

# 2. One executable per target: its harness plus the shared support files, linked with its closure's objects.
for target in "${targets[@]}"; do
    harness=("$root"/Fuzz/"$target"/*.swift)
    main_harness=("$root"/Fuzz/"$target"/*Fuzzer.swift)
    binary=$build/bin/$target
    objects=()
    clang_modules=()
    for directory in ${objects_of[$target]}; do
        objects+=("$products/$directory.build"/*.o)
        # C targets: their generated module map lets the harness (and the Swift modules above) import them.
        [[ -f $products/$directory.build/module.modulemap ]] \
            && clang_modules+=(-Xcc -fmodule-map-file="$products/$directory.build/module.modulemap")
    done
    includes=()
    for directory in ${includes_of[$target]}; do includes+=(-I "$root/$directory"); done
    # Relink unless the binary is newer than every input. (Not `ls -t | head -1`: with pipefail, head closing the
    # pipe early can kill ls with SIGPIPE and the script with it.)
    stale=0
    [[ -x $binary ]] || stale=1
    for input in "${harness[@]}" "$root"/Fuzz/Support/*.swift "${objects[@]}"; do
        [[ $stale -eq 0 && $input -nt $binary ]] && stale=1
    done
    if [[ $stale -eq 0 ]]; then continue; fi
    echo "== linking $target"
    # shellcheck disable=SC2086 # the library list is meant to split into words
    swiftc -sanitize=fuzzer,address -parse-as-library -O -g -use-ld=lld \
        -module-name "$(basename "${main_harness[0]}" .swift)" -I "$products/Modules" "${includes[@]}" \
        "${clang_modules[@]}" "${harness[@]}" "$root"/Fuzz/Support/*.swift "${objects[@]}" ${libraries_of[$target]} \
        -o "$binary"
done

# Where a finding happened: the first frame of its report, run once more, that is in our code (Sources/, Fuzz/) or
# in LibRaw; frames of the C, C++, Swift and sanitizer runtimes are passed over, and so is the raw harness's signal
# handler. The slow unwinder follows frames without a frame pointer, as LibRaw's are. A fault through a wild
# function pointer leaves nothing to unwind; the raw harness then says itself whether the fault is inside LibRaw
# (Fuzz/raw-decoder/LibRawFaultMarker.swift). Where a wild pointer leads changes from run to run (address space
# randomisation), so an input that gives no answer is run up to three times. An input that runs cleanly every time
# is answered "not reproduced".
origin_of() {
    local attempt report frame failed=0
    for attempt in 1 2 3; do
        report=$(ASAN_OPTIONS=fast_unwind_on_fatal=0 SWIFT_BACKTRACE=enable=no \
                     timeout 300 "$1" -runs=1 -timeout=20 -rss_limit_mb=3072 "$2" 2>&1) || failed=1
        frame=$(awk -v ours="$root/(Sources|Fuzz)/" '/^ +#[0-9]+ 0x/ {
                    if ($0 ~ /LibRawFaultMarker/) next
                    if ($0 ~ /libraw_r\.so/ || $0 ~ ours) { print; exit }
                }' <<< "$report")
        if [[ -z $frame ]] && grep -q '^sid-fuzz: the fault is inside LibRaw' <<< "$report"; then
            frame="#0 0x0 in (an unknown site reached through a wild pointer) (libraw_r.so)"
        fi
        if [[ -n $frame ]]; then break; fi
    done
    if [[ -z $frame && $failed -eq 0 ]]; then frame="not reproduced"; fi
    echo "$frame"
}

# 3. Run each target in turn (they share the machine's cores with whatever else runs).
# LibRaw (Debian 0.20.2) crashes on hostile input within seconds; the raw target therefore fuzzes in a child process
# that may crash (Fuzz/raw-decoder/options), and a finding whose faulting frame is in libraw_r is counted, kept and
# reported but does not fail the run: decoding in an isolated process is what contains it (docs/fuzzing.md).
contained_library='libraw_r\.so'
status=0
summary=()
for target in "${targets[@]}"; do
    run=$build/run/$target
    mkdir -p "$run/corpus"
    # Findings of earlier runs are kept aside, so that what is left after this run is what this run found.
    for old in "$run"/crash-* "$run"/leak-* "$run"/timeout-* "$run"/oom-* "$run"/slow-unit-*; do
        if [[ -e $old ]]; then mkdir -p "$run/earlier" && mv "$old" "$run/earlier/"; fi
    done
    options=(-max_total_time="$seconds" -timeout=20 -rss_limit_mb=3072 -print_final_stats=1
             -artifact_prefix="$run/")
    [[ -f $root/Fuzz/$target/dictionary ]] && options+=(-dict="$root/Fuzz/$target/dictionary")
    [[ -f $root/Fuzz/$target/options ]] && read -r -a extra < "$root/Fuzz/$target/options" && options+=("${extra[@]}")
    # Seeds that may not be committed (see docs/fuzzing.md) are read from ../shared when it is there.
    corpora=("$run/corpus" "$root/Fuzz/$target/corpus")
    case $target in
        raw-decoder) [[ -d $root/../shared/sid-assets/raws/negative ]] && corpora+=("$root/../shared/sid-assets/raws/negative") ;;
        tensorbundle-index)
            for dir in "$root"/../shared/sid-assets/weights/tf_*; do
                [[ -f $dir/model.ckpt.index ]] || continue
                mkdir -p "$run/shared-seeds" && cp "$dir/model.ckpt.index" "$run/shared-seeds/$(basename "$dir").index"
            done
            [[ -d $run/shared-seeds ]] && corpora+=("$run/shared-seeds") ;;
    esac
    echo "== fuzzing $target for ${seconds}s"
    set +e
    # The Swift runtime's own crash backtracer would race AddressSanitizer's report.
    # libFuzzer stops itself after max_total_time; the outer limit only catches a harness that hangs for good, so
    # that CI fails in bounded time.
    SWIFT_BACKTRACE=enable=no timeout --kill-after=30 $((seconds + 300)) \
        "$build/bin/$target" "${options[@]}" "${corpora[@]}" > "$run/log" 2>&1
    code=$?
    [[ $code -eq 124 || $code -eq 137 ]] && echo "the run did not stop by itself; killed after $((seconds + 300)) s" >> "$run/log"
    set -e
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/log" | tail -1)
    # A forked run prints no final stats; its progress lines start with the execution count.
    # (|| true: a target that crashes on its seed corpus prints neither, and the summary must still come.)
    [[ -n $executions ]] || executions=$(grep -oE '^#[0-9]+' "$run/log" | tail -1 | tr -d '#' || true)
    coverage=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$run/log" | tail -1 || true)
    ours=()
    contained=0
    unreproduced=0
    rm -rf "$run/contained" "$run/unreproduced" && mkdir -p "$run/contained"
    for artifact in "$run"/crash-* "$run"/leak-* "$run"/timeout-* "$run"/oom-*; do
        [[ -e $artifact ]] || continue
        frame=$(origin_of "$build/bin/$target" "$artifact")
        if [[ $frame == "not reproduced" && $(basename "$artifact") =~ ^(timeout|oom)- ]]; then
            # Slow or large only while the machine was busy (CI's two cores are shared): the input ran within the
            # limits three times on its own. Kept for a look, not a failure; a crash or leak that does not
            # reproduce still fails.
            unreproduced=$((unreproduced + 1))
            mkdir -p "$run/unreproduced" && mv "$artifact" "$run/unreproduced/"
        elif [[ $frame =~ $contained_library ]]; then
            contained=$((contained + 1))
            # One input per faulting site, for whoever works on the isolation.
            site=$(sed -E 's/^ *#[0-9]+ 0x[0-9a-f]+ in //; s/ \(BuildId.*//' <<< "$frame")
            grep -qxF "$site" "$run/contained/sites" 2>/dev/null \
                || { echo "$site" >> "$run/contained/sites"; cp "$artifact" "$run/contained/"; }
        else
            ours+=("$artifact: ${frame:-no frame in our code or LibRaw, or the input does not fail again}")
        fi
    done
    if [[ ${#ours[@]} -eq 0 && ($code -eq 0 || $contained -gt 0 || $unreproduced -gt 0) && $code -ne 124 && $code -ne 137 ]]; then
        result=ok
        if [[ $contained -gt 0 ]]; then
            result+="; $contained LibRaw crashes at $(wc -l < "$run/contained/sites") sites, not in our code ($run/contained)"
        fi
        if [[ $unreproduced -gt 0 ]]; then
            result+="; $unreproduced slow inputs that ran in time when re-run ($run/unreproduced)"
        fi
    else
        result="FAILED (exit $code, ${#ours[@]} findings in our code; log $run/log)"
        status=1
        printf '   %s\n' "${ours[@]:0:5}"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|invariant broken|.*Fatal error)' "$run/log" | head -5 || true
    fi
    summary+=("$(printf '%-20s %12s execs  %-22s %s' "$target" "${executions:-?}" "${coverage:-cov: ?}" "$result")")
done

echo "== fuzzing summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
exit $status
