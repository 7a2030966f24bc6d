#!/bin/bash
# package.sh - the Debian package: built with cpack, installed with apt into a fresh Debian 12
# root, run from there.
#
#   1. A build configured for CMake's default prefix (/usr/local): `cpack -G DEB` refuses and
#      says to configure for /usr. A release build configured for /usr, then `cpack -G DEB`.
#   2. The package's contents: the four programs under /usr/libexec/ha-slurm and ha-genconf in
#      /usr/sbin, root:root 0755; nothing group- or world-writable (keepalived's script
#      security); manual pages, the journal catalog, the configuration examples in
#      /etc/ha-slurm marked as conffiles; Depends naming the libraries (from the ELF files) and
#      munge, keepalived and slurmctld; the project's version.
#   3. A copy (overlay) of a cached plain bookworm minbase root (tests/lib/roots.sh; the mirror
#      from this machine's apt sources): `apt-get install ./ha-slurm_*.deb man-db` resolves and
#      installs every dependency; then, in the root: each program's --version; the folders on
#      the hooks' path root-owned and not writable by others; `man -w` finds the pages;
#      journalctl (of this machine, --root) lists every catalog id the postinst registered;
#      one real check without configuration (exit 2, the file named) and with the example
#      configuration, in a network namespace of its own with nothing running (exit 1:
#      unhealthy, MUNGE not answering); the package's installer (/usr/sbin/ha-slurm-install)
#      sets up a controller into the root with --root, using the package's ha-genconf and hooks
#      (dpkg --verify: nothing of the package changed), the check loads what it wrote, a second
#      run would change nothing, --demo is refused; remove keeps the conffiles, purge removes
#      them.
#
# Root only; everything runs in private mount and pid namespaces, so every mount and process
# goes with the test. Downloaded packages are kept in /var/cache/ha-slurm-tests/apt-archives.
# Slow (a build and an apt install: a few minutes): label "package", release pass only.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
src=${HA_SOURCE_DIR:-$(readlink -f "$here/../..")}
if [[ $(id -u) -ne 0 ]]; then
    echo "package.sh: needs root (debootstrap, chroot, mounts)" >&2
    exit 1
fi
# Private mount and pid namespaces: the overlay and the chroot's /proc and /dev vanish with the
# test, and so does any process a maintainer script starts.
if [[ -z ${HA_PACKAGE_NS:-} ]]; then
    exec env HA_PACKAGE_NS=1 unshare --mount --propagation private --pid --fork --kill-child \
        --mount-proc "$0" "$@"
fi
# shellcheck source=../lib/roots.sh
source "$src/tests/lib/roots.sh"
# shellcheck source=../lib/testlib.sh
source "$src/tests/lib/testlib.sh"

