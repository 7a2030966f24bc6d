#!/bin/bash
# The whole test run, as CI runs it: install what is needed, build twice (warnings as errors;
# then with AddressSanitizer and UndefinedBehaviorSanitizer), and run the tests in both builds.
# Run as root on Debian 12 or later: the integration tests start real daemons in network
# namespaces. Usage: tests/run.sh [ctest arguments, e.g. -L unit or -R client]: with
# arguments, both builds run the tests they select, one after the other.
#
# Without arguments, in this order:
#   1. the release build runs every test but the drills, alone on the machine (the tests that
#      time the programs run here);
#   2. then two runs side by side: the drills of the release build (tests/cluster: one cluster
#      in a box for drills 1-7, then drill 1 on Slurm 24.11 and the accounting drill on clusters
#      of their own; minutes of failovers, mostly waiting on daemons and timers), and the
#      sanitizer build's tests. Side by side because the drills mostly wait: the whole run stays
#      within CI's 30 minutes. The sanitizer pass widens the tests' speed bounds (not their deadlines)
#      with HA_TEST_SLACK=4, and leaves out what runs the same code again or runs none of ours:
#      the harness's own tests, the drills, the fuzzers (their own sanitized tree), the package
#      and systemd containers (release builds of their own), install.sh (shell; ha-genconf's
#      code runs under the sanitizers in genconf.*), the keepalived variants of check and notify
#      (the same code as integration.check and integration.notify), the consumers of
#      ha-genconf's files, valgrind, the manual pages, the catalog and the format check.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

step() { printf '\n=== %s (%s)\n' "$*" "$(date -u +%T)"; }

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
done

asan_labels='harness|drill|fuzz|package|systemd'
asan_names='^lint\.|^install\.|^integration\.(valgrind|check_keepalived|notify_keepalived|genconf_)|^ecosystem\.(man|catalog)'

if (($#)); then
        step "tests (release)"
        ctest --test-dir build/test-release --output-on-failure --no-tests=ignore "$@"
        step "tests (asan)"
        HA_TEST_SLACK=4 ctest --test-dir build/test-asan --output-on-failure --no-tests=ignore \
                -LE "$asan_labels" -E "$asan_names" "$@"
        exit 0
fi

step "tests (release, all but the drills)"
rc_release=0
ctest --test-dir build/test-release --output-on-failure --no-tests=error -LE drill || rc_release=$?

step "tests: the drills (release) and the sanitizer pass, side by side"
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# The drills beside the sanitizer pass: the shared cluster's (boot, 1-7, teardown), then drill 1
# on Slurm 24.11 and the accounting drill, each on a cluster of its own.
ctest --test-dir build/test-release --output-on-failure --no-tests=error -L drill \
        >"$logs/drills" 2>&1 &
drills=$!
HA_TEST_SLACK=4 ctest --test-dir build/test-asan --output-on-failure --no-tests=error \
        -LE "$asan_labels" -E "$asan_names" >"$logs/asan" 2>&1 &
asan=$!
rc_drills=0 rc_asan=0
wait "$drills" || rc_drills=$?
wait "$asan" || rc_asan=$?
step "tests (asan): exit $rc_asan"
cat "$logs/asan"
step "tests (release, drills): exit $rc_drills"
cat "$logs/drills"
step "exit: release $rc_release, drills $rc_drills, asan $rc_asan"
((rc_release == 0 && rc_drills == 0 && rc_asan == 0))
