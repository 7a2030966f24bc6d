#!/bin/bash
# drill.sh - the cluster drill "kill -9 slurmctld on the master" with a real systemd in every
# host (tests/cluster/systemd/lib.sh): three controller containers (ctl1..ctl3: Debian's
# munge.service and keepalived.service, install.sh's ha-slurmctld.service and drop-in, the check
# and the hooks from install.sh, service_manager = systemd) and one compute container (cn1: munge,
# slurmd), every file from tests/cluster/systemd/cluster.yaml through install.sh --root. The shared
# state folder (StateSaveLocation, the lease) is one folder of this machine bound into each
# controller (systemd-nspawn --bind), not GlusterFS.
#
# Asserts: the boot ends with one VIP holder in control and cn1 registered; a job (sleep 30)
# is RUNNING before the kill and its start is saved in the shared state; after kill -9 of
# the master's slurmctld the VIP moves to another controller, whose ha-slurmctld.service is
# active (started by its hook through sd-bus) and in control (REQUEST_CONTROL_STATUS through
# the VIP, and scontrol ping), sbatch through the VIP is accepted, the old master's unit is
# failed and its lease released, and never two controllers in control; the old master goes
# back to BACKUP within 30 s of the kill and runs no slurmctld; the job survives (RUNNING or
# COMPLETED) and ends COMPLETED. The journal, queried by MESSAGE_ID (common/log.h): on the
# old master the check's verdict changes (unhealthy, with HA_PROBE and HA_REASON, then healthy
# again), the fault hook's FAULT entry with HA_NODE (and the catalog's text for it under
# journalctl -x), the demotion's steps; on the new master
# the promotion's steps and no FAULT; `journalctl -u keepalived` shows the check's verdicts.
# Prints the timeline in ms from the kill.
set -euo pipefail
HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=SCRIPTDIR/../../lib/testlib.sh
. "$HERE/../../lib/testlib.sh"
export HAT_PREFIX=${HAT_PREFIX:-hatn}
# shellcheck source=SCRIPTDIR/lib.sh
. "$HERE/lib.sh"
hsd_init

YAML=$HERE/cluster.yaml
HRPC=$HA_BUILD_DIR/tests/ha-rpc
mid() { sed -n "s/^#define HA_MID_$1 *\"\([0-9a-f]*\)\".*/\1/p" "$HA_SOURCE_DIR/common/log.h"; }
MID_CHECK=$(mid CHECK) MID_FAULT=$(mid FAULT) MID_PROMOTE=$(mid PROMOTE) MID_DEMOTE=$(mid DEMOTE)
VIP=10.213.0.100
CTLS=(ctl1 ctl2 ctl3)
declare -A IP=([ctl1]=10.213.0.11 [ctl2]=10.213.0.12 [ctl3]=10.213.0.13 [cn1]=10.213.0.21)
now_ms() { date +%s%3N; }

# ---- hosts, installation, boot ----
T_BOOT=$(now_ms)
hat_net_up
for h in "${CTLS[@]}" cn1; do hat_host_add "$h" "${IP[$h]}"; done
# Every address change of each controller, from before its boot (printed when the boot's VIP
# check fails). The monitor lives in the host's network namespace: the teardown kills it.
for h in "${CTLS[@]}"; do
        ip -n "$HAT_PREFIX-$h" -ts monitor address >"$(hat_host_dir "$h")/addr-events.log" 2>&1 &
done
shared=$(hat_state_dir)/shared-state
_hat_mkdir "$shared"
# install.sh into each root, the four at once (each is mostly waiting for small processes).
install_host() {
        local h=$1 role=$2 root
        root=$(hsd_root "$h")
        HA_BUILD_DIR=$HA_BUILD_DIR "$HA_SOURCE_DIR/install.sh" --root "$root" "--$role" \
                --config "$YAML" --host "$h" >"$(hat_host_dir "$h")/install.log" 2>&1
}
for h in "${CTLS[@]}" cn1; do
        role=controller
        [[ $h == cn1 ]] && role=compute
        hsd_prepare "$h" "$role"
        if [[ $role == controller ]]; then
                # The shared folder where install.sh checks the mount and creates
                # StateSaveLocation; the container gets the same folder with --bind.
                mkdir -p "$(hsd_root "$h")/mnt/state"
                mount --bind "$shared" "$(hsd_root "$h")/mnt/state"
        fi
