#!/bin/bash
# The health check (hooks/ha-check-slurmctld) against real daemons: two controller hosts ctl1
# (primary, in control) and ctl2 (backup, standby) on Debian 12's Slurm 22.05, munged in both,
# the state folder shared over FUSE (bindfs shown as fuse.glusterfs), cn1 named in slurm.conf.
# The VIP is moved by hand (no keepalived here: see check_keepalived.sh).
#
# Shows, each with the exit status, the probe that decided, the reason and the wall time of the
# check (its deadline is 3 s):
#   a. VIP holder in control: healthy; standby without the VIP: healthy
#   b. slurmctld stopped on the VIP holder: "process"
#   c. the VIP on the standby's host: "control", standby
#   d. a hung slurmctld (SIGSTOP) and a listener that never answers: "control", on time
#   e. munged stopped on the VIP holder: "munge"
#   f. the state folder read-only, hung (SIGSTOP of its FUSE daemon: one stuck child at most,
#      logged as "storage hung" once, "hung since" at once on the next run, healthy again after
#      SIGCONT) and not mounted. On the VIP holder in control, whose check claimed the lease, a
#      hang is ridden out ("storage stalled", healthy) until the time its self-fence would stop
#      slurmctld (ttl 6 s less 3 s after the last renewal), then fails ("storage")
#   g. slurmctld in control without the VIP: SPLIT BRAIN
#   h. configuration refused: unknown key, group-writable, not root's, missing: exit 2
#   i. the verdict is recorded (and logged) once per change, in /run/ha-slurm/check.verdict
set -euo pipefail
# shellcheck source=../lib/testlib.sh
source "$(dirname "$(readlink -f "$0")")/../lib/testlib.sh"
T_ON_EXIT='resume_all'
t_hosts hatk
CHECK=$T_BUILD/hooks/ha-check-slurmctld

# The check's deadline (3 s), and room for entering the host, starting and ending the process
# (with the sanitizers: their start and the leak scan at exit), widened by HA_TEST_SLACK (2 in
# the sanitizer pass: 4 s).
DEADLINE_MS=$((3000 + 500 * ${HA_TEST_SLACK:-1}))
# What a check that waits for nothing may take, host entry included. A speed bound, not a
# deadline: HA_TEST_SLACK (tests/run.sh sets 2 for the sanitizer pass, which runs beside the
# drills) widens it to 1 s, still well inside the 3 s deadline an "at once" case tells apart.
FAST_MS=$((500 * ${HA_TEST_SLACK:-1}))
export HAT_COMPUTE_HOSTS=cn1 HAT_SHARED_MODE=fuse
# No backup promotes itself while the primary is stopped or hung for a case.
export HAT_SLURMCTLD_TIMEOUT=600

# Processes this test stopped with SIGSTOP ("pid start"): woken up on any exit.
STOPPED=()
resume_all() {
    local p
    for p in "${STOPPED[@]}"; do
        # shellcheck disable=SC2086
        _hat_pid_alive $p && kill -CONT "${p%% *}" 2>/dev/null
    done
    STOPPED=()
    return 0
}
stop_pid() {
    STOPPED+=("$1 $(_hat_starttime "$1")")
    kill -STOP "$1"
}
cont_pid() { kill -CONT "$1"; }
# stop HOST LABEL [SIGNAL]: hat_kill, called where set -e does not reach into it: hat_kill
# sends SIGCONT after SIGTERM and fails under set -e when the daemon is already gone by then.
stop() { hat_kill "$@" || { echo "# cannot stop $2 in $1" >&2; return 1; }; }

# conf HOST [NAME]: the path of a configuration file in the host's state folder.
conf() { echo "$(hat_host_dir "$1")/${2:-ha-slurm.conf}"; }

