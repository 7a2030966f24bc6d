#!/bin/bash
# drill_storage_hang.sh - the shared storage hangs on the master: its FUSE daemon (the GlusterFS
# client, or bindfs with HAC_STORAGE=fuse) is stopped with SIGSTOP, so every access to the state
# folder on that host hangs, as with a hung GlusterFS mount. Shows: the master's check rides the
# stall out until its self-fence's time (ttl 6 s less 3 s after its last renewal), then fails
# within 6 s of the hang (storage, or control once the self-fence stops slurmctld), keepalived
# takes it to FAULT, the backup takes over once the hung master's lease has expired (it cannot
# renew it), sbatch through the VIP is accepted, no hook runs past
# its deadline ([notify] deadline 25 s), never two controllers in control (sampled). Then the
# storage comes back (SIGCONT) and the old master returns to BACKUP without slurmctld.
#
# Phase B (only with HAC_STORAGE_HANG_PHASE_B=1, see below), a shorter hang: the new master's
# storage hangs in turn, and comes back as soon as the next master is in control, while the hung
# slurmctld may still run (the fault hook sends SIGTERM, and SIGKILL only after [notify]
# stop_timeout, 10 s, longer than the lease ttl, 6 s). Jobs are submitted through the VIP all
# along, from 10 s before the hang. Shows whether the old slurmctld acts on the shared state once
# it can (accepts jobs, saves its stale state over the new master's), and that every job sbatch
# reported as accepted still exists, unless it was accepted by the old master in Slurm's own
# state-save window: from WINDOW_MS (6 s) before the hang until the new master is in control.
# slurmctld saves job state asynchronously (at most every 5 s here); what it acknowledged but had
# not saved when its storage hung is not in the shared state the next master reads (the same
# window as for a kill -9). Those are counted and printed, not failed: no program
# outside slurmctld can save them.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DEADLINE_MS=25000
WINDOW_MS=6000
hac_drill 3 2
old=$(hac_master)
hac_drill_job saved
job=$JOB
hac_watch_start
fuse=$(hat_shared_pid "$old")
oldctld=$(hac_ctld_pid "$old")
t_note "master: $old (slurmctld pid $oldctld); its FUSE daemon: pid $fuse"

t0=$(hac_event "storage hung on $old: its FUSE daemon stopped (SIGSTOP)")
kill -STOP "$fuse"
hac_first_accepted "$t0" "the hang"
ms=$MS
new=$(hac_wait_master 20) || new=
t_ok "exactly one controller holds the VIP and is in control: ${new:-none}" test -n "$new" -a "$new" != "$old"
t_note "hang -> first accepted sbatch: $ms ms"
first=$(hac_timeline "$t0" "$t0" | grep -m1 "$old: check unhealthy" || true)
t_match "$old's check failed on the storage, or on control once its self-fence stopped slurmctld" \
    "$first" 'unhealthy \((storage|control)\)'
t_lt "... within 6 s of the hang (the self-fence at 3 s, a check every second)" \
    "$(sed -n 's/^ *+\([0-9]*\) ms.*/\1/p' <<<"$first")" 6000
t_match "$old's keepalived went to FAULT" "$(hac_timeline "$t0" "$t0" | grep "$old: keepalived" || true)" 'FAULT'
if [[ -n $new ]]; then
    t_note "$new's promotion: $(hac_hook_output "$new" "$t0" | grep -E 'lease:|promoted|refused' | tail -n 2 | tr '\n' ' ')"
fi
# The takeover waits for the hung master's lease to expire on the new master's own clock: the
# hung master cannot release it.
t_match "${new:-none}'s promotion took $old's lease once it had expired" \
    "$(hac_hook_output "${new:-none}" "$t0" | grep 'lease: granted' | tail -n 1)" \
    "lease: granted: epoch [0-9]+ \\($old's expired: unchanged for [0-9.]+ s here\\)"
