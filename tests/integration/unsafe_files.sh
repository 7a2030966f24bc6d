#!/bin/bash
# Unsafe files and folders, planted where the programs look, against the real programs
# (ha-check-slurmctld, ha-notify-master, ha-notify-backup, tests/ha-rpc) in one test host with a
# real munged and a shared state folder owned by SlurmUser (as StateSaveLocation is).
#
# Each case plants one thing (a symbolic link to a canary file of root's, a FIFO, a file others
# may write, a file of another owner, the state folder 0777 or a link), runs a program under a
# deadline and asserts:
#   - the refusal: one line "refused PATH: REASON" on stderr (the journal gets the same entry);
#   - the canary is byte for byte unchanged (nothing written through the link);
#   - nothing hung: the program returned well inside its deadline (a FIFO opened for reading
#     would block forever);
#   - the outcome: exit status, and what the program left in place of what was planted.
# The lease cases are planted by the slurm user itself (setpriv), in its own folder: what a
# compromised SlurmUser could do. A record believed when it is root's (hook.intent, a stuck
# file) is planted root's first, as a control, then given to nobody: then it is not believed.
# The metrics cases use a second configuration with [metrics] textfile. The unit test tests/unit/test_fsafe.c covers the same rules
# function by function (the storage probe file, whose name holds a pid, only there).
set -euo pipefail
# shellcheck source=../lib/testlib.sh
source "$(dirname "$(readlink -f "$0")")/../lib/testlib.sh"
t_hosts hatu

STATE=/run/ha-slurm
SHARED=/mnt/state/slurmctld
LEASE=$SHARED/ha-slurm.lease
LEASE1=$LEASE.00000000000000000001 # its first generation (lease.h)
CANARY=/run/canary # root's, in the host's own /run
CANARY_TEXT="canary: must never change"
DEADLINE_MS=8000 # every run below must end well before this (the hooks' deadline is 5 s)

hat_clean
hat_net_up
hat_host_add ctl1 10.213.0.11
hat_munged_start ctl1
hat_shared_setup /mnt/state ctl1
CONF="$(hat_host_dir ctl1)/ha-slurm.conf"
(
    umask 077
    cat >"$CONF" <<CONF
[slurm]
pid_file = /run/slurmctld.pid
command = /usr/bin/false
[ha]
service_manager = direct
[vip]
address = $VIP
interface = eth0
[storage]
path = $SHARED
mount_point = /mnt/state
[lease]
ttl = 2s
wait = 2s
[notify]
deadline = 5s
CONF
)

in1() { hat_exec ctl1 "$@"; }
as_slurm() { in1 setpriv --reuid=slurm --regid=slurm --clear-groups "$@"; }
canary_ok() { [[ $(in1 cat "$CANARY") == "$CANARY_TEXT" ]]; }
OUT='' RC='' MS=''
# run PROGRAM ARGS...: in ctl1 under `timeout 30`; sets OUT (stdout and stderr), RC and MS.
run() {
    local t0 t1
    t0=$(date +%s%N)
    RC=0
    OUT=$(in1 timeout 30 "$@" 2>&1) || RC=$?
    t1=$(date +%s%N)
    MS=$(((t1 - t0) / 1000000))
}
# refused WHAT PATH REASON: exactly one refusal line for PATH, with REASON, and on time.
refused() {
    local what=$1 path=$2 reason=$3 n
    n=$(grep -cF "refused $path: " <<<"$OUT" || true)
    _t_report $((n != 1)) "$what: one line \"refused $path: $reason\"" "$OUT"
    t_match "... with the reason" "$OUT" "refused $path: $reason"
    t_lt "... on time ($MS ms)" "$MS" "$DEADLINE_MS"
}
check() { run "$HA_HOOKS/ha-check-slurmctld" -c "$CONF"; }

in1 sh -c "echo '$CANARY_TEXT' >$CANARY && chmod 0644 $CANARY"
# Slurm's file the hooks start slurmctld with ([slurm] conf: the default, slurm.conf), as
# install.sh writes it: root's, 0644.
SCONF=/etc/slurm/slurm.conf
in1 sh -c "echo 'ClusterName=unsafe' >$SCONF && chmod 0644 $SCONF"
TEXTDIR=/run/node-exporter
TEXTFILE=$TEXTDIR/ha-slurm.prom
CONF_M="$CONF.metrics"
cp "$CONF" "$CONF_M"
printf '[metrics]\ntextfile = %s\n' "$TEXTFILE" >>"$CONF_M"
in1 install -d -m 0755 "$TEXTDIR"
checkm() { run "$HA_HOOKS/ha-check-slurmctld" -c "$CONF_M" -v; }
# live_record FILE WORD: FILE as a record of a live process (pid 1), after WORD (may be empty),
# owned by root: believed, if nothing else is wrong with it.
live_record() {
    in1 sh -c "printf '%s1 %s 0\n' '$2' \"\$(cut -d' ' -f22 /proc/1/stat)\" >$1 && chmod 0644 $1"
}

