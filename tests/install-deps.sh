#!/bin/bash
# Installs, with apt-get, every package the build and the tests need on Debian or Ubuntu.
# Quiet and quick when everything is there already. Run as root.
set -euo pipefail

packages=(
        # build
        build-essential cmake pkg-config clang-format clang shellcheck libclang-rt-14-dev valgrind
        libsystemd-dev libinih-dev libyaml-dev libmunge-dev libcmocka-dev
        # the real daemons the tests start
        munge slurmctld slurmd slurm-client keepalived
        # accounting: slurmdbd on a MariaDB Galera cluster (rsync for Galera's state transfer)
        slurmdbd mariadb-server mariadb-client galera-4 rsync
        # hosts, shared storage and roots for the tests
        iproute2 iputils-arping util-linux procps psmisc bindfs fuse3 debootstrap
        glusterfs-server glusterfs-client nftables
        # power fencing: BMC simulators, ipmitool and the fence agents (tests/lib/bmc.sh)
        openipmi ipmitool fence-agents
        debian-archive-keyring
        # hostile_peer.sh: a misbehaving controller port, and peak memory
        python3 time curl perl
        # the ecosystem around ha-slurm: metrics reader, manual pages, journal catalog, package
        prometheus-node-exporter man-db groff-base dpkg-dev file
        # hosts with a real systemd (tests/cluster/systemd): systemd-nspawn
        systemd-container
)

if [[ $(id -u) -ne 0 ]]; then
        echo "install-deps: run as root (apt-get installs packages)" >&2
        exit 1
fi
if ! command -v apt-get >/dev/null; then
        echo "install-deps: this script knows apt-get only (Debian, Ubuntu)" >&2
        exit 1
fi

missing=()
for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
                missing+=("$p")
done
if ((${#missing[@]} == 0)); then
        exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Another apt-get may hold the dpkg lock (a machine shared with other work): wait for it.
lock=(-o DPkg::Lock::Timeout=300)
apt-get "${lock[@]}" update -qq
# Debian's maintainer scripts would start munged, slurmctld and keepalived where an init
# system runs; the tests start their own, in their own hosts, so keep the packages from
# starting anything.
cat >/usr/sbin/policy-rc.d.ha-slurm <<'P'
#!/bin/sh
exit 101
P
chmod 0755 /usr/sbin/policy-rc.d.ha-slurm
had_policy=0
[[ -e /usr/sbin/policy-rc.d ]] && had_policy=1
((had_policy)) || ln -s policy-rc.d.ha-slurm /usr/sbin/policy-rc.d
trap '((had_policy)) || rm -f /usr/sbin/policy-rc.d; rm -f /usr/sbin/policy-rc.d.ha-slurm' EXIT
apt-get "${lock[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
