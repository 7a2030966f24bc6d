#!/bin/bash
# units.sh - ha-slurm under a real systemd, in one controller container
# (tests/cluster/systemd/lib.sh): installed by install.sh --root, booted, and then:
#   * the units install.sh set: slurmctld.service disabled, ha-slurmctld.service static (no
#     [Install]; after munge), keepalived enabled with the drop-in (after munge,
#     remote-fs.target and the shared mount; RequiresMountsFor), and the boot kept that order;
#   * after boot no slurmctld runs until keepalived's notify_master hook starts
#     ha-slurmctld.service through sd-bus; Debian's slurmctld.service never starts;
#   * the check reads the unit's state through sd-bus (its pid is the unit's MainPID);
#   * keepalived tracks vrrp.holder in the state folder the drop-in created before it started
#     (the lease holder's priority bonus);
#   * the hooks' journal entries: `journalctl MESSAGE_ID=...` with their fields, and
#     `journalctl -u keepalived` (the hooks are keepalived.service's children);
#   * slurmctld survives a restart of keepalived (its own unit, not keepalived's cgroup);
#   * common/svc.c against systemd (tests/tools/ha-svc): start, stop and state of a unit,
#     waiting for the job; a stop of a unit that does not exist; a failed start job; a start
#     job that outlasts its deadline; a unit that ignores SIGTERM, killed at --kill-after;
#   * `systemctl stop keepalived`: the drop-in's ExecStopPost runs ha-notify-backup, which stops
#     a follower unit and slurmctld through systemd and releases the lease;
#   * `systemctl restart keepalived` on the master: slurmctld and the follower unit stopped
#     (by the drop-in's demotion) and started again (by the promotion: a new slurmctld in
#     control, the follower active in a new invocation), with no split-brain alarm and no FAULT.
#   * the journal catalog (install.sh --root installed it and built the root's database):
#     `journalctl -x` shows the promotion's and the check's explanations, fields filled in;
#   * install.sh run again inside the booted container (not --root: systemd runs there) with
#     a changed YAML (advert_int 2), an older ha-slurmctld.service loaded and the catalog
#     gone: keepalived.conf changed and keepalived reloaded (same MainPID, its own "Reload
#     complete", its SIGUSR1 dump shows the new interval), the unit rewritten and
#     daemon-reload done (systemd has it, NeedDaemonReload=no), the catalog back with
#     journalctl --update-catalog, slurmctld neither started nor restarted, no warning; a
#     third run changes nothing and calls no systemctl that changes anything.
set -euo pipefail
HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=SCRIPTDIR/../../lib/testlib.sh
. "$HERE/../../lib/testlib.sh"
export HAT_PREFIX=${HAT_PREFIX:-hatn}
# shellcheck source=SCRIPTDIR/lib.sh
. "$HERE/lib.sh"
hsd_init

YAML=$HERE/cluster.yaml
HSVC=$HA_BUILD_DIR/tests/ha-svc
HRPC=$HA_BUILD_DIR/tests/ha-rpc
MID_PROMOTE=$(sed -n 's/^#define HA_MID_PROMOTE *"\([0-9a-f]*\)".*/\1/p' "$HA_SOURCE_DIR/common/log.h")
MID_DEMOTE=$(sed -n 's/^#define HA_MID_DEMOTE *"\([0-9a-f]*\)".*/\1/p' "$HA_SOURCE_DIR/common/log.h")
MID_CHECK=$(sed -n 's/^#define HA_MID_CHECK *"\([0-9a-f]*\)".*/\1/p' "$HA_SOURCE_DIR/common/log.h")
x() { hsd_exec ctl1 "$@"; }
prop() { x systemctl show -p "$2" --value "$1"; }

