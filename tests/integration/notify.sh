#!/bin/bash
# The notify hooks (ha-notify-master, -backup, -fault) on two controller hosts with real munged
# and slurmctld 22.05, a shared state folder on FUSE (shown as fuse.glusterfs), and the VIP
# added and removed by the test as keepalived would (keepalived itself: notify_keepalived.sh).
#
# Shows: a promotion puts the new VIP holder in control (time measured), the other has no
# slurmctld; a former master's slurmctld started as a boot would cannot take control back;
# hooks run out of order and at once converge to "the VIP holder, and only it, in control";
# promotion is refused, with its reason and on time, when MUNGE is down or storage is hung or
# read-only; two VIP holders (a partition) never have two controllers in control (sampled every
# 100 ms); a dry run changes nothing; the check gives a running promotion its grace; a
# controller in control out of the hooks' reach ([slurm] peers) refuses a promotion, one that
# stops while watched does not.
set -euo pipefail
# shellcheck source=../lib/testlib.sh
source "$(dirname "$(readlink -f "$0")")/../lib/testlib.sh"
t_hosts hatn hacluster

hook() { # hook HOST master|backup|fault [ARGS...]: run a hook, print its output and status
    local h=$1 ev=$2; shift 2
    local rc=0
    hat_exec "$h" "$HA_HOOKS/ha-notify-$ev" -c "$(ha_cluster_hooks_path "$h")" "$@" 2>&1 || rc=$?
    echo "exit=$rc"
}
check() { # check HOST: the health check's verbose output and status
    local rc=0
    hat_exec "$1" "$HA_HOOKS/ha-check-slurmctld" -c "$(ha_cluster_hooks_path "$1")" -v 2>&1 || rc=$?
    echo "exit=$rc"
}
vip_to() { # vip_to HOST|none: move the VIP (no hooks run)
    local h
    for h in ctl1 ctl2; do
        hat_exec "$h" ip addr del "$VIP/24" dev eth0 2>/dev/null || true
    done
    [[ $1 == none ]] || hat_exec "$1" ip addr add "$VIP/24" dev eth0
}
vip_add() { hat_exec "$1" ip addr add "$VIP/24" dev eth0; }
# exactly_one_in_control HOST: HOST is in control, the other is not.
exactly() {
    local other=ctl1
    [[ $1 == ctl1 ]] && other=ctl2
    ha_in_control "$1" && ! ha_in_control "$other"
}
ms_of() { sed -n 's/.* in \([0-9.]*\) ms.*/\1/p' <<<"$1" | tail -n 1; }
# renewer_start HOST / renewer_stop: the check every second on HOST, as keepalived runs it, in
# the background: across a wait longer than the master's self-fence allows without a renewal
# of its lease (ttl - 3 s: ha-check-slurmctld(8), --self-fence), the test plays keepalived.
renewer_start() { (while kill -0 $$ 2>/dev/null; do check "$1" >/dev/null; sleep 1; done) & RENEWER=$!; }
renewer_stop() { kill "$RENEWER" 2>/dev/null || true; wait "$RENEWER" 2>/dev/null || true; }

ha_cluster_two
ha_cluster_hooks_conf ctl1
ha_cluster_hooks_conf ctl2

t_note "dry run"
vip_to ctl1
out=$(hook ctl1 master --dry-run)
t_match "a dry run plans the promotion" "$out" 'would acquire the lease.*would start slurmctld.*exit=0'
t_fail "... and starts nothing" ha_ctld_running ctl1

t_note "first promotion"
out=$(hook ctl1 master)
t_match "ha-notify-master on the VIP holder promotes it" "$out" 'promoted: slurmctld in control.*exit=0'
t_note "$(grep -E 'promoted|in control:' <<<"$out" | tr '\n' ' ')"
t_ok "ctl1 is in control" ha_in_control ctl1
out=$(check ctl1)
t_match "the check on the new master is healthy and renews the lease" "$out" 'lease +ok +[0-9.]+ +ours.*exit=0'