version=$(sed -n 's/^project(ha-slurm VERSION \([0-9.]*\) .*/\1/p' "$src/CMakeLists.txt")
tmp=$(mktemp -d /var/tmp/ha-slurm-package.XXXXXX)
cleanup() {
    local m
    # Mounts below tmp, deepest first (they are private; this only lets rm work).
    local -a mounts
    mapfile -t mounts < <(awk -v d="$tmp" 'index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
    for m in "${mounts[@]}"; do
        umount -l "$m" 2>/dev/null || true
    done
    rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t_note "1. build and cpack"
# CMake's default prefix (/usr/local) would make a package of /usr/local paths: refused.
t_ok "configure with the default prefix" cmake -S "$src" -B "$tmp/local" -DBUILD_TESTING=OFF
rc=0
out=$(cd "$tmp/local" && cpack -G DEB 2>&1) || rc=$?
t_match "the default prefix: cpack -G DEB fails" "$rc" '^[1-9]'
# (CMake wraps the message's lines.)
t_match "the default prefix: cpack says to configure for /usr" "$(tr -s ' \n' '  ' <<<"$out")" \
    'configured for "/usr/local": configure it with -DCMAKE_INSTALL_PREFIX=/usr'
t_match "the default prefix: no package" "$(find "$tmp/local" -maxdepth 1 -name '*.deb')" '^$'
b=$tmp/build
t_ok "configure for /usr" cmake -S "$src" -B "$b" -DCMAKE_INSTALL_PREFIX=/usr \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF -DHA_WERROR=ON
t_ok "build" cmake --build "$b" -j"$(nproc)"
t_ok "cpack -G DEB" sh -c "cd '$b' && cpack -G DEB"
debs=("$b"/ha-slurm_*.deb)
deb=${debs[0]}
t_match "one package: ha-slurm_${version}_ARCH.deb" "${deb##*/}" "^ha-slurm_${version//./\\.}_[a-z0-9]+\\.deb\$"

t_note "2. contents"
contents=$(dpkg-deb -c "$deb")
nl=$'\n'
for p in ha-check-slurmctld ha-notify-master ha-notify-backup ha-notify-fault; do
    t_match "/usr/libexec/ha-slurm/$p: root:root 0755" "$contents" \
        "(^|$nl)-rwxr-xr-x root/root +[0-9]+ [0-9-]+ [0-9:]+ \\./usr/libexec/ha-slurm/$p($nl|\$)"
done
for p in ha-genconf ha-slurm-install; do
    t_match "/usr/sbin/$p: root:root 0755" "$contents" \
        "(^|$nl)-rwxr-xr-x root/root +[0-9]+ [0-9-]+ [0-9:]+ \\./usr/sbin/$p($nl|\$)"
done
# The installer's parts (sourced by ha-slurm-install, which refuses them otherwise) and the
# templates of the units it writes: root's, 0644.
for f in install/lib.sh install/prepare.sh install/host.sh install/files.sh install/database.sh \
    install/services.sh etc/systemd/ha-slurmctld.service keepalived/keepalived.service.d/ha-slurm.conf; do
    t_match "/usr/share/ha-slurm/$f: root:root 0644" "$contents" \
        "(^|$nl)-rw-r--r-- root/root +[0-9]+ [0-9-]+ [0-9:]+ \\./usr/share/ha-slurm/${f//./\\.}($nl|\$)"
done
unshipped=
for f in "$src"/install/*.sh; do
    f=install/${f##*/}
    [[ "$contents$nl" == *" ./usr/share/ha-slurm/$f$nl"* ]] || unshipped+=" $f"
done
t_match "every part of the installer in the source tree is shipped" "$unshipped" '^$'
t_match "nothing group- or world-writable" "$(awk 'substr($1, 6, 1) == "w" || substr($1, 9, 1) == "w"' <<<"$contents")" '^$'
t_match "everything owned by root:root" "$(awk '$2 != "root/root"' <<<"$contents")" '^$'
for f in usr/share/man/man8/ha-check-slurmctld.8 usr/share/man/man8/ha-notify-master.8 \
    usr/share/man/man8/ha-notify-backup.8 usr/share/man/man8/ha-notify-fault.8 \
    usr/share/man/man8/ha-genconf.8 usr/share/man/man8/ha-slurm-install.8 \
    usr/share/man/man5/ha-slurm.conf.5 \
    usr/share/man/man5/ha-slurm-cluster.yaml.5 usr/share/man/man7/ha-slurm.7 \
    usr/lib/systemd/catalog/ha-slurm.catalog \
    etc/ha-slurm/ha-slurm.conf.example etc/ha-slurm/cluster.example.yaml; do
    t_match "ships /$f" "$contents" " \\./${f//./\\.}($nl|\$)"
done
conffiles=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)
t_match "conffiles: the two examples" "$conffiles" \
    "^/etc/ha-slurm/ha-slurm\\.conf\\.example$nl/etc/ha-slurm/cluster\\.example\\.yaml\$"
depends=$(dpkg-deb -f "$deb" Depends)
t_note "Depends: $depends"
for d in libinih1 libyaml-0-2 libmunge2 libc6 munge keepalived slurmctld; do
    t_match "Depends names $d" "$depends" "(^|, | \\| )$d( |,|\$)"
done
t_match "Version $version" "$(dpkg-deb -f "$deb" Version)" "^${version//./\\.}\$"