# ---- install and boot ----
hat_net_up
# The YAML's other hosts, by name only (slurmctld resolves every node at start; without them
# it waits for DNS, which these namespaces cannot reach).
printf '10.213.0.12 ctl2\n10.213.0.13 ctl3\n10.213.0.21 cn1\n' >"$(hat_state_dir)/hosts.extra"
hat_host_add ctl1 10.213.0.11
shared=$(hat_state_dir)/shared-state
_hat_mkdir "$shared"
hsd_prepare ctl1 controller
root=$(hsd_root ctl1)
mkdir -p "$root/mnt/state"
# The shared folder where install.sh expects it, so it checks the mount and creates
# StateSaveLocation; the container gets the same folder with --bind.
mount --bind "$shared" "$root/mnt/state"
out=$(HA_BUILD_DIR=$HA_BUILD_DIR "$HA_SOURCE_DIR/install.sh" --root "$root" --controller \
        --config "$YAML" --host ctl1 2>&1) || { echo "$out"; exit 1; }
umount "$root/mnt/state"
t_match "install --root: slurmctld.service disabled for boot in the root" "$out" \
        "systemctl --root=$root disable slurmctld\.service"
t_match "install --root: keepalived enabled for boot, nothing started" "$out" \
        "systemctl --root=$root enable keepalived\.service|keepalived\.service: enabled in $root"
t_ok "install --root: the keepalived drop-in is in place" \
        test -f "$root/etc/systemd/system/keepalived.service.d/ha-slurm.conf"
t_ok "install --root: the journal catalog in place" \
        cmp "$HA_SOURCE_DIR/catalog/ha-slurm.catalog" "$root/usr/lib/systemd/catalog/ha-slurm.catalog"
t_ok "install --root: the manual pages in place" \
        test -f "$root/usr/share/man/man8/ha-notify-master.8" -a -f "$root/usr/share/man/man5/ha-slurm.conf.5"
t_match "install --root: the root's catalog database rebuilt" "$out" \
        "journalctl --root=$root --update-catalog"

t0=$(date +%s%3N)
hsd_boot ctl1 --bind="$shared:/mnt/state"
hsd_wait_booted ctl1
t_note "ctl1 booted in $(($(date +%s%3N) - t0)) ms"
if ((HSD_SANITIZED)); then
    t_match "sanitizer build: the installed check is the sanitized one" \
        "$(x ldd /usr/libexec/ha-slurm/ha-check-slurmctld)" 'libasan'
    t_match "sanitizer build: keepalived hands the sanitizers' options on (reports to files)" \
        "$(prop keepalived.service Environment)" "ASAN_OPTIONS=[^ ]*log_path=$HSD_SANITIZER_DIR/asan"
fi

# ---- the units ----
t_match "slurmctld.service is disabled" "$(x systemctl is-enabled slurmctld.service || true)" '^disabled$'
t_match "ha-slurmctld.service is static (no [Install]: nothing starts it at boot)" \
        "$(x systemctl is-enabled ha-slurmctld.service || true)" '^static$'
t_match "keepalived.service is enabled" "$(x systemctl is-enabled keepalived.service || true)" '^enabled$'
ka=$(x systemctl show keepalived.service -p After -p Wants -p RequiresMountsFor -p DropInPaths)
t_match "keepalived: After= munge.service" "$ka" $'(^|\n)After=.*\\bmunge\\.service\\b'
t_match "keepalived: After= remote-fs.target" "$ka" $'(^|\n)After=.*\\bremote-fs\\.target\\b'
t_match "keepalived: After= the shared mount's unit" "$ka" $'(^|\n)After=.*\\bmnt-state\\.mount\\b'
t_match "keepalived: Wants= munge.service" "$ka" $'(^|\n)Wants=.*\\bmunge\\.service\\b'
t_match "keepalived: RequiresMountsFor=/mnt/state" "$ka" $'(^|\n)RequiresMountsFor=/mnt/state(\n|$)'
t_match "keepalived: from install.sh's drop-in" "$ka" 'keepalived\.service\.d/ha-slurm\.conf'
t_match "ha-slurmctld: RequiresMountsFor= StateSaveLocation" \
        "$(prop ha-slurmctld.service RequiresMountsFor)" '^/mnt/state/slurmctld$'
