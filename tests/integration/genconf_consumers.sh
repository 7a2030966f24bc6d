#!/bin/bash
# genconf_consumers.sh - the programs that read ha-genconf's files accept them.
#
# For every controller of the golden scenarios (tests/unit/genconf/golden/*.yaml):
#   - keepalived.conf passes `keepalived -t -f FILE` (keepalived 2.2.7 checks the syntax, that
#     the interface exists and that the scripts pass script security: root-owned, in folders
#     only root may write). In a copy of the YAML, hooks_dir is build/hooks when that path is
#     safe, else a root-only folder under /run with copies of /bin/true named like the hooks,
#     and slurm.user is slurm (the hooks look the user up). It runs in a network namespace
#     of its own with a veth interface named as in the YAML.
#   - ha-slurm.conf loads in the hooks: `ha-check-slurmctld -c FILE -v` and
#     `ha-notify-backup --dry-run -c FILE` exit with anything but 2 (configuration error). They
#     run in a network and mount namespace of their own, with an empty /run, so that nothing
#     of this machine is probed or written.
# Negative controls: a keepalived.conf with an unknown keyword and an ha-slurm.conf with an
# unknown key are refused, so the checks above can fail.
#
# Run as root (keepalived -t, namespaces). Exit 0: all checks passed.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
src=${HA_SOURCE_DIR:-$(readlink -f "$here/../..")}
build=${HA_BUILD_DIR:-$src/build}
GENCONF=$build/genconf/ha-genconf
CHECK=$build/hooks/ha-check-slurmctld
BACKUP=$build/hooks/ha-notify-backup
# shellcheck source=../lib/testlib.sh
source "$src/tests/lib/testlib.sh"
if ((EUID != 0)); then
    echo "genconf_consumers.sh: needs root" >&2
    exit 2
fi
for f in "$GENCONF" "$CHECK" "$BACKUP"; do
    if [[ ! -x $f ]]; then
        echo "build first: $f" >&2
        exit 2
    fi
done
command -v keepalived >/dev/null || { echo "genconf_consumers.sh: keepalived is missing" >&2; exit 2; }

tmp=$(mktemp -d)
hooks_tmp=
cleanup() {
    rm -rf "$tmp"
    if [[ -n $hooks_tmp ]]; then rm -rf "$hooks_tmp"; fi
}
trap cleanup EXIT

# Script security: the file and every folder above it writable by root only.
unsafe_path() {
    local p=$1
    while :; do
        if [[ $(stat -c %u "$p") != 0 ]] || (($(stat -c %#a "$p") & 8#022)); then
            return 0
        fi
        [[ $p == / ]] && return 1
        p=$(dirname "$p")
    done
}
hooks=$(readlink -f "$build/hooks")
if unsafe_path "$hooks/ha-check-slurmctld"; then
    hooks_tmp=$(mktemp -d /run/ha-genconf-hooks.XXXXXX)
    chmod 0755 "$hooks_tmp"
    for h in ha-check-slurmctld ha-notify-master ha-notify-backup ha-notify-fault; do
        install -m 0755 /bin/true "$hooks_tmp/$h"
    done
    hooks=$hooks_tmp
    t_note "build/hooks is not safe for script security: using copies of /bin/true in $hooks"
fi

export VRRP_PASS=ka-test MARIADB_ROOT_PASSWORD=unused SLURM_DB_PASS=unused
printf 'unused\n' >"$tmp/db.pass"
chmod 0600 "$tmp/db.pass"
export GENCONF_DB_PASSWORD_FILE=$tmp/db.pass

# keepalived -t in a network namespace of its own, with an interface IFACE (veth).
keepalived_test() {
    local conf=$1 iface=$2
    # shellcheck disable=SC2016
    unshare --net sh -c 'ip link add "$1" type veth peer name peer0 && ip link set "$1" up &&
        exec keepalived -t -f "$2"' sh "$iface" "$conf"
}

# A hook with FILE, in network and mount namespaces of its own with an empty /run; prints
# its exit status and output.
hook_run() {
    # shellcheck disable=SC2016
    unshare --net --mount --propagation private sh -c 'mount -t tmpfs tmpfs /run &&
        ip link set lo up && exec "$@"' sh "$@" 2>&1
}

for yaml in "$src"/tests/unit/genconf/golden/*.yaml; do
    scen=$(basename "$yaml" .yaml)
    # The same cluster, with hooks where script security accepts them, and a SlurmUser that
    # exists here (the hooks look it up).
    sed -e "s|^\\(  *hooks_dir:\\).*|\\1 $hooks|" -e "s|^\\(  user:\\) .*|\\1 slurm|" "$yaml" \
        >"$tmp/$scen.yaml"
    grep -q 'hooks_dir:' "$tmp/$scen.yaml" ||
        printf 'ha:\n  hooks_dir: %s\n' "$hooks" >>"$tmp/$scen.yaml"
    iface=$(sed -n 's/^ *interface: *\([^ ]*\).*/\1/p' "$yaml" | head -n 1)
    iface=${iface:-eth0}
    for hd in "$src/tests/unit/genconf/golden/$scen"/*/; do
        host=$(basename "$hd")
        [[ -f $hd/keepalived.conf ]] || continue
        out=$tmp/$scen-$host
        "$GENCONF" --config "$tmp/$scen.yaml" --host "$host" --output-dir "$out" >/dev/null
        t_ok "$scen/$host: keepalived -t accepts keepalived.conf" \
            keepalived_test "$out/keepalived.conf" "$iface"

        rc=0
        o=$(hook_run "$CHECK" -c "$out/ha-slurm.conf" -v) || rc=$?
        t_match "$scen/$host: ha-check-slurmctld loads ha-slurm.conf (exit $rc)" "$rc" '^[01]$'
        t_match "$scen/$host: ha-check-slurmctld judged" "$o" 'verdict: '
        rc=0
        o=$(hook_run "$BACKUP" --dry-run -c "$out/ha-slurm.conf") || rc=$?
        t_nomatch "$scen/$host: ha-notify-backup --dry-run loads it (exit $rc)" "$rc" '^2$'
    done
done

# Negative controls.
out=$tmp/scenario1-server1
cp "$out/keepalived.conf" "$tmp/bad-keepalived.conf"
echo 'no_such_keyword {' >>"$tmp/bad-keepalived.conf"
t_fail "keepalived -t refuses a broken keepalived.conf" \
    keepalived_test "$tmp/bad-keepalived.conf" eth0
install -m 0644 "$out/ha-slurm.conf" "$tmp/bad-ha-slurm.conf"
printf '[check]\nno_such_key = 1\n' >>"$tmp/bad-ha-slurm.conf"
rc=0
o=$(hook_run "$CHECK" -c "$tmp/bad-ha-slurm.conf" -v) || rc=$?
t_match "ha-check-slurmctld refuses an unknown key (exit 2)" "$rc" '^2$'
t_match "... and names it" "$o" 'no_such_key: unknown key'

t_done
