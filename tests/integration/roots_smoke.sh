#!/bin/bash
#
# roots_smoke.sh - the newer Slurm releases of the test version matrix run and
# answer here.
#
# For each suite (default: trixie = Slurm 24.11, sid = the newest release):
#   - make sure its Debian root exists (tests/lib/roots.sh);
#   - start a network-namespace host "hatc-<suite>" with its own mount and UTS
#     namespaces, hostname ctl<major> (ctl24, ctl26), address 10.214.0.<major>;
#   - in that host, mount an overlay over the root (the cached root is never
#     written), /proc and /dev inside it; give it the machine's munge key,
#     /etc/hosts, slurm.conf and cgroup.conf;
#   - start the root's munged and `slurmctld -D` chrooted in that host, with
#     a clean environment and umask 022;
#   - check that the root's own `scontrol ping` says UP.
# Then, from a second host "hatc-client" that runs the MACHINE's own munged
# (same key, its own /run), check each controller across the namespace network:
#   - a raw TCP connect to port 6817;
#   - an authenticated REQUEST_PING built by hand with the machine's munge:
#     the reply must be RESPONSE_SLURM_RC with return code 0.
#
# The hosts hang off a bridge in a namespace of its own (hatc-sw): nothing is
# added to the machine's own network namespace.
#
# Everything started is recorded in $STATE (pid, start time, role) and torn
# down on exit, including by a trap; a later run first cleans up what a killed
# run left behind. Only processes this script started are stopped, by pid.
#
# Needs root. Environment:
#   HAT_SMOKE_SUITES  suites to test (default "trixie sid")
#   HAT_SMOKE_STATE   run folder (default /run/hatc-roots-smoke)
#   HAT_SMOKE_KEEP=1  leave everything running after success (for debugging;
#                     the next run cleans it up)
#   HAT_ROOTS_DIR     where the roots live (see tests/lib/roots.sh)

set -euo pipefail
shopt -s nullglob

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/roots.sh
source "$HERE/../lib/roots.sh"

read -ra SUITES <<<"${HAT_SMOKE_SUITES:-trixie sid}"
STATE=${HAT_SMOKE_STATE:-/run/hatc-roots-smoke}
OWNER=$STATE/owner   # pid and start time of the run that owns $STATE
PIDS=$STATE/pids     # one line per started process: pid starttime role [merged]
NETNS=$STATE/netns   # one line per network namespace created
NET=10.214.0         # our /24
SW=hatc-sw           # the switch namespace (holds bridge br0)
CLIENT=hatc-client   # the host that runs the machine's own munged
CLIENT_IP=$NET.10
CLEAN_PATH=/usr/sbin:/usr/bin:/sbin:/bin
SLURMCTLD_PORT=6817

log() { printf '%s roots_smoke: %s\n' "$(date +%T)" "$*" >&2; }
die() {
    log "FAIL: $*"
    exit 1
}

# ---------------------------------------------------------------------------
# Process bookkeeping

# starttime PID: the process's start time in clock ticks (field 22 of
# /proc/PID/stat), which tells a recorded process from a later one that got
# the same pid. Fails if PID does not exist.
starttime() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) } # the command name may contain spaces and parentheses
    awk '{ print $20 }' <<<"$stat"
}

# record PID ROLE [MERGED]: remember a process we started.
record() {
    local st
    st=$(starttime "$1") || die "process $1 ($2) exited at once"
    printf '%s %s %s %s\n' "$1" "$st" "$2" "${3:--}" >>"$PIDS"
}

# alive PID STARTTIME: true if that very process still runs.
alive() {
    [[ $(starttime "$1" 2>/dev/null) == "$2" ]]
}

# in_host HOLDER CMD...: run CMD in the network, mount and UTS namespaces of
# the host whose holder process is HOLDER.
in_host() {
    local holder=$1
    shift
    nsenter -t "$holder" -n -m -u -- "$@"
}

