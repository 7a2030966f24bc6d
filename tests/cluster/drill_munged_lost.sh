#!/bin/bash
# drill_munged_lost.sh - munged dies on the master (SIGKILL). Shows: the master's check fails
# (MUNGE), keepalived takes it to FAULT, its fault hook kills slurmctld at once (with munged gone
# its SIGTERM shutdown waits on RPCs it cannot authenticate: still there after 10 s) and releases
# the lease, the backup takes over, sbatch through the VIP is accepted, a running job survives,
# never two controllers in control (sampled). Then munged comes back and the old master returns
# to BACKUP without slurmctld.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
hac_drill 3 2
old=$(hac_master)
hac_drill_job
job=$JOB
hac_watch_start
t_note "master: $old; running job: $job"

t0=$(hac_event "munged killed on $old (SIGKILL)")
hat_kill "$old" munged KILL
hac_first_accepted "$t0" "munged's death"
ms=$MS
new=$(hac_wait_master 20) || new=
t_ok "exactly one controller holds the VIP and is in control: ${new:-none}" test -n "$new" -a "$new" != "$old"
t_note "munged killed -> first accepted sbatch: $ms ms"
t_lt "munged killed -> first accepted sbatch under 15 s ($ms ms)" "$( ((ms >= 0)) && echo "$ms" || echo 99999)" 15000
t_match "$old's check named MUNGE" "$(hac_timeline "$t0" "$t0" | grep "$old: check" || true)" 'unhealthy \(munge\)'
t_match "$old's keepalived went to FAULT" "$(hac_timeline "$t0" "$t0" | grep "$old: keepalived" || true)" 'FAULT'
t_ok "$old's fault hook finished (30 s)" hat_wait_for 30 eval "hac_hook_runs $t0 | grep -q '$old: ha-notify-fault exit'"
t_match "$old's fault hook demoted it" "$(hac_hook_runs "$t0" | grep "$old: ha-notify-fault exit" || true)" 'exit 0 .*demoted'
faultout=$(hac_hook_output "$old" "$t0" | grep -E 'stop slurmctld|release lease' | tail -n 2 | tr '\n' ' ')
t_note "$old's fault hook: $faultout"
t_match "$old's fault hook killed slurmctld at once (munged gone)" "$faultout" 'stop slurmctld: stopped \(munged gone: SIGKILL at once\) \([0-9.]+ ms\)'
faultms=$(sed -nE 's/.*stop slurmctld: stopped \(munged gone[^)]*\) \(([0-9]+)\.[0-9]+ ms\).*/\1/p' <<<"$faultout")
t_lt "... within 5 s, not after [notify] stop_timeout (${faultms:-?} ms)" "${faultms:-99999}" 5000
t_fail "no slurmctld left on $old" hac_ctld_pid "$old"
if [[ -n $new ]]; then
    gone=$(hac_first_event "$t0" "^$old: no slurmctld process")
    started=$(( $(hac_ctld_started_ms "$new") - t0 ))
    t_note "$old's slurmctld gone at +${gone:-?} ms; $new's slurmctld started at +$started ms"
    stale=$(hac_stale_acts "$old" "$new")
    t_ok "$old's slurmctld did not act on the shared state after $new's started" test -z "$stale"
    [[ -z $stale ]] || t_note "$old after $new started: $(tr '\n' ';' <<<"$stale")"
fi
t_match "the running job survived the failover" "$(hac_job_state cn1 "$job")" '^(RUNNING|COMPLETED)$'
hac_assert_hooks_on_time "$t0"

hac_event "munged restarted on $old" >/dev/null
hat_munged_start "$old"
t_ok "$old goes back to BACKUP (healthy standby) within 20 s" hac_wait_ka "$old" BACKUP 20
t_ok "${new:-none} is still the master, in control" eval "[[ \$(hac_master) == ${new:-none} ]]"
sleep 1
hac_assert_never_two
hac_watch_stop
hac_print_timeline "$t0"
t_done
