#!/bin/bash
# Drill: accounting survives failover. Three controllers with
# keepalived and the hooks, a real MariaDB Galera cluster across them (one mariadbd per
# controller), the database and user made by install.sh's database step, slurmdbd following the
# VIP (started by ha-notify-master after slurmctld is in control, stopped on demotion), two
# compute hosts. Shows:
#   - sacctmgr adds a cluster, an account and a user; jobs run under that account;
#   - the master fails over twice: kill -9 of its slurmctld, then the loss of the whole new
#     master host (its Galera node with it: the two others keep the quorum);
#   - slurmdbd runs on the VIP holder only, and answers through the VIP after each failover
#     (measured: promotion done -> slurmdbd answering, in the timeline);
#   - afterwards sacct lists every job exactly once, COMPLETED, under the account; jobs
#     submitted after the failovers are accounted; sreport cluster utilization answers;
#   - never two controllers in control through both failovers (sampled).
# Jobs are submitted well before each failure: a job accepted just before a SIGKILL can be lost
# by slurmctld itself (its state is saved asynchronously), which is not what this drill is
# about.
set -euo pipefail
HAT_PREFIX=${HAT_PREFIX:-hatacc}
export HAC_DBD=1
# The shared state on FUSE unless told otherwise: this drill is about accounting, and a
# GlusterFS volume beside the Galera cluster would add a minute to its boot on a 2-core machine.
export HAC_STORAGE=${HAC_STORAGE:-fuse}
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if ! command -v mariadbd >/dev/null || ! command -v slurmdbd >/dev/null || [[ ! -e $GAL_PROVIDER ]]; then
    echo "not ok 1 - mariadb-server, galera-4 or slurmdbd missing (tests/install-deps.sh installs them)" >&2
    exit 1
fi
T_START=$(hac_now_ms)
hac_drill 3 2
m1=$(hac_master)
t_ok "Galera: three nodes in the primary component" test "$(gal_size ctl1)" == 3
t_ok "slurmdbd answers through the VIP after boot" hac_dbd_wait cn1 90

# dbd_hosts: the controllers whose slurmdbd runs (pid file in the host's /run, live, named so).
dbd_hosts() {
    local h pid
    for h in $(hac_ctls); do
        pid=$(cat "$(hat_host_dir "$h")/fs/run/slurmdbd.pid" 2>/dev/null) || continue
        [[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == slurmdbd ]] && echo "$h"
    done | xargs
}
t_match "slurmdbd runs on the master only ($m1)" "$(dbd_hosts)" "^$m1\$"

# ---- Scenario 4: cluster, account, user ----
cl=$(sed -n 's/^ClusterName=//p' "$(hat_host_dir cn1)/fs/etc-slurm/slurm.conf")
out=$(hac_sacctmgr cn1 -i add cluster "$cl" 2>&1) || true
t_match "sacctmgr add cluster $cl (or it is there already)" "$out" "(Adding Cluster|already exists)"
t_ok "sacctmgr add account research" hac_sacctmgr cn1 -i add account research Description=research Organization=lab
t_ok "sacctmgr add user alice account=research" hac_sacctmgr cn1 -i add user alice account=research
t_ok "sacctmgr add user root account=research (the drill submits as root)" hac_sacctmgr cn1 -i add user root account=research
t_ok "sacctmgr show account: research" grep -qx research <<<"$(hac_sacctmgr cn1 -n -P show account format=account)"
t_match "sacctmgr show user: alice, default account research" \
    "$(hac_sacctmgr cn1 -n -P show user alice format=user,defaultaccount)" '^alice\|research$'

declare -a JOBS=()
# submit NAME SLEEP: a job under account research; its id appended to JOBS and left in LAST.
submit() {
    if ! LAST=$(hac_sbatch cn1 -A research -J "$1" --wrap "sleep $2") || [[ ! $LAST =~ ^[0-9]+$ ]]; then
        t_ok "job $1 accepted" false
        return 0
    fi
    JOBS+=("$LAST")
}
# assoc_known: slurmctld (through the VIP) has the association root/research in its cache. Until
# it has, a job given -A research is charged to root's default account instead (seen here: the
# association arrives from slurmdbd some time after sacctmgr returns, and after a failover only
# once the new slurmctld has reconnected to slurmdbd); the drill waits for it and measures it.
assoc_known() {
    hat_exec cn1 timeout 3 scontrol show assoc_mgr users=root accounts=research flags=assoc 2>/dev/null |
        grep -q 'Account=research UserName=root'
}
# job_states ID...: "ID=STATE ..." as slurmctld says (for the record when a wait is long).
job_states() {
    local id
    for id; do
        printf '%s=%s ' "$id" "$(hac_job_state cn1 "$id")"
    done
}
# finished ID...: every job is in a final state, or already gone from slurmctld's memory (asked
# job by job: squeue -j lists finished jobs too).
finished() {
    local id out
    for id; do
        out=$(hat_exec cn1 timeout 10 scontrol show job "$id" 2>&1) || true
        [[ $out == *"Invalid job id"* ||
            $out =~ JobState=(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) ]] || return 1
    done
}

