# shellcheck shell=bash
#
# hacluster.sh - an HA controller set on the harness (hosts.sh): each controller's two views of
# slurm.conf, and the hooks' configuration.
#
# The design (README, "How it works": only the VIP holder runs slurmctld):
#   /etc/slurm/slurm.conf         every controller but this host, and SlurmctldAddr=VIP: what
#                                 clients, slurmd and any slurmctld started by hand or at boot
#                                 read. A slurmctld started with it exits at once ("This host
#                                 not a valid controller"): it cannot take control back.
#   /etc/slurm/ha-slurmctld.conf  this host alone: what the hooks start slurmctld with, so it
#                                 is in control at once and waits for no other controller.
# Compute hosts get every controller in order. Until ha-genconf writes these, the tests do.
#
#   ha_cluster_two                         the two-controller tests' hosts, up to the views
#   ha_cluster_conf VIP CONTROLLER...      after hat_slurm_conf: rewrite the views
#   ha_cluster_hooks_conf HOST [LINE...]   the hooks' ha-slurm.conf for HOST (HA_COMMAND: another
#                                          slurmctld start command; HA_PEERS: the other
#                                          controllers' addresses, [slurm] peers), at
#                                          $(ha_cluster_hooks_path HOST); extra INI lines are
#                                          appended (later sections may repeat none of the
#                                          keys above)

ha_cluster_hooks_path() { echo "$(hat_host_dir "$1")/ha-slurm.conf"; }

# _ha_ctl_line HOST: its SlurmctldHost line.
_ha_ctl_line() { echo "SlurmctldHost=$1($(cat "$(hat_host_dir "$1")/ip"))"; }

