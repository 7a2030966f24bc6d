#!/bin/bash
# A promotion with power fencing ([fence] method = power, rule 9 of common/lease.h): two
# controller hosts with real munged and slurmctld 22.05, the state folder shared over FUSE, a
# BMC for each (ipmi_sim, tests/lib/bmc.sh: its power off really kills the host), Debian's real
# fence_ipmilan in each hook configuration ([fence OTHER], its options in a root-only 0600
# file), metrics on, and an alert command that records what it was told. The test moves the
# VIP as keepalived would, and plays keepalived's check on the master (every second).
#   a. ctl1 promoted on a new cluster: nothing to fence
#   b. a clean handover to ctl2, ctl1's BACKUP hook and ctl2's MASTER hook at once, as
#      keepalived runs them, with ctl1's slurmctld slow to stop (stopped, SIGCONT 4 s later:
#      longer than [fence] after): ctl1's demotion renews the lease while slurmctld stops, then
#      releases it; ctl2 in control, nobody fenced, ctl1's power still on, its slurmctld
#      stopped by the SIGTERM (no SIGKILL)
#   b2. back to ctl1 the same way, ctl2's slurmctld stopped for good (it never handles the
#      SIGTERM): ctl2's demotion renews the lease until its budget ([lease] wait less [storage]
#      timeout less 1 s: 6 s), SIGKILLs slurmctld then and releases; ctl1 promoted within its
#      [lease] wait, nobody fenced. b3. a clean handover to ctl2 again.
#   c. ctl2 paused whole (every process frozen, network up: a paused VM), its BMC password
#      wrong in ctl1's options: ctl1's promotion powers nothing off and is refused with the
#      agent's error, the alert runs with HA_FENCE_FAILED=ctl2, the fence metric says 0, the
#      lease stays ctl2's, ctl1 runs no slurmctld; again once the lease is older than its ttl:
#      refused still (expiry alone is not enough with fencing)
#   d. the password right: ctl1 powers ctl2 off (confirmed OFF), takes the lease at once (the
#      lease step right after the fence), slurmctld in control on ctl1; every process of ctl2
#      gone, its power off; the fence metric says 1 with the time it took
# Prints the hooks' steps and times. Root only; starts with hat_clean, so it also passes after
# a run that was killed half-way.
set -euo pipefail
AGENT=/usr/sbin/fence_ipmilan
for tool in ipmi_sim ipmitool "$AGENT"; do
    command -v "$tool" >/dev/null || { echo "fence_promote.sh: $tool is missing (tests/install-deps.sh)"; exit 1; }
done
# shellcheck source=../lib/testlib.sh
source "$(dirname "$(readlink -f "$0")")/../lib/testlib.sh"
RENEWER=
T_ON_EXIT=renewer_stop
t_hosts hatp hacluster bmc

