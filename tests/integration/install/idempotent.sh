#!/bin/bash
# idempotent.sh - a real install.sh run with --root installs every file with the expected
# owner and mode, the hooks where keepalived's script security accepts them, and exactly what
# ha-genconf generates; a second run changes nothing; a changed YAML replaces only the files
# that differ, keeping the old ones as .bak; a compute node gets slurm.conf only; a target
# with its own /etc/passwd gets its users there.
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "$(readlink -f "$0")")/common.sh"

HOOKS_DIR=/usr/libexec/ha-slurm

# ---- a controller, first run ----
R=$(new_root)
run_install --controller --config "$YAML" --host "$CTL" --root "$R" --new-munge-key
t_ok "first run: exit 0" test "$RC" -eq 0
t_match "first run: files written" "$OUT" '/etc/keepalived/keepalived\.conf: written'
stat_is "slurm.conf 0644 root" "$R/etc/slurm/slurm.conf" "644 root:root"
stat_is "ha-slurmctld.conf 0644 root" "$R/etc/slurm/ha-slurmctld.conf" "644 root:root"
stat_is "keepalived.conf 0644 root" "$R/etc/keepalived/keepalived.conf" "644 root:root"
stat_is "ha-slurm.conf 0600 root" "$R/etc/ha-slurm/ha-slurm.conf" "600 root:root"
stat_is "ha-slurmctld.service 0644 root" "$R/etc/systemd/system/ha-slurmctld.service" "644 root:root"
stat_is "munge.key 0600 munge" "$R/etc/munge/munge.key" "600 munge:munge"
stat_is "/etc/ha-slurm 0755 root" "$R/etc/ha-slurm" "755 root:root"
stat_is "/var/log/slurm 0755 slurm" "$R/var/log/slurm" "755 slurm:slurm"
stat_is "/run/ha-slurm 0700 root (as the hooks make it)" "$R/run/ha-slurm" "700 root:root"
for h in ha-check-slurmctld ha-notify-master ha-notify-backup ha-notify-fault; do
        stat_is "hook $h 0755 root" "$R$HOOKS_DIR/$h" "755 root:root"
        t_ok "hook $h is the built program" cmp -s "$HA_BUILD_DIR/hooks/$h" "$R$HOOKS_DIR/$h"
done