done
declare -A JOB=()
for h in "${CTLS[@]}" cn1; do
        role=controller
        [[ $h == cn1 ]] && role=compute
        install_host "$h" "$role" &
        JOB[$h]=$!
done
for h in "${CTLS[@]}" cn1; do
        wait "${JOB[$h]}" || { cat "$(hat_host_dir "$h")/install.log"; exit 1; }
done
for h in "${CTLS[@]}"; do umount "$(hsd_root "$h")/mnt/state"; done
t_note "installed 4 roots in $(($(now_ms) - T_BOOT)) ms"
for h in "${CTLS[@]}"; do hsd_boot "$h" --bind="$shared:/mnt/state"; done
hsd_boot cn1
for h in "${CTLS[@]}" cn1; do hsd_wait_booted "$h"; done
t_note "booted 4 containers in $(($(now_ms) - T_BOOT)) ms (with installation)"

# ---- looking ----
vip_holders() {
        local h out
        for h in "${CTLS[@]}"; do
                if ! out=$(ip -n "$HAT_PREFIX-$h" -o addr show 2>&1); then
                        echo "# vip_holders: ip -n $HAT_PREFIX-$h -o addr show failed: $out" >&2
                fi
                [[ $out != *" $VIP/"* ]] || echo "$h"
        done
        return 0
}
# in_control_list: the controllers whose slurmctld says it is in control (asked from cn1).
in_control_list() {
        local h
        for h in "${CTLS[@]}"; do
                hsd_exec cn1 "$HRPC" --timeout 500ms "${IP[$h]}" status 2>/dev/null |
                        grep -q 'control=active' && echo "$h"
        done
        return 0
}
steady() {
        local v c
        v=$(vip_holders)
        c=$(in_control_list)
        [[ -n $v && $v != *$'\n'* && $v == "$c" ]] &&
                hsd_exec cn1 sinfo -h -N -o '%N %T' 2>/dev/null | grep -qE '^cn1 (idle|mixed|allocated)'
}
# Steady twice, a second apart: once, right after boot, the VIP was gone from the holder a
# moment after the first steady look (not seen again since; the keepalived journals below say
# what happened if it comes back).
steady_twice() { steady && sleep 1 && steady; }
booted=1
hat_wait_for 120 steady_twice || booted=0
t_ok "boot: one VIP holder, in control, and cn1 registered (twice, 1 s apart)" test "$booted" = 1
t_note "steady (after boot) at $(($(now_ms) - T_BOOT)) ms"
m=$(vip_holders)
if [[ -z $m || $m == *$'\n'* ]]; then
        for h in "${CTLS[@]}"; do
                t_note "$h: keepalived's journal:"
                hsd_exec "$h" journalctl -u keepalived.service -o short-precise -n 12 --no-pager 2>&1 |
                        sed 's/^/#     /' || true
                t_note "$h: its address changes (ip monitor address):"
                sed 's/^/#     /' "$(hat_host_dir "$h")/addr-events.log" || true
        done
fi
t_match "boot: the vip_owner ctl1 is the master" "$m" '^ctl1$'
t_match "boot: ha-slurmctld.service active on $m, started by its hook" \
        "$(hsd_exec "$m" systemctl is-active ha-slurmctld.service || true)" '^active$'
for h in "${CTLS[@]}"; do
        [[ $h == "$m" ]] && continue
        t_match "boot: $h runs keepalived, no slurmctld" \
                "$(hsd_exec "$h" systemctl is-active keepalived.service ha-slurmctld.service | tr '\n' ' ')" \
                '^active (inactive|failed) $'
