# shellcheck shell=bash
#
# bmc.sh - a BMC per test host: OpenIPMI's BMC simulator (ipmi_sim, Debian package openipmi)
# answering IPMI over LAN (1.5 and 2.0 "lanplus") for that host, whose chassis power really
# powers the host: off kills every process of the host and takes its link down, on brings the
# link back and boots the host (a command the test chooses). Fence agents (fence_ipmilan,
# Debian package fence-agents, which runs ipmitool) and ipmitool talk to it as to a real BMC.
# Source it after hosts.sh.
#
# The management LAN: the BMCs live outside their hosts, in one network namespace of their own,
# ${HAT_PREFIX}-_mgmt (a host name cannot contain "_"), whose interface mgmt0 is a port of the
# hosts' bridge in ${HAT_PREFIX}-switch (veth vmgmt there): a management LAN shared with the
# hosts' own network, as where a BMC shares a NIC port. Each BMC has its own address on mgmt0
# (in the hosts' /24, given to hat_bmc_add) and its own ipmi_sim bound to ADDRESS:623 only.
# Nothing listens in the machine's own network namespace. A host reaches the BMCs while its
# eth0 is up; a powered-off host's BMC still answers (it has standby power).
#
# Power, as ipmi_sim's "chassis_control" program (tests/lib/bmc-chassis.sh, run by ipmi_sim
# for every chassis power request and every status; see ipmi_lan(5) and its chassis_control
# keyword):
#   off: acknowledged at once, as a BMC does; then, in the background (recorded as
#        pids/_bmc/HOST-off), every process of the host (in its network namespace, in its
#        mount namespace, the daemons recorded for it by hat_spawn, a boot command still
#        running) is frozen with SIGSTOP (a host paused whole with hat_freeze is then
#        thawed, as a hypervisor powers off a paused VM), the host's eth0 goes down and loses every address (a
#        VIP held by a killed keepalived goes with it), every process is killed with SIGKILL
#        until none is left (HAT_BMC_OFF_TIMEOUT; otherwise the power stays "on" and the
#        failure is logged), the host's FUSE mounts are detached; only then does the power
#        read "off". A fence agent that waits for status OFF waits for all of this.
#   on:  /run of the host is emptied (a tmpfs after a reboot; /run/munge made again), eth0
#        gets the host's own address back and goes up, the power reads "on"; then the boot
#        command (hat_bmc_on_boot), if any, starts in the background on the machine, with
#        HAT_PREFIX, HAT_STATE_ROOT and HAT_BMC_HOST set (it can source hosts.sh and start
#        daemons with hat_spawn, hat_munged_start...); its output goes to
#        hat_log HOST bmc-boot. A request never waits for the boot; it waits for a power
#        off still under way (one power change at a time, under a lock).
#   status: "on" or "off" (a host starts "on": hat_host_add boots it).
# ipmi_sim logs and the chassis program's lines (each request, its exit and time, the power
# off's end) are in hat_log HOST bmc.
#
# Each BMC has one IPMI user (default "admin", administrator privilege) with a random
# password made when the BMC is added, kept in a 0600 file (hat_bmc_password_file): the
# password is never on a command line of ours (ipmitool -f FILE, fence_ipmilan options on
# stdin). ipmi_sim's own configuration and persistent state (-s) are in the BMC's folder
# under the state folder; nothing is written on the machine outside it.
#
# Cleaning: the management namespace is in netns.list and each ipmi_sim (and a running boot
# command or power off) is recorded under pids/_bmc/ like a daemon, so hat_clean stops them, also after a
# killed run; SIGCONT first, so a SIGSTOPped ipmi_sim goes too.
#
# Usage:
#   source tests/lib/hosts.sh; source tests/lib/bmc.sh
#   hat_net_up; hat_host_add ctl1 10.213.0.11; hat_host_add ctl2 10.213.0.12
#   hat_bmc_add ctl2 10.213.0.212
#   hat_bmc_on_boot ctl2 /path/to/boot-ctl2.sh       # optional
#   hat_bmc_fence_opts ctl2 status cipher=3 | hat_exec ctl1 fence_ipmilan
#
# cipher=3: ipmi_sim (OpenIPMI 2.0.33) has no cipher suite 17 (ipmitool 1.8.19's default) and
# does not answer "Get Channel Cipher Suites", so ipmitool without -C spends about 15 s finding
# one out on every run; naming suite 3 (HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128) avoids that.
#
# Functions: hat_bmc_net_up hat_bmc_add hat_bmc_on_boot hat_bmc_ip hat_bmc_user
#   hat_bmc_password_file hat_bmc_pid hat_bmc_power hat_bmc_fence_opts hat_bmc_ipmitool
#   hat_bmc_host_pids
#
# Settings (environment):
#   HAT_BMC_USER           the IPMI user of new BMCs (default admin)
#   HAT_BMC_OFF_TIMEOUT    seconds a power off may take to kill a host's processes (default 10)

