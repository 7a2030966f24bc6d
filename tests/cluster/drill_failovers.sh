#!/bin/bash
# drill_failovers.sh - twenty consecutive failovers (HAC_FAILOVERS, default 20) while jobs run
# and new ones are submitted. Three controllers, two compute hosts. A submitter sends a job
# through the VIP every second (each sbatch allowed 15 s, so submissions made during a failover
# wait for it); every job writes "start" and "end" lines with its own token into a ledger shared
# by the compute hosts, and runs 2 s. The failovers alternate two failures of the master:
#   odd:  kill -15 of its slurmctld (a crash that lets slurmctld save its state: the check
#         fails, keepalived moves the VIP, the next master's hook starts slurmctld);
#   even: its keepalived stopped (maintenance: the VIP leaves at once, no hook runs there; the
#         old master's self-fence stops its slurmctld with SIGTERM, which saves its state and
#         exits, before the next master may take the lease); keepalived is started again
#         afterwards.
# HAC_FAILOVERS_KILL9=1 makes the odd ones kill -9 (a crash without saving: slurmctld saves job
# state asynchronously, at most every 5 s, so the job changes of the last seconds before the
# kill are not in the shared state; such jobs are reported as "in the window", not failed).
# Each failover waits for a new master in control, then for a steady second. At the end, when
# every job has finished, every submission is accounted for from the ledger: completed once,
# started twice (a first run killed, a second completed), completed twice, lost, run although
# its sbatch failed (its user would submit it again), or anything else. An sbatch that failed
# on a lost or timed-out connection (sbatch's own words, or the 15 s limit) cannot know whether
# the controller took the job before it failed: its job running is reported (README, "What a
# failover can and cannot save"), not failed. Asserts: every accepted job completed exactly
# once (but for the kill -9 window, if asked for), and no job ran whose sbatch was refused;
# never two controllers in control (sampled, a gap of 500 ms at most, the sampler alive); every
# hook within its deadline.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${HAC_FAILOVERS:-20}
WINDOW_MS=6000
hac_drill 3 2
hac_watch_start
st=$(hat_state_dir)
ledger=$(hat_shared_dir "$HAC_JOBS")/ledger
: >"$ledger"
chmod 0666 "$ledger"
subs=$st/submissions
fails=$st/failovers
: >"$subs"
: >"$fails"

# The submitter: one sbatch at a time, a new one a second after the last returned.
(
    i=0
    while [[ ! -f $subs.stop ]]; do
        i=$((i + 1))
        tok=j$i
        t=$(hac_now_ms)
        rc=0
        id=$(hat_exec cn1 timeout 15 sbatch --parsable -o /dev/null -e /dev/null -J "$tok" --wrap \
            "echo start $tok \$SLURM_JOB_ID \$(hostname) \$(date +%s%3N) >>$HAC_JOBS/ledger; sleep 2; echo end $tok \$SLURM_JOB_ID \$(hostname) \$(date +%s%3N) >>$HAC_JOBS/ledger" \
            2>"$subs.err") || rc=$?
        if ((rc == 0)) && [[ $id =~ ^[0-9]+ ]]; then
            echo "$tok ok ${id%%;*} $t $(hac_now_ms)" >>"$subs"
        else
            # sbatch's last words, one field: the accounting tells a lost or timed-out
            # connection (the job's fate unknown to sbatch) from a refusal.
            err=$(tail -n 1 "$subs.err" | tr -c 'A-Za-z0-9:.()\n' '_')
            echo "$tok failed:$rc - $t $(hac_now_ms) ${err:-none}" >>"$subs"
        fi
        sleep 1
    done
) </dev/null >/dev/null 2>&1 &
subpid=$!

