# shellcheck shell=bash
#
# hosts.sh - several Slurm "hosts" on one machine, with real daemons.
#
# A host is a network namespace (${HAT_PREFIX}-NAME, interface eth0 on a bridge that lives in
# its own "switch" namespace ${HAT_PREFIX}-switch) plus a persistent mount and UTS namespace
# (hostname NAME) in which per-host folders are bind-mounted over:
#
#   /etc/hosts /etc/slurm /run /var/spool (holds slurmd/ and slurmctld/) /var/log/slurm
#   /var/lib/slurm /var/log/munge /var/lib/munge /mnt
#
# /run is per host, so /run/munge/munge.socket.2, /run/slurmctld.pid, /run/keepalived.pid and
# /run/ha-slurm are private to each host. /etc/munge (the one key) is the machine's. /var/spool
# and /mnt are bound whole (not just /var/spool/slurmd...) so that no folder has to be created
# on the machine's own file system; put shared mounts under /mnt (see hat_shared_setup).
# A host given an extracted Debian root (ROOTDIR) runs its commands chrooted there; the same
# per-host folders, /proc, /dev and /sys are mounted inside ROOTDIR in that host's mount
# namespace only, and the machine's munge key is copied into ROOTDIR/etc/munge (owner: the
# root's munge user, 0400). By default (HAT_ROOT_OVERLAY=1) the host sees ROOTDIR through an
# overlay whose writable layer is per host, so the key copy and anything the host writes
# never change the root itself, and several hosts and runs can share one root.
#
# Everything is named after HAT_PREFIX (default "hat"): namespaces, the state folder
# ${HAT_STATE_ROOT:-/var/lib/ha-slurm-tests}/${HAT_PREFIX}, and an owner file beside it
# (${HAT_PREFIX}.owner: pid of the run using the prefix, removed by hat_teardown) that keeps
# two live runs with the same prefix apart. Addresses can repeat between prefixes: each prefix
# has its own switch. Nothing is done in the machine's own network namespace, and no process
# is ever signalled unless it runs in one of this prefix's namespaces or was recorded by
# hat_spawn (pid + start time, so a reused pid is never hit).
#
# Usage (as root; `set -euo pipefail` friendly: functions return non-zero, never exit):
#
#   HAT_PREFIX=hatx; source tests/lib/hosts.sh
#   trap 'rc=$?; hat_teardown; exit $rc' EXIT
#   trap 'exit 130' INT; trap 'exit 143' TERM      # so the EXIT trap also runs on signals
#   hat_clean                                     # whatever a killed run left behind
#   hat_net_up
#   hat_host_add ctl1 10.213.0.11
#   hat_host_add ctl2 10.213.0.12
#   hat_host_add cn1  10.213.0.21
#   for h in ctl1 ctl2 cn1; do hat_munged_start "$h"; done
#   HAT_SHARED_MODE=fuse hat_shared_setup /mnt/slurm-state ctl1 ctl2
#   HAT_COMPUTE_HOSTS=cn1 hat_slurm_conf ctl1 ctl2
#   hat_slurmctld_start ctl1; hat_slurmctld_start ctl2; hat_slurmd_start cn1
#   hat_exec cn1 scontrol ping
#   kill -STOP "$(hat_shared_pid ctl1)"          # a hung GlusterFS mount on ctl1
#   hat_kill ctl1 slurmctld KILL
#
# keepalived runs in a host like any daemon, in the foreground (its children stay in the
# host's namespaces, so hat_clean finds them too); /run is per host, so its default pid files
# do not collide. Its config can live in the host's state folder (hat_host_dir), which is
# visible in the host (not inside a ROOTDIR chroot):
#
#   conf="$(hat_host_dir ctl1)/keepalived.conf"
#   hat_spawn ctl1 keepalived keepalived -n -l -D -f "$conf" -p /run/keepalived.pid \
#       -r /run/keepalived_vrrp.pid
#   hat_kill ctl1 keepalived TERM
#
# Functions (details above each one):
#   hat_clean hat_teardown hat_net_up hat_host_add hat_hosts_file hat_exec hat_spawn hat_pid
#   hat_alive hat_kill hat_wait_for hat_munged_start hat_shared_setup hat_shared_pid
#   hat_shared_dir hat_slurm_conf hat_slurmctld_start hat_slurmd_start hat_host_dir hat_log
#   hat_hosts hat_state_dir hat_gluster_healed
#
# Settings (environment):
#   HAT_PREFIX              name prefix of everything (default hat)
#   HAT_STATE_ROOT          parent of the state folder (default /var/lib/ha-slurm-tests)
#   HAT_SHARED_MODE         bind | fuse | gluster (hat_shared_setup, default bind)
#   HAT_GLUSTER_PING_TIMEOUT  network.ping-timeout of a GlusterFS volume, seconds (default 5:
#                           how long a client waits for a lost server before going on without
#                           it; GlusterFS's own default is 42)
#   HAT_SLURMCTLD_TIMEOUT   SlurmctldTimeout in slurm.conf (default 10)
#   HAT_COMPUTE_HOSTS       compute hosts for the NodeName line (space separated)
#   HAT_SLURM_CONF_EXTRA    extra slurm.conf lines (newline separated)
#   HAT_STATESAVE           StateSaveLocation (default: set by hat_shared_setup)
#   HAT_START_TIMEOUT       seconds to wait for a daemon to be ready (default 30)
#   HAT_KILL_TIMEOUT        seconds hat_kill waits for TERM/KILL (default 20)
#   HAT_CLEAN_TERM_WAIT     seconds hat_clean waits after SIGTERM before SIGKILL (default 3)
#   HAT_ROOT_OVERLAY        1 (default): a ROOTDIR is covered, in the host's mount namespace
#                           only, by an overlay whose writable layer is in the host's state
#                           folder: the root stays as it is (it may be shared with other
#                           hosts and runs). 0: the host writes into ROOTDIR itself.
#   HAT_ROOT_BINDS          folders of this machine (space separated) that a host with a
#                           ROOTDIR sees at the same path inside it (e.g. the sources, the
#                           build, this prefix's state folder: paths in configuration files
#                           then mean the same in and out of the chroot)
#   HAT_VERBOSE             1: say what is done on stderr

: "${HAT_PREFIX:=hat}"
: "${HAT_STATE_ROOT:=/var/lib/ha-slurm-tests}"
: "${HAT_SHARED_MODE:=bind}"
: "${HAT_SLURMCTLD_TIMEOUT:=10}"
: "${HAT_COMPUTE_HOSTS:=}"
: "${HAT_SLURM_CONF_EXTRA:=}"
: "${HAT_START_TIMEOUT:=30}"
: "${HAT_KILL_TIMEOUT:=20}"
: "${HAT_CLEAN_TERM_WAIT:=3}"
: "${HAT_VERBOSE:=0}"
: "${HAT_ROOT_OVERLAY:=1}"
: "${HAT_GLUSTER_PING_TIMEOUT:=5}"

# Environment of every spawned daemon (as a systemd unit would give it).
HAT_DAEMON_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# Per-host folders: key (folder name under the host's fs/) and where it is mounted in the host.
# /run comes first: later mounts must not be hidden by it.
HAT_HOST_MOUNTS=(
    run:/run
    etc-slurm:/etc/slurm
    spool:/var/spool
    log-slurm:/var/log/slurm
    lib-slurm:/var/lib/slurm
    log-munge:/var/log/munge
    lib-munge:/var/lib/munge
    mnt:/mnt
)

