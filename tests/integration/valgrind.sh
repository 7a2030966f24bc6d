#!/bin/bash
# The hooks and the RPC client under valgrind memcheck, doing their real work: two controller
# hosts with real munged and slurmctld 22.05 and the state folder on FUSE, as in notify.sh.
#
# Under valgrind (--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,possible
# --track-fds=no --trace-children=no: daemons and commands the hooks start run natively, but the
# hooks' own forked children, the storage probe and the lease, stay under memcheck and log):
#   a promotion (ha-notify-master), the health check on the master and on the standby,
#   tests/ha-rpc (ping, status, takeover; a refused connection; a listener that never answers),
#   a demotion (ha-notify-backup) and the promotion of the other host, ha-notify-fault with its
#   alert command.
# Asserts, for each: valgrind's exit status is not 99 and is the program's expected one, the
# hook did its job (who is in control afterwards), and every process's log (one per pid,
# children included) says "ERROR SUMMARY: 0 errors": no invalid read or write, no use of
# uninitialised memory, no definite or possible leak. Nothing here times out on purpose, so the MUNGE
# thread abandoned at a deadline and a stuck storage probe (expected leaks there) do not occur.
#
# A sanitizer build cannot run under valgrind: the test says so and fails (tests/run.sh runs
# it in the release build only).
set -euo pipefail
# shellcheck source=../lib/testlib.sh
source "$(dirname "$(readlink -f "$0")")/../lib/testlib.sh"
t_hosts hatv hacluster

if grep -qs '^HA_SANITIZE:BOOL=ON' "$T_BUILD/CMakeCache.txt"; then
    echo "not ok 1 - $T_BUILD is a sanitizer build: AddressSanitizer and valgrind exclude each other" >&2
    exit 1
fi
for f in "$HA_HOOKS/ha-notify-master" "$HA_HOOKS/ha-check-slurmctld" "$RPC" "$TARPIT"; do
    [[ -x $f ]] || { echo "build first: $f" >&2; exit 2; }
done
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is missing" >&2; exit 2; }

VGLOG=$(mktemp -d /tmp/ha-valgrind.XXXXXX)
finish() {
    local rc=$?
    hat_teardown || true
    if ((rc != 0)) || [[ -n ${HA_KEEP_VALGRIND_LOGS:-} ]]; then
        echo "# valgrind logs kept in $VGLOG" >&2
    else
        rm -rf "$VGLOG"
    fi
    exit "$rc"
}
trap finish EXIT

declare -A IP=([ctl1]=10.213.0.11 [ctl2]=10.213.0.12)
OUT=

