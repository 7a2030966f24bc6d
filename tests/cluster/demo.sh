#!/bin/bash
# The README's first command: a highly available Slurm controller, on this one machine.
#
#   ./tests/cluster/demo.sh      (as root)
#
# Installs what is needed (tests/install-deps.sh), builds, boots a cluster in a box (three
# controllers with keepalived, the health check and the hooks; two compute nodes; every
# "host" a network namespace of its own, nothing done to this machine's network), starts a
# job, kills the master's slurmctld with SIGKILL, and shows what happens: the VIP moves, the
# next controller takes control, a new sbatch through the VIP is accepted, the running job
# survives. Prints the timeline and a verdict, then tears everything down (also on Ctrl-C, and
# a later run cleans up after a killed one). One progress line per phase.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${HA_BUILD_DIR:-$src/build}
if ((EUID != 0)); then echo "demo: run as root" >&2; exit 1; fi

start_ms=$(($(date +%s%N) / 1000000))
phase() { local s=$(( $(date +%s%N) / 1000000 - start_ms )); printf '[%3d.%d s] %s\n' $((s / 1000)) $((s % 1000 / 100)) "$*"; }

phase "1/7 packages (tests/install-deps.sh)"
"$src/tests/install-deps.sh"
phase "2/7 build ($build)"
cmake -S "$src" -B "$build" >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

export HA_BUILD_DIR=$build HA_SOURCE_DIR=$src
HAT_PREFIX=${HAT_PREFIX:-hatdemo}
# shellcheck source=lib.sh
source "$here/lib.sh"
hac_init
_HAC_T_INIT=$start_ms

phase "3/7 cluster in a box: ctl1 ctl2 ctl3 (keepalived + ha-check-slurmctld + hooks), cn1 cn2 (slurmd), VIP $HAC_VIP"
hac_boot 3 2 2> >(sed 's/^/          /' >&2)
old=$(hac_master)
phase "    $old holds the VIP and its slurmctld is in control; the others run no slurmctld"

phase "4/7 a job"
job=$(hac_sbatch cn1 --wrap 'sleep 120')
hat_wait_for 20 eval "[[ \$(hac_job_state cn1 $job) == RUNNING ]]" || true
hac_job_start_saved "$old" "$job" 10 || true
phase "    job $job is $(hac_job_state cn1 "$job") on $(hac_squeue cn1 -j "$job" -o %N)"

phase "5/7 the kill -9 drill: kill -9 slurmctld on $old"
hac_watch_start
t0=$(hac_event "kill -9 slurmctld on $old")
hac_kill_ctld "$old" KILL
acc=$(hac_sbatch_until_accepted cn1 60 --wrap 'sleep 1') || acc=
new=$(hac_wait_master 20) || new=
sleep 2
hac_watch_stop
read -r newjob tacc _ <<<"${acc:-- 0 0}"
ms=$(( ${tacc:-0} - t0 ))
jobstate=$(hac_job_state cn1 "$job")
read -r samples two _ <<<"$(hac_watch_stats | tr -d 'a-z=')"

phase "6/7 what happened (ms after the kill)"
hac_timeline "$t0" "$t0" | grep -v ': check \|slurmctld process' | sed 's/^/          /'
problems=()
[[ -n $acc ]] || problems+=("no sbatch accepted within 60 s")
[[ -n $new && $new != "$old" ]] || problems+=("no new master in control")
[[ $jobstate == RUNNING || $jobstate == COMPLETED ]] || problems+=("job $job is $jobstate")
((two == 0)) || problems+=("two controllers in control in $two samples")
if ((${#problems[@]} == 0)); then
    verdict="PASS: $old -> $new in $(awk -v m="$ms" 'BEGIN { printf "%.1f", m / 1000 }') s (kill -> first sbatch accepted through the VIP, job $newjob); job $job kept running; never two controllers in control ($samples samples)"
    rc=0
else
    verdict="FAIL: ${problems[*]}"
    rc=1
fi
echo
echo "VERDICT: $verdict"
echo
phase "7/7 teardown"
hac_teardown
trap - EXIT
phase "done"
exit "$rc"
