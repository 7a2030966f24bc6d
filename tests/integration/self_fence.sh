#!/bin/bash
# The self-fence (ha-check-slurmctld --self-fence, common/guard.h) on a controller host with real
# munged and slurmctld, a shared state folder on FUSE, and the programs in a root-only folder (as
# keepalived wants them; the guard is run only from there). No keepalived: the test plays it,
# adding the VIP and running the hooks and the check itself.
#
# Shows: the promotion starts the guard, in a session of its own; while the check renews the
# lease every second, nothing happens; once nothing renews it (keepalived gone), the guard stops
# slurmctld with SIGTERM after ttl - 3 s, and it is gone before ttl - 0.5 s after the last
# renewal (ttl 6 s here: no other node may take the lease before 6 s), removes the VIP
# (keepalived is not running), forgets the epoch and exits; the check then fails; a new
# promotion starts a new guard; a demotion ends it without fencing.
set -euo pipefail
# shellcheck source=../lib/testlib.sh
source "$(dirname "$(readlink -f "$0")")/../lib/testlib.sh"
t_hosts hatsf hacluster

STATE=/run/ha-slurm
hook() { # hook HOST master|backup: run a hook, print its output and status
    local rc=0
    hat_exec "$1" "$HA_HOOKS/ha-notify-$2" -c "$(ha_cluster_hooks_path "$1")" 2>&1 || rc=$?
    echo "exit=$rc"
}
check() { # check HOST: the check's status (its renewal of the lease)
    hat_exec "$1" "$HA_HOOKS/ha-check-slurmctld" -c "$(ha_cluster_hooks_path "$1")" >/dev/null 2>&1
}
guard_pid() { # guard_pid HOST: the pid of the guard running in HOST, if any
    local p
    for p in $(ip netns pids "$HAT_PREFIX-$1" 2>/dev/null); do
        tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- '--self-fence' && { echo "$p"; return 0; }
    done
    return 1
}
now_ms() { date +%s%3N; }
vip_here() { hat_exec "$1" ip -o addr show dev eth0 | grep -q " $VIP/"; }

ha_cluster_two
ha_cluster_safe_hooks "$T_BUILD/hooks"
ha_cluster_hooks_conf ctl1 "[lease]" "ttl = 6s"

t_note "a promotion starts the guard"
hat_exec ctl1 ip addr add "$VIP/24" dev eth0
out=$(hook ctl1 master)
t_match "ctl1 promoted" "$out" 'promoted: slurmctld in control.*exit=0'
t_match "... with its self-fence started" "$out" 'self-fence: guarding the lease'
gp=$(guard_pid ctl1 || true)
t_ok "a guard runs in ctl1" test -n "$gp"
t_match "... in a session of its own" "$(ps -o sid= -p "${gp:-1}" | tr -d ' ')" "^${gp:-x}\$"
t_match "... recorded, with the epoch it guards" "$(hat_exec ctl1 cat "$STATE/guard.pid")" "^${gp:-x} [0-9]+ 1\$"
ctld=$(hat_exec ctl1 cat /run/slurmctld.pid)

t_note "the check renews the lease every second for 8 s (longer than ttl): nothing happens"
renewals=0
for _ in 1 2 3 4 5 6 7 8; do
    if out=$(hat_exec ctl1 "$HA_HOOKS/ha-check-slurmctld" -c "$(ha_cluster_hooks_path ctl1)" 2>&1); then
        renewals=$((renewals + 1))
    else
        t_note "a check failed, so it did not renew the lease: $out"
    fi
    sleep 1
done
t_ok "every check passed and renewed the lease ($renewals of 8)" test "$renewals" = 8
t_ok "slurmctld still runs (pid $ctld)" kill -0 "$ctld"
t_ok "the guard still runs" kill -0 "${gp:-0}"

t_note "nothing renews the lease any more (keepalived gone)"
# The last renewal happens between before and after (the check's storage child).
before=$(now_ms)
check ctl1 || true
after=$(now_ms)
# Gone: no such process, or a zombie (it runs nothing).
alive() { [[ -r /proc/$1/stat ]] && ! awk '{ exit $3 == "Z" ? 0 : 1 }' "/proc/$1/stat" 2>/dev/null; }
t_ok "slurmctld stopped by the guard within 10 s" hat_wait_for 10 eval "! alive $ctld"
gone=$(now_ms)
t_note "last renewal -> slurmctld gone: $((gone - after)) to $((gone - before)) ms (SIGTERM at ttl - 3 s = 3000 ms, SIGKILL at ttl - 1 s = 5000 ms)"
t_ge "... not before ttl - 3 s after the last renewal ($((gone - after)) ms at least)" "$((gone - after))" 2900
t_lt "... gone before ttl - 0.5 s ($((gone - before)) ms at most): no other node may take the lease before ttl" \
    "$((gone - before))" 5500
t_fail "the VIP was removed (keepalived is not running)" vip_here ctl1
t_fail "the epoch is forgotten" hat_exec ctl1 test -e "$STATE/lease.epoch"
t_ok "the guard exited" hat_wait_for 5 eval "! kill -0 ${gp:-0} 2>/dev/null"
t_ok "the check then finds a clean standby (no VIP, no slurmctld): healthy" check ctl1

t_note "a new promotion, a new guard; a demotion ends it without fencing"
hat_exec ctl1 ip addr add "$VIP/24" dev eth0
out=$(hook ctl1 master)
t_match "ctl1 promoted again" "$out" 'promoted: slurmctld in control.*exit=0'
gp=$(guard_pid ctl1 || true)
t_ok "a new guard runs" test -n "$gp"
ctld=$(hat_exec ctl1 cat /run/slurmctld.pid)
hat_exec ctl1 ip addr del "$VIP/24" dev eth0
out=$(hook ctl1 backup)
t_match "ctl1 demoted: slurmctld stopped, the lease released" "$out" 'stop slurmctld: stopped.*release lease: released.*exit=0'
t_ok "the guard exited (the epoch is no longer recorded)" hat_wait_for 5 eval "! kill -0 ${gp:-0} 2>/dev/null"
t_done
