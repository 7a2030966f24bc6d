#!/bin/bash
# errors.sh - every refusal of install.sh names what is wrong, exits non-zero and changes
# nothing, on a clean root and on an installed one: usage errors, a YAML file with errors
# (ha-genconf's FILE:LINE:COLUMN messages passed through), a host in the wrong role, no MUNGE
# key, a hooks folder keepalived's script security would refuse, a part of the installer or a
# unit template missing, a template placeholder without a value, the shared storage mounted
# with the wrong type (in a private mount namespace).
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "$(readlink -f "$0")")/common.sh"

# ---- usage ----
R=$(new_root)
run_install --config "$YAML" --host "$CTL" --root "$R"
t_ok "no role: usage error (exit 2)" test "$RC" -eq 2
t_match "no role: says which options" "$OUT" 'give --controller or --compute'
run_install --controller --compute --config "$YAML" --root "$R"
t_ok "both roles: usage error" test "$RC" -eq 2
run_install --compute --dbd --config "$YAML" --root "$R"
t_ok "--dbd with --compute: usage error" test "$RC" -eq 2
run_install --controller --bogus
t_ok "an unknown option: usage error" test "$RC" -eq 2
run_install --controller --config "$TMP/nothere.yaml" --host "$CTL" --root "$R"
t_ok "a missing configuration file: configuration error (exit 2)" test "$RC" -eq 2
t_match "a missing configuration file: named" "$OUT" "no configuration file $TMP/nothere\\.yaml"
t_ok "usage errors: the root is still empty" test -z "$(ls -A "$R")"

# ---- a YAML file with errors ----
BAD=$(yaml_with -e 's/10\.213\.0\.12/10.213.0.11/' -e 's/real_memory:/realmem:/' -e 's/cpus: 2/cpus: two/')
run_install --controller --config "$BAD" --host "$CTL" --root "$R" --new-munge-key
t_ok "bad YAML: configuration error (exit 2)" test "$RC" -eq 2
t_match "bad YAML: ha-genconf's FILE:LINE:COLUMN messages passed through" "$OUT" "$BAD:[0-9]+:[0-9]+: nodes\\.controllers\\[1\\]\\.ip_address: duplicate address"
t_match "bad YAML: every problem, not only the first" "$OUT" "$BAD:[0-9]+:[0-9]+: nodes\\.compute_nodes\\[0\\]\\.realmem: unknown key"
t_match "bad YAML: says nothing was written" "$OUT" 'has errors \(above\): nothing was written'
t_nomatch "bad YAML: stops at step 3" "$OUT" '\[4/13\]'
t_ok "bad YAML: the root is still empty" test -z "$(ls -A "$R")"
run_install --controller --config "$BAD" --host "$CTL" --root "$R" --dry-run --new-munge-key
t_ok "bad YAML, dry run: configuration error too" test "$RC" -eq 2

# On an installed root, a bad YAML changes nothing either.
run_install --controller --config "$YAML" --host "$CTL" --root "$R" --new-munge-key
t_ok "install for the next checks: exit 0" test "$RC" -eq 0
before=$(listing "$R")
run_install --controller --config "$BAD" --host "$CTL" --root "$R"
t_ok "bad YAML on an installed root: configuration error" test "$RC" -eq 2
t_same "bad YAML on an installed root: nothing changed" "$before" "$(listing "$R")"

