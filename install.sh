#!/bin/bash
# install.sh - set up one host of an ha-slurm cluster from the cluster's YAML file.
#
#   ./install.sh --controller [--dbd] [--config FILE]   as root: a controller (slurmctld, keepalived)
#   ./install.sh --compute [--config FILE]              as root: a compute node (slurmd)
#   ./install.sh --controller --dry-run                 as any user: what would change, as diffs
#   ./install.sh --demo                                 as root: the cluster-in-a-box demo
#
# The steps around ha-genconf: every file comes from the YAML through
# ha-genconf, is compared with what is installed, and is replaced atomically only when it
# differs (the previous one kept as FILE.bak). Running it again changes nothing.
#
# A real run first walks every step as a dry run, silently: whatever a dry run would refuse
# (a bad YAML file, no MUNGE key, the shared storage not mounted, an unsafe hooks folder)
# stops the run before anything is changed.
#
# This file is the entry point: the options, the order of the steps (run_steps) and main. The
# steps themselves are in install/*.sh, sourced by load_parts (below, "the parts"); the units
# it writes come from templates (etc/systemd/ha-slurmctld.service and
# keepalived/keepalived.service.d/ha-slurm.conf).
# shellcheck disable=SC2034 # many globals here are read by the parts (install/*.sh), not here
set -euo pipefail
umask 022

