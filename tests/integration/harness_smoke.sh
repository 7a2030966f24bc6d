#!/usr/bin/env bash
#
# harness_smoke.sh - the test harness (tests/lib/hosts.sh) works with the real daemons.
#
# For each shared-storage mode (bind, then fuse; HAT_SMOKE_MODES picks): two controller hosts
# ctl1 (primary) and ctl2 (backup) and a compute host cn1 with munged each, the Slurm state on
# the shared folder, slurmctld on both controllers and slurmd on cn1. Checks that cn1 sees both
# controllers UP, that a batch job submitted from cn1 runs to completion, that a SIGKILLed
# slurmctld is gone, then tears down and checks that nothing of this run is left. In fuse mode
# it also hangs ctl2's storage (SIGSTOP of its bindfs) before the teardown, which must cope.
#
# Run as root. Exit 0: all checks passed. Starts with hat_clean, so it also passes after a run
# that was killed half-way. Prints "N passed, N failed" last.

set -euo pipefail

if ((EUID != 0)); then echo "harness_smoke.sh: needs root"; exit 1; fi
for tool in slurmctld slurmd scontrol sbatch munged munge bindfs ip nsenter unshare; do
    command -v "$tool" >/dev/null || { echo "harness_smoke.sh: $tool is missing"; exit 1; }
done

HAT_PREFIX=${HAT_PREFIX:-hats}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/hosts.sh
source "$here/../lib/hosts.sh"

modes=${HAT_SMOKE_MODES:-bind fuse}
shared=/mnt/slurm-state
passed=0
failed=0
# Microseconds now, and seconds since START_US ("12.34").
now_us() { local t=${EPOCHREALTIME/./}; echo "$((10#$t))"; }
since() { local us=$(($(now_us) - $1)); printf '%d.%02d' $((us / 1000000)) $((us % 1000000 / 10000)); }
t_start=$(now_us)
elapsed() { since "$t_start"; }

# check DESCRIPTION CMD...: one check; the first failure ends the run.
check() {
    local what=$1; shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok   [$(elapsed)s] $what"
    else
        failed=$((failed + 1))
        echo "FAIL [$(elapsed)s] $what"
        exit 1
    fi
}

