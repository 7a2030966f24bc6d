#!/bin/bash
# The BMCs of the test harness (tests/lib/bmc.sh) with a real fence agent: two hosts h1 and h2,
# a BMC each (ipmi_sim) on the management LAN, munged and a sleep in h2. From h1, Debian's
# fence_ipmilan (options on stdin, IPMI 2.0 "lanplus", the password never on a command line):
#   a. status: ON (exit 0)
#   b. off: success; status OFF (exit 2); every process of h2 gone, its eth0 down, h1's ARP
#      ping of h2 unanswered
#   c. on: success; status ON; eth0 up, h2 answers again; the boot command started munged
#   d. a wrong password: failure, no power change
#   e. status without cipher= (ipmitool first asks for the cipher suites, which ipmi_sim does
#      not answer): works, slowly (timed)
#   f. a BMC that does not answer (ipmi_sim stopped with SIGSTOP): off fails within a bound,
#      h2 untouched; answers again after SIGCONT
#   g. the teardown leaves no ipmi_sim, namespace or state behind
# Prints the time of each fence_ipmilan run (ms). Run as root; starts with hat_clean, so it
# also passes after a run that was killed half-way.
set -euo pipefail
HAT_PREFIX=${HAT_PREFIX:-hatb}
for tool in ipmi_sim ipmitool fence_ipmilan arping munged nsenter; do
    command -v "$tool" >/dev/null || { echo "bmc_smoke.sh: $tool is missing"; exit 1; }
done
# shellcheck source=../lib/testlib.sh
source "$(dirname "$(readlink -f "$0")")/../lib/testlib.sh"
# A BMC stopped with hat_bmc_freeze is woken up on any exit.
T_ON_EXIT=hat_bmc_thaw
t_hosts hatb bmc

H1_IP=10.213.0.11 H2_IP=10.213.0.12
BMC1_IP=10.213.0.211 BMC2_IP=10.213.0.212
# ipmi_sim (OpenIPMI 2.0.33) has no cipher suite 17, ipmitool's default, and does not answer
# "Get Channel Cipher Suites": cipher suite 3 (HMAC-SHA1, AES-128) is named, as a cluster's
# fencing configuration names it for such a BMC.
CIPHER=cipher=3

# fence ACTION [OPTION_LINE...]: fence_ipmilan in h1 for h2's BMC, the options on stdin; sets
# F_RC, F_OUT (stdout and stderr) and F_MS (wall time).
fence() {
    local action=$1 t0; shift
    t0=$(_hat_now_us)
    F_RC=0
    F_OUT=$(hat_bmc_fence_opts h2 "$action" "$@" | hat_exec h1 fence_ipmilan 2>&1) || F_RC=$?
    F_MS=$(( ($(_hat_now_us) - t0) / 1000 ))
    t_note "fence_ipmilan action=$action $*: exit $F_RC in $F_MS ms"
}

# fence_as PASSWORD ACTION: fence_ipmilan with that password.
fence_as() {
    local t0
    t0=$(_hat_now_us)
    F_RC=0
    F_OUT=$(printf '%s\n' "ip=$(hat_bmc_ip h2)" "username=$(hat_bmc_user h2)" "password=$1" \
        lanplus=1 "$CIPHER" "action=$2" | hat_exec h1 fence_ipmilan 2>&1) || F_RC=$?
    F_MS=$(( ($(_hat_now_us) - t0) / 1000 ))
    t_note "fence_ipmilan action=$2 (wrong password): exit $F_RC in $F_MS ms"
}

arp_ping() { hat_exec h1 arping -q -c 1 -w 1 -I eth0 "$H2_IP"; }
eth0_up() { ip -n "$HAT_PREFIX-h2" link show eth0 | grep -q 'state UP'; }
h2_empty() { [[ -z $(hat_bmc_host_pids h2) ]]; }
munge_h2() { hat_exec h2 sh -c 'munge -n | unmunge' >/dev/null 2>&1; }
munged_back() { hat_wait_for 30 munge_h2; }
rc_is() { [[ $F_RC == "$1" ]]; }
rc_fails() { [[ $F_RC != 0 && $F_RC != 2 ]]; }
power_is() { [[ $(hat_bmc_power h2) == "$1" ]]; }