# ---------------------------------------------------------------------------------------------
# Internal helpers

_hat_say() { [[ $HAT_VERBOSE == 1 ]] && echo "hat[$HAT_PREFIX]: $*" >&2; return 0; }
_hat_err() { echo "hat[$HAT_PREFIX]: error: $*" >&2; return 1; }

# Paths and names.
hat_state_dir() { echo "$HAT_STATE_ROOT/$HAT_PREFIX"; }
_hat_st() { echo "$HAT_STATE_ROOT/$HAT_PREFIX"; }
_hat_netns() { echo "$HAT_PREFIX-$1"; }
_hat_switch() { echo "$HAT_PREFIX-switch"; }
_hat_bridge() { echo "${HAT_PREFIX:0:12}-br"; }

# hat_host_dir NAME: the host's folder in the state folder (fs/KEY are its mounted folders,
# logs/ the daemons' stdout and stderr). Visible inside the host unless it has a ROOTDIR.
hat_host_dir() { echo "$(_hat_st)/hosts/$1"; }

# hat_log NAME LABEL: the log file of a daemon started by hat_spawn.
hat_log() { echo "$(hat_host_dir "$1")/logs/$2.log"; }

# hat_ctld_version_errors NAME: the lines of NAME's slurmctld logs (SlurmctldLogFile and what
# hat_spawn kept of its output) in which it refused a request for its protocol version: 22.05
# logs "Invalid Protocol Version" and "Incompatible versions of client and server code". Prints
# nothing when there are none.
hat_ctld_version_errors() {
    local hd
    hd=$(hat_host_dir "$1")
    cat "$hd/fs/log-slurm/slurmctld.log" "$hd/logs/slurmctld.log" 2>/dev/null |
        grep -aiE 'invalid protocol version|incompatible versions|protocol.?version' || true
}

# hat_hosts: the names of all hosts, in the order they were added.
hat_hosts() {
    local f; f="$(_hat_st)/hosts.list"
    [[ -f $f ]] || return 0
    awk '{print $1}' "$f"
}

_hat_host_ok() {
    [[ -f "$(hat_host_dir "$1")/ip" ]] || _hat_err "no host '$1'"
}

_hat_host_root() { cat "$(hat_host_dir "$1")/root"; }