t0=$(hac_event "$N failovers begin")
ok_fo=0
for ((k = 1; k <= N; k++)); do
    if ! m=$(hac_wait_master 40); then
        t_ok "failover $k: a master in control before it" false
        break
    fi
    sleep 1
    if ((k % 2 == 0)); then
        kind=kastop
        tk=$(hac_event "failover $k/$N: keepalived stopped on $m")
        echo "$k $kind $m $tk" >>"$fails"
        hat_kill "$m" keepalived TERM || true
    else
        if [[ ${HAC_FAILOVERS_KILL9:-0} == 1 ]]; then kind=kill9 sig=KILL; else kind=term sig=TERM; fi
        tk=$(hac_event "failover $k/$N: kill -$sig slurmctld on $m")
        echo "$k $kind $m $tk" >>"$fails"
        hac_kill_ctld "$m" "$sig" || true
    fi
    if n=$(hac_wait_new_master "$m" 40); then
        ok_fo=$((ok_fo + 1))
        hac_event "failover $k/$N: $n in control ($(( $(hac_now_ms) - tk )) ms)" >/dev/null
        if [[ $kind == kastop ]]; then
            # Maintenance over: back as a standby (nopreempt), once its slurmctld has gone.
            hat_wait_for 20 eval "! hac_ctld_pid $m >/dev/null" || true
            hac_keepalived_start "$m"
            hac_wait_ka "$m" BACKUP 20 || true
        fi
    else
        t_ok "failover $k: a new master in control within 40 s" false
        hac_dump
        break
    fi
done
t_ok "$ok_fo of $N failovers: each time a new master in control" test "$ok_fo" -eq "$N"
sleep 3
touch "$subs.stop"
wait "$subpid" 2>/dev/null || true
hac_event "submissions stopped; waiting for the queue to drain" >/dev/null
# Done when nothing is left but jobs Slurm has put on hold (a requeue after a failed launch).
drained() {
    local q
    hac_master >/dev/null || return 1
    q=$(hac_squeue cn1 -o '%T %r') || return 1
    # Every line says "held" (an empty queue too: grep reads one empty line then).
    ! grep -q -v -i -e 'held' -e '^$' <<<"$q"
}
# A job the old controller allocated but never launched (its launch went down with it) is
# RUNNING for the new master on no node until the nodes register again. The new slurmctld asks
# them 3 s after its start, too early for such a job (slurmctld calls a batch job missing only
# BatchStartTimeout + MessageTimeout, 20 s, after its start), and then every 20 pings of
# SlurmdTimeout/3 (over half an hour here): two such jobs can hold both nodes that long. An
# administrator runs `scontrol reconfigure` (the nodes register at once; slurmctld requeues
# the missing jobs); the drill does the same when the queue has not drained after 60 s, and
# says so. Slurm makes a requeued job wait its credential lifetime first (BeginTime: now +
# AuthInfo cred_expire, 120 s, + 1; job_mgr.c), which the administrator may cut short with
# `scontrol update JobId=N StartTime=now`: the drill does that too, and names the jobs. Such a
# job still counts as clean only if it then runs exactly once (the ledger has no start of its
# lost launch: it never ran).
released=''
release_requeued() {
    local id
    for id in $(hac_squeue cn1 -o '%i %T %r' | awk '$2 == "PENDING" && $3 == "BeginTime" { print $1 }'); do
        hat_exec cn1 timeout 10 scontrol update JobId="$id" StartTime=now >/dev/null 2>&1 || continue
        [[ " $released " == *" $id "* ]] || released+=" $id"
    done
}
drained_releasing() {
    release_requeued
    drained
}
if ! hat_wait_for 60 drained; then
    t_note "after 60 s, still in the queue: $(hac_squeue cn1 -o '%i %T %r' | tr '\n' ';')"
    hac_event "scontrol reconfigure: the nodes register again" >/dev/null
    hat_exec cn1 timeout 10 scontrol reconfigure || true
    t_note "scontrol reconfigure run, so that the nodes register again (Slurm requeues what they do not run)"
    hat_wait_for 120 drained_releasing || true
    [[ -z $released ]] ||
        t_note "requeued by Slurm after a launch lost with the old controller, released at once (scontrol update StartTime=now):$released"
fi
t_ok "every job finished or is held (60 s, then 120 s after a reconfigure if needed, requeued jobs released)" drained
held=$st/held
hac_squeue cn1 -o '%j %i %T %r' >"$held" || true
[[ ! -s $held ]] || t_note "held by Slurm: $(tr '\n' ';' <"$held")"
t_note "nodes: $(hat_exec cn1 timeout 10 sinfo -h -N -o '%N %T %E' 2>/dev/null | tr '\n' ';')"
sleep 1
hac_assert_never_two
hac_watch_stop