t_note "the state folder"
# Root's but open to others (an older version's, a tmpfiles line's): closed to 0700 with a
# warning, not refused: a refusal would fail the check on every node at once.
in1 sh -c "mkdir -m 0777 $STATE && chmod 0777 $STATE"
check
t_nomatch "check: a state folder of root's that others may write is not refused" "$OUT" 'refused'
t_match "... but set to 0700, with a warning" "$OUT" "state folder '$STATE': group or others had access: set to 0700"
t_match "... now root's, 0700" "$(in1 stat -c '%U %a' "$STATE")" '^root 700$'
in1 chmod 0755 "$STATE"
run "$HA_HOOKS/ha-notify-backup" -c "$CONF"
t_ok "ha-notify-backup: the same (0755): exit 0" test "$RC" = 0
t_match "... set to 0700" "$(in1 stat -c '%a' "$STATE")" '^700$'
in1 rm -rf "$STATE"
in1 mkdir -m 0700 /run/elsewhere
in1 ln -s /run/elsewhere "$STATE"
check
t_ok "check: a state folder that is a symbolic link: exit 3" test "$RC" = 3
refused "check" "$STATE" 'a symbolic link, not a folder'
in1 rm "$STATE"
in1 mkdir -m 0700 "$STATE"
in1 chown slurm "$STATE"
check
t_ok "check: a state folder of the slurm user's: exit 3" test "$RC" = 3
refused "check" "$STATE" 'not owned by root'
in1 rmdir "$STATE"
check
t_ok "check: a missing state folder is created" in1 test -d "$STATE"
t_match "... root's, mode 0700 (whatever the umask)" "$(in1 stat -c '%U %a' "$STATE")" '^root 700$'
t_nomatch "... and nothing refused" "$OUT" 'refused'

t_note "files in the state folder"
in1 rm -f "$STATE/check.verdict"
in1 ln -s "$CANARY" "$STATE/check.verdict"
check
refused "check: check.verdict a symbolic link" "$STATE/check.verdict" 'a symbolic link'
t_ok "... the canary is unchanged" canary_ok
t_match "... and the link is replaced by a file of the check's, 0644" \
    "$(in1 stat -c '%F %U %a' "$STATE/check.verdict")" '^regular file root 644$'

in1 mkfifo -m 0600 "$STATE/hook.intent"
check
refused "check: hook.intent a FIFO" "$STATE/hook.intent" 'not a regular file'
in1 rm "$STATE/hook.intent"

in1 sh -c "echo '1 1 1' >$STATE/storage-probe.stuck && chown nobody $STATE/storage-probe.stuck"
run "$HA_HOOKS/ha-check-slurmctld" -c "$CONF" -v
refused "check: storage-probe.stuck of another owner" "$STATE/storage-probe.stuck" 'not owned by root'
t_match "... not believed: the storage probe runs, and passes" "$OUT" 'storage +ok'
in1 rm -f "$STATE/storage-probe.stuck"

in1 sh -c "echo 9728 >$STATE/protocol-127.0.0.1-6817 && chmod 0666 $STATE/protocol-127.0.0.1-6817"
run "$RPC" --cache "$STATE" --timeout 1s 127.0.0.1 ping
refused "ha-rpc: a protocol cache others may write" "$STATE/protocol-127.0.0.1-6817" \
    'writable by group or others'
in1 rm -f "$STATE/protocol-127.0.0.1-6817"

in1 ln -s "$CANARY" "$STATE/hook.lock"
run "$HA_HOOKS/ha-notify-backup" -c "$CONF"
t_ok "ha-notify-backup: hook.lock a symbolic link: exit 3" test "$RC" = 3
refused "ha-notify-backup" "$STATE/hook.lock" 'a symbolic link'
t_ok "... the canary is unchanged" canary_ok
in1 rm "$STATE/hook.lock"
in1 mkfifo -m 0600 "$STATE/hook.lock"
run "$HA_HOOKS/ha-notify-backup" -c "$CONF"
t_ok "ha-notify-backup: hook.lock a FIFO: exit 3" test "$RC" = 3
refused "ha-notify-backup" "$STATE/hook.lock" 'not a regular file'
in1 rm "$STATE/hook.lock"

