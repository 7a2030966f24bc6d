# shellcheck shell=bash
#
# accounting.sh - accounting in the cluster in a box (sourced by lib.sh when HAC_DBD=1): a real
# MariaDB Galera cluster across the controllers (tests/lib/galera.sh), the accounting database
# and user made by install.sh's own database step, and slurmdbd following the VIP (a follower of
# the hooks, started after slurmctld is in control on the new master, stopped on demotion).
#
#   ctl1..ctl3   mariadbd (galera-4), one node each, gcomm://10.213.0.11,12,13; slurmdbd.conf
#                from ha-genconf (database.mariadb.galera: StorageHost = the host's own node),
#                0600 slurm; slurmdbd runs only where the hooks start it (the VIP holder).
#   clients      AccountingStorageHost = the VIP: sacct, sacctmgr, sreport and slurmctld reach
#                whichever slurmdbd the VIP holder runs.
#
# Hooks in lib.sh (each one line, only with HAC_DBD=1): hac_dbd_yaml (the cluster YAML with
# accounting), hac_dbd_confs HOST DIR (install slurmdbd.conf), hac_dbd_up (Galera, database).
#
# Functions: hac_dbd_yaml hac_dbd_confs hac_dbd_up hac_dbd_answers hac_dbd_wait hac_sacct
#            hac_sacctmgr
#
# Settings: HAC_DB_PASSWORD (default: a random one per run; exported for ha-genconf and
# install.sh, written nowhere but the 0600 slurmdbd.conf files).

# shellcheck source=../lib/galera.sh
source "$HAC_SRC/tests/lib/galera.sh"

if [[ -z ${HAC_DB_PASSWORD:-} ]]; then
    HAC_DB_PASSWORD=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
fi
export HAC_DB_PASSWORD

# hac_dbd_yaml: the cluster YAML (tests/cluster/cluster.yaml) with accounting: slurmdbd follows
# the VIP, its database on Galera across the controllers. Prints the file's path.
hac_dbd_yaml() {
    local y
    y=$(hat_state_dir)/cluster-dbd.yaml
    awk '
        /^nodes:/ { print "database:\n  mariadb:\n    galera: true\n    password_env: HAC_DB_PASSWORD" }
        { print }
        /^slurm:/ { print "  followers: [slurmdbd]\n  accounting: true" }
    ' "$HAC_SRC/tests/cluster/cluster.yaml" >"$y"
    echo "$y"
}

# hac_dbd_confs HOST DIR: install the slurmdbd.conf ha-genconf wrote into DIR for HOST (slurmdbd
# refuses one that is not its SlurmUser's, or readable by others).
hac_dbd_confs() {
    [[ -f $2/slurmdbd.conf ]] || return 0
    install -o slurm -g slurm -m 0600 "$2/slurmdbd.conf" "$(hat_host_dir "$1")/fs/etc-slurm/slurmdbd.conf"
}