ta0=$(hac_now_ms)
t_ok "slurmctld knows the association root/research" hat_wait_for 90 assoc_known
t_note "sacctmgr add user -> slurmctld has the association: $(($(hac_now_ms) - ta0)) ms"
for i in 1 2 3; do submit "acct-pre-$i" 1; done
submit acct-long 15
long=$LAST
t_ok "jobs before the failovers: ${JOBS[*]} (long: $long) accepted" test "${#JOBS[@]}" -eq 4
t_ok "the long job runs" hat_wait_for 20 eval "[[ \$(hac_job_state cn1 $long) == RUNNING ]]"
t_ok "the short jobs finished" hat_wait_for 30 finished "${JOBS[@]:0:3}"
t_ok "the long job's start is saved in the shared state" hac_job_start_saved "$m1" "$long" 10
# Their completion too: slurmctld saves its state up to ~5 s after a change, and a job that
# completed inside that window before a SIGKILL is RUNNING again for the new master (Slurm's
# own window: a job done 0.5 s before the kill stays RUNNING on the new master for minutes,
# and the drill would wait in vain for it).
t_ok "their completion is saved in the shared state" hac_jobs_end_saved "$m1" 10 "${JOBS[@]:0:3}"

t_note "slurmctld's accounting state before the failure: $(hat_exec "$m1" sh -c "cd $HAC_STATE/slurmctld && ls -d last_tres assoc_mgr_state assoc_usage qos_usage" 2>&1 | xargs)"
hac_watch_start
# ---- failover 1: kill -9 slurmctld on the master ----
t0=$(hac_event "kill -9 slurmctld on $m1")
hac_kill_ctld "$m1" KILL
m2=$(hac_wait_new_master "$m1" 60) || m2=
t_ok "failover 1: a new master in control ($m1 -> ${m2:-none})" test -n "$m2"
tdbd=$(hac_dbd_wait cn1 60) || tdbd=
t_ok "failover 1: slurmdbd answers through the VIP again" test -n "$tdbd"
promo=$(hac_first_event "$t0" "${m2:-x}: ha-notify-master exit 0")
d1=$(( ${tdbd:-0} - t0 - ${promo:-0} ))
t_note "failover 1: promotion of $m2 done at +${promo:-?} ms; slurmdbd answering at +$(( ${tdbd:-0} - t0 )) ms: promotion -> slurmdbd answering $d1 ms"
t_ok "failover 1: slurmdbd stopped on $m1, runs on $m2 only" hat_wait_for 30 eval "[[ \$(dbd_hosts) == $m2 ]]"
t_ok "failover 1: the new slurmctld has the association again" hat_wait_for 60 assoc_known
ta1=$(hac_event "slurmctld on $m2 has the association root/research (through the VIP)")
t_note "failover 1: $m2's slurmdbd: $(grep -E 'started|error' "$(hat_host_dir "$m2")/fs/log-slurm/slurmdbd.log" | tail -n 3 | tr '\n' ' ')"
for i in 1 2; do submit "acct-mid-$i" 1; done
tw=$(hac_now_ms)
t_ok "jobs after failover 1 finished (and the long one)" hat_wait_for 180 finished "${JOBS[@]}"
t_note "failover 1: every job finished $(($(hac_now_ms) - tw)) ms after the last submission; states: $(job_states "${JOBS[@]}")"
# The long job and the two after failover 1 completed under the new master (the short ones
# under the first).
t_ok "failover 1: their completion is saved in the shared state" hac_jobs_end_saved "$m2" 10 "${JOBS[@]:3}"

# ---- failover 2: the whole master host is lost (its Galera node too) ----
t1=$(hac_event "host $m2 lost: every process in it killed, link down")
hac_host_lose "$m2"
m3=$(hac_wait_new_master "$m2" 60) || m3=
t_ok "failover 2: a new master in control ($m2 -> ${m3:-none})" test -n "$m3"
tdbd2=$(hac_dbd_wait cn1 60) || tdbd2=
t_ok "failover 2: slurmdbd answers through the VIP again" test -n "$tdbd2"
promo2=$(hac_first_event "$t1" "${m3:-x}: ha-notify-master exit 0")
d2=$(( ${tdbd2:-0} - t1 - ${promo2:-0} ))
t_note "failover 2: promotion of $m3 done at +${promo2:-?} ms; slurmdbd answering at +$(( ${tdbd2:-0} - t1 )) ms: promotion -> slurmdbd answering $d2 ms"
t_match "Galera: the two remaining nodes keep the primary component" "$(gal_size "${m3:-ctl1}")" '^2$'
t_ok "failover 2: the new slurmctld has the association again" hat_wait_for 60 assoc_known
ta2=$(hac_event "slurmctld on $m3 has the association root/research (through the VIP)")
submit acct-post 1
tw=$(hac_now_ms)
t_ok "the job after failover 2 finished" hat_wait_for 180 finished "${JOBS[@]}"
t_note "failover 2: every job finished $(($(hac_now_ms) - tw)) ms after the submission; states: $(job_states "${JOBS[@]}")"

