#!/bin/bash
# drill_keepalived_killed.sh - kill -9 of keepalived on the master: its check and hooks are gone
# with it, slurmctld is left running, and the VIP stays on the interface (keepalived had no
# chance to remove it). Nothing on the old master renews the lease any more. Shows: the
# self-fence there (ha-check-slurmctld --self-fence, started by its promotion, in a session of
# its own) kills slurmctld and removes the VIP before another controller may take the lease
# (rule 2 of lease.h: ttl after the last renewal, on that controller's own clock); a new master
# takes over and sbatch through the VIP is accepted; never two controllers in control (sampled);
# the running job survives. Then keepalived starts again on the old master, which becomes a
# standby.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
hac_drill 3 2
hac_drill_job saved
job=$JOB
hac_watch_start
old=$(hac_master)
pid=$(hac_ctld_pid "$old")
t_note "master: $old (slurmctld pid $pid); running job: $job"

# keepalived's processes in the old master (the parent and its VRRP child), by name.
ka_pids() {
    local p
    for p in $(hac_host_pids "$1"); do
        [[ $(cat "/proc/$p/comm" 2>/dev/null) == keepalived ]] && echo "$p"
    done
    return 0
}
# guard_pid HOST: the self-fence running in HOST, if any.
guard_pid() {
    local p
    for p in $(hac_host_pids "$1"); do
        if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- '--self-fence'; then
            echo "$p"
            return 0
        fi
    done
    return 0
}
guard=$(guard_pid "$old")
t_ok "the master runs its self-fence (ha-check-slurmctld --self-fence)" test -n "$guard"
t0=$(hac_event "kill -9 keepalived on $old (slurmctld left running)")
for p in $(ka_pids "$old"); do kill -KILL "$p"; done
t_ok "keepalived is gone from $old" hat_wait_for 5 eval "[[ -z \$(ka_pids $old) ]]"

hac_first_accepted "$t0" "the kill"
ms=$MS
new=$(hac_wait_new_master "$old" 30) || new=
t_ok "a new master holds the VIP alone and is in control" test -n "$new"
t_fail "the old master's slurmctld (pid $pid) is gone" kill -0 "$pid"
t_fail "... and no slurmctld runs there" hac_ctld_pid "$old"
t_fail "... and the old master holds no VIP" eval "hac_vip_holders | grep -qx $old"
gone=$(hac_first_event "$t0" "^$old: no slurmctld process")
started=$(hac_first_event "$t0" "^${new:-x}: slurmctld process runs")
t_note "kill -> old slurmctld gone: ${gone:-never} ms; new master's slurmctld started: ${started:-never} ms; first accepted sbatch: $ms ms"
t_ok "the old slurmctld was gone before the new one started" \
    test -n "$gone" -a -n "$started" -a "${gone:-0}" -lt "${started:-0}"
hook=$(hac_first_event "$t0" "^$old: ha-notify")
t_ok "no hook ran on $old before its slurmctld was gone: its guard stopped it (first hook: ${hook:-none})" \
    test -z "$hook" -o "${hook:-0}" -gt "${gone:-0}"
vipoff=$(hac_first_event "$t0" "^VIP off $old")
t_ok "the VIP left $old before its slurmctld was gone (${vipoff:-never} ms): clients go elsewhere" \
    test -n "$vipoff" -a "${vipoff:-0}" -le "${gone:-0}"
t_lt "kill -> first accepted sbatch under 20 s ($ms ms: ttl 6 s after the last renewal, then the promotion)" \
    "$( ((ms >= 0)) && echo "$ms" || echo 99999)" 20000
t_match "the running job survived the failover" "$(hac_job_state cn1 "$job")" '^(RUNNING|COMPLETED)$'
sleep 1
hac_assert_never_two
hac_assert_hooks_on_time "$t0"

# keepalived back on the old master: a standby.
hac_keepalived_start "$old"
t_ok "keepalived started again on $old: BACKUP within 30 s" hac_wait_ka "$old" BACKUP 30
t_ok "${new:-none} is still the master" hac_in_control "${new:-none}"
hac_watch_stop
hac_print_timeline "$t0"
t_done