# hac_dbd_up: Galera on every controller, then the database and user through install.sh's own
# database step on the first controller (replicated to the others by Galera).
hac_dbd_up() {
    local -a ctls
    local t out
    mapfile -t ctls < <(hac_ctls)
    t=$(hac_now_ms)
    gal_up "${ctls[@]}" || return 1
    hac_event "Galera: ${ctls[*]} Synced, cluster size $(gal_size "${ctls[0]}")" >/dev/null
    hac_progress "MariaDB Galera on ${ctls[*]} in $(($(hac_now_ms) - t)) ms"
    # shellcheck disable=SC2016 # the script is for the inner bash, its variables from env
    out=$(hat_exec "${ctls[0]}" env T_CONFIG="$(hac_dbd_yaml)" T_GEN="$(hat_state_dir)/genconf/${ctls[0]}" \
        INSTALL="$HAC_SRC/install.sh" T_WORK="$(hat_state_dir)" bash -c '
            set -euo pipefail
            . "$INSTALL"
            CONFIG=$T_CONFIG GEN=$T_GEN ROOT="" DRY=0 DBD=1 HAS_DBD=1 ROLE=controller
            WORK=$(mktemp -d "$T_WORK/install.XXXXXX")
            step_database
            rmdir "$WORK"' 2>&1) || { echo "$out" >&2; return 1; }
    hac_progress "install.sh --dbd: $(grep "login works" <<<"$out" | sed 's/^ *//')"
    hac_dbd_prime "${ctls[0]}"
}

# hac_dbd_prime HOST: a new cluster's first start, done once by hand on HOST before keepalived:
# slurmdbd, then slurmctld until it is in control, then both stopped with SIGTERM (slurmctld
# saves its state, last_tres and assoc_mgr_state among it, into the shared StateSaveLocation).
# Why: a slurmctld that starts with accounting configured, no slurmdbd answering and no such
# state yet stops at once ("fatal: You are running with a database but for some reason we have
# no TRES from it", seen here with 22.05). The hooks start slurmdbd just before slurmctld
# ([notify] before_slurmctld), but a slurmdbd that has just been started may not listen yet, and
# keepalived's first BACKUP event stops a slurmdbd started by hand. With the state saved once,
# every later slurmctld starts even without slurmdbd.
hac_dbd_prime() {
    local h=$1 t pid st
    t=$(hac_now_ms)
    st=$HAC_STATE/slurmctld # as the host sees it (FUSE or GlusterFS)
    # slurmctld reaches slurmdbd at the VIP (AccountingStorageHost): on HOST, for this run only
    # (no other host talks to it meanwhile, so no gratuitous ARP is needed).
    ip -n "$(_hac_ns "$h")" addr add "$HAC_VIP/24" dev eth0 || return 1
    hat_exec "$h" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C /usr/sbin/slurmdbd || return 1
    if ! hat_wait_for 60 eval "hat_exec $h ss -Hltn 'sport = :6819' | grep -q LISTEN"; then
        echo "slurmdbd on $h does not listen on 6819:" >&2
        tail -n 20 "$(hat_host_dir "$h")/fs/log-slurm/slurmdbd.log" >&2
        return 1
    fi
    hat_spawn "$h" slurmctld-prime slurmctld -D -f /etc/slurm/ha-slurmctld.conf || return 1
    if ! hat_wait_for 60 hac_in_control "$h"; then
        echo "the first slurmctld on $h is not in control:" >&2
        tail -n 20 "$(hat_host_dir "$h")/fs/log-slurm/slurmctld.log" >&2
        return 1
    fi
    hat_kill "$h" slurmctld-prime TERM || return 1
    pid=$(cat "$(hat_host_dir "$h")/fs/run/slurmdbd.pid")
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == slurmdbd ]] && kill -TERM "$pid"
    hat_wait_for 30 eval "! [[ \$(cat /proc/$pid/comm 2>/dev/null) == slurmdbd ]]" || return 1
    ip -n "$(_hac_ns "$h")" addr del "$HAC_VIP/24" dev eth0 || return 1
    hat_exec "$h" test -s "$st/last_tres" || { echo "no $st/last_tres after the first slurmctld" >&2; return 1; }
    hac_progress "first start on $h (slurmdbd, slurmctld, both stopped) in $(($(hac_now_ms) - t)) ms: $(hat_exec "$h" sh -c "cd $st && ls -d last_tres assoc_mgr_state" 2>&1 | xargs) saved"
}

# hac_sacctmgr HOST ARGS...: sacctmgr from HOST (through the VIP), 10 s at most.
hac_sacctmgr() {
    local h=$1; shift
    hat_exec "$h" timeout 10 sacctmgr "$@"
}

# hac_sacct HOST ARGS...: sacct from HOST (through the VIP), 10 s at most.
hac_sacct() {
    local h=$1; shift
    hat_exec "$h" timeout 10 sacct "$@"
}

# hac_dbd_answers HOST: slurmdbd at the VIP answers a real request (sacctmgr list cluster, 3 s).
hac_dbd_answers() {
    hat_exec "$1" timeout 3 sacctmgr -n -P list cluster format=cluster >/dev/null 2>&1
}

# hac_dbd_wait HOST TIMEOUT_S: poll hac_dbd_answers every 100 ms; records "slurmdbd answers
# through the VIP" as an event and prints its time (ms).
hac_dbd_wait() {
    local h=$1 end=$(($(hac_now_ms) + $2 * 1000)) t
    while :; do
        if hac_dbd_answers "$h"; then
            t=$(hac_event "slurmdbd answers through the VIP (sacctmgr from $h)")
            echo "$t"
            return 0
        fi
        (($(hac_now_ms) < end)) || return 1
        sleep 0.1
    done
}
