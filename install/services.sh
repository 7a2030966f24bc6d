# shellcheck shell=bash disable=SC2034,SC2154 # globals shared with install.sh and the other parts
#
# install/services.sh - part of install.sh (sourced by it, never run): step 13.
# Owns: what starts at boot and what runs: munge, slurmd or slurmdbd enabled and started,
# slurmctld.service kept disabled (the hooks start ha-slurmctld.service on the VIP holder),
# keepalived enabled, started or reloaded; under --root, boot enablement only (systemctl
# --root); the check of the [slurm] unit setting.

# Whether systemd runs this machine (as sd_booted(3) tells).
systemd_runs() { [[ -d /run/systemd/system ]]; }

# systemctl, or what it would do.
SYSTEMD=0
svc() {
        if ((SYSTEMD == 0 || DRY)); then
                say "would: systemctl $*"
                return 0
        fi
        say "systemctl $*"
        systemctl "$@" || die "systemctl $* failed"
}

# svc_enable_start UNIT CHANGED [HOW]: enabled at boot and running; if CHANGED is 1 (its
# configuration changed) and it was running already, HOW: restart (the default) or reload.
svc_enable_start() {
        local unit=$1 conf_changed=$2 how=${3:-restart}
        if ((SYSTEMD)) && systemctl is-enabled --quiet "$unit" 2>/dev/null; then
                say "$unit: enabled"
        else
                svc enable "$unit"
        fi
        if ((SYSTEMD)) && systemctl is-active --quiet "$unit"; then
                if ((conf_changed)); then
                        svc "$how" "$unit"
                else
                        say "$unit: running"
                fi
        else
                svc start "$unit"
        fi
}

# svc_disable UNIT: not started at boot.
svc_disable() {
        local state
        if ((SYSTEMD)); then
                state=$(systemctl is-enabled "$1" 2>/dev/null || true)
                case $state in
                enabled | enabled-runtime | alias) ;;
                *)
                        say "$1: not enabled at boot (${state:-no such unit})"
                        return 0
                        ;;
                esac
        fi
        svc disable "$1"
}

step_services() {
        step "Services"
        if [[ -n $ROOT ]] && root_has_units; then
                step_services_offline
                return 0
        fi
        if [[ -n $ROOT ]]; then
                note "skipped under --root: on the target this step enables and starts $(services_summary)"
                if ((IS_CTLD)); then
                        note "and keeps slurmctld.service$( ((DBD_FOLLOWS)) && echo " and slurmdbd.service") disabled: the hooks start ha-slurmctld.service$( ((DBD_FOLLOWS)) && echo " and slurmdbd") on the VIP holder"
                        check_unit_setting
                fi
                return 0
        fi
        if systemd_runs; then
                SYSTEMD=1
        else
                note "systemd is not running here: nothing is enabled or started; where it runs, this step does:"
        fi
        svc_enable_start munge.service "$MUNGE_KEY_NEW"
        if [[ $ROLE == compute ]]; then
                svc_enable_start slurmd.service "$(changed_01 /etc/slurm/slurm.conf)"
                return 0
        fi
        if ((IS_CTLD)); then
                # The design: only the VIP holder runs slurmctld, started by the hooks.
                say "slurmctld is not enabled at boot: the keepalived hooks start it (ha-slurmctld.service) on the VIP holder"
                svc_disable slurmctld.service
                if ((SYSTEMD)) && systemctl is-active --quiet slurmctld.service; then
                        warn "slurmctld.service is running, outside the hooks: stop it (systemctl stop slurmctld) before keepalived promotes this node"
                fi
                if changed "$CTLD_UNIT" || changed "$KEEPALIVED_DROPIN"; then
                        svc daemon-reload
                fi
                check_unit_setting
        fi
        if ((HAS_DBD)); then
                if ((DBD_FOLLOWS)); then
                        say "slurmdbd follows the VIP: the hooks start it, so it is not enabled at boot"
                        svc_disable slurmdbd.service
                else
                        svc_enable_start slurmdbd.service "$(changed_01 /etc/slurm/slurmdbd.conf)"
                fi
        fi
        if ((IS_CTLD)); then
                # After munge: the check needs it from its first run.
                svc_enable_start keepalived.service "$(changed_01 /etc/keepalived/keepalived.conf)" reload
                ! replaced /etc/slurm/slurm.conf ||
                        note "slurm.conf changed: run 'scontrol reconfigure' once the cluster runs the new files"
        fi
}

# Whether ROOT is a system whose units systemctl can enable offline: systemctl here, and the
# target has munge's unit file (its package is installed there).
root_has_units() {
        local d
        command -v systemctl >/dev/null || return 1
        for d in /etc/systemd/system /usr/lib/systemd/system /lib/systemd/system; do
                [[ -f $(R "$d/munge.service") ]] && return 0
        done
        return 1
}

# svc_root enable|disable UNIT: boot enablement in ROOT (systemctl --root), nothing started.
svc_root() {
        local verb=$1 unit=$2 state
        state=$(systemctl --root="$ROOT" is-enabled "$unit" 2>/dev/null || true)
        case $verb:$state in
        enable:enabled | enable:static | disable:disabled | disable:static | disable:masked | disable:)
                say "$unit: ${state:-no such unit} in $ROOT"
                return 0
                ;;
        esac
        if ((DRY)); then
                say "would: systemctl --root=$ROOT $verb $unit"
                return 0
        fi
        say "systemctl --root=$ROOT $verb $unit"
        systemctl --root="$ROOT" --quiet "$verb" "$unit" || die "systemctl --root=$ROOT $verb $unit failed"
        CHANGED+=("$unit ($verb)")
}

# Under --root, into a system that has the units (an image, a container's root): what starts
# at boot is set as on a real run; nothing is started or reloaded.
step_services_offline() {
        note "under --root: services are enabled or disabled for boot in $ROOT, not started"
        svc_root enable munge.service
        if [[ $ROLE == compute ]]; then
                svc_root enable slurmd.service
                return 0
        fi
        if ((IS_CTLD)); then
                say "slurmctld is not enabled at boot: the keepalived hooks start it (ha-slurmctld.service) on the VIP holder"
                svc_root disable slurmctld.service
                check_unit_setting
        fi
        if ((HAS_DBD)); then
                if ((DBD_FOLLOWS)); then
                        svc_root disable slurmdbd.service
                else
                        svc_root enable slurmdbd.service
                fi
        fi
        ((IS_CTLD == 0)) || svc_root enable keepalived.service
}

services_summary() {
        if [[ $ROLE == compute ]]; then
                echo "munge and slurmd"
        else
                local s="munge"
                ((HAS_DBD == 0 || DBD_FOLLOWS)) || s+=", slurmdbd"
                ((IS_CTLD == 0)) || s+=" and keepalived"
                echo "$s"
        fi
}

# The hooks must start slurmctld with ha-slurmctld.conf: under systemd through the unit above.
# Unset, [slurm] unit is ha-slurmctld.service (common/cfg.c's default).
check_unit_setting() {
        local unit manager
        unit=$(ini_get "$GEN/ha-slurm.conf" slurm unit 2>/dev/null || echo ha-slurmctld.service)
        manager=$(ini_get "$GEN/ha-slurm.conf" ha service_manager 2>/dev/null || echo auto)
        if [[ $manager != direct && $unit != ha-slurmctld.service ]]; then
                warn "ha-slurm.conf has [slurm] unit = $unit: where systemd runs, the hooks would start $unit, which reads /etc/slurm/slurm.conf (this host left out) and exits; it should be ha-slurmctld.service"
        fi
}