done

# ---- a job running before the failure ----
# job_state JOBID: the job's state through the VIP (scontrol from cn1), e.g. RUNNING.
job_state() {
        hsd_exec cn1 timeout 10 scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'
}
job=$(hsd_exec cn1 timeout 10 sbatch --parsable -o /dev/null -e /dev/null --wrap 'sleep 30' 2>/dev/null || true)
job=${job%%;*}
t_ok "a job (sleep 30) accepted before the failure (job ${job:-none})" test -n "$job"
t_ok "job $job is RUNNING before the failure" hat_wait_for 20 eval "[[ \$(job_state $job) == RUNNING ]]"
# Not inside slurmctld's state-save window: slurmctld saves its job state at most every few
# seconds, and a SIGKILL right after a job starts loses that start (the job is pending again
# after the failover and runs a second time). Wait until job_state (in the shared folder) was
# written after the job was seen running.
ref=$(hat_state_dir)/job-running.ref
touch "$ref"
t_ok "its start is saved in the shared state (job_state rewritten)" \
        hat_wait_for 15 test "$shared/slurmctld/job_state" -nt "$ref"

# ---- the drill ----
pid=$(hsd_exec "$m" systemctl show -p MainPID --value ha-slurmctld.service)
declare -A EV=()
ev() { [[ -n ${EV[$1]:-} ]] || EV[$1]=$(($(now_ms) - T0)); }
# jev HOST LABEL ERE JOURNALCTL_ARG...: the first journal entry of HOST since the kill whose
# line matches ERE, as event LABEL (the journals' clock is this machine's: exact to the ms,
# unlike the polling below, which sees a change only once per round).
jev() {
        local h=$1 label=$2 re=$3 t
        shift 3
        t=$(hsd_exec "$h" journalctl -o short-unix --no-pager --since "@$((T0 / 1000))" "$@" |
                grep -E -m 1 -- "$re" | cut -d' ' -f1) || true
        [[ -z $t ]] || EV["$label"]=$((${t/./} / 1000 - T0))
}
max_in_control=0
T0=$(now_ms)
hsd_exec "$m" kill -9 "$pid"
new='' jobid=''
deadline=$((T0 + 90000))
while (($(now_ms) < deadline)); do
        v=$(vip_holders)
        [[ $v == *"$m"* ]] || ev "[polled] VIP gone from $m"
        if [[ -n $v && $v != "$m" && $v != *$'\n'* ]]; then
                new=$v
                ev "[polled] VIP on $new"
        fi
        c=$(in_control_list)
        n=$(grep -c . <<<"$c" || true)
        ((n <= max_in_control)) || max_in_control=$n
        [[ $c == *"$m"* ]] || ev "[polled] $m no longer in control"
        if [[ -n $new ]]; then
                if [[ -z ${EV["[polled] ha-slurmctld.service active on $new"]:-} ]] &&
                        [[ $(hsd_exec "$new" systemctl is-active ha-slurmctld.service || true) == active ]]; then
                        ev "[polled] ha-slurmctld.service active on $new"
                fi
                [[ $c != "$new" ]] || ev "[polled] $new in control (asked from cn1)"
                if [[ $c == "$new" && -z $jobid ]]; then
                        jobid=$(hsd_exec cn1 sbatch --parsable -o /dev/null --wrap 'sleep 1' 2>/dev/null || true)
                        [[ -z $jobid ]] || ev "[polled] sbatch through the VIP accepted (job $jobid)"
                fi
        fi
        [[ -n $jobid ]] && break
        sleep 0.1
