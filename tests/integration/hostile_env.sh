#!/bin/bash
# The hooks run with a hostile environment, as a keepalived started with one would run them
# (keepalived 2.2.7 passes its own environment to scripts unchanged; see common/exec.h): one
# controller host with real munged and slurmctld 22.05, the VIP added by hand.
#
# The environment: LD_PRELOAD of a canary library (tests/tools/preload_canary.c: every process
# it reaches writes its name to /run/ha-preload-canary.log), PATH, LD_LIBRARY_PATH and HOME in a
# folder of fakes (slurmctld, systemctl, sh, env, munge, scontrol, ip... each records that it
# ran), IFS, MUNGE_SOCKET, DBUS_SYSTEM_BUS_ADDRESS, SYSTEMD_*, TZ, LANG, GCONV_PATH.
#
# Asserts:
#   - the canary shows LD_PRELOAD did reach the hook itself (the environment was hostile; only
#     keepalived's own start can prevent that) and reached nothing the hook started;
#   - ha-notify-master promotes all the same, and the slurmctld it starts (direct mode) has
#     exactly PATH=/usr/sbin:/usr/bin:/sbin:/bin and LANG=C (/proc/PID/environ);
#   - ha-notify-fault demotes, and its alert command sees exactly PATH, LANG, HA_NODE and
#     HA_STATE (the alert dumps its own /proc/PID/environ);
#   - none of the fakes ran; no MUNGE credential on any command line or in any output.
set -euo pipefail
# shellcheck source=../lib/testlib.sh
source "$(dirname "$(readlink -f "$0")")/../lib/testlib.sh"
# shellcheck disable=SC2016 # $EVIL is expanded at exit
T_ON_EXIT='rm -rf "$EVIL"'
t_hosts hate hacluster
CANARY_LIB=$T_BUILD/tests/libpreload_canary.so
EVIL=$(mktemp -d /tmp/ha-evil.XXXXXX)

[[ -f $CANARY_LIB ]] || { echo "build first: $CANARY_LIB" >&2; exit 2; }

hat_clean
hat_net_up
hat_host_add ctl1 10.213.0.11
hat_host_add cn1 10.213.0.21 # named in slurm.conf (a partition needs a node); runs nothing
export HAT_COMPUTE_HOSTS=cn1
hat_munged_start ctl1
HAT_SHARED_MODE=fuse hat_shared_setup /mnt/state ctl1
HAT_SLURMCTLD_TIMEOUT=60 hat_slurm_conf ctl1
ha_cluster_conf "$VIP" ctl1

# The alert command, root's in root's folders (the hooks refuse anything else): it dumps the
# environment it was given.
BIN="$(hat_state_dir)/envbin"
install -d -o root -g root -m 0755 "$BIN"
cat >"$BIN/alert-env" <<'SH'
#!/bin/sh
tr '\0' '\n' </proc/$$/environ | sort >/run/alert.env
SH
chmod 0755 "$BIN/alert-env"
# No keepalived runs here to renew the lease: a ttl longer than the test, or the holder's
# self-fence (ttl - 3 s after the last renewal) could remove the VIP and stop slurmctld
# between the promotion and the demotion, on a slow (sanitized) build.
ha_cluster_hooks_conf ctl1 "[notify]" "alert_command = $BIN/alert-env" \
    "[lease]" "ttl = 120s" "wait = 120s"

# The fakes: anything looked up through PATH (or a library through LD_LIBRARY_PATH) would run
# one of these.
for f in slurmctld slurmdbd systemctl sh bash env munge unmunge scontrol ip cat touch true \
    kill logger; do
    printf '#!/bin/sh\necho "%s" >>%s/ran\n' "$f" "$EVIL" >"$EVIL/$f"
    chmod 0755 "$EVIL/$f"
done
# slurmctld finds libslurmfull.so through its RUNPATH, which LD_LIBRARY_PATH overrides: this one
# would reach slurmctld if the variable did (the canary says so, and slurmctld would not start).
# Not a library the hooks load: a fake of one of theirs (libmunge) would reach the hook itself,
# before main(), as LD_PRELOAD does; only keepalived's start can prevent that.
cp "$CANARY_LIB" "$EVIL/libslurmfull.so"

