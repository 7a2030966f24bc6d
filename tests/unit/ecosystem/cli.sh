#!/bin/bash
# cli.sh - --help and --version of every installed program.
#
# For ha-check-slurmctld, ha-notify-master/-backup/-fault and ha-genconf (install.sh and
# ha-slurm-install at the end: --version, --help with every option, an unknown option):
#   - --version (and -V) prints exactly "NAME (ha-slurm) VERSION", VERSION being the project
#     version in CMakeLists.txt, on stdout, nothing on stderr, exit 0;
#   - --help (and -h) prints on stdout, exit 0, nothing on stderr: a Usage line naming the
#     program, the options (every long option the program accepts), the configuration path, the
#     exit-status table (0 to 3, one line each) and the manual page;
#   - an unknown option: exit 2, the usage on stderr, nothing on stdout.
# For the hooks, keepalived's generic notify arguments (INSTANCE|GROUP NAME STATE PRIORITY) are
# still accepted (they reach the configuration step: exit 2 for a missing file, with the
# configuration error, not the usage), and other arguments are refused with the usage.
#
# Needs no root and no daemon. Exit 0: all checks passed.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
src=${HA_SOURCE_DIR:-$(readlink -f "$here/../../..")}
build=${HA_BUILD_DIR:-$src/build}
# shellcheck source=../../lib/testlib.sh
source "$src/tests/lib/testlib.sh"

version=$(sed -n 's/^project(ha-slurm VERSION \([0-9.]*\) .*/\1/p' "$src/CMakeLists.txt")
t_match "CMakeLists.txt gives a version" "$version" '^[0-9]+\.[0-9]+\.[0-9]+$'
nl=$'\n'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run PROGRAM ARGS...: $rc, $out (stdout), $err (stderr).
run() {
    rc=0
    "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    out=$(<"$tmp/out")
    err=$(<"$tmp/err")
}

declare -A path=(
    [ha-check-slurmctld]=$build/hooks/ha-check-slurmctld
    [ha-notify-master]=$build/hooks/ha-notify-master
    [ha-notify-backup]=$build/hooks/ha-notify-backup
    [ha-notify-fault]=$build/hooks/ha-notify-fault
    [ha-genconf]=$build/genconf/ha-genconf
)
declare -A longopts=(
    [ha-check-slurmctld]="--config --verbose --help --version"
    [ha-notify-master]="--config --dry-run --verbose --help --version"
    [ha-notify-backup]="--config --dry-run --verbose --help --version"
    [ha-notify-fault]="--config --dry-run --verbose --help --version"
    [ha-genconf]="--config --host --output-dir --check --help --version"
)
# The configuration path each --help names, as a whole path: /etc/ha-slurm whatever the
# build's CMAKE_INSTALL_PREFIX (the default /usr/local here), since install.sh, keepalived.conf
# and the package all use it; a /usr/local/etc/ha-slurm/... must not pass for it.
declare -A confpath=(
    [ha-check-slurmctld]='\(default /etc/ha-slurm/ha-slurm\.conf\)'
    [ha-notify-master]='\(default /etc/ha-slurm/ha-slurm\.conf\)'
    [ha-notify-backup]='\(default /etc/ha-slurm/ha-slurm\.conf\)'
    [ha-notify-fault]='\(default /etc/ha-slurm/ha-slurm\.conf\)'
    [ha-genconf]='[[:space:]]/etc/ha-slurm/cluster\.yaml\)'
)