# keepalived's enable_script_security: the file and every folder on its path are root's and
# not writable by group or others (the root itself stands for "/").
bad=
p=$HOOKS_DIR/ha-check-slurmctld
while :; do
        read -r mode uid < <(stat -c '%a %u' "$R$p")
        if [[ $uid != 0 ]] || (((8#$mode & 8#022) != 0)); then
                bad+=" $p($mode,$uid)"
        fi
        [[ $p == / ]] && break
        p=${p%/*}
        [[ -n $p ]] || p=/
done
t_ok "script security: every folder up to / is root's, not group/other-writable${bad:+:$bad}" test -z "$bad"
t_match "the run says the hooks pass script security" "$OUT" 'script security: /usr/libexec/ha-slurm and every folder above it'
t_ok "keepalived.conf runs the installed hooks" \
        grep -q "\"$HOOKS_DIR/ha-check-slurmctld -c /etc/ha-slurm/ha-slurm.conf\"" "$R/etc/keepalived/keepalived.conf"

# The files are exactly what ha-genconf writes for this host.
G=$TMP/genconf
"$GENCONF" --config "$YAML" --host "$CTL" --output-dir "$G" >/dev/null
t_ok "slurm.conf is ha-genconf's" cmp -s "$G/slurm.conf" "$R/etc/slurm/slurm.conf"
t_ok "ha-slurmctld.conf is ha-genconf's" cmp -s "$G/ha-slurmctld.conf" "$R/etc/slurm/ha-slurmctld.conf"
t_ok "keepalived.conf is ha-genconf's" cmp -s "$G/keepalived.conf" "$R/etc/keepalived/keepalived.conf"
t_ok "ha-slurm.conf is ha-genconf's" cmp -s "$G/ha-slurm.conf" "$R/etc/ha-slurm/ha-slurm.conf"
t_ok "no slurmdbd.conf where the host runs no slurmdbd" test ! -e "$R/etc/slurm/slurmdbd.conf"
t_ok "the unit starts slurmctld with ha-slurmctld.conf" \
        grep -q '^ExecStart=/usr/sbin/slurmctld -D -s -f /etc/slurm/ha-slurmctld.conf' "$R/etc/systemd/system/ha-slurmctld.service"
t_ok "the unit cannot be enabled (no [Install])" bash -c "! grep -q '^\[Install\]' '$R/etc/systemd/system/ha-slurmctld.service'"
t_ok "no temporary file left in the root" test -z "$(find "$R" -name '.*.??????')"
# The units come from the templates (etc/systemd/ha-slurmctld.service,
# keepalived/keepalived.service.d/ha-slurm.conf): placeholders filled, template comments left out.
UNIT=$R/etc/systemd/system/ha-slurmctld.service
DROPIN=$R/etc/systemd/system/keepalived.service.d/ha-slurm.conf
stat_is "the keepalived drop-in 0644 root" "$DROPIN" "644 root:root"
t_ok "the unit waits for StateSaveLocation's mount" grep -qx 'RequiresMountsFor=/mnt/gluster/slurm/state' "$UNIT"
t_ok "the unit names slurmctld's pid file" grep -qx 'PIDFile=/run/slurmctld.pid' "$UNIT"
t_ok "the drop-in waits for the shared mount" grep -qx 'RequiresMountsFor=/mnt/gluster' "$DROPIN"
t_ok "the drop-in runs the backup hook when keepalived stops" \
        grep -qx "ExecStopPost=-$HOOKS_DIR/ha-notify-backup -c /etc/ha-slurm/ha-slurm.conf" "$DROPIN"
t_ok "the drop-in creates the state folder keepalived watches" \
        grep -qx "ExecStartPre=/bin/mkdir -p -m 0700 /run/ha-slurm" "$DROPIN"
t_nomatch "the units: no placeholder or template comment (\"#@\") left" "$(cat "$UNIT" "$DROPIN")" '@'
t_match "the units: their own comments kept" "$(head -n 1 "$UNIT"; head -n 1 "$DROPIN")" \
        "^# ha-slurmctld\\.service, written by ha-slurm's install\\.sh.*"$'\n'"# Written by ha-slurm's install\\.sh"
# A value that looks like a placeholder is written as it is (one pass), not filled in again.
# shellcheck disable=SC2016 # sed's "$a" command, and "@...@" written as they are
AY=$(yaml_with -e 's|mount_point: /mnt/gluster|mount_point: /srv/@HOOKS_DIR@|' -e '$a ha:\n  hooks_dir: /opt/h@MOUNT_POINT@')
A=$(new_root)
run_install --controller --config "$AY" --host "$CTL" --root "$A" --new-munge-key
t_ok "placeholder-like paths: exit 0" test "$RC" -eq 0
t_ok "placeholder-like paths: the mount point as written" \
        grep -qx 'RequiresMountsFor=/srv/@HOOKS_DIR@' "$A/etc/systemd/system/keepalived.service.d/ha-slurm.conf"
t_ok "placeholder-like paths: the hooks folder as written" \
        grep -qx 'ExecStopPost=-/opt/h@MOUNT_POINT@/ha-notify-backup -c /etc/ha-slurm/ha-slurm.conf' \
        "$A/etc/systemd/system/keepalived.service.d/ha-slurm.conf"

# ---- the second run changes nothing ----
before=$(listing "$R")
run_install --controller --config "$YAML" --host "$CTL" --root "$R"
t_ok "second run: exit 0" test "$RC" -eq 0
t_match "second run: nothing to change" "$OUT" 'done: nothing to change'
t_nomatch "second run: nothing written, created, replaced or set" "$OUT" ': (written|changed|created|replaced|same content)'
for f in /etc/slurm/slurm.conf /etc/slurm/ha-slurmctld.conf /etc/keepalived/keepalived.conf \
        /etc/ha-slurm/ha-slurm.conf "$HOOKS_DIR/ha-notify-master"; do
        t_match "second run: $f unchanged" "$OUT" "$f: unchanged"
done
t_match "second run: the MUNGE key kept" "$OUT" 'munge\.key: present, kept'
t_same "second run: the root is identical (content, modes, owners, inodes, times)" "$before" "$(listing "$R")"
t_ok "second run: no .bak" test -z "$(find "$R" -name '*.bak')"

# ---- a changed YAML: only what differs is replaced, the old file kept as .bak ----
old_slurm=$(sha256sum <"$R/etc/slurm/slurm.conf")
Y2=$(yaml_with 's/cpus: 2/cpus: 4/')
run_install --controller --config "$Y2" --host "$CTL" --root "$R"
t_ok "changed YAML: exit 0" test "$RC" -eq 0
t_match "changed YAML: slurm.conf changed, old one kept" "$OUT" '/etc/slurm/slurm\.conf: changed \(the old one kept as /etc/slurm/slurm\.conf\.bak\)'
t_ok "slurm.conf.bak holds the old file" test "$old_slurm" == "$(sha256sum <"$R/etc/slurm/slurm.conf.bak")"
t_ok "slurm.conf holds the new node line" grep -q '^NodeName=cn1 CPUs=4 ' "$R/etc/slurm/slurm.conf"
stat_is "slurm.conf still 0644 root" "$R/etc/slurm/slurm.conf" "644 root:root"
baks=$(cd "$R" && find . -name '*.bak' | sort | tr '\n' ' ')
t_ok "only the two changed files have a .bak ($baks)" \
        test "$baks" == "./etc/slurm/ha-slurmctld.conf.bak ./etc/slurm/slurm.conf.bak "
before=$(listing "$R")
run_install --controller --config "$Y2" --host "$CTL" --root "$R"
t_ok "and once more: exit 0" test "$RC" -eq 0
t_same "and once more: nothing changed" "$before" "$(listing "$R")"

# ---- a mode changed by hand is set back, content untouched, no .bak ----
chmod 0644 "$R/etc/ha-slurm/ha-slurm.conf"
run_install --controller --config "$Y2" --host "$CTL" --root "$R"
t_match "ha-slurm.conf mode set back" "$OUT" 'ha-slurm\.conf: same content; set 0600 root \(was 644 0:0\)'
stat_is "ha-slurm.conf 0600 again" "$R/etc/ha-slurm/ha-slurm.conf" "600 root:root"
t_ok "no .bak for a mode change" test ! -e "$R/etc/ha-slurm/ha-slurm.conf.bak"

# ---- a compute node: slurm.conf only ----
C=$(new_root)
mkdir -p "$C/etc/munge"
cp "$R/etc/munge/munge.key" "$C/etc/munge/munge.key"
chown -R munge:munge "$C/etc/munge"
chmod 0700 "$C/etc/munge"
run_install --compute --config "$YAML" --host "$CN" --root "$C"
t_ok "compute: exit 0" test "$RC" -eq 0
files=$(cd "$C" && find . -type f | sort | tr '\n' ' ')
t_ok "compute: slurm.conf is the only file installed ($files)" \
        test "$files" == "./etc/munge/munge.key ./etc/slurm/slurm.conf "
"$GENCONF" --config "$YAML" --host "$CN" --output-dir "$TMP/gencn" >/dev/null
t_ok "compute: slurm.conf is ha-genconf's (every controller listed)" cmp -s "$TMP/gencn/slurm.conf" "$C/etc/slurm/slurm.conf"
stat_is "compute: /var/spool/slurmd 0755 root" "$C/var/spool/slurmd" "755 root:root"
t_ok "compute: no hooks" test ! -e "$C/usr/libexec/ha-slurm"
t_match "compute: slurmd named for the services" "$OUT" 'enables and starts munge and slurmd'
before=$(listing "$C")
run_install --compute --config "$YAML" --host "$CN" --root "$C"
t_ok "compute, second run: exit 0" test "$RC" -eq 0
t_same "compute, second run: nothing changed" "$before" "$(listing "$C")"

# ---- power fencing: the fence agents' options, root's alone ----
fence_block() { # fence_block HOST IP: HOST's fence, in a file to insert after its hostname line
        printf '%s\n' "      fence:" "        agent: /usr/sbin/fence_ipmilan" "        options:" \
                "          ip: $2" "          username: admin" "          lanplus: 1" \
                "        password_env: HA_TEST_BMC_PASS_$1" >"$TMP/fence-$1"
}
fence_block ctl1 10.213.0.211
fence_block ctl2 10.213.0.212
FY=$(yaml_with -e "/^    - hostname: ctl1\$/r $TMP/fence-ctl1" -e "/^    - hostname: ctl2\$/r $TMP/fence-ctl2")
F=$(new_root)
export HA_TEST_BMC_PASS_ctl1=secret-one HA_TEST_BMC_PASS_ctl2=secret-two
run_install --controller --config "$FY" --host "$CTL" --root "$F" --new-munge-key
t_ok "fencing: exit 0" test "$RC" -eq 0
stat_is "fencing: /etc/ha-slurm/fence 0700 root" "$F/etc/ha-slurm/fence" "700 root:root"
stat_is "fencing: ctl2's options 0600 root" "$F/etc/ha-slurm/fence/ctl2.conf" "600 root:root"
t_ok "fencing: none for this host itself" test ! -e "$F/etc/ha-slurm/fence/ctl1.conf"
t_ok "fencing: ctl2's options hold its password" \
        grep -qxF "password=secret-two" "$F/etc/ha-slurm/fence/ctl2.conf"
t_ok "fencing: ha-slurm.conf names them" \
        grep -qxF "options = /etc/ha-slurm/fence/ctl2.conf" "$F/etc/ha-slurm/ha-slurm.conf"
t_nomatch "fencing: no password in install.sh's output" "$OUT" 'secret-'
before=$(listing "$F")
run_install --controller --config "$FY" --host "$CTL" --root "$F"
t_ok "fencing, second run: exit 0" test "$RC" -eq 0
t_same "fencing, second run: nothing changed" "$before" "$(listing "$F")"
export HA_TEST_BMC_PASS_ctl2=secret-three
run_install --controller --config "$FY" --host "$CTL" --root "$F" --dry-run
t_match "fencing, a new password, dry run: the change is shown masked" "$OUT" '\+password=\(hidden\)'
t_nomatch "... and never the password" "$OUT" 'secret-'
unset HA_TEST_BMC_PASS_ctl1 HA_TEST_BMC_PASS_ctl2

# ---- a target with its own user database (an image): users come from and go to it ----
I=$(new_root)
mkdir -p "$I/etc"
for f in passwd group shadow gshadow; do
        grep -v '^slurm:' "/etc/$f" >"$I/etc/$f"
done
chmod 0640 "$I/etc/shadow" "$I/etc/gshadow"
[[ ! -f /etc/login.defs ]] || cp /etc/login.defs "$I/etc/"
host_users=$(sha256sum /etc/passwd /etc/group /etc/shadow /etc/gshadow)
run_install --controller --config "$YAML" --host "$CTL" --root "$I" --new-munge-key
t_ok "image root: exit 0" test "$RC" -eq 0
t_match "image root: slurm created in the target" "$OUT" 'user slurm: created'
uid=$(awk -F: '$1 == "slurm" { print $3 }' "$I/etc/passwd")
t_ok "image root: slurm is in the target's passwd (uid $uid)" test -n "$uid"
t_ok "image root: /var/log/slurm is owned by the target's slurm uid" test "$(stat -c %u "$I/var/log/slurm")" == "$uid"
t_ok "image root: this machine's user database is untouched" \
        test "$host_users" == "$(sha256sum /etc/passwd /etc/group /etc/shadow /etc/gshadow)"

t_done