# in_root HOLDER MERGED CMD...: run CMD chrooted in MERGED inside that host,
# with a clean environment and umask 022 (as a service manager would).
in_root() {
    local holder=$1 merged=$2
    shift 2
    (
        umask 022
        exec env -i PATH="$CLEAN_PATH" nsenter -t "$holder" -n -m -u -- chroot "$merged" "$@"
    )
}

# teardown: stop everything recorded in $STATE (newest first), unmount the
# overlays, delete our namespaces and the run folder. Safe to run twice and
# after a killed run.
teardown() {
    local pid st role merged deadline left
    if [[ -f $PIDS ]]; then
        # Daemons first (SIGTERM lets slurmctld save its state), holders last.
        while read -r pid st role merged; do
            [[ $role == holder* ]] && continue
            if alive "$pid" "$st"; then kill -TERM "$pid" 2>/dev/null || true; fi
        done < <(tac "$PIDS")
        deadline=$((SECONDS + 15))
        while :; do
            left=0
            while read -r pid st role merged; do
                [[ $role == holder* ]] && continue
                alive "$pid" "$st" && left=1
            done <"$PIDS"
            ((left && SECONDS < deadline)) || break
            sleep 0.2
        done
        while read -r pid st role merged; do
            [[ $role == holder* ]] && continue
            if alive "$pid" "$st"; then
                log "teardown: $role ($pid) ignored SIGTERM, sending SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
            fi
        done <"$PIDS"
        # Unmount inside each host (its mounts would also vanish with its
        # mount namespace), then end the holders.
        while read -r pid st role merged; do
            [[ $role == holder* ]] || continue
            if alive "$pid" "$st"; then
                [[ $merged != - ]] && in_host "$pid" umount -R "$merged" 2>/dev/null
                kill -KILL "$pid" 2>/dev/null || true
            fi
        done <"$PIDS"
    fi

    # Our namespaces: those recorded, and any of the names this script uses
    # (a run killed before it recorded them). A process still inside one is
    # ours by construction; report it and stop it.
    local ns names=("$SW" "$CLIENT")
    local s
    for s in "${SUITES[@]}"; do names+=("hatc-$(hat_root__suite "$s")"); done
    [[ -f $NETNS ]] && mapfile -t -O "${#names[@]}" names <"$NETNS"
    for ns in $(printf '%s\n' "${names[@]}" | sort -u); do
        [[ $ns == hatc-* && -e /run/netns/$ns ]] || continue
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            log "teardown: stray process $pid in $ns: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
            kill -KILL "$pid" 2>/dev/null || true
        done
        ip netns del "$ns" 2>/dev/null || log "teardown: could not delete $ns"
    done

    if [[ -d $STATE ]]; then
        if grep -q " $STATE/" /proc/self/mountinfo; then
            log "teardown: mounts remain below $STATE; leaving it"
        else
            rm -rf --one-file-system -- "$STATE"
        fi
    fi
}

on_exit() {
    local rc=$?
    if [[ ${HAT_SMOKE_KEEP:-0} == 1 && $rc == 0 ]]; then
        log "HAT_SMOKE_KEEP=1: leaving everything running; state in $STATE"
        return
    fi
    teardown
    ((rc == 0)) || log "exit code $rc"
}

# ---------------------------------------------------------------------------
# Network-namespace hosts

# add_netns NAME: create a network namespace and remember it.
add_netns() {
    ip netns add "$1"
    printf '%s\n' "$1" >>"$NETNS"
    ip -n "$1" link set lo up
}