# write_conf HOST [NAME [EXTRA_SLURM_LINE...]]: a root-owned 0600 configuration.
write_conf() {
    local h=$1 name=${2:-ha-slurm.conf} f extra=''
    shift $(($# < 2 ? $# : 2))
    (($#)) && extra=$(printf '%s\n' "$@")
    f=$(conf "$h" "$name")
    (
        umask 077
        cat >"$f" <<EOF
[slurm]
pid_file = /run/slurmctld.pid
$extra
[ha]
service_manager = direct

[vip]
address = $VIP
interface = eth0

[storage]
path = /mnt/state/slurmctld
mount_point = /mnt/state
fstype = fuse.glusterfs
grace = 4s

[check]
deadline = 3s
EOF
    )
    chown root:root "$f"
    chmod 0600 "$f"
}

# run_check HOST [CONF [ARG...]]: run the check in HOST (CONF "": the host's own). Sets RC, OUT (stdout and
# stderr) and MS (wall time, host entry included). Output goes to a file, not a pipe: a probe
# child left stuck on a hung mount must not keep the caller waiting.
run_check() {
    local h=$1 c=${2:-} t0 t1
    [[ -n $c ]] || c=$(conf "$h")
    shift $(($# < 2 ? $# : 2))
    t0=$(date +%s%3N)
    RC=0
    hat_exec "$h" "$CHECK" -c "$c" "$@" </dev/null >"$OUTF" 2>&1 || RC=$?
    t1=$(date +%s%3N)
    MS=$((t1 - t0))
    OUT=$(<"$OUTF")
}

# The "verdict:" line of a verbose run, and the row of one probe.
verdict_line() { grep -m1 '^verdict:' <<<"${1-$OUT}" || true; }
probe_row() { grep -m1 "^$1 " <<<"$OUT" || true; }
# The probe named in the last unhealthy line on stderr (non-verbose run).
failed_probe() { sed -n 's/.*unhealthy (\([a-z]*\)).*/\1/p' <<<"$OUT" | tail -n 1; }

# check_case DESC HOST WANT_RC WANT_PROBE REASON_ERE MAX_MS [CONF]: run the check twice, once
# verbose (the table) and once plain (the probe on stderr), and assert all of it.
check_case() {
    local desc=$1 h=$2 want_rc=$3 want_probe=$4 re=$5 max=$6 c=${7:-}
    run_check "$h" "$c" -v
    local vout=$OUT vms=$MS vrc=$RC
    t_match "$desc: exit $want_rc" "$vrc" "^$want_rc\$"
    if [[ $want_rc == 0 ]]; then
        t_match "$desc: verdict healthy" "$(verdict_line)" '^verdict: healthy'
    else
        t_match "$desc: verdict UNHEALTHY" "$(verdict_line)" '^verdict: UNHEALTHY'
    fi
    [[ -z $re ]] || t_match "$desc: reason /$re/" "$(verdict_line)" "$re"
    t_lt "$desc: verbose check took $vms ms (< $max)" "$vms" "$max"
    if [[ -n $want_probe ]]; then
        run_check "$h" "$c"
        t_match "$desc: exit $want_rc without -v" "$RC" "^$want_rc\$"
        t_match "$desc: failing probe \"$want_probe\"" "$(failed_probe)" "^$want_probe\$"
        t_lt "$desc: plain check took $MS ms (< $max)" "$MS" "$max"
        t_note "$desc: $vms ms verbose, $MS ms plain: $(verdict_line "$vout")"
    else
        t_note "$desc: $vms ms: $(verdict_line "$vout")"
    fi
    OUT=$vout
}

healthy() { hat_exec "$1" "$CHECK" -c "$(conf "$1")" >/dev/null 2>&1 </dev/null; }
verdict_file() { hat_exec "$1" cat /run/ha-slurm/check.verdict 2>/dev/null || true; }
verdict_inode() { hat_exec "$1" stat -c %i /run/ha-slurm/check.verdict 2>/dev/null || true; }
vip_add() { hat_exec "$1" ip addr add "$VIP/24" dev eth0; }
vip_del() { hat_exec "$1" ip addr del "$VIP/24" dev eth0; }
# Processes of HOST (its network namespace) that are checks or their children.
checks_in() {
    local p n=0 comm
    for p in $(ip netns pids "$HAT_PREFIX-$1" 2>/dev/null); do
        comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
        [[ $comm == ha-check-slurmc* ]] && n=$((n + 1))
    done
    echo "$n"
}
no_checks_in() { [[ $(checks_in "$1") == 0 ]]; }

[[ -x $CHECK && -x $TARPIT ]] || { echo "build first: $CHECK, $TARPIT" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
hat_clean
hat_net_up
OUTF=$(hat_state_dir)/check.out # gone with the state folder
hat_host_add ctl1 10.213.0.11
hat_host_add ctl2 10.213.0.12
hat_host_add cn1 10.213.0.21 # named in slurm.conf (a partition needs a node); runs nothing
hat_munged_start ctl1
hat_munged_start ctl2
hat_shared_setup /mnt/state ctl1 ctl2
hat_slurm_conf ctl1 ctl2
hat_slurmctld_start ctl1
hat_slurmctld_start ctl2
write_conf ctl1
write_conf ctl2
write_conf ctl1 tarpit.conf "port = 7817"
vip_add ctl1

# h. Configuration ----------------------------------------------------------------------------
t_note "h. configuration"
write_conf ctl1 unknown.conf "colour = blue"
run_check ctl1 "$(conf ctl1 unknown.conf)"
t_match "unknown key: exit 2" "$RC" '^2$'
t_match "unknown key: file, line and key named" "$OUT" "$(conf ctl1 unknown.conf):3: \\[slurm\\] colour: unknown key"
write_conf ctl1 group.conf
chmod 0664 "$(conf ctl1 group.conf)"
run_check ctl1 "$(conf ctl1 group.conf)"
t_match "group-writable file: exit 2" "$RC" '^2$'
t_match "group-writable file: refused" "$OUT" 'writable by group or others'
write_conf ctl1 nobody.conf
chown 65534 "$(conf ctl1 nobody.conf)"
run_check ctl1 "$(conf ctl1 nobody.conf)"
t_match "file of another user: exit 2" "$RC" '^2$'
t_match "file of another user: refused" "$OUT" 'not owned by root'
run_check ctl1 "$(conf ctl1 missing.conf)"
t_match "missing file: exit 2" "$RC" '^2$'
t_match "missing file: said so" "$OUT" "Failed to load '[^']*/missing\\.conf': No such file"
t_lt "configuration errors are immediate ($MS ms)" "$MS" "$FAST_MS"

# a. Healthy ---------------------------------------------------------------------------------
t_note "a. all up, VIP on ctl1"
check_case "a. ctl1, VIP holder in control" ctl1 0 '' 'VIP holder: slurmctld alive and in control' "$FAST_MS"
t_match "a. ctl1: control row says in control" "$(probe_row control)" '^control +ok .*in control since'
t_match "a. ctl1: storage row ok on fuse.glusterfs" "$(probe_row storage)" '^storage +ok .*writable on fuse.glusterfs'
check_case "a. ctl2, standby without the VIP" ctl2 0 '' 'standby node: ready to take over' "$FAST_MS"
t_match "a. ctl2: control row says standby" "$(probe_row control)" '^control +ok .*in standby \(index 1'
out=$(hat_exec ctl1 cat /run/ha-slurm/protocol-127.0.0.1-6817 2>&1 || true)
t_match "a. the version is slurmctld's release, remembered with the binary's identity" "$out" \
    '^9728( [0-9]+){5}$'
for h in ctl1 ctl2; do
    t_nomatch "a. $h: no refused protocol version in slurmctld's log" \
        "$(hat_ctld_version_errors "$h")" '.'
done

# i. The verdict, once per change -------------------------------------------------------------
t_note "i. the verdict is recorded once per change"
t_match "i. check.verdict says healthy" "$(verdict_file ctl1)" '^healthy - -$'
ino=$(verdict_inode ctl1)
healthy ctl1
t_match "i. same verdict again: the file is not rewritten" "$(verdict_inode ctl1)" "^$ino\$"

# b. slurmctld stopped ------------------------------------------------------------------------
t_note "b. slurmctld stopped on the VIP holder"
stop ctl1 slurmctld TERM
check_case "b. ctl1 without slurmctld" ctl1 1 process 'no slurmctld process' "$FAST_MS"
t_match "b. control is not asked" "$(probe_row control)" '^control +skip'
t_match "i. the change is logged (stderr of the first run)" "$OUT" 'ha-check-slurmctld: unhealthy \(process\): slurmctld not running'
t_match "i. check.verdict changed to unhealthy process" "$(verdict_file ctl1)" '^unhealthy process -$'
ino=$(verdict_inode ctl1)
run_check ctl1
t_nomatch "i. same verdict: not logged again" "$OUT" 'ha-check-slurmctld: unhealthy \(process\).*ha-check-slurmctld: unhealthy'
t_match "i. same verdict: the file is not rewritten" "$(verdict_inode ctl1)" "^$ino\$"
hat_slurmctld_start ctl1
t_ok "b. ctl1 in control again after restarting slurmctld" hat_wait_for 20 healthy ctl1
t_match "i. check.verdict changed back to healthy" "$(verdict_file ctl1)" '^healthy - -$'

# d. Hung slurmctld, and a listener that never answers ----------------------------------------
t_note "d. hung controller"
pid=$(hat_pid ctl1 slurmctld)
stop_pid "$pid"
check_case "d. slurmctld stopped (SIGSTOP)" ctl1 1 control 'no reply .* before the deadline' "$DEADLINE_MS"
t_lt "d. ... after the 1 s RPC timeout" 950 "$MS"
cont_pid "$pid"
t_ok "d. healthy again after SIGCONT" hat_wait_for 10 healthy ctl1
hat_spawn ctl1 tarpit "$TARPIT" 127.0.0.1 7817
check_case "d. a listener that never answers" ctl1 1 control 'no (usable )?reply .*before the deadline' "$DEADLINE_MS" "$(conf ctl1 tarpit.conf)"
stop ctl1 tarpit TERM
t_ok "d. healthy again with the real port" hat_wait_for 10 healthy ctl1

# e. munged stopped ---------------------------------------------------------------------------
t_note "e. munged stopped on the VIP holder"
stop ctl1 munged TERM
check_case "e. ctl1 without munged" ctl1 1 munge 'MUNGE|munge' "$FAST_MS"
t_match "e. munge row FAIL" "$(probe_row munge)" '^munge +FAIL'
hat_munged_start ctl1
t_ok "e. healthy again with munged" hat_wait_for 10 healthy ctl1

# c. and g. The VIP on the standby ------------------------------------------------------------
t_note "c./g. VIP moved to ctl2 (standby)"
vip_del ctl1
vip_add ctl2
check_case "c. ctl2 holds the VIP in standby" ctl2 1 control 'standby' "$FAST_MS"
check_case "g. ctl1 in control without the VIP" ctl1 1 control 'split brain' "$FAST_MS"
t_match "g. verbose verdict says SPLIT BRAIN" "$(verdict_line)" 'SPLIT BRAIN'
t_match "g. check.verdict records split-brain" "$(verdict_file ctl1)" '^unhealthy control split-brain$'
vip_del ctl2
vip_add ctl1
t_ok "c. healthy again with the VIP back on ctl1" hat_wait_for 10 healthy ctl1
t_ok "c. ctl2 healthy again without the VIP" healthy ctl2

# f. Storage ----------------------------------------------------------------------------------
t_note "f. storage"
hat_exec ctl1 mount --bind /mnt/state /mnt/state
hat_exec ctl1 mount -o remount,bind,ro /mnt/state
check_case "f. read-only state folder" ctl1 1 storage 'read-only' "$FAST_MS"
hat_exec ctl1 umount /mnt/state
t_ok "f. healthy again without the read-only mount" hat_wait_for 10 healthy ctl1

bindfs=$(hat_shared_pid ctl1)
t_match "f. no check process in ctl1 before" "$(checks_in ctl1)" '^0$'
stop_pid "$bindfs"
t0=$(date +%s%3N)
run_check ctl1 "" -v
t_match "f. hung storage on the VIP holder: ridden out, exit 0" "$RC" '^0$'
t_match "f. ... \"storage stalled\", until its self-fence's time" "$(verdict_line)" \
    'VIP holder: slurmctld in control, storage stalled for [0-9]+ ms; lease renewed [0-9]+ ms ago, self-fence at 3000 ms: storage hung: .* did not answer in time'
t_match "f. hung storage: storage row FAIL" "$(probe_row storage)" '^storage +FAIL'
t_lt "f. hung storage: within the deadline ($MS ms)" "$MS" "$DEADLINE_MS"
t_note "f. hung storage, first run: $MS ms: $(verdict_line)"
# The stuck probe is logged once (HA_MID_STORAGE; on stderr here, where no journald runs).
t_match "f. hung storage: logged as storage hung, its probe left to finish" "$OUT" \
    'ha-check-slurmctld: storage hung: /mnt/state/slurmctld did not answer within [0-9]+ ms; its probe is left to finish and recorded'
n1=$(checks_in ctl1)
t_match "f. one stuck probe child left" "$n1" '^1$'
# Past the self-fence's time (3 s after the last renewal, which came before t0).
# shellcheck disable=SC2016 # for eval, run on each try
hat_wait_for 10 eval '(( $(date +%s%3N) - t0 > 3200 ))'
run_check ctl1 ""
t_match "f. second run, past the self-fence's time: exit 1" "$RC" '^1$'
t_match "f. second run: storage" "$(failed_probe)" '^storage$'
t_match "f. second run: \"storage hung since\"" "$OUT" 'storage hung since'
t_nomatch "f. second run: the stuck probe is not logged again" "$OUT" 'did not answer within'
t_lt "f. second run: at once ($MS ms)" "$MS" "$FAST_MS"
t_note "f. hung storage, second run: $MS ms: $OUT"
t_match "f. second run started no other stuck child" "$(checks_in ctl1)" '^1$'
stuck=$(hat_exec ctl1 cat /run/ha-slurm/storage-probe.stuck 2>/dev/null || true)
stuck=${stuck%% *}
cont_pid "$bindfs"
t_ok "f. after SIGCONT the stuck child finishes" hat_wait_for 10 no_checks_in ctl1
state=$(sed 's/.*) \(.\).*/\1/' "/proc/$stuck/stat" 2>/dev/null || echo gone)
t0=$(date +%s%3N)
t_ok "f. after SIGCONT the check is healthy again" hat_wait_for 20 healthy ctl1
t_note "f. healthy $(($(date +%s%3N) - t0)) ms after the stuck child (pid $stuck) ended; it was then: $state (Z: a zombie not yet reaped by PID 1)"

# A standby (ctl2, no VIP) whose storage hangs: ready as long as the stall is shorter than
# [storage] grace (4 s here; a replicated volume stalls every client while it gives up on a lost
# server), then "not ready to take over".
bindfs2=$(hat_shared_pid ctl2)
stop_pid "$bindfs2"
run_check ctl2 "" -v
# The stall counts from the stuck probe's record, made during that run: no later than its end.
t0=$(date +%s%3N)
t_match "f. standby, storage hung: exit 0 within the grace" "$RC" '^0$'
t_match "f. standby, storage hung: logged as storage hung all the same" "$OUT" \
    'ha-check-slurmctld: storage hung: /mnt/state/slurmctld did not answer within'
t_match "f. ... \"storage stalled\" with the grace" "$(verdict_line)" 'standby node: storage stalled for [0-9]+ ms \(grace 4000 ms\)'
t_lt "f. ... within the deadline ($MS ms)" "$MS" "$DEADLINE_MS"
# shellcheck disable=SC2016 # for eval, run on each try
hat_wait_for 10 eval '(( $(date +%s%3N) - t0 > 4500 ))'
run_check ctl2 ""
t_match "f. standby, storage hung past the grace: exit 1" "$RC" '^1$'
t_match "f. ... not ready to take over: storage hung since" "$OUT" 'not ready to take over: storage hung since'
cont_pid "$bindfs2"
t_ok "f. standby healthy again after SIGCONT" hat_wait_for 20 healthy ctl2

# The same through a pipe, as a caller capturing the output (out=$(ha-check-slurmctld)) reads
# it: the check exits on time, and its reader must see the end of the output on time too.
t_note "f. hung storage, output read through a pipe"
stop_pid "$bindfs"
rm -f "$OUTF.rc" "$OUTF.done"
t0=$(date +%s%3N)
(
    trap - ERR EXIT
    set +e
    { hat_exec ctl1 "$CHECK" -c "$(conf ctl1)" </dev/null; echo "$? $(date +%s%3N)" >"$OUTF.rc"; } 2>&1 | cat >"$OUTF"
    date +%s%3N >"$OUTF.done"
) &
piper=$!
hat_wait_for 5 test -s "$OUTF.rc" || true
read -r prc pt <"$OUTF.rc" || prc=none pt=$(date +%s%3N)
t_match "f. piped: exit 1" "$prc" '^1$'
t_lt "f. piped: the check exits within the deadline ($((pt - t0)) ms)" "$((pt - t0))" "$DEADLINE_MS"
if hat_wait_for "$((DEADLINE_MS / 1000))" test -s "$OUTF.done"; then
    eof=$(($(<"$OUTF.done") - t0)) what="after $(($(<"$OUTF.done") - t0)) ms"
else
    eof=$(($(date +%s%3N) - t0)) what="not yet after $(($(date +%s%3N) - t0)) ms"
fi
t_lt "f. piped: the reader sees the end of the output within the deadline ($what)" "$eof" "$DEADLINE_MS"
cont_pid "$bindfs"
wait "$piper" || true
t_ok "f. after SIGCONT the stuck child finishes" hat_wait_for 10 no_checks_in ctl1
t_ok "f. after SIGCONT the check is healthy again" hat_wait_for 20 healthy ctl1

# keepalived stops a check that outlives its timeout with SIGTERM: it must die at once, even
# while it waits for a probe of a hung mount.
t_note "f. SIGTERM while the check waits for hung storage"
stop_pid "$bindfs"
hat_exec ctl1 "$CHECK" -c "$(conf ctl1)" >/dev/null 2>&1 &
victim=$!
sleep 0.4
t0=$(date +%s%3N)
kill -TERM "$victim"
trc=0
wait "$victim" || trc=$?
t_match "f. SIGTERM: the check dies of it (status 143)" "$trc" '^143$'
# "At once": well inside the deadline it would otherwise wait out (FAST_MS, widened with the
# sanitizer pass's slack: one CI run saw 216 ms there, beside the drills).
t_lt "f. SIGTERM: at once ($(($(date +%s%3N) - t0)) ms)" "$(($(date +%s%3N) - t0))" "$FAST_MS"
cont_pid "$bindfs"
t_ok "f. after SIGCONT the stuck child finishes" hat_wait_for 10 no_checks_in ctl1

hat_exec ctl1 umount /mnt/state
t_ok "f. unmounted: the bindfs daemon exits" hat_wait_for 10 eval '! hat_alive ctl1 bindfs-mnt_state'
check_case "f. state folder not mounted" ctl1 1 storage '/mnt/state is not mounted' "$FAST_MS"
t_ok "f. mounted again" hat_shared_setup /mnt/state ctl1
t_ok "f. healthy again once mounted" hat_wait_for 10 healthy ctl1

for h in ctl1 ctl2; do
    t_nomatch "$h: every check left no refused protocol version in slurmctld's log" \
        "$(hat_ctld_version_errors "$h")" '.'
done

t_done
