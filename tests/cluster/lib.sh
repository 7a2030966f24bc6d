# shellcheck shell=bash
#
# lib.sh - a Slurm cluster in a box: N controllers and M compute hosts on this one machine,
# with the real daemons and the real hooks, for the failover drills (drill_*.sh), the demo
# (demo.sh) and the failover benchmark (bench/failover.sh).
#
# Built on tests/lib/hosts.sh (a host is a network namespace plus its own mount and UTS
# namespaces, on one bridge) and tests/lib/hacluster.sh (each controller's two slurm.conf views
# and the hooks' ha-slurm.conf):
#
#   ctl1..ctlN  10.213.0.11..   munged, the shared state folder /mnt/state: a real GlusterFS
#                               volume replicated on every controller (glusterd and a brick in
#                               each, mounted with the FUSE client), keepalived with
#                               ha-check-slurmctld as vrrp_script and ha-notify-master/backup/
#                               fault as notify hooks. slurmctld runs only where a hook starts
#                               it: on the VIP holder (`slurmctld -f /etc/slurm/ha-slurmctld.conf`).
#   cn1..cnM    10.213.0.21..   munged, slurmd; /mnt/jobs shared between them (a job ledger).
#   VIP         10.213.0.100    SlurmctldAddr: every client and slurmd talks to the VIP only.
#
# Storage (HAC_STORAGE): gluster (the default when glusterd is installed): a GlusterFS volume,
# replica N, with quorum, client caches off and network.ping-timeout HAT_GLUSTER_PING_TIMEOUT
# (tests/lib/hosts.sh); its traffic crosses the hosts' network, so a lost host or a partition
# affects storage as it would on real machines. fuse: a bindfs FUSE mount of one folder on the
# machine (shown as fuse.glusterfs), for a quick run or where GlusterFS is not installed.
#
# Configuration: every file from the cluster YAML tests/cluster/cluster.yaml through
# build/genconf/ha-genconf (hac_write_confs_genconf), as a user would make them; without
# ha-genconf (or with HAC_GENCONF=0) from tests/lib/hacluster.sh plus the keepalived.conf writer
# below (hac_write_confs). HAC_CONF_SOURCE says which.
#
# Usage (as root):
#
#   HAT_PREFIX=hatd; source tests/cluster/lib.sh
#   hac_init                    # checks the build; traps: teardown on exit and on signals
#   hac_boot 3 2                # boots; returns once exactly one controller holds the VIP,
#                               # is in control and every slurmd is registered
#   hac_watch_start             # samplers: VIP, slurmctld process, keepalived state, check
#                               # verdict, and who is in control, every ~100 ms; changes
#                               # become events
#   m=$(hac_master)             # the VIP holder in control
#   t0=$(hac_event "kill -9 slurmctld on $m"); hac_kill_ctld "$m" KILL
#   hac_sbatch_until_accepted cn1 30      # through the VIP; prints "JOBID TIME_MS ATTEMPTS"
#   hac_print_timeline "$t0"    # every event, "+1234 ms  event", relative to t0
#   hac_watch_stop
#
# Functions (details above each one):
#   boot        hac_init hac_boot hac_boot_native hac_teardown hac_keepalived_start hac_dump
#               hac_write_confs hac_write_confs_genconf
#   hosts       hac_ctls hac_cns hac_ip
#   looking     hac_vip_holders hac_control_states hac_in_control hac_master hac_wait_master
#               hac_wait_new_master hac_wait_steady hac_ka_state hac_wait_ka hac_ctld_pid
#               hac_host_pids hac_ctld_started_ms hac_stale_acts hac_hook_runs hac_hook_output
#               hac_hook_max_ms
#   failures    hac_kill_ctld hac_host_lose hac_host_recover hac_partition hac_heal
#               hac_storage_healed
#   jobs        hac_sbatch hac_sbatch_until_accepted hac_first_accepted hac_squeue hac_job_state
#               hac_job_start_saved hac_state_saved_since hac_jobs_end_saved
#   timeline    hac_event hac_now_ms hac_progress hac_watch_start hac_watch_stop
#               hac_watch_stats hac_timeline hac_print_timeline hac_first_event
#   drills      hac_drill hac_drill_job hac_assert_never_two hac_assert_hooks_on_time (with
#               tests/lib/testlib.sh, which hac_drill sources)
#
# Settings (environment):
#   HAT_PREFIX        default hatd
#   HAC_VIP           default 10.213.0.100
#   HAC_SAMPLE_MS     sampler period (default 100)
#   HAC_HOOK_LOG      1 (default): keepalived runs each hook through a small wrapper that records
#                     its start, end, exit status and output (the hook itself is the built
#                     program, run with the same arguments); 0: keepalived runs the hooks
#                     directly (the timeline then has no hook lines)
#   HAC_GENCONF       auto (default): the configuration comes from tests/cluster/cluster.yaml
#                     through build/genconf/ha-genconf when it is built and the cluster is the
#                     YAML's (3 controllers, 2 compute hosts); 1: ha-genconf or fail; 0: from
#                     tests/lib/hacluster.sh and the keepalived.conf writer below
#   HAC_CHECK_DEADLINE  [check] deadline in ha-slurm.conf when lib.sh writes it (default 2s,
#                     below the script timeout of 3 s; ha-genconf writes the same)
#   HAC_PROTOCOL      the Slurm release ha-rpc speaks (default: slurmctld -V here)
#   HAC_SBATCH_GAP_MS HAC_SBATCH_TIMEOUT   see hac_sbatch_until_accepted
#   HAC_VERBOSE       1: say more on stderr
#   HAC_STORAGE       gluster | fuse (see above; default gluster when glusterd is installed)
#   HAC_SHARED        1: one cluster for several drills (the ctest fixture, tests/cluster/
#                     fixture.sh): hac_boot reuses the cluster an earlier run of the same
#                     HAT_PREFIX left up when it is steady (else boots it again), and nothing is
#                     torn down on exit; `fixture.sh teardown` ends it
#   HAC_TCP_TIMEOUT   slurm.tcp_timeout in the cluster's YAML (TCPTimeout; default: not set,
#                     Slurm's 2 s)
#   HAC_LEASE_TTL     ha.lease_ttl in the cluster's YAML (default: the YAML's, 6s)
#   HAC_ROOT_SUITE    a Debian suite (trixie: Slurm 24.11): every host runs chrooted in that
#                     suite's root (tests/lib/roots.sh, built on first use), with its munged,
#                     Slurm and keepalived; the hooks are this machine's build, seen at the same
#                     path inside (HAT_ROOT_BINDS: the sources, the build, the state folder).
#                     The shared state is then on FUSE (no GlusterFS in the root)
#   HAC_FENCE         1: power fencing. Each controller gets a BMC (tests/lib/bmc.sh: ipmi_sim on
#                     the management LAN, 10.213.0.211.., whose power off really kills the host),
#                     and the cluster YAML a fence for each (fence_ipmilan over lanplus, the BMC's
#                     password file), so every ha-slurm.conf has [fence NODE] for the other
#                     controllers and their options files (0600) in the host's folder. Needs
#                     ha-genconf (the configuration is its)
#   HA_BUILD_DIR HA_SOURCE_DIR   where the built programs and the sources are
#   HAC_SANITIZED_HOOKS  a folder of the hooks built with the sanitizers (tests/run.sh sets
#                     it): keepalived runs those instead of HA_BUILD_DIR's (not with
#                     HAC_ROOT_SUITE or HAC_SHARED); the test tools (ha-rpc, ha-genconf) stay
#                     HA_BUILD_DIR's

: "${HAT_PREFIX:=hatd}"
: "${HAC_VIP:=10.213.0.100}"
: "${HAC_SAMPLE_MS:=100}"
: "${HAC_HOOK_LOG:=1}"
: "${HAC_GENCONF:=auto}"
: "${HAC_CHECK_DEADLINE:=2s}"
: "${HAC_VERBOSE:=0}"
if [[ -n ${HAC_ROOT_SUITE:-} ]]; then
    HAC_STORAGE=fuse
elif [[ -z ${HAC_STORAGE:-} ]]; then
    if command -v glusterd >/dev/null; then HAC_STORAGE=gluster; else HAC_STORAGE=fuse; fi
fi

_hac_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HAC_SRC=${HA_SOURCE_DIR:-$(cd "$_hac_here/../.." && pwd)}
HAC_BUILD=${HA_BUILD_DIR:-$HAC_SRC/build}
HAC_HOOKS=$HAC_BUILD/hooks
# The hooks (and the check) keepalived runs may come from the sanitizer build (tests/run.sh:
# the accounting drill runs them under AddressSanitizer and UndefinedBehaviorSanitizer, reports
# to the files ASAN_OPTIONS/UBSAN_OPTIONS name); the test tools stay this build's. Not in a
# chrooted root, which has no sanitizer runtime, and not in the shared cluster of the fixture's
# drills (HAC_SHARED): drill_storage_hang.sh has failed with them (a promotion refused while
# GlusterFS waited on the hung client, then the VIP moved on), cause not known.
_HAC_SANITIZED=0
if [[ -n ${HAC_SANITIZED_HOOKS:-} && -z ${HAC_ROOT_SUITE:-} && ${HAC_SHARED:-0} != 1 ]]; then
    HAC_HOOKS=$HAC_SANITIZED_HOOKS
    _HAC_SANITIZED=1
fi
HAC_RPC=$HAC_BUILD/tests/ha-rpc
HAC_GENCONF_BIN=$HAC_BUILD/genconf/ha-genconf
HAC_ROOT=
if [[ -n ${HAC_ROOT_SUITE:-} ]]; then
    # shellcheck source=../lib/roots.sh
    source "$HAC_SRC/tests/lib/roots.sh"
    _hac_rootver=$(hat_root_ensure "$HAC_ROOT_SUITE") || {
        echo "lib.sh: no Debian $HAC_ROOT_SUITE root (tests/lib/roots.sh)" >&2
        # shellcheck disable=SC2317 # reached when this file runs instead of being sourced
        return 1 2>/dev/null || exit 1
    }
    HAC_ROOT=$(hat_root_dir "$HAC_ROOT_SUITE")
    : "${HAC_PROTOCOL:=${_hac_rootver%.*}}"