# add_host NAME IP HOSTNAME: a host on the bridge with its own network,
# mount (private propagation) and UTS namespaces. Prints its holder pid: a
# `sleep` that keeps the mount and UTS namespaces alive.
add_host() {
    local name=$1 ip=$2 hostname=$3 holder port=v-${1#hatc-}
    add_netns "$name"
    ip -n "$SW" link add "$port" type veth peer name eth0 netns "$name"
    ip -n "$SW" link set "$port" master br0 up
    ip -n "$name" addr add "$ip/24" dev eth0
    ip -n "$name" link set eth0 up
    # `ip netns exec` and `unshare` both exec (no fork): $! is the sleep.
    ip netns exec "$name" unshare --mount --uts --propagation private \
        sleep infinity </dev/null >/dev/null 2>&1 &
    holder=$!
    # Wait until it has its own mount namespace.
    local i
    for ((i = 0; i < 50; i++)); do
        [[ $(readlink "/proc/$holder/ns/mnt" 2>/dev/null) != "$(readlink /proc/self/ns/mnt)" &&
            $(cat "/proc/$holder/comm" 2>/dev/null) == sleep ]] && break
        sleep 0.1
    done
    ((i < 50)) || die "holder of $name did not start"
    printf '%s\n' "$holder"
}

# wait_for DESCRIPTION SECONDS PID CMD...: poll CMD until it succeeds; fail
# if PID (the daemon waited for) exits or the time runs out.
wait_for() {
    local what=$1 secs=$2 pid=$3 st
    shift 3
    st=$(starttime "$pid") || return 1
    local deadline=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        alive "$pid" "$st" || {
            log "$what: process $pid exited"
            return 1
        }
        ((SECONDS < deadline)) || {
            log "$what: not ready after $secs s"
            return 1
        }
        sleep 0.2
    done
}

# ---------------------------------------------------------------------------
# Slurm helpers

# proto_version SLURM_VERSION: the RPC protocol version number of a release
# (22.05 = 38, 23.02 = 39, 23.11 = 40, then two per year from 24.05 = 41).
proto_version() {
    local major=${1%%.*} minor=${1#*.}
    minor=${minor%%.*}
    minor=$((10#$minor))
    case $major.$minor in
        22.5) echo 38 ;;
        23.2) echo 39 ;;
        23.11) echo 40 ;;
        *) echo $((41 + (major - 24) * 2 + (minor >= 11 ? 1 : 0))) ;;
    esac
}