# Its slurmctld is killed while the storage still hangs (the self-fence, SIGKILL by ttl - 1 s
# after its last renewal; the FAULT hook, SIGKILL at once), before the new master's starts.
gone=$(hac_first_event "$t0" "^$old: no slurmctld process")
started=$(( $(hac_ctld_started_ms "${new:-none}" 2>/dev/null || echo 0) - t0 ))
t_note "$old's slurmctld gone at +${gone:-?} ms; ${new:-none}'s slurmctld started at +$started ms"
t_lt "$old's slurmctld killed while its storage hangs, before ${new:-none}'s started (+${gone:-?} ms)" \
    "${gone:-}" "$started"
# Let every hook started by the hang finish (or pass its deadline) before judging them.
# shellcheck disable=SC2016 # the $(...) are for eval, run on each try
hat_wait_for 40 eval '[[ $(hac_hook_runs '"$t0"' | grep -c " started$") == $(hac_hook_runs '"$t0"' | grep -c " exit ") ]]' || true
t_note "hooks on $old since the hang: $(hac_hook_runs "$t0" | grep "$old:" | cut -f2 | sed 's/^/[/; s/$/]/' | tr '\n' ' ')"
maxhook=$(hac_hook_max_ms "$t0")
t_lt "no hook ran past its deadline (longest: $maxhook ms, deadline $DEADLINE_MS ms)" "$maxhook" $((DEADLINE_MS + 500))
t_fail "$old's slurmctld is gone while the storage still hangs" hac_ctld_pid "$old"
hac_assert_never_two " while the storage hung"

t1=$(hac_event "storage back on $old (SIGCONT)")
kill -CONT "$fuse"
t_ok "$old's slurmctld is gone once the storage answers again (15 s)" hat_wait_for 15 eval "! hac_ctld_pid $old >/dev/null"
t_ok "$old goes back to BACKUP (healthy standby) within 30 s" hac_wait_ka "$old" BACKUP 30
t_ok "$new is still the master, in control" eval "[[ \$(hac_master) == ${new:-none} ]]"
t_match "the running job survived the failover" "$(hac_job_state cn1 "$job")" '^(RUNNING|COMPLETED)$'
t_ok "sbatch through the VIP accepted" hac_sbatch_until_accepted cn1 10