in1 ln -s "$CANARY" "$STATE/hook.intent"
run "$HA_HOOKS/ha-notify-backup" -c "$CONF"
t_ok "ha-notify-backup: hook.intent a symbolic link: exit 0" test "$RC" = 0
refused "ha-notify-backup" "$STATE/hook.intent" 'a symbolic link'
t_ok "... the canary is unchanged" canary_ok
t_fail "... and the link is gone (replaced, then removed with the lock)" in1 test -L "$STATE/hook.intent"
live_record "$STATE/hook.intent" "promote "
run "$HA_HOOKS/ha-check-slurmctld" -c "$CONF" -v
t_match "check: hook.intent of root's, of a live process: believed (control)" "$OUT" 'promote in progress'
in1 chown nobody "$STATE/hook.intent"
run "$HA_HOOKS/ha-check-slurmctld" -c "$CONF" -v
refused "check: hook.intent of another owner" "$STATE/hook.intent" 'not owned by root'
t_match "... not believed: no hook at work" "$OUT" 'no hook at work'
in1 rm -f "$STATE/hook.intent"

in1 ln -s "$CANARY" "$STATE/protocol-127.0.0.1-6817"
run "$RPC" --cache "$STATE" --timeout 1s 127.0.0.1 ping
refused "ha-rpc: a protocol cache that is a symbolic link" "$STATE/protocol-127.0.0.1-6817" \
    'a symbolic link'
t_ok "... the canary is unchanged" canary_ok
in1 rm -f "$STATE/protocol-127.0.0.1-6817"
in1 sh -c "echo 9728 >$STATE/protocol-127.0.0.1-6817 && chown nobody $STATE/protocol-127.0.0.1-6817"
run "$RPC" --cache "$STATE" --timeout 1s 127.0.0.1 ping
refused "ha-rpc: a protocol cache of another owner" "$STATE/protocol-127.0.0.1-6817" \
    'not owned by root'
in1 rm -f "$STATE/protocol-127.0.0.1-6817"

in1 ln -s "$CANARY" "$STATE/lease.stuck"
run "$HA_HOOKS/ha-notify-backup" -c "$CONF"
t_ok "ha-notify-backup: lease.stuck a symbolic link: exit 0" test "$RC" = 0
refused "ha-notify-backup" "$STATE/lease.stuck" 'a symbolic link'
t_ok "... the canary is unchanged" canary_ok
t_match "... not believed: the lease is released as usual" "$OUT" 'release lease: '
t_nomatch "... (no stuck child claimed)" "$OUT" 'release lease: .*(hung|already in progress)'
in1 rm -f "$STATE/lease.stuck"
live_record "$STATE/lease.stuck" ""
run "$HA_HOOKS/ha-notify-backup" -c "$CONF"
t_match "ha-notify-backup: lease.stuck of root's, of a live process: believed (control)" "$OUT" \
    'failed to release the lease'
in1 chown nobody "$STATE/lease.stuck"
run "$HA_HOOKS/ha-notify-backup" -c "$CONF"
refused "ha-notify-backup: lease.stuck of another owner" "$STATE/lease.stuck" 'not owned by root'
t_nomatch "... not believed: the lease is released as usual" "$OUT" 'failed to release the lease'
in1 rm -f "$STATE/lease.stuck"

