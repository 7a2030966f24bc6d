#!/bin/bash
# install.sh - set up one host of an ha-slurm cluster from the cluster's YAML file.
#
#   sudo ./install.sh --controller [--dbd] [--config FILE]   a controller (slurmctld, keepalived)
#   sudo ./install.sh --compute [--config FILE]              a compute node (slurmd)
#   ./install.sh --controller --dry-run                      what would change, as diffs
#   sudo ./install.sh --demo                                  the cluster-in-a-box demo
#
# The seed's phase3_slurm.sh steps, around ha-genconf: every file comes from the YAML through
# ha-genconf, is compared with what is installed, and is replaced atomically only when it
# differs (the previous one kept as FILE.bak). Running it again changes nothing.
#
# A real run first walks every step as a dry run, silently: whatever a dry run would refuse
# (a bad YAML file, no MUNGE key, the shared storage not mounted, an unsafe hooks folder)
# stops the run before anything is changed.
set -euo pipefail
umask 022

PROG=${0##*/}
SRC_DIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
BUILD_DIR=${HA_BUILD_DIR:-$SRC_DIR/build}
# Installed by the Debian package as /usr/sbin/ha-slurm-install (no source tree beside it): the
# programs are the package's (ha-genconf beside this script, the hooks in /usr/libexec/ha-slurm
# of the target), nothing is built or copied. From the source tree: built there and copied.
if [[ -f $SRC_DIR/CMakeLists.txt ]]; then
        PACKAGED=0
        GENCONF_BIN=$BUILD_DIR/genconf/ha-genconf
else
        PACKAGED=1
        GENCONF_BIN=$SRC_DIR/ha-genconf
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
die() {
        printf '%s: %s\n' "$PROG" "$*" >&2
        exit 1
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
                        die "the cluster-in-a-box demo runs from the source tree (sudo ./install.sh --demo there)"
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

# ---- small helpers -------------------------------------------------------------------------

# The path P inside the target (ROOT + P).
R() { printf '%s%s' "$ROOT" "$1"; }

# A slurm.conf line without its comment: "#" starts one unless escaped ("\#").
strip_comment() {
        local line=$1 out='' c
        while [[ -n $line ]]; do
                c=${line:0:1}
                line=${line:1}
                if [[ $c == \\ ]]; then
                        out+=$c${line:0:1}
                        line=${line:1}
                        continue
                fi
                [[ $c != "#" ]] || break
                out+=$c
        done
        printf '%s' "$out"
}

# KEY=value from a slurm.conf-style file (the first one; keys are case-insensitive), the
# value as written (quotes and escapes kept).
conf_get() {
        local file=$1 key=$2 line k
        while IFS= read -r line || [[ -n $line ]]; do
                [[ $line != *"#"* ]] || line=$(strip_comment "$line")
                [[ $line == *=* ]] || continue
                k=${line%%=*}
                k=${k//[[:space:]]/}
                if [[ ${k,,} == "${key,,}" ]]; then
                        line=${line#*=}
                        line=${line#"${line%%[![:space:]]*}"}
                        printf '%s' "${line%"${line##*[![:space:]]}"}"
                        return 0
                fi
        done <"$file"
        return 1
}

# Every KEY=value of that key, one a line.
conf_all() {
        local file=$1 key=$2
        sed -n "s/^[[:space:]]*${key}[[:space:]]*=[[:space:]]*\\([^#]*[^#[:space:]]\\).*/\\1/Ip" "$file"
}

# "key = value" of [section] in an INI file.
ini_get() {
        local file=$1 section=$2 key=$3
        awk -v s="$section" -v k="$key" '
                /^[[:space:]]*\[/ { gsub(/[][[:space:]]/, ""); cur = $0; next }
                cur == s && $0 ~ "^[[:space:]]*" k "[[:space:]]*=" {
                        sub(/^[^=]*=[[:space:]]*/, ""); sub(/[[:space:]]+$/, ""); print; found = 1; exit
                }
                END { exit !found }' "$file"
}

# A slurmdbd.conf value as Slurm reads it: surrounding double quotes removed, "\X" made X.
slurm_unquote() {
        local v=$1 out='' c
        if [[ $v == \"*\" && ${#v} -ge 2 ]]; then
                v=${v:1:${#v}-2}
        fi
        while [[ -n $v ]]; do
                c=${v:0:1}
                v=${v:1}
                if [[ $c == \\ && -n $v ]]; then
                        c=${v:0:1}
                        v=${v:1}
                fi
                out+=$c
        done
        printf '%s' "$out"
}

# Looks NAME up in the target's user database (ROOT/etc/passwd; this machine's when ROOT has
# none). Sets U_UID and U_GID; fails when there is no such user.
lookup_user() {
        local name=$1 entry
        if [[ -n $ROOT && -f $ROOT/etc/passwd ]]; then
                entry=$(awk -F: -v n="$name" '$1 == n { print $3 ":" $4; exit }' "$ROOT/etc/passwd")
        else
                entry=$(getent passwd "$name" | awk -F: '{ print $3 ":" $4; exit }' || true)
        fi
        [[ -n $entry ]] || return 1
        U_UID=${entry%%:*}
        U_GID=${entry#*:}
}

# "OWNER_UID:GROUP_GID" for a user name, or for root.
ids_of() {
        if [[ $1 == root ]]; then
                printf '0:0'
        elif lookup_user "$1"; then
                printf '%s:%s' "$U_UID" "$U_GID"
        else
                return 1
        fi
}

# owner_ids NAME: ids_of NAME; in a dry run "?" for a user that the steps before would create
# (the slurm user, or any user when packages would be installed). Otherwise no such user is an
# error, the same in a dry run as in a real one.
owner_ids() {
        if ids_of "$1"; then
                return 0
        fi
        if ((DRY)) && [[ $1 == "$SLURM_USER" || $PKGS_WOULD_INSTALL == 1 ]]; then
                printf '?'
                return 0
        fi
        if [[ -n $ROOT && -f $ROOT/etc/passwd ]]; then
                die "no user \"$1\" in $ROOT/etc/passwd: install its package in the target first"
        fi
        die "no user \"$1\": is its package installed?"
}

# "MODE UID:GID" of an existing path (octal mode without a leading 0, as stat prints it).
meta_of() { stat -c '%a %u:%g' "$1"; }

# Normalises an octal mode ("0755" and "755" alike).
mode_norm() { printf '%o' "$((8#$1))"; }

CHANGED=()     # target paths this run changed (or, in a dry run, would change)
REPLACED=()    # files among them that existed with another content
TEMP_FILES=()  # temporary files inside the target, removed on exit if still there
WORK=          # this run's temporary folder (outside the target)

cleanup() {
        local f
        for f in "${TEMP_FILES[@]}"; do
                [[ -e $f ]] && rm -f -- "$f"
        done
        [[ -n $WORK && -d $WORK ]] && rm -rf -- "$WORK"
        return 0
}

# mktemp in the same folder as TARGET (so rename(2) replaces TARGET atomically).
temp_beside() {
        local t
        t=$(mktemp "$(dirname "$1")/.$(basename "$1").XXXXXX")
        TEMP_FILES+=("$t")
        printf '%s' "$t"
}

# Hides the values of secrets in a diff.
mask_secrets() {
        sed -E 's/^([-+ ][[:space:]]*(StoragePass|auth_pass|[A-Za-z_]*password[A-Za-z_]*)([[:space:]]*=[[:space:]]*|[[:space:]]+)).+$/\1(hidden)/I'
}

# ensure_dir PATH MODE OWNER: a folder in the target with that owner and mode (parents that
# are missing: root, 0755).
ensure_dir() {
        local path=$1 mode owner=$3 r ids have
        mode=$(mode_norm "$2")
        r=$(R "$path")
        ids=$(owner_ids "$owner")
        if [[ -e $r || -L $r ]]; then
                [[ -d $r ]] || die "$r exists and is not a folder"
                have=$(meta_of "$r")
                if [[ $have == "$mode $ids" ]]; then
                        say "$path: unchanged (0$mode $owner)"
                        return 0
                fi
                if ((DRY)); then
                        say "$path: would set 0$mode $owner (now $have)"
                else
                        chown "$ids" "$r"
                        chmod "00$mode" "$r"
                        say "$path: set 0$mode $owner (was $have)"
                fi
                CHANGED+=("$path")
                return 0
        fi
        if ((DRY)); then
                say "$path: would create (0$mode $owner)"
        else
                mkdir -p -- "$r"
                chown "$ids" "$r"
                chmod "00$mode" "$r"
                say "$path: created (0$mode $owner)"
        fi
        CHANGED+=("$path")
}

# install_file SRC PATH MODE OWNER KIND: installs SRC as PATH in the target, atomically
# (temporary file beside it, fsync, rename). KIND "config": a text file; a previous, different
# version is kept as PATH.bak; a dry run prints the diff. KIND "program" or "data" (manual
# pages, the catalog): no backup, no diff.
install_file() {
        local src=$1 path=$2 mode owner=$4 kind=$5 r ids have tmp bak
        mode=$(mode_norm "$3")
        r=$(R "$path")
        ids=$(owner_ids "$owner")
        if [[ -e $r || -L $r ]]; then
                [[ -f $r && ! -L $r ]] || die "$r exists and is not a regular file"
                have=$(meta_of "$r")
                if [[ ! -r $r ]]; then
                        ((DRY)) || die "cannot read $r"
                        say "$path: cannot read it as $(id -un): run as root to compare"
                        return 0
                fi
                if cmp -s -- "$src" "$r"; then
                        if [[ $have == "$mode $ids" ]]; then
                                say "$path: unchanged"
                                return 0
                        fi
                        if ((DRY)); then
                                say "$path: same content; would set 0$mode $owner (now $have)"
                        else
                                chown "$ids" "$r"
                                chmod "$mode" "$r"
                                say "$path: same content; set 0$mode $owner (was $have)"
                        fi
                        CHANGED+=("$path")
                        return 0
                fi
                REPLACED+=("$path")
                if ((DRY)); then
                        if [[ $kind == config ]]; then
                                say "$path: would change (0$mode $owner; the old one kept as $path.bak):"
                                diff -u --label "$path" --label "$path (new)" -- "$r" "$src" |
                                        mask_secrets | sed 's/^/      /' || true
                        else
                                say "$path: would replace (the new one differs)"
                        fi
                        CHANGED+=("$path")
                        return 0
                fi
        elif ((DRY)); then
                say "$path: new file (0$mode $owner)"
                CHANGED+=("$path")
                return 0
        fi

        tmp=$(temp_beside "$r")
        cat -- "$src" >"$tmp"
        chown "$ids" "$tmp"
        chmod "$mode" "$tmp"
        sync -- "$tmp"
        if [[ -e $r ]]; then
                if [[ $kind == config ]]; then
                        # The backup keeps the old file's owner and mode (it may hold secrets).
                        bak=$(temp_beside "$r.bak")
                        cp -p -- "$r" "$bak"
                        sync -- "$bak"
                        mv -fT -- "$bak" "$r.bak"
                        say "$path: changed (the old one kept as $path.bak)"
                else
                        say "$path: replaced"
                fi
        else
                say "$path: written (0$mode $owner)"
        fi
        mv -fT -- "$tmp" "$r"
        sync -- "$(dirname "$r")"
        CHANGED+=("$path")
}

# Whether PATH was created or changed (in a dry run: would be).
changed() {
        local p
        for p in "${CHANGED[@]}"; do
                [[ $p == "$1" ]] && return 0
        done
        return 1
}

# Whether the file PATH was replaced by another content (not new, not only its mode).
replaced() {
        local p
        for p in "${REPLACED[@]}"; do
                [[ $p == "$1" ]] && return 0
        done
        return 1
}

# ---- the steps -----------------------------------------------------------------------------

step_root() {
        step "Check root privileges"
        if (($(id -u) == 0)); then
                say "running as root"
        elif ((DRY)); then
                note "not root: a dry run shows what it can read; files only root reads are not compared"
        else
                die "run as root (sudo $0 ...), or add --dry-run to see what would change"
        fi
        if [[ -n $ROOT ]]; then
                note "installing into $ROOT as if it were /: packages and the database are left alone; services are only enabled or disabled for boot (systemctl --root), where $ROOT has their units"
        fi
}

need_build() {
        local p
        ((PACKAGED == 0)) || return 1
        [[ -x $BUILD_DIR/genconf/ha-genconf ]] || return 0
        [[ $ROLE == controller ]] || return 1
        for p in "${HOOKS[@]}"; do
                [[ -x $BUILD_DIR/hooks/$p ]] || return 0
        done
        return 1
}

step_dependencies() {
        local t missing=()
        step "Check dependencies"
        for t in awk cmp diff findmnt getent mktemp sed stat sync; do
                command -v "$t" >/dev/null || missing+=("$t")
        done
        ((${#missing[@]} == 0)) ||
                die "missing commands: ${missing[*]} (Debian: apt-get install coreutils diffutils util-linux gawk sed; RHEL: dnf install coreutils diffutils util-linux gawk sed)"
        say "tools: awk cmp diff findmnt getent mktemp sed stat sync"
        if need_build; then
                if ((DRY)); then
                        [[ -x $BUILD_DIR/genconf/ha-genconf ]] ||
                                die "ha-genconf is not built ($BUILD_DIR/genconf/ha-genconf): run without --dry-run (it builds), or build first: cmake -S $SRC_DIR -B $BUILD_DIR && cmake --build $BUILD_DIR"
                        say "the hooks are not built: a real run builds them with cmake"
                else
                        { command -v cmake && command -v cc; } >/dev/null ||
                                die "ha-slurm is not built and cmake or a C compiler is missing: install the build packages (Debian: tests/install-deps.sh; RHEL: dnf install gcc cmake pkgconf systemd-devel inih-devel libyaml-devel munge-devel), or build elsewhere and set HA_BUILD_DIR"
                        say "building ha-slurm in $BUILD_DIR (cmake)"
                        if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
                                cmake -S "$SRC_DIR" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null ||
                                        die "cmake could not configure the build in $BUILD_DIR"
                        fi
                        cmake --build "$BUILD_DIR" -j"$(nproc)" --target ha-genconf "${HOOKS[@]}" >/dev/null ||
                                die "the build failed: run cmake --build $BUILD_DIR to see why"
                fi
        fi
        if ((PACKAGED)); then
                [[ -x $GENCONF_BIN ]] || die "$GENCONF_BIN is missing: reinstall the ha-slurm package"
                say "ha-genconf: $GENCONF_BIN (the package's)"
                return 0
        fi
        [[ ! -x $BUILD_DIR/genconf/ha-genconf ]] || say "ha-genconf: $BUILD_DIR/genconf/ha-genconf"
        [[ $ROLE != controller || ! -x $BUILD_DIR/hooks/${HOOKS[0]} ]] || say "hooks: $BUILD_DIR/hooks"
}

# Set by step_config: where ha-genconf wrote this host's files, and what they say.
GEN=
IS_CTLD=0      # this host runs slurmctld (under the hooks)
HAS_DBD=0      # this host runs slurmdbd
DBD_FOLLOWS=0  # slurmdbd follows the VIP (started by the hooks)
SLURM_USER=slurm
STATE_DIR_SHARED=
MOUNT_POINT=
FSTYPE=
HA_STATE_DIR=/run/ha-slurm
HOOKS_DIR=/usr/libexec/ha-slurm

step_config() {
        local genconf=$GENCONF_BIN f files=() script
        step "Load configuration"
        [[ -f $CONFIG ]] || die "no configuration file $CONFIG (give one with --config FILE; etc/cluster.example.yaml is a commented example)"
        [[ -r $CONFIG ]] || die "cannot read $CONFIG"
        say "configuration: $CONFIG"
        "$genconf" --config "$CONFIG" --check >/dev/null ||
                die "$CONFIG has errors (above): nothing was written"
        GEN=$(mktemp -d "$WORK/gen.XXXXXX")
        "$genconf" --config "$CONFIG" --host "$HOST" --output-dir "$GEN" >/dev/null ||
                die "ha-genconf could not write the files for $HOST (above): nothing was written"
        for f in slurm.conf ha-slurmctld.conf keepalived.conf ha-slurm.conf slurmdbd.conf; do
                [[ -f $GEN/$f ]] && files+=("$f")
        done
        [[ -f $GEN/slurm.conf ]] || die "ha-genconf wrote no slurm.conf for $HOST"
        [[ -f $GEN/ha-slurmctld.conf ]] && IS_CTLD=1
        [[ -f $GEN/slurmdbd.conf ]] && HAS_DBD=1

        if [[ $ROLE == compute ]]; then
                ((IS_CTLD == 0 && HAS_DBD == 0)) ||
                        die "$HOST is a controller in $CONFIG: run with --controller"
        else
                ((IS_CTLD || (DBD && HAS_DBD))) ||
                        die "$HOST is not a controller running slurmctld in $CONFIG (nodes.controllers[].services.slurm): run with --compute, or fix the file"
                ((DBD == 0 || HAS_DBD)) ||
                        die "--dbd: $HOST does not run slurmdbd in $CONFIG (services.slurmdbd, or slurm.followers with slurmdbd)"
        fi

        SLURM_USER=$(conf_get "$GEN/slurm.conf" SlurmUser || echo slurm)
        if ((IS_CTLD)); then
                MOUNT_POINT=$(ini_get "$GEN/ha-slurm.conf" storage mount_point || true)
                FSTYPE=$(ini_get "$GEN/ha-slurm.conf" storage fstype || true)
                STATE_DIR_SHARED=$(ini_get "$GEN/ha-slurm.conf" storage path ||
                        conf_get "$GEN/slurm.conf" StateSaveLocation)
                HA_STATE_DIR=$(ini_get "$GEN/ha-slurm.conf" ha state_dir || echo /run/ha-slurm)
                ini_get "$GEN/ha-slurm.conf" notify followers 2>/dev/null | grep -qw slurmdbd &&
                        DBD_FOLLOWS=1
                script=$(grep -o '"/[^" ]*/ha-check-slurmctld' "$GEN/keepalived.conf" | head -n 1 || true)
                [[ -n $script ]] || die "the generated keepalived.conf runs no ha-check-slurmctld"
                script=${script#\"}
                HOOKS_DIR=${script%/*}
                ((PACKAGED == 0)) || [[ $HOOKS_DIR == /usr/libexec/ha-slurm ]] ||
                        die "the YAML file puts the hooks in $HOOKS_DIR, the package in /usr/libexec/ha-slurm: leave ha.hooks_dir unset (or install from the source tree)"
        fi
        say "host $HOST: $(role_text)"
        say "cluster $(conf_get "$GEN/slurm.conf" ClusterName), VIP $(conf_get "$GEN/slurm.conf" SlurmctldAddr || echo -)"
        say "generated: ${files[*]}"
}

role_text() {
        local t
        if [[ $ROLE == compute ]]; then
                t="compute node (slurmd)"
        elif ((IS_CTLD)); then
                t="controller (slurmctld under the hooks, keepalived)"
        else
                t="database host"
        fi
        if ((HAS_DBD && DBD_FOLLOWS)); then
                t+=", slurmdbd following the VIP"
        elif ((HAS_DBD)); then
                t+=", slurmdbd"
        fi
        printf '%s' "$t"
}

OS_FAMILY=
step_os() {
        local file=/etc/os-release line k v id='' like='' pretty=''
        step "Detect operating system"
        if [[ -n $ROOT ]]; then
                if [[ -f $ROOT/etc/os-release ]]; then
                        file=$ROOT/etc/os-release
                elif [[ -f $ROOT/usr/lib/os-release ]]; then
                        file=$ROOT/usr/lib/os-release
                else
                        note "$ROOT has no etc/os-release: using this machine's"
                fi
        fi
        [[ -f $file ]] || file=/usr/lib/os-release
        [[ -f $file ]] || die "cannot detect the operating system: no /etc/os-release"
        # Read, not sourced: it may come from an image.
        while IFS= read -r line || [[ -n $line ]]; do
                [[ $line =~ ^([A-Z_]+)=(.*)$ ]] || continue
                k=${BASH_REMATCH[1]}
                v=${BASH_REMATCH[2]}
                v=${v#[\"\']}
                v=${v%[\"\']}
                case $k in
                ID) id=$v ;;
                ID_LIKE) like=$v ;;
                PRETTY_NAME) pretty=$v ;;
                esac
        done <"$file"
        case " $id $like " in
        *" debian "* | *" ubuntu "*) OS_FAMILY=debian ;;
        *" rhel "* | *" fedora "* | *" centos "*) OS_FAMILY=rhel ;;
        *) die "unsupported operating system: ${pretty:-$id}. install.sh knows Debian and Ubuntu (apt-get) and the RHEL family (dnf); elsewhere install slurm, munge and keepalived yourself and use ha-genconf directly" ;;
        esac
        say "${pretty:-$id}: $([[ $OS_FAMILY == debian ]] && echo "apt-get" || echo "dnf")"
}

# The packages this host needs, in the OS family's names.
packages() {
        local p=()
        if [[ $OS_FAMILY == debian ]]; then
                p+=(munge slurm-client)
                if [[ $ROLE == compute ]]; then
                        p+=(slurmd)
                else
                        ((IS_CTLD == 0)) || p+=(slurmctld keepalived libinih1)
                        ((HAS_DBD == 0)) || p+=(slurmdbd)
                        ((DBD == 0)) || p+=(mariadb-client)
                fi
        else
                p+=(munge slurm)
                if [[ $ROLE == compute ]]; then
                        p+=(slurm-slurmd)
                else
                        ((IS_CTLD == 0)) || p+=(slurm-slurmctld keepalived inih)
                        ((HAS_DBD == 0)) || p+=(slurm-slurmdbd)
                        ((DBD == 0)) || p+=(mariadb)
                fi
        fi
        printf '%s\n' "${p[@]}"
}

pkg_installed() {
        if [[ $OS_FAMILY == debian ]]; then
                dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
        else
                rpm -q "$1" >/dev/null 2>&1
        fi
}

PKGS_WOULD_INSTALL=0
step_packages() {
        local p all=() missing=()
        step "Install Slurm, MUNGE and keepalived if missing"
        mapfile -t all < <(packages)
        if [[ -n $ROOT ]]; then
                note "skipped under --root: the target needs ${all[*]}"
                return 0
        fi
        for p in "${all[@]}"; do
                pkg_installed "$p" || missing+=("$p")
        done
        if ((${#missing[@]} == 0)); then
                say "installed already: ${all[*]}"
                return 0
        fi
        PKGS_WOULD_INSTALL=1
        if ((DRY)); then
                say "would install: ${missing[*]}"
                return 0
        fi
        say "installing: ${missing[*]}"
        if [[ $OS_FAMILY == debian ]]; then
                DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
                        die "apt-get update failed"
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                        "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
        else
                dnf install -y -q "${missing[@]}" ||
                        die "dnf install ${missing[*]} failed (Slurm and MUNGE come from EPEL: dnf install epel-release)"
        fi
}

# A user from the packages or created here (a system user with its own group, no login).
ensure_user() {
        local name=$1
        if lookup_user "$name"; then
                say "user $name: uid $U_UID, gid $U_GID"
                return 0
        fi
        if [[ -n $ROOT && ! -f $ROOT/etc/passwd ]]; then
                die "no user \"$name\": $ROOT has no etc/passwd, and this machine has no such user either"
        fi
        if ((DRY)); then
                if ((PKGS_WOULD_INSTALL)); then
                        say "user $name: would come with the packages (or be created here)"
                else
                        say "user $name: would create (system user, no login)"
                fi
                return 0
        fi
        local args=(--system --user-group --home-dir /var/lib/"$name" --no-create-home
                --shell /usr/sbin/nologin)
        [[ -z $ROOT ]] || args+=(--root "$ROOT")
        useradd "${args[@]}" "$name" || die "could not create the user $name"
        lookup_user "$name" || die "user $name was created but cannot be found"
        say "user $name: created (uid $U_UID)"
        CHANGED+=("user:$name")
}

# The folder of each log file named in slurm.conf/slurmdbd.conf.
log_dirs() {
        local f
        {
                for f in SlurmctldLogFile SlurmdLogFile; do
                        conf_get "$GEN/slurm.conf" "$f" && echo
                done
                [[ ! -f $GEN/slurmdbd.conf ]] || { conf_get "$GEN/slurmdbd.conf" LogFile && echo; }
        } | sed -n 's|/[^/]*$||p' | sort -u
}

step_users() {
        local d
        step "Create the slurm user and folders"
        [[ -z $ROOT || -f $ROOT/etc/passwd ]] ||
                note "$ROOT has no etc/passwd: owners are this machine's users"
        ensure_user "$SLURM_USER"
        ensure_dir /etc/slurm 0755 root
        if [[ $ROLE == controller ]]; then
                ensure_dir /etc/ha-slurm 0755 root
                if ((IS_CTLD)); then
                        ensure_dir /etc/keepalived 0755 root
                        # 0700, as the hooks and the check make it and set it back to (with a
                        # warning) when group or others may enter it: 0755 here would be
                        # undone by the next check, and every run would change it again.
                        ensure_dir "$HA_STATE_DIR" 0700 root
                fi
        else
                ensure_dir "$(conf_get "$GEN/slurm.conf" SlurmdSpoolDir || echo /var/spool/slurmd)" 0755 root
        fi
        while IFS= read -r d; do
                [[ -z $d ]] || ensure_dir "$d" 0755 "$SLURM_USER"
        done < <(log_dirs)
}

MUNGE_KEY_NEW=0
step_munge() {
        local key=/etc/munge/munge.key r ids have mode tmp from
        step "MUNGE key"
        r=$(R "$key")
        if [[ -e $r ]]; then
                ((NEW_MUNGE_KEY == 0)) ||
                        note "--new-munge-key: a key exists, so it is kept (it never replaces one)"
                ids=$(owner_ids munge)
                if [[ $ids == "?" ]]; then
                        say "$key: present, kept"
                        return 0
                fi
                have=$(meta_of "$r")
                mode=${have%% *}
                if [[ ${have#* } == "$ids" ]] && (((8#$mode & 8#077) == 0)); then
                        say "$key: present, kept (0$mode munge)"
                        return 0
                fi
                if ((DRY)); then
                        say "$key: present, kept; would set 0600 munge (now $have)"
                else
                        chown "$ids" "$r"
                        chmod 0600 "$r"
                        say "$key: present, kept; set 0600 munge (was $have)"
                fi
                CHANGED+=("$key")
                return 0
        fi
        if [[ -d ${r%/*} && ! -x ${r%/*} ]]; then
                say "$key: cannot look into ${r%/*} as $(id -un): not checked"
                return 0
        fi
        if ((NEW_MUNGE_KEY == 0)); then
                from=$(conf_all "$GEN/slurm.conf" SlurmctldHost | sed 's/(.*//' | grep -vx "$HOST" | head -n 1 || true)
                refuse "no MUNGE key ($r): every host of the cluster needs the same key. Copy it from a host that has one, for example: scp ${from:-CONTROLLER}:/etc/munge/munge.key $r && chown munge:munge $r && chmod 0600 $r. Only on the first controller, when the cluster has no key yet, run again with --new-munge-key."
                return 0
        fi
        ensure_dir /etc/munge 0700 munge
        if ((DRY)); then
                say "$key: would create a new key (--new-munge-key): copy it to every other host"
                CHANGED+=("$key")
                return 0
        fi
        ids=$(owner_ids munge)
        tmp=$(temp_beside "$r")
        head -c 128 /dev/urandom >"$tmp"
        chown "$ids" "$tmp"
        chmod 0600 "$tmp"
        sync -- "$tmp"
        mv -fT -- "$tmp" "$r"
        sync -- "$(dirname "$r")"
        MUNGE_KEY_NEW=1
        CHANGED+=("$key")
        say "$key: created (1024 random bits, 0600 munge): copy it to every other host of the cluster"
}

# Whether the shared mount can be checked here: always on a real system; under --root only
# when ROOT/MOUNT_POINT is mounted itself (a test host, for example).
STORAGE_HERE=0
STORAGE_BAD=0
step_mount() {
        local mp have
        step "Check the shared storage mount"
        if ((IS_CTLD == 0)); then
                say "not needed on this host (only slurmctld keeps state on the shared mount)"
                return 0
        fi
        mp=$(R "$MOUNT_POINT")
        if [[ -n $ROOT ]] && ! findmnt -n --mountpoint "$mp" >/dev/null 2>&1; then
                note "skipped under --root: $MOUNT_POINT ($FSTYPE) must be mounted on the target before keepalived starts"
                return 0
        fi
        have=$(findmnt -n -o FSTYPE --mountpoint "$mp" 2>/dev/null | tail -n 1 || true)
        if [[ -z $have ]]; then
                STORAGE_BAD=1
                refuse "$mp is not mounted: mount the shared GlusterFS volume there ($FSTYPE, storage.glusterfs.mount_point in $CONFIG) and run again"
                return 0
        fi
        if [[ -n $FSTYPE && $have != "$FSTYPE" ]]; then
                STORAGE_BAD=1
                refuse "$mp is mounted as $have, not $FSTYPE (storage.glusterfs.fstype in $CONFIG): slurmctld's state must be on the shared volume"
                return 0
        fi
        say "$MOUNT_POINT: mounted, $have"
        STORAGE_HERE=1
}

step_shared_dirs() {
        local d
        step "Create the shared folders"
        if ((IS_CTLD == 0)); then
                say "not needed on this host"
                return 0
        fi
        if ((STORAGE_BAD)); then
                say "skipped: the shared mount is not usable (above)"
                return 0
        fi
        if ((STORAGE_HERE == 0)); then
                note "skipped under --root: StateSaveLocation $STATE_DIR_SHARED is on the shared mount; a real run on a controller creates it"
                return 0
        fi
        # The folders between the mount point and StateSaveLocation: root's, 0755.
        d=${STATE_DIR_SHARED%/*}
        if [[ $d != "$MOUNT_POINT" && $d == "$MOUNT_POINT"/* ]]; then
                if [[ -d $(R "$d") ]]; then
                        :
                elif ((DRY)); then
                        say "$d: would create (0755 root)"
                else
                        mkdir -p -- "$(R "$d")"
                        say "$d: created (0755 root)"
                fi
        fi
        ensure_dir "$STATE_DIR_SHARED" 0755 "$SLURM_USER"
}

# keepalived's enable_script_security refuses a script run as root when the file or a folder on
# its path is not root's or is writable by group or others. Checks each existing component;
# fails (after refuse) at the first that is not safe.
check_script_security() {
        local path=$1 p=$1 r have mode owner
        while :; do
                r=$(R "$p")
                [[ -n $r ]] || r=/
                if [[ -e $r ]]; then
                        have=$(stat -L -c '%a %u' "$r")
                        mode=${have% *}
                        owner=${have#* }
                        if [[ $owner != 0 ]] || (((8#$mode & 8#022) != 0)); then
                                refuse "keepalived's script security would refuse the hooks: $r is mode $mode, owned by uid $owner; every folder on the way to $path must be root's and not writable by group or others (chown root:root $r; chmod go-w $r)"
                                return 1
                        fi
                fi
                [[ $p == / || -z $p ]] && break
                p=${p%/*}
                [[ -n $p ]] || p=/
        done
}

step_hooks() {
        local h
        step "Install the hooks, their manual pages and the journal catalog"
        if ((IS_CTLD == 0)); then
                say "not needed on this host"
                return 0
        fi
        if ((PACKAGED)); then
                for h in "${HOOKS[@]}"; do
                        [[ -x $(R "$HOOKS_DIR/$h") ]] ||
                                die "$(R "$HOOKS_DIR/$h") is missing: install the ha-slurm package there first"
                        check_script_security "$HOOKS_DIR/$h" || return 0
                done
                say "the hooks: the package's, in $HOOKS_DIR (left to dpkg)"
                say "script security: $HOOKS_DIR and every folder above it are root's, not group/other-writable"
                return 0
        fi
        check_script_security "$HOOKS_DIR" || return 0
        ensure_dir "$HOOKS_DIR" 0755 root
        for h in "${HOOKS[@]}"; do
                if [[ -x $BUILD_DIR/hooks/$h ]]; then
                        install_file "$BUILD_DIR/hooks/$h" "$HOOKS_DIR/$h" 0755 root program
                elif ((DRY)); then
                        say "$HOOKS_DIR/$h: would install (built by a real run)"
                        CHANGED+=("$HOOKS_DIR/$h")
                else
                        die "$BUILD_DIR/hooks/$h is missing"
                fi
        done
        for h in "${HOOKS[@]}"; do
                [[ ! -e $(R "$HOOKS_DIR/$h") ]] || check_script_security "$HOOKS_DIR/$h" || return 0
        done
        say "script security: $HOOKS_DIR and every folder above it are root's, not group/other-writable"
        install_docs
}

CATALOG=/usr/lib/systemd/catalog/ha-slurm.catalog

# The manual pages and the journal catalog, where the package puts them (CMake's install
# rules), so that `man ha-notify-master` and `journalctl -x` (the catalog's explanation under
# each hook and check entry) work on a host installed from the sources too. journalctl's
# catalog database is rebuilt when the catalog changed, as the package's postinst does; under
# --root, the target's (journalctl --root).
install_docs() {
        local f d
        local -a update=(journalctl --update-catalog)
        if [[ ! -f $SRC_DIR/catalog/ha-slurm.catalog ]]; then
                note "no manual pages or journal catalog here ($SRC_DIR is not ha-slurm's source tree)"
                return 0
        fi
        for d in /usr/share/man/man5 /usr/share/man/man8 "${CATALOG%/*}"; do
                # Folders of the system: created if missing, never changed.
                [[ -d $(R "$d") ]] || ensure_dir "$d" 0755 root
        done
        for f in "$SRC_DIR"/man/*.[58]; do
                install_file "$f" "/usr/share/man/man${f##*.}/${f##*/}" 0644 root data
        done
        install_file "$SRC_DIR/catalog/ha-slurm.catalog" "$CATALOG" 0644 root data
        changed "$CATALOG" || return 0
        [[ -z $ROOT ]] || update=(journalctl "--root=$ROOT" --update-catalog)
        if ! command -v journalctl >/dev/null; then
                note "journalctl is not installed here: the catalog is used where it is"
        elif ((DRY)); then
                say "would: ${update[*]}"
        else
                say "${update[*]}"
                "${update[@]}" || warn "${update[*]} failed: journalctl -x shows no explanation for ha-slurm's entries until it runs"
        fi
}

# The unit the hooks start on the VIP holder where systemd runs: slurmctld with
# ha-slurmctld.conf (this host first). It has no [Install] section, so nothing enables it at
# boot; slurmctld.service keeps reading slurm.conf, where this host is left out, and exits.
write_ctld_unit() {
        local pid
        pid=$(conf_get "$GEN/slurm.conf" SlurmctldPidFile || echo /run/slurmctld.pid)
        cat >"$1" <<EOF
# ha-slurmctld.service, written by ha-slurm's install.sh. The ha-slurm notify hooks start
# it on the node that holds the VIP and stop it elsewhere: never enable it. It differs from
# slurmctld.service only in its configuration file (this host first, index 0).
[Unit]
Description=Slurm controller daemon under ha-slurm (started by the keepalived hooks)
Documentation=man:slurmctld(8)
After=network-online.target munge.service
Wants=network-online.target
RequiresMountsFor=$STATE_DIR_SHARED
ConditionPathExists=/etc/slurm/ha-slurmctld.conf

[Service]
Type=simple
EnvironmentFile=-/etc/default/slurmctld
ExecStart=/usr/sbin/slurmctld -D -s -f /etc/slurm/ha-slurmctld.conf \$SLURMCTLD_OPTIONS
ExecReload=/bin/kill -HUP \$MAINPID
PIDFile=$pid
UMask=0022
LimitNOFILE=65536
TasksMax=infinity
EOF
}

# keepalived's place in the boot, as a drop-in beside Debian's keepalived.service: its check
# needs MUNGE from its first run and its hooks need the shared state folder, so it starts after
# both. RequiresMountsFor also stops keepalived (and the VIP moves) when that mount is stopped.
# When keepalived stops (systemctl stop or restart), it takes the VIP away but runs no hook:
# slurmctld would stay in control without the VIP until keepalived ran again, and the next
# master would wait for the lease to expire. ExecStopPost runs the backup hook then, which
# demotes this node in order (followers, slurmctld, the lease).
write_keepalived_dropin() {
        cat >"$1" <<EOF
# Written by ha-slurm's install.sh: keepalived runs ha-check-slurmctld and the notify hooks,
# which need MUNGE and the shared state folder ($MOUNT_POINT) from their first run; when
# keepalived stops, this node gives up slurmctld and the lease at once.
[Unit]
Wants=munge.service
After=munge.service remote-fs.target
RequiresMountsFor=$MOUNT_POINT

[Service]
ExecStopPost=-$HOOKS_DIR/ha-notify-backup -c /etc/ha-slurm/ha-slurm.conf
EOF
}

step_files() {
        local mode
        step "Install the configuration"
        install_file "$GEN/slurm.conf" /etc/slurm/slurm.conf 0644 root config
        if ((IS_CTLD)); then
                install_file "$GEN/ha-slurmctld.conf" /etc/slurm/ha-slurmctld.conf 0644 root config
                # ha-genconf makes keepalived.conf 0600 when it holds a VRRP password.
                mode=0644
                [[ $(stat -c '%a' "$GEN/keepalived.conf") == 644 ]] || mode=0600
                install_file "$GEN/keepalived.conf" /etc/keepalived/keepalived.conf "$mode" root config
                install_file "$GEN/ha-slurm.conf" /etc/ha-slurm/ha-slurm.conf 0600 root config
                write_ctld_unit "$WORK/ha-slurmctld.service"
                ensure_dir /etc/systemd/system 0755 root
                install_file "$WORK/ha-slurmctld.service" /etc/systemd/system/ha-slurmctld.service 0644 root config
                write_keepalived_dropin "$WORK/keepalived-ha-slurm.conf"
                ensure_dir /etc/systemd/system/keepalived.service.d 0755 root
                install_file "$WORK/keepalived-ha-slurm.conf" "$KEEPALIVED_DROPIN" 0644 root config
        fi
        if ((HAS_DBD)); then
                install_file "$GEN/slurmdbd.conf" /etc/slurm/slurmdbd.conf 0600 "$SLURM_USER" config
        fi
}

# The MariaDB root password, from the variable database.mariadb.root_password names
# ("${VAR}"; ha-genconf refuses anything else). Empty when there is none: then the local
# server is reached through its socket as root (unix_socket authentication).
db_root_password_var() {
        sed -n 's/^[[:space:]]*root_password:[[:space:]]*["'\'']\{0,1\}\${\([A-Za-z_][A-Za-z0-9_]*\)}.*/\1/p' "$CONFIG" | head -n 1
}

# An option-file value: in double quotes, with \ and " escaped.
optfile_quote() {
        local v=${1//\\/\\\\}
        printf '"%s"' "${v//\"/\\\"}"
}

# A string literal for SQL.
sql_quote() {
        local v=${1//\\/\\\\}
        printf "'%s'" "${v//\'/\'\'}"
}

# slurm_login_works CLIENT OPTION_FILE DB: slurmdbd's user logs in to DB with its password.
slurm_login_works() {
        printf 'SELECT 1;\n' | "$1" --defaults-extra-file="$2" --batch "$3" >/dev/null 2>&1
}

step_database() {
        local conf=$GEN/slurmdbd.conf host port user db pass var rootpw='' client admin check sql login
        step "Set up slurmdbd and its database"
        if ((HAS_DBD == 0)); then
                say "not needed on this host (it runs no slurmdbd)"
                return 0
        fi
        host=$(conf_get "$conf" StorageHost || echo localhost)
        port=$(conf_get "$conf" StoragePort || echo 3306)
        user=$(conf_get "$conf" StorageUser || echo slurm)
        db=$(conf_get "$conf" StorageLoc || echo slurm_acct_db)
        if ((DBD == 0)); then
                say "slurmdbd.conf installed; the database is left alone (give --dbd, on one controller, to create database $db and user $user)"
                return 0
        fi
        if [[ -n $ROOT ]]; then
                note "skipped under --root: database $db and user '$user'@'%' on $host:$port are created by a real run on the host"
                return 0
        fi
        var=$(db_root_password_var)
        if [[ -n $var ]]; then
                if [[ -z ${!var+x} ]]; then
                        refuse "database.mariadb.root_password names \$$var, which is not set (with sudo: sudo $var=... $0, or sudo -E)"
                        return 0
                fi
                rootpw=${!var}
                admin="root at $host:$port (password from \$$var)"
        else
                admin="root through the local server's socket (no database.mariadb.root_password)"
        fi
        if ((DRY)); then
                say "would create database $db and user '$user'@'%' (password from slurmdbd.conf) as $admin"
                return 0
        fi
        client=$(command -v mariadb || command -v mysql) ||
                die "no mariadb/mysql client: install mariadb-client (Debian) or mariadb (RHEL)"
        pass=$(slurm_unquote "$(conf_get "$conf" StoragePass)")

        # Credentials go through 0600 files in this run's 0700 folder, SQL through a pipe from
        # printf (a shell builtin): neither is ever on a command line.
        check=$WORK/client-admin.cnf
        (
                umask 077
                {
                        echo "[client]"
                        echo "user=root"
                        if [[ -n $var ]]; then
                                echo "password=$(optfile_quote "$rootpw")"
                                echo "host=$host"
                                echo "port=$port"
                        fi
                } >"$check"
        )
        # The password is set only when slurm cannot log in with it: ALTER USER with the same
        # password would still change the account (password_last_changed), and a second run
        # must change nothing.
        login=$WORK/client-slurm.cnf
        (
                umask 077
                printf '[client]\nuser=%s\npassword=%s\nhost=%s\nport=%s\n' "$user" \
                        "$(optfile_quote "$pass")" "$host" "$port" >"$login"
        )
        sql="SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '');
CREATE DATABASE IF NOT EXISTS \`$db\`;
CREATE USER IF NOT EXISTS $(sql_quote "$user")@'%' IDENTIFIED BY $(sql_quote "$pass");"
        if ! slurm_login_works "$client" "$login" "$db"; then
                sql+="
ALTER USER $(sql_quote "$user")@'%' IDENTIFIED BY $(sql_quote "$pass");"
        fi
        sql+="
GRANT ALL PRIVILEGES ON \`$db\`.* TO $(sql_quote "$user")@'%';"
        printf '%s\n' "$sql" | "$client" --defaults-extra-file="$check" --batch ||
                die "could not create database $db and user $user as $admin (the client's message is above)"
        say "database $db and user '$user'@'%': present, with the password from slurmdbd.conf"

        if slurm_login_works "$client" "$login" "$db"; then
                say "slurmdbd's login works: $user@$host:$port, database $db"
        else
                warn "$user cannot log in to $host:$port yet (is $host the database's address, and the VIP up?)"
        fi
        rm -f -- "$WORK"/client-*.cnf
}

KEEPALIVED_DROPIN=/etc/systemd/system/keepalived.service.d/ha-slurm.conf

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

# svc_enable_start UNIT RESTART: enabled at boot and running; restarted if RESTART is 1 and it
# was running already (its configuration changed).
svc_enable_start() {
        local unit=$1 restart=$2
        if ((SYSTEMD)) && systemctl is-enabled --quiet "$unit" 2>/dev/null; then
                say "$unit: enabled"
        else
                svc enable "$unit"
        fi
        if ((SYSTEMD)) && systemctl is-active --quiet "$unit"; then
                if ((restart)); then
                        svc restart "$unit"
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
                svc_enable_start slurmd.service "$(changed /etc/slurm/slurm.conf && echo 1 || echo 0)"
                return 0
        fi
        if ((IS_CTLD)); then
                # The design: only the VIP holder runs slurmctld, started by the hooks.
                say "slurmctld is not enabled at boot: the keepalived hooks start it (ha-slurmctld.service) on the VIP holder"
                svc_disable slurmctld.service
                if ((SYSTEMD)) && systemctl is-active --quiet slurmctld.service; then
                        warn "slurmctld.service is running, outside the hooks: stop it (systemctl stop slurmctld) before keepalived promotes this node"
                fi
                if changed /etc/systemd/system/ha-slurmctld.service || changed "$KEEPALIVED_DROPIN"; then
                        svc daemon-reload
                fi
                check_unit_setting
        fi
        if ((HAS_DBD)); then
                if ((DBD_FOLLOWS)); then
                        say "slurmdbd follows the VIP: the hooks start it, so it is not enabled at boot"
                        svc_disable slurmdbd.service
                else
                        svc_enable_start slurmdbd.service "$(changed /etc/slurm/slurmdbd.conf && echo 1 || echo 0)"
                fi
        fi
        if ((IS_CTLD)); then
                # After munge: the check needs it from its first run.
                if ((SYSTEMD)) && systemctl is-enabled --quiet keepalived.service 2>/dev/null; then
                        say "keepalived.service: enabled"
                else
                        svc enable keepalived.service
                fi
                if ((SYSTEMD)) && systemctl is-active --quiet keepalived.service; then
                        if changed /etc/keepalived/keepalived.conf; then
                                svc reload keepalived.service
                        else
                                say "keepalived.service: running"
                        fi
                else
                        svc start keepalived.service
                fi
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
                        exit 1
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

# Sourced (tests/install/database.sh does), it only defines the functions.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
        main "$@"
fi
