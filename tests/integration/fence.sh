#!/bin/bash
# The library's fencing (common/fence.h, through tests/tools/ha-fence) with Debian's real
# fence_ipmilan against the test harness's BMCs (tests/lib/bmc.sh: ipmi_sim, whose power off
# really kills the host): two hosts h1 and h2, a BMC for h2, munged and a sleep in h2; ha-fence
# runs in h1, its options in a root-only file:
#   a. status: on
#   b. refused, with the reason and without running the agent (a wrapper agent that records
#      each run, checked first to record one): the options file mode 0644, or owned by another
#      user; the agent group-writable
#   c. a wrong password: off fails (EIO) with the agent's own error line, no power change
#   d. a BMC that does not answer (its ipmi_sim stopped with SIGSTOP): off returns at its
#      deadline (ETIMEDOUT), h2 untouched, and no agent or ipmitool process is left (the
#      agent's processes, seen while it ran, are gone and its process group is empty within
#      1 s of the return: a killed ipmitool may still be finishing its exit)
#   e. off: confirmed OFF (ok, power=off), every process of h2 gone, status off; no agent left
# Prints each call's time (ms, measured by ha-fence around the library call). Run as root;
# starts with hat_clean, so it also passes after a run that was killed half-way.
set -euo pipefail
HAT_PREFIX=${HAT_PREFIX:-hatf}
AGENT=/usr/sbin/fence_ipmilan
for tool in ipmi_sim ipmitool "$AGENT" munged nsenter pgrep; do
    command -v "$tool" >/dev/null || { echo "fence.sh: $tool is missing"; exit 1; }
done
# shellcheck source=../lib/testlib.sh
source "$(dirname "$(readlink -f "$0")")/../lib/testlib.sh"
# A BMC stopped with hat_bmc_freeze is woken up on any exit.
T_ON_EXIT=hat_bmc_thaw
t_hosts hatf bmc
HA_FENCE=$T_BUILD/tests/ha-fence
[[ -x $HA_FENCE ]] || { echo "fence.sh: $HA_FENCE is missing (build the tree)"; exit 1; }

hat_clean
hat_net_up
hat_host_add h1 10.213.0.11
hat_host_add h2 10.213.0.12
hat_bmc_add h2 10.213.0.212
hat_munged_start h2
hat_spawn h2 sleeper sleep 3600

# The options, as an administrator writes them: root's, mode 0600, in a root-only folder.
FD=$(hat_state_dir)/fence
(umask 077 && mkdir -p "$FD")
chmod 0755 "$FD"
opts_file() { # NAME PASSWORD: a 0600 options file for h2's BMC
    (umask 077 && printf '%s\n' "# h2's BMC" "ip=$(hat_bmc_ip h2)" "username=$(hat_bmc_user h2)" \
        "password=$2" lanplus=1 cipher=3 >"$FD/$1")
}
PW=$(cat "$(hat_bmc_password_file h2)")
opts_file h2.opts "$PW"
opts_file wrong.opts "not-$PW"
# A wrapper agent that records each run, so that a refusal can be shown to run nothing.
printf '#!/bin/sh\necho ran >>%s/ran\nexec %s "$@"\n' "$FD" "$AGENT" >"$FD/agent"
chmod 0755 "$FD/agent"

# fence [ARGS...]: ha-fence in h1; sets F_OUT (its two lines), F_RC, F_MS (its own measure of
# the library call) and F_WALL (the whole command, ms).
fence() {
    local t0
    t0=$(_hat_now_us)
    F_RC=0
    F_OUT=$(hat_exec h1 "$HA_FENCE" "$@" 2>&1) || F_RC=$?
    F_WALL=$(( ($(_hat_now_us) - t0) / 1000 ))
    F_MS=$(t_field ms "$F_OUT")
    t_note "ha-fence $*: exit $F_RC, ${F_MS:-?} ms (wall $F_WALL ms): ${F_OUT//$'\n'/ | }"
}
runs() { [[ -f $FD/ran ]] && wc -l <"$FD/ran" || echo 0; }
power_is() { [[ $(hat_bmc_power h2) == "$1" ]]; }
# A process that is not a zombie (a killed ipmitool is reparented to the machine's pid 1, which
# reaps it when it gets to it: a zombie runs nothing and holds nothing but its pid).
_running() { [[ -r /proc/$1/stat && $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) != Z* ]]; }
# The agent's processes in h1 (fence_ipmilan is a Python script: its comm is the script name).
agent_pids() {
    local p
    for p in $(ip netns pids "$HAT_PREFIX-h1" 2>/dev/null); do
        if [[ $(cat "/proc/$p/comm" 2>/dev/null) =~ ^(fence_ipmilan|ipmitool)$ ]] &&
            _running "$p"; then
            echo "$p"
        fi
    done
    return 0
}
no_agent_left() { [[ -z $(agent_pids) ]]; }