hook() { # hook HOST master|backup|fault: run a hook, print its output and status
    local h=$1 ev=$2 rc=0
    hat_exec "$h" "$HA_HOOKS/ha-notify-$ev" -c "$(ha_cluster_hooks_path "$h")" 2>&1 || rc=$?
    echo "exit=$rc"
}
check() { # check HOST: the health check (it renews the lease of a master in control)
    local rc=0
    hat_exec "$1" "$HA_HOOKS/ha-check-slurmctld" -c "$(ha_cluster_hooks_path "$1")" 2>&1 || rc=$?
    echo "exit=$rc"
}
vip_to() { # vip_to HOST: the VIP moved to HOST (no hooks run)
    local h
    for h in ctl1 ctl2; do hat_exec "$h" ip addr del "$VIP/24" dev eth0 2>/dev/null || true; done
    hat_exec "$1" ip addr add "$VIP/24" dev eth0
}
renewer_start() { (while kill -0 $$ 2>/dev/null; do check "$1" >/dev/null; sleep 1; done) & RENEWER=$!; }
renewer_stop() {
    [[ -n $RENEWER ]] || return 0
    kill "$RENEWER" 2>/dev/null || true
    wait "$RENEWER" 2>/dev/null || true
    RENEWER=
}
# step NAME OUTPUT: the hook's line for step NAME (the last one).
step() { { grep -E "(^|: )$1: " <<<"$2" || true; } | tail -n 1; }
# ms_of LINE: a step line's time, in whole ms.
ms_of() { sed -n 's/.* (\([0-9]*\)\.[0-9] ms)$/\1/p' <<<"$1"; }
# ctld_pid HOST: the pid of the slurmctld in HOST's network namespace.
ctld_pid() {
    local p
    for p in $(ip netns pids "$HAT_PREFIX-$1"); do
        [[ $(cat "/proc/$p/comm" 2>/dev/null) == slurmctld ]] && echo "$p"
    done
    return 0
}
metric() { hat_exec ctl1 cat /run/prom/ha-slurm.prom 2>/dev/null | awk -v s="$1" 'index($0, s " ") == 1 { print $2 }'; }
# shellcheck disable=SC2016 # expanded in the host's shell
lease_owner() { hat_exec ctl1 sh -c 'cat "$(ls /mnt/state/slurmctld/ha-slurm.lease.* | sort | tail -n 1)"' | sed -n 's/.* owner=\([^ ]*\) epoch=\([0-9]*\).*/\1 \2/p'; }

ha_cluster_two
hat_bmc_add ctl1 10.213.0.211
hat_bmc_add ctl2 10.213.0.212

# The fence agents' options, as an administrator writes them: root's, mode 0600.
FD=$(hat_state_dir)/fence
install -d -o root -g root -m 0755 "$FD"
opts() { # opts HOST [PASSWORD]: the options file for HOST's BMC
    local pw
    pw=${2:-$(cat "$(hat_bmc_password_file "$1")")}
    (umask 077 && printf '%s\n' "# $1's BMC" "ip=$(hat_bmc_ip "$1")" "username=$(hat_bmc_user "$1")" \
        "password=$pw" lanplus=1 cipher=3 >"$FD/$1.conf")
}
opts ctl1
opts ctl2
# The alert command, root's in a root-only folder (the hooks refuse anything else): it records
# what it was told.
BIN=$(hat_state_dir)/alertbin
install -d -o root -g root -m 0755 "$BIN"
printf '#!/bin/sh\nenv | grep "^HA_" | sort >/run/alert.env\n' >"$BIN/alert"
chmod 0755 "$BIN/alert"
for h in ctl1 ctl2; do
    other=ctl2
    [[ $h == ctl2 ]] && other=ctl1
    ha_cluster_hooks_conf "$h" "[fence $other]" "agent = $AGENT" "options = $FD/$other.conf" \
        "[notify]" "alert_command = $BIN/alert" "[metrics]" "textfile = /run/prom/ha-slurm.prom"
    hat_exec "$h" install -d -m 0755 /run/prom
done

t_note "a. a new cluster: ctl1 promoted, nothing to fence"
vip_to ctl1
out=$(hook ctl1 master)
t_match "ctl1 promoted" "$out" 'promoted: slurmctld in control.*exit=0'
t_ok "... nobody fenced" test -z "$(step fence "$out")"
renewer_start ctl1
sleep 2

t_note "b. a clean handover to ctl2, both hooks at once, ctl1's slurmctld 4 s slow to stop"
ctld=$(ctld_pid ctl1)
t_match "ctl1's slurmctld runs" "$ctld" '^[0-9]+$'
kill -STOP "$ctld"
(sleep 4 && kill -CONT "$ctld") &
cont=$!
vip_to ctl2
hook ctl1 backup >"/tmp/$HAT_PREFIX.b" &
bpid=$!
out=$(hook ctl2 master)
wait "$bpid"
wait "$cont"
b1=$(cat "/tmp/$HAT_PREFIX.b")
rm -f "/tmp/$HAT_PREFIX.b"
t_note "ctl1: $(step 'stop slurmctld' "$b1")"
t_note "ctl1: $(step 'release lease' "$b1")"
t_note "ctl2: $(step lease "$out")"
t_match "ctl1's slurmctld stopped by the SIGTERM, the lease renewed meanwhile" \
    "$(step 'stop slurmctld' "$b1")" 'stop slurmctld: stopped \(the lease renewed meanwhile\)'
