#!/bin/bash
# Benchmark (not a test): ha-genconf on a large cluster. Generates a YAML file with three
# controllers and N compute nodes (default 10,000: node00001 to node10000) of 4 hardware kinds in
# contiguous blocks, then times, 20 runs each (median and slowest):
#   - check:  ha-genconf --config FILE --check           (read, validate, render every host)
#   - write:  ha-genconf --config FILE --host ctl1 --output-dir NEW   (into an empty folder:
#             the full path, five files written and fsynced)
#   - again:  the same into the folder already written (every file "unchanged")
# (wall time and CPU time, user + system) and prints the NodeName lines of the generated slurm.conf (they must be compressed to a
# handful of ranges) and the peak memory of one run. Target: under 100 ms per run.
#
#   bench/genconf.sh [N]      (no root needed; builds build/bench, Release)
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
src=$(readlink -f "$here/..")
N=${1:-10000}
RUNS=20
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [N]" >&2; exit 2; }
say() { echo "== $*" >&2; }

# A release build of its own.
bdir=$src/build/bench
# Configured every time: a folder configured before genconf/ existed has no ha-genconf target.
say "configuring and building $bdir (Release)"
cmake -S "$src" -B "$bdir" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$bdir" -j2 --target ha-genconf >/dev/null
GENCONF=$bdir/genconf/ha-genconf
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$bdir/CMakeCache.txt")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
yaml=$tmp/cluster.yaml
say "writing $yaml with $N compute nodes"
{
    cat <<'EOF'
cluster:
  name: bench
network:
  vip: {address: 10.10.0.100}
  vrrp: {auth_pass: bench}
storage:
  glusterfs: {mount_point: /mnt/gluster}
database:
  mariadb: {password_env: BENCH_DB_PASS}
nodes:
  controllers:
    - {hostname: ctl1, ip_address: 10.10.0.11, vip_owner: true, services: {slurmdbd: true}}
    - {hostname: ctl2, ip_address: 10.10.0.12}
    - {hostname: ctl3, ip_address: 10.10.0.13}
  compute_nodes:
EOF
    awk -v n="$N" 'BEGIN {
        split("16 32 64 128", cpus, " "); split("65536 131072 262144 524288", mem, " ")
        for (i = 1; i <= n; i++) {
            k = int((i - 1) * 4 / n) + 1
            printf "    - hostname: node%05d\n      cpus: %d\n      real_memory: %d\n", i, cpus[k], mem[k]
            printf "      tmp_disk: 204800\n"
        }
    }'
    cat <<EOF
slurm:
  partitions:
    - {name: all, nodes: ALL, default: true, max_time: INFINITE}
    - {name: first-half, nodes: "node[00001-$(printf '%05d' $((N / 2)))]", max_time: "24:00:00"}
EOF
} >"$yaml"
export BENCH_DB_PASS=bench-pass
say "$(wc -c <"$yaml") bytes, $(wc -l <"$yaml") lines"

# time_runs LABEL CMD...: runs CMD RUNS times (one Python driver: posix_spawn, wait4); prints
# "LABEL wall-median wall-slowest cpu-median" in ms. CPU is user + system time from wait4. For
# "write" the output folder is removed before each run.
time_runs() {
    local label=$1
    shift
    python3 - "$label" "$RUNS" "$tmp/out" "$@" <<'PY'
import os, shutil, statistics, sys, time
label, runs, out, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
wall, cpu = [], []
devnull = os.open(os.devnull, os.O_WRONLY)
for _ in range(runs):
    if label == "write":
        shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
    _, status, ru = os.wait4(pid, 0)
    wall.append((time.perf_counter() - t0) * 1000)
    cpu.append((ru.ru_utime + ru.ru_stime) * 1000)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{label}: {argv} failed")
print(f"{label:<6} {statistics.median(wall):10.2f} {max(wall):10.2f} {statistics.median(cpu):10.2f}")
PY
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
say "timing ($RUNS runs each)"
results=$(
    time_runs check "$GENCONF" --config "$yaml" --check
    time_runs write "$GENCONF" --config "$yaml" --host ctl1 --output-dir "$tmp/out"
    time_runs again "$GENCONF" --config "$yaml" --host ctl1 --output-dir "$tmp/out"
)
lines=$(grep -c '^NodeName=' "$tmp/out/slurm.conf")
rss=
if [[ -x /usr/bin/time ]]; then
    rss=$(/usr/bin/time -f '%M' "$GENCONF" --config "$yaml" --check 2>&1 >/dev/null | tail -n 1)
fi

echo "ha-genconf ($build_type build), $N compute nodes of 4 kinds, 3 controllers, $RUNS runs each"
echo "run     wall median  wall max  CPU median   (ms)"
printf '%s\n' "$results"
echo "NodeName lines in slurm.conf: $lines"
grep '^NodeName=' "$tmp/out/slurm.conf"
grep '^PartitionName=' "$tmp/out/slurm.conf"
[[ -z $rss ]] || echo "peak memory (--check): $((rss / 1024)) MiB"
# Wall time includes waiting for the CPU: on a busy machine CPU time says more (the load
# average is printed with the results).
wall=$(awk '$1 == "write" { print $2 }' <<<"$results")
cpu=$(awk '$1 == "write" { print $4 }' <<<"$results")
verdict() { awk -v m="$1" 'BEGIN { print (m < 100) ? "met" : "NOT met" }'; }
echo "load average before timing: $load"
echo "target: under 100 ms (write): wall median $wall ms: $(verdict "$wall"); CPU median $cpu ms: $(verdict "$cpu")"
