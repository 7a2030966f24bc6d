#!/bin/bash
# unsafe.sh - ha-genconf trusts only files and folders that only root (or the caller) could have
# written (the same file rules as the hooks', for the generator install.sh runs as root):
#   * the cluster YAML: a regular file owned by root or the caller, not writable by group or
#     others (as doas(1) checks doas.conf; a link is followed and the file it names checked);
#     a FIFO is refused at once, never waited on;
#   * database.mariadb.password_file: the same, not a link, and not readable by group or others
#     either (it holds a password); each refusal names the file and the reason; the same for
#     a controller's fence.password_file (a BMC password, read for the other controllers);
#   * the output folder: no symbolic link on the way in a folder others may write (a planted
#     one is refused and its target left alone), not writable by group or others; a link in a
#     folder only its owner writes is the site's layout and followed;
#   * a secret that fails its check (network.vrrp.auth_pass from ${VAR}) is never printed.
# Every refusal writes nothing. Cases that need another owner run as root only.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
src=${HA_SOURCE_DIR:-$(readlink -f "$here/../../..")}
build=${HA_BUILD_DIR:-$src/build}
GENCONF=$(readlink -f "$build/genconf/ha-genconf")
# shellcheck source=../../lib/testlib.sh
source "$src/tests/lib/testlib.sh"
if [[ ! -x $GENCONF ]]; then
    echo "build first: $GENCONF" >&2
    exit 2
fi
umask 022
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
as_root=0
[[ $(id -u) == 0 ]] && as_root=1

export VRRP_PASS=s1-vrrp MARIADB_ROOT_PASSWORD=never-written SLURM_DB_PASS='s1 db#pass'
printf 'ext-db-pass\n' >"$tmp/db.pass"
chmod 0600 "$tmp/db.pass"
export GENCONF_DB_PASSWORD_FILE=$tmp/db.pass

# run ARGS...: ha-genconf ARGS; exit status in $rc, stdout and stderr in $out.
run() {
    rc=0
    out=$(timeout 10 "$GENCONF" "$@" 2>&1) || rc=$?
}

# ---- the cluster YAML ----
cp "$here/golden/scenario1.yaml" "$tmp/c.yaml"
chmod 0644 "$tmp/c.yaml"
run --config "$tmp/c.yaml" --check
t_match "a YAML of ours, 0644: accepted" "$rc" '^0$'
chmod 0664 "$tmp/c.yaml"
run --config "$tmp/c.yaml" --check
t_match "a group-writable YAML: exit 2" "$rc" '^2$'
t_match "... names the file and the reason" "$out" "^$tmp/c\\.yaml: refused: writable by group or others"
chmod 0646 "$tmp/c.yaml"
run --config "$tmp/c.yaml" --host server1 --output-dir "$tmp/out-ww"
t_match "a world-writable YAML: refused" "$out" "refused: writable by group or others"
t_fail "... nothing written" test -e "$tmp/out-ww"
chmod 0644 "$tmp/c.yaml"
mkfifo "$tmp/fifo.yaml"
run --config "$tmp/fifo.yaml" --check
t_match "a FIFO as the YAML: refused at once, not waited on (exit 2, not timeout's 124)" "$rc" '^2$'
t_match "... says it is not a regular file" "$out" "fifo\\.yaml: refused: not a regular file"
ln -s "$tmp/c.yaml" "$tmp/link.yaml"
run --config "$tmp/link.yaml" --check
t_match "a link to a good YAML: followed, the file it names checked (accepted)" "$rc" '^0$'
if ((as_root)); then
    chown nobody "$tmp/c.yaml"
    run --config "$tmp/c.yaml" --check
    t_match "a YAML owned by nobody: refused" "$out" "c\\.yaml: refused: not owned by root"
    run --config "$tmp/link.yaml" --check
    t_match "... also through a link" "$out" "refused: not owned by root"
    chown root "$tmp/c.yaml"
fi

# ---- the password file (extended.yaml: password_file: ${GENCONF_DB_PASSWORD_FILE}) ----
yaml=$here/golden/extended.yaml
pw_case() { # NAME MODE [OWNER] EXPECTED-REASON
    local name=$1 mode=$2 owner=$3 want=$4 f=$tmp/pw-$1
    printf 'ext-db-pass\n' >"$f"
    chmod "$mode" "$f"
    chown "$owner" "$f"
    GENCONF_DB_PASSWORD_FILE=$f run --config "$yaml" --host db1 --output-dir "$tmp/out-pw-$name"
    t_match "password file $name: exit 2" "$rc" '^2$'
    t_match "... names the field, the file and the reason" "$out" \
        "database\\.mariadb\\.password_file: refused $f: $want"
    t_fail "... nothing written" test -e "$tmp/out-pw-$name"
    t_nomatch "... the password is not printed" "$out" 'ext-db-pass'
}
pw_case group-readable 0640 root 'readable by group or others'
pw_case other-readable 0604 root 'readable by group or others'
pw_case group-writable 0620 root 'writable by group or others'
if ((as_root)); then
    pw_case nobodys 0600 nobody 'not owned by root'