t_match "ctl1's BACKUP hook released the lease" "$b1" 'release lease: released.*exit=0'
t_gt "ctl2's promotion waited for it longer than [fence] after (3 s): $(ms_of "$(step lease "$out")") ms" \
    "$(ms_of "$(step lease "$out")")" 3000
t_match "ctl2 promoted" "$out" 'promoted: slurmctld in control.*exit=0'
t_match "... its lease step says how: released by ctl1" "$(step lease "$out")" 'granted: epoch [0-9]+ \(released by ctl1\)'
t_ok "... without fencing ctl1, which released the lease" test -z "$(step fence "$out")"
t_ok "... ctl1's power is on" test "$(hat_bmc_power ctl1)" = on
t_fail "... ctl1 runs no slurmctld" ha_ctld_running ctl1
renewer_stop
renewer_start ctl2
sleep 2

t_note "b2. back to ctl1, both hooks at once, ctl2's slurmctld never stops on SIGTERM"
ctld=$(ctld_pid ctl2)
t_match "ctl2's slurmctld runs" "$ctld" '^[0-9]+$'
kill -STOP "$ctld"
vip_to ctl1
(
    s=$(date +%s%3N)
    hook ctl2 backup
    echo "took=$(($(date +%s%3N) - s))"
) >"/tmp/$HAT_PREFIX.b" &
bpid=$!
out=$(hook ctl1 master)
wait "$bpid"
b2=$(cat "/tmp/$HAT_PREFIX.b")
rm -f "/tmp/$HAT_PREFIX.b"
renewer_stop
t_note "ctl2: $(step 'stop slurmctld' "$b2")"
t_note "ctl1: $(step lease "$out")"
took=$(sed -n 's/^took=//p' <<<"$b2")
t_match "ctl2's slurmctld stopped, the lease renewed meanwhile" \
    "$(step 'stop slurmctld' "$b2")" 'stop slurmctld: stopped \(the lease renewed meanwhile\)'
# The demotion's budget from the hook's start: [lease] wait 8 s less [storage] timeout 1 s,
# SIGKILL's 0.5 s and 0.5 s of slack: SIGKILL at 6 s, the lease released by 7.5 s, inside the
# promotion's wait (reconcile.c, stop_budget()).
t_ge "... by SIGKILL at the budget's end (6 s after the hook started): the hook took $took ms" "$took" 6000
t_lt "... the lease released by 7.5 s" "$took" 7500
t_match "ctl2's BACKUP hook released the lease" "$b2" 'release lease: released.*exit=0'
t_match "ctl1 promoted, within its [lease] wait (8 s)" "$out" 'promoted: slurmctld in control.*exit=0'
t_match "... the lease released by ctl2" "$(step lease "$out")" 'granted: epoch [0-9]+ \(released by ctl2\)'
t_ok "... without fencing ctl2" test -z "$(step fence "$out")"
t_ok "... ctl2's power is on" test "$(hat_bmc_power ctl2)" = on
t_fail "... ctl2 runs no slurmctld" ha_ctld_running ctl2
renewer_start ctl1
sleep 2

t_note "b3. a clean handover to ctl2 again"
vip_to ctl2
b1=$(hook ctl1 backup)
t_match "ctl1's BACKUP hook released the lease" "$b1" 'release lease: released.*exit=0'
out=$(hook ctl2 master)
t_match "ctl2 promoted" "$out" 'promoted: slurmctld in control.*exit=0'
renewer_stop
renewer_start ctl2
sleep 2
t_match "the lease is ctl2's" "$(lease_owner)" '^ctl2 '
epoch2=$(lease_owner | cut -d' ' -f2)