fi
# The Slurm release the hosts run (22.05 on Debian 12): ha-rpc asks in that protocol at once,
# instead of probing versions (each probe of an unreachable controller costs a timeout).
: "${HAC_PROTOCOL:=$(slurmctld -V 2>/dev/null | sed -n 's/^slurm[^ ]* \([0-9]*\.[0-9]*\).*/\1/p')}"
export HAC_PROTOCOL

# shellcheck source=../lib/hosts.sh
source "$HAC_SRC/tests/lib/hosts.sh"
# shellcheck source=../lib/hacluster.sh
source "$HAC_SRC/tests/lib/hacluster.sh"
if [[ ${HAC_FENCE:-0} == 1 ]]; then
    # shellcheck source=../lib/bmc.sh
    source "$HAC_SRC/tests/lib/bmc.sh"
fi
# Accounting (HAC_DBD=1): Galera on the controllers, slurmdbd following the VIP (accounting.sh).
if [[ ${HAC_DBD:-0} == 1 ]]; then
    # shellcheck source=accounting.sh
    source "$HAC_SRC/tests/cluster/accounting.sh"
fi

HAC_STATE=/mnt/state      # the shared folder in the controllers; StateSave is its slurmctld/
HAC_JOBS=/mnt/jobs        # shared between the compute hosts: the job ledger
_HAC_WATCH_PID=
_HAC_CONTROL_PID=

# ---------------------------------------------------------------------------------------------
# Small things