done
if [[ -n $new ]]; then
        jev "$m" "$m: systemd saw slurmctld killed" 'Main process exited' -u ha-slurmctld.service
        jev "$m" "$m: check failed" 'ha-check-slurmctld\[[0-9]+\]: unhealthy' -u keepalived.service
        jev "$m" "$m: keepalived FAULT" 'Entering FAULT STATE' -u keepalived.service
        jev "$m" "$m: ha-notify-fault done" 'ha-notify-fault\[[0-9]+\]: demoted' -u keepalived.service
        jev "$new" "$new: keepalived MASTER (VIP added)" 'Entering MASTER STATE' -u keepalived.service
        jev "$new" "$new: ha-notify-master: lease granted" 'ha-notify-master\[[0-9]+\]: lease: granted' -u keepalived.service
        jev "$new" "$new: systemd started ha-slurmctld.service" 'Started ha-slurmctld' -u ha-slurmctld.service
        jev "$new" "$new: ha-notify-master: in control" 'ha-notify-master\[[0-9]+\]: in control: slurmctld in control' -u keepalived.service
fi
# The old master back to BACKUP: its check healthy again (a standby: no VIP, no slurmctld) for
# "rise" runs after the fault hook demoted it.
ka_backup() {
        hsd_exec "$m" journalctl -u keepalived.service -o cat --no-pager --since "@$((T0 / 1000))" |
                grep -q 'Entering BACKUP STATE'
}
hat_wait_for 30 ka_backup || true
jev "$m" "$m: keepalived BACKUP again" 'Entering BACKUP STATE' -u keepalived.service
t_note "timeline (ms after kill -9 of slurmctld on $m; journal entries, and [polled] what the loop saw):"
t_note "      0  kill -9 slurmctld (pid $pid in $m)"
for k in "${!EV[@]}"; do printf '%s\t%s\n' "${EV[$k]}" "$k"; done | sort -n |
        while IFS=$'\t' read -r t k; do t_note "$(printf '%7d  %s' "$t" "$k")"; done

t_ok "journal: $m's unit saw the kill, then its check failed and keepalived put it in FAULT" \
        test -n "${EV["$m: systemd saw slurmctld killed"]:-}" -a -n "${EV["$m: keepalived FAULT"]:-}"
t_ok "journal: $new's hook had systemd start ha-slurmctld.service, then saw it in control" \
        test -n "${EV["$new: systemd started ha-slurmctld.service"]:-}" -a -n "${EV["$new: ha-notify-master: in control"]:-}"
t_ok "the VIP moved to another controller (${new:-none})" test -n "$new" -a "$new" != "$m"
t_match "$new: ha-slurmctld.service active" "$(hsd_exec "$new" systemctl is-active ha-slurmctld.service || true)" '^active$'
t_match "$new: in control (REQUEST_CONTROL_STATUS through the VIP)" \
        "$(hsd_exec cn1 "$HRPC" --timeout 1s "$VIP" status 2>&1 || true)" 'control=active'
t_match "scontrol ping through the VIP: UP" "$(hsd_exec cn1 scontrol ping 2>&1 || true)" 'is UP'
t_ok "sbatch through the VIP accepted (job ${jobid:-none})" test -n "$jobid"
t_ok "never two controllers in control (most seen at once: $max_in_control)" test "$max_in_control" -le 1
t_match "$m: ha-slurmctld.service failed (killed), not restarted" \
        "$(hsd_exec "$m" systemctl is-active ha-slurmctld.service || true)" '^(failed|inactive)$'
t_match "$new: the promotion in the journal of keepalived.service" \
        "$(hsd_exec "$new" journalctl -u keepalived.service -o cat SYSLOG_IDENTIFIER=ha-notify-master)" \
        'promoted: slurmctld in control'
t_match "$m: the fault hook released the lease" \
        "$(hsd_exec "$m" journalctl -o cat SYSLOG_IDENTIFIER=ha-notify-fault)" 'release lease: released'

# ---- the old master and the job ----
t_ok "$m: keepalived back to BACKUP (healthy standby) within 30 s of the kill (${EV["$m: keepalived BACKUP again"]:-never} ms)" \
        test -n "${EV["$m: keepalived BACKUP again"]:-}"
