#!/bin/bash
# run.sh - every fuzz target under libFuzzer for a bounded time, then over its regressions.
#
#   tests/fuzz/run.sh [SECONDS]     (default 20 seconds per target)
#
# Configures its own build tree (HA_FUZZ_BUILD, default build/fuzz) with clang, -DHA_FUZZ=ON
# -DHA_SANITIZE=ON and -fsanitize=fuzzer-no-link (the other build trees are left alone), builds
# the fuzzers, and runs each on a temporary copy of its seed corpus (tests/fuzz/corpus/TARGET:
# the tree is not modified) and its dictionary (tests/fuzz/dict/TARGET.dict, the format's words)
# with AddressSanitizer and UndefinedBehaviorSanitizer. Then each runs
# once over every input of tests/fuzz/regressions/TARGET. A crash is kept as
# $HA_FUZZ_BUILD/artifacts/TARGET/crash-* (minimize it with fuzz_TARGET -minimize_crash=1, then
# save it under tests/fuzz/regressions/TARGET/). Prints libFuzzer's final statistics per target.
# Exit status: 0 no crash, 1 a crash or a failed build, 2 usage.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
src=$(readlink -f "$here/../..")
build=${HA_FUZZ_BUILD:-$src/build/fuzz}
seconds=${1:-20}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "Usage: $0 [SECONDS]" >&2; exit 2; }

# Target, and the longest input worth trying: a reply with a credential (at most 4 KiB), an
# INI file, one lease record (the reader takes 511 bytes), a state folder's process record (200),
# a command line, a cluster file, a host list.
declare -A MAX_LEN=([slurmrpc]=8192 [cfg]=4096 [lease]=512 [records]=256 [hook_args]=1024
    [genconf]=16384 [hostlist]=512)
TARGETS=(slurmrpc cfg lease records hook_args genconf hostlist)

cc=${CC:-clang}
command -v "$cc" >/dev/null || { echo "run.sh: $cc not found (CC=clang-14?)" >&2; exit 1; }
[[ $("$cc" --version) == *clang* ]] || { echo "run.sh: CC=$cc is not clang" >&2; exit 1; }

echo "=== configure and build $build"
CC=$cc cmake -S "$src" -B "$build" -DHA_FUZZ=ON -DHA_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link -gline-tables-only" >/dev/null
cmake --build "$build" --target fuzzers -j"$(nproc)" >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
tmp=$(mktemp -d /tmp/ha-fuzz-run.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# The targets' private files (fuzz.h) go there too: a crash skips their removal at exit.
export TMPDIR=$tmp

failed=()
summary=()
for t in "${TARGETS[@]}"; do
    fuzzer=$build/tests/fuzz/fuzz_$t
    mkdir -p "$tmp/corpus/$t" "$build/artifacts/$t"
    cp "$here/corpus/$t/"* "$tmp/corpus/$t/"
    seeds=$(find "$tmp/corpus/$t" -type f | wc -l)
    echo "=== fuzz_$t: ${seconds}s from $seeds seeds, -max_len=${MAX_LEN[$t]}"
    dict=()
    [[ -f $here/dict/$t.dict ]] && dict=(-dict="$here/dict/$t.dict")
    rc=0
    # -close_fd_mask=1: the targets' own stdout; libFuzzer and the sanitizers keep stderr.
    "$fuzzer" -max_total_time="$seconds" -max_len="${MAX_LEN[$t]}" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -close_fd_mask=1 "${dict[@]}" \
        -artifact_prefix="$build/artifacts/$t/" "$tmp/corpus/$t" >"$tmp/$t.log" 2>&1 || rc=$?
    grep -E '^#[0-9]+.*(DONE|INITED)|^stat::|^Done' "$tmp/$t.log" || true
    if ((rc != 0)); then
        echo "fuzz_$t: CRASH (exit $rc); the end of its log:"
        tail -n 60 "$tmp/$t.log"
        ls -l "$build/artifacts/$t/"
        failed+=("fuzz_$t")
    fi
    summary+=("$t: seeds $seeds, corpus after $(find "$tmp/corpus/$t" -type f | wc -l); $(grep -E '^#[0-9]+.*DONE' "$tmp/$t.log" | tail -n 1)")

    regressions=()
    if [[ -d $here/regressions/$t ]]; then
        mapfile -t regressions < <(find "$here/regressions/$t" -type f | sort)
    fi
    if ((${#regressions[@]})); then
        echo "=== fuzz_$t: ${#regressions[@]} regression inputs"
        rc=0
        "$fuzzer" -close_fd_mask=1 "${regressions[@]}" >"$tmp/$t.reg.log" 2>&1 || rc=$?
        if ((rc != 0)); then
            echo "fuzz_$t: a regression input crashes (exit $rc):"
            tail -n 60 "$tmp/$t.reg.log"
            failed+=("fuzz_$t regressions")
        fi
    fi
done

echo "=== summary"
printf '%s\n' "${summary[@]}"
if ((${#failed[@]})); then
    echo "FAILED: ${failed[*]}"
    exit 1
fi
echo "no crash"