# vg HOST NAME EXPECTED CMD...: CMD in HOST under memcheck, its logs $VGLOG/NAME.PID.log (one
# per process). Sets OUT to CMD's output and "exit=N"; asserts that N is EXPECTED (so not 99)
# and that every process of NAME ended with no memcheck error.
# shellcheck disable=SC2054 # the comma is in one option's value, not between elements
VG=(valgrind --tool=memcheck --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite,possible --track-fds=no --trace-children=no --vgdb=no)
vg() {
    local h=$1 name=$2 want=$3 rc=0
    shift 3
    OUT=$(hat_exec "$h" "${VG[@]}" --log-file="$VGLOG/$name.%p.log" "$@" 2>&1) || rc=$?
    OUT+=$'\n'"exit=$rc"
    _t_report $((rc == 99 || rc != want)) "$name: valgrind exit $rc (want $want, not 99)" \
        "${OUT:0:600}"
    vg_clean "$name"
}
# vg_clean NAME: every log of NAME is clean: "ERROR SUMMARY: 0 errors", or, for a forked child
# that then ran a program valgrind does not trace (slurmctld, the alert command), no report
# before its exec (such a log has no summary). Each process as a note. A MUNGE call's thread is
# joined once it answered (common/mungeauth.c), so neither a program nor a child it forks right
# after a call has anything "possibly lost" to it.
VG_ERRORS='Invalid|uninitialised|Syscall param|Mismatched|overlap|Jump to|(definitely|possibly) lost in|ERROR SUMMARY: [1-9]'
vg_clean() {
    local name=$1 f pid what bad=() logs=0
    for f in "$VGLOG/$name".*.log; do
        [[ -f $f ]] || continue
        logs=$((logs + 1))
        pid=${f%.log}
        pid=${pid##*.}
        if grep -qE "$VG_ERRORS" "$f"; then
            bad+=("$f")
            what="ERRORS (see $f)"
        elif grep -q 'ERROR SUMMARY: 0 errors' "$f"; then
            what="$(grep -o 'definitely lost: [0-9,]* bytes' "$f" || echo 'no leak')"
            what="0 errors, ${what/: / }"
        else
            what="exec'd an untraced program, nothing reported before"
        fi
        t_note "$name, pid $pid: $what"
    done
    _t_report $((logs == 0 || ${#bad[@]} > 0)) "$name: memcheck clean in all $logs processes" \
        "$(for f in "${bad[@]}"; do grep -m 40 -E -A14 "$VG_ERRORS" "$f" || true; done)"
}

# ha_in_control HOST: its slurmctld says it is in control (asked without valgrind).
vip_to() {
    local h
    for h in ctl1 ctl2; do
        hat_exec "$h" ip addr del "$VIP/24" dev eth0 2>/dev/null || true
    done
    [[ $1 == none ]] || hat_exec "$1" ip addr add "$VIP/24" dev eth0
}
conf() { ha_cluster_hooks_path "$1"; }

ha_cluster_two
# memcheck runs code 20 to 50 times slower: deadlines with room for it (the defaults are
# tested elsewhere; this test is about memory).
for h in ctl1 ctl2; do
    ha_cluster_hooks_conf "$h" "[slurm]" "rpc_timeout = 3s" "[check]" "deadline = 10s" \
        "[notify]" "alert_command = /usr/bin/touch /run/ha-slurm/alerted"
done

# The check every second on both hosts, not under valgrind, as keepalived runs it: the VIP
# holder in control renews its lease, or its self-fence stops slurmctld (ttl - 3 s without a
# renewal: ha-check-slurmctld(8)) while memcheck takes its time. It ends with this shell.
(while kill -0 $$ 2>/dev/null; do
    for h in ctl1 ctl2; do hat_exec "$h" "$HA_HOOKS/ha-check-slurmctld" -c "$(conf "$h")" >/dev/null 2>&1 || true; done
    sleep 1
done) &
renewer=$!

t_note "a promotion"
vip_to ctl1
vg ctl1 notify-master-ctl1 0 "$HA_HOOKS/ha-notify-master" -c "$(conf ctl1)"
t_match "ha-notify-master promotes the VIP holder under valgrind" "$OUT" 'promoted: slurmctld in control.*exit=0'
t_ok "ctl1 is in control" ha_in_control ctl1

t_note "the health check"
vg ctl1 check-master 0 "$HA_HOOKS/ha-check-slurmctld" -c "$(conf ctl1)" -v
t_match "the check on the master is healthy and renews the lease" "$OUT" 'lease +ok +[0-9.]+ +ours.*exit=0'
vg ctl2 check-standby 0 "$HA_HOOKS/ha-check-slurmctld" -c "$(conf ctl2)" -v
t_match "the check on the standby is healthy" "$OUT" 'exit=0'

t_note "the RPC client"
vg ctl1 rpc-ping 0 "$RPC" --cache /run/ha-slurm --timeout 3s "${IP[ctl1]}" ping
t_match "ping" "$OUT" 'result=ok'
vg ctl1 rpc-status 0 "$RPC" --cache /run/ha-slurm --timeout 3s "${IP[ctl1]}" status
t_match "status: in control" "$OUT" 'control=active'
vg ctl1 rpc-repeat 0 "$RPC" --cache /run/ha-slurm --timeout 3s --repeat 20 "${IP[ctl1]}" status
t_match "status, 20 calls in one process" "$OUT" 'calls=20 failed=0'
vg ctl1 rpc-takeover 0 "$RPC" --cache /run/ha-slurm --timeout 3s "${IP[ctl1]}" takeover
t_match "takeover of a controller in control: success" "$OUT" 'result=ok'
vg ctl2 rpc-refused 1 "$RPC" --timeout 3s "${IP[ctl2]}" status
t_match "nothing listening: refused" "$OUT" 'ECONNREFUSED'
hat_spawn ctl2 tarpit "$TARPIT" "${IP[ctl2]}" 7000
vg ctl2 rpc-tarpit 1 "$RPC" --protocol 22.05 --timeout 2s "${IP[ctl2]}:7000" status
t_match "a listener that never answers: timed out" "$OUT" 'ETIMEDOUT'
hat_kill ctl2 tarpit TERM || true

t_note "a demotion, then the other host's promotion"
vip_to ctl2
vg ctl1 notify-backup-ctl1 0 "$HA_HOOKS/ha-notify-backup" -c "$(conf ctl1)"
t_match "ha-notify-backup demotes the former master under valgrind" "$OUT" 'demoted: no slurmctld here.*exit=0'
t_fail "no slurmctld left on ctl1" ha_ctld_running ctl1
vg ctl2 notify-master-ctl2 0 "$HA_HOOKS/ha-notify-master" -c "$(conf ctl2)"
t_match "ha-notify-master promotes ctl2" "$OUT" 'promoted: slurmctld in control.*exit=0'
t_ok "ctl2 in control, ctl1 not" eval "ha_in_control ctl2 && ! ha_in_control ctl1"

t_note "a fault on the host without the VIP"
vg ctl1 notify-fault-ctl1 0 "$HA_HOOKS/ha-notify-fault" -c "$(conf ctl1)" INSTANCE VI_1 FAULT 100
t_match "ha-notify-fault: demoted, and says FAULT" "$OUT" 'FAULT on ctl1.*demoted: no slurmctld here.*exit=0'
t_ok "... and ran the alert command" hat_exec ctl1 test -e /run/ha-slurm/alerted
t_ok "ctl2 still in control" ha_in_control ctl2

kill "$renewer" 2>/dev/null || true
wait "$renewer" 2>/dev/null || true
t_done
