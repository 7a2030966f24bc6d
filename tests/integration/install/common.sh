# shellcheck shell=bash disable=SC2034 # its variables are for the tests that source it
#
# common.sh - what the install.sh tests share (sourced, not a test): the source and build
# folders, the cluster YAML, fresh target roots in a temporary folder removed at exit, and a
# listing of a root that changes when anything in it changes (content, mode, owner, inode,
# modification time), so "nothing changed" is checked, not assumed.
#
# Every test runs install.sh with --root into its own temporary folder: nothing on this
# machine outside that folder is touched (no packages, no services, no database).

SRC=${HA_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
BUILT=${HA_BUILD_DIR:-$SRC/build}
INSTALL=$SRC/install.sh
# shellcheck source=SCRIPTDIR/../../lib/testlib.sh
. "$SRC/tests/lib/testlib.sh"

# cannot_run REASON: the test cannot run here; a failure (CI installs everything and runs as
# root), with the reason.
cannot_run() {
        t_note "cannot run: $*"
        echo "not ok 1 - $*"
        exit 1
}
((EUID == 0)) || cannot_run "install.sh sets owners: run as root"
[[ -x $BUILT/genconf/ha-genconf ]] || cannot_run "ha-genconf is not built ($BUILT/genconf/ha-genconf): cmake --build build"
for _h in ha-check-slurmctld ha-notify-master ha-notify-backup ha-notify-fault; do
        [[ -x $BUILT/hooks/$_h ]] || cannot_run "the hooks are not built ($BUILT/hooks/$_h)"
done
{ getent passwd slurm && getent passwd munge; } >/dev/null ||
        cannot_run "the users slurm and munge are missing here (tests/install-deps.sh installs them)"

# The test cluster: controllers ctl1 (VIP owner) and ctl2, compute node cn1.
YAML=$SRC/tests/integration/install/cluster.yaml
CTL=ctl1
CN=cn1

TMP=$(mktemp -d /tmp/ha-install-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# install.sh takes the programs from HA_BUILD_DIR: a copy, so a rebuild while the test runs
# cannot change them between two runs.
export HA_BUILD_DIR=$TMP/build
mkdir -p "$HA_BUILD_DIR/genconf" "$HA_BUILD_DIR/hooks"
cp -p "$BUILT/genconf/ha-genconf" "$HA_BUILD_DIR/genconf/"
for _h in ha-check-slurmctld ha-notify-master ha-notify-backup ha-notify-fault; do
        cp -p "$BUILT/hooks/$_h" "$HA_BUILD_DIR/hooks/"
done
GENCONF=$HA_BUILD_DIR/genconf/ha-genconf

# A fresh, empty target root.
new_root() { mktemp -d "$TMP/root.XXXXXX"; }

# Every path in ROOT with its type, mode, owner, size, inode and modification time, then the
# checksum of every file.
listing() {
        (
                cd "$1" || exit
                find . -printf '%p %M %U:%G %s %i %T@\n' | sort
                find . -type f -exec sha256sum {} + | sort
        )
}

# run_install ARGS...: runs install.sh; sets OUT (stdout and stderr) and RC.
run_install() {
        RC=0
        OUT=$("$INSTALL" "$@" 2>&1) || RC=$?
}

# The YAML with sed expressions applied, as a new file; prints its path.
yaml_with() {
        local f
        f=$(mktemp "$TMP/cluster.XXXXXX.yaml")
        sed "$@" "$YAML" >"$f"
        printf '%s' "$f"
}

# stat_is DESC PATH "MODE OWNER:GROUP"
stat_is() {
        local have
        have=$(stat -c '%a %U:%G' "$2" 2>&1) || true
        _t_report "$([[ $have == "$3" ]] && echo 0 || echo 1)" "$1" "$2 is \"$have\", expected \"$3\""
}

# t_same DESC BEFORE AFTER: two listings are equal; on failure, the lines that differ.
t_same() {
        local d=''
        [[ $2 == "$3" ]] || d=$(diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | head -n 12 | tr '\n' '|' || true)
        _t_report "$([[ -z $d ]] && echo 0 || echo 1)" "$1" "differences: $d"
}
