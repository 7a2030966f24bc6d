#!/bin/bash
# drill_partition.sh - a network partition between the controllers, storage still shared. The
# master is cut off from the other controllers: VRRP and the Slurm controller port are dropped
# both ways (hac_partition: nftables in each controller); the compute hosts still reach everyone
# and the shared state (GlusterFS, whose traffic still flows) stays shared. VRRP on the other
# side elects a master of its own: two VIP holders. Shows, sampling every ~100 ms who is in
# control (REQUEST_CONTROL_STATUS to every controller from a compute host): never two controllers
# in control; the lease holder (the old master) keeps control; the other side's promotions are
# refused ("holds the lease") within the notify deadline. The partition heals while the other
# side's VIP holder has a higher configured priority than the lease holder (the drill moves
# control off the highest-priority controller first, and waits for such a holder): the two
# VRRP masters see each other, and the lease holder's priority bonus (vrrp.holder) keeps the
# VIP where slurmctld is in control. After the heal: one VIP holder, the lease holder, in
# control, and sbatch through the VIP is accepted.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PART_S=${HAC_PARTITION_S:-20}
hac_drill 3 2
hac_watch_start
# prio HOST: its configured keepalived priority (lib.sh, _hac_priority: by order).
prio() {
    local i=0 h
    for h in $(hac_ctls); do
        i=$((i + 1))
        [[ $h == "$1" ]] && { _hac_priority "$i"; return 0; }
    done
    return 1
}
m=$(hac_master)
# (Not `hac_ctls | head -n 1`: head's early exit is a SIGPIPE that pipefail reports.)
top=$(hac_ctls | sed -n 1p)
if [[ $m == "$top" ]]; then
    hac_event "$m, the highest priority, is the master: control moved off it first (kill -15 of its slurmctld)" >/dev/null
    hac_kill_ctld "$m" TERM
    m=$(hac_wait_new_master "$m" 40) || { t_ok "control moved off $top within 40 s" false; hac_dump; t_done; exit 1; }
    hac_wait_steady 40 >/dev/null || { t_ok "steady again within 40 s" false; hac_dump; t_done; exit 1; }
fi
others=$(hac_ctls | grep -vx "$m" | xargs)
mpid=$(hac_ctld_pid "$m")
t0=$(hac_event "partition: $m cut off from $others (storage still shared)")
hac_partition "$m"
t_ok "the other side elects a VRRP master of its own (a second VIP holder) within 15 s" \
    hat_wait_for 15 eval "[[ \$(hac_vip_holders | wc -l) -ge 2 ]]"
hac_event "two VIP holders: $(hac_vip_holders | xargs)" >/dev/null
sleep "$PART_S"
# outranked: a VIP holder on the other side with a higher configured priority than $m.
outranked() {
    local h
    for h in $(hac_vip_holders); do
        [[ $h != "$m" ]] && (($(prio "$h") > $(prio "$m"))) && { echo "$h"; return 0; }
    done
    return 1
}
t_ok "the other side has a VIP holder configured above $m (priority $(prio "$m")) within 30 s" \
    hat_wait_for 30 outranked
o=$(outranked) || o=
t1=$(hac_event "partition heals (${o:-no} VIP holder above $m on the other side)")
hac_heal
# Measured first, the assertions after: how long until the cluster serves again.
new=$(hac_wait_master 30) || new=
tm=$(hac_now_ms)
acc=$(hac_sbatch_until_accepted cn1 60) || acc=
hac_assert_never_two " during the partition and the heal"
# In control throughout: the same slurmctld process, never seen in standby or gone. A "down"
# sample alone is a status request that timed out (300 ms): reported, not failed.
changes=$(hac_timeline "$t0" "$t0" "$t1" | grep -E " $m: (control standby|no slurmctld)" || true)
t_ok "$m (the lease holder) stayed in control throughout" test -z "$changes" -a "$(hac_ctld_pid "$m" || true)" = "$mpid"
[[ -z $changes ]] || t_note "$m: $(tr '\n' ';' <<<"$changes")"
downs=$(hac_timeline "$t0" "$t0" "$t1" | grep -c " $m: control down" || true)
t_note "$m: status requests that timed out during the partition: $downs"
refused=0 promoted=0
for h in $others; do
    refused=$((refused + $(hac_hook_output "$h" "$t0" | grep -c 'lease: refused: .* holds the lease' || true)))
    promoted=$((promoted + $(hac_hook_runs "$t0" | grep -c "$h: ha-notify-master exit 0 .*promoted" || true)))
done
t_note "promotions on the other side during the partition: $refused refused (lease held by $m), $promoted succeeded"
t_ok "the other side's promotions were refused: the lease is held" test "$refused" -ge 1 -a "$promoted" -eq 0
hac_assert_hooks_on_time "$t0"

t_ok "after the heal: exactly one VIP holder, in control (${new:-none}, seen $((tm - t1)) ms after the heal)" test -n "$new"
t_match "it is the lease holder $m" "$new" "^$m\$"
if [[ -n $acc ]]; then
    read -r _ tacc _ <<<"$acc"
    t_ok "sbatch through the VIP accepted $((tacc - t1)) ms after the heal" true
else
    t_ok "sbatch through the VIP accepted within 60 s of the heal" false
fi
sleep 2
hac_assert_never_two ", all along"
hac_watch_stop
hac_print_timeline "$t0"
t_done