for name in ha-check-slurmctld ha-notify-master ha-notify-backup ha-notify-fault ha-genconf; do
    prog=${path[$name]}
    if [[ ! -x $prog ]]; then
        t_match "$name is built" "" x
        continue
    fi
    for opt in --version -V; do
        run "$prog" "$opt"
        t_match "$name $opt: exit 0" "$rc" '^0$'
        t_match "$name $opt: prints \"$name (ha-slurm) $version\"" "$out" \
            "^$name \\(ha-slurm\\) ${version//./\\.}\$"
        t_match "$name $opt: nothing on stderr" "$err" '^$'
    done
    for opt in --help -h; do
        run "$prog" "$opt"
        t_match "$name $opt: exit 0" "$rc" '^0$'
        t_match "$name $opt: nothing on stderr" "$err" '^$'
        t_match "$name $opt: a usage line naming the program" "$out" "^Usage: $name "
        for o in ${longopts[$name]}; do
            t_match "$name $opt: documents $o" "$out" "$nl  -[a-zA-Z], $o "
        done
        t_match "$name $opt: names the configuration path" "$out" "${confpath[$name]}"
        # One meaning per code in every program (common/program.h); ha-genconf refuses no
        # action of its own, so it has no 1.
        codes="0 1 2 3"
        [[ $name != ha-genconf ]] || codes="0 2 3"
        for code in $codes; do
            t_match "$name $opt: exit status $code explained" "$out" "$nl  $code  [a-z]"
        done
        t_match "$name $opt: exit 2 is usage or configuration" "$out" "$nl  2  usage or configuration error"
        t_match "$name $opt: exit 3 is a system error" "$out" "$nl  3  system error"
        t_match "$name $opt: names the manual page" "$out" "$name\\(8\\)"
    done
    run "$prog" --no-such-option
    t_match "$name: unknown option: exit 2" "$rc" '^2$'
    t_match "$name: unknown option: usage on stderr" "$err" "Usage: $name "
    t_match "$name: unknown option: nothing on stdout" "$out" '^$'
done

# keepalived's generic notify arguments.
for name in ha-notify-master ha-notify-backup ha-notify-fault; do
    prog=${path[$name]}
    for args in "INSTANCE VI_1 MASTER 100" "GROUP G1 BACKUP 0" "INSTANCE VI_1 FAULT 90"; do
        # shellcheck disable=SC2086
        run "$prog" -c "$tmp/missing.conf" $args
        t_match "$name $args: accepted (exit 2 from the missing configuration)" "$rc" '^2$'
        t_match "$name $args: the configuration error, not the usage" "$err" \
            "Failed to load '[^']*/missing\\.conf': No such file"
        t_nomatch "$name $args: no usage" "$err" 'Usage:'
    done
    for args in "VI_1" "INSTANCE VI_1 SLEEPING 100" "INSTANCE VI_1 MASTER"; do
        # shellcheck disable=SC2086
        run "$prog" -c "$tmp/missing.conf" $args
        t_match "$name $args: refused with exit 2" "$rc" '^2$'
        t_match "$name $args: says what it expects" "$err" 'expected no arguments, or INSTANCE'
    done
done

# install.sh, from the source tree and as the package installs it (ha-slurm-install, its version
# filled in by CMake).
for prog in "$src/install.sh" "$build/ha-slurm-install"; do
    name=${prog##*/}
    if [[ ! -x $prog ]]; then
        t_match "$name is there" "" x
        continue
    fi
    run "$prog" --version
    t_match "$name --version: exit 0, prints \"$name (ha-slurm) $version\"" "$rc $out" \
        "^0 $name \\(ha-slurm\\) ${version//./\\.}\$"
    t_match "$name --version: nothing on stderr" "$err" '^$'
    run "$prog" --help
    t_match "$name --help: exit 0" "$rc" '^0$'
    t_match "$name --help: a usage line naming it" "$out" "^Usage: $name "
    for o in --controller --dbd --compute --config --host --root --dry-run --new-munge-key --help --version; do
        t_match "$name --help: documents $o" "$out" "$nl  $o "
    done
    t_match "$name --help: names the default configuration path" "$out" '\(default /etc/ha-slurm/cluster\.yaml\)'
    run "$prog" --no-such-option
    t_match "$name: unknown option: exit 2" "$rc" '^2$'
done
# The build folder's copy is the package's: it does not take the build folder for a system.
run "$build/ha-slurm-install" --controller --dry-run --config /nonexistent.yaml
t_match "ha-slurm-install in the build folder: refused, exit 1" "$rc" '^1$'
t_match "ha-slurm-install in the build folder: says to install it or use install.sh" "$err" \
    "build folder's copy, made for the package: run it installed \\(/usr/sbin/ha-slurm-install\\), or run install.sh in the source tree"
t_done