fi
ln -s "$tmp/db.pass" "$tmp/pw-link"
GENCONF_DB_PASSWORD_FILE=$tmp/pw-link run --config "$yaml" --host db1 --output-dir "$tmp/out-pw-link"
t_match "a link as the password file: refused" "$out" "password_file: refused $tmp/pw-link: a symbolic link"
t_fail "... nothing written" test -e "$tmp/out-pw-link"
run --config "$yaml" --host db1 --output-dir "$tmp/out-pw-ok"
t_match "the password file 0600: accepted" "$rc" '^0$'

# ---- a fence password file (extended.yaml: head-b's fence.password_file is that same file,
# read when head-a's options file for head-b is written) ----
fence_case() { # NAME MODE EXPECTED-REASON
    local f=$tmp/bmc-$1
    printf 'bmc-secret\n' >"$f"
    chmod "$2" "$f"
    GENCONF_DB_PASSWORD_FILE=$f run --config "$yaml" --host head-a --output-dir "$tmp/out-bmc-$1"
    t_match "fence password file $1: exit 2" "$rc" '^2$'
    t_match "... names the field, the file and the reason" "$out" \
        "nodes\\.controllers\\[0\\]\\.fence\\.password_file: refused $f: $3"
    t_fail "... nothing written" test -e "$tmp/out-bmc-$1"
    t_nomatch "... the password is not printed" "$out" 'bmc-secret'
}
fence_case group-readable 0640 'readable by group or others'
fence_case other-readable 0604 'readable by group or others'
ln -s "$tmp/db.pass" "$tmp/bmc-link"
GENCONF_DB_PASSWORD_FILE=$tmp/bmc-link run --config "$yaml" --host head-a --output-dir "$tmp/out-bmc-link"
t_match "a link as the fence password file: refused" "$out" \
    "fence\\.password_file: refused $tmp/bmc-link: a symbolic link"
t_fail "... nothing written" test -e "$tmp/out-bmc-link"
run --config "$yaml" --host head-a --output-dir "$tmp/out-bmc-ok"
t_match "the fence password file 0600: accepted" "$rc" '^0$'
t_match "... its options file is 0600 in a 0700 folder" \
    "$(stat -c %a "$tmp/out-bmc-ok/fence" "$tmp/out-bmc-ok/fence/head-b.conf" | tr '\n' ' ')" \
    '^700 600 $'

# ---- the output folder ----
# A folder anyone may write (as /tmp), with a link planted in it towards a folder of root's.
mkdir -m 1777 "$tmp/pub"
mkdir "$tmp/target"
echo canary >"$tmp/target/slurm.conf"
ln -s "$tmp/target" "$tmp/pub/out"
run --config "$here/golden/scenario1.yaml" --host server1 --output-dir "$tmp/pub/out"
t_match "an output folder through a link planted in a world-writable folder: exit 3" "$rc" '^3$'
t_match "... refused with the reason" "$out" \
    "Failed to open the output folder '$tmp/pub/out': a symbolic link on the way, in a folder others may write"
t_match "... the link's target is untouched" "$(ls -A "$tmp/target") $(cat "$tmp/target/slurm.conf")" \
    '^slurm\.conf canary$'
mkdir -m 0775 "$tmp/gw"
run --config "$here/golden/scenario1.yaml" --host server1 --output-dir "$tmp/gw"
t_match "a group-writable output folder: refused" "$out" \
    "Failed to open the output folder '$tmp/gw': writable by group or others"
t_match "... nothing written in it" "$(find "$tmp/gw" -mindepth 1 -maxdepth 1 | wc -l)" '^0$'
mkdir "$tmp/site" "$tmp/real"
ln -s "$tmp/real" "$tmp/site/etc"
run --config "$here/golden/scenario1.yaml" --host server1 --output-dir "$tmp/site/etc"
t_match "a link in a folder only its owner writes (the site's layout): followed" "$rc" '^0$'
t_ok "... the files are in the folder it names" test -s "$tmp/real/slurm.conf"
mkdir "$tmp/new-parent"
(cd "$tmp/new-parent" && run --config "$here/golden/scenario1.yaml" --host server1 --output-dir rel \
    && [[ $rc == 0 && -s rel/slurm.conf ]]) && r=0 || r=1
_t_report "$r" "a relative output folder is created and written"
t_match "... with mode 0755 whatever the umask" \
    "$(umask 077; cd "$tmp/new-parent" && "$GENCONF" --config "$here/golden/scenario1.yaml" \
        --host server1 --output-dir rel2 >/dev/null && stat -c %a rel2)" '^755$'

# ---- a secret that fails its check is not printed ----
# shellcheck disable=SC2016 # ${GENCONF_TEST_SECRET} is the YAML's own reference, for ha-genconf
sed 's/auth_pass: .*/auth_pass: ${GENCONF_TEST_SECRET}/' "$here/golden/scenario1.yaml" >"$tmp/s.yaml"
GENCONF_TEST_SECRET='Sekr3t#TooLong' run --config "$tmp/s.yaml" --check
t_match "an invalid auth_pass: exit 2" "$rc" '^2$'
t_match "... says what is wrong with it" "$out" 'network\.vrrp\.auth_pass: expected 1 to 8 letters'
t_nomatch "... never its value" "$out" 'Sekr3t'

t_done