t_match "ha-slurmctld: After= munge.service (slurmctld needs MUNGE from its start)" \
        "$(prop ha-slurmctld.service After)" '(^| )munge\.service( |$)'
ka_up=$(prop keepalived.service ActiveEnterTimestampMonotonic)
mu_up=$(prop munge.service ActiveEnterTimestampMonotonic)
mnt_up=$(prop mnt-state.mount ActiveEnterTimestampMonotonic)
t_ok "boot: munge was up before keepalived started ($mu_up < $ka_up us)" test "$mu_up" -gt 0 -a "$mu_up" -lt "$ka_up"
t_ok "boot: /mnt/state was mounted before keepalived started ($mnt_up < $ka_up us)" test "$mnt_up" -gt 0 -a "$mnt_up" -lt "$ka_up"

# ---- slurmctld only through the hook ----
in_control() { x "$HRPC" --timeout 1s 127.0.0.1 status 2>/dev/null | grep -q 'control=active'; }
promoted() { x journalctl -o cat MESSAGE_ID="$MID_PROMOTE" | grep -q '^promoted: '; }
hat_wait_for 60 promoted || true
t_ok "keepalived's hook brought slurmctld in control" in_control
ctl_up=$(prop ha-slurmctld.service ActiveEnterTimestampMonotonic)
t_ok "ha-slurmctld.service started after keepalived ($ka_up < $ctl_up us)" test "$ka_up" -lt "$ctl_up"
t_match "Debian's slurmctld.service never started" "$(prop slurmctld.service ActiveEnterTimestampMonotonic)" '^0$'
promote=$(x journalctl -o json --output-fields=HA_STEP,HA_RESULT,_SYSTEMD_UNIT,__MONOTONIC_TIMESTAMP \
        MESSAGE_ID="$MID_PROMOTE" SYSLOG_IDENTIFIER=ha-notify-master)
# The hook's first entry ("promoting") is written before it starts anything.
first_start=$(sed -n 's/.*"__MONOTONIC_TIMESTAMP" *: *"\([0-9]*\)".*/\1/p' <<<"$promote" | head -n 1)
t_ok "the hook's first entry precedes ha-slurmctld.service's start (${first_start:-none} <= $ctl_up)" \
        test -n "$first_start" -a "${first_start:-0}" -le "$ctl_up"
t_match "the hook ran in keepalived.service" "$promote" '"_SYSTEMD_UNIT" *: *"keepalived\.service"'
t_match "the hook's entries name their unit (OBJECT_SYSTEMD_UNIT, for journalctl -u)" \
        "$(x journalctl -o verbose -n 1 MESSAGE_ID="$MID_PROMOTE")" $'\n *OBJECT_SYSTEMD_UNIT=keepalived\\.service\n'

# ---- the check reads the unit through sd-bus ----
mainpid=$(prop ha-slurmctld.service MainPID)
chk=$(x /usr/libexec/ha-slurm/ha-check-slurmctld -v -c /etc/ha-slurm/ha-slurm.conf 2>&1 || true)
t_match "check: process probe = the unit's MainPID ($mainpid)" "$chk" "process +ok .*slurmctld runs, pid $mainpid\\b"
t_match "check: healthy VIP holder" "$chk" 'verdict: healthy: VIP holder'
# The drop-in made /run/ha-slurm before keepalived started on a fresh /run, so keepalived
# watches vrrp.holder: the lease holder's bonus (150 + 150, capped at 254).
ka_bonus() { x journalctl -u keepalived.service -o cat | grep -q 'VI_1) Changing effective priority from 150 to 254'; }
t_ok "keepalived: the lease holder's priority bonus (vrrp.holder, from the drop-in's state folder)" \
        hat_wait_for 5 ka_bonus
