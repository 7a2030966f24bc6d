#!/bin/bash
# drill_kill9.sh - kill -9 of slurmctld on the master. Three controllers (keepalived, the check,
# the hooks), two compute hosts, a job running. Shows: the VIP moves, the new master's slurmctld
# is in control, sbatch through the VIP is accepted (measured: kill -> first accepted sbatch; the
# project's target is a median under 5 s, see bench/failover.sh), the running job survives, never
# two controllers in control (sampled), the old master goes back to BACKUP (healthy standby) and
# runs no slurmctld.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
hac_drill 3 2
ver=$(hat_exec "$(hac_master)" slurmctld -V)
t_note "Slurm on the hosts: $ver${HAC_ROOT_SUITE:+ (every host chrooted in the Debian $HAC_ROOT_SUITE root)}"
# With HAC_ROOT_SUITE (the drill on Slurm 24.11): the root's release, and the hooks speak it.
if [[ -n ${HAC_ROOT_SUITE:-} ]]; then
    t_match "the hosts run the root's Slurm ($HAC_PROTOCOL)" "$ver" "^slurm.* ${HAC_PROTOCOL//./\\.}\."
    kav=$(dpkg-query --admindir="$HAC_ROOT/var/lib/dpkg" -W -f '${Version}' keepalived)
    kav=${kav#*:}
    kav=${kav%-*}
    t_match "... and the root's keepalived ($kav)" "$(hat_exec "$(hac_master)" keepalived --version 2>&1 | head -n 1)" "v${kav//./\\.}"
fi
# Not inside slurmctld's state-save window: a SIGKILL right after a job starts loses that start
# (the job is pending again after the failover and runs a second time; see drill_failovers.sh).
hac_drill_job saved
job=$JOB
hac_watch_start
old=$(hac_master)
t_note "master: $old; running job: $job"

t0=$(hac_event "kill -9 slurmctld on $old")
hac_kill_ctld "$old" KILL
hac_first_accepted "$t0" "the kill"
ms=$MS
new=$(hac_wait_master 20) || new=
t_ok "exactly one controller holds the VIP and is in control" test -n "$new"
t_ok "the VIP moved: $old -> ${new:-none}" test -n "$new" -a "$new" != "$old"
t_note "kill -> first accepted sbatch: $ms ms; VIP on the new master after $(hac_first_event "$t0" "^VIP on ${new:-x}") ms, in control after $(hac_first_event "$t0" "ha-notify-master exit 0") ms (hook exit)"
t_lt "kill -> first accepted sbatch under 10 s ($ms ms; target median < 5 s)" "$( ((ms >= 0)) && echo "$ms" || echo 99999)" 10000
t_match "the running job survived the failover" "$(hac_job_state cn1 "$job")" '^(RUNNING|COMPLETED)$'
t_ok "the old master goes back to BACKUP (healthy standby) within 15 s" hac_wait_ka "$old" BACKUP 15
t_fail "no slurmctld on the old master" hac_ctld_pid "$old"
t_ok "the new master is still in control" hac_in_control "${new:-none}"
sleep 1
hac_assert_never_two
hac_assert_hooks_on_time "$t0"
hac_watch_stop
hac_print_timeline "$t0"
t_done
