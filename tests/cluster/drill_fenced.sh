#!/bin/bash
# drill_fenced.sh - power fencing on a cluster in a box (HAC_FENCE=1: a BMC per controller,
# ipmi_sim; fence_ipmilan in every ha-slurm.conf, from the cluster YAML through ha-genconf),
# with the lease's ttl at 15 s (HAC_LEASE_TTL): with fencing a takeover does not wait for it,
# and a master rides out a storage stall for ttl less 3 s. Its own cluster: three controllers,
# two compute hosts, GlusterFS (network.ping-timeout 5 s), a job running.
#
#   a. A standby host lost (every process killed, link down) for HAC_LOST_S (default 30) s,
#      then back: the replicated volume stalls every client, the master's too, and the master
#      rides it out: it keeps the VIP and the same slurmctld process all along, sbatch through
#      the VIP is accepted during the loss, nobody is fenced, no hook runs on the master.
#   b. The master paused whole (every process frozen at once by a cgroup freezer, network up:
#      a paused VM). Another controller takes over, and its promotion powers the paused master
#      off through fence_ipmilan (started while its storage stalls, confirmed OFF) before it
#      takes the lease, without waiting for the lease's ttl; sbatch through the VIP accepted
#      within 15 s of the pause (the bound of drill_host_lost.sh; the time is printed: most
#      of it is GlusterFS's stall); the paused host's power off and every process of it gone,
#      so it can never wake up in control. Then it is powered on through its BMC (ipmitool, as
#      an administrator would) and boots (munged, the shared mount, keepalived): a standby, the
#      master keeps control, sbatch accepted, the running job and the job accepted after the
#      pause both exist.
# Never two controllers in control, all along (sampled).
set -euo pipefail
export HAC_FENCE=1 HAC_LEASE_TTL=15s
: "${HAT_PREFIX:=hatx}"
LOST_S=${HAC_LOST_S:-30}
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
hac_drill 3 2
old=$(hac_master)
hac_drill_job saved
job=$JOB
hac_watch_start
t_note "master: $old ($(hac_ip "$old")), its BMC $(hat_bmc_ip "$old"); running job: $job"

# ---- a. a standby host lost ----
for s in $(hac_ctls); do [[ $s == "$old" ]] || break; done
pid=$(hac_ctld_pid "$old")
ta=$(hac_event "standby host $s lost: every process in it killed, link down")
hac_host_lose "$s"
acc=$(hac_sbatch_until_accepted cn1 30) || acc=
t_ok "sbatch through the VIP accepted while $s is lost (${acc:-none})" test -n "$acc"
left=$((LOST_S * 1000 - ($(hac_now_ms) - ta)))
((left <= 0)) || sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))"
t_ok "$old still holds the VIP and is in control" eval "[[ \$(hac_master) == $old ]]"
t_match "... with the same slurmctld process ($pid)" "$(hac_ctld_pid "$old" || echo none)" "^$pid\$"
# Its check says "storage stalled" (healthy) while the volume stalls: no verdict change.
# A control change: the master's, or another controller in control (the lost standby going
# from "down" to "silent" is the loss itself, not a move).
moves=$(hac_timeline "$ta" "$ta" | grep -E "VIP (on|off)|$old: (ha-notify-|keepalived|check|control )|: control active" || true)
t_ok "while $s was lost: no VIP move, no hook, keepalived state or check verdict change on $old, no control change" test -z "$moves"
[[ -z $moves ]] || t_note "moves: $(tr '\n' ';' <<<"$moves")"
t_match "nobody was fenced" "$(hat_bmc_power "$s")" '^on$'
hac_event "$s boots again" >/dev/null
t_ok "$s boots: munged, the shared mount, keepalived" hac_host_recover "$s"
t_ok "$s's keepalived is BACKUP within 30 s" hac_wait_ka "$s" BACKUP 30
hac_storage_heal
t_ok "the state volume healed within 60 s of 'gluster volume heal'" hac_storage_healed 60

# ---- b. the master paused whole ----
t_match "$old's BMC says its power is on" "$(hat_bmc_power "$old")" '^on$'
t_ok "every process of $old frozen" hac_host_freeze "$old"
t0=$(hac_event_at "$(hac_host_frozen_ms "$old")" "host $old paused: every process stopped at once, network up")
hac_first_accepted "$t0" "the pause"
ms=$MS
new=$(hac_wait_master 20) || new=
t_ok "another controller holds the VIP and is in control: ${new:-none}" test -n "$new" -a "$new" != "$old"
t_lt "pause -> first accepted sbatch under 15 s ($ms ms)" "$( ((ms >= 0)) && echo "$ms" || echo 99999)" 15000
promo=$(hac_hook_output "${new:-none}" "$t0" | grep -E '^ha-notify-master: ' | tr '\n' ' ' || true)
t_note "${new:-none}'s promotion: $promo"
t_match "its promotion powered $old off through fence_ipmilan" "$promo" \
    "fence: $old powered off through /usr/sbin/fence_ipmilan[ ,:].*off, confirmed by status"
t_match "... then took the lease" "$promo" "fence: .* lease: granted: epoch"
t_match "$old's BMC says its power is off" "$(hat_bmc_power "$old")" '^off$'
t_match "... and no process of $old is left" "$(hat_bmc_host_pids "$old" | paste -sd' ')" '^$'
jb=$(hac_sbatch cn1 --wrap 'sleep 20') || jb=
t_ok "a job accepted after the pause (${jb:-none})" test -n "$jb"
hac_assert_never_two " while $old is paused and powered off"

hac_event "$old powered on through its BMC; it boots" >/dev/null
t_ok "ipmitool chassis power on" hat_bmc_ipmitool "$old" chassis power on
t_match "$old's BMC says its power is on" "$(hat_bmc_power "$old")" '^on$'
t_ok "$old boots: munged, the shared mount, keepalived" hac_host_recover "$old"
t_ok "$old's keepalived is BACKUP within 30 s" hac_wait_ka "$old" BACKUP 30
t_fail "... and it runs no slurmctld" hac_ctld_pid "$old"
back=$(hac_wait_master 30) || back=
t_match "the master is still ${new:-none}" "${back:-none}" "^${new:-none}\$"
acc=$(hac_sbatch_until_accepted cn1 30) || acc=
t_ok "sbatch through the VIP accepted after $old is back" test -n "$acc"
t_match "the running job $job survived" "$(hac_job_state cn1 "$job")" '^(RUNNING|COMPLETED)$'
t_match "the job accepted after the pause ${jb:-none} exists" "$(hac_job_state cn1 "${jb:-0}")" \
    '^(PENDING|RUNNING|COMPLETED)$'
hac_assert_never_two ", all along"
hac_assert_hooks_on_time "$ta"
hac_watch_stop
hac_print_timeline "$ta"
t_done