sed 's/^\[slurm\]$/[slurm]\nunit = hsd-none.service/' "$root/etc/ha-slurm/ha-slurm.conf" >"$root/etc/ha-slurm/none.conf"
chmod 0600 "$root/etc/ha-slurm/none.conf"
chk=$(x /usr/libexec/ha-slurm/ha-check-slurmctld -v -c /etc/ha-slurm/none.conf 2>&1 || true)
t_match "check: a unit that is not active fails the process probe" "$chk" 'process +FAIL.*hsd-none\.service is inactive'

# ---- journald ----
j=$(x journalctl -o verbose MESSAGE_ID="$MID_PROMOTE")
t_match "journalctl MESSAGE_ID=promote: the hook's steps" "$j" 'HA_STEP=in control'
t_match "journalctl MESSAGE_ID=promote: HA_RESULT, HA_DURATION_MS, HA_HINT" "$j" \
        'HA_RESULT=[a-z]+.*HA_DURATION_MS=[0-9.]+|HA_DURATION_MS=[0-9.]+.*HA_RESULT='
t_match "journalctl MESSAGE_ID=promote: SYSLOG_IDENTIFIER=ha-notify-master" "$j" 'SYSLOG_IDENTIFIER=ha-notify-master'
t_match "journalctl -u keepalived: the promotion" "$(x journalctl -u keepalived.service -o cat)" \
        'ha-notify-master.*promoted|promoted: slurmctld in control'
# The catalog (installed by install.sh --root, the database built there): journalctl -x puts
# its explanation under the entry, the entry's fields filled in.
jx=$(x journalctl -x -o short -n 1 MESSAGE_ID="$MID_PROMOTE")
t_match "journalctl -x MESSAGE_ID=promote: the catalog's subject, @HA_PROGRAM@ filled in" "$jx" \
        'Subject: ha-notify-master: promoting this node'
t_match "journalctl -x MESSAGE_ID=promote: the catalog's explanation" "$jx" \
        'A notify hook found the VIP on this node'
t_nomatch "journalctl -x MESSAGE_ID=promote: no @FIELD@ left" "$jx" '@[A-Z_]+@'
# One entry, named by its cursor: keepalived's check may log a newer one between two reads (the
# check above with none.conf changed the recorded verdict, so keepalived's next check logs the
# change back).
cursor=$(x journalctl -o export -n 1 MESSAGE_ID="$MID_CHECK" | sed -n 's/^__CURSOR=//p')
# (Each filter reads its input to the end: journalctl gets no SIGPIPE.)
reason=$(x journalctl -o verbose --cursor="$cursor" MESSAGE_ID="$MID_CHECK" |
        sed -n 's/^ *HA_REASON=//p' | sed -n 1p)
jx=$(x journalctl -x -o short --cursor="$cursor" MESSAGE_ID="$MID_CHECK" |
        awk 'NR == 1 { print; next } done { next } /^-- / { print; next } { done = 1 }')
t_match "journalctl -x MESSAGE_ID=check: @HA_PROGRAM@ and @HA_VERDICT@ filled in" "$jx" \
        'Subject: ha-check-slurmctld: health verdict changed to (healthy|unhealthy)'
# The explanation's lines start with "-- " (LANG=C), the reason on a line of its own.
t_ok "journalctl -x MESSAGE_ID=check: @HA_REASON@ filled in (${reason:-none})" \
        grep -qxF -- "--     ${reason:-no HA_REASON}" <<<"$jx"
t_nomatch "journalctl -x MESSAGE_ID=check: no @FIELD@ left" "$jx" '@[A-Z_]+@'

# ---- slurmctld is not keepalived's child ----
t_match "slurmctld runs in ha-slurmctld.service's cgroup" "$(x cat "/proc/$mainpid/cgroup")" 'ha-slurmctld\.service'
# shellcheck disable=SC2016  # $0 is the inner shell's
t_nomatch "keepalived's cgroup holds no slurmctld" \
        "$(x sh -c 'cat "/sys/fs/cgroup/systemd$0/cgroup.procs" 2>/dev/null || cat "/sys/fs/cgroup$0/cgroup.procs"' \
                "$(prop keepalived.service ControlGroup)" | tr '\n' ' ')" \
        "\\b$mainpid\\b"