t_note "c. ctl2 paused whole; ctl1's options for its BMC have a wrong password"
renewer_stop # keepalived's check is paused with its host
# shellcheck disable=SC2046 # one pid per word
hat_freeze ctl2 $(hat_bmc_host_pids ctl2)
frozen=$(date +%s%3N)
opts ctl2 "not-$(cat "$(hat_bmc_password_file ctl2)")"
vip_to ctl1
out=$(hook ctl1 master)
printf '%s\n' "$out" | sed 's/^/#   /'
t_match "the promotion is refused (exit 1)" "$out" 'promotion refused.*exit=1'
t_match "... by the fence step, with the agent's error" "$(step fence "$out")" \
    'refused: failed to power off ctl2, which holds the lease \(epoch [0-9]+\), through /usr/sbin/fence_ipmilan: .+'
t_nomatch "... no lease taken, no slurmctld started" "$out" 'granted|start slurmctld'
t_match "... the alert ran, naming the node" "$(hat_exec ctl1 cat /run/alert.env)" 'HA_FENCE_FAILED=ctl2'
t_match "... fence metric: success 0" "$(metric 'ha_slurm_fence_success{node="ctl2"}')" '^0$'
t_ok "... ctl2's power is still on" test "$(hat_bmc_power ctl2)" = on
t_match "... the lease is still ctl2's, epoch $epoch2" "$(lease_owner)" "^ctl2 $epoch2\$"
t_fail "... ctl1 runs no slurmctld" ha_ctld_running ctl1
ttl_wait=$((frozen + 7000 - $(date +%s%3N)))
((ttl_wait <= 0)) || sleep "$(awk -v m="$ttl_wait" 'BEGIN { print m / 1000 }')"
out=$(hook ctl1 master)
t_note "$(( $(date +%s%3N) - frozen )) ms after the pause: $(step fence "$out")"
t_match "past the lease's ttl (6 s): refused still, by the fence" "$out" 'fence.*refused: failed to power off ctl2.*exit=1'
t_match "... the lease still ctl2's" "$(lease_owner)" "^ctl2 $epoch2\$"

t_note "d. the password right: ctl2 powered off, the lease taken at once"
opts ctl2
out=$(hook ctl1 master)
printf '%s\n' "$out" | sed 's/^/#   /'
t_match "ctl1 promoted" "$out" 'promoted: slurmctld in control.*exit=0'
t_match "... after ctl2 was powered off" "$(step fence "$out")" \
    'ctl2 powered off through /usr/sbin/fence_ipmilan'
steps=$(grep -oE ': [a-z -]+: ' <<<"$out" | paste -sd' ' || true)
t_match "... the lease step right after the fence" "$steps" ': fence: +: lease: '
# Each step's time counts from the step's start, and the lease step started before the fence.
fence_ms=$(ms_of "$(step fence "$out")")
lease_ms=$(ms_of "$(step lease "$out")")
t_match "... granted, ctl2 powered off" "$(step lease "$out")" 'lease: granted: epoch [0-9]+ \(ctl2 powered off\)'
t_lt "... $((lease_ms - fence_ms)) ms after the fence: no wait for the lease's expiry (ttl 6 s)" \
    "$((lease_ms - fence_ms))" 1000
t_ok "... ctl1 in control" ha_in_control ctl1
t_match "... the lease is ctl1's, a newer epoch" "$(lease_owner)" "^ctl1 $((epoch2 + 1))\$"
t_ok "ctl2's power is off" test "$(hat_bmc_power ctl2)" = off
t_match "... no process of ctl2 left" "$(hat_bmc_host_pids ctl2 | paste -sd' ')" '^$'
t_match "fence metric: success 1" "$(metric 'ha_slurm_fence_success{node="ctl2"}')" '^1$'
t_match "... and its duration" "$(metric 'ha_slurm_fence_duration_seconds{node="ctl2"}')" '^[0-9]+\.[0-9]+$'
t_note "fence: $(metric 'ha_slurm_fence_duration_seconds{node="ctl2"}') s; promotion: $(metric ha_slurm_promotion_duration_seconds) s"
t_done