t_note "failover and back, five times: promotion time from hook start to in control"
times=()
target=ctl2 from=ctl1
for i in 1 2 3 4 5; do
    vip_to "$target"
    # keepalived runs both hooks at once, on both nodes.
    hook "$from" backup >"/tmp/$HAT_PREFIX.b" &
    bpid=$!
    out=$(hook "$target" master)
    wait "$bpid"
    times+=("$(ms_of "$out")")
    t_match "round $i: $target promoted" "$out" 'promoted: slurmctld in control.*exit=0'
    t_match "round $i: $from demoted" "$(cat "/tmp/$HAT_PREFIX.b")" 'demoted: no slurmctld here.*exit=0'
    t_ok "round $i: $target in control, $from not" exactly "$target"
    t_fail "round $i: no slurmctld left on $from" ha_ctld_running "$from"
    tmp=$target target=$from from=$tmp
done
rm -f "/tmp/$HAT_PREFIX.b"
# ctl2, promoted by round 5, stays the master through the cases below: from here its lease is
# renewed as keepalived would, or its guard stops slurmctld 3 s after round 5's grant.
renewer_start ctl2
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
t_note "promotion times (ms): ${times[*]}; median $(sed -n 3p <<<"$sorted"), max $(tail -n 1 <<<"$sorted")"
t_lt "median promotion under 5 s" "$(sed -n 3p <<<"$sorted")" 5000
out=$(hat_exec ctl1 cat /run/ha-slurm/protocol-127.0.0.1-6817 2>&1 || true)
t_match "the hooks' version is slurmctld's release, remembered with the binary's identity" \
    "$out" '^9728( [0-9]+){5}$'
for h in ctl1 ctl2; do
    t_nomatch "$h: the promotions and checks left no refused protocol version in slurmctld's log" \
        "$(hat_ctld_version_errors "$h")" '.'
done

# Now ctl2 holds the VIP (five moves from ctl1). ctl1 is the former master.
t_note "the former master recovers: slurmctld started as a boot would"
t_ok "ctl2 is the master" exactly ctl2
boot_rc=0
boot_out=$(hat_exec ctl1 timeout 20 slurmctld -D 2>&1) || boot_rc=$?
t_match "slurmctld with the default slurm.conf refuses to run on ctl1" "$boot_out" 'not a valid controller'
t_ok "... and exits with a failure status ($boot_rc)" test "$boot_rc" -ne 0
ok=0
for i in $(seq 20); do ha_in_control ctl1 && ok=1; sleep 0.1; done
t_ok "ctl1 never in control; ctl2 still is" eval "(($ok == 0)) && exactly ctl2"
renewer_stop

t_note "hooks out of order and at once"
for i in $(seq 1 8); do
    if ((i % 2)); then target=ctl1 other=ctl2; else target=ctl2 other=ctl1; fi
    vip_to "$target"
    # Stale and fresh events in every order, overlapping: only the VIP may decide.
    hook "$target" backup >/dev/null & p1=$!
    hook "$other" master >/dev/null & p2=$!
    hook "$target" master >/dev/null & p3=$!
    hook "$other" fault >/dev/null & p4=$!
    hook "$target" master INSTANCE VI_1 BACKUP 100 >/dev/null & p5=$!
    hook "$other" backup INSTANCE VI_1 MASTER 150 >/dev/null & p6=$!
    wait $p1 $p2 $p3 $p4 $p5 $p6 || true
    t_ok "round $i: $target, and only it, in control" exactly "$target"
done

t_note "preconditions"
# ctl1 holds the VIP and is in control now (round 8 ended on ctl2? see the loop: even -> ctl2).
vip_to ctl1
hook ctl2 backup >/dev/null
hook ctl1 master >/dev/null
t_ok "ctl1 in control before the precondition cases" exactly ctl1
# MUNGE down on ctl2, the VIP moved there.
hat_kill ctl2 munged TERM
vip_to ctl2
hook ctl1 backup >/dev/null
start=$(date +%s%3N)
out=$(hook ctl2 master)
took=$(($(date +%s%3N) - start))
t_match "MUNGE down: promotion refused with the reason" "$out" 'munge: refused: MUNGE round trip failed.*exit=1'
t_lt "... within the hook's deadline (25 s)" "$took" 25000
t_fail "... and no slurmctld started" ha_ctld_running ctl2
hat_munged_start ctl2
# Storage hung on ctl2.
kill -STOP "$(hat_shared_pid ctl2)"
start=$(date +%s%3N)
out=$(hook ctl2 master)
took=$(($(date +%s%3N) - start))
t_match "storage hung: promotion refused with the reason" "$out" 'storage: refused: storage hung.*exit=1'
# The hook's stuck probe is logged once (HA_MID_STORAGE), not again by its re-observations.
t_match "storage hung: the stuck probe logged once" \
    "$(grep -c 'ha-notify-master: storage hung: .* did not answer within [0-9]* ms' <<<"$out" || true)" '^1$'
