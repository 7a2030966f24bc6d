#!/bin/bash
# golden.sh - ha-genconf turns each golden/NAME.yaml into exactly the files under
# golden/NAME/HOST/, for every HOST folder there: a missing, extra or different file fails
# (diff -u shown). The modes must match golden/NAME/HOST.modes. Also checked: --check accepts
# each file; a second run changes nothing (every file "unchanged", no .bak, same inode); a file
# changed by hand is replaced and its content kept as FILE.bak; a wrong mode alone is fixed
# without a rewrite; etc/cluster.example.yaml, which writes every default out, gives the same
# files as scenario1.yaml; keepalived/keepalived.conf.example is what ha-genconf writes for its
# first controller.
#
# golden/scenario1.yaml is the seed's Scenario 1 (with slurmdbd on server1 and the secrets from
# the environment); golden/extended.yaml uses every key of the schema and the host-list cases,
# and power fencing: the fence options files (fence/NODE.conf, 0600 in a 0700 folder) are
# golden files too; the BMC passwords are only in them; with ha.fencing: wait there are none;
# a fence/ folder others may read is set to 0700, one they may write is refused.
#
# GOLDEN_UPDATE=1 rewrites the expected files (and keepalived/keepalived.conf.example) from the
# current output instead of comparing (then review `git diff tests/unit/genconf/golden keepalived`).
#
# Needs no root and no daemon. Exit 0: all checks passed.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=../../lib/testlib.sh
source "$here/../../lib/testlib.sh"
src=$T_SRC
GENCONF=$(t_built genconf/ha-genconf)
t_tmpdir
tmp=$T_TMP

# The secrets the YAML files take from the environment, as an operator would set them.
export VRRP_PASS=s1-vrrp MARIADB_ROOT_PASSWORD=never-written SLURM_DB_PASS='s1 db#pass'
printf 'ext-db-pass\n' >"$tmp/db.pass"
chmod 0600 "$tmp/db.pass"
export GENCONF_DB_PASSWORD_FILE=$tmp/db.pass

# Every file and folder, the fence options files in fence/ too.
modes() { (cd "$1" && find . -mindepth 1 -printf '%m %P\n' | sort -k2); }

