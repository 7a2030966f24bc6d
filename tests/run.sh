#!/bin/bash
# The whole test run, as CI runs it: install what is needed, build twice (warnings as errors;
# then with AddressSanitizer and UndefinedBehaviorSanitizer), and run the tests in both builds.
# Run as root on Debian 12 or later: the integration tests start real daemons in network
# namespaces. Usage: tests/run.sh [ctest arguments, e.g. -L unit or -R client]: with
# arguments, both builds run the tests they select, one after the other.
#
# Without arguments, in this order:
#   1. the release build runs every test but the drills and the systemd containers, alone on
#      the machine (the tests that time the programs run here);
#   2. then two runs side by side, because the drills mostly wait on daemons and timers:
#      - the drills (tests/cluster): the shared cluster in a box for the scenario drills, then
#        the kill9 drill on Slurm 24.11 and the accounting drill on clusters of their own; in
#        the accounting drill keepalived runs the sanitizer build's check and hooks, and any
#        report fails the run;
#      - the sanitizer build's tests, with HA_TEST_SLACK=2: it widens the tests' speed bounds
#        and the room a test gives around a program's deadline for starting and ending it, 2x
#        at most, never the deadlines themselves, and never past a deadline an "at once" bound
#        tells apart from (sanitized programs beside a booting cluster on 2 cores run slower). It leaves out what cannot run sanitized or runs none of our C:
#        the harness's own tests, the drills (above), the fuzzers (their own sanitized tree), the
#        package (a release package built from the sources), install.sh (shell; ha-genconf's
#        code runs sanitized in genconf.*), valgrind (it cannot run a sanitized program), the
#        calls integration.slurm_client makes from inside the Debian 13 root (no sanitizer
#        runtime there; the rest of that test runs sanitized), the
#        keepalived variants of check and notify (the code of integration.check and .notify,
#        which the drills run sanitized under keepalived; their 1 s script interval flaps under
#        the sanitizers' load), the self-fence test (it needs the check to renew the lease at
#        least every 3 s, which a sanitized check beside the drills on 2 cores does not: the
#        guard then fences, as it should; the guard runs sanitized in the systemd containers),
#        the catalog and the format check. The systemd containers
#        (sd-bus service control, journald) run here only, sanitized (reports to files in the
#        containers, checked by the tests).
#   Tests that boot hosts of their own (the drills, the systemd containers) take one lock across
#   both sides (tests/lib/one-cluster.sh): never two clusters booting or failing over at once.
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

asan_labels='harness|drill|fuzz|package'
asan_names='^lint\.|^install\.|^integration\.(valgrind|check_keepalived|notify_keepalived|self_fence)$|^ecosystem\.catalog$'

if (($#)); then
        step "tests (release)"
        ctest --test-dir build/test-release --output-on-failure --no-tests=ignore "$@"
        step "tests (asan)"
        HA_TEST_SLACK=2 ctest --test-dir build/test-asan --output-on-failure --no-tests=ignore \
                -LE "$asan_labels" -E "$asan_names" "$@"
        exit 0
fi

step "tests (release, all but the drills and the systemd containers)"
rc_release=0
ctest --test-dir build/test-release --output-on-failure --no-tests=error -LE 'drill|systemd' ||
        rc_release=$?

step "tests: the drills and the sanitizer pass, side by side"
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# The drills beside the sanitizer pass: the shared cluster's (boot, the seven drills in order,
# teardown), then the kill -9 drill on Slurm 24.11 and the accounting drill, each on a cluster
# of its own. In the accounting drill keepalived runs the sanitizer build's check and hooks
# (HAC_SANITIZED_HOOKS: tests/cluster/lib.sh), which write any report to a file (their output
# goes to keepalived's /dev/null), checked below; the fixture's drills run the release build's
# (drill_storage_hang.sh failed once with the sanitized ones: lib.sh says why), and so does the
# kill -9 drill on Slurm 24.11 (its Debian 13 root has no sanitizer runtime).
reports=/var/lib/ha-slurm-tests/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
HAC_SANITIZED_HOOKS=$PWD/build/test-asan/hooks \
        ASAN_OPTIONS=$ASAN_OPTIONS:log_path=$reports/asan \
        UBSAN_OPTIONS=$UBSAN_OPTIONS:log_path=$reports/ubsan \
        ctest --test-dir build/test-release --output-on-failure --no-tests=error -L drill \
        >"$logs/drills" 2>&1 &
drills=$!
HA_TEST_SLACK=2 ctest --test-dir build/test-asan --output-on-failure --no-tests=error \
        -LE "$asan_labels" -E "$asan_names" >"$logs/asan" 2>&1 &
asan=$!
rc_drills=0 rc_asan=0
wait "$drills" || rc_drills=$?
wait "$asan" || rc_asan=$?
step "tests (asan): exit $rc_asan"
cat "$logs/asan"
step "tests (release, drills): exit $rc_drills"
cat "$logs/drills"
if [[ -n $(ls -A "$reports") ]]; then
        step "sanitizer reports from the hooks the drills ran"
        for f in "$reports"/*; do
                printf -- '--- %s\n' "$f"
                cat "$f"
        done
        rc_drills=1
else
        echo "no sanitizer report from the hooks the drills ran"
fi
step "exit: release $rc_release, drills $rc_drills, asan $rc_asan"
((rc_release == 0 && rc_drills == 0 && rc_asan == 0))