# Phase B only when asked (HAC_STORAGE_HANG_PHASE_B=1): on GlusterFS its outcome depends on what the
# hung client held at the moment it stopped. A client that hangs but stays connected keeps the
# replicate locks it held, and every other node's writes in the state folder wait for it: in one
# run the next master could not write its state until the hung client resumed, 40 s later; in
# another, jobs accepted outside Slurm's state-save window were lost and their ids given again.
# Neither outcome is understood well enough to assert either way.
t2=''
if [[ ${HAC_STORAGE_HANG_PHASE_B:-0} == 1 ]]; then
    t_note "phase B: a short hang on the new master ${new:-none}"
    b_old=$new
    hac_wait_ka "$old" BACKUP 20 || true
    sub=$(hat_state_dir)/submitted
    : >"$sub"
    # A submitter through the VIP: a job every 300 ms, each sbatch allowed 20 s; "TOKEN JOBID MS"
    # per accepted job (MS: when sbatch returned).
    (
        i=0
        while [[ ! -f $sub.stop ]]; do
            i=$((i + 1))
            (
                id=$(hat_exec cn1 timeout 20 sbatch --parsable -o /dev/null -e /dev/null -J "b$i" \
                    --wrap 'sleep 1' 2>/dev/null) && echo "b$i ${id%%;*} $(hac_now_ms)" >>"$sub"
            ) </dev/null &
            sleep 0.3
        done
        wait
    ) </dev/null >/dev/null 2>&1 &
    subpid=$!
    sleep 10
    fuse=$(hat_shared_pid "$b_old")
    t2=$(hac_event "phase B: storage hung on $b_old (SIGSTOP of its FUSE daemon)")
    kill -STOP "$fuse"
    b_new=$(hac_wait_new_master "$b_old" 40) || b_new=
    t3=$(hac_event "phase B: storage back on $b_old (SIGCONT), ${b_new:-nobody} in control")
    kill -CONT "$fuse"
    t_ok "phase B: a new master took over: ${b_new:-none}" test -n "$b_new" -a "$b_new" != "$b_old"
    sleep 12
    touch "$sub.stop"
    wait "$subpid" 2>/dev/null || true
    rm -f "$sub.stop"
    died=$(hac_first_event "$t3" "^${b_new:-x}: no slurmctld process")
    t_ok "phase B: $b_new's slurmctld kept running after $b_old's storage came back" test -z "$died"
    if [[ -n $died ]]; then
        t_note "$b_new's slurmctld was gone $died ms after the storage came back; master now: $(hac_master || echo none)"
        t_note "$b_new's slurmctld, last words: $(grep -v -E 'debug|_slurm_rpc_submit_batch_job|sched: Allocate' "$(hat_host_dir "$b_new")/fs/log-slurm/slurmctld.log" | tail -n 4 | sed 's/^\[[^T]*T//' | tr '\n' ';')"
    fi
    stale=$(hac_stale_acts "$b_old" "$b_new")
    t_ok "phase B: $b_old's slurmctld did not act on the shared state after $b_new's started" test -z "${stale:0:1}"
    [[ -z $stale ]] || t_note "$b_old after $b_new's slurmctld started: $(sed 's/^\[[^T]*T//; s/ InitPrio.*//; s/, but no job record.*//' <<<"$stale" | tr '\n' ';')"
    # Strict: accepted before the window or after the new master took over; window: in between.
    lost=() dup=() wlost=()
    nstrict=0 nwin=0
    declare -A seen=()
    while read -r tok id tacc; do
        strict=1
        ((tacc >= t2 - WINDOW_MS && tacc <= t3)) && strict=0
        if ((strict)); then nstrict=$((nstrict + 1)); else nwin=$((nwin + 1)); fi
        if [[ -n ${seen[$id]:-} ]]; then
            ((strict)) && dup+=("$id:${seen[$id]}+$tok")
        fi
        seen[$id]=$tok
        name=$(hat_exec cn1 timeout 10 scontrol show job "$id" 2>/dev/null | sed -n 's/.*JobName=\([^ ]*\).*/\1/p') || name=
        if [[ $name != "$tok" ]]; then
            if ((strict)); then lost+=("$tok=job$id(${name:-gone})"); else wlost+=("$tok=job$id(${name:-gone})"); fi
        fi
    done <"$sub"
    t_note "phase B: $(wc -l <"$sub") jobs accepted through the VIP: $nstrict outside Slurm's state-save window, $nwin inside it"
    t_ok "phase B: jobs outside the window were accepted before and after the hang" test "$nstrict" -ge 10
    t_ok "phase B: no job id given to two accepted submissions (outside the window)" test "${#dup[@]}" -eq 0
    [[ ${#dup[@]} -eq 0 ]] || t_note "same id twice: ${dup[*]}"
    t_ok "phase B: every job accepted outside the window exists (as itself) afterwards" test "${#lost[@]}" -eq 0
    [[ ${#lost[@]} -eq 0 ]] || t_note "accepted, then lost or replaced: ${lost[*]}"
    t_note "phase B: accepted by the hung master inside its state-save window, then lost: ${#wlost[@]} of $nwin${wlost[*]:+ (${wlost[*]})}"
    maxhook=$(hac_hook_max_ms "$t2")
    t_lt "phase B: no hook ran past its deadline (longest: $maxhook ms)" "$maxhook" $((DEADLINE_MS + 500))

fi

sleep 1
hac_assert_never_two ", all along"
hac_watch_stop
hac_print_timeline "$t0" "$((t0 - 500))" "$t1"
if [[ -n $t2 ]]; then
    echo "# phase B:"
    hac_print_timeline "$t2" "$((t2 - 500))"
fi
t_done
