# shellcheck shell=bash disable=SC2034,SC2154 # globals shared with install.sh and the other parts
#
# install/prepare.sh - part of install.sh (sourced by it, never run): steps 1 to 5.
# Owns: the root check, the tools and the build (cmake in the source tree, the package's
# programs when installed), loading the YAML through ha-genconf (GEN, IS_CTLD, HAS_DBD, the
# storage and hooks paths every later step reads), the operating system family and the
# Slurm, MUNGE and keepalived packages.

step_root() {
        step "Check root privileges"
        if (($(id -u) == 0)); then
                say "running as root"
        elif ((DRY)); then
                note "not root: a dry run shows what it can read; files only root reads are not compared"
        else
                die "run as root, or add --dry-run to see what would change"
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
                                        die "failed to configure the build in '$BUILD_DIR' (cmake's message is above)"
                        fi
                        cmake --build "$BUILD_DIR" -j"$(nproc)" --target ha-genconf "${HOOKS[@]}" >/dev/null ||
                                die "the build failed: run cmake --build $BUILD_DIR to see why"
                fi
        fi
        if ((PACKAGED)); then
                [[ -x $GENCONF_BIN ]] || die_system "$GENCONF_BIN is missing: reinstall the ha-slurm package"
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
        [[ -f $CONFIG ]] || die_config "no configuration file $CONFIG (give one with --config FILE; etc/cluster.example.yaml is a commented example)"
        [[ -r $CONFIG ]] || die_config "failed to read '$CONFIG'"
        say "configuration: $CONFIG"
        # ha-genconf's exit status says whose fault it is: 2 the file, 3 the system (ha-genconf(8)).
        local rc=0
        "$genconf" --config "$CONFIG" --check >/dev/null || rc=$?
        ((rc != 3)) || die_system "ha-genconf failed to check $CONFIG (above): nothing was written"
        ((rc == 0)) || die_config "$CONFIG has errors (above): nothing was written"
        GEN=$(mktemp -d "$WORK/gen.XXXXXX")
        "$genconf" --config "$CONFIG" --host "$HOST" --output-dir "$GEN" >/dev/null || rc=$?
        ((rc != 3)) || die_system "ha-genconf failed to write the files for $HOST (above): nothing was written"
        ((rc == 0)) || die_config "failed to generate the files for $HOST (above): nothing was written"
        for f in slurm.conf ha-slurmctld.conf keepalived.conf ha-slurm.conf slurmdbd.conf; do
                [[ -f $GEN/$f ]] && files+=("$f")
        done
        [[ -f $GEN/slurm.conf ]] || die "ha-genconf wrote no slurm.conf for $HOST"
        [[ -f $GEN/ha-slurmctld.conf ]] && IS_CTLD=1
        [[ -f $GEN/slurmdbd.conf ]] && HAS_DBD=1

        if [[ $ROLE == compute ]]; then
                ((IS_CTLD == 0 && HAS_DBD == 0)) ||
                        die_config "$HOST is a controller in $CONFIG: run with --controller"
        else
                ((IS_CTLD || (DBD && HAS_DBD))) ||
                        die_config "$HOST is not a controller running slurmctld in $CONFIG (nodes.controllers[].services.slurm): run with --compute, or fix the file"
                ((DBD == 0 || HAS_DBD)) ||
                        die_config "--dbd: $HOST does not run slurmdbd in $CONFIG (services.slurmdbd, or slurm.followers with slurmdbd)"
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
                        die_config "the YAML file puts the hooks in $HOOKS_DIR, the package in /usr/libexec/ha-slurm: leave ha.hooks_dir unset (or install from the source tree)"
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
        [[ -f $file ]] || die "failed to detect the operating system: no /etc/os-release"
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