HOSTILE=(env -i "LD_PRELOAD=$CANARY_LIB" "LD_LIBRARY_PATH=$EVIL" "PATH=$EVIL:/usr/sbin:/usr/bin"
    "HOME=$EVIL" "IFS=/ " "MUNGE_SOCKET=$EVIL/munge.socket" "MUNGE_KEY=$EVIL/key"
    "DBUS_SYSTEM_BUS_ADDRESS=unix:path=$EVIL/bus" "SYSTEMD_LOG_LEVEL=debug" "TZ=:$EVIL/tz"
    "LANG=xx_XX.UTF-8" "GCONV_PATH=$EVIL" "SLURM_CONF=$EVIL/slurm.conf" "ENV=$EVIL/rc")
# A sanitizer build refuses a preloaded library ahead of its runtime unless told not to.
if grep -qs '^HA_SANITIZE:BOOL=ON' "$T_BUILD/CMakeCache.txt"; then
    HOSTILE+=("ASAN_OPTIONS=verify_asan_link_order=0")
fi

OUT='' RC=''
hostile() { # hostile PROGRAM ARGS...: in ctl1, with the hostile environment
    RC=0
    OUT=$(hat_exec ctl1 "${HOSTILE[@]}" "$@" 2>&1) || RC=$?
}
ctld_pid() {
    local p
    for p in $(ip netns pids "$HAT_PREFIX-ctl1"); do
        [[ $(cat "/proc/$p/comm" 2>/dev/null) == slurmctld ]] && { echo "$p"; return 0; }
    done
    return 1
}
canary_log() { hat_exec ctl1 cat /run/ha-preload-canary.log 2>/dev/null | cut -d' ' -f1 | sort -u; }

t_note "ha-notify-master with a hostile environment"
hat_exec ctl1 rm -f /run/ha-preload-canary.log /run/alert.env
hat_exec ctl1 ip addr add "$VIP/24" dev eth0
hostile "$HA_HOOKS/ha-notify-master" -c "$(ha_cluster_hooks_path ctl1)"
t_ok "promoted (exit 0)" test "$RC" = 0
t_match "... slurmctld in control" "$OUT" 'promoted: slurmctld in control'
t_ok "... which it is" ha_in_control ctl1
t_match "LD_PRELOAD reached the hook itself (the environment was hostile)" "$(canary_log)" \
    'ha-notify-maste'
pid=$(ctld_pid || true)
t_ok "slurmctld runs" test -n "$pid"
envs=$(tr '\0' '\n' <"/proc/$pid/environ" | sort | paste -sd' ')
t_note "slurmctld's environment: $envs"
t_ok "slurmctld's environment is exactly PATH and LANG=C" \
    test "$envs" = "LANG=C PATH=/usr/sbin:/usr/bin:/sbin:/bin"
# comm is cut at 15 characters: "ha-notify-maste".
t_ok "... and nothing else: not slurmctld (canary log: $(canary_log | paste -sd,))" \
    test "$(canary_log | paste -sd,)" = "ha-notify-maste"
cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline")
t_nomatch "no MUNGE credential on slurmctld's command line" "$cmdline" 'MUNGE:'
t_nomatch "... nor in the hook's output" "$OUT" 'MUNGE:'

t_note "ha-notify-fault with a hostile environment"
hat_exec ctl1 ip addr del "$VIP/24" dev eth0
hostile "$HA_HOOKS/ha-notify-fault" -c "$(ha_cluster_hooks_path ctl1)"
t_ok "demoted (exit 0)" test "$RC" = 0
t_match "... no slurmctld" "$OUT" 'demoted: no slurmctld here'
t_match "... and the alert ran" "$OUT" 'alert: .*alert-env done'
alert=$(hat_exec ctl1 cat /run/alert.env 2>/dev/null | paste -sd' ' || true)
t_note "the alert command's environment: $alert"
t_ok "the alert command's environment is exactly PATH, LANG, HA_NODE and HA_STATE" \
    test "$alert" = "HA_NODE=ctl1 HA_STATE=FAULT LANG=C PATH=/usr/sbin:/usr/bin:/sbin:/bin"
t_match "LD_PRELOAD reached ha-notify-fault itself" "$(canary_log)" 'ha-notify-fault'
t_ok "... and nothing it started, not the alert (canary log: $(canary_log | paste -sd,))" \
    test "$(canary_log | paste -sd,)" = "ha-notify-fault,ha-notify-maste"
t_nomatch "no MUNGE credential in its output" "$OUT" 'MUNGE:'

ran=$(if [[ -e $EVIL/ran ]]; then paste -sd, "$EVIL/ran"; fi)
t_fail "none of the fakes in PATH ran ($ran)" test -e "$EVIL/ran"

t_done
