#!/bin/bash
# genconf_slurmctld.sh - real Slurm daemons run with the files ha-genconf writes.
#
# A cluster YAML (written here) with controllers ctl1 (VIP owner, 10.213.0.11) and ctl2
# (10.213.0.12), compute nodes cn1 and cn2 (1 CPU) and cn3 (2 CPUs), the VIP 10.213.0.100 and
# the state on /mnt/gluster, shared by both controllers (tests/lib/hosts.sh, HAT_PREFIX=hatg).
# ha-genconf writes each host's files; they are copied into the host's /etc/slurm. Then:
#   - slurmctld -D with ctl2's own slurm.conf (which leaves ctl2 out) exits at once, saying
#     ctl2 is not a valid controller: a slurmctld started by hand or at boot cannot run;
#   - slurmctld -D -f /etc/slurm/ha-slurmctld.conf on ctl1, with the VIP on ctl1's eth0 (as
#     keepalived would put it), comes up in control, the one controller it knows;
#   - clients reach it through the VIP (SlurmctldAddr) with each host's plain slurm.conf, on
#     ctl1, ctl2 and cn1: scontrol shows the three nodes with their hardware, grouped as the
#     YAML says, and the partitions with their nodes, default and time limit;
#   - slurmd on cn1 registers with the compute node's slurm.conf: cn1 becomes IDLE.
#
# Run as root. Exit 0: all checks passed.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
src=${HA_SOURCE_DIR:-$(readlink -f "$here/../..")}
build=${HA_BUILD_DIR:-$src/build}
GENCONF=$build/genconf/ha-genconf
if ((EUID != 0)); then
    echo "genconf_slurmctld.sh: needs root" >&2
    exit 2
fi
if [[ ! -x $GENCONF ]]; then
    echo "build first: $GENCONF" >&2
    exit 2
fi
HAT_PREFIX=${HAT_PREFIX:-hatg}
# shellcheck source=../lib/hosts.sh
source "$src/tests/lib/hosts.sh"
# shellcheck source=../lib/testlib.sh
source "$src/tests/lib/testlib.sh"
tmp=$(mktemp -d)
trap 'rc=$?; hat_teardown; rm -rf "$tmp"; exit $rc' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

VIP=10.213.0.100
declare -A IP=([ctl1]=10.213.0.11 [ctl2]=10.213.0.12 [cn1]=10.213.0.21 [cn2]=10.213.0.22
    [cn3]=10.213.0.23)

cat >"$tmp/cluster.yaml" <<EOF
cluster:
  name: hatg
network:
  vip:
    address: $VIP
    interface: eth0
storage:
  glusterfs:
    mount_point: /mnt/gluster
nodes:
  controllers:
    - {hostname: ctl2, ip_address: ${IP[ctl2]}}
    - {hostname: ctl1, ip_address: ${IP[ctl1]}, vip_owner: true}
  compute_nodes:
    - {hostname: cn1, cpus: 1, real_memory: 100}
    - {hostname: cn2, cpus: 1, real_memory: 100}
    - {hostname: cn3, cpus: 2, real_memory: 200, tmp_disk: 10}
slurm:
  slurmctld_timeout: 600
  proctrack_type: proctrack/linuxproc
  task_plugin: task/none
  mail_prog: /bin/true
  partitions:
    - {name: debug, nodes: ALL, default: true, max_time: INFINITE}
    - {name: small, nodes: "cn[1-2]", max_time: "1:00:00"}
ha:
  service_manager: direct
EOF

hat_clean
hat_net_up
for h in ctl1 ctl2 cn1 cn2 cn3; do hat_host_add "$h" "${IP[$h]}"; done
for h in ctl1 ctl2 cn1; do hat_munged_start "$h"; done
hat_shared_setup /mnt/gluster ctl1 ctl2
state=$(hat_shared_dir /mnt/gluster)/slurm/state
mkdir -p "$state"
chown slurm:slurm "$state"

