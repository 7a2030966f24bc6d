#!/bin/bash
# services.sh - the services step where systemd runs: on a controller munge, then keepalived,
# enabled and started, slurmctld.service disabled and never started (the hooks start
# ha-slurmctld.service on the VIP holder), keepalived reloaded when its file changed; on a
# compute node munge and slurmd; a second run changes nothing. systemd is a stand-in
# systemctl that keeps unit states in files (this machine runs no systemd, and its services
# are not touched); install.sh is sourced for its functions. It covers what the real one
# does not: the exact calls in their order, a first run on a controller, slurmctld.service
# running outside the hooks (a warning, not a stop), a compute node. The same
# step against a real systemd is tests/cluster/systemd/units.sh: install.sh run a second time inside
# a booted container (keepalived reloaded with the same MainPID, daemon-reload when a unit
# changed, slurmctld never started, a third run changes nothing).
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "$(readlink -f "$0")")/common.sh"

BIN=$TMP/bin
SD=$TMP/systemd
mkdir -p "$BIN" "$SD"
cat >"$BIN/systemctl" <<'EOF'
#!/bin/bash
# A stand-in for systemctl: unit states are files in $SD (enabled.UNIT, active.UNIT); every
# command is logged in $SD/log.
[[ $1 == --quiet ]] && shift
cmd=$1
shift
[[ ${1:-} == --quiet ]] && shift
echo "$cmd $*" >>"$SD/log"
case $cmd in
is-enabled)
        if [[ -e $SD/enabled.$1 ]]; then echo enabled; exit 0; fi
        echo disabled
        exit 1
        ;;
is-active) [[ -e $SD/active.$1 ]] ;;
enable) touch "$SD/enabled.$1" ;;
disable) rm -f "$SD/enabled.$1" ;;
start | restart) touch "$SD/active.$1" ;;
reload | daemon-reload) ;;
*) exit 1 ;;
esac
EOF
chmod 0755 "$BIN/systemctl"

# services ROLE HOST [CHANGED...]: runs the services step for HOST's generated files, with
# CHANGED as the files this run changed; prints its output, then the mutating calls.
services() {
        local role=$1 host=$2
        shift 2
        : >"$SD/log"
        # shellcheck disable=SC2034 # CONFIG ... STEP_NO are read by install.sh's step_services
        (
                export PATH=$BIN:$PATH SD
                # shellcheck source=SCRIPTDIR/../../../install.sh
                . "$INSTALL"
                # shellcheck disable=SC2317 # replaces install.sh's, called by step_services
                systemd_runs() { true; }
                CONFIG=$YAML ROLE=$role HOST=$host ROOT='' DRY=0 WORK=$TMP
                GEN=$(mktemp -d "$TMP/gen.XXXXXX")
                "$GENCONF" --config "$YAML" --host "$host" --output-dir "$GEN" >/dev/null
                [[ ! -f $GEN/ha-slurmctld.conf ]] || IS_CTLD=1
                CHANGED=("$@")
                REPLACED=()
                STEP_NO=12
                step_services
        )
        echo "--- calls:"
        grep -vE '^is-(enabled|active) ' "$SD/log" || true
}

# ---- a controller, first run: slurmctld enabled at boot by its package ----
touch "$SD/enabled.slurmctld.service"
out=$(services controller "$CTL" /etc/keepalived/keepalived.conf /etc/systemd/system/ha-slurmctld.service)
calls=${out#*--- calls:}
t_match "controller: munge enabled and started, then keepalived" "$calls" \
        $'^\nenable munge.service\nstart munge.service\ndisable slurmctld.service\ndaemon-reload \nenable keepalived.service\nstart keepalived.service$'
t_ok "controller: slurmctld.service no longer enabled at boot" test ! -e "$SD/enabled.slurmctld.service"
t_nomatch "controller: slurmctld never enabled or started" "$calls" '(enable|start|restart) (ha-)?slurmctld'
t_match "controller: says the hooks start slurmctld" "$out" 'not enabled at boot: the keepalived hooks start it \(ha-slurmctld\.service\)'

# ---- the second run: nothing to do ----
out=$(services controller "$CTL")
calls=${out#*--- calls:}
t_ok "controller, second run: no systemctl call that changes anything (${calls//$'\n'/ })" test -z "${calls//$'\n'/}"
t_match "controller, second run: says what is in place" "$out" 'keepalived\.service: running'
t_match "controller, second run: slurmctld stays disabled" "$out" 'slurmctld\.service: not enabled at boot'

# ---- keepalived.conf changed while keepalived runs: reloaded ----
out=$(services controller "$CTL" /etc/keepalived/keepalived.conf)
calls=${out#*--- calls:}
t_match "changed keepalived.conf: keepalived reloaded" "$calls" $'^\nreload keepalived.service$'

# ---- slurmctld.service running outside the hooks: a warning, not a stop ----
touch "$SD/active.slurmctld.service"
out=$(services controller "$CTL")
calls=${out#*--- calls:}
t_match "slurmctld.service running: warned" "$out" 'slurmctld\.service is running, outside the hooks'
t_nomatch "slurmctld.service running: not stopped by install.sh" "$calls" 'stop'
rm -f "$SD/active.slurmctld.service"

# ---- a compute node ----
rm -f "$SD"/enabled.* "$SD"/active.*
out=$(services compute "$CN" /etc/slurm/slurm.conf)
calls=${out#*--- calls:}
t_match "compute: munge, then slurmd, enabled and started" "$calls" \
        $'^\nenable munge.service\nstart munge.service\nenable slurmd.service\nstart slurmd.service$'
out=$(services compute "$CN" /etc/slurm/slurm.conf)
calls=${out#*--- calls:}
t_match "compute: a changed slurm.conf restarts a running slurmd" "$calls" $'^\nrestart slurmd.service$'
out=$(services compute "$CN")
calls=${out#*--- calls:}
t_ok "compute, second run: nothing to do" test -z "${calls//$'\n'/}"

t_done