t_note "metrics: the records and the stuck file in the state folder, the textfile"
checkm
RC_M=$RC
t_nomatch "check with [metrics]: nothing refused" "$OUT" 'refused|Failed to write metrics'
t_match "... the textfile is written" "$(in1 cat "$TEXTFILE")" 'ha_slurm_check_healthy'
in1 ln -s "$CANARY" "$STATE/metrics.hook"
checkm
refused "check: metrics.hook a symbolic link" "$STATE/metrics.hook" 'a symbolic link'
t_ok "... the canary is unchanged" canary_ok
t_nomatch "... and not rendered" "$(in1 cat "$TEXTFILE")" 'canary'
in1 rm "$STATE/metrics.hook"
in1 sh -c "echo 'ha_slurm_promotion_success 1' >$STATE/metrics.promote && chown nobody $STATE/metrics.promote"
checkm
refused "check: metrics.promote of another owner" "$STATE/metrics.promote" 'not owned by root'
t_nomatch "... its samples are not rendered" "$(in1 cat "$TEXTFILE")" 'ha_slurm_promotion_success'
in1 rm "$STATE/metrics.promote"
in1 rm -f "$STATE/metrics.check"
in1 ln -s "$CANARY" "$STATE/metrics.check"
run "$HA_HOOKS/ha-notify-backup" -c "$CONF_M"
refused "ha-notify-backup: metrics.check a symbolic link" "$STATE/metrics.check" 'a symbolic link'
t_ok "... the canary is unchanged" canary_ok
checkm
t_ok "check: the canary is unchanged (the check writes metrics.check)" canary_ok
t_match "... the link is replaced by a file of the check's, 0644" \
    "$(in1 stat -c '%F %U %a' "$STATE/metrics.check")" '^regular file root 644$'

in1 ln -s "$CANARY" "$STATE/metrics.stuck"
checkm
refused "check: metrics.stuck a symbolic link" "$STATE/metrics.stuck" 'a symbolic link'
t_ok "... the canary is unchanged" canary_ok
t_nomatch "... not believed: the metrics are written" "$OUT" 'Failed to write metrics'
in1 rm -f "$STATE/metrics.stuck"
live_record "$STATE/metrics.stuck" ""
checkm
t_match "check: metrics.stuck of root's, of a live process: believed (control)" "$OUT" \
    'Failed to write metrics.*Operation already in progress'
in1 chown nobody "$STATE/metrics.stuck"
checkm
refused "check: metrics.stuck of another owner" "$STATE/metrics.stuck" 'not owned by root'
t_nomatch "... not believed: the metrics are written" "$OUT" 'Failed to write metrics'
in1 rm -f "$STATE/metrics.stuck"

in1 rm -f "$TEXTFILE"
in1 ln -s "$CANARY" "$TEXTFILE"
checkm
t_ok "check: the textfile a symbolic link: the same exit status ($RC_M)" test "$RC" = "$RC_M"
refused "check" "$TEXTFILE" 'a symbolic link'
t_match "... not written" "$OUT" "Failed to write metrics to '$TEXTFILE'"
t_ok "... the canary is unchanged" canary_ok
t_match "... and the link is left as it was" "$(in1 stat -c %F "$TEXTFILE")" 'symbolic link'
in1 rm "$TEXTFILE"

t_note "Slurm's file the hooks start slurmctld with ([slurm] conf)"
# slurmctld starts as root with it and loads what it names before it becomes SlurmUser: a file
# others may write is refused as the hooks' own configuration is, by a standby's check and by
# a promotion; the master in control is not failed for it (that would fail every node at once).
checkv() { run "$HA_HOOKS/ha-check-slurmctld" -c "$CONF" -v; }
checkv
t_match "check: $SCONF root's, 0644: the conf probe passes (control)" "$OUT" "conf +ok .*$SCONF readable"
in1 chmod 0664 "$SCONF"
checkv
refused "check: $SCONF writable by its group" "$SCONF" 'writable by group or others'
t_match "... the conf probe fails, saying why" "$OUT" "conf +FAIL .*unsafe $SCONF: writable by group or others \\(slurmctld starts as root with it\\)"
t_match "... the standby is unhealthy (exit 1)" "$RC $OUT" '^1 (.|\n)*verdict: UNHEALTHY: not ready to take over: unsafe '
in1 chmod 0644 "$SCONF"
in1 chown slurm "$SCONF"
checkv
refused "check: $SCONF of the slurm user's" "$SCONF" 'not owned by root'
t_match "... the standby is unhealthy (exit 1)" "$RC $OUT" '^1 (.|\n)*verdict: UNHEALTHY: not ready to take over: unsafe '
in1 ip addr add "$VIP/24" dev eth0
run "$HA_HOOKS/ha-notify-master" -c "$CONF"
t_ok "ha-notify-master: $SCONF of the slurm user's: promotion refused (exit 1)" test "$RC" = 1
refused "ha-notify-master" "$SCONF" 'not owned by root'
t_match "... the conf step says why, before the lease" "$OUT" "conf: unsafe $SCONF: not owned by root \\(slurmctld starts as root with it\\)(.|\n)*promotion refused"
t_nomatch "... slurmctld not started, the lease not taken" "$OUT" 'start slurmctld|lease: '
t_fail "... (no lease file)" in1 test -e "$LEASE1"
in1 ip addr del "$VIP/24" dev eth0
in1 chown root "$SCONF"
checkv
t_match "... root's again: the conf probe passes" "$OUT" "conf +ok .*$SCONF readable"