t_note "storage hung: the promotion waited $took ms for it ([storage] grace 10 s)"
t_lt "... after waiting [storage] grace (10 s), well inside the deadline (25 s)" "$took" 16000
t_lt "... but not before the grace" 9000 "$took"
t_fail "... and no slurmctld started" ha_ctld_running ctl2
kill -CONT "$(hat_shared_pid ctl2)"
# Read-only storage on ctl2.
hat_exec ctl2 mount -o remount,bind,ro /mnt/state
out=$(hook ctl2 master)
t_match "storage read-only: promotion refused with the reason" "$out" 'storage: refused: .*read-only.*exit=1'
hat_exec ctl2 mount -o remount,bind,rw /mnt/state
out=$(hook ctl2 master)
t_match "preconditions back: promotion succeeds" "$out" 'promoted: slurmctld in control.*exit=0'
t_ok "ctl2 in control" exactly ctl2

t_note "a partition: both nodes hold the VIP"
# The master renews its lease as keepalived's check would, every second, from before ctl1's
# promotion starts (started later, on a busy machine the lease expired first).
(while :; do check ctl2 >/dev/null; sleep 1; done) &
renewer=$!
vip_add ctl1
sampled=0 two=0
hook ctl1 master >"/tmp/$HAT_PREFIX.p" &
ppid=$!
# While ctl1's promotion waits for the lease, its check gives it grace; ctl2 keeps renewing.
hat_wait_for 5 eval "hat_exec ctl1 cat /run/ha-slurm/hook.intent 2>/dev/null | grep -q promote"
out=$(check ctl1)
t_match "the check on a node whose promotion is running: healthy, in grace" "$out" 'promotion in progress.*exit=0'
# One sampler per host, each asking its slurmctld every 100 ms; then every moment one host was
# seen in control is compared with the other host's samples around it.
sampler() { # sampler HOST FILE: "ms 0|1" lines for 12 s
    local end=$(($(date +%s%3N) + 12000))
    while (($(date +%s%3N) < end)); do
        if ha_in_control "$1"; then echo "$(date +%s%3N) 1"; else echo "$(date +%s%3N) 0"; fi
        sleep 0.1
    done >"$2"
}
sampler ctl1 "/tmp/$HAT_PREFIX.s1" &
s1=$!
sampler ctl2 "/tmp/$HAT_PREFIX.s2" &
s2=$!
wait "$s1" "$s2"
sampled=$(($(wc -l <"/tmp/$HAT_PREFIX.s1") + $(wc -l <"/tmp/$HAT_PREFIX.s2")))
# Two in control: ctl1 seen in control at t while ctl2 was in control at both its samples
# around t (so it held control across t).
two=$(awk 'FNR == NR { t1[NR] = $1; v1[NR] = $2; n1 = NR; next }
           { t2[FNR] = $1; v2[FNR] = $2; n2 = FNR }
           END { c = 0
                 for (i = 1; i <= n1; i++) if (v1[i]) {
                     for (j = 1; j < n2; j++)
                         if (t2[j] <= t1[i] && t1[i] <= t2[j + 1] && v2[j] && v2[j + 1]) c++ }
                 print c }' "/tmp/$HAT_PREFIX.s1" "/tmp/$HAT_PREFIX.s2")
rm -f "/tmp/$HAT_PREFIX.s1" "/tmp/$HAT_PREFIX.s2"
kill "$renewer"
wait "$renewer" 2>/dev/null || true
wait "$ppid" || true
t_note "sampled $sampled times over 12 s (both hosts, every 100 ms)"
t_ok "never two controllers in control" test "$two" -eq 0
t_match "the second VIP holder's promotion is refused: the lease is held" "$(cat "/tmp/$HAT_PREFIX.p")" 'lease: refused: ctl2 holds the lease.*exit=1'
rm -f "/tmp/$HAT_PREFIX.p"
out=$(check ctl1)
t_match "its check then fails (VIP holder not in control): keepalived will take it to FAULT" "$out" 'UNHEALTHY.*exit=1'
hat_exec ctl1 ip addr del "$VIP/24" dev eth0
ha_cluster_hooks_conf ctl1 "[notify]" "alert_command = /usr/bin/touch /run/ha-slurm/alerted"
out=$(hook ctl1 fault)
t_match "ha-notify-fault demotes it" "$out" 'demoted: no slurmctld here.*exit=0'
t_match "... says FAULT loudly" "$out" 'FAULT on ctl1'
t_match "... and runs the alert command" "$out" 'alert: /usr/bin/touch done'
t_ok "... which ran" hat_exec ctl1 test -e /run/ha-slurm/alerted

t_note "a site with one shared order: slurmctld comes up in standby, the hook asks it to take over"
vip_to none
hook ctl2 backup >/dev/null
t_fail "no slurmctld left on ctl2" ha_ctld_running ctl2
# ctl2's slurmctld reads the compute nodes' view: ctl1 first, ctl2 second (a backup).
cp "$(hat_host_dir cn1)/fs/etc-slurm/slurm.conf" "$(hat_host_dir ctl2)/fs/etc-slurm/shared-order.conf"
HA_COMMAND="/usr/sbin/slurmctld -f /etc/slurm/shared-order.conf" ha_cluster_hooks_conf ctl2
vip_to ctl2
out=$(hook ctl2 master)
t_match "the standby is asked to take over" "$out" 'takeover: slurmctld was in standby: takeover accepted'
t_match "... and the hook waits until it is in control" "$out" 'promoted: slurmctld in control.*exit=0'
t_note "$(grep -E 'takeover|in control:|promoted' <<<"$out" | tr '\n' ' ')"
t_ok "ctl2 in control" exactly ctl2
t_nomatch "... and the takeover left no refused protocol version in slurmctld's log" \
    "$(hat_ctld_version_errors ctl2)" '.'

t_note "another controller in control, out of the hooks' reach: [slurm] peers (rule 8 of lease.h)"
vip_to none
hook ctl2 backup >/dev/null
ha_cluster_hooks_conf ctl2
IP2=$(cat "$(hat_host_dir ctl2)/ip")
HA_PEERS=$IP2 ha_cluster_hooks_conf ctl1
# slurmctld on ctl2 started by hand with its ha-slurmctld.conf: in control, without the VIP, the
# lease, a self-fence or a check (no keepalived here).
hat_spawn ctl2 slurmctld slurmctld -D -f /etc/slurm/ha-slurmctld.conf
t_ok "ctl2's slurmctld, started by hand, is in control" hat_wait_for 20 ha_in_control ctl2
vip_to ctl1
t0=$(date +%s%3N)
out=$(hook ctl1 master)
t1=$(date +%s%3N)
t_match "the promotion sees it and refuses" "$out" \
    "peers: refused: another controller is in control: $IP2: IN CONTROL, and still after 5 s.*exit=1"
t_ok "... after watching it 5 s ($((t1 - t0)) ms, under 8 s)" test $((t1 - t0)) -ge 5000 -a $((t1 - t0)) -lt 8000
t_match "... the lease given back" "$out" 'lease: given back'
t_fail "... and no slurmctld started on ctl1" ha_ctld_running ctl1
# The same, but it stops while the promotion watches (as a former master's self-fence stops it).
(sleep 2; hat_kill ctl2 slurmctld KILL) &
killer=$!
out=$(hook ctl1 master)
wait "$killer" || true
t_match "one that stops while watched: the promotion goes on" "$out" \
    "peers: $IP2: was in control, then no longer said so.*promoted: slurmctld in control.*exit=0"
t_ok "ctl1 in control" exactly ctl1
vip_to none
hook ctl1 backup >/dev/null
vip_to ctl1
out=$(hook ctl1 master)
t_match "none in control: the peers step says so, and the promotion goes on" "$out" \
    "peers: $IP2: no slurmctld.*promoted: slurmctld in control.*exit=0"

t_done