# a. status
fence "$AGENT" "$FD/h2.opts" status
t_ok "a. status: exit 0" test "$F_RC" = 0
t_match "a. status: on" "$F_OUT" 'result=ok error=- power=on'
status_ms=$F_MS

# b. refusals. The wrapper runs the agent when nothing is wrong: one run recorded.
fence "$FD/agent" "$FD/h2.opts" status
t_match "b. the wrapper agent works: on" "$F_OUT" 'result=ok error=- power=on'
t_ok "b. the wrapper agent recorded its run" test "$(runs)" = 1
chmod 0644 "$FD/h2.opts"
fence "$FD/agent" "$FD/h2.opts" off
t_match "b. options file 0644: refused (EPERM)" "$F_OUT" 'result=fail error=EPERM'
t_match "b. options file 0644: the reason" "$F_OUT" \
    "reason=fence options $FD/h2.opts: refused: a secret readable by group or others"
t_ok "b. options file 0644: the agent did not run" test "$(runs)" = 1
chmod 0600 "$FD/h2.opts"
chown nobody "$FD/h2.opts"
fence "$FD/agent" "$FD/h2.opts" off
t_match "b. options file owned by nobody: refused (EPERM)" "$F_OUT" 'result=fail error=EPERM'
t_match "b. options file owned by nobody: the reason" "$F_OUT" 'refused: not owned by root'
t_ok "b. options file owned by nobody: the agent did not run" test "$(runs)" = 1
chown root "$FD/h2.opts"
cp -p "$FD/agent" "$FD/agent-gw"
chmod 0775 "$FD/agent-gw"
fence "$FD/agent-gw" "$FD/h2.opts" off
t_match "b. agent group-writable: refused (EPERM)" "$F_OUT" 'result=fail error=EPERM'
t_match "b. agent group-writable: the reason" "$F_OUT" \
    "reason=refused to run the fence agent $FD/agent-gw: writable by group or others"
t_ok "b. agent group-writable: it did not run" test "$(runs)" = 1
t_ok "b. h2 still powered" power_is on
t_ok "b. h2's sleep still runs" hat_alive h2 sleeper

# c. a wrong password
fence "$AGENT" "$FD/wrong.opts" off
t_match "c. wrong password: off fails (EIO)" "$F_OUT" 'result=fail error=EIO'
# fence_ipmilan's words for it: ipmitool's login fails, so the power cannot be read.
t_match "c. wrong password: the agent's reason" "$F_OUT" \
    "reason=$AGENT off failed \\(exit 1\\): .*ERROR: Failed: Unable to obtain correct plug status"
t_nomatch "c. wrong password: the password is not in the output" "$F_OUT" "$PW"
t_ok "c. h2 still powered" power_is on
t_ok "c. h2's sleep still runs" hat_alive h2 sleeper
t_ok "c. no agent process left" no_agent_left

# d. a BMC that does not answer: off returns at its deadline. fence_ipmilan's own bounds are
# longer (power_timeout 20 s per ipmitool run, ipmitool's retries ~29 s), so the deadline is what
# ends the call. The bound: at the deadline the library kills the process group and reaps the
# agent, a few ms; 500 ms on top covers the scheduling of a loaded 2-core machine, and is a
# sixth of the deadline: a call that waited for the agent to give up by itself (>= 20 s) fails.
DEADLINE_MS=3000
hat_bmc_freeze h2
seen=$FD/seen
: >"$seen"
t0=$(_hat_now_us)
{ hat_exec h1 "$HA_FENCE" "$AGENT" "$FD/h2.opts" off --timeout "${DEADLINE_MS}ms" ||
    true; } >"$FD/hung.out" 2>/dev/null &