# Accounting.
report=$(awk -v W="$WINDOW_MS" '
    FILENAME == ARGV[1] { if ($2 == "kill9") { nk++; kt[nk] = $4; kn[nk] = $1 } next }
    FILENAME == ARGV[2] { tok = $1; order[++ns] = tok; res[tok] = $2; jid[tok] = $3; tsub[tok] = $4; tacc[tok] = $5; err[tok] = $6; next }
    FILENAME == ARGV[3] { heldtok[$1] = 1; next }
    $1 == "start" { starts[$2]++; if (!(($2) in first) || $5 < first[$2]) first[$2] = $5; sid[$2] = sid[$2] " " $3; next }
    $1 == "end" { ends[$2]++; next }
    function inwin(t,   i) { for (i = 1; i <= nk; i++) if (t >= kt[i] - W && t <= kt[i] + 500) return kn[i]; return 0 }
    END {
        for (i = 1; i <= ns; i++) {
            tok = order[i]; acc = (res[tok] == "ok")
            s = starts[tok] + 0; e = ends[tok] + 0
            w = 0
            if (e >= 2) { c = "TWICE"; bad++ }
            else if (tok in heldtok) { w = inwin(tacc[tok]); if (!w && (tok in first)) w = inwin(first[tok]); c = w ? "held-in-window" : "HELD"; if (!w) bad++; else win++ }
            else if (acc && e == 1 && s == 1) c = "clean"
            else if (e == 1 && s >= 2) { w = inwin(first[tok]); c = w ? "restarted-in-window" : "RESTARTED"; if (!w) bad++; else win++ }
            else if (acc && e == 0) { w = inwin(tacc[tok]); c = w ? "lost-in-window" : "LOST"; if (!w) bad++; else win++ }
            else if (!acc && e >= 1 && (res[tok] == "failed:124" || err[tok] ~ /[Tt]imed_out|[Cc]onnect|contact|Zero_Bytes|Communication|reset|Broken_pipe/))
                c = "ran-though-sbatch-lost-its-answer"
            else if (!acc && e >= 1) { c = "RAN-THOUGH-SBATCH-FAILED"; bad++ }
            else if (!acc) c = "not-accepted"
            else { c = "ODD"; bad++ }
            n[c]++
            if (c != "clean" && c != "not-accepted")
                detail = detail sprintf("%s(%s job%s starts=%d ends=%d%s%s) ", tok, res[tok], jid[tok], s, e, w ? " kill9#" w : "", err[tok] != "" ? " sbatch: " err[tok] : "")
        }
        for (c in n) summary = summary sprintf("%s=%d ", c, n[c])
        printf "submissions=%d %s\n", ns, summary
        printf "bad=%d window=%d\n", bad + 0, win + 0
        printf "detail=%s\n", detail
    }' "$fails" "$subs" "$held" "$ledger")
t_note "failures: $(awk '{printf "%s:%s@%s ", $1, $2, $3}' "$fails")"
t_note "accounting: $(sed -n 1p <<<"$report")"
t_note "not clean: $(sed -n 's/^detail=//p' <<<"$report")"
bad=$(sed -n 's/^bad=\([0-9]*\).*/\1/p' <<<"$report")
win=$(sed -n 's/^bad=[0-9]* window=\([0-9]*\)/\1/p' <<<"$report")
but=''
[[ ${HAC_FAILOVERS_KILL9:-0} != 1 ]] || but=", outside the 6 s before a kill -9"
t_ok "$(awk '$2 == "ok"' "$subs" | wc -l) jobs accepted: every one completed exactly once (none lost, held, started or completed twice$but), and no job ran whose sbatch was refused" test "$bad" -eq 0
[[ ${HAC_FAILOVERS_KILL9:-0} != 1 ]] || t_note "jobs lost, held or started twice inside the state-save window of a kill -9: $win"
hac_assert_hooks_on_time "$t0"
# The failover times, failure -> new master in control (from the events).
times=$(hac_timeline "$t0" "$t0" | sed -n 's/.*failover [0-9]*\/[0-9]*: .* in control (\([0-9]*\) ms).*/\1/p' | sort -n)
t_note "failure -> new master in control (ms): median $(awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}' <<<"$times"), max $(tail -n 1 <<<"$times"), n=$(wc -l <<<"$times")"
hac_timeline "$t0" "$t0" | grep -E 'failover|!!!' | sed 's/^/#  /'
t_done
