#!/bin/bash
# Benchmark (not a test): ha-check-slurmctld against the usual shell health check, on one live
# controller host, N runs each, interleaved (check, shell, check, shell, ...) so that both see
# the same conditions. Prints median and 90th-percentile wall time and CPU time (user + system
# of the process and every child it waited for) of each, their ratios, and whether the target
# (CPU ratio check/shell <= 0.20) is met.
#
#   bench/check_vs_shell.sh [N]      (as root; default N=200; builds build/bench, Release)
#
# The controller: host "ctl1" (network namespace, prefix hatb, see tests/lib/hosts.sh) with
# munged, slurmctld in control (Slurm 22.05, the only SlurmctldHost), the VIP 10.213.0.100 on
# eth0 and the state folder on FUSE (bindfs shown as fuse.glusterfs); cn1 is only named in
# slurm.conf. Both checks run inside ctl1, started by one driver process there (fork/exec,
# wait4), output to /dev/null.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
src=$(readlink -f "$here/..")
N=${1:-200}
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [N]" >&2; exit 2; }
HAT_PREFIX=${HAT_PREFIX:-hatb}
# shellcheck source=../tests/lib/hosts.sh
source "$src/tests/lib/hosts.sh"
# shellcheck disable=SC2154  # rc is set inside the trap
trap 'rc=$?; hat_teardown; exit $rc' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { echo "== $*" >&2; }

# A release build of its own.
bdir=$src/build/bench
if [[ ! -f $bdir/CMakeCache.txt ]]; then
    say "configuring $bdir (Release)"
    cmake -S "$src" -B "$bdir" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
say "building $bdir"
cmake --build "$bdir" -j2 --target ha-check-slurmctld >/dev/null
CHECK=$bdir/hooks/ha-check-slurmctld
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$bdir/CMakeCache.txt")

VIP=10.213.0.100
SHELL_CHECK='pidof slurmctld >/dev/null && scontrol ping | grep -q UP && munge -n | unmunge >/dev/null'

say "setting up the controller host (prefix $HAT_PREFIX)"
export HAT_COMPUTE_HOSTS=cn1 HAT_SHARED_MODE=fuse
hat_clean
hat_net_up
hat_host_add ctl1 10.213.0.11
hat_host_add cn1 10.213.0.21
hat_munged_start ctl1
hat_shared_setup /mnt/state ctl1
hat_slurm_conf ctl1
hat_slurmctld_start ctl1
hat_exec ctl1 ip addr add "$VIP/24" dev eth0
conf=$(hat_host_dir ctl1)/ha-slurm.conf
(
    umask 077
    cat >"$conf" <<EOF
[slurm]
pid_file = /run/slurmctld.pid
[ha]
service_manager = direct
[vip]
address = $VIP
interface = eth0
[storage]
path = /mnt/state/slurmctld
mount_point = /mnt/state
fstype = fuse.glusterfs
[check]
deadline = 3s
EOF
)
chown root:root "$conf"
chmod 0600 "$conf"

# Both must say "healthy" before they are timed.
out=$(hat_exec ctl1 "$CHECK" -v -c "$conf" 2>&1) || { echo "$out" >&2; echo "the check is not healthy" >&2; exit 1; }
printf '%s\n' "$out" | sed 's/^/   /' >&2
hat_exec ctl1 sh -c "$SHELL_CHECK" || { echo "the shell check fails" >&2; exit 1; }

say "$N runs each, interleaved"
# The driver runs inside the host: no nsenter in what is measured.
hat_exec ctl1 python3 - "$N" "$CHECK" "$conf" "$SHELL_CHECK" "$build_type" <<'EOF'
import os, sys, time, statistics

n = int(sys.argv[1])
check = [sys.argv[2], "-c", sys.argv[3]]
shell = ["/bin/sh", "-c", sys.argv[4]]
build_type = sys.argv[5] or "?"
devnull = os.open(os.devnull, os.O_RDWR)
fa = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1),
      (os.POSIX_SPAWN_DUP2, devnull, 2)]
env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}

def run(argv):
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=fa)
    _, status, ru = os.wait4(pid, 0)
    wall = (time.perf_counter_ns() - t0) / 1e6
    return (os.waitstatus_to_exitcode(status), wall, (ru.ru_utime + ru.ru_stime) * 1e3,
            ru.ru_utime * 1e3, ru.ru_stime * 1e3)

res = {"check": [], "shell": []}
fails = {"check": 0, "shell": 0}
for i in range(n):
    for name, argv in (("check", check), ("shell", shell)):
        rc, wall, cpu, user, sys_ = run(argv)
        if rc != 0:
            fails[name] += 1
        res[name].append((wall, cpu, user, sys_))

def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]

stats = {}
for name in res:
    w = [r[0] for r in res[name]]
    c = [r[1] for r in res[name]]
    stats[name] = {"wall": statistics.median(w), "wall90": q(w, 0.9),
                   "cpu": statistics.median(c), "cpu90": q(c, 0.9),
                   "user": statistics.median(r[2] for r in res[name]),
                   "sys": statistics.median(r[3] for r in res[name])}
a, b = stats["check"], stats["shell"]
print(f"ha-check-slurmctld ({build_type} build) vs shell check, {n} runs each, interleaved, "
      f"in host ctl1")
print(f"{'':24}{'check':>10}{'shell':>10}{'check/shell':>13}")
for key, label in (("wall", "wall median (ms)"), ("wall90", "wall p90 (ms)"),
                   ("cpu", "CPU median (ms)"), ("cpu90", "CPU p90 (ms)"),
                   ("user", "  user median (ms)"), ("sys", "  system median (ms)")):
    print(f"{label:24}{a[key]:10.2f}{b[key]:10.2f}{a[key] / b[key]:13.3f}")
print(f"{'failed runs':24}{fails['check']:10d}{fails['shell']:10d}")
ratio = a["cpu"] / b["cpu"]
print(f"wall ratio (median) check/shell: {a['wall'] / b['wall']:.3f}")
print(f"CPU ratio (median) check/shell: {ratio:.3f}")
print(f"target: CPU ratio <= 0.20: {'met' if ratio <= 0.20 else 'NOT met'}")
sys.exit(1 if fails["check"] or fails["shell"] else 0)
EOF