# ---- the accounting ----
# sacct: one line per job (-X), our jobs by name; every id exactly once, COMPLETED, research.
acct=$(hac_sacct cn1 -X -n -P -a -S "$(date -d "@$((T_START / 1000 - 60))" +%Y-%m-%dT%H:%M:%S)" \
    --format=JobID,JobName,Account,State 2>&1) || true
mine=$(grep -E '\|acct-' <<<"$acct" || true)
t_note "sacct: $(tr '\n' ' ' <<<"$mine")"
ok=1
for id in "${JOBS[@]}"; do
    n=$(grep -c "^$id|" <<<"$mine" || true)
    line=$(grep "^$id|" <<<"$mine" | head -n 1)
    if [[ $n != 1 || $line != *"|research|COMPLETED" ]]; then
        ok=0
        t_note "job $id: $n line(s): $line"
    fi
done
t_ok "sacct lists every job (${#JOBS[@]}) exactly once, COMPLETED, account research" test "$ok" -eq 1
t_match "nothing doubled: exactly ${#JOBS[@]} job lines of this drill" "$(grep -c . <<<"$mine" || true)" "^${#JOBS[@]}\$"
# sreport reports the hourly roll-ups: a cluster minutes old has no row yet, only the report.
rc=0
rep=$(hat_exec cn1 timeout 10 sreport cluster utilization 2>&1) || rc=$?
t_ok "sreport cluster utilization exits 0" test "$rc" -eq 0
t_match "sreport cluster utilization answers with its report" "$rep" "Cluster Utilization"

# ---- the check's slurmdbd probe, on the master ----
m=${m3:-ctl1}
conf=$(ha_cluster_hooks_path "$m")
check() { # check [CONF]: the check's -v output and exit status on the master
    local rc=0
    hat_exec "$m" "$HAC_HOOKS/ha-check-slurmctld" -c "${1:-$conf}" -v 2>&1 || rc=$?
    echo "exit=$rc"
}
out=$(check)
t_note "$(grep '^dbd' <<<"$out")"
t_match "check -v on $m: slurmdbd answers at the VIP (REQUEST_PERSIST_INIT), its database too" "$out" 'dbd +ok .*slurmdbd at 10\.213\.0\.100:6819 answers, its database too'
# The database gone under a running slurmdbd: it still answers, with Slurm's error 7000.
gal_stop "$m"
out=$(check)
t_note "$(grep '^dbd' <<<"$out")"
t_match "mariadbd on $m stopped: the dbd probe says slurmdbd cannot reach its database" "$out" 'dbd +FAIL .*slurmdbd answers but cannot reach its database'
t_match "... the node stays healthy, accounting degraded (no require_dbd)" "$out" 'verdict: healthy: .*accounting degraded.*exit=0'
pid=$(cat "$(hat_host_dir "$m")/fs/run/slurmdbd.pid")
kill -TERM "$pid"
t_ok "slurmdbd on $m stopped by hand" hat_wait_for 30 eval "! [[ \$(cat /proc/$pid/comm 2>/dev/null) == slurmdbd ]]"
out=$(check)
t_note "$(grep '^dbd' <<<"$out")"
t_match "check -v: the dbd probe fails, with its reason" "$out" 'dbd +FAIL .*slurmdbd at 10\.213\.0\.100:6819: connection to 10\.213\.0\.100 port 6819 refused'
t_match "check: still healthy, accounting degraded (no require_dbd)" "$out" 'verdict: healthy: .*accounting degraded.*exit=0'
t_match "check.verdict records dbd-down" "$(cat "$(hat_host_dir "$m")/fs/run/ha-slurm/check.verdict")" '^healthy - - dbd-down$'
strict=$(hat_host_dir "$m")/ha-slurm-strict.conf
sed 's/^\[check\]$/[check]\nrequire_dbd = yes/' "$conf" >"$strict"
chmod 0600 "$strict"
out=$(check "$strict")
t_match "with [check] require_dbd = yes: unhealthy (dbd), exit 1" "$out" 'verdict: UNHEALTHY: .*require_dbd.*exit=1'
rm -f "$strict"
t_note "the drill took $(( ($(hac_now_ms) - T_START) / 1000 )) s"

hac_assert_never_two ", through both failovers"
hac_watch_stop
t_note "promotion -> slurmdbd answering through the VIP: failover 1 (kill -9 slurmctld) $d1 ms, failover 2 (host lost) $d2 ms"
t_note "failure -> slurmctld has the associations again: failover 1 $((ta1 - t0)) ms, failover 2 $((ta2 - t1)) ms"
hac_print_timeline "$t0"
t_done