# ---- common/svc.c against systemd ----
cat >"$root/etc/systemd/system/hsd-follower.service" <<'EOF'
[Service]
ExecStart=/bin/sleep infinity
EOF
cat >"$root/etc/systemd/system/hsd-stubborn.service" <<'EOF'
[Service]
ExecStart=/bin/sh -c 'trap "" TERM; exec sleep infinity'
EOF
printf '[Service]\nType=oneshot\nExecStart=/bin/sleep 60\n' >"$root/etc/systemd/system/hsd-slow.service"
printf '[Service]\nType=oneshot\nExecStart=/bin/false\n' >"$root/etc/systemd/system/hsd-fails.service"
x systemctl daemon-reload

o=$(x "$HSVC" hsd-follower.service state)
t_match "state: an inactive unit" "$o" 'result=ok .*running=no .*reason=hsd-follower\.service is inactive'
o=$(x "$HSVC" hsd-follower.service start)
t_match "start: waited for the job, then active with a pid" "$o" 'result=ok .*running=yes pid=[1-9]'
t_match "start: systemd agrees" "$(x systemctl is-active hsd-follower.service || true)" '^active$'
o=$(x "$HSVC" hsd-follower.service start)
t_match "start: an active unit is success" "$o" 'result=ok .*running=yes'
o=$(x "$HSVC" hsd-follower.service stop)
t_match "stop: waited for the job, then inactive" "$o" 'result=ok .*running=no'
t_match "stop: systemd agrees" "$(x systemctl is-active hsd-follower.service || true)" '^inactive$'
o=$(x "$HSVC" hsd-nosuch.service stop)
t_match "stop: a unit that does not exist is stopped already" "$o" 'result=ok'
o=$(x "$HSVC" hsd-nosuch.service start || true)
t_match "start: a unit that does not exist fails, with systemd's reason" "$o" 'result=failed .*not found'
o=$(x "$HSVC" hsd-fails.service start || true)
t_match "start: a failed start job is a failure" "$o" 'result=failed .*ended as \\?"failed\\?"'
o=$(x "$HSVC" --timeout 2s hsd-slow.service start || true)
ms=$(t_field ms "$o")
t_match "start: a job still running at the deadline times out" "$o" 'result=failed error=ETIMEDOUT'
t_ok "start: returned at its 2 s deadline (${ms} ms)" awk -v m="$ms" 'BEGIN { exit !(m >= 1990 && m < 4000) }'
x systemctl stop --no-block hsd-slow.service
x "$HSVC" hsd-stubborn.service start >/dev/null
o=$(x "$HSVC" --timeout 8s --kill-after 1s hsd-stubborn.service stop || true)
ms=$(t_field ms "$o")
t_match "stop: a unit that ignores SIGTERM is killed at --kill-after" "$o" 'result=ok .*running=no'
t_ok "stop: after the 1 s --kill-after, well before systemd's 90 s (${ms} ms)" \
        awk -v m="$ms" 'BEGIN { exit !(m >= 990 && m < 6000) }'

