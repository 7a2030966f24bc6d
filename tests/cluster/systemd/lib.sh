# shellcheck shell=bash
#
# lib.sh - test hosts that boot a real systemd: systemd-nspawn containers whose root is an
# overlay of this machine's own /, each in a network namespace of tests/lib/hosts.sh.
#
# This machine runs no systemd, and systemd must never be started on its own root (its
# tmpfiles service would empty /tmp for everyone). A container here is:
#
#   * an overlay mount, in the machine's mount namespace, at STATE/nspawn/NAME/root: lower
#     layer /, upper and work layers in STATE/nspawn/NAME (STATE is hosts.sh's state folder
#     /var/lib/ha-slurm-tests/$HAT_PREFIX). What the container writes (its /etc, its /var)
#     lands in the upper layer; the machine's / is only read. Files are put into the root
#     before boot (install.sh --root ROOT, masks, /etc/hosts);
#   * `systemd-nspawn -b --register=no --keep-unit` on that root (no machined, no unit of its
#     own: nothing runs systemd here), started in a private mount namespace with a tmpfs on
#     /run/systemd/nspawn (nspawn keeps its propagation folders there; /run is the machine's
#     disk here, and two runs must not share it), joining the host's network namespace
#     (`--network-namespace-path=/run/netns/$HAT_PREFIX-NAME`, made by hat_host_add: eth0
#     on the prefix's bridge, with the host's address), so containers and plain hosts.sh
#     hosts talk to each other on their own addresses;
#   * booted into multi-user.target with everything masked that must not run or need not:
#     every unit this machine's administrator enabled (the overlay copies /etc/systemd) but
#     the ones the test is about (munge, keepalived, slurmctld, slurmd), the SysV scripts
#     without a unit, getty, logind, timers, timesyncd; the journal in memory.
#
# The nspawn process is recorded like a hosts.sh daemon (STATE/pids/NAME/nspawn: pid and start
# time), so hat_clean also stops what a killed run left; hsd_clean first powers the containers
# off in order (SIGTERM to nspawn: the container's systemd shuts down), then hat_clean kills
# whatever is left in the namespaces and unmounts every mount under STATE, overlays included.
#
# Usage (as root; see units.sh and drill.sh):
#
#   HAT_PREFIX=hatn; source tests/cluster/systemd/lib.sh
#   hsd_init                          # checks, traps (teardown on exit and signals), hsd_clean
#   hat_net_up; hat_host_add ctl1 10.213.0.11
#   hsd_prepare ctl1 controller       # the overlay root, masks, hostname, /etc/hosts
#   install.sh --root "$(hsd_root ctl1)" --controller --config FILE --host ctl1
#   hsd_boot ctl1 --bind=/some/folder:/mnt/state     # extra nspawn options allowed
#   hsd_wait_booted ctl1 60
#   hsd_exec ctl1 systemctl is-active keepalived
#   hsd_stop ctl1
#
# Functions: hsd_init hsd_clean hsd_prepare hsd_root hsd_boot hsd_wait_booted hsd_leader
#            hsd_exec hsd_stop hsd_running hsd_console hsd_no_sanitizer_reports
#
# Settings: HSD_BOOT_TIMEOUT (seconds, default 90), HSD_STOP_TIMEOUT (default 8); the
# HAT_* settings of tests/lib/hosts.sh.

HSD_DIR=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
HA_SOURCE_DIR=${HA_SOURCE_DIR:-$(readlink -f "$HSD_DIR/../../..")}
HA_BUILD_DIR=${HA_BUILD_DIR:-$HA_SOURCE_DIR/build}
: "${HAT_PREFIX:=hatn}"
: "${HSD_BOOT_TIMEOUT:=90}"
: "${HSD_STOP_TIMEOUT:=8}"

# shellcheck source=SCRIPTDIR/../../lib/hosts.sh
. "$HSD_DIR/../../lib/hosts.sh"

# The environment of every command run in a container (nothing of the caller's leaks in).
HSD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

_hsd_dir() { echo "$(hat_state_dir)/nspawn/$1"; }

# A sanitizer build (tests/run.sh runs these tests with it): the programs keepalived runs in a
# container write their reports to files there (their output goes to keepalived's /dev/null),
# which hsd_no_sanitizer_reports looks for.
HSD_SANITIZED=0
grep -qs '^HA_SANITIZE:BOOL=ON' "$HA_BUILD_DIR/CMakeCache.txt" && HSD_SANITIZED=1
HSD_SANITIZER_DIR=/var/log/ha-slurm-sanitizer

