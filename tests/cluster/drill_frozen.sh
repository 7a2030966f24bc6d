#!/bin/bash
# drill_frozen.sh - the master frozen whole: every process of its host frozen at once (a cgroup
# freezer, as a hypervisor pauses a VM or swap stalls a host), its network up, so its kernel
# still accepts connections to slurmctld's port that nobody answers; HAC_FROZEN_S (default 25)
# seconds later, thawed at once. Three controllers, two compute hosts, a job running.
# Shows, while it is frozen (and still holds the VIP on its interface, which its keepalived
# cannot remove): another controller takes over and sbatch through the VIP is
# accepted within 15 s (the bound drill_host_lost.sh has: the promotion waits for VRRP, the
# storage stall and the lease, and not for the frozen controller: its `peers` step says the
# frozen one did not answer, and the slurmctld it starts knows no other controller); never two
# controllers in control, and no possible double (the frozen one does not answer, but the
# cgroup freezer shows it cannot act: hac-can-HOST, tests/cluster/lib.sh). After the thaw: the thawed master's slurmctld is gone within 2 s (its
# self-fence finds its lease long expired: SIGKILL at once), one master in control within 30 s,
# sbatch accepted, the running job and the job accepted during the freeze both exist, once.
# Not asserted, reported: samples in which two controllers answered "in control" after the thaw,
# or one did while the thawed one did not answer (between the thaw and the self-fence, the thawed slurmctld still believes it is in control:
# only power fencing before the promotion closes that, README), and whether the thawed master's
# keepalived took the VIP back for a moment. Then the state volume is healed by hand (README).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
FROZEN_S=${HAC_FROZEN_S:-25}
hac_drill 3 2
old=$(hac_master)
hac_drill_job saved
job=$JOB
hac_watch_start
t_note "master: $old ($(hac_ip "$old")); running job: $job"

# Whatever stops this drill, the host runs again (the next drill takes the cluster over).
# shellcheck disable=SC2154 # rc is set in the trap itself
trap 'rc=$?; hac_host_thaw "$old"; hac_watch_stop; exit $rc' EXIT
t_ok "every process of $old frozen" hac_host_freeze "$old"
t0=$(hac_event_at "$(hac_host_frozen_ms "$old")" "host $old frozen: every process stopped at once, network up")
hac_first_accepted "$t0" "the freeze"
ms=$MS
# The frozen host keeps the VIP on its interface (its keepalived cannot remove it): the new
# master is the other VIP holder in control.
other_master() {
    local h
    for h in $(hac_vip_holders); do
        [[ $h != "$old" ]] && hac_in_control "$h" && { echo "$h"; return 0; }
    done
    return 1
}
hat_wait_for 20 other_master >/dev/null || true
new=$(other_master) || new=
t_ok "another controller holds the VIP and is in control: ${new:-none}" test -n "$new"
t_lt "freeze -> first accepted sbatch under 15 s ($ms ms)" "$( ((ms >= 0)) && echo "$ms" || echo 99999)" 15000
promo=$(hac_hook_output "${new:-none}" "$t0" | grep -E '^ha-notify-master: ' | tr '\n' ' ' || true)
t_note "${new:-none}'s promotion: $promo"
t_match "its peers step did not wait for the frozen $old" "$promo" \
    "peers: .*$(hac_ip "$old"): no answer \\(frozen or gone: not waited for\\)"
jb=$(hac_sbatch cn1 --wrap 'sleep 20') || jb=
t_ok "a job accepted while $old is frozen (${jb:-none})" test -n "$jb"
sleep 2
read -r samples two gap maybe <<<"$(hac_watch_stats | tr -d 'a-z=')"
t_ok "never two controllers in control while $old is frozen ($samples samples, longest gap ${gap:-?} ms, ${maybe:-?} possible)" \
    hac_never_two_ok "$samples" "$two" "$gap" "$maybe"
left=$((FROZEN_S * 1000 - ($(hac_now_ms) - t0)))
((left <= 0)) || sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))"

t1=$(hac_event "host $old thawed")
hac_host_thaw "$old"
gone() { ! hac_ctld_pid "$old" >/dev/null; }
hat_wait_for 5 gone || true
tg=$(hac_now_ms)
t_ok "$old's thawed slurmctld is gone within 2 s ($((tg - t1)) ms)" eval "gone && (( $tg - $t1 <= 2000 ))"
back=$(hac_wait_master 30) || back=
tm=$(hac_now_ms)
t_ok "after the thaw: one master in control (${back:-none}, $((tm - t1)) ms after the thaw)" test -n "$back"
acc=$(hac_sbatch_until_accepted cn1 30) || acc=
t_ok "sbatch through the VIP accepted after the thaw" test -n "$acc"
t_match "the running job $job survived" "$(hac_job_state cn1 "$job")" '^(RUNNING|COMPLETED)$'
t_match "the job accepted during the freeze ${jb:-none} exists" "$(hac_job_state cn1 "${jb:-0}")" \
    '^(PENDING|RUNNING|COMPLETED)$'
ids=$(hac_squeue cn1 -o '%i' | grep -cxE "$job|${jb:-x}" || true)
t_note "queue entries for $job and ${jb:-none}: $ids (a completed job leaves the queue)"
read -r samples2 two2 _ maybe2 <<<"$(hac_watch_stats | tr -d 'a-z=')"
t_note "after the thaw: $((two2 - two)) of $((samples2 - samples)) samples with two controllers in control, $((maybe2 - maybe)) with a possible double (the thawed one silent, not yet killed) (not asserted: see the top)"
vipback=$(hac_timeline "$t1" "$t1" | grep -c "VIP on $old" || true)
t_note "the VIP on $old again after the thaw: $vipback time(s)"
hac_assert_hooks_on_time "$t0"
hac_watch_stop
hac_print_timeline "$t0"
# GlusterFS leaves the thawed brick's entries to its next crawl (600 s): healed by hand, as the
# README says, so that the next drill starts from a healed volume.
hac_storage_heal
t_ok "the state volume healed within 60 s of 'gluster volume heal'" hac_storage_healed 60
t_done