# ---- the host in the wrong role, or not in the file ----
run_install --compute --config "$YAML" --host "$CTL" --root "$R"
t_ok "--compute on a controller: configuration error" test "$RC" -eq 2
t_match "--compute on a controller: says to use --controller" "$OUT" 'ctl1 is a controller in .*: run with --controller'
run_install --controller --config "$YAML" --host "$CN" --root "$R"
t_ok "--controller on a compute node: configuration error" test "$RC" -eq 2
t_match "--controller on a compute node: says so" "$OUT" 'cn1 is not a controller running slurmctld'
run_install --controller --config "$YAML" --host nosuch --root "$R"
t_ok "an unknown host: configuration error" test "$RC" -eq 2
t_match "an unknown host: ha-genconf's message" "$OUT" 'no host "nosuch" in nodes\.controllers or nodes\.compute_nodes'
run_install --controller --dbd --config "$YAML" --host "$CTL" --root "$R"
t_ok "--dbd where the host runs no slurmdbd: configuration error" test "$RC" -eq 2
t_match "--dbd: says the host runs no slurmdbd" "$OUT" '--dbd: ctl1 does not run slurmdbd'
t_same "wrong roles: nothing changed" "$before" "$(listing "$R")"

# ---- the MUNGE key ----
K=$(new_root)
run_install --controller --config "$YAML" --host ctl2 --root "$K"
t_ok "no MUNGE key: refused" test "$RC" -eq 1
t_match "no MUNGE key: says to copy the cluster's key from another host" "$OUT" 'no MUNGE key .*scp ctl1:/etc/munge/munge\.key'
t_match "no MUNGE key: names --new-munge-key for the first controller" "$OUT" 'Only on the first controller.*--new-munge-key'
t_ok "no MUNGE key: the root is still empty" test -z "$(ls -A "$K")"
key=$(sha256sum <"$R/etc/munge/munge.key")
run_install --controller --config "$YAML" --host "$CTL" --root "$R" --new-munge-key
t_match "--new-munge-key with a key present: kept" "$OUT" 'a key exists, so it is kept'
t_ok "--new-munge-key with a key present: the key is the same" test "$key" == "$(sha256sum <"$R/etc/munge/munge.key")"

# ---- keepalived's script security ----
S=$(new_root)
mkdir -p "$S/usr/libexec"
chmod 0775 "$S/usr/libexec"
before=$(listing "$S")
run_install --controller --config "$YAML" --host "$CTL" --root "$S" --new-munge-key
t_ok "a group-writable /usr/libexec: refused" test "$RC" -eq 1
t_match "script security: names the folder and the fix" "$OUT" "script security would refuse the hooks: $S/usr/libexec is mode 775.*chmod go-w"
t_same "script security: nothing changed" "$before" "$(listing "$S")"
chmod 0755 "$S/usr/libexec"
chown 1:1 "$S/usr"
before=$(listing "$S")
run_install --controller --config "$YAML" --host "$CTL" --root "$S" --new-munge-key
t_ok "a /usr not owned by root: refused" test "$RC" -eq 1
t_match "script security: names the owner" "$OUT" "$S/usr is mode 755, owned by uid 1"
t_same "script security (owner): nothing changed" "$before" "$(listing "$S")"

# ---- one dry run reports every problem a real run would stop at ----
P=$(new_root)
mkdir -p "$P/usr/libexec"
chmod 0775 "$P/usr/libexec"
before=$(listing "$P")
run_install --controller --config "$YAML" --host ctl2 --root "$P" --dry-run
t_ok "two problems, dry run: exit 1" test "$RC" -eq 1
t_match "two problems: the MUNGE key" "$OUT" 'no MUNGE key'
t_match "two problems: script security" "$OUT" 'script security would refuse the hooks'
t_match "two problems: every step still shown" "$OUT" '\[13/13\] Services'
t_match "two problems: counted in the summary" "$OUT" 'dry run: 2 problem\(s\) \(above\): a real run would stop before changing anything'
t_same "two problems, dry run: nothing changed" "$before" "$(listing "$P")"