t_note "the lease, in the slurm user's shared folder, planted by the slurm user"
t_match "the shared folder is the slurm user's" "$(in1 stat -c %U "$SHARED")" '^slurm$'
in1 ip addr add "$VIP/24" dev eth0
as_slurm ln -s "$CANARY" "$LEASE1"
run "$HA_HOOKS/ha-notify-master" -c "$CONF"
t_ok "ha-notify-master: the lease a link to root's canary: promotion refused (exit 1)" test "$RC" = 1
refused "ha-notify-master" "$LEASE1" 'a symbolic link'
t_match "... the lease step says why" "$OUT" 'lease: refused: failed to take the lease'
t_ok "... the canary is unchanged" canary_ok
t_match "... and the link is left as it was" "$(in1 stat -c %F "$LEASE1")" 'symbolic link'
as_slurm rm "$LEASE1"

as_slurm mkfifo -m 0666 "$LEASE1"
run "$HA_HOOKS/ha-notify-master" -c "$CONF"
t_ok "ha-notify-master: the lease a FIFO: promotion refused (exit 1)" test "$RC" = 1
refused "ha-notify-master" "$LEASE1" 'not a regular file'
t_fail "... and no child left stuck on it" in1 test -e "$STATE/lease.stuck"
as_slurm rm "$LEASE1"

# A lease of the slurm user's, in the format, saying this node holds it: not believed.
as_slurm sh -c "printf 'ha-slurm-lease 1 owner=ctl1 epoch=9 renewed=%s000000 ttl=2000000 state=held\n' \$(date +%s) >$LEASE1"
run "$HA_HOOKS/ha-notify-master" -c "$CONF"
t_ok "ha-notify-master: a lease of the slurm user's: promotion refused (exit 1)" test "$RC" = 1
refused "ha-notify-master" "$LEASE1" 'not owned by root'
as_slurm rm "$LEASE1"

# A lock file (as an older version kept) and a temporary file planted as links: never written
# through, and no reason to refuse.
as_slurm ln -s "$CANARY" "$LEASE.lock"
as_slurm ln -s "$CANARY" "$LEASE.ctl1.1.tmp"
run "$HA_HOOKS/ha-notify-master" -c "$CONF"
t_match "ha-notify-master: a planted lock and temporary file: the lease is granted anyway" "$OUT" \
    'lease: granted: epoch 1'
t_ok "... the canary is unchanged" canary_ok
t_match "... the lease is root's, 0644, a regular file" \
    "$(in1 stat -c '%F %U %a' "$LEASE1")" '^regular file root 644$'
t_match "... (slurmctld here is /usr/bin/false: the start fails, as it should)" "$OUT" \
    'start slurmctld: /usr/bin/false exited with status 1'
as_slurm rm -f "$LEASE.lock" "$LEASE.ctl1.1.tmp"

# The VIP leaves ctl1 before the demotion. The self-fence the promotion started may have
# removed it already: no keepalived runs here, and nothing renews the lease after the failed
# start, so it does after ttl/2 (1 s).
in1 ip addr del "$VIP/24" dev eth0 2>/dev/null || true
t_fail "ctl1 no longer holds the VIP" in1 sh -c "ip -4 -o addr show dev eth0 | grep -qF ' $VIP/'"
# The next generation (the promotion wrote more than one: the grant, then a renewal before it
# started slurmctld), planted as a link.
top=$(in1 ls "$SHARED" | sed -n 's/^ha-slurm\.lease\.0*\([1-9][0-9]*\)$/\1/p' | sort -n | tail -n 1)
NEXT=$(printf '%s.%020d' "$LEASE" $((top + 1)))
as_slurm ln -s "$CANARY" "$NEXT"
run "$HA_HOOKS/ha-notify-backup" -c "$CONF"
t_ok "ha-notify-backup: the lease a link: the demotion itself is done (exit 0)" test "$RC" = 0
refused "ha-notify-backup" "$NEXT" 'a symbolic link'
t_match "... and the release step says it was not" "$OUT" 'failed to release the lease'
t_ok "... the canary is unchanged" canary_ok

t_done
