#!/bin/bash
# drill_host_back.sh - the old master recovers. The master host is lost (as in
# drill_host_lost.sh), the next controller takes over; then the lost host boots again: link up, a
# fresh /run, munged, its shared mount, keepalived (state BACKUP, nopreempt, and the highest
# priority), and slurmctld started by hand as a boot would (`slurmctld -D` with
# /etc/slurm/slurm.conf). Shows: that slurmctld exits ("not a valid controller"), the recovered
# host goes to BACKUP and does not take the VIP or control back, and for one minute nothing
# moves: no VIP change, no promotion or fault hook, no change of who is in control, never two in
# control (sampled); sbatch through the VIP still works.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
STABLE_S=${HAC_STABLE_S:-60}
hac_drill 3 2
hac_watch_start
old=$(hac_master)
t0=$(hac_event "host $old lost: every process in it killed, link down")
hac_host_lose "$old"
t_ok "sbatch through the VIP accepted after the loss of $old" hac_sbatch_until_accepted cn1 60
new=$(hac_wait_master 20) || new=
t_ok "a new master in control: ${new:-none}" test -n "$new" -a "$new" != "$old"

hac_event "$old boots again" >/dev/null
hac_host_recover "$old"
boot_rc=0
boot_out=$(hat_exec "$old" timeout 20 slurmctld -D 2>&1) || boot_rc=$?
hac_event "$old: slurmctld -D started as a boot would: exit $boot_rc" >/dev/null
t_match "$old: slurmctld started as at boot exits: not a valid controller" "$boot_out" 'not a valid controller'
t_fail "$old: no slurmctld runs" hac_ctld_pid "$old"
t_ok "$old's keepalived goes to BACKUP" hac_wait_ka "$old" BACKUP 20
t_ok "$old's check is healthy (ready to take over)" hat_wait_for 10 grep -q '^healthy' "$(hat_host_dir "$old")/fs/run/ha-slurm/check.verdict"
sleep 3
ts=$(hac_event "watching for ${STABLE_S} s: nothing may move")
read -r s0 _ _ <<<"$(hac_watch_stats | tr -d 'a-z=')"
sleep "$STABLE_S"
te=$(hac_event "end of the watch")
read -r s1 two1 gap maybe1 <<<"$(hac_watch_stats | tr -d 'a-z=')"
moves=$(hac_timeline "$ts" "$ts" "$te" | grep -E 'VIP (on|off)|ha-notify-(master|fault|backup)|keepalived|: control ' || true)
t_ok "for ${STABLE_S} s: no VIP move, no hook run, no keepalived or control change" test -z "$moves"
[[ -z $moves ]] || t_note "moves: $(tr '\n' ';' <<<"$moves")"
t_ok "$new still holds the VIP and is in control" eval "[[ \$(hac_master) == $new ]]"
t_match "$old's keepalived is BACKUP" "$(hac_ka_state "$old")" '^BACKUP$'
t_ok "never two controllers in control (${s1:-no} samples in all, ${s0:-?} before the watch, longest gap ${gap:-?} ms)" \
    hac_never_two_ok "$(( ${s1:-0} - ${s0:-0} ))" "$two1" "$gap" "$maybe1"
t_ok "sbatch through the VIP accepted" hac_sbatch_until_accepted cn1 10
hac_assert_hooks_on_time "$t0"
hac_watch_stop
hac_print_timeline "$t0" "$((t0 - 1000))"
t_done