# ---- the installer's own files: a part or a template missing, a placeholder without a value ----
# A copy of the source tree's installer (install.sh, install/*.sh, the unit templates).
T=$TMP/tree
mkdir -p "$T"
cp -a "$SRC/install.sh" "$SRC/CMakeLists.txt" "$SRC/install" "$SRC/etc" "$SRC/keepalived" "$T/"
E=$(new_root)
mv "$T/install/host.sh" "$TMP/host.sh"
RC=0
OUT=$("$T/install.sh" --controller --config "$YAML" --host "$CTL" --root "$E" --new-munge-key 2>&1) || RC=$?
t_ok "a part missing: system error (exit 3)" test "$RC" -eq 3
t_match "a part missing: named" "$OUT" "a part of the installer is missing: $T/install/host\.sh"
mv "$TMP/host.sh" "$T/install/host.sh"
mv "$T/keepalived/keepalived.service.d/ha-slurm.conf" "$TMP/dropin.conf"
RC=0
OUT=$("$T/install.sh" --controller --config "$YAML" --host "$CTL" --root "$E" --new-munge-key 2>&1) || RC=$?
t_ok "a template missing: system error (exit 3)" test "$RC" -eq 3
t_match "a template missing: named" "$OUT" \
        "a template of the installer is missing: $T/keepalived/keepalived\.service\.d/ha-slurm\.conf"
t_match "a template missing: stopped before changing anything" "$OUT" 'stopped before changing anything'
mv "$TMP/dropin.conf" "$T/keepalived/keepalived.service.d/ha-slurm.conf"
sed -i 's|^PIDFile=.*|PIDFile=@PIDFILE@|' "$T/etc/systemd/ha-slurmctld.service"
RC=0
OUT=$("$T/install.sh" --controller --config "$YAML" --host "$CTL" --root "$E" --new-munge-key 2>&1) || RC=$?
t_ok "a placeholder without a value: system error (exit 3)" test "$RC" -eq 3
t_match "a placeholder without a value: the template, line and name" "$OUT" \
        "$T/etc/systemd/ha-slurmctld\.service:[0-9]+: no value for @PIDFILE@"
t_ok "the installer's own files: the root is still empty" test -z "$(ls -A "$E")"

# ---- the shared storage: mounted with the wrong type ----
# A private mount namespace: the tmpfs is seen by this test's install.sh only.
M=$(new_root)
mkdir -p "$M/mnt/gluster"
if unshare -m --propagation private true 2>/dev/null; then
        before=$(listing "$M")
        RC=0
        # shellcheck disable=SC2016 # the inner shell expands them
        OUT=$(unshare -m --propagation private bash -c \
                'mount -t tmpfs ha-install-test "$1/mnt/gluster" && exec "$2" --controller --config "$3" --host ctl1 --root "$1" --new-munge-key' \
                - "$M" "$INSTALL" "$YAML" 2>&1) || RC=$?
        t_ok "tmpfs where fuse.glusterfs is expected: refused" test "$RC" -eq 1
        t_match "wrong storage type: says what is mounted and what is expected" "$OUT" '/mnt/gluster is mounted as tmpfs, not fuse\.glusterfs'
        t_same "wrong storage type: nothing changed" "$before" "$(listing "$M")"

        # With the type the YAML expects, the shared folder is made on the mount.
        TY=$(yaml_with 's|^    mount_point: /mnt/gluster$|    mount_point: /mnt/gluster\n    fstype: tmpfs|')
        RC=0
        # shellcheck disable=SC2016 # the inner shell expands them
        OUT=$(unshare -m --propagation private bash -c \
                'mount -t tmpfs ha-install-test "$1/mnt/gluster" && "$2" --controller --config "$3" --host ctl1 --root "$1" --new-munge-key && stat -c "state=%a %U:%G" "$1/mnt/gluster/slurm/state"' \
                - "$M" "$INSTALL" "$TY" 2>&1) || RC=$?
        t_ok "the expected storage type: exit 0" test "$RC" -eq 0
        t_match "the mount is checked" "$OUT" '/mnt/gluster: mounted, tmpfs'
        t_match "StateSaveLocation made on the mount, slurm's, 0755" "$OUT" 'state=755 slurm:slurm'
else
        t_note "unshare -m is not available here: the mount checks are not run"
fi

t_done
