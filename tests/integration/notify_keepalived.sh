#!/bin/bash
# The check and the three notify hooks under real keepalived, on two controller hosts with real
# munged and slurmctld 22.05 and the shared state folder on FUSE.
#
# Shows: keepalived elects ctl1 and its notify_master hook puts ctl1's slurmctld in control;
# after `kill -9` of that slurmctld, ctl1's check fails, keepalived moves ctl1 to FAULT (the
# fault hook stops what is left and releases the lease) and the VIP to ctl2, whose
# notify_master hook puts ctl2 in control (time measured from the kill); ctl1, recovered, stays
# BACKUP and never takes control back (sampled for 15 s).
set -euo pipefail
# shellcheck source=../lib/testlib.sh
source "$(dirname "$(readlink -f "$0")")/../lib/testlib.sh"
t_hosts hatnk hacluster
now_ms() { date +%s%3N; }
vip_on() { hat_exec "$1" ip -4 -o addr show dev eth0 | grep -q " $VIP/"; }
ka_state() { grep -o 'VI_1) Entering [A-Z]* STATE' "$(hat_log "$1" keepalived)" | tail -n 1 || true; }

ha_cluster_two
ha_cluster_hooks_conf ctl1
ha_cluster_hooks_conf ctl2
ha_cluster_safe_hooks "$T_BUILD/hooks"
HA_VRID=52 ha_cluster_keepalived_conf ctl1 150 ctl2
HA_VRID=52 ha_cluster_keepalived_conf ctl2 100 ctl1
t0=$(now_ms)
for h in ctl1 ctl2; do
    rc=0
    ha_cluster_keepalived_start "$h" || rc=$?
    t_ok "keepalived -t accepts $h's configuration, and it runs" test "$rc" -eq 0
done
t_ok "ctl1 gets the VIP" hat_wait_for 20 vip_on ctl1
t_ok "... and its hook puts its slurmctld in control" hat_wait_for 10 ha_in_control ctl1
t_note "ctl1 in control $(($(now_ms) - t0)) ms after keepalived started"
t_fail "ctl2 runs no slurmctld" ha_ctld_running ctl2
# Stable for a few check rounds: no FAULT from the moment the VIP arrived before the hook.
sleep 4
t_match "ctl1 stays MASTER" "$(ka_state ctl1)" 'MASTER'
t_ok "ctl1 still in control" ha_in_control ctl1

t_note "kill -9 of the master's slurmctld"
kill_at=$(now_ms)
for p in $(ip netns pids "$HAT_PREFIX-ctl1"); do
    [[ $(cat "/proc/$p/comm" 2>/dev/null) == slurmctld ]] && kill -KILL "$p"
done
t_ok "the VIP moves to ctl2" hat_wait_for 20 vip_on ctl2
vip_ms=$(($(now_ms) - kill_at))
t_ok "ctl2's slurmctld is in control" hat_wait_for 20 ha_in_control ctl2
ctl_ms=$(($(now_ms) - kill_at))
t_note "kill -> VIP on ctl2: $vip_ms ms; kill -> ctl2 in control: $ctl_ms ms"
t_lt "kill -> new master in control under 10 s" "$ctl_ms" 10000
# shellcheck disable=SC2016 # for eval, run on each try
t_ok "ctl1 went to FAULT" hat_wait_for 5 eval '[[ $(grep -c "VI_1) Entering FAULT STATE" "$(hat_log ctl1 keepalived)") -ge 1 ]]'
t_fail "ctl1 runs no slurmctld" ha_ctld_running ctl1

t_note "the former master recovers: it must stay BACKUP, and never in control"
# shellcheck disable=SC2016 # for eval, run on each try
t_ok "ctl1 back to BACKUP once its check passes" hat_wait_for 15 eval '[[ $(ka_state ctl1) == *BACKUP* ]]'
two=0 ctl1_on=0 n=0
end=$(($(now_ms) + 15000))
while (($(now_ms) < end)); do
    a=0 b=0
    ha_in_control ctl1 && a=1
    ha_in_control ctl2 && b=1
    ((a + b > 1)) && two=$((two + 1))
    ((a)) && ctl1_on=$((ctl1_on + 1))
    n=$((n + 1))
    sleep 0.1
done
t_note "sampled $n times over 15 s"
t_ok "never two in control" test "$two" -eq 0
t_ok "ctl1 never in control" test "$ctl1_on" -eq 0
t_ok "ctl2 still holds the VIP" vip_on ctl2
t_match "ctl2's keepalived entered MASTER" \
    "$(cat "$(hat_log ctl2 keepalived)")" 'VI_1\) Entering MASTER STATE'

t_done
