#!/bin/bash
# The health check as keepalived's vrrp_script, with real keepalived in two controller hosts:
# ctl1 (priority 150, Slurm primary, in control) and ctl2 (priority 100, Slurm backup, standby),
# both state BACKUP with nopreempt, unicast VRRP, the VIP 10.213.0.100 on eth0, the check run
# every second (timeout 4, fall 2, rise 2) with enable_script_security. munged in both, the
# state folder shared over FUSE, cn1 named in slurm.conf. No notify scripts: nothing promotes
# or demotes slurmctld here.
#
# Shows: keepalived accepts the configuration (keepalived -t); the VIP lands on ctl1; ctl1's
# check gives it the lease holder's priority bonus (vrrp.holder), ctl2's does not; after
# slurmctld is killed on ctl1 (SIGKILL) the VIP leaves ctl1 and appears on ctl2, and how long
# that took. (ctl2's own check then fails, since its slurmctld stays in standby without a hook:
# that is expected and not asserted.)
set -euo pipefail
# shellcheck source=../lib/testlib.sh
source "$(dirname "$(readlink -f "$0")")/../lib/testlib.sh"
t_hosts hatka hacluster
CHECK=$(readlink -f "$T_BUILD/hooks/ha-check-slurmctld")

declare -A IP=([ctl1]=10.213.0.11 [ctl2]=10.213.0.12) PRIO=([ctl1]=150 [ctl2]=100)
export HAT_COMPUTE_HOSTS=cn1 HAT_SHARED_MODE=fuse
# Only the test changes who is in control: no backup promotes itself.
export HAT_SLURMCTLD_TIMEOUT=600

if [[ ! -x $CHECK ]]; then
    echo "build first: $CHECK" >&2
    exit 2
fi

ha_conf() { ha_cluster_hooks_path "$1"; }
vip_on() { hat_exec "$1" ip -4 -o addr show dev eth0 | grep -q " $VIP/"; }
vip_gone() { ! vip_on "$1"; }
ka_state() {
    grep -o 'VI_1) Entering [A-Z]* STATE' "$(hat_log "$1" keepalived)" 2>/dev/null | tail -n 1 || true
}

show_logs() {
    local h
    for h in ctl1 ctl2; do
        echo "# --- $h: keepalived log (last lines)"
        tail -n 25 "$(hat_log "$h" keepalived)" | sed 's/^/#   /'
    done
}

hat_clean
hat_net_up
# keepalived's script security: the check runs from a root-only folder (sets HA_HOOKS).
ha_cluster_safe_hooks "$T_BUILD/hooks"
CHECK=$HA_HOOKS/ha-check-slurmctld
hat_host_add ctl1 "${IP[ctl1]}"
hat_host_add ctl2 "${IP[ctl2]}"
hat_host_add cn1 10.213.0.21 # named in slurm.conf (a partition needs a node); runs nothing
hat_munged_start ctl1
hat_munged_start ctl2
hat_shared_setup /mnt/state ctl1 ctl2
hat_slurm_conf ctl1 ctl2
# Only the backup's slurmctld (standby) runs when keepalived starts: a slurmctld already in
# control on a node without the VIP is judged split brain, so that node would go to FAULT and
# never get the VIP (see the report). ctl1's is started once ctl1 holds the VIP, as a
# notify_master hook would.
hat_slurmctld_start ctl2

for h in ctl1 ctl2; do
    ha_cluster_hooks_conf "$h" "[check]" "deadline = 3s"
done
HA_NO_NOTIFY=1 ha_cluster_keepalived_conf ctl1 "${PRIO[ctl1]}" ctl2
HA_NO_NOTIFY=1 ha_cluster_keepalived_conf ctl2 "${PRIO[ctl2]}" ctl1
for h in ctl1 ctl2; do
    rc=0
    ha_cluster_keepalived_start "$h" || rc=$?
    t_ok "keepalived -t accepts the configuration of $h, and it runs" test "$rc" -eq 0
    if ((rc != 0)); then
        t_done
        exit 1
    fi