# ---- keepalived stopped: its drop-in's ExecStopPost demotes, with a follower ----
conf=$root/etc/ha-slurm/ha-slurm.conf
printf '\n[notify]\nfollowers = hsd-follower\n' >>"$conf"
x systemctl start hsd-follower.service
since=$(x date '+%Y-%m-%d %H:%M:%S')
t0=$(date +%s%3N)
x systemctl stop keepalived.service
t_note "systemctl stop keepalived (with the demotion): $(($(date +%s%3N) - t0)) ms"
j=$(x journalctl -u keepalived.service -o cat --since "$since" SYSLOG_IDENTIFIER=ha-notify-backup)
t_match "stop keepalived: ExecStopPost ran ha-notify-backup" "$j" 'demoting'
t_match "stop keepalived: follower stopped" "$j" 'stop follower: hsd-follower\.service: stopped'
t_match "stop keepalived: slurmctld stopped through systemd" "$j" 'stop slurmctld: stopped'
t_match "stop keepalived: lease released" "$j" 'release lease: released'
t_match "systemd: ha-slurmctld.service inactive" "$(x systemctl is-active ha-slurmctld.service || true)" '^inactive$'
t_match "systemd: hsd-follower.service inactive" "$(x systemctl is-active hsd-follower.service || true)" '^inactive$'
t_match "journalctl MESSAGE_ID=demote: the steps" "$(x journalctl -o cat MESSAGE_ID="$MID_DEMOTE")" \
        'stop follower.*(.|\n)*stop slurmctld'

# ---- keepalived restarted on the master: demoted in order, promoted again, no alarm ----
follower_up() { [[ $(x systemctl is-active hsd-follower.service || true) == active ]]; }
x systemctl start keepalived.service
hat_wait_for 60 eval 'in_control && follower_up' || true
t_ok "start keepalived: the promotion started the follower again" follower_up
pid1=$(prop ha-slurmctld.service MainPID)
inv1=$(prop hsd-follower.service InvocationID)
since=$(x date '+%Y-%m-%d %H:%M:%S')
x systemctl restart keepalived.service
restarted() { in_control && [[ $(prop ha-slurmctld.service MainPID) != "$pid1" ]]; }
follower_again() { follower_up && [[ $(prop hsd-follower.service InvocationID) != "$inv1" ]]; }
hat_wait_for 60 restarted || true
t_ok "restart keepalived: slurmctld in control again (a new one)" restarted
hat_wait_for 30 follower_again || true
t_ok "restart keepalived: the follower unit active again, a new invocation (started by the promotion)" \
        follower_again
j=$(x journalctl -u keepalived.service -o cat --since "$since")
t_match "restart keepalived: the follower stopped by the demotion, then started by the promotion" "$j" \
        'stop follower: hsd-follower\.service: stopped(.|\n)*start follower: hsd-follower\.service: started'
t_nomatch "restart keepalived: no split-brain alarm, no FAULT" "$j" 'SPLIT BRAIN|Entering FAULT'

# ---- install.sh again, in the running container, with a changed YAML ----
# The YAML where install.sh looks by default, with another VRRP advert interval; the unit as
# an older install.sh left it (no After=munge.service), loaded; the catalog and its database
# gone. The sources and the build are bound in at the same paths.
sed 's/^\( *advert_int:\) 1$/\1 2/' "$YAML" >"$root/etc/ha-slurm/cluster.yaml"
t_match "the new YAML has advert_int 2" "$(cat "$root/etc/ha-slurm/cluster.yaml")" 'advert_int: 2'
unit=$root/etc/systemd/system/ha-slurmctld.service
sed -i 's/^After=network-online.target munge.service$/After=network-online.target/' "$unit"
x systemctl daemon-reload
t_nomatch "the older unit is loaded (After= without munge)" "$(prop ha-slurmctld.service After)" 'munge'
rm -f "$root/usr/lib/systemd/catalog/ha-slurm.catalog" "$root/var/lib/systemd/catalog/database"
ka_pid=$(prop keepalived.service MainPID)
# ka_runs_advert N: keepalived's own dump of what it runs (SIGUSR1: /tmp/keepalived.data) has
# the advert interval N s.
ka_dump_has() { x grep -q "Advert interval = $1 sec" /tmp/keepalived.data 2>/dev/null; }
ka_runs_advert() {
        x rm -f /tmp/keepalived.data
        x kill -USR1 "$(prop keepalived.service MainPID)"
        hat_wait_for 5 ka_dump_has "$1"
}
t_ok "before: keepalived runs advert_int 1 (its SIGUSR1 dump)" ka_runs_advert 1
ctl_inv=$(prop ha-slurmctld.service InvocationID)
ctl_pid=$(prop ha-slurmctld.service MainPID)
since=@$(date +%s.%6N)
install_in() { x env "HA_BUILD_DIR=$HA_BUILD_DIR" "$HA_SOURCE_DIR/install.sh" --controller --host ctl1 2>&1; }
t0=$(date +%s%3N)
out=$(install_in) || { echo "$out"; t_ok "install.sh in the container: exit 0" false; }
t_note "install.sh in the running container (changes): $(($(date +%s%3N) - t0)) ms"
t_match "install again: keepalived.conf changed" "$out" '/etc/keepalived/keepalived\.conf: changed'
t_nomatch "install again: no warning" "$out" 'warning:'
t_match "install again: keepalived.conf has the new advert_int" \
        "$(cat "$root/etc/keepalived/keepalived.conf")" $'(^|\n)[[:space:]]*advert_int 2(\n|$)'