finish() {
    local rc=$?
    trap - EXIT
    hat_teardown || rc=1
    # An error outside check (set -e) is a failure too.
    if ((rc != 0 && failed == 0)); then failed=1; echo "FAIL unexpected error (exit $rc)"; fi
    echo "$passed passed, $failed failed"
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Conditions

state_dir_absent() { [[ ! -e $(hat_state_dir) ]]; }

hostname_is() { [[ $(hat_exec "$1" hostname) == "$1" ]]; }

# A credential made on one host decodes on another: one key, per-host munged.
munge_cross() { hat_exec "$1" munge -n | hat_exec "$2" unmunge >/dev/null; }

shared_fstype_is() {
    [[ $(hat_exec "$1" findmnt -n -o FSTYPE "$shared") == "$2" ]]
}

# A file the slurm user writes on one host is seen on the other.
shared_visible() {
    local f=$shared/slurmctld/.smoke-probe
    hat_exec "$1" setpriv --reuid=slurm --regid=slurm --init-groups touch "$f" &&
        hat_exec "$2" test -f "$f" &&
        [[ $(hat_exec "$2" stat -c %U "$f") == slurm ]] &&
        hat_exec "$2" rm -f "$f"
}

ping_both_up() {
    local out
    out=$(hat_exec cn1 scontrol ping) || return 1
    printf '     %s\n' "${out//$'\n'/$'\n     '}"
    [[ $out == *"at ctl1 is UP"* && $out == *"at ctl2 is UP"* ]]
}

job_state() {
    hat_exec cn1 scontrol show job "$1" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2
}
job_done() { [[ $(job_state "$1") == COMPLETED ]]; }
job_completes() {
    hat_wait_for 30 job_done "$1" && return 0
    hat_exec cn1 scontrol show job "$1" | sed 's/^/     /'
    return 1
}

# The recorded daemon is gone, and no slurmctld runs in the host's network namespace.
ctld_gone() {
    local pid=$1 p
    ! hat_alive ctl1 slurmctld || return 1
    [[ ! -e /proc/$pid || $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] || return 1
    for p in $(ip netns pids "$HAT_PREFIX-ctl1"); do
        [[ $(cat "/proc/$p/comm" 2>/dev/null) != slurmctld ]] || return 1
    done
}

# The start time of a process (to tell it from a later one with the same pid).
proc_start() {
    local s
    { read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
    s=${s##*) }
    # shellcheck disable=SC2086
    set -- $s
    echo "${20}"
}

# A stat in the host's shared folder is still blocked after a second (timeout's 124).
stat_hangs() {
    local rc=0
    hat_exec "$1" timeout 1 stat "$shared/." >/dev/null 2>&1 || rc=$?
    ((rc == 124))
}

# ---------------------------------------------------------------------------------------------
# One round

round() {
    local mode=$1 job pid h t0 ns
    local -a nss=() procs=()
    echo "--- mode $mode"
    hat_clean
    check "hat_clean left no state folder" state_dir_absent

    hat_net_up
    hat_host_add ctl1 10.213.0.11
    hat_host_add ctl2 10.213.0.12
    hat_host_add cn1 10.213.0.21
    for h in ctl1 ctl2 cn1; do check "$h: hostname is $h (UTS namespace)" hostname_is "$h"; done
    for h in ctl1 ctl2 cn1; do hat_munged_start "$h"; done
    check "munged on all hosts: ctl1's credential decodes on cn1" munge_cross ctl1 cn1

    HAT_SHARED_MODE=$mode hat_shared_setup "$shared" ctl1 ctl2
    if [[ $mode == fuse ]]; then
        check "ctl1: $shared is fuse.glusterfs" shared_fstype_is ctl1 fuse.glusterfs
    fi
    check "shared folder: written on ctl1 as slurm, seen on ctl2" shared_visible ctl1 ctl2

    HAT_COMPUTE_HOSTS=cn1 hat_slurm_conf ctl1 ctl2
    hat_slurmctld_start ctl1
    hat_slurmctld_start ctl2
    hat_slurmd_start cn1
    check "cn1: scontrol ping says ctl1 UP and ctl2 UP" ping_both_up

    job=$(hat_exec cn1 sbatch --parsable -o /dev/null --wrap='sleep 1')
    check "cn1: sbatch accepted (job $job)" test -n "$job"
    check "job $job completes" job_completes "$job"

    pid=$(hat_pid ctl1 slurmctld)
    hat_kill ctl1 slurmctld KILL
    check "ctl1: slurmctld (pid $pid) is gone after SIGKILL" ctld_gone "$pid"

    if [[ $mode == fuse ]]; then
        # A hung GlusterFS mount on ctl2, and a process stuck on it: teardown must cope.
        kill -STOP "$(hat_shared_pid ctl2)"
        check "ctl2: storage hangs with bindfs stopped" stat_hangs ctl2
        hat_exec ctl2 ls "$shared" >/dev/null 2>&1 &
    fi

    # What this round owns, to check after the teardown.
    nss=("$HAT_PREFIX-switch")
    for h in $(hat_hosts); do nss+=("$HAT_PREFIX-$h"); done
    for ns in "${nss[@]}"; do
        for pid in $(ip netns pids "$ns"); do
            procs+=("$pid:$(proc_start "$pid"):$(cat "/proc/$pid/comm" 2>/dev/null)")
        done
    done

    t0=$(now_us)
    hat_teardown
    echo "     teardown took $(since "$t0") s"
    check "teardown: no namespace left (${nss[*]})" no_netns "${nss[@]}"
    check "teardown: none of ${#procs[@]} processes left" no_procs "${procs[@]}"
    check "teardown: no mount left under $(hat_state_dir)" no_mounts
    check "teardown: state folder removed" state_dir_absent
    wait    # the background ls of the fuse round (killed by the teardown)
}

no_netns() {
    local ns
    for ns in "$@"; do
        if [[ -e /run/netns/$ns ]]; then echo "     left: $ns"; return 1; fi
    done
}

# Each "pid:start:name" is gone: no such process, a zombie, or another process (pid reused).
no_procs() {
    local x pid start name stat threads left=0
    for x in "$@"; do
        IFS=: read -r pid start name <<<"$x"
        stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
        stat=${stat##*) }
        # shellcheck disable=SC2086
        set -- $stat
        [[ ${20} == "$start" ]] || continue
        threads=$(find "/proc/$pid/task" -mindepth 1 -maxdepth 1 | wc -l)
        # A zombie is gone, unless other threads of it still run.
        [[ $1 != Z || $threads -gt 1 ]] || continue
        echo "     left: pid $pid ($name), state $1, net $(readlink "/proc/$pid/ns/net" 2>&1)," \
            "wchan $(cat "/proc/$pid/wchan" 2>/dev/null), threads $threads"
        sed 's/^/       /' "/proc/$pid/stack" 2>/dev/null | head -12
        left=1
    done
    ((left == 0))
}

no_mounts() { ! grep -qF " $(hat_state_dir)" /proc/self/mountinfo; }

for mode in $modes; do
    round "$mode"
done
echo "total $(elapsed) s"