hat_clean
hat_net_up
hat_host_add h1 "$H1_IP"
hat_host_add h2 "$H2_IP"
hat_bmc_add h1 "$BMC1_IP"
hat_bmc_add h2 "$BMC2_IP"
t_note "BMCs: h1 at $BMC1_IP, h2 at $BMC2_IP (namespace $HAT_PREFIX-_mgmt), user $(hat_bmc_user h2)"
hat_munged_start h2
hat_spawn h2 sleeper sleep 3600
# What h2 runs when it boots: munged again.
# shellcheck disable=SC2016  # expanded by the boot command
hat_bmc_on_boot h2 bash -c 'source "$1/hosts.sh" && hat_munged_start "$HAT_BMC_HOST"' boot \
    "$T_SRC/tests/lib"
ipmi_pids=()
for h in h1 h2; do ipmi_pids+=("$(hat_bmc_pid "$h")"); done
t_ok "h1 answers IPMI too (ipmitool lanplus from the management LAN)" \
    hat_bmc_ipmitool h1 chassis power status

# a. status
fence status "$CIPHER"
t_ok "a. status: exit 0" rc_is 0
t_match "a. status: ON" "$F_OUT" 'Status: ON'
status_ms=$F_MS

# b. off
sleeper_pid=$(hat_pid h2 sleeper)
fence off "$CIPHER"
off_ms=$F_MS
t_ok "b. off: exit 0" rc_is 0
t_match "b. off: Powered OFF" "$F_OUT" 'Success: Powered OFF'
fence status "$CIPHER"
t_ok "b. status after off: exit 2 (off)" rc_is 2
t_match "b. status after off: OFF" "$F_OUT" 'Status: OFF'
t_fail "b. sleep (pid $sleeper_pid) is gone" hat_alive h2 sleeper
t_fail "b. munged is gone" hat_alive h2 munged
t_ok "b. no process left in h2" h2_empty
t_fail "b. h2's eth0 is down" eth0_up
t_fail "b. h1's ARP ping of h2 is unanswered" arp_ping

# c. on
fence on "$CIPHER"
on_ms=$F_MS
t_ok "c. on: exit 0" rc_is 0
t_match "c. on: Powered ON" "$F_OUT" 'Success: Powered ON'
fence status "$CIPHER"
t_match "c. status after on: ON" "$F_OUT" 'Status: ON'
t_ok "c. h2's eth0 is up" eth0_up
t_ok "c. h1's ARP ping of h2 is answered" hat_wait_for 5 arp_ping
t_ok "c. the boot command started munged in h2" munged_back

# d. a wrong password: no power change
hat_spawn h2 sleeper2 sleep 3600
fence_as "not-$(cat "$(hat_bmc_password_file h2)")" off
t_ok "d. wrong password: off fails" rc_fails
t_ok "d. h2 still powered" power_is on
t_ok "d. h2's sleep still runs" hat_alive h2 sleeper2
t_ok "d. h2's eth0 still up" eth0_up

# e. without cipher=
fence status
nocipher_ms=$F_MS
t_match "e. status without cipher=: ON" "$F_OUT" 'Status: ON'

# f. a BMC that does not answer
hat_bmc_freeze h2
fence off "$CIPHER"
hung_ms=$F_MS
t_ok "f. BMC stopped: off fails" rc_fails
# power_timeout (default 20 s) bounds each ipmitool run, and ipmitool gives up sooner (-N 2 s
# per try, with retries); Python's start and the load of the machine come on top.
t_lt "f. BMC stopped: fence_ipmilan gives up within 30 s" "$hung_ms" 30000
t_ok "f. h2's sleep still runs" hat_alive h2 sleeper2
fence off "$CIPHER" power_timeout=4
hung4_ms=$F_MS
t_ok "f. BMC stopped, power_timeout=4: off fails" rc_fails
hat_bmc_thaw
fence status "$CIPHER"
t_match "f. BMC woken up: status ON" "$F_OUT" 'Status: ON'

t_note "timings (ms): status $status_ms, off $off_ms (request to confirmed OFF), on $on_ms," \
    "status without cipher= $nocipher_ms, off with the BMC stopped $hung_ms" \
    "(power_timeout=4: $hung4_ms)"

# g. teardown
ipmi_left() {
    local p
    for p in "${ipmi_pids[@]}"; do [[ ! -e /proc/$p ]] || return 0; done
    pgrep -f "ipmi_sim .*$(hat_state_dir)/" >/dev/null
}
hat_teardown
t_fail "g. teardown: no ipmi_sim of this run left" ipmi_left
t_fail "g. teardown: no management namespace left" test -e "/run/netns/$HAT_PREFIX-_mgmt"
t_fail "g. teardown: no state folder left" test -e "$(hat_state_dir)"
t_done
