# shellcheck shell=bash
#
# hacluster.sh - an HA controller set on the harness (hosts.sh): each controller's two views of
# slurm.conf, and the hooks' configuration.
#
# The design (README, "How a former master is kept from taking control back"):
#   /etc/slurm/slurm.conf         every controller but this host, and SlurmctldAddr=VIP: what
#                                 clients, slurmd and any slurmctld started by hand or at boot
#                                 read. A slurmctld started with it exits at once ("This host
#                                 not a valid controller"): it cannot take control back.
#   /etc/slurm/ha-slurmctld.conf  this host first (index 0), then the others: what the hooks
#                                 start slurmctld with, so it is in control at once.
# Compute hosts get every controller in order. Until ha-genconf writes these, the tests do.
#
#   ha_cluster_conf VIP CONTROLLER...      after hat_slurm_conf: rewrite the views
#   ha_cluster_hooks_conf HOST [LINE...]   the hooks' ha-slurm.conf for HOST (HA_COMMAND: another
#                                          slurmctld start command), at
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
                for c in "$@"; do [[ $c == "$h" ]] || _ha_ctl_line "$c"; done
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