cd "$here/golden"
for yaml in *.yaml; do
    scen=${yaml%.yaml}
    t_ok "$scen: --check accepts it" "$GENCONF" --config "$yaml" --check
    for hd in "$scen"/*/; do
        host=$(basename "$hd")
        out=$tmp/$scen/$host
        mkdir -p "$tmp/$scen"
        rc=0
        "$GENCONF" --config "$yaml" --host "$host" --output-dir "$out" >"$tmp/stdout" \
            2>"$tmp/stderr" || rc=$?
        _t_report "$rc" "$scen/$host: ha-genconf exits 0" "$(cat "$tmp/stderr")"
        if [[ ${GOLDEN_UPDATE:-0} == 1 ]]; then
            rm -rf "$hd"
            cp -a "$out" "$hd"
            modes "$out" >"$scen/$host.modes"
            t_note "updated $scen/$host"
            continue
        fi
        rc=0
        d=$(diff -ru "$hd" "$out" 2>&1) || rc=$?
        _t_report "$rc" "$scen/$host: every file as expected" "$d"
        ((rc == 0)) || printf '%s\n' "$d" | sed 's/^/#   /'
        rc=0
        d=$(diff -u "$scen/$host.modes" <(modes "$out") 2>&1) || rc=$?
        _t_report "$rc" "$scen/$host: modes as expected" "$d"

        # Running again changes nothing: same files (inodes), no backups.
        before=$(ls -i "$out")
        "$GENCONF" --config "$yaml" --host "$host" --output-dir "$out" >"$tmp/stdout2"
        t_nomatch "$scen/$host: second run says unchanged for every file" \
            "$(cat "$tmp/stdout2")" ': (written|unchanged \()'
        t_match "$scen/$host: second run reports each file" \
            "$(grep -c ': unchanged$' "$tmp/stdout2")" "^$(find "$hd" -type f | wc -l)\$"
        after=$(ls -i "$out")
        rc=0
        [[ $after == "$before" ]] || rc=1
        _t_report "$rc" "$scen/$host: second run leaves the same inodes and no .bak" \
            "before: $before; after: $after"
    done
done

# keepalived/keepalived.conf.example: the template filled for server1, the first controller of
# etc/cluster.example.yaml, with VRRP_PASS=CHANGEME; it stays what ha-genconf writes.
ka_example=$src/keepalived/keepalived.conf.example
rc=0
VRRP_PASS=CHANGEME "$GENCONF" --config "$src/etc/cluster.example.yaml" --host server1 \
    --output-dir "$tmp/ka-example" >/dev/null 2>"$tmp/stderr" || rc=$?
_t_report "$rc" "etc/cluster.example.yaml renders for server1" "$(cat "$tmp/stderr")"
if [[ ${GOLDEN_UPDATE:-0} == 1 ]]; then
    cp "$tmp/ka-example/keepalived.conf" "$ka_example"
    t_note "updated keepalived/keepalived.conf.example"
    t_done
    exit
fi
rc=0
d=$(diff -u "$ka_example" "$tmp/ka-example/keepalived.conf" 2>&1) || rc=$?
_t_report "$rc" "keepalived/keepalived.conf.example is ha-genconf's keepalived.conf for server1" "$d"
((rc == 0)) || printf '%s\n' "$d" | sed 's/^/#   /'
leftover=$(grep -rlE '@[A-Z][A-Z0-9_]*@' "$tmp" || true)
t_match "no file ha-genconf wrote holds a template's placeholder @NAME@" "$leftover" '^$'

# A file edited by hand is replaced; its content is kept as FILE.bak. A wrong mode is fixed.
out=$tmp/scenario1/server1
echo '# edited by hand' >>"$out/slurm.conf"
cp "$out/slurm.conf" "$tmp/edited"
chmod 0644 "$out/slurmdbd.conf"
stdout=$("$GENCONF" --config scenario1.yaml --host server1 --output-dir "$out")
t_match "an edited file is rewritten, the old one kept" "$stdout" \
    "slurm.conf: written \(previous kept as slurm.conf.bak\)"
t_match "a file whose mode changed is only chmodded" "$stdout" \
    "slurmdbd.conf: unchanged \(mode set to 0600\)"
t_ok "slurm.conf.bak holds the edited content" cmp "$tmp/edited" "$out/slurm.conf.bak"
t_ok "slurm.conf is the generated one again" cmp scenario1/server1/slurm.conf "$out/slurm.conf"
t_match "slurmdbd.conf is 0600 again" "$(stat -c %a "$out/slurmdbd.conf")" '^600$'
t_match "no other file was touched" "$(grep -c ': unchanged$' <<<"$stdout")" '^3$'
t_fail "no temporary file is left" compgen -G "$out/*.tmp.*"

# The documented example spells out every default: it must give scenario 1's files.
example=$src/etc/cluster.example.yaml
rc=0
"$GENCONF" --config "$example" --host server1 --output-dir "$tmp/example" >/dev/null || rc=$?
_t_report "$rc" "etc/cluster.example.yaml is valid"
rc=0
d=$(diff -ru scenario1/server1 "$tmp/example" 2>&1) || rc=$?
_t_report "$rc" "etc/cluster.example.yaml (every default written out) gives scenario1's files" "$d"

# Power fencing (extended.yaml): head-a's ha-slurm.conf names the options file of each other
# controller, which holds that controller's BMC password from the environment or its file;
# nothing else holds it. With ha.fencing: wait, no [fence] section and no options file.
out=$tmp/extended/head-a
t_match "fence/ is mode 0700" "$(stat -c %a "$out/fence")" '^700$'
t_match "head-b's BMC password (its password_file) is only in fence/head-b.conf" \
    "$(grep -rl 'ext-db-pass' "$out")" "^$out/fence/head-b.conf\$"
t_match "head-a's own options are not in head-a's files" "$(ls "$out/fence")" $'^head-b.conf\nhead-c.conf$'
stdout=$("$GENCONF" --config extended.yaml --check --host head-b)
t_match "--check lists the options files" "$stdout" \
    'head-b: would write fence/head-a.conf \([0-9]+ bytes, mode 0600\)'
sed -e 's/^  fencing: power$/  fencing: wait/' -e '/^  fence_\(after\|timeout\):/d' extended.yaml \
    >"$tmp/wait.yaml"
rc=0
"$GENCONF" --config "$tmp/wait.yaml" --host head-a --output-dir "$tmp/wait" >/dev/null || rc=$?
_t_report "$rc" "fencing: wait, with every fence given: accepted"
t_nomatch "fencing: wait: no [fence] section" "$(cat "$tmp/wait/ha-slurm.conf")" '^\[fence'
t_fail "fencing: wait: no options file" test -e "$tmp/wait/fence"
chmod 0755 "$out/fence"
stdout=$("$GENCONF" --config extended.yaml --host head-a --output-dir "$out")
t_match "a fence/ folder readable by others is set to 0700" "$stdout" 'fence/: mode set to 0700'
t_match "... the files in it unchanged" "$(grep -c 'fence/.*: unchanged$' <<<"$stdout")" '^2$'
t_match "... and it is 0700" "$(stat -c %a "$out/fence")" '^700$'
chmod 0770 "$out/fence"
rc=0
"$GENCONF" --config extended.yaml --host head-a --output-dir "$out" >/dev/null 2>"$tmp/stderr" || rc=$?
t_match "a group-writable fence/ folder: refused (exit 3)" "$rc" '^3$'
t_match "... with the reason" "$(cat "$tmp/stderr")" "Failed to open the folder '$out/fence': writable by group or others"
chmod 0700 "$out/fence"

# The secrets: never in a world-readable file.
out=$tmp/scenario1/server1
leaks=$(grep -l 's1 db' "$out"/* | grep -v '/slurmdbd.conf$' || true)
t_match "the database password is only in slurmdbd.conf" "$leaks" '^$'
t_nomatch "the root password is written nowhere" "$(cat "$out"/*)" 'never-written'

t_done
