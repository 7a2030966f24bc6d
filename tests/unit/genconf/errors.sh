#!/bin/bash
# errors.sh - every bad input gives its messages and writes nothing.
#
# Each bad/NAME.yaml says what ha-genconf must print, one "# expect: LINE:COL: field: what"
# line per problem. For each file, run with --host ctl1 into an output folder that holds a
# slurm.conf already, and into one that does not exist yet:
#   - exit status 2 (a configuration error);
#   - for every expect line, a line "bad/NAME.yaml:LINE:COL: field: what..." on stderr (the
#     expected text is a prefix of the line);
#   - no other problem line (all problems, and only those, in one run);
#   - nothing written: the existing slurm.conf keeps its content, inode and time, no other file
#     appears, the missing folder is not created;
#   - --check says the same, with exit status 2.
# Then the usage and system errors: exit 2 for bad arguments, a missing file and an unknown host,
# 3 for an output folder that cannot be used, 0 for --help and --version.
#
# Needs no root and no daemon. Exit 0: all checks passed.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=../../lib/testlib.sh
source "$here/../../lib/testlib.sh"
GENCONF=$(t_built genconf/ha-genconf)
t_tmpdir
tmp=$T_TMP

# The variables the bad files rely on being unset.
unset HA_GENCONF_TEST_UNSET HA_GENCONF_TEST_UNSET_PW

# run FILE [ARGS...]: ha-genconf --config FILE ARGS; its exit status in $rc, stderr in $err.
run() {
    local file=$1
    shift
    rc=0
    err=$("$GENCONF" --config "$file" "$@" 2>&1 >"$tmp/stdout") || rc=$?
}

cd "$here"
for file in bad/*.yaml; do
    name=$(basename "$file" .yaml)
    mapfile -t expects < <(sed -n 's/^# expect: //p' "$file")
    if ((${#expects[@]} == 0)); then
        _t_report 1 "$name: has expect lines"
        continue
    fi

    existing=$tmp/$name/existing
    mkdir -p "$existing"
    echo "# the operator's file" >"$existing/slurm.conf"
    touch -d '2020-01-01 00:00' "$existing/slurm.conf"
    before=$(stat -c '%i %Y %s' "$existing/slurm.conf")

    run "$file" --host ctl1 --output-dir "$existing"
    t_match "$name: exit status 2" "$rc" '^2$'
    for e in "${expects[@]}"; do
        found=1
        while IFS= read -r line; do
            [[ $line == "$file:$e"* ]] && found=0
        done <<<"$err"
        _t_report "$found" "$name: says $e" "stderr: $err"
    done
    n=$(grep -c "^$file:" <<<"$err" || true)
    t_match "$name: ${#expects[@]} problem(s), no other" "$n" "^${#expects[@]}\$"
    t_match "$name: says nothing was written" "$err" "Failed to render '$file': nothing written"
    t_match "$name: the existing file is untouched" \
        "$(stat -c '%i %Y %s' "$existing/slurm.conf") $(find "$existing" -mindepth 1 -maxdepth 1 -printf '%f ')" \
        "^$before slurm.conf \$"

    run "$file" --host ctl1 --output-dir "$tmp/$name/new"
    t_fail "$name: a missing output folder is not created" test -e "$tmp/$name/new"

    run "$file" --check
    t_match "$name: --check fails too" "$rc" '^2$'
    t_match "$name: --check gives the same problems" "$(grep -c "^$file:" <<<"$err" || true)" \
        "^${#expects[@]}\$"
done

# Arguments and the system.
good=golden/scenario1.yaml
export VRRP_PASS=x MARIADB_ROOT_PASSWORD=x SLURM_DB_PASS=x
run "$good" --host server1
t_match "no --output-dir: exit 2" "$rc" '^2$'
run "$good" --check --output-dir "$tmp/x"
t_match "--check with --output-dir: exit 2" "$rc" '^2$'
rc=0
"$GENCONF" --host server1 --output-dir "$tmp/x" >/dev/null 2>&1 || rc=$?
t_match "no --config: exit 2" "$rc" '^2$'
run "$good" --check extra-argument
t_match "an extra argument: exit 2" "$rc" '^2$'
run "$good" --bogus
t_match "an unknown option: exit 2" "$rc" '^2$'
run "$tmp/does-not-exist.yaml" --check
t_match "a missing file: exit 2" "$rc" '^2$'
t_match "a missing file: says why" "$err" 'does-not-exist.yaml: failed to read: No such file'
run "$good" --host nosuchhost --output-dir "$tmp/unknown-host"
t_match "an unknown host: exit 2" "$rc" '^2$'
t_match "an unknown host: says so" "$err" \
    "$good: --host: no host \"nosuchhost\" in nodes.controllers or nodes.compute_nodes"
t_fail "an unknown host: nothing written" test -e "$tmp/unknown-host"
t_ok "--help: exit 0" "$GENCONF" --help
t_match "--version prints the version" "$("$GENCONF" --version)" '^ha-genconf \(ha-slurm\) [0-9]'
touch "$tmp/file"
run "$good" --host server1 --output-dir "$tmp/file"
t_match "an output folder that is a file: exit 3" "$rc" '^3$'

t_done