hac_now_ms() { local t=${EPOCHREALTIME/./}; echo $((10#$t / 1000)); }
_hac_evfile() { echo "$(hat_state_dir)/hac-events"; }
_hac_say() { [[ $HAC_VERBOSE == 1 ]] && echo "hac: $*" >&2; return 0; }

# hac_event TEXT: record an event now; prints its time (ms since the epoch).
hac_event() {
    local t; t=$(hac_now_ms)
    printf '%s\t%s\n' "$t" "$*" >>"$(_hac_evfile)"
    echo "$t"
}
# hac_event_at MS TEXT: the same, for an event at MS (ms since the epoch) that is past.
hac_event_at() {
    local t=$1; shift
    printf '%s\t%s\n' "$t" "$*" >>"$(_hac_evfile)"
    echo "$t"
}

# hac_progress TEXT: one progress line on stderr, with the seconds since hac_init.
hac_progress() {
    local s=$(( $(hac_now_ms) - ${_HAC_T_INIT:-$(hac_now_ms)} ))
    printf '[%3d.%d s] %s\n' $((s / 1000)) $((s % 1000 / 100)) "$*" >&2
}

# The hosts, read once from the harness's list (a fork costs tens of ms on a loaded machine).
declare -a HAC_CTL_LIST=() HAC_CN_LIST=()
declare -A HAC_IPS=()
declare -a _HAC_PROBE_ENTER=()
_hac_load_hosts() {
    local name ip f
    HAC_CTL_LIST=() HAC_CN_LIST=() HAC_IPS=()
    f="$HAT_STATE_ROOT/$HAT_PREFIX/hosts.list"
    [[ -f $f ]] || return 0
    while read -r name ip; do
        HAC_IPS[$name]=$ip
        case $name in ctl*) HAC_CTL_LIST+=("$name") ;; cn*) HAC_CN_LIST+=("$name") ;; esac
    done <"$f"
    _HAC_PROBE_ENTER=()
}
_hac_hosts_ok() { ((${#HAC_CTL_LIST[@]})) || _hac_load_hosts; }
hac_ctls() { _hac_hosts_ok; ((${#HAC_CTL_LIST[@]})) && printf '%s\n' "${HAC_CTL_LIST[@]}"; return 0; }
hac_cns() { _hac_hosts_ok; ((${#HAC_CN_LIST[@]})) && printf '%s\n' "${HAC_CN_LIST[@]}"; return 0; }
hac_ip() { _hac_hosts_ok; [[ -n ${HAC_IPS[$1]:-} ]] || return 1; echo "${HAC_IPS[$1]}"; }
_hac_ns() { echo "$HAT_PREFIX-$1"; }

# hac_init: traps (teardown on exit, signals end the run through the EXIT trap).
hac_init() {
    _HAC_T_INIT=$(hac_now_ms)
    if ((EUID != 0)); then echo "needs root" >&2; return 1; fi
    local p
    for p in "$HAC_HOOKS/ha-check-slurmctld" "$HAC_HOOKS/ha-notify-master" \
        "$HAC_HOOKS/ha-notify-backup" "$HAC_HOOKS/ha-notify-fault" "$HAC_RPC"; do
        [[ -x $p ]] || { echo "build first: $p is missing" >&2; return 1; }
    done
    # shellcheck disable=SC2154  # rc is set in the trap itself
    if [[ ${HAC_SHARED:-0} == 1 ]]; then
        trap 'rc=$?; hac_watch_stop; exit $rc' EXIT
    else
        trap 'rc=$?; hac_teardown; exit $rc' EXIT
    fi
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# hac_teardown: the sampler, then everything of this prefix (hosts.sh).
hac_teardown() {
    hac_watch_stop
    hat_teardown
}

# ---------------------------------------------------------------------------------------------
# Configuration

# The keepalived script security check: the file and every folder above it root's, not
# writable by group or others.
_hac_unsafe_path() {
    local p=$1
    while :; do
        if [[ $(stat -c %u "$p") != 0 ]] || (($(stat -c %#a "$p") & 8#022)); then
            echo "$p ($(stat -c '%U %A' "$p"))"
            return 0
        fi
        [[ $p == / ]] && return 1
        p=$(dirname "$p")
    done
}

# _hac_priority I: keepalived priority of the I-th controller (1-based): by order.
_hac_priority() { echo $((160 - 10 * $1)); }

# _hac_wrapper HOST: the hook wrapper (see HAC_HOOK_LOG), root's, 0755.
_hac_wrapper() {
    local h=$1 w d
    d="$(hat_host_dir "$h")/bin"
    w=$d/ha-hook-run
    _hat_mkdir "$d"
    cat >"$w" <<EOF
#!/bin/bash
# Written by tests/cluster/lib.sh: runs the built hook ha-notify-EVENT with keepalived's arguments
# and records its start, end, exit status and output (ms since the epoch).
ev=\$1; shift
hook=$HAC_HOOKS/ha-notify-\$ev
log=$(hat_host_dir "$h")/logs/hooks.log
out=$(hat_host_dir "$h")/logs/hooks.out
ms() { local t=\${EPOCHREALTIME/./}; echo \$((10#\$t / 1000)); }
s=\$(ms)
printf '%s\t%s: ha-notify-%s started\n' "\$s" "$h" "\$ev" >>"\$log"
tmp=\$(mktemp /run/ha-hook-run.XXXXXX)
# Output to a file, not a pipe: a child the hook leaves behind (a probe stuck on a hung mount)
# must not keep this wrapper waiting after the hook has exited.
"\$hook" "\$@" >"\$tmp" 2>&1 </dev/null
rc=\$?
e=\$(ms)
last=\$(grep -v '^\$' "\$tmp" | tail -n 1)
printf '%s\t%s: ha-notify-%s exit %d after %d ms: %s\n' "\$e" "$h" "\$ev" "\$rc" \$((e - s)) "\$last" >>"\$log"
{ echo "=== \$s ha-notify-\$ev \$* -> exit \$rc after \$((e - s)) ms"; cat "\$tmp"; } >>"\$out"
rm -f "\$tmp"
exit \$rc
EOF
    chown root:root "$w" "$d"
    chmod 0755 "$w" "$d"
    echo "$w"
}

# _hac_ka_conf HOST I: keepalived.conf of the I-th controller.
_hac_ka_conf() {
    local h=$1 i=$2 c peers='' conf hooks_conf ev notify=''
    conf=$(ha_cluster_hooks_path "$h")
    for c in $(hac_ctls); do
        [[ $c == "$h" ]] || peers+="        $(hac_ip "$c")"$'\n'
    done
    for ev in master backup fault; do
        if [[ $HAC_HOOK_LOG == 1 ]]; then
            notify+="    notify_$ev \"$(hat_host_dir "$h")/bin/ha-hook-run $ev -c $conf\""$'\n'
        else
            notify+="    notify_$ev \"$HAC_HOOKS/ha-notify-$ev -c $conf\""$'\n'
        fi
    done
    hooks_conf=$conf
    cat <<EOF
# Written by tests/cluster/lib.sh (HAT_PREFIX=$HAT_PREFIX) for $h
global_defs {
    router_id $h
    enable_script_security
    script_user root
    vrrp_higher_prio_send_advert true
    vrrp_garp_lower_prio_repeat 3
    vrrp_garp_master_refresh 60
}

vrrp_script chk_slurmctld {
    script "$HAC_HOOKS/ha-check-slurmctld -c $hooks_conf"
    interval 1
    timeout 3
    fall 2
    rise 2
    user root
}

track_file lease_holder {
    file "/run/ha-slurm/vrrp.holder"
    weight 150
}

vrrp_instance VI_1 {
    state BACKUP
    nopreempt
    interface eth0
    virtual_router_id 51
    priority $(_hac_priority "$i")
    advert_int 1
    unicast_src_ip $(hac_ip "$h")
    unicast_peer {
${peers}    }
    virtual_ipaddress {
        $HAC_VIP/24 dev eth0
    }
    track_script {
        chk_slurmctld
    }
    track_file {
        lease_holder
    }
${notify}}
EOF
}

# hac_write_confs: slurm.conf views, ha-slurm.conf and keepalived.conf of every host.
hac_write_confs() {
    local ctls=("$@") h i=0 ka f peers
    HAT_COMPUTE_HOSTS="$(hac_cns | xargs)" HAT_SLURMCTLD_TIMEOUT=${HAC_SLURMCTLD_TIMEOUT:-10} \
        hat_slurm_conf "${ctls[@]}"
    ha_cluster_conf "$HAC_VIP" "${ctls[@]}"
    for h in "${ctls[@]}"; do
        i=$((i + 1))
        peers=
        for f in "${ctls[@]}"; do [[ $f == "$h" ]] || peers+="${peers:+ }$(hac_ip "$f")"; done
        HA_PEERS=$peers HA_VIP=$HAC_VIP ha_cluster_hooks_conf "$h" "[check]" "deadline = $HAC_CHECK_DEADLINE"
        [[ $HAC_HOOK_LOG == 1 ]] && _hac_wrapper "$h" >/dev/null
        ka=$(hat_host_dir "$h")/keepalived.conf
        _hac_ka_conf "$h" "$i" >"$ka"
        chown root:root "$ka"
        chmod 0644 "$ka"
    done
    HAC_CONF_SOURCE="tests/lib/hacluster.sh + tests/cluster/lib.sh (keepalived.conf)"
}

# hac_write_confs_genconf CONTROLLER...: every host's files from tests/cluster/cluster.yaml
# through ha-genconf: slurm.conf (and ha-slurmctld.conf) into the host's /etc/slurm, ha-slurm.conf
# and keepalived.conf into the host's folder. Two paths are adapted, nothing else: the hosts
# share this machine's /etc (but for /etc/slurm and /etc/hosts), so keepalived.conf names the
# host's ha-slurm.conf instead of /etc/ha-slurm/ha-slurm.conf; and with HAC_HOOK_LOG=1 each
# notify line runs the same hook with the same arguments through the logging wrapper.
# cgroup.conf (which ha-genconf does not write) comes from hosts.sh.
hac_write_confs_genconf() {
    local h out conf ka ev yaml=$HAC_SRC/tests/cluster/cluster.yaml
    if [[ ${HAC_DBD:-0} == 1 ]]; then yaml=$(hac_dbd_yaml); fi # accounting.sh
    out=$(hat_state_dir)/genconf
    _hat_mkdir "$out"
    if [[ -n ${HAC_TCP_TIMEOUT:-} ]]; then
        sed "s/^slurm:\$/slurm:\n  tcp_timeout: $HAC_TCP_TIMEOUT/" "$yaml" >"$out/cluster.yaml"
        yaml=$out/cluster.yaml
    fi
    if [[ -n ${HAC_LEASE_TTL:-} ]]; then
        sed "s/^  lease_ttl: .*/  lease_ttl: $HAC_LEASE_TTL/" "$yaml" >"$out/cluster-ttl.yaml"
        yaml=$out/cluster-ttl.yaml
    fi
    if [[ ${HAC_FENCE:-0} == 1 ]]; then
        _hac_fence_yaml "$yaml" >"$out/cluster-fence.yaml" || return 1
        yaml=$out/cluster-fence.yaml
    fi
    # cgroup.conf (and a slurm.conf that is replaced below).
    HAT_COMPUTE_HOSTS="$(hac_cns | xargs)" hat_slurm_conf "$@"
    for h in $(hat_hosts); do
        HAC_HOOKS_DIR=$HAC_HOOKS "$HAC_GENCONF_BIN" --config "$yaml" --host "$h" \
            --output-dir "$out/$h" >/dev/null || return 1
        install -m 0644 "$out/$h/slurm.conf" "$(hat_host_dir "$h")/fs/etc-slurm/slurm.conf"
        if [[ ${HAC_DBD:-0} == 1 ]]; then hac_dbd_confs "$h" "$out/$h"; fi # accounting.sh
        [[ -f $out/$h/ha-slurmctld.conf ]] || continue
        install -m 0644 "$out/$h/ha-slurmctld.conf" "$(hat_host_dir "$h")/fs/etc-slurm/ha-slurmctld.conf"
        conf=$(ha_cluster_hooks_path "$h")
        install -o root -g root -m 0600 "$out/$h/ha-slurm.conf" "$conf"
        if [[ -d $out/$h/fence ]]; then
            # The fence agents' options: root's alone, in the host's folder (its /etc is the
            # machine's).
            install -d -o root -g root -m 0700 "$(hat_host_dir "$h")/fence"
            install -o root -g root -m 0600 "$out/$h"/fence/*.conf "$(hat_host_dir "$h")/fence/"
            sed -i "s|^options = /etc/ha-slurm/fence/|options = $(hat_host_dir "$h")/fence/|" "$conf"
        fi
        ka=$(hat_host_dir "$h")/keepalived.conf
        sed "s|/etc/ha-slurm/ha-slurm.conf|$conf|g" "$out/$h/keepalived.conf" >"$ka"
        if [[ $HAC_HOOK_LOG == 1 ]]; then
            _hac_wrapper "$h" >/dev/null
            for ev in master backup fault; do
                sed -i "s|notify_$ev \"$HAC_HOOKS/ha-notify-$ev |notify_$ev \"$(hat_host_dir "$h")/bin/ha-hook-run $ev |" "$ka"
            done
        fi
        chown root:root "$ka"
        chmod 0644 "$ka"
    done
    HAC_CONF_SOURCE="ha-genconf (tests/cluster/cluster.yaml)"
}

# _hac_fence_yaml YAML: YAML with a fence for each controller (HAC_FENCE): fence_ipmilan over
# lanplus to its BMC, cipher suite 3 (tests/lib/bmc.sh says why), the BMC's password file.
_hac_fence_yaml() {
    local h
    awk -v fences="$(for h in $(hac_ctls); do
        printf '%s|%s|%s|%s\n' "$h" "$(hat_bmc_ip "$h")" "$(hat_bmc_user "$h")" "$(hat_bmc_password_file "$h")"
    done)" '
        BEGIN { n = split(fences, l, "\n"); for (i = 1; i <= n; i++) { split(l[i], f, "|"); ip[f[1]] = f[2]; user[f[1]] = f[3]; pw[f[1]] = f[4] } }
        { print }
        /^    - hostname: / && ($3 in ip) {
            print "      fence:"
            print "        agent: /usr/sbin/fence_ipmilan"
            print "        options:"
            print "          ip: " ip[$3]
            print "          username: " user[$3]
            print "          lanplus: 1"
            print "          cipher: 3"
            print "        password_file: " pw[$3]
        }' "$1"
}

# ---------------------------------------------------------------------------------------------
# Boot

# _hac_hosts N M: the hosts, munged everywhere, the shared folders.
_hac_hosts() {
    local n=$1 m=$2 i h
    local -a ctls=() cns=()
    hat_clean
    hat_net_up
    if [[ -n $HAC_ROOT ]]; then
        HAT_ROOT_BINDS="$HAC_SRC $(hat_state_dir)"
        [[ $HAC_BUILD/ == "$HAC_SRC"/* ]] || HAT_ROOT_BINDS+=" $HAC_BUILD"
        export HAT_ROOT_BINDS
    fi
    for ((i = 1; i <= n; i++)); do hat_host_add "ctl$i" "10.213.0.$((10 + i))" ${HAC_ROOT:+"$HAC_ROOT"}; ctls+=("ctl$i"); done
    if [[ ${HAC_FENCE:-0} == 1 ]]; then
        for ((i = 1; i <= n; i++)); do hat_bmc_add "ctl$i" "10.213.0.$((210 + i))" || return 1; done
    fi
    for ((i = 1; i <= m; i++)); do hat_host_add "cn$i" "10.213.0.$((20 + i))" ${HAC_ROOT:+"$HAC_ROOT"}; cns+=("cn$i"); done
    : >"$(_hac_evfile)"
    _hac_load_hosts
    for h in "${ctls[@]}" "${cns[@]}"; do hat_munged_start "$h"; done
    HAT_SHARED_MODE=$HAC_STORAGE hat_shared_setup "$HAC_STATE" "${ctls[@]}"
    if ((m > 0)); then
        HAT_SHARED_MODE=bind hat_shared_setup "$HAC_JOBS" "${cns[@]}"
        chmod 0777 "$(hat_shared_dir "$HAC_JOBS")"
        # hat_shared_setup names the last folder's slurmctld/ as StateSave: the first one's.
        echo "$HAC_STATE/slurmctld" >"$(hat_state_dir)/statesave"
    fi
}

# hac_boot N M: the cluster with the hooks; returns once one controller holds the VIP and is
# in control, and every slurmd is registered. Prints nothing; hac_progress lines on stderr.
hac_boot() {
    local n=$1 m=$2 h bad master pid
    if [[ ${HAC_SHARED:-0} == 1 ]] && _hac_reuse "$n" "$m"; then return 0; fi
    hac_progress "hosts: $n controllers, $m compute hosts, munged, shared state ($HAC_STORAGE)"
    _hac_hosts "$n" "$m"
    if bad=$(_hac_unsafe_path "$HAC_HOOKS/ha-check-slurmctld"); then
        # keepalived's script security would refuse them: root-only copies (hacluster.sh).
        ha_cluster_safe_hooks "$HAC_HOOKS"
        hac_progress "$bad is writable by others: the hooks run from copies in $HA_HOOKS"
        HAC_HOOKS=$HA_HOOKS
    fi
    hac_progress "configuration"
    mapfile -t _ctls < <(hac_ctls)
    if [[ ${HAC_FENCE:-0} == 1 && ! ($HAC_GENCONF != 0 && -x $HAC_GENCONF_BIN && $n == 3 && $m == 2) ]]; then
        echo "HAC_FENCE=1 needs the configuration of ha-genconf (3 controllers, 2 compute hosts)" >&2
        return 1
    fi
    if [[ $HAC_GENCONF == 1 || ($HAC_GENCONF == auto && -x $HAC_GENCONF_BIN && $n == 3 && $m == 2) ]]; then
        hac_write_confs_genconf "${_ctls[@]}" || { echo "ha-genconf failed" >&2; return 1; }
    else
        hac_write_confs "${_ctls[@]}"
    fi
    for h in "${_ctls[@]}"; do
        # vrrp.holder's folder (keepalived.conf tracks it): keepalived 2.3 wants it at -t.
        hat_exec "$h" mkdir -p -m 0700 /run/ha-slurm || return 1
        if ! out=$(hat_exec "$h" keepalived -t -f "$(hat_host_dir "$h")/keepalived.conf" 2>&1); then
            echo "keepalived refuses the configuration of $h:" >&2
            echo "$out" >&2
            return 1
        fi
    done
    if [[ ${HAC_DBD:-0} == 1 ]]; then hac_dbd_up || { hac_dump; return 1; }; fi # accounting.sh
    hac_progress "configuration from $HAC_CONF_SOURCE; keepalived on ${_ctls[*]}, running the hooks in $HAC_HOOKS$( ((_HAC_SANITIZED)) && echo " (sanitizer build: reports to ${ASAN_OPTIONS##*log_path=})")"
    echo "$HAC_HOOKS" >"$(hat_state_dir)/hooks.path"
    echo "$HAC_CONF_SOURCE" >"$(hat_state_dir)/conf.source"
    for h in "${_ctls[@]}"; do hac_keepalived_start "$h"; done
    # With the sanitizer build's hooks: keepalived must hand the sanitizers' options on (it runs
    # scripts with its own environment), or a report would go to its /dev/null.
    if ((_HAC_SANITIZED)); then
        for h in "${_ctls[@]}"; do
            pid=$(hat_pid "$h" keepalived) || return 1
            if ! tr '\0' '\n' <"/proc/$pid/environ" | grep -q '^ASAN_OPTIONS=.*log_path='; then
                echo "keepalived on $h (pid $pid) has no ASAN_OPTIONS with log_path" >&2
                return 1
            fi
        done
        hac_progress "keepalived on every controller has the sanitizers' options (log_path)"
    fi
    master=$(hac_wait_master 40) || { hac_progress "no master in control after 40 s"; hac_dump; return 1; }
    hac_event "boot: $master holds the VIP and is in control" >/dev/null
    hac_progress "$master holds the VIP and is in control; slurmd on $(hac_cns | xargs)"
    for h in $(hac_cns); do hat_slurmd_start "$h" || { hac_dump; return 1; }; done
    hac_progress "cluster up"
}

# _hac_reuse N M: take over the cluster an earlier run with this HAT_PREFIX left up (HAC_SHARED),
# if it has N controllers and M compute hosts, all its daemons run and it is steady (a master in
# control, the other controllers BACKUP) within 60 s. Between drills: jobs left by the last one
# are cancelled and nodes it left drained resumed (said on stderr). Fails (nothing changed but
# the prefix claimed) when the cluster cannot be reused.
_hac_reuse() {
    local n=$1 m=$2 st h master left
    st=$(hat_state_dir)
    [[ -f $st/hosts.list && -f $st/hooks.path ]] || return 1
    _hat_claim || return 1
    _hac_load_hosts
    ((${#HAC_CTL_LIST[@]} == n && ${#HAC_CN_LIST[@]} == m)) || return 1
    for h in "${HAC_CTL_LIST[@]}"; do hat_alive "$h" keepalived && hat_alive "$h" munged || return 1; done
    for h in "${HAC_CN_LIST[@]}"; do hat_alive "$h" slurmd && hat_alive "$h" munged || return 1; done
    if ! master=$(hac_wait_steady 60); then
        hac_progress "the cluster left by the last test is not steady: booting a new one"
        return 1
    fi
    if ! hac_storage_healed 120; then
        hac_progress "the state volume left by the last test is not healed after 120 s: booting a new one"
        return 1
    fi
    if ((m > 0)); then
        left=$(hat_exec "${HAC_CN_LIST[0]}" timeout 10 squeue -h -o %i 2>/dev/null | xargs) || left=
        if [[ -n $left ]]; then
            hac_progress "cancelling the jobs the last test left: $left"
            # shellcheck disable=SC2086
            hat_exec "${HAC_CN_LIST[0]}" timeout 10 scancel $left || true
        fi
        left=$(hat_exec "${HAC_CN_LIST[0]}" timeout 10 sinfo -h -N -t drain,drained,draining,down -o %N 2>/dev/null | sort -u | xargs) || left=
        if [[ -n $left ]]; then
            hac_progress "resuming the nodes the last test left drained or down: $left"
            hat_exec "${HAC_CN_LIST[0]}" timeout 10 scontrol update NodeName="${left// /,}" State=RESUME || true
        fi
        hat_wait_for 30 eval "[[ -z \$(hat_exec ${HAC_CN_LIST[0]} timeout 10 squeue -h -o %i 2>/dev/null) ]]" || true
    fi
    # Only now: a cluster that is not reused is booted anew from the build's hooks, and the
    # root-only copies named in hooks.path go with the old one's state folder.
    HAC_HOOKS=$(<"$st/hooks.path")
    HAC_CONF_SOURCE=$(<"$st/conf.source")
    hac_progress "the cluster of the earlier test, steady: $master in control (HAC_SHARED)"
}

# hac_keepalived_start HOST
hac_keepalived_start() {
    local -a env=()
    # Daemons start with a clean environment (hat_spawn); the sanitizer build's hooks need the
    # sanitizers' options (reports to files), which keepalived hands on to its scripts.
    # (HAC_HOOKS may be root-only copies of them by now: see hac_boot.)
    if ((_HAC_SANITIZED)); then
        env=(env "ASAN_OPTIONS=${ASAN_OPTIONS:-}" "UBSAN_OPTIONS=${UBSAN_OPTIONS:-}")
    fi
    # keepalived watches vrrp.holder's folder from its start (as the installer's drop-in), and
    # keepalived 2.3 refuses a configuration naming a folder that does not exist.
    hat_exec "$1" mkdir -p -m 0700 /run/ha-slurm || return 1
    hat_spawn "$1" keepalived "${env[@]}" keepalived -n -l -D \
        -f "$(hat_host_dir "$1")/keepalived.conf" -p /run/keepalived.pid -r /run/keepalived_vrrp.pid
}

# hac_boot_native N M TIMEOUT: native Slurm HA, no keepalived, no hooks, no VIP: every host's
# slurm.conf lists ctl1..ctlN in one order, slurmctld runs on every controller (ctl1 in control,
# the others in standby, taking over after SlurmctldTimeout=TIMEOUT).
hac_boot_native() {
    local n=$1 m=$2 timeout=$3 h
    hac_progress "hosts (native Slurm HA, SlurmctldTimeout=$timeout): $n controllers, $m compute hosts"
    _hac_hosts "$n" "$m"
    mapfile -t _ctls < <(hac_ctls)
    HAT_COMPUTE_HOSTS="$(hac_cns | xargs)" HAT_SLURMCTLD_TIMEOUT=$timeout hat_slurm_conf "${_ctls[@]}"
    for h in "${_ctls[@]}"; do hat_slurmctld_start "$h" || return 1; done
    for h in $(hac_cns); do hat_slurmd_start "$h" || return 1; done
    HAC_NATIVE=1
    hac_progress "native cluster up"
}

# hac_dump: the last lines of every controller's logs (after a failure), on stderr.
hac_dump() {
    local h f
    for h in $(hac_ctls); do
        for f in "$(hat_log "$h" keepalived)" "$(hat_host_dir "$h")/logs/hooks.out" \
            "$(hat_host_dir "$h")/fs/log-slurm/slurmctld.log"; do
            [[ -f $f ]] || continue
            echo "--- $h: $f" >&2
            tail -n 15 "$f" | sed 's/^/    /' >&2
        done
    done
}

# ---------------------------------------------------------------------------------------------
# Looking

# hac_vip_holders: the controllers whose eth0 is up and carries the VIP.
hac_vip_holders() {
    local h
    _hac_hosts_ok
    for h in "${HAC_CTL_LIST[@]}"; do
        [[ $(ip -n "$HAT_PREFIX-$h" -4 -o addr show dev eth0 up 2>/dev/null) == *" $HAC_VIP/"* ]] &&
            echo "$h"
    done
    return 0
}

# hac_control_states [HOST...]: one line "HOST STATE" per controller (default all), STATE
# active | standby | down (nothing answers) | ? (an answer that says nothing, e.g. an
# authentication failure). Asked from the first compute host (or the first controller when
# there is none) with a 300 ms limit per controller.
hac_control_states() {
    local h
    local -a hosts=("$@") args=()
    _hac_hosts_ok
    ((${#hosts[@]})) || hosts=("${HAC_CTL_LIST[@]}")
    if ((${#_HAC_PROBE_ENTER[@]} == 0)); then
        h=${HAC_CN_LIST[0]:-${HAC_CTL_LIST[0]}}
        _hat_enter_cmd "$h" 1 _HAC_PROBE_ENTER || return 1
    fi
    for h in "${hosts[@]}"; do args+=("$h" "${HAC_IPS[$h]}"); done
    # shellcheck disable=SC2016
    "${_HAC_PROBE_ENTER[@]}" sh -c '
        rpc=$1; shift
        while [ $# -ge 2 ]; do
            out=$("$rpc" --protocol "$HAC_PROTOCOL" --timeout 300ms "$2" status 2>&1)
            case $out in
                *control=active*) s=active ;;
                *control=standby*) s=standby ;;
                *ECONNREFUSED*|*ETIMEDOUT*|*EHOSTUNREACH*) s=down ;;
                *) s="?" ;;
            esac
            echo "$1 $s"
            shift 2
        done' sh "$HAC_RPC" "${args[@]}" 2>/dev/null
}

# hac_in_control HOST: its slurmctld says it is in control.
hac_in_control() { [[ $(hac_control_states "$1") == "$1 active" ]]; }

# hac_master: the one VIP holder that is in control, if there is exactly one VIP holder and
# exactly one controller in control and they are the same; else fails.
hac_master() {
    local h v holders=() active=()
    mapfile -t holders < <(hac_vip_holders)
    ((${#holders[@]} == 1)) || return 1
    while read -r h v; do [[ $v == active ]] && active+=("$h"); done < <(hac_control_states)
    ((${#active[@]} == 1)) && [[ ${active[0]} == "${holders[0]}" ]] || return 1
    echo "${holders[0]}"
}

# hac_wait_master TIMEOUT_S: wait until hac_master answers; prints it.
hac_wait_master() {
    local end=$(( $(hac_now_ms) + $1 * 1000 )) m
    while :; do
        if m=$(hac_master); then echo "$m"; return 0; fi
        (( $(hac_now_ms) < end )) || return 1
        sleep 0.1
    done
}

# hac_wait_new_master OLD TIMEOUT_S: wait until a controller other than OLD is the master.
hac_wait_new_master() {
    local end=$(( $(hac_now_ms) + $2 * 1000 )) m
    while :; do
        if m=$(hac_master) && [[ $m != "$1" ]]; then echo "$m"; return 0; fi
        (( $(hac_now_ms) < end )) || return 1
        sleep 0.1
    done
}

# hac_wait_steady TIMEOUT_S: a master in control, every other controller's keepalived in
# BACKUP, and no hook running (one still at work, such as a promotion refused after its
# [lease] wait on the minority side of a healed partition, would act inside the next drill);
# prints the master.
hac_wait_steady() {
    local end=$(( $(hac_now_ms) + $1 * 1000 )) m h ok
    while :; do
        if m=$(hac_master) && _hac_hooks_idle; then
            ok=1
            for h in "${HAC_CTL_LIST[@]}"; do
                [[ $h == "$m" || $(hac_ka_state "$h") == BACKUP ]] || ok=0
            done
            ((ok)) && { echo "$m"; return 0; }
        fi
        (( $(hac_now_ms) < end )) || return 1
        sleep 0.2
    done
}

# hac_storage_healed TIMEOUT_S: with GlusterFS, wait until the state volume has every brick
# connected and nothing left to heal (hat_gluster_healed; asked on the master). A drill or a
# benchmark repetition that loses a host before then tests a double failure.
hac_storage_healed() {
    [[ $HAC_STORAGE == gluster ]] || return 0
    local m
    m=$(hac_master) || m=${HAC_CTL_LIST[0]}
    hat_wait_for "$1" hat_gluster_healed "$HAC_STATE" "$m"
}

# hac_storage_heal: with GlusterFS, start an index heal of the state volume now (gluster volume
# heal), as an administrator would: after a brick's host was frozen and runs again, the
# self-heal daemons were seen to leave its entries until their next crawl (cluster.heal-timeout,
# 600 s). It first waits (30 s at most) until every controller's glusterd is a connected peer
# and its self-heal daemon is online: asked sooner, right after a host booted again, glusterd
# refuses ("Commit failed on ctlN"). The heal is a request: whether it worked is for
# hac_storage_healed to assert; a refusal is printed as a TAP comment, not fatal.
hac_storage_heal() {
    [[ $HAC_STORAGE == gluster ]] || return 0
    local m key out n=${#HAC_CTL_LIST[@]}
    m=$(hac_master) || m=${HAC_CTL_LIST[0]}
    key=$(_hat_shared_key "$HAC_STATE")
    hat_wait_for 30 _hac_gluster_shds_ok "$m" "$key" "$n" ||
        echo "# hac_storage_heal: not every self-heal daemon online after 30 s: $(_hat_gluster "$m" volume status "$key" shd 2>&1 | grep 'Self-heal' | tr -s ' ' | paste -sd';')"
    out=$(_hat_gluster "$m" volume heal "$key" 2>&1) ||
        echo "# hac_storage_heal: gluster volume heal refused: $(tr '\n' ' ' <<<"$out")"
    return 0
}

# _hac_gluster_shds_ok HOST KEY N: asked in HOST, N glusterd peers connected (HOST's and N - 1
# others) and N self-heal daemons online for volume KEY.
_hac_gluster_shds_ok() {
    local shd
    _hat_gluster_peers_ok "$1" "$(($3 - 1))" || return 1
    shd=$(_hat_gluster "$1" volume status "$2" shd 2>/dev/null | grep -cE '^Self-heal Daemon on .*[[:space:]]Y[[:space:]]+[0-9]+') || return 1
    ((shd >= $3))
}

# hac_ka_state HOST: keepalived's last state (MASTER, BACKUP, FAULT), from its log.
hac_ka_state() {
    local f; f=$(hat_log "$1" keepalived)
    [[ -f $f ]] || { echo none; return 0; }
    local s
    s=$(tail -c 200000 "$f" | grep -o 'VI_1) Entering [A-Z]* STATE' | tail -n 1 | awk '{print $3}')
    echo "${s:-INIT}"
}

# hac_ctld_pid HOST: the pid of the slurmctld running in HOST (its pid file, checked against
# /proc: that process is named slurmctld and lives in HOST's network namespace). Fails if none.
hac_ctld_pid() {
    local pid f p
    f="$(hat_host_dir "$1")/fs/run/slurmctld.pid"
    { read -r pid <"$f"; } 2>/dev/null || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == slurmctld ]] || return 1
    for p in $(ip netns pids "$(_hac_ns "$1")" 2>/dev/null); do
        [[ $p == "$pid" ]] && { echo "$pid"; return 0; }
    done
    return 1
}

# hac_host_pids HOST: the processes of HOST: those in its network namespace, less the sampler's
# own looks (hac_watch_start's `ip -n HOST addr show` lives in that namespace for a few ms every
# round, and is the test's, not the host's). A process that ends while it is looked at is left out.
hac_host_pids() {
    local p q
    for p in $(ip netns pids "$(_hac_ns "$1")" 2>/dev/null); do
        q=$p
        while [[ $q =~ ^[0-9]+$ && $q -gt 1 ]]; do
            [[ $q == "${_HAC_WATCH_PID:-}" ]] && continue 2
            q=$(awk '/^PPid:/ { print $2 }' "/proc/$q/status" 2>/dev/null) || continue 2
        done
        echo "$p"
    done
}

# hac_kill_ctld HOST [SIGNAL]: signal HOST's slurmctld (default KILL).
hac_kill_ctld() {
    local pid
    pid=$(hac_ctld_pid "$1") || { echo "hac: no slurmctld in $1" >&2; return 1; }
    kill -s "${2:-KILL}" "$pid"
}

# hac_hook_runs [FROM_MS]: the hook lines (start and exit) of every controller since FROM_MS.
hac_hook_runs() {
    local from=${1:-0} h
    for h in $(hac_ctls); do
        [[ -f "$(hat_host_dir "$h")/logs/hooks.log" ]] && cat "$(hat_host_dir "$h")/logs/hooks.log"
    done | awk -F'\t' -v f="$from" '$1 >= f' | sort -n
}

# _hac_hooks_idle: every hook run that started in the last 30 s (longer than the hooks' 25 s
# deadline: an older one without an exit line went with a lost host) has exited.
_hac_hooks_idle() {
    local now
    now=$(hac_now_ms)
    hac_hook_runs "$((now - 30000))" | awk -F'\t' -v from="$((now - 30000))" '
        / started$/ { n++ }
        / exit [0-9]+ after [0-9]+ ms/ { match($2, /after [0-9]+ ms/)
            if ($1 - substr($2, RSTART + 6, RLENGTH - 9) >= from) n-- }
        END { exit n > 0 }'
}

# hac_hook_output HOST [FROM_MS]: the output of HOST's hook runs that started at or after FROM_MS
# (the wrapper's hooks.out, one "=== START ha-notify-EVENT ... -> exit" block per run).
hac_hook_output() {
    local f
    f="$(hat_host_dir "$1")/logs/hooks.out"
    [[ -f $f ]] || return 0
    awk -v f="${2:-0}" '/^=== [0-9]+ ha-notify-/ { keep = ($2 >= f) } keep' "$f"
}

# ---------------------------------------------------------------------------------------------
# Failures

# hac_host_lose HOST: the host is lost, as in a power cut: every process in it is frozen
# (SIGSTOP, so none reacts to what follows), its link goes down (nothing it might still send
# reaches anyone), then every process is killed with SIGKILL.
hac_host_lose() {
    local h=$1 ns p pids
    ns=$(_hac_ns "$h")
    pids=$(hac_host_pids "$h")
    for p in $pids; do kill -STOP "$p" 2>/dev/null || true; done
    ip -n "$ns" link set eth0 down
    for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
    # Anything started in between (a hook, a check) goes too.
    for _ in 1 2 3 4 5; do
        pids=$(hac_host_pids "$h")
        [[ -z $pids ]] && break
        for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
        sleep 0.1
    done
}

# hac_host_recover HOST: the lost host boots again: link up, a fresh /run (as after a reboot),
# munged, the shared mount, keepalived (no slurmctld: keepalived decides); in a native cluster
# (hac_boot_native) slurmctld instead of keepalived.
# hac_host_freeze HOST: every process of HOST frozen at once (a paused VM, a host stalled by
# swap): its network stays up, so its kernel still accepts connections nobody answers.
hac_host_freeze() {
    local p left
    # shellcheck disable=SC2046 # one pid per word
    hat_freeze "$1" $(hac_host_pids "$1") || return 1
    # One forked while the others were moved joins them (a frozen cgroup freezes what enters).
    for p in $(hac_host_pids "$1"); do
        grep -qx "$p" "$(hat_freezer_dir "$1")/cgroup.procs" || echo "$p" >"$(hat_freezer_dir "$1")/cgroup.procs"
    done
    left=$(hac_host_pids "$1" | grep -vxF -f "$(hat_freezer_dir "$1")/cgroup.procs" || true)
    [[ -z $left ]] || { echo "hac_host_freeze $1: not frozen: $left" >&2; return 1; }
}
# hac_host_frozen_ms HOST: when HOST was frozen (ms since the epoch): finding and moving its
# processes before that takes a second or two on a busy machine, while they still run.
hac_host_frozen_ms() { cat "$(hat_frozen_ms_file "$1")"; }
# hac_host_thaw HOST: all of them run again at once.
hac_host_thaw() { hat_thaw "$1"; }
hac_host_recover() {
    local h=$1 hd run mu
    hd=$(hat_host_dir "$h")
    run=$hd/fs/run
    hat_exec "$h" umount -l "$HAC_STATE" 2>/dev/null || true
    find "$run" -mindepth 1 -delete
    mu=$(_hat_uid "" munge)
    _hat_mkdir "$run/munge"
    chown "$mu" "$run/munge"
    # A reboot starts with the interface's own address only (keepalived was killed holding the VIP).
    ip -n "$(_hac_ns "$h")" addr del "$HAC_VIP/24" dev eth0 2>/dev/null || true
    ip -n "$(_hac_ns "$h")" link set eth0 up
    hat_munged_start "$h"
    HAT_SHARED_MODE=$HAC_STORAGE hat_shared_setup "$HAC_STATE" "$h"
    echo "$HAC_STATE/slurmctld" >"$(hat_state_dir)/statesave"
    if [[ ${HAC_NATIVE:-0} == 1 ]]; then
        hat_slurmctld_start "$h"
    else
        hac_keepalived_start "$h"
    fi
}

# hac_partition [--all] HOST...: cut HOSTs off the other controllers, both ways. Compute hosts
# still reach everyone.
#   default: the controllers' own traffic only: VRRP (IP protocol 112) and the Slurm controller
#       port (6817) between the two sides are dropped (nftables in each controller's network
#       namespace); everything else, the shared storage's traffic among it, still flows: "the
#       controllers cannot see each other, the storage is still shared".
#   --all: every frame between the two sides goes nowhere (each side gets a permanent neighbour
#       entry with a MAC address nobody has for the other side's addresses): with GlusterFS the
#       storage is partitioned too, and only the side with a quorum of bricks can write.
#       Routes would not do: keepalived sends its adverts on a socket bound to eth0, which a
#       blackhole route does not stop.
hac_partition() {
    local a b all=0
    [[ ${1:-} == --all ]] && { all=1; shift; }
    for a in "$@"; do
        for b in $(hac_ctls); do
            [[ " $* " == *" $b "* ]] && continue
            if ((all)); then
                ip -n "$(_hac_ns "$a")" neigh replace "$(hac_ip "$b")" lladdr 02:00:00:00:ff:"${b#ctl}" \
                    nud permanent dev eth0
                ip -n "$(_hac_ns "$b")" neigh replace "$(hac_ip "$a")" lladdr 02:00:00:00:ff:"${a#ctl}" \
                    nud permanent dev eth0
            else
                _hac_nft_drop "$a" "$(hac_ip "$b")"
                _hac_nft_drop "$b" "$(hac_ip "$a")"
            fi
        done
    done
}

# _hac_nft_drop HOST ADDR: in HOST, drop VRRP and Slurm controller traffic from and to ADDR.
_hac_nft_drop() {
    ip netns exec "$(_hac_ns "$1")" nft -f - <<EOF
table inet hac_partition {
    chain in { type filter hook input priority 0; policy accept; }
    chain out { type filter hook output priority 0; policy accept; }
}
add rule inet hac_partition in ip saddr $2 ip protocol 112 drop
add rule inet hac_partition in ip saddr $2 tcp dport 6817 drop
add rule inet hac_partition in ip saddr $2 tcp sport 6817 drop
add rule inet hac_partition out ip daddr $2 ip protocol 112 drop
add rule inet hac_partition out ip daddr $2 tcp dport 6817 drop
add rule inet hac_partition out ip daddr $2 tcp sport 6817 drop
EOF
}

# hac_heal: remove every partition (the nftables table, the permanent neighbour entries).
hac_heal() {
    local h ip
    for h in $(hac_ctls); do
        ip netns exec "$(_hac_ns "$h")" nft delete table inet hac_partition 2>/dev/null || true
        while read -r ip; do
            [[ -n $ip ]] && ip -n "$(_hac_ns "$h")" neigh del "$ip" dev eth0
        done < <(ip -n "$(_hac_ns "$h")" neigh show nud permanent | awk '$0 ~ /lladdr 02:00:00:00:ff:/ {print $1}')
    done
}

# ---------------------------------------------------------------------------------------------
# Jobs

# hac_sbatch HOST [SBATCH ARGS...]: one sbatch through the VIP from HOST (within 10 s); prints
# the job id; fails if it is not accepted. Default job: sleep 1.
hac_sbatch() {
    local h=$1; shift
    local -a args=("$@")
    ((${#args[@]})) || args=(--wrap 'sleep 1')
    hat_exec "$h" timeout 10 sbatch --parsable -o /dev/null -e /dev/null "${args[@]}" 2>/dev/null
}

# hac_sbatch_until_accepted HOST TIMEOUT_S [SBATCH ARGS...]: submit through the VIP from HOST
# until a submission is accepted: a new attempt every HAC_SBATCH_GAP_MS (default 200) ms, each
# limited to HAC_SBATCH_TIMEOUT (default 3) s, attempts overlapping (so the time of the first acceptance is known to about
# that gap, not to sbatch's own retry interval). Records "sbatch accepted" as an event (at the
# time the accepting sbatch returned); prints "JOBID EVENT_MS ATTEMPTS". Other attempts may be
# accepted too (jobs of the same kind); they are waited for before returning. Default job:
# sleep 1.
hac_sbatch_until_accepted() {
    local h=$1 timeout=$2; shift 2
    local end=$(( $(hac_now_ms) + timeout * 1000 )) n=0 next=0 now d f best='' id t
    local -a args=("$@") pids=()
    ((${#args[@]})) || args=(--wrap 'sleep 1')
    d=$(mktemp -d "$(hat_state_dir)/sbatch.XXXXXX")
    while :; do
        now=$(hac_now_ms)
        if ((now >= next)); then
            n=$((n + 1))
            (
                if out=$(hat_exec "$h" timeout "${HAC_SBATCH_TIMEOUT:-3}" sbatch --parsable -o /dev/null -e /dev/null \
                    "${args[@]}" 2>/dev/null) && [[ $out =~ ^[0-9]+ ]]; then
                    # Whole or not at all: the loop below may read it at any moment.
                    echo "$(hac_now_ms) ${out%%;*} $n" >"$d/tmp.$n" && mv "$d/tmp.$n" "$d/ok.$n"
                fi
            ) </dev/null &
            pids+=($!)
            next=$((now + ${HAC_SBATCH_GAP_MS:-200}))
        fi
        for f in "$d"/ok.*; do
            [[ -f $f ]] || continue
            read -r t id k <"$f"
            if [[ -z $best ]] || ((t < ${best%% *})); then best="$t $id $k"; fi
        done
        [[ -n $best ]] && break
        ((now < end)) || break
        sleep 0.05
    done
    wait "${pids[@]}" 2>/dev/null || true
    for f in "$d"/ok.*; do
        [[ -f $f ]] || continue
        read -r t id k <"$f"
        if [[ -z $best ]] || ((t < ${best%% *})); then best="$t $id $k"; fi
    done
    rm -rf "$d"
    [[ -n $best ]] || return 1
    read -r t id k <<<"$best"
    printf '%s\t%s\n' "$t" "sbatch through the VIP from $h accepted: job $id (attempt $k of $n)" >>"$(_hac_evfile)"
    echo "$id $t $n"
}

# hac_squeue HOST [ARGS...]: squeue through the VIP from HOST.
hac_squeue() {
    local h=$1; shift
    hat_exec "$h" timeout 10 squeue -h "$@" 2>/dev/null
}

# hac_job_state HOST JOBID: the job's state through the VIP (scontrol), e.g. RUNNING.
hac_job_state() {
    hat_exec "$1" timeout 10 scontrol show job "$2" 2>/dev/null |
        sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'
}

# ---------------------------------------------------------------------------------------------
# The sampler and the timeline

# The control sampler: a loop in the first compute host (or the first controller) that asks
# every controller at once (ha-rpc status, REQUEST_CONTROL_STATUS, 300 ms limit each, in
# parallel) every HAC_SAMPLE_MS ms; each answer stamped when it came. A controller that says it
# is in control is "active", one that says standby "standby", one that refuses the connection or
# is unreachable "down"; one that does not answer in time is "silent", and one whose answer is
# anything else "?": neither is known not to be in control. Changes become events. Its stats
# file has "samples=N two=N maxgap=MS maybe=N": samples, samples in which more than one
# controller said it was in control, the longest time between the starts of two samples, and
# samples with a possible double: one controller active while another, last seen active, is
# silent or "?" and not shown unable to act (by the host sampler, in the file hac-can-HOST of
# the folder it is given: its slurmctld "dead", "frozen" by the cgroup freezer, or "stopped"
# by SIGSTOP); each such episode is a "???" event.
# shellcheck disable=SC2016
_HAC_CONTROL_LOOP='
rpc=$1 proto=$2 period=$3 ev=$4 stats=$5 can_dir=$6; shift 6
declare -A prev=() wasact=() maybeon=() cur=()
samples=0 two=0 maxgap=0 last=0 maybe=0
trap "exit 0" TERM
while :; do
    x=${EPOCHREALTIME/./}; start=$((10#$x / 1000))
    if ((last && start - last > maxgap)); then maxgap=$((start - last)); fi
    last=$start
    act=()
    cur=()
    while read -r h s; do
        x=${EPOCHREALTIME/./}; t=$((10#$x / 1000))
        cur[$h]=$s
        [[ $s == active ]] && act+=("$h")
        if [[ ${prev[$h]-} != "$s" ]]; then
            prev[$h]=$s
            printf "%s\t%s: control %s\n" "$t" "$h" "$s" >>"$ev"
        fi
    done < <(
        set -- "$@"
        while (($# >= 2)); do
            (
                out=$("$rpc" --protocol "$proto" --timeout 300ms "$2" status 2>&1)
                case $out in
                    *control=active*) s=active ;;
                    *control=standby*) s=standby ;;
                    *ECONNREFUSED*|*EHOSTUNREACH*) s=down ;;
                    *ETIMEDOUT*) s=silent ;;
                    *) s="?" ;;
                esac
                echo "$1 $s"
            ) &
            shift 2
        done
        wait
    )
    samples=$((samples + 1))
    if ((${#act[@]} > 1)); then
        two=$((two + 1))
        printf "%s\t%s\n" "$t" "!!! ${#act[@]} controllers in control: ${act[*]}" >>"$ev"
    fi
    found=0
    for h in "${!cur[@]}"; do
        case ${cur[$h]} in
            active) wasact[$h]=1; maybeon[$h]=0; continue ;;
            standby|down) wasact[$h]=0; maybeon[$h]=0; continue ;;
        esac
        can=unknown
        { read -r can <"$can_dir/hac-can-$h"; } 2>/dev/null || can=unknown
        case $can in
            dead) wasact[$h]=0; maybeon[$h]=0; continue ;;
            frozen|stopped) maybeon[$h]=0; continue ;;
        esac
        ((${#act[@]} > 0 && ${wasact[$h]:-0})) || continue
        found=1
        if ((! ${maybeon[$h]:-0})); then
            maybeon[$h]=1
            printf "%s\t%s\n" "$t" "??? possible double: ${act[*]} in control; $h, last seen in control, ${cur[$h]}, its slurmctld $can" >>"$ev"
        fi
    done
    maybe=$((maybe + found))
    printf "samples=%d two=%d maxgap=%d maybe=%d\n" "$samples" "$two" "$maxgap" "$maybe" >"$stats"
    x=${EPOCHREALTIME/./}; t=$((10#$x / 1000))
    k=$((period - (t - start)))
    if ((k > 0)); then sleep "$((k / 1000)).$(printf "%03d" $((k % 1000)))"; fi
done
'

# The host sampler loop (background): every HAC_SAMPLE_MS ms, for each controller, each
# observation stamped when it was made: VIP on an interface that is up (ip), slurmctld process
# (pid file, /proc), keepalived state (its log, read as it grows), the check's last verdict (its
# record in /run/ha-slurm). Changes become events.
_hac_watch_loop() {
    local -a ctls
    local -A prev=() ns=() kafd=() kabuf=() ka=() hostdir=() kalog=() frz=() can=()
    local h line k v start period pid comm ck f ev T st pst c fs
    ev=$(_hac_evfile)
    st=$(hat_state_dir)
    period=$HAC_SAMPLE_MS
    trap 'exit 0' TERM
    mapfile -t ctls < <(hac_ctls)
    for h in "${ctls[@]}"; do
        ns[$h]=$(_hac_ns "$h")
        hostdir[$h]=$(hat_host_dir "$h")
        frz[$h]=$(hat_freezer_dir "$h")/freezer.state
        kalog[$h]=$(hat_log "$h" keepalived)
        ka[$h]=none
    done
    _stamp() { local x=${EPOCHREALTIME/./}; T=$((10#$x / 1000)); }
    _emit() { # KEY VALUE TEXT
        if [[ ${prev[$1]-unset} != "$2" ]]; then
            prev[$1]=$2
            printf '%s\t%s\n' "$T" "$3" >>"$ev"
        fi
    }
    while :; do
        _stamp; start=$T
        for h in "${ctls[@]}"; do
            # VIP.
            v=0
            if [[ $(ip -n "${ns[$h]}" -4 -o addr show dev eth0 up 2>/dev/null) == *" $HAC_VIP/"* ]]; then v=1; fi
            _stamp
            if ((v)); then _emit "$h.vip" 1 "VIP on $h"; else _emit "$h.vip" 0 "VIP off $h"; fi
            # slurmctld process (pid file, name, network namespace).
            pid=- comm=
            if { read -r pid <"${hostdir[$h]}/fs/run/slurmctld.pid"; } 2>/dev/null &&
                [[ $pid =~ ^[0-9]+$ ]] && { read -r comm <"/proc/$pid/comm"; } 2>/dev/null &&
                [[ $comm == slurmctld && /proc/$pid/ns/net -ef /run/netns/${ns[$h]} ]]; then
                :
            else
                pid=-
            fi
            _stamp
            if [[ $pid == - ]]; then _emit "$h.ctld" - "$h: no slurmctld process"
            else _emit "$h.ctld" "$pid" "$h: slurmctld process runs (pid $pid)"; fi
            # Whether that slurmctld can act at all, for the control sampler (hac-can-HOST).
            fs='' pst=''
            { read -r fs <"${frz[$h]}"; } 2>/dev/null || fs=
            if [[ $pid == - ]]; then c=dead
            elif [[ $fs == FROZEN ]]; then c=frozen
            elif { read -r _ _ pst _ <"/proc/$pid/stat"; } 2>/dev/null && [[ $pst == T ]]; then c=stopped
            else c=runs; fi
            if [[ ${can[$h]-} != "$c" ]]; then
                can[$h]=$c
                echo "$c" >"$st/hac-can-$h.tmp" && mv -f "$st/hac-can-$h.tmp" "$st/hac-can-$h"
            fi
            # keepalived state: the new lines of its log.
            f=${kalog[$h]}
            if [[ -z ${kafd[$h]:-} && -f $f ]]; then exec {k}<"$f"; kafd[$h]=$k; fi
            if [[ -n ${kafd[$h]:-} ]]; then
                while :; do
                    line=
                    if IFS= read -r -u "${kafd[$h]}" line; then
                        line=${kabuf[$h]:-}$line; kabuf[$h]=
                        [[ $line =~ VI_1\)\ Entering\ ([A-Z]+)\ STATE ]] && ka[$h]=${BASH_REMATCH[1]}
                    else
                        kabuf[$h]=${kabuf[$h]:-}$line
                        break
                    fi
                done
            fi
            _stamp
            _emit "$h.ka" "${ka[$h]}" "$h: keepalived ${ka[$h]}"
            # The check's verdict record.
            ck=-
            if { read -r ck k _ <"${hostdir[$h]}/fs/run/ha-slurm/check.verdict"; } 2>/dev/null; then
                [[ $ck == unhealthy ]] && ck="unhealthy ($k)"
            else
                ck=-
            fi
            _stamp
            _emit "$h.check" "$ck" "$h: check $ck"
        done
        _stamp
        k=$((period - (T - start)))
        ((k > 0)) && sleep "$((k / 1000)).$(printf '%03d' $((k % 1000)))"
    done
}

# hac_watch_start: start both samplers (every HAC_SAMPLE_MS ms).
hac_watch_start() {
    local from h
    local -a args=()
    hac_watch_stop
    rm -f "$(hat_state_dir)/hac-watch" "$(hat_state_dir)"/hac-can-*
    _hac_watch_loop </dev/null >/dev/null 2>&1 &
    _HAC_WATCH_PID=$!
    disown "$_HAC_WATCH_PID" 2>/dev/null || true
    _hac_hosts_ok
    from=${HAC_CN_LIST[0]:-${HAC_CTL_LIST[0]}}
    for h in $(hac_ctls); do args+=("$h" "$(hac_ip "$h")"); done
    local -a pre
    _hat_enter_cmd "$from" 1 pre
    # exec: the recorded pid is the loop's own (nsenter execs bash).
    (exec "${pre[@]}" bash -c "$_HAC_CONTROL_LOOP" bash "$HAC_RPC" "$HAC_PROTOCOL" \
        "$HAC_SAMPLE_MS" "$(_hac_evfile)" "$(hat_state_dir)/hac-watch" "$(hat_state_dir)" "${args[@]}" \
        </dev/null >/dev/null 2>&1) &
    _HAC_CONTROL_PID=$!
    disown "$_HAC_CONTROL_PID" 2>/dev/null || true
    hat_wait_for 5 test -s "$(hat_state_dir)/hac-watch"
}

# hac_watch_stop: stop them (the pids this shell started).
hac_watch_stop() {
    local p i
    for p in ${_HAC_WATCH_PID:-} ${_HAC_CONTROL_PID:-}; do
        kill -TERM "$p" 2>/dev/null || true
        for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
    done
    _HAC_WATCH_PID='' _HAC_CONTROL_PID=''
}

# hac_watch_stats: "samples=N two=N maxgap=MS maybe=N" of the sampler so far; empty when the sampler
# wrote none (hac_never_two_ok then fails).
hac_watch_stats() {
    local l=
    for _ in 1 2 3 4 5; do
        l=$(cat "$(hat_state_dir)/hac-watch" 2>/dev/null) || l=
        [[ $l == samples=* ]] && break
        sleep 0.02
    done
    echo "$l"
}

# hac_timeline T0_MS [FROM_MS [TO_MS]]: every event (test, sampler, hooks) between FROM_MS
# (default T0 - 3 s) and TO_MS (default now), sorted, as "+1234 ms  event" relative to T0.
hac_timeline() {
    local t0=$1 from=${2:-$(($1 - 3000))} to=${3:-$(hac_now_ms)} h
    {
        cat "$(_hac_evfile)"
        for h in $(hac_ctls); do
            [[ -f "$(hat_host_dir "$h")/logs/hooks.log" ]] && cat "$(hat_host_dir "$h")/logs/hooks.log"
        done
    } | awk -F'\t' -v f="$from" -v t="$to" '$1 >= f && $1 <= t' | sort -s -n -k1,1 |
        awk -F'\t' -v t0="$t0" '{ d = $1 - t0; printf "%+7d ms  %s\n", d, $2 }'
}

# hac_first_event T0 REGEX: ms from T0 to the first event at or after T0 that matches REGEX
# (awk ERE); empty if none.
hac_first_event() {
    local t0=$1 re=$2 h
    {
        cat "$(_hac_evfile)"
        for h in $(hac_ctls); do
            [[ -f "$(hat_host_dir "$h")/logs/hooks.log" ]] && cat "$(hat_host_dir "$h")/logs/hooks.log"
        done
    } | sort -s -n -k1,1 | awk -F'\t' -v t0="$t0" -v re="$re" '!done && $1 >= t0 && $2 ~ re { print $1 - t0; done = 1 }'
}

# ---------------------------------------------------------------------------------------------
# For the drills

# hac_drill N M: how every drill starts: the assertions of tests/lib/testlib.sh, hac_init, and a
# cluster of N controllers and M compute hosts (hac_boot; with HAC_SHARED, the fixture's).
hac_drill() {
    # shellcheck source=../lib/testlib.sh
    source "$HAC_SRC/tests/lib/testlib.sh"
    hac_init
    hac_boot "$@"
}

# hac_drill_job [saved]: JOB, a 60 s job submitted from cn1 before the failure; asserts it runs
# within 15 s and, with "saved", that the master has its start in the shared state within 10 s
# (outside slurmctld's state-save window, where a SIGKILL would lose the start).
# shellcheck disable=SC2120 # "saved" is optional
hac_drill_job() {
    JOB=$(hac_sbatch cn1 --wrap 'sleep 60')
    t_ok "a job is running before the failure" hat_wait_for 15 eval "[[ \$(hac_job_state cn1 $JOB) == RUNNING ]]"
    [[ ${1:-} != saved ]] ||
        t_ok "its start is saved in the shared state" hac_job_start_saved "$(hac_master)" "$JOB" 10
}

# hac_assert_never_two [WORDS]: asserts the sampler (hac_watch_start) never saw two controllers
# in control so far; WORDS go after "in control" in the assertion (", all along").
# shellcheck disable=SC2120 # WORDS are optional
hac_assert_never_two() {
    local samples two gap maybe
    read -r samples two gap maybe <<<"$(hac_watch_stats | tr -d 'a-z=')"
    t_ok "never two controllers in control${1:-} (${samples:-no} samples, longest gap ${gap:-?} ms, ${maybe:-?} possible)" \
        hac_never_two_ok "$samples" "$two" "$gap" "$maybe"
}

# The longest time allowed between the starts of two samples of the control sampler: a double
# shorter than this could fall between two samples unseen; a gap longer is a missing
# measurement. With the gap bounded, the number of samples is too: one per HAC_MAX_GAP_MS at
# least.
HAC_MAX_GAP_MS=500

# hac_never_two_ok SAMPLES TWO MAXGAP MAYBE: true when the control sampler took samples (SAMPLES
# a number above 0), is still running, never let more than HAC_MAX_GAP_MS pass between two
# samples (MAXGAP), and saw two controllers in control in none (TWO is 0) and a possible double
# in none (MAYBE is 0: a controller in control while another that was, still able to act, did
# not answer); else says why on stderr. No samples, no sampler, a dead one or a longer gap is a
# missing measurement: a failure. Call it before hac_watch_stop.
hac_never_two_ok() {
    if [[ ! $1 =~ ^[0-9]+$ ]] || (($1 == 0)); then
        echo "the sampler recorded no samples (samples='$1'): the measurement is missing" >&2
        return 1
    fi
    [[ -n ${_HAC_CONTROL_PID:-} ]] ||
        { echo "no control sampler runs (hac_watch_start, and assert before hac_watch_stop)" >&2; return 1; }
    kill -0 "$_HAC_CONTROL_PID" 2>/dev/null ||
        { echo "the control sampler (pid $_HAC_CONTROL_PID) died: the measurement is missing" >&2; return 1; }
    [[ $3 =~ ^[0-9]+$ ]] ||
        { echo "no longest gap between samples (maxgap='$3'): the measurement is missing" >&2; return 1; }
    (($3 <= HAC_MAX_GAP_MS)) ||
        { echo "$3 ms between two samples, above $HAC_MAX_GAP_MS ms: a double could pass unseen" >&2; return 1; }
    [[ $2 =~ ^[0-9]+$ ]] ||
        { echo "no count of samples with two controllers in control (two='$2'): the measurement is missing" >&2; return 1; }
    (($2 == 0)) || { echo "$2 samples with two controllers in control" >&2; return 1; }
    [[ $4 =~ ^[0-9]+$ ]] ||
        { echo "no count of possible doubles (maybe='$4'): the measurement is missing" >&2; return 1; }
    (($4 == 0)) || { echo "$4 samples with a possible double (the '???' events)" >&2; return 1; }
}

# hac_assert_hooks_on_time FROM_MS: asserts every hook run since FROM_MS ended within the 25 s
# [notify] deadline (one still running counts up to now); fails when no hook ran.
hac_assert_hooks_on_time() {
    local maxhook
    maxhook=$(hac_hook_max_ms "$1")
    # "none" (no hook ran since FROM_MS) is a missing measurement: t_lt fails on it.
    t_lt "every hook finished within its 25 s deadline (longest: $maxhook ms)" "$maxhook" 25000
}

# hac_print_timeline T0 [FROM [TO]]: the timeline as TAP comment lines.
hac_print_timeline() {
    echo "# timeline (ms from the failure; sampled every ~${HAC_SAMPLE_MS} ms, hooks and sbatch exact):"
    hac_timeline "$@" | sed 's/^/#  /'
}

# hac_hook_max_ms [FROM_MS]: the longest hook run (ms) since FROM_MS, and "none" if none ran;
# a hook still running counts from its start to now.
hac_hook_max_ms() {
    local from=${1:-0} now
    now=$(hac_now_ms)
    hac_hook_runs "$from" | awk -F'\t' -v now="$now" '
        { split($2, w, " "); key = w[1] " " w[2] }
        / started$/ { start[key] = $1; open[key]++; next }
        / exit [0-9]+ after [0-9]+ ms/ { match($2, /after [0-9]+ ms/); ms = substr($2, RSTART + 6, RLENGTH - 9) + 0;
            if (ms > max) max = ms; open[key]--; next }
        END { for (k in open) if (open[k] > 0 && now - start[k] > max) max = now - start[k];
              if (max == "") print "none"; else print max }'
}

# hac_wait_ka HOST STATE TIMEOUT_S: wait until HOST's keepalived is in STATE.
hac_wait_ka() { hat_wait_for "$3" eval "[[ \$(hac_ka_state $1) == $2 ]]"; }

# hac_job_start_saved MASTER JOBID TIMEOUT_S: wait until slurmctld on MASTER has written its job
# state file (StateSaveLocation/job_state) after it started job JOBID (its log's "sched:
# Allocate" or backfill "Started" line). slurmctld saves state asynchronously, at most every 5 s: a SIGKILL loses the job
# changes since the last save (a job accepted in that window is lost; a job started in it is
# pending again after the failover and is started a second time; see drill_failovers.sh).
hac_job_start_saved() {
    local m=$1 job=$2 f log line alloc
    f=$HAC_STATE/slurmctld/job_state
    log="$(hat_host_dir "$m")/fs/log-slurm/slurmctld.log"
    # Started by the main scheduler ("sched: Allocate"), or by the backfill scheduler when the
    # main one had deferred it.
    local started="sched: Allocate JobId=$job |sched/backfill: _start_job: Started JobId=$job "
    hat_wait_for "$3" grep -qE "$started" "$log" || return 1
    line=$(grep -E "$started" "$log" | tail -n 1)
    line=${line#[}; line=${line%%]*}
    alloc=$(date -d "${line/T/ }" +%s%3N)
    hac_state_saved_since "$m" "$alloc" "$3"
}

# hac_first_accepted T0 WHAT: for the drills (tests/lib/testlib.sh loaded): sbatch through the
# VIP from cn1 until one is accepted (60 s at most), asserted; sets MS (ms from T0 to the
# accepted submission, -1 if none) and NEWJOB (its job id).
hac_first_accepted() {
    local acc tacc
    # shellcheck disable=SC2034 # MS and NEWJOB are read by the drills that call this
    if acc=$(hac_sbatch_until_accepted cn1 60 --wrap 'sleep 1'); then
        read -r NEWJOB tacc _ <<<"$acc"
        MS=$((tacc - $1))
        t_ok "sbatch through the VIP accepted after $2 (job $NEWJOB)" true
    else
        MS=-1 NEWJOB=
        t_ok "sbatch through the VIP accepted within 60 s of $2" false
    fi
}

# hac_state_saved_since MASTER MS TIMEOUT_S: wait until slurmctld on MASTER has written its job
# state file after MS (ms since the epoch): what it knew of its jobs at MS is then on the shared
# storage (the file is written whole and renamed).
hac_state_saved_since() {
    local f=$HAC_STATE/slurmctld/job_state
    hat_wait_for "$3" eval "(( \$(hat_exec $1 date -r $f +%s%3N) > $2 ))"
}

# hac_jobs_end_saved MASTER TIMEOUT_S JOBID...: wait until slurmctld on MASTER has saved its
# state after the last of these jobs that completed under it ("_job_complete: JobId=N done" in
# its log). A job that completed in the ~5 s before a SIGKILL is RUNNING again in the saved
# state, and the new master keeps it so until the node registers again (minutes): a drill that
# wants every job accounted for waits for this before it kills. A job with no such line (it
# did not complete under MASTER, or the line's words changed) is a missing measurement: false.
hac_jobs_end_saved() {
    local m=$1 t=$2 log id line last=0 ms
    shift 2
    log="$(hat_host_dir "$m")/fs/log-slurm/slurmctld.log"
    for id; do
        line=$(grep "_job_complete: JobId=$id done" "$log" | tail -n 1)
        [[ -n $line ]] || { echo "job $id: no '_job_complete: JobId=$id done' in $m's log" >&2; return 1; }
        ms=$(_hac_log_ms "$line")
        ((ms > last)) && last=$ms
    done
    ((last > 0)) || { echo "no job given" >&2; return 1; }
    hac_state_saved_since "$m" "$last" "$t"
}

# _hac_log_ms "[2026-11-28T23:59:37.702] ...": that time in ms since the epoch.
_hac_log_ms() {
    local t=${1#[}; t=${t%%]*}
    date -d "${t/T/ }" +%s%3N
}

# hac_ctld_started_ms HOST: when HOST's last slurmctld started (its log), ms since the epoch.
hac_ctld_started_ms() {
    local line
    line=$(grep 'slurmctld version .* started' "$(hat_host_dir "$1")/fs/log-slurm/slurmctld.log" | tail -n 1)
    [[ -n $line ]] || return 1
    _hac_log_ms "$line"
}

# hac_stale_acts OLD NEW: the lines of OLD's slurmctld log that show it acting on the cluster
# (accepting a job, saving state, finding another controller's files) after NEW's slurmctld
# started: the old master working on the shared state next to the new one. When NEW's start is
# not in its log, the measurement is missing: it prints a line that says so (not empty).
hac_stale_acts() {
    local since line
    since=$(hac_ctld_started_ms "$2") ||
        { echo "unknown: no 'slurmctld version ... started' line in $2's log"; return 0; }
    while IFS= read -r line; do
        (( $(_hac_log_ms "$line") > since )) && echo "$line"
    done < <(grep -E '_slurm_rpc_submit_batch_job|Saving all slurm state|Vestigial state files|sched: Allocate|two slurmctld' \
        "$(hat_host_dir "$1")/fs/log-slurm/slurmctld.log" 2>/dev/null)
    return 0
}