# raw_ping IP PORT PROTO_VERSION SLURM_UID: send REQUEST_PING (1008) with a MUNGE
# credential from the local munged (restricted to SLURM_UID, payload the K12
# hash of the empty body) and print the reply as hex. Runs inside the client
# host; defined here and shipped with `declare -f`.
raw_ping() {
    local ip=$1 port=$2 ver=$3 uid=$4 cred head
    # Payload: type 0x02 (K12) + K12(empty body, customization = msg type).
    cred=$(printf '\x02\x5d\x52\x47\xbb\xb9\xae\x43\x5b\x26\x74\xa6\x01\xf4\xa6\x15\xde\x08\xd3\x6c\x07\x4c\x35\x24\x57\x61\x2d\x21\xdb\x79\x07\x84\xf9' |
        munge -u "$uid") || return 1
    # u32 length | u16 version, u16 flags, u16 type, u32 body length,
    # u16 forward_cnt, u16 ret_cnt, u16 address family | u32 auth plugin id
    # 101 | u32 credential length + 1, credential, NUL | empty body.
    head=$(printf '%08x%04x0000%04x00000000000000000000%08x%08x' \
        $((16 + 4 + 4 + ${#cred} + 1)) $((ver << 8)) 1008 101 $((${#cred} + 1)))
    exec 3<>"/dev/tcp/$ip/$port" || return 1
    {
        perl -e 'print pack("H*", $ARGV[0])' "$head"
        printf '%s\0' "$cred"
    } >&3
    timeout 5 cat <&3 | od -An -v -tx1 | tr -d ' \n'
    exec 3>&-
    echo
}

# check_ping_reply HEX: a RESPONSE_SLURM_RC (8001) whose return code (the
# last 4 bytes: the 4-byte body follows any auth section) is 0. (A credential
# restricted to the wrong uid gets rc 1007, SLURM_PROTOCOL_AUTHENTICATION_ERROR,
# from 26.05.)
check_ping_reply() {
    local hex=$1
    ((${#hex} >= 40)) || return 1
    [[ ${hex:16:4} == 1f41 && ${hex: -8} == 00000000 ]]
}

# ---------------------------------------------------------------------------
# One controller host per suite

# start_controller SUITE: build/reuse the root, start its host, munged and
# slurmctld, and check `scontrol ping`. Sets CTL_IP[SUITE], CTL_PROTO[SUITE].
declare -A CTL_IP CTL_PROTO CTL_SLURM_UID
start_controller() {
    local suite version t0
    suite=$(hat_root__suite "$1")
    t0=$SECONDS
    version=$(hat_root_ensure "$suite") || die "no root for $suite"
    log "$suite: root ready ($((SECONDS - t0)) s): Slurm $version, MUNGE $(hat_root_munge_version "$suite")"

    local root major name ip hostname holder d up merged
    root=$(hat_root_dir "$suite")
    major=${version%%.*}
    name=hatc-$suite
    ip=$NET.$((10#$major))
    hostname=ctl$major
    d=$STATE/$suite
    up=$d/upper
    merged=$d/merged

    local slurm_uid slurm_gid munge_uid munge_gid
    slurm_uid=$(hat_root_slurm_uid "$suite")
    munge_uid=$(hat_root_munge_uid "$suite")
    slurm_gid=$(awk -F: '$1 == "slurm" { print $4 }' "$root/etc/passwd")
    munge_gid=$(awk -F: '$1 == "munge" { print $4 }' "$root/etc/passwd")
    log "$suite: slurm uid $slurm_uid gid $slurm_gid, munge uid $munge_uid gid $munge_gid (in the root)"

    # The overlay's upper layer, prepared before mounting. A folder in the
    # upper layer replaces the owner and mode of the one below, so each one
    # gets the root's owner and mode.
    mkdir -p "$d/work" "$merged"
    install -d -m 0755 "$up" "$up/etc" "$up/etc/slurm" "$up/run" "$up/var" "$up/var/lib" "$up/var/log"
    install -d -o "$munge_uid" -g "$munge_gid" -m 0700 "$up/etc/munge" "$up/var/log/munge"
    install -d -o "$munge_uid" -g "$munge_gid" -m 0711 "$up/var/lib/munge"
    install -d -o "$munge_uid" -g "$munge_gid" -m 0755 "$up/run/munge"
    install -d -o "$slurm_uid" -g "$slurm_gid" -m 0755 "$up/run/slurm" "$up/var/log/slurm" \
        "$up/var/lib/slurm" "$up/var/lib/slurm/slurmctld"
    # The machine's key, owned by the root's munge user.
    install -o "$munge_uid" -g "$munge_gid" -m 0400 /etc/munge/munge.key "$up/etc/munge/munge.key"

    # Name look-ups stay in /etc/hosts: without an entry slurmctld waits on
    # DNS for its own name and the node's.
    cat >"$up/etc/hosts" <<EOF
127.0.0.1	localhost
$ip	$hostname
$CLIENT_IP	client
$NET.201	cn1
EOF
    # Found on 24.11 and 26.05: ClusterName is required (fatal "ClusterName
    # needs to be specified" without it); with the default pid file
    # /run/slurmctld.pid, slurmctld (by then the slurm user) cannot remove it
    # at exit; without MailProg it logs "Configured MailProg is invalid"
    # (minbase has no mail). slurmctld itself needs no cgroup.conf (it falls
    # back to autodetect); the one here, with the proctrack and task plugins,
    # is what a slurmd on this machine needs.
    cat >"$up/etc/slurm/slurm.conf" <<EOF
# Written by tests/integration/roots_smoke.sh
ClusterName=hatc$major
SlurmctldHost=$hostname($ip)
SlurmctldPort=$SLURMCTLD_PORT
AuthType=auth/munge
CredType=cred/munge
SlurmUser=slurm
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmctldDebug=info
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
NodeName=cn1 CPUs=1 State=UNKNOWN
PartitionName=debug Nodes=cn1 Default=YES MaxTime=INFINITE State=UP
EOF
    cat >"$up/etc/slurm/cgroup.conf" <<EOF
CgroupPlugin=cgroup/v1
EOF
    chmod 0644 "$up/etc/hosts" "$up/etc/slurm/slurm.conf" "$up/etc/slurm/cgroup.conf"

    # The host, its mounts, its daemons.
    holder=$(add_host "$name" "$ip" "$hostname")
    record "$holder" "holder-$suite" "$merged"
    in_host "$holder" hostname "$hostname"
    in_host "$holder" mount -t overlay "hatc-$suite" \
        -o "lowerdir=$root,upperdir=$up,workdir=$d/work" "$merged"
    in_host "$holder" mount -t proc proc "$merged/proc"
    in_host "$holder" mount --rbind /dev "$merged/dev"
    in_host "$holder" mount --make-rslave "$merged/dev"

    local munged slurmctld
    (
        umask 022
        exec env -i PATH="$CLEAN_PATH" nsenter -t "$holder" -n -m -u -- \
            chroot --userspec="$munge_uid:$munge_gid" --groups="$munge_gid" "$merged" \
            /usr/sbin/munged --foreground
    ) </dev/null >"$d/munged.out" 2>&1 &
    munged=$!
    record "$munged" "munged-$suite"
    wait_for "$suite munged" 10 "$munged" test -S "$up/run/munge/munge.socket.2" ||
        die "$suite: munged did not start: $(tail -n 5 "$d/munged.out")"
    in_root "$holder" "$merged" sh -c 'munge -n | unmunge' >/dev/null ||
        die "$suite: munge -n | unmunge fails in the root"

    t0=$SECONDS
    (
        umask 022
        exec env -i PATH="$CLEAN_PATH" nsenter -t "$holder" -n -m -u -- \
            chroot "$merged" /usr/sbin/slurmctld -D
    ) </dev/null >"$d/slurmctld.out" 2>&1 &
    slurmctld=$!
    record "$slurmctld" "slurmctld-$suite"

    ping_up() { in_root "$holder" "$merged" scontrol ping | grep -q "$hostname is UP"; }
    if ! wait_for "$suite slurmctld" 60 "$slurmctld" ping_up; then
        tail -n 30 "$d/slurmctld.out" "$up/var/log/slurm/slurmctld.log" >&2 || true
        die "$suite: slurmctld did not answer scontrol ping"
    fi
    log "$suite: $(in_root "$holder" "$merged" scontrol ping | head -n 1) ($((SECONDS - t0)) s after start)"
    log "$suite: $(in_root "$holder" "$merged" scontrol --version), hostname $(in_host "$holder" hostname)"
    # Anything slurmctld complained about, for the record (but the missing
    # state files of a first start).
    grep -E 'error|fatal|WARNING' "$up/var/log/slurm/slurmctld.log" |
        grep -vE 'state file|Trying backup state save' | sed "s/^/$suite slurmctld: /" >&2 || true

    CTL_IP[$suite]=$ip
    CTL_PROTO[$suite]=$(proto_version "$version")
    CTL_SLURM_UID[$suite]=$slurm_uid
}

# ---------------------------------------------------------------------------
# The client host with the machine's own munged

start_client() {
    local holder munged mu mg
    mu=$(id -u munge) || die "no munge user on this machine"
    mg=$(id -g munge)
    [[ -r /etc/munge/munge.key ]] || die "no /etc/munge/munge.key"
    holder=$(add_host "$CLIENT" "$CLIENT_IP" client)
    record "$holder" holder-client
    in_host "$holder" hostname client
    # Its own /run, and munged's state and log folders, so nothing of the
    # machine's is touched; /etc/munge/munge.key is the machine's.
    in_host "$holder" mount -t tmpfs -o mode=0755 hatc-run /run
    in_host "$holder" install -d -o "$mu" -g "$mg" -m 0755 /run/munge
    in_host "$holder" mount -t tmpfs -o "mode=0711,uid=$mu,gid=$mg" hatc-munge-lib /var/lib/munge
    in_host "$holder" mount -t tmpfs -o "mode=0700,uid=$mu,gid=$mg" hatc-munge-log /var/log/munge
    (
        umask 022
        exec env -i PATH="$CLEAN_PATH" nsenter -t "$holder" -n -m -u -- \
            setpriv --reuid="$mu" --regid="$mg" --clear-groups /usr/sbin/munged --foreground
    ) </dev/null >"$STATE/client-munged.out" 2>&1 &
    munged=$!
    record "$munged" munged-client
    wait_for "client munged" 10 "$munged" in_host "$holder" test -S /run/munge/munge.socket.2 ||
        die "client: munged did not start: $(tail -n 5 "$STATE/client-munged.out")"
    in_host "$holder" sh -c 'munge -n | unmunge' >/dev/null || die "client: munge -n | unmunge fails"
    log "client: machine's munged $(munged --version 2>&1 | awk '{ print $1 }') runs in $CLIENT ($CLIENT_IP)"
    CLIENT_HOLDER=$holder
}

# check_from_client SUITE: TCP connect and authenticated ping from the client.
check_from_client() {
    local suite=$1 ip=${CTL_IP[$1]} reply
    in_host "$CLIENT_HOLDER" timeout 5 bash -c "exec 3<>/dev/tcp/$ip/$SLURMCTLD_PORT" ||
        die "$suite: no TCP connection from $CLIENT to $ip:$SLURMCTLD_PORT"
    log "$suite: TCP connect from $CLIENT to $ip:$SLURMCTLD_PORT: ok"
    reply=$(in_host "$CLIENT_HOLDER" bash -c "$(declare -f raw_ping); raw_ping $ip $SLURMCTLD_PORT ${CTL_PROTO[$suite]} ${CTL_SLURM_UID[$suite]}") ||
        die "$suite: raw REQUEST_PING failed"
    check_ping_reply "$reply" ||
        die "$suite: unexpected reply to REQUEST_PING (protocol ${CTL_PROTO[$suite]}): '$reply'"
    log "$suite: REQUEST_PING (protocol ${CTL_PROTO[$suite]}, machine's munge) answered rc 0: $reply"
}

# ---------------------------------------------------------------------------

main() {
    [[ $(id -u) == 0 ]] || die "needs root"
    local s
    for s in nsenter unshare ip chroot setpriv munged tac; do
        command -v "$s" >/dev/null || die "missing $s"
    done

    # One run at a time: a second run's cleanup would stop the first run's
    # daemons. The lock is held only while taking over $STATE (so daemons do
    # not inherit it); a live owner recorded in $STATE means a run is active.
    local lockfd owner_pid owner_st
    exec {lockfd}>"$STATE.lock"
    flock "$lockfd"
    if [[ -f $OWNER ]] && read -r owner_pid owner_st <"$OWNER" && alive "$owner_pid" "$owner_st"; then
        die "another run (pid $owner_pid) is active"
    fi
    # Start clean: whatever a killed run left behind.
    if [[ -e $STATE ]] || ip netns list | grep -q '^hatc-'; then
        log "cleaning up after an earlier run"
    fi
    teardown
    trap on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    install -d -m 0700 "$STATE"
    printf '%s %s\n' "$$" "$(starttime $$)" >"$OWNER"
    exec {lockfd}>&-
    : >"$PIDS"
    : >"$NETNS"

    add_netns "$SW"
    ip -n "$SW" link add br0 type bridge
    ip -n "$SW" link set br0 up

    local suite
    for suite in "${SUITES[@]}"; do
        start_controller "$suite"
    done
    start_client
    for suite in "${SUITES[@]}"; do
        check_from_client "$(hat_root__suite "$suite")"
    done
    log "PASS: ${SUITES[*]}"
}

main "$@"