ha_cluster_conf() {
    local vip=$1; shift
    local h c dir base
    for h in $(hat_hosts); do
        dir="$(hat_host_dir "$h")/fs/etc-slurm"
        base=$(grep -v '^SlurmctldHost=' "$dir/slurm.conf")
        # Each controller's views differ: expected, not an error.
        base=$(printf '%s\nSlurmctldAddr=%s\nDebugFlags=NO_CONF_HASH\n' "$base" "$vip")
        if [[ " $* " == *" $h "* ]]; then
            {
                _ha_ctl_line "$h"
                printf '%s\n' "$base"
            } >"$dir/ha-slurmctld.conf"
            {
                for c in "$@"; do [[ $c == "$h" ]] || _ha_ctl_line "$c"; done
                printf '%s\n' "$base"
            } >"$dir/slurm.conf"
        else
            {
                for c in "$@"; do _ha_ctl_line "$c"; done
                printf '%s\n' "$base"
            } >"$dir/slurm.conf"
        fi
        chmod 0644 "$dir"/*.conf
    done
}

ha_cluster_hooks_conf() {
    local h=$1; shift
    local f
    f=$(ha_cluster_hooks_path "$h")
    {
        cat <<EOF
[slurm]
pid_file = /run/slurmctld.pid
command = ${HA_COMMAND:-/usr/sbin/slurmctld -f /etc/slurm/ha-slurmctld.conf}
${HA_PEERS:+peers = $HA_PEERS}
[ha]
service_manager = direct
[vip]
address = ${HA_VIP:-10.213.0.100}
interface = eth0
[storage]
path = /mnt/state/slurmctld
mount_point = /mnt/state
fstype = fuse.glusterfs
EOF
        if (($#)); then printf '%s\n' "$@"; fi
    } >"$f"
    chmod 0600 "$f"
}

ha_cluster_keepalived_path() { echo "$(hat_host_dir "$1")/keepalived.conf"; }

# ha_cluster_keepalived_conf HOST PRIORITY PEER...: keepalived.conf for HOST (at
# $(ha_cluster_keepalived_path HOST), root's, 0644): VRRP instance VI_1 (router id $HA_VRID,
# default 51), state BACKUP with nopreempt, unicast to the PEERs, the VIP on eth0, the check
# ($HA_HOOKS/ha-check-slurmctld with the host's ha-slurm.conf) as vrrp_script (interval 1,
# timeout 4, fall 2, rise 2: a failure means FAULT), the lease holder's priority bonus
# (vrrp.holder, weight 150, as ha-genconf writes it), and the three notify hooks unless
# HA_NO_NOTIFY=1. Script security is on, as in production.
ha_cluster_keepalived_conf() {
    local h=$1 prio=$2; shift 2
    local conf peers="" p notify=""
    conf=$(ha_cluster_hooks_path "$h")
    for p in "$@"; do peers+="        $(cat "$(hat_host_dir "$p")/ip")"$'\n'; done
    if [[ ${HA_NO_NOTIFY:-0} != 1 ]]; then
        notify="    notify_master \"$HA_HOOKS/ha-notify-master -c $conf\"
    notify_backup \"$HA_HOOKS/ha-notify-backup -c $conf\"
    notify_fault \"$HA_HOOKS/ha-notify-fault -c $conf\""
    fi
    cat >"$(ha_cluster_keepalived_path "$h")" <<EOF
global_defs {
    router_id $h
    enable_script_security
    script_user root
    vrrp_higher_prio_send_advert true
    vrrp_garp_lower_prio_repeat 3
    vrrp_garp_master_refresh 60
}
vrrp_script chk_slurmctld {
    script "$HA_HOOKS/ha-check-slurmctld -c $conf"
    interval 1
    timeout 4
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
    virtual_router_id ${HA_VRID:-51}
    priority $prio
    advert_int 1
    unicast_src_ip $(cat "$(hat_host_dir "$h")/ip")
    unicast_peer {
${peers}    }
    virtual_ipaddress {
        ${HA_VIP:-10.213.0.100}/24 dev eth0
    }
    track_script {
        chk_slurmctld
    }
    track_file {
        lease_holder
    }
$notify
}
EOF
    chown root:root "$(ha_cluster_keepalived_path "$h")"
    chmod 0644 "$(ha_cluster_keepalived_path "$h")"
}

# ha_cluster_keepalived_start HOST: keepalived in the foreground in HOST, after keepalived -t
# accepted its configuration (its complaint is printed otherwise).
ha_cluster_keepalived_start() {
    local out
    # keepalived watches vrrp.holder's folder from its start (as the installer's drop-in), and
    # keepalived 2.3 refuses a configuration naming a folder that does not exist.
    hat_exec "$1" mkdir -p -m 0700 /run/ha-slurm || return 1
    if ! out=$(hat_exec "$1" keepalived -t -f "$(ha_cluster_keepalived_path "$1")" 2>&1); then
        echo "keepalived refuses $(ha_cluster_keepalived_path "$1"): $out" >&2
        return 1
    fi
    hat_spawn "$1" keepalived keepalived -n -l -D -f "$(ha_cluster_keepalived_path "$1")" \
        -p /run/keepalived.pid -r /run/keepalived_vrrp.pid
}

# ha_cluster_safe_hooks BUILD_HOOKS_DIR: copies the built programs into a folder of the
# harness's state (root-owned, 0755 all the way up) and sets HA_HOOKS to it. keepalived's
# script security refuses a script in a folder others may write, and a work tree may well be
# under /tmp.
ha_cluster_safe_hooks() {
    local dir
    dir="$(hat_state_dir)/bin"
    install -d -o root -g root -m 0755 "$dir"
    install -o root -g root -m 0755 "$1"/ha-check-slurmctld "$1"/ha-notify-master \
        "$1"/ha-notify-backup "$1"/ha-notify-fault "$dir"/
    HA_HOOKS=$dir
}

# ha_in_control HOST: that host's slurmctld says it is in control (asked with $RPC, the test
# client, at the host's own address).
ha_in_control() {
    [[ $(hat_exec "$1" "$RPC" --cache /run/ha-slurm --timeout 500ms \
        "$(cat "$(hat_host_dir "$1")/ip")" status 2>&1) == *control=active* ]]
}

# ha_ctld_running HOST: a slurmctld runs in that host (its own network namespace: pgrep alone
# would see every host's processes, since the hosts share the machine's pid namespace).
ha_ctld_running() {
    local p
    for p in $(ip netns pids "$HAT_PREFIX-$1"); do
        [[ $(cat "/proc/$p/comm" 2>/dev/null) == slurmctld ]] && return 0
    done
    return 1
}

# ha_cluster_two: the hosts of the two-controller tests, from a clean start: ctl1 (10.213.0.11)
# and ctl2 (10.213.0.12) with munged and the state folder /mnt/state shared over FUSE, cn1
# (10.213.0.21) the compute host named in slurm.conf, SlurmctldTimeout 60, and each host's
# slurm.conf views with the VIP $VIP (ha_cluster_conf). The hooks' configuration is the test's.
ha_cluster_two() {
    hat_clean
    hat_net_up
    hat_host_add ctl1 10.213.0.11
    hat_host_add ctl2 10.213.0.12
    hat_host_add cn1 10.213.0.21
    export HAT_COMPUTE_HOSTS=cn1
    hat_munged_start ctl1
    hat_munged_start ctl2
    HAT_SHARED_MODE=fuse hat_shared_setup /mnt/state ctl1 ctl2
    HAT_SLURMCTLD_TIMEOUT=60 hat_slurm_conf ctl1 ctl2
    ha_cluster_conf "$VIP" ctl1 ctl2
}