: "${HAT_BMC_USER:=admin}"
: "${HAT_BMC_OFF_TIMEOUT:=10}"

HAT_BMC_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

_hat_bmc_ns() { echo "$HAT_PREFIX-_mgmt"; }
_hat_bmc_dir() { echo "$(_hat_st)/bmc/$1"; }
_hat_bmc_pidf() { echo "$(_hat_st)/pids/_bmc/$1"; }

# hat_bmc_net_up: the management namespace and its port on the hosts' bridge (after
# hat_net_up; hat_bmc_add calls it when needed).
hat_bmc_net_up() {
    local st ns sw
    st=$(_hat_st)
    ns=$(_hat_bmc_ns)
    sw=$(_hat_switch)
    [[ -e /run/netns/$sw ]] || { _hat_err "hat_net_up first"; return 1; }
    [[ -e /run/netns/$ns ]] && return 0
    _hat_mkdir "$st/bmc" "$st/pids/_bmc"
    chmod 0700 "$st/bmc"
    _hat_record netns.list "$ns"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$sw" link add vmgmt type veth peer name mgmt0 netns "$ns"
    ip -n "$sw" link set vmgmt master "$(_hat_bridge)" up
    ip -n "$ns" link set mgmt0 up
    _hat_say "management LAN: $ns (mgmt0) on $(_hat_bridge)"
}