done
t0=$(date +%s%3N)
if ! hat_wait_for 15 vip_on ctl1; then
    t_ok "the VIP lands on ctl1 within 15 s" false
    show_logs
    t_done
    exit 1
fi
t1=$(date +%s%3N)
t_ok "the VIP lands on ctl1 within 15 s" true
hat_slurmctld_start ctl1
t2=$(date +%s%3N)
t_note "VIP on ctl1 $((t1 - t0)) ms after keepalived started; its slurmctld up $((t2 - t1)) ms later"
healthy() { hat_exec "$1" "$CHECK" -c "$(ha_conf "$1")" >/dev/null 2>&1; }
t_ok "ctl1's check is healthy" hat_wait_for 5 healthy ctl1
t_ok "ctl2's check is healthy" healthy ctl2
# The lease holder's priority bonus (role.h): ctl1's check renews the lease, writes 1 to
# vrrp.holder, and keepalived adds 150 (capped at 254) through its track_file; ctl2's writes 0.
holder() { cat "$(hat_host_dir "$1")/fs/run/ha-slurm/vrrp.holder" 2>/dev/null; }
# Within a check interval: the test's check and keepalived's may both have tried the cluster's
# first claim of the lease at once (slurmctld started by hand); the one that lost was
# unhealthy once and wrote 0, and the next check renews under the recorded epoch.
holder_is() { [[ $(holder "$1") == "$2" ]]; }
t_ok "ctl1's check: vrrp.holder 1 within 2 s (it holds the VIP and the lease, in control)" \
    hat_wait_for 2 holder_is ctl1 1
t_match "ctl2's check: vrrp.holder 0 (a standby)" "$(holder ctl2)" '^0$'
prio_to() { grep -q "VI_1) Changing effective priority from [0-9]* to $2\b" "$(hat_log "$1" keepalived)"; }
t_ok "ctl1's keepalived: effective priority 254 (150 + 150, capped)" hat_wait_for 3 prio_to ctl1 254
t_fail "ctl2's keepalived: no bonus" prio_to ctl2 250
# Long enough for keepalived to act on two failed runs (fall 2, interval 1).
t_fail "the VIP stays on ctl1 (3 s)" hat_wait_for 3 vip_gone ctl1
t_ok "ctl2 does not hold the VIP" vip_gone ctl2
t_match "ctl1's keepalived is MASTER" "$(ka_state ctl1)" 'MASTER'
t_match "ctl2's keepalived is BACKUP" "$(ka_state ctl2)" 'BACKUP'
vip_on ctl1 || show_logs

t0=$(date +%s%3N)
hat_kill ctl1 slurmctld KILL
t_ok "the VIP leaves ctl1 within 10 s" hat_wait_for 10 vip_gone ctl1
t1=$(date +%s%3N)
t_ok "the VIP appears on ctl2 within 10 s" hat_wait_for $((10 - (t1 - t0) / 1000)) vip_on ctl2
t2=$(date +%s%3N)
t_note "kill -9 of ctl1's slurmctld -> VIP off ctl1: $((t1 - t0)) ms, on ctl2: $((t2 - t0)) ms"
t_note "ctl1: $(ka_state ctl1); ctl2: $(ka_state ctl2)"
t_lt "failover of the VIP took $((t2 - t0)) ms (< 10000)" "$((t2 - t0))" 10000
t_match "ctl1's keepalived saw the check fail" "$(cat "$(hat_log ctl1 keepalived)")" \
    'VRRP_Script\(chk_slurmctld\) failed \(exited with status 1\)'
# Its log, not its state now: ctl2's own check fails next (no hook starts slurmctld there),
# and keepalived may already have moved the VIP back to ctl1.
t_match "ctl1's keepalived went to FAULT" "$(cat "$(hat_log ctl1 keepalived)")" 'Entering FAULT STATE'
t_match "ctl1's check: vrrp.holder 0 once its slurmctld is gone" "$(holder ctl1)" '^0$'
t_ok "ctl1's keepalived: the bonus gone (effective priority 150)" prio_to ctl1 150

t_done
