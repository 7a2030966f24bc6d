#!/bin/bash
# Runs a test that boots hosts of its own (a cluster in a box, systemd containers) only while
# no other such test runs, across ctest processes: tests/run.sh runs the drills and the
# sanitizer pass side by side, and two clusters booting or failing over at once on 2 cores
# starve each other (a container's check runs past keepalived's script timeout, a drill's
# promotions take twice as long, and both fail). Usage: one-cluster.sh TEST [ARGS...]
#
# The lock is held by this shell only: the test runs with the descriptor closed, so the daemons
# a test leaves running (the shared cluster lives from drill.boot to drill.teardown) never hold
# it. A killed run leaves no lock behind (flock(2) ends with its holder).
set -euo pipefail
dir=/var/lib/ha-slurm-tests
mkdir -p "$dir"
exec 9>>"$dir/one-cluster.lock"
start=$(date +%s%N)
if ! flock -n 9; then
        echo "# another cluster test runs: waiting for it ($dir/one-cluster.lock)"
        flock 9
        echo "# waited $((($(date +%s%N) - start) / 1000000)) ms for the other cluster test"
fi
rc=0
"$@" 9>&- || rc=$?
exit "$rc"