t_note "3. apt install into a fresh bookworm root"
base=$(hat_root_ensure_minbase bookworm)
mirror=$(hat_root_mirror)
cache=/var/cache/ha-slurm-tests/apt-archives/bookworm
mkdir -p "$cache/partial" "$tmp/upper" "$tmp/work" "$tmp/root"
mount -t overlay overlay -o "lowerdir=$base,upperdir=$tmp/upper,workdir=$tmp/work" "$tmp/root"
r=$tmp/root
mount -t proc proc "$r/proc"
mount --rbind /dev "$r/dev"
mount --bind "$cache" "$r/var/cache/apt/archives"
printf 'deb %s bookworm main\n' "$mirror" >"$r/etc/apt/sources.list"
cp -L /etc/resolv.conf "$r/etc/resolv.conf"
# No init system in the root, and nothing to start: keep maintainer scripts from trying.
printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
chmod 0755 "$r/usr/sbin/policy-rc.d"
cp "$deb" "$r/tmp/"
in_root() { chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
t_ok "apt-get update" in_root apt-get update -qq
s=$(date +%s)
t_ok "apt-get install ./${deb##*/} man-db: dependencies resolved and installed" \
    in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "/tmp/${deb##*/}" man-db
t_note "apt-get install: $(($(date +%s) - s)) s"
# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
t_match "dpkg: ha-slurm installed" "$(in_root dpkg-query -W -f '${Status} ${Version}' ha-slurm)" \
    "^install ok installed ${version//./\\.}\$"
for p in keepalived munge slurmctld libinih1 libyaml-0-2 libmunge2; do
    # shellcheck disable=SC2016 # dpkg-query's format, not the shell's
    t_match "apt installed the dependency $p" "$(in_root dpkg-query -W -f '${Status}' "$p" 2>&1)" \
        '^install ok installed$'
done
# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
t_match "dpkg records the conffiles" "$(in_root dpkg-query -W -f '${Conffiles}' ha-slurm)" \
    'ha-slurm\.conf\.example [0-9a-f]{32}.*cluster\.example\.yaml [0-9a-f]{32}'

for p in /usr/libexec/ha-slurm/ha-check-slurmctld /usr/libexec/ha-slurm/ha-notify-master \
    /usr/libexec/ha-slurm/ha-notify-backup /usr/libexec/ha-slurm/ha-notify-fault \
    /usr/sbin/ha-genconf /usr/sbin/ha-slurm-install; do
    t_match "${p##*/} --version in the root" "$(in_root "$p" --version 2>&1)" \
        "^${p##*/} \\(ha-slurm\\) ${version//./\\.}\$"
done
path=/usr/libexec/ha-slurm/ha-check-slurmctld
while [[ $path != / ]]; do
    t_match "script security: $path root-owned, not writable by group or others" \
        "$(in_root stat -c '%U %A' "$path")" '^root .....-..-.'
    path=$(dirname "$path")
done
t_match "man -w ha-check-slurmctld" "$(in_root man -w ha-check-slurmctld 2>&1)" \
    '^/usr/share/man/man8/ha-check-slurmctld\.8(\.gz)?$'
t_match "man -w 5 ha-slurm.conf" "$(in_root man -w 5 ha-slurm.conf 2>&1)" \
    '^/usr/share/man/man5/ha-slurm\.conf\.5(\.gz)?$'
t_match "man -w 7 ha-slurm" "$(in_root man -w 7 ha-slurm 2>&1)" \
    '^/usr/share/man/man7/ha-slurm\.7(\.gz)?$'
t_match "man renders ha-notify-fault (a .so link)" \
    "$(in_root env MANWIDTH=80 man ha-notify-fault 2>&1)" 'make this node.s slurmctld follow'
t_ok "journalctl --root builds the catalog database" journalctl --root="$r" --update-catalog
listed=$(journalctl --root="$r" --list-catalog 2>&1)
mapfile -t ids < <(sed -n 's/^#define HA_MID_[A-Z_]* *"\([0-9a-f]*\)".*/\1/p' "$src/common/log.h")
for id in "${ids[@]}"; do
    t_match "the installed catalog has $id" "$listed" "(^|$nl)$id ha-slurm: "
done

t_note "one real check, in a network namespace of its own, nothing running"
check() { unshare --net chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
rc=0
out=$(check /usr/libexec/ha-slurm/ha-check-slurmctld 2>&1) || rc=$?
t_match "no configuration: exit 2" "$rc" '^2$'
t_match "... naming the file" "$out" "Failed to load '/etc/ha-slurm/ha-slurm\\.conf': No such file"
install -m 0644 "$r/etc/ha-slurm/ha-slurm.conf.example" "$r/etc/ha-slurm/ha-slurm.conf"
rc=0
out=$(check /usr/libexec/ha-slurm/ha-check-slurmctld -v 2>&1) || rc=$?
t_note "$(grep '^verdict' <<<"$out")"
t_match "the example configuration, nothing running: exit 1" "$rc" '^1$'
t_match "... unhealthy: the VIP is not here, and MUNGE does not answer" "$out" \
    'vip +ok +[0-9.]+ +192\.168\.1\.100 not here.*munge +FAIL .*verdict: UNHEALTHY: not ready to take over: MUNGE'
rm -f "$r/etc/ha-slurm/ha-slurm.conf"

t_note "the package's installer: a controller, into the root (--root, as an image build would)"
# The cluster YAML of the install tests; its controller ctl1, into the root with --root: the
# package's ha-genconf and hooks, nothing built or copied.
install -m 0644 "$src/tests/integration/install/cluster.yaml" "$r/etc/ha-slurm/cluster.yaml"
hooks_sum() { (cd "$r/usr/libexec/ha-slurm" && md5sum ha-*); }
before=$(hooks_sum)
rc=0
out=$(VRRP_PASS=pkgtest "$r/usr/sbin/ha-slurm-install" --controller --root "$r" \
    --config "$r/etc/ha-slurm/cluster.yaml" --host ctl1 --new-munge-key 2>&1) || rc=$?
t_match "ha-slurm-install --controller --root: exit 0" "$rc" '^0$' 
((rc == 0)) || printf '%s\n' "$out" | sed 's/^/#   /'
t_match "... with the package's ha-genconf" "$out" "ha-genconf: $r/usr/sbin/ha-genconf \\(the package's\\)"
t_match "... and the package's hooks, left to dpkg" "$out" \
    "the hooks: the package's, in /usr/libexec/ha-slurm \\(left to dpkg\\)"
t_match "the hooks are dpkg's, unchanged" "$(hooks_sum)" "^${before//./\\.}\$"
t_match "dpkg --verify: nothing of the package changed" "$(in_root dpkg --verify ha-slurm 2>&1)" '^$'
t_match "keepalived.conf runs the package's check" \
    "$(cat "$r/etc/keepalived/keepalived.conf" 2>&1)" '"/usr/libexec/ha-slurm/ha-check-slurmctld'
t_ok "ha-slurmctld.service is written" test -f "$r/etc/systemd/system/ha-slurmctld.service"
t_ok "... from the package's template, filled in" \
    grep -qx 'RequiresMountsFor=/mnt/gluster/slurm/state' "$r/etc/systemd/system/ha-slurmctld.service"
t_ok "the keepalived drop-in is written, from the package's template" \
    grep -qx 'ExecStopPost=-/usr/libexec/ha-slurm/ha-notify-backup -c /etc/ha-slurm/ha-slurm.conf' \
    "$r/etc/systemd/system/keepalived.service.d/ha-slurm.conf"
rc=0
out=$(check /usr/libexec/ha-slurm/ha-check-slurmctld -v 2>&1) || rc=$?
t_match "the package's check loads the installed ha-slurm.conf (exit 1: unhealthy, not 2)" "$rc" '^1$'
rc=0
out=$(VRRP_PASS=pkgtest "$r/usr/sbin/ha-slurm-install" --controller --root "$r" \
    --config "$r/etc/ha-slurm/cluster.yaml" --host ctl1 --dry-run 2>&1) || rc=$?
t_match "a second run (dry): exit 0" "$rc" '^0$'
t_nomatch "... would change nothing" "$out" 'would (change|replace|install)|new file'
rc=0
out=$(chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/sbin/ha-slurm-install --demo 2>&1) || rc=$?
t_match "--demo from the package: refused (exit 1), says where it runs" "$rc $out" \
    '^1 .*runs from the source tree'

t_note "remove and purge"
t_ok "apt-get remove ha-slurm" in_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq ha-slurm
t_fail "the programs are gone" test -e "$r/usr/libexec/ha-slurm/ha-check-slurmctld"
t_ok "the conffiles stay" test -f "$r/etc/ha-slurm/ha-slurm.conf.example"
t_ok "dpkg --purge ha-slurm" in_root dpkg --purge ha-slurm
t_fail "purged: the conffiles are gone" test -e "$r/etc/ha-slurm/ha-slurm.conf.example"
t_done