t_match "install again: the unit rewritten, then systemctl daemon-reload" "$out" \
        'ha-slurmctld\.service: changed(.|\n)*systemctl daemon-reload'
t_match "install again: systemd has the unit as written (After= munge.service)" \
        "$(prop ha-slurmctld.service After)" '(^| )munge\.service( |$)'
t_match "install again: systemd needs no daemon-reload" "$(prop ha-slurmctld.service NeedDaemonReload)" '^no$'
t_match "install again: systemctl reload keepalived.service" "$out" 'systemctl reload keepalived\.service'
t_match "install again: keepalived's MainPID the same (reloaded, not restarted)" \
        "$(prop keepalived.service MainPID)" "^$ka_pid\$"
t_match "install again: keepalived reloaded its file (its own journal lines)" \
        "$(x journalctl -u keepalived.service -o short --since "$since")" \
        'Keepalived\[[0-9]+\]: Reloading(.|\n)*Keepalived\[[0-9]+\]: Reload complete'
t_ok "install again: keepalived runs advert_int 2 (its SIGUSR1 dump)" ka_runs_advert 2
t_match "install again: no systemctl start or restart" "$(grep -E '^ +systemctl (start|restart) ' <<<"$out" || true)" '^$'
t_match "install again: slurmctld not started or restarted (same invocation, same pid)" \
        "$(prop ha-slurmctld.service InvocationID) $(prop ha-slurmctld.service MainPID)" "^$ctl_inv $ctl_pid\$"
t_match "install again: Debian's slurmctld.service still never started" \
        "$(prop slurmctld.service ActiveEnterTimestampMonotonic)" '^0$'
t_ok "install again: still in control" in_control
t_match "install again: the catalog installed, its database rebuilt (journalctl --update-catalog)" "$out" \
        '/usr/lib/systemd/catalog/ha-slurm\.catalog: written(.|\n)*journalctl --update-catalog'
t_match "install again: journalctl -x explains again" \
        "$(x journalctl -x -o short -n 1 MESSAGE_ID="$MID_PROMOTE")" 'Subject: ha-notify-master: promoting this node'
since=@$(date +%s.%6N)
t0=$(date +%s%3N)
out=$(install_in) || { echo "$out"; t_ok "install.sh in the container, third run: exit 0" false; }
t_note "install.sh in the running container (nothing to change): $(($(date +%s%3N) - t0)) ms"
t_match "install a third time: nothing to change" "$out" 'done: nothing to change'
t_match "install a third time: no systemctl call that changes anything" \
        "$(grep -E '^ +(systemctl|journalctl) ' <<<"$out" || true)" '^$'
t_nomatch "install a third time: keepalived not reloaded" \
        "$(x journalctl -u keepalived.service -o cat --since "$since")" 'Reloading'
t_match "install a third time: keepalived's MainPID the same" "$(prop keepalived.service MainPID)" "^$ka_pid\$"

hsd_no_sanitizer_reports
t_done