PROG=${0##*/}
SRC_DIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
BUILD_DIR=${HA_BUILD_DIR:-$SRC_DIR/build}
# Installed by the Debian package as /usr/sbin/ha-slurm-install (no source tree beside it): the
# programs are the package's (ha-genconf beside this script, the hooks in /usr/libexec/ha-slurm
# of the target), nothing is built or copied. From the source tree: built there and copied.
# DATA_DIR holds this script's parts (install/*.sh) and the unit templates
# (etc/systemd/ha-slurmctld.service, keepalived/keepalived.service.d/ha-slurm.conf): the source
# tree itself, or the package's copy of them in /usr/share/ha-slurm, found from this script's
# own place (CMake fills in the way from its folder, ../share/ha-slurm), so that a package's
# files in an image root run as ROOT/usr/sbin/ha-slurm-install use the image's copy.
if [[ -f $SRC_DIR/CMakeLists.txt ]]; then
        PACKAGED=0
        GENCONF_BIN=$BUILD_DIR/genconf/ha-genconf
        DATA_DIR=$SRC_DIR
        DATA_HINT="restore it in the source tree: git checkout"
else
        PACKAGED=1
        GENCONF_BIN=$SRC_DIR/ha-genconf
        DATA_DIR=$(readlink -m "$SRC_DIR/@HA_DATA_FROM_SBIN@")
        DATA_HINT="reinstall the ha-slurm package"
fi
VERSION=@HA_VERSION@
if [[ $VERSION == @*@ ]]; then
        VERSION=$(sed -n 's/^project(ha-slurm VERSION \([0-9.]*\).*/\1/p' "$SRC_DIR/CMakeLists.txt" 2>/dev/null || true)
fi
STEPS=13
HOOKS=(ha-check-slurmctld ha-notify-master ha-notify-backup ha-notify-fault)

usage() {
        cat <<EOF
Usage: $PROG --controller [--dbd] | --compute  [options]
       $PROG --demo
Set up this host of an ha-slurm cluster from the cluster's YAML file.

  --controller      a controller: slurm.conf, ha-slurmctld.conf, keepalived.conf,
                    ha-slurm.conf, the hooks; slurmctld is left to the hooks, never
                    started at boot
  --dbd             with --controller: also set up slurmdbd's database and user in MariaDB
  --compute         a compute node: slurm.conf, slurmd
  --config FILE     the cluster's YAML file (default /etc/ha-slurm/cluster.yaml)
  --host NAME       this host's name in the YAML file (default: the short host name)
  --root DIR        install into DIR as if it were / (tests, image builds); packages,
                    users' creation outside DIR/etc/passwd and the database are left
                    alone there, with a line saying so; services are enabled or disabled
                    for boot (systemctl --root) where DIR has their units, never started
  --dry-run         print every step and the diff of every file it would change; change
                    nothing
  --new-munge-key   create a MUNGE key where none exists: on the first controller only,
                    then copy it to every other host
  --demo            run the cluster-in-a-box demo (tests/cluster/demo.sh; from the source
                    tree only) and exit
  --help            this text
  --version         the version

Run from the source tree, it builds ha-genconf and the hooks there (or uses HA_BUILD_DIR) and
installs the hooks into /usr/libexec/ha-slurm; installed by the Debian package (as
ha-slurm-install), it uses the package's programs and copies nothing.

Exit status: 0 done (or planned, with --dry-run), 1 refused or failed, 2 usage error.
EOF
}

# ---- output --------------------------------------------------------------------------------

STEP_NO=0
step() {
        STEP_NO=$((STEP_NO + 1))
        printf '[%d/%d] %s ...\n' "$STEP_NO" "$STEPS" "$1"
}
say() { printf '    %s\n' "$*"; }
note() { printf '    note: %s\n' "$*"; }
warn() { printf '    warning: %s\n' "$*"; }
# Exit codes as in every ha-slurm program (CONTRIBUTING.md): die, refused or failed (1);
# die_config, the configuration file is missing or wrong, or does not fit the command line (2);
# die_system, the installer itself cannot run (3). A usage error is usage_error (2).
die() {
        printf '%s: %s\n' "$PROG" "$*" >&2
        exit 1
}
die_config() {
        printf '%s: %s\n' "$PROG" "$*" >&2
        exit 2
}
die_system() {
        printf '%s: %s\n' "$PROG" "$*" >&2
        exit 3
}
# A problem a real run stops at. A dry run reports it (on stderr), goes on with the next step,
# and exits 1 at the end: one dry run shows every such problem. The caller returns after it.
PROBLEMS=0
refuse() {
        ((DRY)) || die "$@"
        printf '%s: %s\n' "$PROG" "$*" >&2
        PROBLEMS=$((PROBLEMS + 1))
}
usage_error() {
        printf '%s: %s (see --help)\n' "$PROG" "$*" >&2
        exit 2
}

# ---- options -------------------------------------------------------------------------------

CONFIG=/etc/ha-slurm/cluster.yaml
ROLE=
DBD=0
DRY=0
HOST=
ROOT=
NEW_MUNGE_KEY=0

parse_options() {
        local demo=0
        while (($# > 0)); do
                case $1 in
                --controller | --compute)
                        [[ -z $ROLE || $ROLE == "${1#--}" ]] ||
                                usage_error "give --controller or --compute, not both"
                        ROLE=${1#--}
                        ;;
                --dbd) DBD=1 ;;
                --dry-run | -n) DRY=1 ;;
                --new-munge-key) NEW_MUNGE_KEY=1 ;;
                --config | --host | --root)
                        (($# >= 2)) || usage_error "$1 needs a value"
                        case $1 in
                        --config) CONFIG=$2 ;;
                        --host) HOST=$2 ;;
                        --root) ROOT=$2 ;;
                        esac
                        shift
                        ;;
                --config=* | --host=* | --root=*)
                        case $1 in
                        --config=*) CONFIG=${1#*=} ;;
                        --host=*) HOST=${1#*=} ;;
                        --root=*) ROOT=${1#*=} ;;
                        esac
                        ;;
                --demo) demo=1 ;;
                -h | --help)
                        usage
                        exit 0
                        ;;
                --version)
                        echo "$PROG (ha-slurm) ${VERSION:-unknown}"
                        exit 0
                        ;;
                *) usage_error "unknown argument \"$1\"" ;;
                esac
                shift
        done
        if ((demo)); then
                ((PACKAGED == 0)) ||
                        die "the cluster-in-a-box demo runs from the source tree (./install.sh --demo there, as root)"
                if [[ -x $SRC_DIR/tests/cluster/demo.sh ]]; then
                        exec "$SRC_DIR/tests/cluster/demo.sh"
                fi
                die "the cluster-in-a-box demo (tests/cluster/demo.sh) is not available yet"
        fi
        # The copy CMake makes in a build folder is the package's (no source tree beside it either):
        # it would take the build folder for an installed system.
        ((PACKAGED == 0)) || [[ ! -f $SRC_DIR/CMakeCache.txt ]] ||
                die "this is the build folder's copy, made for the package: run it installed (/usr/sbin/ha-slurm-install), or run install.sh in the source tree"
        [[ -n $ROLE ]] || usage_error "give --controller or --compute"
        ((DBD == 0)) || [[ $ROLE == controller ]] || usage_error "--dbd goes with --controller"
        ((NEW_MUNGE_KEY == 0)) || [[ $ROLE == controller ]] ||
                usage_error "--new-munge-key goes with --controller (the first controller)"
        if [[ -z $HOST ]]; then
                HOST=$(hostname -s 2>/dev/null || hostname)
                HOST=${HOST%%.*}
        fi
        [[ $HOST =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || usage_error "--host: \"$HOST\" is not a host name"
        if [[ -n $ROOT ]]; then
                [[ -d $ROOT ]] || usage_error "--root: \"$ROOT\" is not a folder"
                ROOT=$(readlink -f "$ROOT")
                [[ $ROOT != / ]] || ROOT=
        fi
}

# ---- the parts -----------------------------------------------------------------------------

# The steps live in DATA_DIR/install, one file a concern, sourced in this order:
#   lib.sh       reading slurm.conf and INI values, users and owners, files and folders
#                installed atomically, the record of what changed
#   prepare.sh   steps 1-5: root, dependencies (the build), the configuration, the operating
#                system, the packages
#   host.sh      steps 6-9: the slurm user and folders, the MUNGE key, the shared storage
#   files.sh     steps 10-11: the hooks and their documentation, the configuration files and
#                the systemd units (from the templates)
#   database.sh  step 12: slurmdbd's database and user in MariaDB
#   services.sh  step 13: what is enabled and started
PARTS=(lib prepare host files database services)

# Sources every part; a missing one stops here, named. The package's parts run as root: each
# must be root's (or, in a private prefix, the caller's) and not writable by group or others,
# as keepalived's script security asks of the hooks.
load_parts() {
        local part f have
        for part in "${PARTS[@]}"; do
                f=$DATA_DIR/install/$part.sh
                [[ -f $f ]] || die_system "a part of the installer is missing: $f ($DATA_HINT)"
                have=$(stat -L -c '%u %a' "$f")
                if ((PACKAGED)) && { [[ ${have% *} != 0 && ${have% *} != "$(id -u)" ]] ||
                        (((8#${have#* } & 8#022) != 0)); }; then
                        die_system "$f is owned by uid ${have% *}, mode ${have#* }: a part of the installer must be root's and not writable by group or others (chown root:root $f; chmod go-w $f)"
                fi
                # shellcheck source=/dev/null
                source "$f"
        done
}

# ---- main ----------------------------------------------------------------------------------

run_steps() {
        step_config
        step_os
        step_packages
        step_users
        step_munge
        step_mount
        step_shared_dirs
        step_hooks
        step_files
        step_database
        step_services
}

# Steps 3 to 13 as a dry run (in a subshell: nothing it sets survives); fails on a problem.
preflight() {
        DRY=1
        run_steps
        ((PROBLEMS == 0))
}

main() {
        local pre rc=0
        parse_options "$@"
        load_parts
        trap cleanup EXIT
        WORK=$(mktemp -d "${TMPDIR:-/tmp}/ha-slurm-install.XXXXXX")

        printf '%s: %s %s%s%s%s\n' "$PROG" "$HOST" "$ROLE" "$( ((DBD)) && echo " with slurmdbd's database")" \
                "${ROOT:+, into $ROOT}" "$( ((DRY)) && echo ", dry run: nothing is changed")"
        step_root
        step_dependencies

        if ((DRY == 0)); then
                # Everything a dry run would refuse stops the run here, before any change.
                pre=$WORK/preflight
                # Not in an "||" list: set -e must stay in force inside the subshell.
                set +e
                (
                        set -e
                        preflight
                ) >"$pre.out" 2>"$pre.err"
                rc=$?
                set -e
                if ((rc != 0)); then
                        cat "$pre.err" >&2
                        printf '%s: stopped before changing anything (--dry-run shows every step)\n' "$PROG" >&2
                        exit "$rc"
                fi
        fi
        run_steps
        if ((DRY && PROBLEMS > 0)); then
                printf '%s: dry run: %d problem(s) (above): a real run would stop before changing anything\n' "$PROG" "$PROBLEMS" >&2
                exit 1
        elif ((DRY)); then
                printf '%s: dry run: %d change(s) planned, nothing changed\n' "$PROG" "${#CHANGED[@]}"
        elif ((${#CHANGED[@]} == 0)); then
                printf '%s: done: nothing to change\n' "$PROG"
        else
                printf '%s: done: %d change(s)\n' "$PROG" "${#CHANGED[@]}"
        fi
}

# Sourced (tests/integration/install/database.sh does), it only defines the functions, the
# parts' too.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
        main "$@"
else
        load_parts
fi