t_fail "$m: no slurmctld runs" hsd_exec "$m" pgrep -x slurmctld
t_match "the running job $job survived the failover" "$(job_state "$job")" '^(RUNNING|COMPLETED)$'
hat_wait_for 60 eval "[[ \$(job_state $job) == COMPLETED ]]" || true
t_match "job $job ended COMPLETED" "$(job_state "$job")" '^COMPLETED$'

# ---- the journal, by MESSAGE_ID (common/log.h), since the kill ----
jmid() {
        local h=$1
        shift
        hsd_exec "$h" journalctl --no-pager --since "@$((T0 / 1000))" "$@"
}
j=$(jmid "$m" -o verbose MESSAGE_ID="$MID_CHECK")
t_match "$m: MESSAGE_ID=check: the verdict unhealthy, with HA_PROBE and HA_REASON" "$j" \
        'HA_VERDICT=unhealthy(.|\n)*HA_PROBE=(process|control)(.|\n)*HA_REASON=.'
t_match "$m: MESSAGE_ID=check: then healthy again (a standby), SYSLOG_IDENTIFIER=ha-check-slurmctld" "$j" \
        'HA_VERDICT=unhealthy(.|\n)*HA_VERDICT=healthy'
t_match "$m: MESSAGE_ID=check: from ha-check-slurmctld" "$j" 'SYSLOG_IDENTIFIER=ha-check-slurmctld'
# Each names its unit itself (common/log.c): journald's _SYSTEMD_UNIT is missing when the
# check has exited before journald looked it up, which happened in one run in four.
n_all=$(grep -c '^ *MESSAGE_ID=' <<<"$j" || true)
n_unit=$(grep -c '^ *OBJECT_SYSTEMD_UNIT=keepalived\.service$' <<<"$j" || true)
t_ok "$m: MESSAGE_ID=check: every entry has OBJECT_SYSTEMD_UNIT=keepalived.service ($n_unit of $n_all)" \
        test "$n_all" -gt 0 -a "$n_unit" = "$n_all"
t_match "$m: journalctl -u keepalived shows the check's verdicts" \
        "$(jmid "$m" -u keepalived.service -o short)" \
        'ha-check-slurmctld\[[0-9]+\]: unhealthy \((process|control)\)(.|\n)*ha-check-slurmctld\[[0-9]+\]: healthy'
t_match "$m: MESSAGE_ID=fault: the fault hook said FAULT, with HA_NODE" \
        "$(jmid "$m" -o verbose MESSAGE_ID="$MID_FAULT")" \
        "MESSAGE=FAULT on $m(.|\n)*HA_NODE=$m|HA_NODE=$m(.|\n)*MESSAGE=FAULT on $m"
t_match "$m: journalctl -x MESSAGE_ID=fault: the catalog's explanation, @HA_NODE@ filled in" \
        "$(jmid "$m" -x -o short -n 1 MESSAGE_ID="$MID_FAULT")" \
        "Subject: ha-notify-fault: $m entered FAULT(.|\n)*keepalived put node $m in FAULT"
t_match "$m: MESSAGE_ID=demote: slurmctld stopped, the lease released, demoted" \
        "$(jmid "$m" -o cat MESSAGE_ID="$MID_DEMOTE")" \
        'stop slurmctld: (.|\n)*release lease: released(.|\n)*demoted'
t_match "$new: MESSAGE_ID=promote: lease granted, slurmctld in control, promoted" \
        "$(jmid "$new" -o cat MESSAGE_ID="$MID_PROMOTE")" \
        'lease: granted(.|\n)*in control: (.|\n)*promoted: slurmctld in control'
t_match "$new: MESSAGE_ID=fault: none (it did not fail)" "$(jmid "$new" -o cat MESSAGE_ID="$MID_FAULT")" '^(-- No entries --)?$'
hsd_no_sanitizer_reports
t_done