# Microseconds since the epoch, and a seconds value ("2", "0.5") in microseconds.
_hat_now_us() { local t=${EPOCHREALTIME/./}; echo "$((10#$t))"; }
_hat_sec_us() {
    local s=$1 int frac
    int=${s%%.*}; frac=
    [[ $s == *.* ]] && frac=${s#*.}
    frac="${frac}000000"; frac=${frac:0:6}
    echo "$(( ${int:-0} * 1000000 + 10#$frac ))"
}

# The start time (clock ticks since boot) of a process, to tell it from a later one that reuses
# its pid. Fails when the process does not exist.
_hat_starttime() {
    local s
    { read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
    s=${s##*) }
    # shellcheck disable=SC2086  # split the fields on purpose
    set -- $s
    echo "${20}"
}

# A zombie thread-group leader whose other threads still run (a multi-threaded daemon in the
# middle of exiting) is not gone yet.
_hat_zombie_done() {
    local tasks=("/proc/$1/task/"*)
    ((${#tasks[@]} <= 1))
}

# _hat_pid_alive PID START: the process exists, is not (wholly) a zombie and is the one
# recorded.
_hat_pid_alive() {
    local s
    { read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
    s=${s##*) }
    # shellcheck disable=SC2086
    set -- $s "$2" "$1"
    local pid=${!#} start=${*: -2:1}
    [[ ${20} == "$start" ]] || return 1
    [[ $1 != Z ]] || ! _hat_zombie_done "$pid"
}

# _hat_dead PID START: that process is gone (or only a zombie); a new process that reuses the
# pid does not count.
_hat_dead() { ! _hat_pid_alive "$1" "$2"; }

# Claim the prefix for this shell ($$, so subshells count as the same run): the owner file
# ${HAT_STATE_ROOT}/${HAT_PREFIX}.owner names the pid and start time of the run that uses the
# prefix. A live owner other than us makes this fail instead of having its daemons killed
# under it; a dead one (a run killed with SIGKILL) is replaced. flock (on the state root)
# only guards the check and the write, so no leftover child of a killed run can keep the
# prefix locked.
_hat_claim() {
    local me pid start fd owner=$HAT_STATE_ROOT/$HAT_PREFIX.owner
    me="$$ $(_hat_starttime $$)"
    [[ ${_HAT_OWNER:-} == "$me" ]] && return 0
    _hat_mkdir "$HAT_STATE_ROOT"
    # The lock is on the state root folder itself: no lock file is left behind.
    exec {fd}<"$HAT_STATE_ROOT"
    if ! flock -w 10 "$fd"; then
        exec {fd}>&-
        _hat_err "cannot lock $HAT_STATE_ROOT"
        return 1
    fi
    if read -r pid start 2>/dev/null <"$owner" && [[ "$pid $start" != "$me" ]] &&
        _hat_pid_alive "$pid" "$start"; then
        exec {fd}>&-
        _hat_err "HAT_PREFIX=$HAT_PREFIX is in use by the run with pid $pid"
        return 1
    fi
    echo "$me" >"$owner"
    exec {fd}>&-
    _HAT_OWNER=$me
}

# Give the prefix up (after a teardown).
_hat_release() {
    local me pid start owner=$HAT_STATE_ROOT/$HAT_PREFIX.owner
    me="$$ $(_hat_starttime $$)"
    if read -r pid start 2>/dev/null <"$owner" && [[ "$pid $start" == "$me" ]]; then
        rm -f "$owner"
    fi
    _HAT_OWNER=
}

# _hat_enter_cmd NAME CHROOT ARRAY: fill ARRAY with the command prefix that enters host NAME
# (network, mount and UTS namespaces; chrooted into its ROOTDIR when it has one and CHROOT=1).
_hat_enter_cmd() {
    local name=$1 chroot=$2 root st
    local -n _out=$3
    _hat_host_ok "$name" || return 1
    st=$(_hat_st)
    root=$(_hat_host_root "$name")
    _out=(nsenter "--net=/run/netns/$(_hat_netns "$name")" "--mount=$st/ns/$name.mnt"
        "--uts=$st/ns/$name.uts" --wd=/ --)
    if [[ $chroot == 1 && -n $root ]]; then
        _out+=(chroot "$root")
    fi
}

# _hat_uid ROOT USER: uid:gid of USER in the passwd file of ROOT ("" = this machine).
_hat_uid() {
    local line
    line=$(awk -F: -v u="$2" '$1 == u {print $3 ":" $4; exit}' "$1/etc/passwd")
    [[ -n $line ]] || { _hat_err "no user '$2' in $1/etc/passwd"; return 1; }
    echo "$line"
}

# Mount points (root namespace) at or under a folder, deepest first.
_hat_mounts_under() {
    awk -v d="$1" '{ m = $5; gsub(/\\040/, " ", m); if (m == d || index(m, d "/") == 1) print m }' \
        /proc/self/mountinfo | sort -r
}

_hat_is_mountpoint() {
    awk -v d="$1" '$5 == d {f = 1} END {exit !f}' /proc/self/mountinfo
}

# Make the folder holding the namespace files a private mount (a mount namespace file may
# only be bind-mounted where propagation is private).
_hat_ns_dir() {
    local d; d="$(_hat_st)/ns"
    _hat_mkdir "$d"
    if ! _hat_is_mountpoint "$d"; then
        mount --bind "$d" "$d"
    fi
    mount --make-private "$d"
}

# mkdir -p with mode 0755 whatever the caller's umask (keepalived's is 0177).
_hat_mkdir() { (umask 022 && mkdir -p "$@"); }

_hat_record() { echo "$2" >>"$(_hat_st)/$1"; }

# ---------------------------------------------------------------------------------------------
# Polling

# hat_wait_for TIMEOUT_S CMD...: run CMD every 50 ms until it succeeds (return 0) or TIMEOUT_S
# (may be fractional) has passed (return 1). CMD's output is not hidden.
hat_wait_for() {
    local timeout=$1; shift
    local deadline
    deadline=$(( $(_hat_now_us) + $(_hat_sec_us "$timeout") ))
    while :; do
        if "$@"; then return 0; fi
        (( $(_hat_now_us) < deadline )) || return 1
        sleep 0.05
    done
}

# ---------------------------------------------------------------------------------------------
# Cleaning

# All pids that are ours: processes in our network namespaces, in our hosts' mount
# namespaces, and recorded daemons that are still the recorded process.
_hat_our_pids() {
    local st ns f ino p pid start link
    local -A inos=()
    st=$(_hat_st)
    [[ -d $st ]] || return 0
    if [[ -f $st/netns.list ]]; then
        while read -r ns; do
            [[ -e /run/netns/$ns ]] && ip netns pids "$ns" 2>/dev/null
        done <"$st/netns.list"
    fi
    for f in "$st"/ns/*.mnt; do
        if [[ ! -e $f ]] || ! _hat_is_mountpoint "$f"; then continue; fi
        ino=$(stat -c %i "$f") && inos[$ino]=1
    done
    if ((${#inos[@]})); then
        # One find for all processes: "mnt:[INODE] /proc/PID/ns".
        while read -r link p; do
            link=${link#mnt:[}; link=${link%]}
            p=${p#/proc/}; p=${p%/ns}
            [[ -n ${inos[$link]:-} ]] && echo "$p"
        done < <(find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/mnt' \
            -printf '%l %h\n' 2>/dev/null || true)
    fi
    for f in "$st"/pids/*/*; do
        [[ -f $f ]] || continue
        read -r pid start <"$f" || continue
        _hat_pid_alive "$pid" "$start" && echo "$pid"
    done
    return 0
}

# Signal all our processes (never this shell), remembering each in _HAT_VICTIMS as
# "pid:start": a process that is exiting no longer shows in its namespaces, but is waited for.
_hat_signal_ours() {
    local sig=$1 pid start v
    for pid in $(_hat_our_pids | sort -un); do
        [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
        start=$(_hat_starttime "$pid") || continue
        [[ " ${_HAT_VICTIMS[*]} " == *" $pid:$start "* ]] || _HAT_VICTIMS+=("$pid:$start")
    done
    for v in "${_HAT_VICTIMS[@]}"; do
        if _hat_pid_alive "${v%%:*}" "${v#*:}"; then kill -s "$sig" "${v%%:*}" 2>/dev/null || true; fi
    done
    return 0
}

# None of the signalled processes is alive, and no new one is in our namespaces.
_hat_none_left() {
    local v
    for v in "${_HAT_VICTIMS[@]}"; do
        _hat_pid_alive "${v%%:*}" "${v#*:}" && return 1
    done
    [[ -z $(_hat_our_pids) ]]
}

# "pid(name)" of the signalled processes still alive, for messages.
_hat_describe_left() {
    local v out=''
    for v in "${_HAT_VICTIMS[@]}"; do
        _hat_pid_alive "${v%%:*}" "${v#*:}" &&
            out+="${v%%:*}($(cat "/proc/${v%%:*}/comm" 2>/dev/null)) "
    done
    echo "${out% }"
}

# hat_clean: remove everything a previous (possibly killed) run with the same HAT_PREFIX left
# behind: its processes (SIGCONT first, so a SIGSTOPped FUSE daemon answers again, then TERM,
# then KILL), its FUSE mounts (umount -l), its mount/UTS namespace files, its network
# namespaces and its state folder. Idempotent; does nothing when nothing exists.
hat_clean() {
    local st ns name mp f
    _hat_claim || return 1
    st=$(_hat_st)
    [[ -d $st ]] || { _hat_say "clean: nothing to do"; return 0; }
    _hat_say "clean: $st"

    # 0. Thaw hosts a test froze (hat_freezer_dir): frozen processes take no signal.
    _hat_thaw_all

    # 1. Wake up stopped processes (a SIGSTOPped bindfs hangs everything that touches its
    #    mount), then ask everyone to stop, then insist.
    _HAT_VICTIMS=()
    _hat_signal_ours CONT
    if ((${#_HAT_VICTIMS[@]})); then
        _hat_signal_ours TERM
        if ! hat_wait_for "$HAT_CLEAN_TERM_WAIT" _hat_none_left; then
            _hat_say "clean: SIGKILL for $(_hat_describe_left)"
            _hat_signal_ours KILL
        fi
        hat_wait_for 10 _hat_none_left ||
            echo "hat[$HAT_PREFIX]: warning: processes survive SIGKILL:" \
                "${_HAT_VICTIMS[*]} $(_hat_our_pids | sort -un | tr '\n' ' ')" >&2
        _hat_say "clean: ${#_HAT_VICTIMS[@]} processes stopped"
    fi

    # 2. Stale FUSE mounts: detach them inside their host (no path look-up: -c).
    if [[ -f $st/fuse.list ]]; then
        while read -r name mp _; do
            f=$st/ns/$name.mnt
            _hat_is_mountpoint "$f" || continue
            nsenter "--mount=$f" umount -l -c "$mp" 2>/dev/null || true
        done <"$st/fuse.list"
    fi

    # 3. Our mounts in this namespace (the namespace files, the private ns folder): releasing
    #    a mount namespace file drops that namespace with everything mounted in it.
    while read -r mp; do
        [[ -n $mp ]] || continue
        umount -l -c "$mp" 2>/dev/null || _hat_err "cannot unmount $mp" || true
    done < <(_hat_mounts_under "$st")

    # 4. Network namespaces (the switch last: its bridge goes with it).
    if [[ -f $st/netns.list ]]; then
        while read -r ns; do
            [[ -e /run/netns/$ns ]] || continue
            ip netns delete "$ns" || _hat_err "cannot delete netns $ns" || true
        done < <(tac "$st/netns.list")
    fi

    # 5. The state folder, never crossing into a mount.
    if [[ -n $(_hat_mounts_under "$st") ]]; then
        _hat_err "mounts left under $st, keeping it"
        return 1
    fi
    rm -rf --one-file-system "$st"
}

# hat_teardown: hat_clean, then give the prefix up; for an EXIT trap.
# A frozen host: its processes in a cgroup (v1 freezer) of their own, frozen and thawed at once,
# as a hypervisor pauses and resumes a VM.
HAT_FREEZER_ROOT=${HAT_FREEZER_ROOT:-/sys/fs/cgroup/freezer}
hat_freezer_dir() { echo "$HAT_FREEZER_ROOT/hat-$HAT_PREFIX-$1"; }
hat_frozen_ms_file() { echo "$(hat_state_dir)/frozen-$1.ms"; }

# hat_freeze NAME PID...: the PIDs (a host's processes) moved into NAME's freezer cgroup, then
# frozen; returns once the kernel says FROZEN (10 s at most). What they fork later is frozen too.
# The time of the freeze (ms since the epoch, taken as FROZEN is asked for) is in
# $(hat_frozen_ms_file NAME).
hat_freeze() {
    local name=$1 d p; shift
    d=$(hat_freezer_dir "$name")
    [[ -d $HAT_FREEZER_ROOT ]] || { _hat_err "no cgroup v1 freezer at $HAT_FREEZER_ROOT"; return 1; }
    mkdir -p "$d"
    for p in "$@"; do echo "$p" >"$d/cgroup.procs" 2>/dev/null || true; done
    local t=${EPOCHREALTIME/./}
    echo $((10#$t / 1000)) >"$(hat_frozen_ms_file "$name")"
    echo FROZEN >"$d/freezer.state"
    hat_wait_for 10 grep -qx FROZEN "$d/freezer.state"
}

# hat_thaw NAME: NAME's processes thawed at once, moved back and its cgroup removed.
hat_thaw() {
    local d p
    d=$(hat_freezer_dir "$1")
    [[ -d $d ]] || return 0
    echo THAWED >"$d/freezer.state"
    while read -r p; do echo "$p" >"$HAT_FREEZER_ROOT/cgroup.procs" 2>/dev/null || true; done <"$d/cgroup.procs"
    rmdir "$d" 2>/dev/null || true
}

_hat_thaw_all() {
    local d
    for d in "$HAT_FREEZER_ROOT/hat-$HAT_PREFIX-"*; do
        [[ -d $d ]] && hat_thaw "${d##*/hat-"$HAT_PREFIX"-}"
    done
    return 0
}

hat_teardown() {
    hat_clean || return 1
    _hat_release
}

# ---------------------------------------------------------------------------------------------
# Network and hosts

# hat_net_up: the switch namespace ${HAT_PREFIX}-switch with a bridge (no address: it only
# switches). Creates the state folder.
hat_net_up() {
    local st sw br
    _hat_claim || return 1
    st=$(_hat_st)
    sw=$(_hat_switch)
    br=$(_hat_bridge)
    _hat_mkdir "$st/hosts" "$st/pids" "$st/logs"
    chmod 0755 "$HAT_STATE_ROOT" "$st"
    _hat_ns_dir
    [[ -e /run/netns/$sw ]] && { _hat_err "$sw exists: run hat_clean first"; return 1; }
    _hat_record netns.list "$sw"
    ip netns add "$sw"
    ip -n "$sw" link set lo up
    ip -n "$sw" link add "$br" type bridge
    ip -n "$sw" link set "$br" up
    _hat_say "switch $sw with bridge $br"
}

# hat_hosts_file [LINE...]: rewrite /etc/hosts of every host: localhost, every host's name and
# address, then the LINEs (e.g. "10.213.0.100 slurm-vip"), which are kept for hosts added
# later (no LINE: none). The file is rewritten in place (it is bind-mounted over /etc/hosts).
hat_hosts_file() {
    local st; st=$(_hat_st)
    if (($#)); then printf '%s\n' "$@" >"$st/hosts.extra"; else rm -f "$st/hosts.extra"; fi
    _hat_hosts_write
}

_hat_hosts_write() {
    local st name content
    st=$(_hat_st)
    content=$(
        echo "127.0.0.1 localhost"
        echo "::1 localhost ip6-localhost ip6-loopback"
        awk '{print $2 " " $1}' "$st/hosts.list"
        [[ ! -f $st/hosts.extra ]] || cat "$st/hosts.extra"
    )
    for name in $(hat_hosts); do
        printf '%s\n' "$content" >"$(hat_host_dir "$name")/etc-hosts"
    done
}

# The script that prepares a new host's mount namespace (run by unshare, inside it).
# Arguments: NAME ROOTDIR UPPER WORK MUNGE_OWNER then SRC DST pairs. With UPPER (a ROOTDIR
# and HAT_ROOT_OVERLAY=1), ROOTDIR is covered by an overlay in this namespace only.
# shellcheck disable=SC2016  # expanded by the inner shell
_HAT_MNT_SETUP='
set -e
umask 022
name=$1 root=$2 upper=$3 work=$4 munge_owner=$5; shift 5
# Drop the copies of namespace files (nsfs mounts, e.g. /run/netns/*) inherited from the
# machine: they would keep other namespaces alive as long as this one lives.
awk "{ for (i = 7; i <= NF; i++) if (\$i == \"-\") { if (\$(i + 1) == \"nsfs\") print \$5; break } }" \
    /proc/self/mountinfo | while read -r m; do umount -l -c "$m" 2>/dev/null || true; done
hostname "$name"
if [ -n "$root" ]; then
    if [ -n "$upper" ]; then
        mount -t overlay overlay -o "lowerdir=$root,upperdir=$upper,workdir=$work" "$root"
    fi
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount --rbind /sys "$root/sys"
    # The machine'"'"'s key, owned by the root'"'"'s own munge user.
    mkdir -p "$root/etc/munge"
    chown "$munge_owner" "$root/etc/munge"
    chmod 0700 "$root/etc/munge"
    install -o "${munge_owner%:*}" -g "${munge_owner#*:}" -m 0400 /etc/munge/munge.key \
        "$root/etc/munge/munge.key"
fi
while [ $# -ge 2 ]; do
    src=$1 dst=$root$2; shift 2
    if [ ! -e "$dst" ]; then
        # Only inside a ROOTDIR: never create folders on the machine itself.
        [ -n "$root" ] || { echo "missing $dst on this machine" >&2; exit 1; }
        if [ -d "$src" ]; then mkdir -p "$dst"; else touch "$dst"; fi
    fi
    mount --bind "$src" "$dst"
done
'

# hat_host_add NAME IP [ROOTDIR]: add a host: network namespace ${HAT_PREFIX}-NAME, eth0 with
# IP/24 on the bridge, lo up; a persistent mount and UTS namespace with hostname NAME and the
# per-host folders mounted (see the top of this file). With ROOTDIR, an extracted Debian root,
# the host's commands run chrooted there. Rewrites every host's /etc/hosts.
hat_host_add() {
    local name=$1 ip=$2 root=${3:-}
    local st hd ns sw veth m key dst mu su upper work
    local -a pairs=()
    st=$(_hat_st)
    [[ $name =~ ^[a-z][a-z0-9-]{0,30}$ && $name != switch ]] ||
        { _hat_err "bad host name '$name'"; return 1; }
    [[ $ip =~ ^[0-9]+\.[0-9]+\.[0-9]+\.([0-9]+)$ ]] || { _hat_err "bad address '$ip'"; return 1; }
    veth="vh${BASH_REMATCH[1]}"
    [[ -e /run/netns/$(_hat_switch) ]] || { _hat_err "hat_net_up first"; return 1; }
    [[ -e $st/hosts/$name ]] && { _hat_err "host '$name' exists"; return 1; }
    if [[ -n $root ]]; then
        root=$(realpath -e "$root") || return 1
        [[ -x $root/bin/sh && -f $root/etc/passwd ]] ||
            { _hat_err "$root is not a root file system"; return 1; }
    fi
    hd=$st/hosts/$name
    ns=$(_hat_netns "$name")
    sw=$(_hat_switch)

    # Record first, create next: a run killed in between still gets cleaned.
    _hat_mkdir "$hd/fs" "$hd/logs" "$st/pids/$name"
    echo "$root" >"$hd/root"
    _hat_record hosts.list "$name $ip"
    _hat_record netns.list "$ns"

    # Network.
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$sw" link add "$veth" type veth peer name eth0 netns "$ns"
    ip -n "$sw" link set "$veth" master "$(_hat_bridge)" up
    ip -n "$ns" addr add "$ip/24" dev eth0
    ip -n "$ns" link set eth0 up

    # Per-host folders, owned as in the packages (by the users of ROOTDIR when it has one).
    mu=$(_hat_uid "$root" munge) || return 1
    su=$(_hat_uid "$root" slurm) || return 1
    for m in "${HAT_HOST_MOUNTS[@]}"; do
        key=${m%%:*} dst=${m#*:}
        _hat_mkdir "$hd/fs/$key"
        chmod 0755 "$hd/fs/$key"
        pairs+=("$hd/fs/$key" "$dst")
    done
    _hat_mkdir "$hd/fs/run/munge" "$hd/fs/spool/slurmd" "$hd/fs/spool/slurmctld"
    chown "$mu" "$hd/fs/run/munge" "$hd/fs/log-munge" "$hd/fs/lib-munge"
    chmod 0700 "$hd/fs/log-munge" "$hd/fs/lib-munge"
    chown "$su" "$hd/fs/spool/slurmctld" "$hd/fs/log-slurm" "$hd/fs/lib-slurm"
    touch "$hd/etc-hosts"
    chmod 0644 "$hd/etc-hosts"
    pairs+=("$hd/etc-hosts" /etc/hosts)
    if [[ -n $root ]]; then
        for m in ${HAT_ROOT_BINDS:-}; do
            [[ -d $m ]] || { _hat_err "HAT_ROOT_BINDS: no folder $m"; return 1; }
            pairs+=("$m" "$m")
        done
    fi
    echo "$ip" >"$hd/ip"    # written last: the host exists from now on

    upper='' work=''
    if [[ -n $root && $HAT_ROOT_OVERLAY == 1 ]]; then
        upper=$hd/overlay/upper work=$hd/overlay/work
        _hat_mkdir "$upper" "$work"
    fi

    # Mount and UTS namespaces, kept alive by their files under the private ns folder.
    touch "$st/ns/$name.mnt" "$st/ns/$name.uts"
    unshare "--mount=$st/ns/$name.mnt" "--uts=$st/ns/$name.uts" --propagation private \
        sh -c "$_HAT_MNT_SETUP" sh "$name" "$root" "$upper" "$work" "$mu" "${pairs[@]}" ||
        { _hat_err "cannot set up the mount namespace of $name"; return 1; }

    _hat_hosts_write
    _hat_say "host $name ($ip${root:+, root $root}) in $ns"
}

# ---------------------------------------------------------------------------------------------
# Running things in hosts

# hat_exec NAME CMD...: run CMD in host NAME (its namespaces, chrooted into its ROOTDIR if it
# has one, working folder /) with this shell's environment; returns CMD's exit status.
hat_exec() {
    local name=$1; shift
    local -a pre
    _hat_enter_cmd "$name" 1 pre || return 1
    "${pre[@]}" "$@"
}

# _hat_spawn_in NAME LABEL CHROOT CMD...: see hat_spawn; CHROOT=0 runs outside the host's
# ROOTDIR (for the FUSE daemons that serve it).
_hat_spawn_in() {
    local name=$1 label=$2 chroot=$3; shift 3
    local pidf log pid start
    local -a pre
    [[ $label =~ ^[A-Za-z0-9_.-]+$ ]] || { _hat_err "bad label '$label'"; return 1; }
    _hat_enter_cmd "$name" "$chroot" pre || return 1
    pidf="$(_hat_st)/pids/$name/$label"
    log=$(hat_log "$name" "$label")
    if [[ -f $pidf ]] && read -r pid start <"$pidf" && _hat_pid_alive "$pid" "$start"; then
        _hat_err "$name: $label already runs (pid $pid)"
        return 1
    fi
    rm -f "$pidf" "$pidf.new"
    echo "=== $(date '+%F %T') hat_spawn $label: $*" >>"$log"
    (
        # Only stdin/stdout/stderr: no fd of the caller (pipes, a terminal) leaks to a daemon.
        for fd in /proc/"$BASHPID"/fd/*; do
            fd=${fd##*/}
            if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        umask 022
        exec </dev/null >>"$log" 2>&1
        # setsid: own session (no signal from the caller's terminal). sh records its own pid,
        # which the exec chain (nsenter, chroot) hands on to the daemon.
        # shellcheck disable=SC2016
        exec env -i "PATH=$HAT_DAEMON_PATH" LANG=C setsid \
            sh -c 'echo $$ >"$0"; exec "$@"' "$pidf.new" "${pre[@]}" "$@"
    ) &
    # Not a job of the caller's shell: no "Killed" report when a test kills it.
    disown "$!"
    if ! hat_wait_for 10 test -s "$pidf.new"; then
        _hat_err "$name: $label did not start (see $log)"
        return 1
    fi
    pid=$(<"$pidf.new")
    start=$(_hat_starttime "$pid") || start=gone
    echo "$pid $start" >"$pidf"
    rm -f "$pidf.new"
    _hat_say "$name: $label started, pid $pid"
}

# hat_spawn NAME LABEL CMD...: start a daemon (in the foreground mode of the daemon: munged -F,
# slurmctld -D, slurmd -D, keepalived -n ...) in host NAME in the background, with a clean
# environment (PATH, LANG=C), umask 022, stdin /dev/null, stdout and stderr appended to
# hat_log NAME LABEL; its pid is recorded as LABEL (hat_pid). Returns once the pid is known.
hat_spawn() {
    local name=$1 label=$2; shift 2
    _hat_spawn_in "$name" "$label" 1 "$@"
}

# hat_pid NAME LABEL: print the recorded pid of daemon LABEL in host NAME (alive or not).
hat_pid() {
    local f pid start
    f="$(_hat_st)/pids/$1/$2"
    [[ -f $f ]] || { _hat_err "$1: no daemon '$2'"; return 1; }
    read -r pid start <"$f"
    echo "$pid"
}

# hat_alive NAME LABEL: daemon LABEL of host NAME runs (recorded pid, same process, not a zombie).
hat_alive() {
    local f pid start
    f="$(_hat_st)/pids/$1/$2"
    [[ -f $f ]] || return 1
    read -r pid start <"$f"
    _hat_pid_alive "$pid" "$start"
}

# hat_kill NAME LABEL [SIGNAL]: send SIGNAL (default TERM) to daemon LABEL of host NAME. For
# TERM and KILL, wait (HAT_KILL_TIMEOUT) until it is gone; a TERM that times out becomes a KILL
# and hat_kill returns 1. A daemon that is already gone is fine for TERM and KILL.
hat_kill() {
    local name=$1 label=$2 sig=${3:-TERM} f pid start
    f="$(_hat_st)/pids/$name/$label"
    [[ -f $f ]] || { _hat_err "$name: no daemon '$label'"; return 1; }
    read -r pid start <"$f"
    sig=${sig#SIG}
    case $sig in 15) sig=TERM ;; 9) sig=KILL ;; esac
    if ! _hat_pid_alive "$pid" "$start"; then
        [[ $sig == TERM || $sig == KILL ]] && return 0
        _hat_err "$name: $label (pid $pid) is not running"
        return 1
    fi
    kill -s "$sig" "$pid" || return 1
    [[ $sig == TERM || $sig == KILL ]] || return 0
    # A stopped process cannot act on TERM.
    if [[ $sig == TERM ]]; then kill -s CONT "$pid" 2>/dev/null || true; fi
    hat_wait_for "$HAT_KILL_TIMEOUT" _hat_dead "$pid" "$start" && return 0
    _hat_err "$name: $label (pid $pid) still there after SIG$sig"
    if [[ $sig == TERM ]]; then
        kill -s KILL "$pid" 2>/dev/null
        hat_wait_for 10 _hat_dead "$pid" "$start"
    fi
    return 1
}

# Print the end of a daemon's logs, after a failure.
_hat_show_log() {
    local name=$1 label=$2 f
    shift 2
    for f in "$(hat_log "$name" "$label")" "$@"; do
        [[ -f $f ]] || continue
        echo "--- $name: last lines of $f" >&2
        tail -n 20 "$f" >&2
    done
}

# ---------------------------------------------------------------------------------------------
# MUNGE

_hat_munge_ok() { hat_exec "$1" sh -c 'munge -n | unmunge' >/dev/null 2>&1; }
_hat_munge_ok_or_dead() { _hat_munge_ok "$1" || ! hat_alive "$1" munged; }

# hat_munged_start NAME: munged -F as user munge in host NAME, on the default socket
# /run/munge/munge.socket.2 (per host); waits until `munge -n | unmunge` works there.
hat_munged_start() {
    local name=$1
    hat_spawn "$name" munged setpriv --reuid=munge --regid=munge --init-groups munged -F ||
        return 1
    if hat_wait_for "$HAT_START_TIMEOUT" _hat_munge_ok_or_dead "$name" && _hat_munge_ok "$name"
    then
        return 0
    fi
    _hat_err "$name: munged does not work"
    _hat_show_log "$name" munged "$(hat_host_dir "$name")/fs/log-munge/munged.log"
    return 1
}

# ---------------------------------------------------------------------------------------------
# Shared storage

_hat_shared_key() { local k=${1#/}; echo "${k//\//_}"; }

_hat_fuse_mounted() {
    local pid=$1 mp=$2
    awk -v d="$mp" '$5 == d { for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "fuse.glusterfs") f = 1; break } }
        END { exit !f }' "/proc/$pid/mountinfo" 2>/dev/null
}

# hat_shared_setup DIR_IN_HOSTS HOST...: one shared folder visible at DIR_IN_HOSTS in each
# HOST. HAT_SHARED_MODE=bind: a bind mount of a real folder under the state folder;
# HAT_SHARED_MODE=fuse: one bindfs FUSE mount per host of that folder (-o subtype=glusterfs:
# it shows as fuse.glusterfs), its daemon recorded as "bindfs-KEY" (hat_shared_pid) so that a
# test can SIGSTOP it to model a hung GlusterFS mount; HAT_SHARED_MODE=gluster: a real
# GlusterFS volume replicated on every HOST (see _hat_gluster_setup), mounted with the FUSE
# client in each, whose client daemon is recorded as "glusterfs-KEY" (hat_shared_pid). The
# folder gets a subfolder slurmctld/ (slurm:slurm, 0755) that hat_slurm_conf uses as
# StateSaveLocation. Put DIR_IN_HOSTS under /mnt (per host): elsewhere a missing mount point
# would be created on the machine. Called again for a host that is already a member (a host
# that "reboots"), it starts what that host runs again and mounts the folder again.
hat_shared_setup() {
    local dir=$1; shift
    local st key src h root mp pid su
    st=$(_hat_st)
    [[ $dir == /* && $dir != *[[:space:]]* ]] || { _hat_err "bad folder '$dir'"; return 1; }
    case $HAT_SHARED_MODE in bind | fuse) ;; gluster)
        key=$(_hat_shared_key "$dir")
        grep -qxF "$dir" "$st/shared.list" 2>/dev/null || echo "$dir" >>"$st/shared.list"
        echo "$dir/slurmctld" >"$st/statesave"
        _hat_gluster_setup "$dir" "$key" "$@"
        return ;;
    *)
        _hat_err "HAT_SHARED_MODE must be bind, fuse or gluster"; return 1 ;;
    esac
    key=$(_hat_shared_key "$dir")
    src=$st/shared/$key
    _hat_mkdir "$src/slurmctld"
    chmod 0755 "$st/shared" "$src" "$src/slurmctld"
    su=$(_hat_uid "" slurm) || return 1
    chown "$su" "$src/slurmctld"
    echo "$dir" >>"$st/shared.list"
    echo "$dir/slurmctld" >"$st/statesave"
    for h in "$@"; do
        _hat_host_ok "$h" || return 1
        root=$(_hat_host_root "$h")
        mp=$root$dir
        [[ $dir == /mnt/* || -n $root ]] ||
            echo "hat[$HAT_PREFIX]: warning: creating $dir on the machine" >&2
        # shellcheck disable=SC2016
        nsenter "--mount=$st/ns/$h.mnt" sh -c 'umask 022 && mkdir -p "$1"' sh "$mp"
        if [[ $HAT_SHARED_MODE == bind ]]; then
            nsenter "--mount=$st/ns/$h.mnt" mount --bind "$src" "$mp"
        else
            _hat_record fuse.list "$h $mp bindfs-$key"
            # allow_other: the slurm user must reach it too; bindfs (as root) creates files
            # as the caller.
            _hat_spawn_in "$h" "bindfs-$key" 0 \
                bindfs -f -o "subtype=glusterfs,allow_other" "$src" "$mp" || return 1
            pid=$(hat_pid "$h" "bindfs-$key")
            if ! hat_wait_for "$HAT_START_TIMEOUT" _hat_fuse_mounted "$pid" "$mp"; then
                _hat_err "$h: bindfs did not mount $mp"
                _hat_show_log "$h" "bindfs-$key"
                return 1
            fi
        fi
        _hat_say "$h: shared $dir ($HAT_SHARED_MODE)"
    done
}

# hat_shared_pid NAME [DIR_IN_HOSTS]: pid of the FUSE daemon serving DIR_IN_HOSTS (default:
# the first shared folder) in host NAME: bindfs (fuse mode) or the GlusterFS client (gluster).
hat_shared_pid() {
    local dir=${2:-} key
    [[ -n $dir ]] || dir=$(head -n 1 "$(_hat_st)/shared.list")
    key=$(_hat_shared_key "$dir")
    if [[ -f $(_hat_st)/pids/$1/glusterfs-$key ]]; then
        hat_pid "$1" "glusterfs-$key"
    else
        hat_pid "$1" "bindfs-$key"
    fi
}

# hat_shared_dir [DIR_IN_HOSTS]: the real folder behind a shared folder, on the machine (bind
# and fuse modes; a GlusterFS volume has no such folder: fails).
hat_shared_dir() {
    local dir=${1:-} d
    [[ -n $dir ]] || dir=$(head -n 1 "$(_hat_st)/shared.list")
    d="$(_hat_st)/shared/$(_hat_shared_key "$dir")"
    [[ -d $d ]] || { _hat_err "$dir has no folder on the machine (a GlusterFS volume?)"; return 1; }
    echo "$d"
}

# _hat_gluster DIR KEY HOST ARGS...: the gluster command line tool in HOST, within 20 s.
_hat_gluster() {
    local h=$1; shift
    hat_exec "$h" timeout 20 gluster --mode=script "$@"
}

# hat_gluster_healed DIR HOST: the GlusterFS volume mounted at DIR, asked in HOST, has every
# brick connected and nothing left to heal. A server that comes back is behind until the
# self-heal daemon has copied what changed while it was away: losing another server before
# then can leave a file (the lease, slurmctld's state) with no good copy.
hat_gluster_healed() {
    local out
    out=$(_hat_gluster "$2" volume heal "$(_hat_shared_key "$1")" info 2>/dev/null) || return 1
    grep -q '^Status: Connected' <<<"$out" && ! grep -q '^Status: [^C]' <<<"$out" &&
        ! grep -Eq '^Number of entries: ([1-9]|-)' <<<"$out"
}

_hat_gluster_create() {
    local h=$1 key=$2; shift 2
    _hat_gluster "$h" volume info "$key" >/dev/null 2>&1 && return 0
    _hat_gluster "$h" volume create "$key" "$@" force >/dev/null 2>&1
    _hat_gluster "$h" volume info "$key" >/dev/null 2>&1
}

_hat_gluster_start() {
    _hat_gluster "$1" volume info "$2" 2>/dev/null | grep -q '^Status: Started' && return 0
    _hat_gluster "$1" volume start "$2" >/dev/null 2>&1
    _hat_gluster "$1" volume info "$2" 2>/dev/null | grep -q '^Status: Started'
}

_hat_gluster_peers_ok() {
    local n
    n=$(_hat_gluster "$1" peer status 2>/dev/null | grep -c 'State: Peer in Cluster (Connected)')
    ((n >= $2))
}

_hat_gluster_bricks_ok() {
    local n
    n=$(_hat_gluster "$1" volume status "$2" detail 2>/dev/null | grep -c '^Online *: Y')
    ((n >= $3))
}

# _hat_gluster_clients HOST MP: the pids of the glusterfs processes of HOST's network namespace
# serving mount point MP (the client daemon forks away from mount).
_hat_gluster_clients() {
    local p
    for p in $(ip netns pids "$(_hat_netns "$1")"); do
        if [[ $(cat "/proc/$p/comm" 2>/dev/null) == glusterfs ]] &&
            tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- " $2 *\$"; then
            echo "$p"
        fi
    done
}

# _hat_gluster_setup DIR KEY HOST...: GlusterFS (Debian's glusterfs-server) for real: in each
# HOST its own /var/lib/glusterd and /var/log/glusterfs (bound over the machine's, in the
# host's mount namespace only), glusterd in the foreground, a brick folder /mnt/bricks/KEY; the
# first HOST probes the others, creates volume KEY (replica N: one brick per HOST, "force"
# because the bricks are on the root file system) and starts it; every HOST mounts it at DIR
# with the FUSE client (mount -t glusterfs HOST:/KEY: its own glusterd serves the volume file;
# a member that boots again gets it from another member first, see below).
# Volume options: client-side caches off (a lease or a state file read on one node must show
# what another node wrote, not a cached copy), quorum (a minority of bricks refuses writes
# rather than diverge), network.ping-timeout $HAT_GLUSTER_PING_TIMEOUT, and the bricks noticing a
# lost client within seconds (TCP keepalive 2+1x3 s, user timeout 5 s): the locks a client holds
# in the middle of a write (replicate locks every write) stay until its brick connections are
# seen dead, and block every other client's writes in that folder meanwhile (GlusterFS's
# default: 20 s + 2 x 9 s). A HOST that is already
# a member (recorded in gluster-KEY.members) gets its glusterd started again (which starts its
# brick) and its mount again: a host that boots after it was lost.
_hat_gluster_setup() {
    local dir=$1 key=$2; shift 2
    local st h hd first joining=() members=() bricks=() mp pid start p su
    st=$(_hat_st)
    command -v glusterd >/dev/null ||
        { _hat_err "glusterd is not installed (Debian package glusterfs-server)"; return 1; }
    for h in "$@"; do
        _hat_host_ok "$h" || return 1
        [[ -z $(_hat_host_root "$h") ]] ||
            { _hat_err "$h: GlusterFS runs only in hosts without a ROOTDIR"; return 1; }
        hd=$(hat_host_dir "$h")
        if [[ ! -d $hd/fs/lib-glusterd ]]; then
            _hat_mkdir "$hd/fs/lib-glusterd" "$hd/fs/log-glusterfs"
            # As packaged (groups/, hooks/); glusterd adds its own UUID on first start.
            cp -a /var/lib/glusterd/. "$hd/fs/lib-glusterd/"
            # shellcheck disable=SC2016
            nsenter "--mount=$st/ns/$h.mnt" sh -c \
                'mount --bind "$1" /var/lib/glusterd && mount --bind "$2" /var/log/glusterfs' \
                sh "$hd/fs/lib-glusterd" "$hd/fs/log-glusterfs" || return 1
        fi
        if ! hat_alive "$h" glusterd; then
            _hat_spawn_in "$h" glusterd 0 glusterd -N --log-level=WARNING || return 1
        fi
        # The volume options, as a group file (one volume set, one cluster-wide transaction).
        printf '%s\n' performance.quick-read=off performance.io-cache=off \
            performance.read-ahead=off performance.stat-prefetch=off performance.open-behind=off \
            performance.write-behind=off "network.ping-timeout=$HAT_GLUSTER_PING_TIMEOUT" \
            cluster.quorum-type=auto server.keepalive-time=2 server.keepalive-interval=1 \
            server.keepalive-count=3 server.tcp-user-timeout=5 \
            >"$hd/fs/lib-glusterd/groups/ha-slurm-tests"
        # shellcheck disable=SC2016
        nsenter "--mount=$st/ns/$h.mnt" sh -c 'umask 022 && mkdir -p "$1" "$2"' sh \
            "/mnt/bricks/$key" "$dir"
        if grep -qxF "$h" "$st/gluster-$key.members" 2>/dev/null; then continue; fi
        joining+=("$h")
    done
    if ((${#joining[@]})); then
        [[ ! -s $st/gluster-$key.members ]] ||
            { _hat_err "volume $key exists: new members cannot join it"; return 1; }
        first=${joining[0]}
        hat_wait_for "$HAT_START_TIMEOUT" _hat_gluster "$first" pool list >/dev/null ||
            { _hat_err "$first: glusterd does not answer"; _hat_show_log "$first" glusterd; return 1; }
        for h in "${joining[@]:1}"; do
            hat_wait_for "$HAT_START_TIMEOUT" _hat_gluster "$h" pool list >/dev/null ||
                { _hat_err "$h: glusterd does not answer"; return 1; }
            hat_wait_for 60 _hat_gluster "$first" peer probe "$h" >/dev/null ||
                { _hat_err "peer probe $h failed"; return 1; }
        done
        hat_wait_for "$HAT_START_TIMEOUT" _hat_gluster_peers_ok "$first" $((${#joining[@]} - 1)) ||
            { _hat_err "the GlusterFS peers did not connect"; _hat_gluster "$first" peer status >&2; return 1; }
        for h in "${joining[@]}"; do bricks+=("$h:/mnt/bricks/$key"); done
        local -a replica=()
        ((${#joining[@]} > 1)) && replica=(replica "${#joining[@]}")
        hat_wait_for 60 _hat_gluster_create "$first" "$key" "${replica[@]}" "${bricks[@]}" ||
            { _hat_err "gluster volume create $key failed"; return 1; }
        # glusterd refuses a command while another transaction holds its lock (busy peers):
        # both steps are retried until they take.
        hat_wait_for 60 _hat_gluster "$first" volume set "$key" group ha-slurm-tests >/dev/null ||
            { _hat_err "gluster volume $key: cannot set its options"; return 1; }
        hat_wait_for 60 _hat_gluster_start "$first" "$key" ||
            { _hat_err "gluster volume $key: cannot start it"; _hat_gluster "$first" volume info "$key" >&2; return 1; }
        printf '%s\n' "${joining[@]}" >"$st/gluster-$key.members"
    fi
    # Every member's brick online before a client mounts (a client started while a brick
    # comes up would wait for it for network.ping-timeout).
    mapfile -t members <"$st/gluster-$key.members"
    hat_wait_for "$HAT_START_TIMEOUT" _hat_gluster_bricks_ok "$1" "$key" "${#members[@]}" ||
        _hat_say "not every brick of $key is online; mounting anyway"
    for h in "$@"; do
        mp=$dir
        _hat_record fuse.list "$h $mp glusterfs-$key"
        # The volume file from the host's own glusterd; but a member that boots again after it
        # was lost gets it from another member first (its own is the last fallback): its
        # glusterd may still be in its handshake with the others, and a mount from it waits as
        # long (up to glusterd's 600 s for a peer's answer to bail out). Each mount has a
        # deadline; one that misses it is undone.
        local server=$h opts fallbacks=()
        opts="log-level=WARNING,log-file=/var/log/glusterfs/mnt-$key.log"
        if [[ " ${joining[*]} " != *" $h "* ]]; then
            for p in "${members[@]}"; do [[ $p == "$h" ]] || fallbacks+=("$p"); done
            if ((${#fallbacks[@]})); then
                server=${fallbacks[0]}
                fallbacks=("${fallbacks[@]:1}" "$h")
                opts+=",backup-volfile-servers=$(IFS=:; echo "${fallbacks[*]}")"
            fi
        fi
        if ! hat_exec "$h" timeout 60 mount -t glusterfs -o "$opts" "$server:/$key" "$mp"; then
            for p in $(_hat_gluster_clients "$h" "$mp"); do kill -9 "$p" 2>/dev/null || true; done
            hat_exec "$h" umount -l "$mp" 2>/dev/null || true
            _hat_err "$h: cannot mount $server:/$key on $mp (60 s deadline)"
            return 1
        fi
        # The client daemon (it forked away from mount).
        local clients=()
        mapfile -t clients < <(_hat_gluster_clients "$h" "$mp")
        pid=${clients[0]-}
        [[ -n $pid ]] || { _hat_err "$h: no GlusterFS client daemon for $mp"; return 1; }
        start=$(_hat_starttime "$pid") || return 1
        echo "$pid $start" >"$st/pids/$h/glusterfs-$key"
        _hat_say "$h: GlusterFS volume $key at $dir (client pid $pid)"
    done
    # StateSaveLocation, once: the volume's root is root's, slurmctld/ the slurm user's.
    su=$(_hat_uid "" slurm) || return 1
    # shellcheck disable=SC2016
    hat_exec "$1" sh -c 'umask 022 && mkdir -p "$1/slurmctld" && chown "$2" "$1/slurmctld" && chmod 0755 "$1" "$1/slurmctld"' \
        sh "$dir" "$su"
}

# ---------------------------------------------------------------------------------------------
# Slurm

# hat_slurm_conf CONTROLLER...: write slurm.conf and cgroup.conf into every host's /etc/slurm:
# one SlurmctldHost line per CONTROLLER in that order (the first is the primary), StateSave
# on the shared folder (HAT_STATESAVE overrides), SlurmctldTimeout=$HAT_SLURMCTLD_TIMEOUT,
# pid files in the per-host /run, one NodeName line for HAT_COMPUTE_HOSTS and a partition,
# then the lines of HAT_SLURM_CONF_EXTRA.
hat_slurm_conf() {
    local st c h ip statesave nodes conf
    st=$(_hat_st)
    (($#)) || { _hat_err "hat_slurm_conf: no controller"; return 1; }
    statesave=${HAT_STATESAVE:-}
    [[ -n $statesave ]] || statesave=$(cat "$st/statesave" 2>/dev/null) ||
        statesave=/var/spool/slurmctld
    conf=$(
        echo "# Written by tests/lib/hosts.sh (HAT_PREFIX=$HAT_PREFIX)"
        echo "ClusterName=${HAT_PREFIX,,}"
        for c in "$@"; do
            ip=$(cat "$(hat_host_dir "$c")/ip" 2>/dev/null) || ip=
            echo "SlurmctldHost=$c${ip:+($ip)}"
        done
        cat <<EOF
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$statesave
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SlurmctldTimeout=$HAT_SLURMCTLD_TIMEOUT
SlurmdTimeout=60
ReturnToService=2
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MailProg=/bin/true
EOF
        nodes=$(echo "$HAT_COMPUTE_HOSTS" | xargs | tr ' ' ',')
        if [[ -n $nodes ]]; then
            echo "NodeName=$nodes CPUs=1 State=UNKNOWN"
            echo "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP"
        fi
        [[ -z $HAT_SLURM_CONF_EXTRA ]] || printf '%s\n' "$HAT_SLURM_CONF_EXTRA"
    )
    for h in $(hat_hosts); do
        printf '%s\n' "$conf" >"$(hat_host_dir "$h")/fs/etc-slurm/slurm.conf"
        printf '%s\n' "CgroupPlugin=cgroup/v1" >"$(hat_host_dir "$h")/fs/etc-slurm/cgroup.conf"
        chmod 0644 "$(hat_host_dir "$h")"/fs/etc-slurm/*.conf
    done
}

_hat_ctld_up() {
    local out
    out=$(hat_exec "$1" scontrol ping 2>/dev/null) || true
    [[ $out == *" at $1 is UP"* ]]
}
_hat_ctld_up_or_dead() { _hat_ctld_up "$1" || ! hat_alive "$1" slurmctld; }

# hat_slurmctld_start NAME: slurmctld -D in host NAME (it drops to SlurmUser itself); waits
# until `scontrol ping` in NAME says NAME is UP.
hat_slurmctld_start() {
    local name=$1
    hat_spawn "$name" slurmctld slurmctld -D || return 1
    if hat_wait_for "$HAT_START_TIMEOUT" _hat_ctld_up_or_dead "$name" && _hat_ctld_up "$name"
    then
        return 0
    fi
    _hat_err "$name: slurmctld is not up"
    _hat_show_log "$name" slurmctld "$(hat_host_dir "$name")/fs/log-slurm/slurmctld.log"
    return 1
}

_hat_node_ready() {
    local out
    out=$(hat_exec "$1" scontrol show node "$1" 2>/dev/null) || return 1
    [[ $out =~ State=(IDLE|MIXED|ALLOCATED)[\ +] && $out != *DRAIN* ]]
}
_hat_node_ready_or_dead() { _hat_node_ready "$1" || ! hat_alive "$1" slurmd; }

# hat_slurmd_start NAME: slurmd -D in compute host NAME; waits until the controller shows the
# node IDLE (or MIXED/ALLOCATED), i.e. registered and responding.
hat_slurmd_start() {
    local name=$1
    hat_spawn "$name" slurmd slurmd -D || return 1
    if hat_wait_for "$HAT_START_TIMEOUT" _hat_node_ready_or_dead "$name" &&
        _hat_node_ready "$name"; then
        return 0
    fi
    _hat_err "$name: slurmd did not register"
    _hat_show_log "$name" slurmd "$(hat_host_dir "$name")/fs/log-slurm/slurmd.log"
    return 1
}
