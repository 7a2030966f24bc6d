#!/bin/bash
# The whole test run, as CI runs it: install what is needed, build twice (warnings as errors;
# then with AddressSanitizer and UndefinedBehaviorSanitizer), and run every test in both builds.
# Run as root on Debian 12 or later: the integration tests start real daemons in network
# namespaces. Usage: tests/run.sh [ctest arguments, e.g. -L unit or -R client]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

step() { printf '\n=== %s\n' "$*"; }

step "dependencies"
tests/install-deps.sh

export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

for kind in release asan; do
        dir=build/test-$kind
        opts=(-DHA_WERROR=ON)
        if [[ $kind == asan ]]; then
                opts+=(-DHA_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
        else
                opts+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
        fi
        step "build ($kind)"
        cmake -S . -B "$dir" "${opts[@]}" >/dev/null
        cmake --build "$dir" -j"$(nproc)"
        step "tests ($kind)"
        # The harness's own smoke tests exercise no code of ours, the cluster drills and the
        # systemd containers run the same programs for minutes, the fuzzers build their own
        # sanitized tree and the package test its own release build: once, in the release
        # pass, is enough for those.
        extra=()
        [[ $kind == asan ]] && extra=(-LE 'harness|drill|fuzz|package|systemd')
        ctest --test-dir "$dir" --output-on-failure --no-tests=error "${extra[@]}" "$@"
done