# hsd_no_sanitizer_reports: asserts (testlib) that no program in any container of this prefix
# wrote a sanitizer report; prints them if one did. Says nothing for a release build.
hsd_no_sanitizer_reports() {
    local f
    local -a found=()
    ((HSD_SANITIZED)) || return 0
    for f in "$(hat_state_dir)"/nspawn/*/upper"$HSD_SANITIZER_DIR"/*; do
        [[ -f $f ]] && found+=("$f")
    done
    for f in "${found[@]}"; do
        echo "# --- $f" >&2
        sed 's/^/# /' "$f" >&2
    done
    _t_report $((${#found[@]} > 0)) "sanitizer build: no report from the programs in the containers (${#found[@]} found)"
}

# hsd_root NAME: the container's root (the overlay), as seen from this machine.
hsd_root() { echo "$(_hsd_dir "$1")/root"; }

# hsd_console NAME: the container's console output (systemd's boot messages).
hsd_console() { echo "$(_hsd_dir "$1")/console.log"; }

_hsd_pidfile() { echo "$(hat_state_dir)/pids/$1/nspawn"; }

# hsd_running NAME: the container's nspawn process runs (the recorded one).
hsd_running() {
    local pid start
    read -r pid start 2>/dev/null <"$(_hsd_pidfile "$1")" || return 1
    _hat_pid_alive "$pid" "$start"
}

# hsd_init: root, systemd-nspawn and the build; teardown on exit and on signals; a clean start.
hsd_init() {
    if (($(id -u) != 0)); then
        echo "# needs root (network namespaces, mounts, systemd-nspawn)" >&2
        exit 1
    fi
    command -v systemd-nspawn >/dev/null ||
        { echo "# systemd-nspawn is missing: run tests/install-deps.sh (systemd-container)" >&2; exit 1; }
    [[ -x $HA_BUILD_DIR/hooks/ha-notify-master && -x $HA_BUILD_DIR/genconf/ha-genconf ]] ||
        { echo "# not built: $HA_BUILD_DIR (set HA_BUILD_DIR)" >&2; exit 1; }
    # shellcheck disable=SC2154  # rc is the trap's own
    trap 'rc=$?; hsd_teardown; exit $rc' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    hsd_clean
}

# hsd_stop NAME...: powers the containers off: SIGTERM to nspawn (the container's systemd
# shuts down in order); after HSD_STOP_TIMEOUT a second SIGTERM (nspawn then ends the container
# at once: a slurmd whose controllers are gone can wait 90 s to stop); SIGKILL 10 s later.
# Then unmounts their roots. All at once, so one slow container does not hold up the others.
# _hsd_all_dead "PID START NAME"...: every one of those processes is gone.
_hsd_all_dead() {
    local p
    for p in "$@"; do
        # shellcheck disable=SC2086  # "pid start name": pid and start
        _hat_dead ${p% *} || return 1
    done
}

hsd_stop() {
    local name pid start root sig p t=$HSD_STOP_TIMEOUT
    local -a pids=()
    for name in "$@"; do
        if read -r pid start 2>/dev/null <"$(_hsd_pidfile "$name")" &&
            _hat_pid_alive "$pid" "$start"; then
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid $start $name")
        fi
    done
    for sig in TERM KILL; do
        ((${#pids[@]})) || break
        hat_wait_for "$t" _hsd_all_dead "${pids[@]}" && break
        for p in "${pids[@]}"; do
            # shellcheck disable=SC2086
            if _hat_pid_alive ${p% *}; then
                [[ $sig == TERM ]] ||
                    echo "hsd: ${p##* } did not power off: SIGKILL to nspawn" >&2
                kill -"$sig" "${p%% *}" 2>/dev/null || true
            fi
        done
        t=10
    done
    for name in "$@"; do
        rm -f "$(_hsd_pidfile "$name")"
        root=$(hsd_root "$name")
        while read -r mp; do
            [[ -n $mp ]] && { umount -l -c "$mp" 2>/dev/null || true; }
        done < <(_hat_mounts_under "$root")
    done
}

# hsd_clean: every container of this prefix powered off (also those of a killed run), then
# hosts.sh's clean (namespaces, mounts, the state folder).
hsd_clean() {
    local d
    local -a names=()
    _hat_claim || return 1
    for d in "$(hat_state_dir)"/nspawn/*/; do
        [[ -d $d ]] || continue
        d=${d%/}
        names+=("${d##*/}")
    done
    ((${#names[@]} == 0)) || hsd_stop "${names[@]}"
    hat_clean
}

hsd_teardown() {
    if [[ ${HSD_KEEP:-0} == 1 ]]; then
        echo "# HSD_KEEP=1: left running; clean with hsd_clean (HAT_PREFIX=$HAT_PREFIX)" >&2
        return 0
    fi
    hsd_clean || true
    _hat_release
}

# Units this machine's administrator enabled, SysV scripts without a unit of their own: what
# the overlay would start at boot besides what a test is about.
_hsd_host_units() {
    local f u
    for f in /etc/systemd/system/*.wants/* /etc/systemd/system/*.requires/*; do
        [[ -e $f || -L $f ]] && echo "${f##*/}"
    done
    for f in /etc/init.d/*; do
        u=${f##*/}
        [[ -x $f && $u != README && $u != skeleton ]] || continue
        [[ -e /lib/systemd/system/$u.service || -e /etc/systemd/system/$u.service ||
            -e /usr/lib/systemd/system/$u.service ]] && continue
        echo "$u.service"
    done
}

# hsd_prepare NAME ROLE: the container's root for host NAME (hat_host_add NAME first), ROLE
# controller or compute: which of munge, keepalived, slurmctld and slurmd may run in it.
hsd_prepare() {
    local name=$1 role=$2 d root u keep
    local -a mask
    _hat_host_ok "$name" || return 1
    case $role in
    controller) keep=" munge.service keepalived.service slurmctld.service slurmdbd.service " ;;
    compute) keep=" munge.service slurmd.service " ;;
    *) _hat_err "role must be controller or compute, not '$role'"; return 1 ;;
    esac
    d=$(_hsd_dir "$name")
    root=$d/root
    [[ ! -e $d ]] || { _hat_err "container $name exists"; return 1; }
    _hat_mkdir "$d/upper" "$d/work" "$root"
    mount -t overlay "hsd-$HAT_PREFIX-$name" -o "lowerdir=/,upperdir=$d/upper,workdir=$d/work" "$root"

    # What must not run: hardware, consoles, logins, clocks, timers, and the machine's own
    # services; the role's other daemons.
    mask=(getty.target console-getty.service container-getty@.service systemd-logind.service
        systemd-timesyncd.service systemd-networkd.service systemd-resolved.service
        systemd-networkd-wait-online.service NetworkManager.service networking.service
        ifup@.service systemd-pstore.service systemd-hwdb-update.service
        systemd-tmpfiles-clean.timer timers.target e2scrub_reap.service
        systemd-binfmt.service systemd-firstboot.service)
    [[ $role == compute ]] && mask+=(keepalived.service slurmctld.service slurmdbd.service)
    [[ $role == controller ]] && mask+=(slurmd.service)
    while read -r u; do
        [[ $keep == *" $u "* || $u == *.target ]] || mask+=("$u")
    done < <(_hsd_host_units | sort -u)
    for u in "${mask[@]}"; do
        ln -sfn /dev/null "$root/etc/systemd/system/$u"
    done
    rm -f "$root/etc/systemd/system/default.target"

    # The journal in memory (fast, and gone with the container); a machine id of its own.
    _hat_mkdir "$root/etc/systemd/journald.conf.d"
    printf '[Journal]\nStorage=volatile\nRateLimitBurst=0\n' \
        >"$root/etc/systemd/journald.conf.d/ha-slurm-tests.conf"
    # The sanitizers' options for what keepalived runs (the check, the hooks, ExecStopPost).
    if ((HSD_SANITIZED)); then
        _hat_mkdir "$root$HSD_SANITIZER_DIR" "$root/etc/systemd/system/keepalived.service.d"
        printf '[Service]\nEnvironment=ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:log_path=%s/asan\nEnvironment=UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=%s/ubsan\n' \
            "$HSD_SANITIZER_DIR" "$HSD_SANITIZER_DIR" \
            >"$root/etc/systemd/system/keepalived.service.d/ha-slurm-tests-sanitizers.conf"
    fi
    tr -d - </proc/sys/kernel/random/uuid >"$root/etc/machine-id"
    echo "$name" >"$root/etc/hostname"
    cp "$(hat_host_dir "$name")/etc-hosts" "$root/etc/hosts"
    chmod 0644 "$root/etc/hostname" "$root/etc/hosts" "$root/etc/machine-id"
    echo "$role" >"$d/role"
}

