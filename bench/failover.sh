#!/bin/bash
# Failover time, with the hooks and with Slurm's native HA alone, side by side.
#
#   bench/failover.sh [N]      # N repetitions of each drill (default 10)
#
# The cluster of tests/cluster (three controllers ctl1..ctl3, two compute hosts cn1 cn2, munged
# everywhere, the state folder on GlusterFS (HAC_STORAGE); HAT_PREFIX hatd), booted once per mode:
#   hooks       keepalived + ha-check-slurmctld + ha-notify-* on every controller; slurmctld only
#               on the VIP holder; clients and slurmd use the VIP (SlurmctldAddr).
#   hooks-fast  the same, tuned for a quick host-loss failover: GlusterFS network.ping-timeout
#               2 s (instead of the tests' 5 s) and slurm.tcp_timeout 1 (TCPTimeout, instead of
#               Slurm's 2 s): the two waits a lost host adds (see bench/README.md).
#   fenced      hooks with power fencing (HAC_FENCE=1: a BMC per controller, fence_ipmilan in
#               every ha-slurm.conf) and ha.lease_ttl 15 s, as drill_fenced.sh: a promotion
#               powers the lost or paused master off instead of waiting for its lease.
#   native10    no keepalived, no hooks, no VIP: every host's slurm.conf lists ctl1, ctl2, ctl3
#               in one order, slurmctld runs on all three (ctl1 in control, the others in
#               standby); a backup takes over after SlurmctldTimeout=10; clients go through
#               the SlurmctldHost list.
#   native120   the same with SlurmctldTimeout=120 (Slurm's default), capped at
#               BENCH_NATIVE120_REPS (default 3) repetitions per drill: each takes minutes.
# Drills (what is measured: the failure -> the first sbatch accepted, submitted from cn1, a new
# attempt every HAC_SBATCH_GAP_MS, each attempt allowed HAC_SBATCH_TIMEOUT):
#   kill9       kill -9 of slurmctld on the controller in control (as drill_kill9.sh);
#   host_lost   that host lost (as drill_host_lost.sh): every process in it frozen and killed,
#               its link down (then brought back, as after a reboot, before the next repetition;
#               fenced: powered on through its BMC first).
#   pause       every process of that host frozen at once, its network up (as drill_frozen.sh
#               and drill_fenced.sh), timed from the freezer's FROZEN; then thawed (fenced:
#               powered on through its BMC, and booted) before the next repetition. Not in
#               native modes.
# Before each repetition the cluster is steady (hooks: a master in control, the other two
# BACKUP; native: ctl1 in control, the others in standby, after ctl1's slurmctld is restarted).
# Prints every time, then median and max per mode and drill, and the ratio to the hooks.
#
# Settings: BENCH_MODES (default "hooks hooks-fast native10 native120"; also fenced),
# BENCH_DRILLS (default "kill9 host_lost"; also pause), BENCH_NATIVE120_REPS (default 3). Runs as root; about 25 minutes with the defaults.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
N=${1:-10}
MODES=${BENCH_MODES:-hooks hooks-fast native10 native120}
DRILLS=${BENCH_DRILLS:-kill9 host_lost}
N120=${BENCH_NATIVE120_REPS:-3}
for d in $DRILLS; do
    [[ $d == kill9 || $d == host_lost || $d == pause ]] ||
        { echo "BENCH_DRILLS: unknown drill $d (kill9, host_lost, pause)" >&2; exit 2; }
done
export HA_SOURCE_DIR=$src HA_BUILD_DIR=${HA_BUILD_DIR:-$src/build}
HAT_PREFIX=${HAT_PREFIX:-hatd}
# shellcheck source=../tests/cluster/lib.sh
source "$src/tests/cluster/lib.sh"
# The BMC functions, for the fenced mode (lib.sh sources them only with HAC_FENCE=1).
if [[ " $MODES " == *" fenced "* ]]; then
    # shellcheck source=../tests/lib/bmc.sh
    source "$src/tests/lib/bmc.sh"
fi
hac_init
results=$(mktemp /tmp/ha-bench-failover.XXXXXX)
# shellcheck disable=SC2154  # rc is set in the trap itself
trap 'rc=$?; hac_teardown; rm -f "$results"; exit $rc' EXIT

say() { echo "$*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# One measured failure: prints ms from the failure to the first accepted sbatch.
measure() {
    local what=$1 victim=$2 t acc
    if [[ $what == pause ]]; then
        hac_host_freeze "$victim" >&2 || { echo -1; return 0; }
        t=$(hac_event_at "$(hac_host_frozen_ms "$victim")" "bench: $what on $victim")
    else
        t=$(hac_event "bench: $what on $victim")
    fi
    case $what in
        kill9) if [[ ${HAC_NATIVE:-0} == 1 ]]; then hat_kill "$victim" slurmctld KILL; else hac_kill_ctld "$victim" KILL; fi ;;
        host_lost) hac_host_lose "$victim" ;;
    esac
    acc=$(hac_sbatch_until_accepted cn1 "$MEASURE_TIMEOUT" --wrap true) || { echo -1; return 0; }
    read -r _ tacc _ <<<"$acc"
    echo $((tacc - t))
}

