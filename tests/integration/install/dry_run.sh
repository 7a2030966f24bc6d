#!/bin/bash
# dry_run.sh - install.sh --dry-run prints every step and the diff of every file it would
# change, and changes nothing: on a clean root (every file "new file", the root stays empty)
# and on an installed one (no diff; after a YAML change, only the diff of what differs).
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "$(readlink -f "$0")")/common.sh"

t_note "cluster: $YAML"

# ---- a clean root ----
R=$(new_root)
run_install --controller --config "$YAML" --host "$CTL" --root "$R" --dry-run --new-munge-key
t_ok "dry run on a clean root: exit 0" test "$RC" -eq 0
for n in $(seq 1 13); do
        t_match "step $n/13 printed" "$OUT" "\\[$n/13\\] [A-Z]"
done
t_match "step 3 is the configuration" "$OUT" '\[3/13\] Load configuration \.\.\.'
for f in /etc/slurm/slurm.conf /etc/slurm/ha-slurmctld.conf /etc/keepalived/keepalived.conf \
        /etc/ha-slurm/ha-slurm.conf /usr/libexec/ha-slurm/ha-check-slurmctld \
        /usr/libexec/ha-slurm/ha-notify-master; do
        t_match "clean root: $f is a new file" "$OUT" "$f: new file"
done
t_match "clean root: the modes are announced" "$OUT" 'ha-slurm\.conf: new file \(0600 root\)'
t_match "clean root: a new MUNGE key is announced, not made" "$OUT" 'munge\.key: would create'
t_match "packages are skipped under --root, with a line" "$OUT" 'skipped under --root: the target needs'
t_match "services are skipped under --root, with a line" "$OUT" 'skipped under --root: on the target this step'
t_match "the summary says nothing changed" "$OUT" 'dry run: [0-9]+ change\(s\) planned, nothing changed'
t_ok "clean root: still empty after the dry run" test -z "$(ls -A "$R")"

# A compute node needs the cluster's MUNGE key first (no --new-munge-key there).
run_install --compute --config "$YAML" --host "$CN" --root "$R" --dry-run
t_ok "compute dry run without a MUNGE key: refused" test "$RC" -eq 1
t_match "compute without a key: says to copy the cluster's key" "$OUT" 'no MUNGE key .*scp ctl1:/etc/munge/munge\.key'
t_ok "clean root: still empty after the refused dry run" test -z "$(ls -A "$R")"
C=$(new_root)
mkdir -p "$C/etc/munge"
head -c 128 /dev/urandom >"$C/etc/munge/munge.key"
chown -R munge:munge "$C/etc/munge"
chmod 0700 "$C/etc/munge"
chmod 0600 "$C/etc/munge/munge.key"
before=$(listing "$C")
run_install --compute --config "$YAML" --host "$CN" --root "$C" --dry-run
t_ok "compute dry run with the key: exit 0" test "$RC" -eq 0
t_match "compute: the key is kept" "$OUT" 'munge\.key: present, kept \(0600 munge\)'
t_match "compute: slurm.conf is a new file" "$OUT" '/etc/slurm/slurm\.conf: new file \(0644 root\)'
t_nomatch "compute: no controller file" "$OUT" 'keepalived\.conf|ha-slurm\.conf|/usr/libexec'
t_same "compute root: unchanged by the dry run" "$before" "$(listing "$C")"

# ---- an installed root ----
run_install --controller --config "$YAML" --host "$CTL" --root "$R" --new-munge-key
t_ok "real run: exit 0" test "$RC" -eq 0
before=$(listing "$R")
run_install --controller --config "$YAML" --host "$CTL" --root "$R" --dry-run
t_ok "dry run on the installed root: exit 0" test "$RC" -eq 0
t_match "installed root: 0 changes planned" "$OUT" 'dry run: 0 change\(s\) planned'
t_nomatch "installed root: no new file, no diff" "$OUT" 'new file|would (change|create|replace|set)|^      [-+]'
t_match "installed root: files reported unchanged" "$OUT" '/etc/keepalived/keepalived\.conf: unchanged'
t_same "installed root: nothing changed (listing with inodes, times, checksums)" "$before" "$(listing "$R")"

# A changed YAML: only the files that differ show a diff, and only the changed lines.
Y2=$(yaml_with 's/cpus: 2/cpus: 4/')
run_install --controller --config "$Y2" --host "$CTL" --root "$R" --dry-run
t_ok "changed YAML, dry run: exit 0" test "$RC" -eq 0
t_match "slurm.conf would change" "$OUT" '/etc/slurm/slurm\.conf: would change'
t_match "the diff is unified, old and new" "$OUT" $'--- /etc/slurm/slurm\\.conf\n +\\+\\+\\+ /etc/slurm/slurm\\.conf \\(new\\)'
t_match "the diff shows the old line" "$OUT" '-NodeName=cn1 CPUs=2 '
t_match "the diff shows the new line" "$OUT" '\+NodeName=cn1 CPUs=4 '
t_match "keepalived.conf stays unchanged" "$OUT" '/etc/keepalived/keepalived\.conf: unchanged'
n_diff=$(grep -cE '^ +[-+][A-Za-z]' <<<"$OUT" || true)
t_ok "exactly 4 changed lines (2 in slurm.conf, 2 in ha-slurmctld.conf), got $n_diff" test "$n_diff" -eq 4
t_same "changed YAML, dry run: nothing changed" "$before" "$(listing "$R")"
t_ok "no .bak made by a dry run" test -z "$(find "$R" -name '*.bak')"

# ---- the commented example, when there is one: a dry run for its first controller ----
EX=$SRC/etc/cluster.example.yaml
if [[ -f $EX ]]; then
        # Every variable it names gets a value (passwords come from the environment).
        # shellcheck disable=SC2016 # a literal "${"
        for v in $(grep -oE '\$\{[A-Za-z_][A-Za-z0-9_]*\}' "$EX" | tr -d '${}' | sort -u) \
                $(sed -n 's/^[[:space:]]*password_env:[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' "$EX"); do
                export "$v=Ex4mple" # short: network.vrrp.auth_pass takes 8 characters
        done
        first=$(sed -n 's/^[[:space:]]*-[[:space:]]*hostname:[[:space:]]*\([A-Za-z0-9._-]*\).*/\1/p' "$EX" | head -n 1)
        E=$(new_root)
        run_install --controller --config "$EX" --host "$first" --root "$E" --dry-run --new-munge-key
        t_ok "etc/cluster.example.yaml, $first: the dry run passes" test "$RC" -eq 0
        t_match "etc/cluster.example.yaml: keepalived.conf would be new" "$OUT" '/etc/keepalived/keepalived\.conf: new file'
        t_ok "etc/cluster.example.yaml: the root stays empty" test -z "$(ls -A "$E")"
else
        t_note "no etc/cluster.example.yaml yet: tests/integration/install/cluster.yaml only"
fi

t_done