fpid=$!
# What the agent runs, sampled while it runs (pid, process group, name).
while kill -0 "$fpid" 2>/dev/null; do
    for p in $(agent_pids); do
        g=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d ' ' -f 3) || g=
        c=$(cat "/proc/$p/comm" 2>/dev/null) || true
        if [[ -n $g && -n $c ]]; then echo "$p $g $c" >>"$seen"; fi
    done
    sleep 0.05
done
wait "$fpid" || true
F_OUT=$(cat "$FD/hung.out")
F_MS=$(t_field ms "$F_OUT")
t_note "ha-fence off --timeout ${DEADLINE_MS}ms, BMC stopped: ${F_MS:-?} ms" \
    "(wall $(( ($(_hat_now_us) - t0) / 1000 )) ms): ${F_OUT//$'\n'/ | }"
hung_ms=$F_MS
t_match "d. BMC stopped: off fails at its deadline (ETIMEDOUT)" "$F_OUT" 'result=fail error=ETIMEDOUT'
t_match "d. BMC stopped: the reason" "$F_OUT" "reason=$AGENT off: not done before the deadline"
t_ok "d. BMC stopped: not before the deadline ($hung_ms ms >= $DEADLINE_MS)" \
    awk -v a="$hung_ms" -v b="$DEADLINE_MS" 'BEGIN { exit !(a + 0 >= b + 0) }'
t_lt "d. BMC stopped: returns within deadline + 500 ms" "$hung_ms" $((DEADLINE_MS + 500))
t_ok "d. the sampler saw the agent run (fence_ipmilan)" grep -q ' fence_ipmilan$' "$seen"
t_ok "d. the sampler saw ipmitool run" grep -q ' ipmitool$' "$seen"
left_of_seen() {
    local p g c q rc=1
    while read -r p g c; do
        if _running "$p" && [[ $(cat "/proc/$p/comm" 2>/dev/null) == "$c" ]]; then
            echo "left: $p ($c)"; rc=0
        fi
        for q in $(pgrep -g "$g" 2>/dev/null); do
            if _running "$q"; then
                echo "left in group $g: $q ($(cat "/proc/$q/comm" 2>/dev/null || true))"
                rc=0
            fi
        done
    done <"$seen"
    return "$rc"
}
# SIGKILL is sent to the whole group before the call returns, but a killed ipmitool may still be
# finishing its exit then (it runs no code of its own any more; the machine's pid 1 reaps it):
# it must be gone (or a zombie) within 1 s of the return, and every one of them is named.
at_return=$(left_of_seen 2>/dev/null || true)
t_note "d. still exiting when the call returned: ${at_return:-none}"
none_left_of_seen() { ! left_of_seen >/dev/null 2>&1; }
t_ok "d. none of the agent's processes seen, nor its process group, is left (1 s)" \
    hat_wait_for 1 none_left_of_seen
t_ok "d. no agent or ipmitool process in h1" no_agent_left
t_ok "d. h2 still powered" power_is on
t_ok "d. h2's sleep still runs" hat_alive h2 sleeper
hat_bmc_thaw

# e. off, confirmed
sleeper_pid=$(hat_pid h2 sleeper)
fence "$AGENT" "$FD/h2.opts" off --timeout 60s
off_ms=$F_MS
t_ok "e. off: exit 0" test "$F_RC" = 0
t_match "e. off: confirmed" "$F_OUT" 'result=ok error=- power=off'
t_match "e. off: confirmed by a status run" "$F_OUT" 'reason=.*off, confirmed by status run'
t_ok "e. the BMC says off" power_is off
t_fail "e. sleep (pid $sleeper_pid) is gone" hat_alive h2 sleeper
t_fail "e. munged is gone" hat_alive h2 munged
h2_empty() { [[ -z $(hat_bmc_host_pids h2) ]]; }
t_ok "e. no process left in h2" h2_empty
t_ok "e. no agent process left in h1" no_agent_left
fence "$AGENT" "$FD/h2.opts" status
t_match "e. status after off: off" "$F_OUT" 'result=ok error=- power=off'
status_off_ms=$F_MS

t_note "timings (ms, the library call): status $status_ms, off to confirmed OFF $off_ms," \
    "status of a host off $status_off_ms, off with the BMC stopped $hung_ms" \
    "(deadline $DEADLINE_MS)"
t_done