# Native: wait until ctl1 is in control and ctl2, ctl3 are in standby. A backup that was in
# control exits when the primary comes back (REQUEST_CONTROL): it is started again, as its
# service manager would.
native_steady() {
    local end=$(( $(hac_now_ms) + $1 * 1000 )) s h st since
    since=$(hac_now_ms)
    while :; do
        for h in ctl1 ctl2 ctl3; do
            hat_alive "$h" slurmctld || { say "  (re)starting slurmctld on $h"; hat_slurmctld_start "$h" || true; }
        done
        s=$(hac_control_states | tr '\n' ' ')
        [[ $s == "ctl1 active ctl2 standby ctl3 standby " ]] && return 0
        # A backup that stays unreachable (seen: "backup not completely done relinquishing
        # control", then no listening socket) is restarted after 15 s.
        if (( $(hac_now_ms) - since > 15000 )); then
            while read -r h st; do
                if [[ $h != ctl1 && $st == down ]] && hat_alive "$h" slurmctld; then
                    say "  $h: slurmctld alive but not answering for 15 s: restarting it"
                    hat_kill "$h" slurmctld TERM || true
                    hat_slurmctld_start "$h" || true
                fi
            done <<<"$(tr ' ' '\n' <<<"$s" | paste - - )"
            since=$(hac_now_ms)
        fi
        if (( $(hac_now_ms) >= end )); then
            say "  not steady: $s"
            for h in ctl1 ctl2 ctl3; do
                say "    $h: $(hat_exec cn1 "$HAC_RPC" --protocol "$HAC_PROTOCOL" --timeout 2s "$(hac_ip "$h")" status 2>&1 | tr '\n' ' ')"
                say "    $h: $(grep -v debug "$(hat_host_dir "$h")/fs/log-slurm/slurmctld.log" | tail -n 3 | tr '\n' ' ')"
            done
            return 1
        fi
        sleep 0.5
    done
}