# hsd_boot NAME [NSPAWN_OPTION...]: boots the container (returns at once; hsd_wait_booted).
hsd_boot() {
    local name=$1 d pid start
    shift
    d=$(_hsd_dir "$name")
    [[ -d $d/root ]] || { _hat_err "hsd_prepare $name first"; return 1; }
    hsd_running "$name" && { _hat_err "container $name runs already"; return 1; }
    cp "$(hat_host_dir "$name")/etc-hosts" "$d/root/etc/hosts"
    echo "=== $(date '+%F %T') boot" >>"$d/console.log"
    (
        for fd in /proc/"$BASHPID"/fd/*; do
            fd=${fd##*/}
            if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        exec </dev/null >>"$d/console.log" 2>&1
        # The sources and the build are bound in read-only: a clone under /tmp (a CI checkout)
        # would be hidden by the container's own /tmp.
        # The shell records its pid, then becomes unshare, then nspawn: the same process.
        # shellcheck disable=SC2016
        exec env -i "PATH=$HSD_PATH" LANG=C SYSTEMD_LOG_COLOR=0 setsid sh -c \
            'echo $$ >"$1.new"; shift
             exec unshare --mount --propagation private sh -c "
                 mkdir -p /run/systemd/nspawn &&
                 mount -t tmpfs -o mode=0755,size=16m hsd-nspawn /run/systemd/nspawn &&
                 exec systemd-nspawn \"\$@\"" nspawn "$@"' \
            sh "$(_hsd_pidfile "$name")" \
            --quiet --boot --register=no --keep-unit --directory="$d/root" \
            --machine="$HAT_PREFIX-$name" --hostname="$name" \
            --network-namespace-path="/run/netns/$HAT_PREFIX-$name" \
            --capability=CAP_NET_ADMIN --console=passive \
            --bind-ro="$HA_SOURCE_DIR" --bind-ro="$HA_BUILD_DIR" "$@"
    ) &
    disown "$!"
    hat_wait_for 10 test -s "$(_hsd_pidfile "$name").new" ||
        { _hat_err "$name: nspawn did not start (see $d/console.log)"; return 1; }
    pid=$(<"$(_hsd_pidfile "$name").new")
    start=$(_hat_starttime "$pid") || start=gone
    echo "$pid $start" >"$(_hsd_pidfile "$name")"
    rm -f "$(_hsd_pidfile "$name").new"
}