for h in ctl1 ctl2 cn1; do
    etc=$(hat_host_dir "$h")/fs/etc-slurm
    t_ok "$h: ha-genconf writes its files" \
        "$GENCONF" --config "$tmp/cluster.yaml" --host "$h" --output-dir "$etc"
    echo "CgroupPlugin=cgroup/v1" >"$etc/cgroup.conf"
done

# 1. The plain slurm.conf on a controller cannot start a slurmctld.
rc=0
out=$(hat_exec ctl2 timeout 30 slurmctld -D -f /etc/slurm/slurm.conf 2>&1) || rc=$?
t_match "ctl2: slurmctld with its slurm.conf fails (exit $rc)" "$rc" '^[1-9]'
t_match "ctl2: ... because ctl2 is not a valid controller" "$out" 'not a valid controller'

# 2. The hooks' way: VIP here, slurmctld with ha-slurmctld.conf.
hat_exec ctl1 ip addr add "$VIP/24" dev eth0
hat_spawn ctl1 slurmctld slurmctld -D -f /etc/slurm/ha-slurmctld.conf
ctld_up() { hat_exec "$1" scontrol show partitions >/dev/null 2>&1; }
if ! hat_wait_for 30 ctld_up ctl1; then
    tail -n 30 "$(hat_host_dir ctl1)/fs/log-slurm/slurmctld.log" "$(hat_log ctl1 slurmctld)" >&2 || true
fi
t_ok "ctl1: slurmctld with ha-slurmctld.conf answers through the VIP" ctld_up ctl1
config=$(hat_exec ctl1 scontrol show config 2>&1 || true)
t_match "ctl1: the daemon has ctl1 as SlurmctldHost[0]" "$config" \
    "SlurmctldHost\\[0\\] *= ctl1\\(${IP[ctl1]}\\)"
t_nomatch "ctl1: ... and no other (ha-slurmctld.conf names ctl1 alone)" "$config" \
    "SlurmctldHost\\[1\\]"
t_match "ctl1: SlurmctldAddr is the VIP" "$config" "SlurmctldAddr *= $VIP"
t_match "ctl1: StateSaveLocation is on the shared mount" "$config" \
    'StateSaveLocation *= /mnt/gluster/slurm/state'
ping=$(hat_exec cn1 scontrol ping 2>&1 || true)
t_match "cn1: scontrol ping says the primary ctl1 is UP" "$ping" 'primary\) at ctl1 is UP'

# 3. Every host's client view shows the nodes and partitions of the YAML.
for h in ctl1 ctl2 cn1; do
    nodes=$(hat_exec "$h" scontrol -o show nodes 2>&1 || true)
    t_match "$h: cn1 has 1 CPU and 100 MB" "$nodes" 'NodeName=cn1 .*CPUTot=1 .*RealMemory=100 '
    t_match "$h: cn2 has 1 CPU and 100 MB" "$nodes" 'NodeName=cn2 .*CPUTot=1 .*RealMemory=100 '
    t_match "$h: cn3 has 2 CPUs, 200 MB and TmpDisk 10" "$nodes" \
        'NodeName=cn3 .*CPUTot=2 .*RealMemory=200 .*TmpDisk=10 '
    t_match "$h: three nodes" "$(grep -c '^NodeName=' <<<"$nodes")" '^3$'
    parts=$(hat_exec "$h" scontrol -o show partitions 2>&1 || true)
    t_match "$h: partition debug is the default, all nodes, no limit" "$parts" \
        'PartitionName=debug .*Default=YES .*MaxTime=UNLIMITED .*Nodes=cn\[1-3\] .*State=UP'
    t_match "$h: partition small has cn[1-2] and one hour" "$parts" \
        'PartitionName=small .*Default=NO .*MaxTime=01:00:00 .*Nodes=cn\[1-2\] .*State=UP'
done

# 4. slurmd on a compute node registers with its slurm.conf.
t_ok "cn1: slurmd registers (IDLE)" hat_slurmd_start cn1
t_match "cn1: sinfo shows it idle in debug" "$(hat_exec cn1 sinfo -h -p debug -n cn1 -o '%t' 2>&1)" \
    '^idle$'

t_done