run_mode() {
    local mode=$1 reps=$N d r m ms
    HAC_FENCE=0
    unset HAC_LEASE_TTL
    case $mode in
        hooks | hooks-fast | fenced)
            HAC_NATIVE=0 MEASURE_TIMEOUT=60
            export HAC_SBATCH_GAP_MS=200 HAC_SBATCH_TIMEOUT=3
            if [[ $mode == hooks-fast ]]; then
                HAT_GLUSTER_PING_TIMEOUT=2 HAC_TCP_TIMEOUT=1 hac_boot 3 2
            elif [[ $mode == fenced ]]; then
                HAC_FENCE=1 HAC_LEASE_TTL=15s
                export HAC_LEASE_TTL
                hac_boot 3 2
            else
                hac_boot 3 2
            fi ;;
        native10 | native120)
            HAC_NATIVE=1
            [[ $mode == native120 ]] && reps=$N120
            MEASURE_TIMEOUT=$(( ${mode#native} * 3 + 60 ))
            # sbatch itself goes through the list of controllers and waits on a lost one:
            # each attempt may take long, so fewer of them at once.
            export HAC_SBATCH_GAP_MS=1000 HAC_SBATCH_TIMEOUT=30
            [[ $mode == native10 ]] && HAC_SBATCH_GAP_MS=500
            hac_boot_native 3 2 "${mode#native}" ;;
    esac
    for d in $DRILLS; do
        [[ $d != pause || $HAC_NATIVE == 0 ]] || continue
        for ((r = 1; r <= reps; r++)); do
            if [[ $HAC_NATIVE == 1 ]]; then
                native_steady 120 || { say "  $mode: not steady, skipping the rest"; return 0; }
                m=ctl1
            else
                m=$(hac_wait_steady 60) || { say "  $mode: not steady, skipping the rest"; hac_dump; return 0; }
                # Not a double failure: a host that came back is behind until GlusterFS healed it.
                hac_storage_healed 120 || { say "  $mode: the state volume is not healed, skipping the rest"; return 0; }
            fi
            sleep 1
            ms=$(measure "$d" "$m")
            say "  $mode drill $d #$r: $m -> first accepted sbatch after $ms ms (load $(load))"
            [[ $ms != -1 ]] || hac_dump
            echo "$mode $d $r $ms" >>"$results"
            # Restore. A fenced host is off (or was lost while its BMC said on): powered on
            # through its BMC, then booted; a paused one not fenced is thawed (its self-fence
            # stops its slurmctld).
            if [[ $HAC_FENCE == 1 && $d != kill9 ]]; then
                [[ $(hat_bmc_power "$m") == off ]] || hat_bmc_ipmitool "$m" chassis power off >/dev/null
                hat_wait_for 30 eval "[[ \$(hat_bmc_power $m) == off ]]" || say "  $m: not off"
                hat_bmc_ipmitool "$m" chassis power on >/dev/null || say "  $m: power on failed"
                hac_host_recover "$m"
                hac_event "bench: $m powered on and back" >/dev/null
            elif [[ $d == host_lost ]]; then
                hac_host_recover "$m"
                hac_event "bench: $m back" >/dev/null
            elif [[ $d == pause ]]; then
                hac_host_thaw "$m"
                hac_storage_heal
                hac_event "bench: $m thawed" >/dev/null
            fi
            if [[ $HAC_NATIVE == 1 && $d == kill9 ]]; then hat_slurmctld_start ctl1; fi
        done
    done
    hac_teardown
}

say "bench/failover.sh: N=$N, modes: $MODES, drills: $DRILLS (load $(load), $(nproc) CPUs)"
for mode in $MODES; do
    say "== $mode"
    run_mode "$mode"
done

# The table.
awk -v modes="$MODES" -v drills="$DRILLS" '
    { v[$1, $2, ++n[$1, $2]] = $4 }
    function stat(m, d,   i, k, a, t, j) {
        k = 0
        for (i = 1; i <= n[m, d]; i++) if (v[m, d, i] >= 0) a[++k] = v[m, d, i]
        fail[m, d] = n[m, d] - k
        for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
        cnt[m, d] = k
        med[m, d] = k ? (k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2) : -1
        mx[m, d] = k ? a[k] : -1
    }
    END {
        nm = split(modes, M, " "); nd = split(drills, D, " ")
        for (i = 1; i <= nm; i++) for (j = 1; j <= nd; j++) stat(M[i], D[j])
        printf "\nfailure -> first sbatch accepted (s), median / max over n runs; ratio = median / hooks median\n"
        printf "%-11s", "mode"
        for (j = 1; j <= nd; j++) printf " | %-31s", (D[j] == "kill9" ? "kill9: kill -9 slurmctld" : D[j] == "pause" ? "pause: master paused" : "host_lost: master host lost")
        printf "\n%-11s", ""
        for (j = 1; j <= nd; j++) printf " | %3s %8s %8s %8s", "n", "median", "max", "ratio"
        printf "\n"
        for (i = 1; i <= nm; i++) {
            printf "%-11s", M[i]
            for (j = 1; j <= nd; j++) {
                m = M[i]; d = D[j]
                if (!cnt[m, d]) { printf " | %3d %8s %8s %8s", 0, "-", "-", "-"; continue }
                r = (med["hooks", d] > 0) ? sprintf("%.1f", med[m, d] / med["hooks", d]) : "-"
                printf " | %3d %8.2f %8.2f %8s", cnt[m, d], med[m, d] / 1000, mx[m, d] / 1000, r
            }
            printf "\n"
        }
        for (i = 1; i <= nm; i++) for (j = 1; j <= nd; j++)
            if (fail[M[i], D[j]]) printf "%s drill %s: %d runs with no sbatch accepted in time (not counted)\n", M[i], D[j], fail[M[i], D[j]]
        if (cnt["hooks", "kill9"]) printf "target kill9 (hooks): median < 5 s: %s\n", med["hooks", "kill9"] < 5000 ? "met" : "NOT met"
        if (cnt["hooks", "host_lost"]) printf "target host_lost (hooks): median < 8 s: %s\n", med["hooks", "host_lost"] < 8000 ? "met" : "NOT met"
        if (cnt["hooks-fast", "kill9"]) printf "target kill9 (hooks-fast): median < 5 s: %s\n", med["hooks-fast", "kill9"] < 5000 ? "met" : "NOT met"
        if (cnt["hooks-fast", "host_lost"]) printf "target host_lost (hooks-fast): median < 8 s: %s\n", med["hooks-fast", "host_lost"] < 8000 ? "met" : "NOT met"
        if (cnt["fenced", "host_lost"]) printf "target host_lost (fenced): median < 6 s: %s\n", med["fenced", "host_lost"] < 6000 ? "met" : "NOT met"
        if (cnt["fenced", "pause"]) printf "target pause (fenced): median < 8 s: %s\n", med["fenced", "pause"] < 8000 ? "met" : "NOT met"
        printf "\nevery run (ms):\n"
        for (i = 1; i <= nm; i++) for (j = 1; j <= nd; j++) {
            line = ""
            for (k = 1; k <= n[M[i], D[j]]; k++) line = line " " v[M[i], D[j], k]
            if (line != "") printf "  %-10s drill %s:%s\n", M[i], D[j], line
        }
    }' "$results"
echo "load average at the end: $(load)"