# hat_bmc_ip HOST, hat_bmc_user HOST, hat_bmc_password_file HOST: how to reach HOST's BMC.
# _hat_bmc_detach PIDFILE LOG [VAR=VALUE...] -- CMD...: starts CMD detached (its own session,
# no descriptor of ours, output to LOG, a clean environment with the VAR=VALUEs) and records it
# in PIDFILE as "pid start", the way hosts.sh records a daemon. Fails if it did not start.
_hat_bmc_detach() {
    local pidf=$1 log=$2 pid start
    local -a env=()
    shift 2
    while (($#)) && [[ $1 != -- ]]; do env+=("$1"); shift; done
    shift
    rm -f "$pidf.new"
    (
        for fd in /proc/"$BASHPID"/fd/*; do
            fd=${fd##*/}
            if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        exec </dev/null >>"$log" 2>&1
        # shellcheck disable=SC2016 # $$ and $@ are the inner shell's
        exec env -i "PATH=$HAT_DAEMON_PATH" LANG=C "${env[@]}" setsid \
            sh -c 'echo $$ >"$0"; exec "$@"' "$pidf.new" "$@"
    ) &
    disown "$!"
    hat_wait_for 10 test -s "$pidf.new" || return 1
    pid=$(<"$pidf.new")
    start=$(_hat_starttime "$pid") || start=gone
    echo "$pid $start" >"$pidf"
    rm -f "$pidf.new"
}

# hat_bmc_freeze HOST: stops HOST's ipmi_sim (SIGSTOP: a BMC that does not answer) and records
# it in HAT_BMC_STOPPED ("pid start"); hat_bmc_thaw wakes it (a test's exit trap calls it too).
HAT_BMC_STOPPED=
hat_bmc_freeze() {
    local pid
    pid=$(hat_bmc_pid "$1") || return 1
    HAT_BMC_STOPPED="$pid $(_hat_starttime "$pid")"
    kill -STOP "$pid"
}
hat_bmc_thaw() {
    # shellcheck disable=SC2086 # "pid start": two arguments
    if [[ -n $HAT_BMC_STOPPED ]] && _hat_pid_alive $HAT_BMC_STOPPED; then
        kill -CONT "${HAT_BMC_STOPPED%% *}"
    fi
    HAT_BMC_STOPPED=
    return 0
}

hat_bmc_ip() { cat "$(_hat_bmc_dir "$1")/ip"; }
hat_bmc_user() { cat "$(_hat_bmc_dir "$1")/user"; }
hat_bmc_password_file() { echo "$(_hat_bmc_dir "$1")/password"; }

# hat_bmc_pid HOST: the pid of HOST's ipmi_sim (to SIGSTOP it: a BMC that does not answer).
hat_bmc_pid() {
    local pid start
    read -r pid start <"$(_hat_bmc_pidf "$1")" || return 1
    echo "$pid"
}

# hat_bmc_power HOST: "on" or "off", HOST's power as its BMC has it.
hat_bmc_power() { cat "$(_hat_bmc_dir "$1")/power"; }

# hat_bmc_on_boot HOST CMD...: the command a power on of HOST runs (see the top of this file);
# none: a power on only brings the link back.
hat_bmc_on_boot() {
    local h=$1; shift
    _hat_host_ok "$h" || return 1
    [[ -d $(_hat_bmc_dir "$h") ]] || { _hat_err "$h has no BMC"; return 1; }
    printf '%s\0' "$@" >"$(_hat_bmc_dir "$h")/boot"
}

# hat_bmc_fence_opts HOST ACTION [KEY=VALUE...]: the options for a fence agent (one per line,
# as fence agents read them on stdin) that reach HOST's BMC over lanplus for ACTION.
hat_bmc_fence_opts() {
    local h=$1 action=$2; shift 2
    printf '%s\n' "ip=$(hat_bmc_ip "$h")" "username=$(hat_bmc_user "$h")" \
        "password=$(cat "$(hat_bmc_password_file "$h")")" lanplus=1 "action=$action" "$@"
}

# hat_bmc_ipmitool HOST ARGS...: ipmitool over lanplus to HOST's BMC, from the management
# namespace (password from the file).
hat_bmc_ipmitool() {
    local h=$1; shift
    nsenter "--net=/run/netns/$(_hat_bmc_ns)" ipmitool -I lanplus -H "$(hat_bmc_ip "$h")" \
        -U "$(hat_bmc_user "$h")" -f "$(hat_bmc_password_file "$h")" -N 1 -R 2 "$@"
}

_hat_bmc_answers() { hat_bmc_ipmitool "$1" chassis power status >/dev/null 2>&1; }

# hat_bmc_add HOST ADDRESS: a BMC for HOST at ADDRESS (in the hosts' /24) on the management
# LAN; returns once it answers IPMI over lanplus.
hat_bmc_add() {
    local h=$1 ip=$2 d hostip pw pidf log pid start
    _hat_host_ok "$h" || return 1
    [[ $ip =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || { _hat_err "bad address '$ip'"; return 1; }
    hostip=$(cat "$(hat_host_dir "$h")/ip")
    [[ ${ip%.*} == "${hostip%.*}" ]] ||
        { _hat_err "BMC address $ip is not in the hosts' /24 (${hostip%.*}.0/24)"; return 1; }
    d=$(_hat_bmc_dir "$h")
    [[ -e $d ]] && { _hat_err "$h has a BMC already"; return 1; }
    hat_bmc_net_up || return 1
    (umask 077 && mkdir -p "$d/state")
    echo "$ip" >"$d/ip"
    echo "$HAT_BMC_USER" >"$d/user"
    echo on >"$d/power"
    # 16 characters: the IPMI 2.0 limit is 20.
    pw=$(head -c 12 /dev/urandom | base64 | tr '+/' 'xy')
    (umask 077 && printf '%s' "$pw" >"$d/password")
    ip -n "$(_hat_bmc_ns)" addr add "$ip/24" dev mgmt0
    # ipmi_lan(5). Channel 1 on ADDRESS:623 only; IPMI 1.5 with MD5 only (no "none" or
    # "straight"); user 2 the administrator. The chassis control program gets the state folder
    # and the host.
    (
        umask 077
        cat >"$d/lan.conf" <<EOF
name "$h"
set_working_mc 0x20
  startlan 1
    addr $ip 623
    priv_limit admin
    allowed_auths_callback md5
    allowed_auths_user md5
    allowed_auths_operator md5
    allowed_auths_admin md5
    guid $(printf %s "$HAT_PREFIX-$h" | md5sum | cut -c 1-32)
  endlan
  chassis_control "$HAT_BMC_LIB/bmc-chassis.sh $(_hat_st) $h"
  user 2 true "$HAT_BMC_USER" "$pw" admin 10 md5
EOF
        # ipmi_sim_cmd(5): one MC, the BMC, at 0x20, enabled (its LAN channel opens then).
        cat >"$d/sim.emu" <<'EOF'
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02
sel_enable 0x20 1000 0x0a
mc_enable 0x20
EOF
    )
    pidf=$(_hat_bmc_pidf "$h")
    log=$(hat_log "$h" bmc)
    echo "=== $(date '+%F %T') ipmi_sim for $h at $ip" >>"$log"
    _hat_bmc_detach "$pidf" "$log" -- nsenter "--net=/run/netns/$(_hat_bmc_ns)" \
        ipmi_sim -n -c "$d/lan.conf" -f "$d/sim.emu" -s "$d/state" ||
        { _hat_err "$h: ipmi_sim did not start"; return 1; }
    read -r pid _ <"$pidf"
    if ! hat_wait_for "$HAT_START_TIMEOUT" _hat_bmc_answers "$h"; then
        _hat_err "$h: the BMC at $ip does not answer"
        _hat_show_log "$h" bmc
        return 1
    fi
    _hat_say "$h: BMC at $ip (ipmi_sim pid $pid)"
}

# hat_bmc_host_pids HOST: the processes of HOST: in its network namespace, its recorded daemons
# that still run, a boot command still running, and (a slower look through /proc) any other
# process in its mount namespace.
hat_bmc_host_pids() {
    local f ino
    _hat_bmc_quick_pids "$1"
    f=$(_hat_st)/ns/$1.mnt
    if _hat_is_mountpoint "$f"; then
        ino=$(stat -c %i "$f")
        find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/mnt' -lname "mnt:\\[$ino\\]" \
            -printf '%h\n' 2>/dev/null | sed -n 's|^/proc/\([0-9]*\)/ns$|\1|p' || true
    fi
    return 0
}

# The processes of HOST but for the look through /proc.
_hat_bmc_quick_pids() {
    local h=$1 st f pid start
    st=$(_hat_st)
    if read -r pid start 2>/dev/null <"$(_hat_bmc_pidf "$h-boot")" &&
        _hat_pid_alive "$pid" "$start"; then
        echo "$pid"
    fi
    ip netns pids "$(_hat_netns "$h")" 2>/dev/null || true
    for f in "$st/pids/$h"/*; do
        [[ -f $f ]] || continue
        read -r pid start <"$f" || continue
        _hat_pid_alive "$pid" "$start" && echo "$pid"
    done
    return 0
}

# _hat_bmc_host_empty HOST [LISTER]: no process of HOST is alive (a zombie whose threads are
# gone counts as gone); LISTER (default hat_bmc_host_pids) lists them.
_hat_bmc_host_empty() {
    local p s
    for p in $("${2:-hat_bmc_host_pids}" "$1"); do
        [[ $p == "$$" || $p == "$BASHPID" ]] && continue
        s=$(_hat_starttime "$p") || continue
        _hat_pid_alive "$p" "$s" && return 1
    done
    return 0
}

# _hat_bmc_kill_host HOST: SIGKILL for every process of HOST, until none is left
# (HAT_BMC_OFF_TIMEOUT). The victims are remembered with their start times: one that is
# exiting is waited for even once it has left its namespaces.
_hat_bmc_kill_host() {
    local h=$1 p s v deadline lister
    local -a victims=()
    deadline=$(( $(_hat_now_us) + $(_hat_sec_us "$HAT_BMC_OFF_TIMEOUT") ))
    lister=_hat_bmc_quick_pids
    while :; do
        for p in $("$lister" "$h" | sort -un); do
            [[ $p == "$$" || $p == "$BASHPID" ]] && continue
            s=$(_hat_starttime "$p") || continue
            [[ " ${victims[*]} " == *" $p:$s "* ]] || victims+=("$p:$s")
        done
        local left=0
        for v in "${victims[@]}"; do
            if _hat_pid_alive "${v%%:*}" "${v#*:}"; then
                kill -s KILL "${v%%:*}" 2>/dev/null || true
                left=1
            fi
        done
        # None alive now: the slower look, for a process started meanwhile or one in the
        # mount namespace only (nsenter --mount).
        if ((left == 0)); then
            _hat_bmc_host_empty "$h" && return 0
            lister=hat_bmc_host_pids
        fi
        (( $(_hat_now_us) < deadline )) || break
        sleep 0.05
    done
    _hat_err "$h: processes survive the power off: $(hat_bmc_host_pids "$h" | tr '\n' ' ')"
    return 1
}

# _hat_bmc_power_off HOST: see the top of this file.
_hat_bmc_power_off() {
    local h=$1 st ns name mp p
    st=$(_hat_st)
    ns=$(_hat_netns "$h")
    # Frozen first: nothing reacts to losing the link or to the others dying.
    for p in $(_hat_bmc_quick_pids "$h" | sort -un); do
        [[ $p == "$$" || $p == "$BASHPID" ]] || kill -s STOP "$p" 2>/dev/null || true
    done
    # A host paused whole (hat_freeze HOST: a paused VM) is powered off too: a task the cgroup
    # freezer holds takes no signal, not even SIGKILL, until thawed. Thawed now, each takes the
    # SIGSTOP it has pending before it runs a single instruction of its own.
    hat_thaw "$h"
    ip -n "$ns" link set eth0 down
    ip -n "$ns" addr flush dev eth0
    _hat_bmc_kill_host "$h" || return 1
    if [[ -f $st/fuse.list ]]; then
        while read -r name mp _; do
            [[ $name == "$h" ]] || continue
            nsenter "--mount=$st/ns/$h.mnt" umount -l -c "$mp" 2>/dev/null || true
        done <"$st/fuse.list"
    fi
    echo off >"$(_hat_bmc_dir "$h")/power"
}

# _hat_bmc_locked HOST CMD...: CMD with HOST's power lock held (one power change at a time).
_hat_bmc_locked() {
    local h=$1 fd rc=0; shift
    exec {fd}>>"$(_hat_bmc_dir "$h")/lock"
    flock "$fd" || { exec {fd}>&-; return 1; }
    "$@" || rc=$?
    exec {fd}>&-
    return "$rc"
}

# _hat_bmc_request_off HOST: start a power off of HOST in the background (recorded as
# pids/_bmc/HOST-off, output to hat_log HOST bmc) and return at once, as a BMC acknowledges
# the request before the power is gone: the power reads "off" when it is done.
_hat_bmc_request_off() {
    local h=$1 pidf pid start
    pidf=$(_hat_bmc_pidf "$h-off")
    if read -r pid start 2>/dev/null <"$pidf" && _hat_pid_alive "$pid" "$start"; then
        return 0
    fi
    (
        for fd in /proc/"$BASHPID"/fd/*; do
            fd=${fd##*/}
            if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        exec </dev/null >>"$(hat_log "$h" bmc)" 2>&1
        t0=${EPOCHREALTIME/./}
        if _hat_bmc_locked "$h" _hat_bmc_power_off "$h"; then
            echo "    power off done after $(( (${EPOCHREALTIME/./} - t0) / 1000 )) ms"
        else
            echo "    power off FAILED after $(( (${EPOCHREALTIME/./} - t0) / 1000 )) ms"
        fi
    ) &
    pid=$!
    start=$(_hat_starttime "$pid") || start=gone
    echo "$pid $start" >"$pidf"
}

# _hat_bmc_power_on HOST: see the top of this file.
_hat_bmc_power_on() {
    local h=$1 d ns run mu hostip pidf log pid start
    local -a boot=()
    d=$(_hat_bmc_dir "$h")
    [[ $(hat_bmc_power "$h") == off ]] || return 0
    ns=$(_hat_netns "$h")
    run=$(hat_host_dir "$h")/fs/run
    find "$run" -mindepth 1 -delete
    mu=$(_hat_uid "$(_hat_host_root "$h")" munge) || return 1
    _hat_mkdir "$run/munge"
    chown "$mu" "$run/munge"
    hostip=$(cat "$(hat_host_dir "$h")/ip")
    ip -n "$ns" addr flush dev eth0
    ip -n "$ns" addr add "$hostip/24" dev eth0
    ip -n "$ns" link set eth0 up
    echo on >"$d/power"
    [[ -s $d/boot ]] || return 0
    mapfile -d '' -t boot <"$d/boot"
    pidf=$(_hat_bmc_pidf "$h-boot")
    log=$(hat_log "$h" bmc-boot)
    echo "=== $(date '+%F %T') power on: ${boot[*]}" >>"$log"
    _hat_bmc_detach "$pidf" "$log" "HAT_PREFIX=$HAT_PREFIX" "HAT_STATE_ROOT=$HAT_STATE_ROOT" \
        "HAT_BMC_HOST=$h" -- "${boot[@]}" ||
        { _hat_err "$h: the boot command did not start"; return 1; }
}