# hsd_leader NAME: the pid (on this machine) of the container's init, its systemd.
hsd_leader() {
    local pid start c
    local -a kids=()
    read -r pid start 2>/dev/null <"$(_hsd_pidfile "$1")" || return 1
    _hat_pid_alive "$pid" "$start" || return 1
    read -r -a kids < <(cat /proc/"$pid"/task/*/children 2>/dev/null) || true
    for c in "${kids[@]}"; do
        if [[ $(readlink "/proc/$c/ns/pid") != "$(readlink /proc/self/ns/pid)" ]]; then
            echo "$c"
            return 0
        fi
    done
    return 1
}

# hsd_exec NAME CMD...: runs CMD in the container (all its namespaces and root, a clean
# environment). Not in a unit of the container: for systemctl, journalctl and the like.
hsd_exec() {
    local name=$1 l
    shift
    l=$(hsd_leader "$name") || { _hat_err "container $name does not run"; return 1; }
    env -i "PATH=$HSD_PATH" LANG=C SYSTEMD_COLORS=0 SYSTEMD_PAGER= \
        nsenter --target "$l" --mount --uts --ipc --net --pid --cgroup --root --wd -- "$@"
}

# _hsd_booted NAME: done booting (0), still booting (1), or nspawn gone (0 too, so the wait
# ends at once; hsd_wait_booted tells the two apart).
_hsd_booted() {
    local s
    hsd_running "$1" || return 0
    s=$(hsd_exec "$1" systemctl is-system-running 2>/dev/null) || true
    [[ $s == running || $s == degraded ]]
}

# _hsd_boot_failed NAME WHY: says why the container did not boot, the console's last lines
# (what nspawn and the container's systemd said) first, and fails.
_hsd_boot_failed() {
    _hat_err "$1: $2; the console ($(hsd_console "$1")) ends with:" || true
    tail -n 30 "$(hsd_console "$1")" | sed 's/^/hsd:   /' >&2 || true
    return 1
}

# hsd_wait_booted NAME [TIMEOUT_S]: waits until the container's systemd has finished booting
# (running or degraded; a degraded boot lists the failed units on stderr). Fails at once if
# nspawn ends meanwhile.
hsd_wait_booted() {
    local name=$1 t=${2:-$HSD_BOOT_TIMEOUT}
    hat_wait_for "$t" _hsd_booted "$name" ||
        { _hsd_boot_failed "$name" "not booted in ${t}s"; return 1; }
    hsd_running "$name" || { _hsd_boot_failed "$name" "nspawn ended before the boot did"; return 1; }
    if [[ $(hsd_exec "$name" systemctl is-system-running 2>/dev/null || true) == degraded ]]; then
        echo "hsd: $name booted degraded: $(hsd_exec "$name" systemctl --failed --plain --no-legend | awk '{print $1}' | tr '\n' ' ')" >&2
    fi
}
