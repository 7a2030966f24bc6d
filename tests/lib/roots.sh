# shellcheck shell=bash
#
# roots.sh - reusable Debian roots with newer Slurm releases for the test
# version matrix.
#
# Source this file; it defines functions prefixed hat_root_ and changes no
# shell options of the caller.
#
#   hat_root_mirror              the Debian archive URL of this machine's apt sources
#   hat_root_ensure SUITE        build (or reuse) the root of SUITE, print its Slurm version
#   hat_root_dir SUITE           the folder of SUITE's root (built or not)
#   hat_root_slurm_version SUITE e.g. 24.11.5
#   hat_root_munge_version SUITE e.g. 0.5.16
#   hat_root_slurm_uid SUITE     the slurm uid inside the root
#   hat_root_munge_uid SUITE     the munge uid inside the root
#
# Roots live in ${HAT_ROOTS_DIR:-/var/cache/ha-slurm-tests/roots}/SUITE.
# trixie carries Slurm 24.11, sid (alias unstable) carries the newest release.
# "unstable" is stored as "sid", so both names share one root.
#
# A root is complete when its marker file (HAT_ROOT_MARKER) exists. It is
# built in a temporary folder next to it and renamed into place only after the
# marker is written, so a killed build never leaves a root that looks complete.
# debootstrap runs in its own mount and pid namespaces: the /proc and /sys
# mounts it makes in the new root, and any daemon a package script starts,
# disappear with it, even when it is killed.
#
# The mirror is read from the machine's apt sources at run time, never written
# down. HAT_ROOT_MIRROR, when set, overrides it.

# Name of the marker file at the top of a complete root.
HAT_ROOT_MARKER=.ha-slurm-root

# Packages every root gets.
HAT_ROOT_PACKAGES=slurmctld,slurmd,slurm-client,munge,procps,iproute2

# hat_root__packages SUITE: what debootstrap installs into SUITE's root. trixie's also carries
# the cluster in a box on Slurm 24.11 (tests/cluster, HAC_ROOT_SUITE): keepalived, and the
# libraries the hooks (built on this machine) load there.
hat_root__packages() {
    case $1 in
    trixie) printf '%s\n' "$HAT_ROOT_PACKAGES,keepalived,libinih1" ;;
    *) printf '%s\n' "$HAT_ROOT_PACKAGES" ;;
    esac
}

# hat_root_mirror: print the URL of the Debian archive (not the security
# archive) from /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list.
# Prefers the entry that carries the host's own release (VERSION_CODENAME).
hat_root_mirror() {
    if [[ -n ${HAT_ROOT_MIRROR:-} ]]; then
        printf '%s\n' "${HAT_ROOT_MIRROR%/}"
        return 0
    fi
    local codename=
    codename=$(sed -n 's/^VERSION_CODENAME=["'"'"']\{0,1\}\([^"'"'"']*\).*/\1/p' /etc/os-release 2>/dev/null)

    # Candidates as "URI SUITES..." lines, in file order.
    local candidates
    candidates=$(
        {
            # deb822 stanzas: blank lines separate them; "Enabled: no" skips one.
            local f
            for f in /etc/apt/sources.list.d/*.sources; do
                [[ -r $f ]] || continue
                awk '
                    function flush() {
                        if (types ~ /(^| )deb( |$)/ && enabled != "no")
                            for (i = 1; i <= nu; i++) print uris[i], suites
                        types = ""; suites = ""; enabled = ""; nu = 0
                    }
                    /^[ \t]*#/ { next }
                    /^[ \t]*$/ { flush(); next }
                    {
                        key = tolower($1); sub(/:$/, "", key)
                        val = $0; sub(/^[^:]*:[ \t]*/, "", val)
                        if (key == "types") types = val
                        else if (key == "suites") suites = val
                        else if (key == "enabled") enabled = tolower(val)
                        else if (key == "uris") nu = split(val, uris, /[ \t]+/)
                    }
                    END { flush() }
                ' "$f"
            done
            # One-line format: deb [options] URI SUITE COMPONENTS...
            for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
                [[ -r $f ]] || continue
                awk '
                    $1 != "deb" { next }
                    {
                        i = 2
                        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                        if (i + 1 <= NF) print $i, $(i + 1)
                    }
                ' "$f"
            done
        } | awk '
            # Drop the security archive: its URI or its suites name it.
            $1 ~ /security/ { next }
            { for (i = 2; i <= NF; i++) if ($i ~ /-security$|\/updates$/) next; print }
        '
    )

    local uri
    uri=$(awk -v c="$codename" '
        c != "" { for (i = 2; i <= NF; i++) if ($i == c) { print $1; exit } }
    ' <<<"$candidates")
    [[ -n $uri ]] || uri=$(awk 'NR == 1 { print $1 }' <<<"$candidates")
    if [[ -z $uri ]]; then
        echo "hat_root_mirror: no Debian archive entry in the apt sources" >&2
        return 1
    fi
    printf '%s\n' "${uri%/}"
}

# hat_root__suite SUITE: the canonical suite name (unstable is sid).
hat_root__suite() {
    case $1 in
        unstable) printf 'sid\n' ;;
        '' | */* | .*)
            echo "hat_root: bad suite name '$1'" >&2
            return 1
            ;;
        *) printf '%s\n' "$1" ;;
    esac
}

# hat_root__base: the folder that holds the roots.
hat_root__base() {
    printf '%s\n' "${HAT_ROOTS_DIR:-/var/cache/ha-slurm-tests/roots}"
}

# hat_root_dir SUITE: print the folder of SUITE's root.
hat_root_dir() {
    local suite
    suite=$(hat_root__suite "$1") || return 1
    printf '%s/%s\n' "$(hat_root__base)" "$suite"
}

# hat_root__complete DIR: true if DIR is a complete root with the packages its suite (the
# folder's name) gets now; a root made with another list is built again. A marker without a
# package list (roots made before the lists differed) stands for the common list.
hat_root__complete() {
    local want
    want=$(hat_root__packages "${1##*/}")
    [[ -f $1/$HAT_ROOT_MARKER ]] && grep -q '^slurm=.' "$1/$HAT_ROOT_MARKER" || return 1
    if grep -q '^packages=' "$1/$HAT_ROOT_MARKER"; then
        grep -qxF "packages=$want" "$1/$HAT_ROOT_MARKER"
    else
        [[ $want == "$HAT_ROOT_PACKAGES" ]]
    fi
}

# hat_root__marker_field SUITE KEY: print KEY's value from SUITE's marker.
hat_root__marker_field() {
    local dir
    dir=$(hat_root_dir "$1") || return 1
    if ! hat_root__complete "$dir"; then
        echo "hat_root: no complete root for '$1' at $dir (run hat_root_ensure $1)" >&2
        return 1
    fi
    sed -n "s/^$2=//p" "$dir/$HAT_ROOT_MARKER" | head -n 1
}

# hat_root__pkg_version DIR PACKAGE: the upstream version of PACKAGE installed
# in DIR (epoch and Debian revision removed), read from DIR's dpkg database.
hat_root__pkg_version() {
    local v
    v=$(dpkg-query --admindir="$1/var/lib/dpkg" -W -f '${Version}' "$2" 2>/dev/null) || return 1
    v=${v#*:}
    v=${v%-*}
    [[ -n $v ]] && printf '%s\n' "$v"
}

# hat_root__uid DIR USER: USER's uid in DIR's /etc/passwd.
hat_root__uid() {
    awk -F: -v u="$2" '$1 == u { print $3; found = 1; exit } END { exit !found }' "$1/etc/passwd"
}

# hat_root__remove DIR: delete a partial root. Refuses if anything is still
# mounted below it, and never crosses into another file system.
hat_root__remove() {
    local dir=$1
    [[ -e $dir ]] || return 0
    if awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { found = 1 } END { exit !found }' \
        /proc/self/mountinfo; then
        echo "hat_root: $dir has mounts below it; not removing it" >&2
        return 1
    fi
    rm -rf --one-file-system -- "$dir"
}

# hat_root_ensure SUITE: make sure SUITE's root exists and is complete; print
# its Slurm version. Fast when the root exists; builds it otherwise (needs
# root). Concurrent callers wait on a lock and then reuse the same root.
hat_root_ensure() {
    local suite base dir
    suite=$(hat_root__suite "${1:-}") || return 1
    base=$(hat_root__base)
    dir=$base/$suite

    # Fast path: nothing to do.
    if hat_root__complete "$dir"; then
        hat_root__marker_field "$suite" slurm
        return
    fi

    if [[ $(id -u) != 0 ]]; then
        echo "hat_root_ensure: building a root needs root" >&2
        return 1
    fi
    mkdir -p -- "$base" || return 1

    # Serialise builders of the same suite. The lock is held by an open file
    # descriptor, so it is released when this shell dies; debootstrap inherits
    # it, so if only this shell is killed the next builder waits for the
    # orphaned debootstrap to end, then removes its partial folder.
    local lockfd rc=0
    exec {lockfd}>"$base/.$suite.lock" || return 1
    flock "$lockfd" || { exec {lockfd}>&-; return 1; }
    hat_root__build "$suite" "$base" "$dir" || rc=$?
    exec {lockfd}>&-
    return "$rc"
}

# hat_root__build SUITE BASE DIR: the part of hat_root_ensure that runs under
# the lock.
hat_root__build() {
    local suite=$1 base=$2 dir=$3

    # Another caller may have finished while we waited for the lock.
    if hat_root__complete "$dir"; then
        hat_root__marker_field "$suite" slurm
        return
    fi

    # Leftovers of killed builds: partial temporary folders, or a folder at
    # the final place without a marker (not made by us).
    local old
    for old in "$base/.$suite.tmp."*; do
        [[ -e $old ]] || continue
        echo "hat_root_ensure: removing partial root $old" >&2
        hat_root__remove "$old" || return 1
    done
    if [[ -e $dir ]]; then
        echo "hat_root_ensure: removing $dir (incomplete, or made with another package list)" >&2
        hat_root__remove "$dir" || return 1
    fi

    # Tools.
    if ! command -v debootstrap >/dev/null; then
        echo "hat_root_ensure: installing debootstrap" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >&2 ||
            { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >&2; } ||
            return 1
    fi
    # Release files must be checked: give debootstrap the keyring explicitly,
    # otherwise it silently skips the check when its default one is missing.
    local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    if [[ ! -r $keyring ]]; then
        echo "hat_root_ensure: installing debian-archive-keyring" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y debian-archive-keyring >&2 || return 1
    fi

    local mirror
    mirror=$(hat_root_mirror) || return 1

    local tmp log start end
    tmp=$(mktemp -d "$base/.$suite.tmp.XXXXXX") || return 1
    chmod 0755 "$tmp"
    log=$base/.$suite.debootstrap.log
    echo "hat_root_ensure: debootstrap $suite into $tmp (log: $log)" >&2
    start=$(date +%s)
    # Own mount namespace (private propagation): debootstrap's /proc and /sys
    # mounts in the target vanish with it. Own pid namespace (--kill-child):
    # a daemon started by a package's maintainer script dies with it.
    if ! unshare --mount --propagation private --pid --fork --kill-child --mount-proc \
        debootstrap --variant=minbase --keyring="$keyring" \
        --include="$(hat_root__packages "$suite")" "$suite" "$tmp" "$mirror" >"$log" 2>&1; then
        echo "hat_root_ensure: debootstrap $suite failed; last lines of $log:" >&2
        tail -n 20 "$log" >&2
        hat_root__remove "$tmp"
        return 1
    fi
    end=$(date +%s)

    # Check what we got and write the marker last.
    local slurm munge slurm_uid munge_uid
    if ! {
        slurm=$(hat_root__pkg_version "$tmp" slurmctld) &&
            munge=$(hat_root__pkg_version "$tmp" munge) &&
            slurm_uid=$(hat_root__uid "$tmp" slurm) &&
            munge_uid=$(hat_root__uid "$tmp" munge) &&
            [[ -x $tmp/usr/sbin/slurmctld && -x $tmp/usr/sbin/munged ]]
    }; then
        echo "hat_root_ensure: $suite root lacks slurmctld, munged or their users" >&2
        hat_root__remove "$tmp"
        return 1
    fi
    # The downloaded packages are not needed any more (about 50 MB).
    rm -f -- "$tmp"/var/cache/apt/archives/*.deb

    # The marker is written under another name and renamed, then the whole
    # root is renamed into place: both steps are atomic.
    if ! {
        {
            printf 'suite=%s\n' "$suite"
            printf 'slurm=%s\n' "$slurm"
            printf 'munge=%s\n' "$munge"
            printf 'slurm_uid=%s\n' "$slurm_uid"
            printf 'munge_uid=%s\n' "$munge_uid"
            printf 'packages=%s\n' "$(hat_root__packages "$suite")"
            printf 'built=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
            printf 'debootstrap_seconds=%s\n' "$((end - start))"
        } >"$tmp/$HAT_ROOT_MARKER.new" &&
            sync -f "$tmp" &&
            mv -- "$tmp/$HAT_ROOT_MARKER.new" "$tmp/$HAT_ROOT_MARKER" &&
            mv -T -- "$tmp" "$dir"
    }; then
        hat_root__remove "$tmp"
        return 1
    fi
    echo "hat_root_ensure: $suite root ready in $((end - start)) s: Slurm $slurm, MUNGE $munge" >&2
    printf '%s\n' "$slurm"
}

# hat_root_slurm_version SUITE: e.g. 24.11.5.
hat_root_slurm_version() { hat_root__marker_field "$1" slurm; }

# hat_root_munge_version SUITE: e.g. 0.5.16.
hat_root_munge_version() { hat_root__marker_field "$1" munge; }

# hat_root_slurm_uid SUITE: the slurm user's uid inside the root (read from
# the root's /etc/passwd, which may differ from the host's).
hat_root_slurm_uid() {
    local dir
    dir=$(hat_root_dir "$1") && hat_root__complete "$dir" && hat_root__uid "$dir" slurm
}

# hat_root_munge_uid SUITE: the munge user's uid inside the root.
hat_root_munge_uid() {
    local dir
    dir=$(hat_root_dir "$1") && hat_root__complete "$dir" && hat_root__uid "$dir" munge
}

# hat_root_ensure_minbase SUITE: make sure a plain minbase root of SUITE
# exists (nothing added: for tests that install packages into a copy of it
# with apt, so that apt resolves every dependency itself); print its folder,
# ${HAT_ROOTS_DIR}/SUITE-minbase. Built like the Slurm roots: under a lock, in
# a temporary folder renamed into place after its marker is written, in
# private mount and pid namespaces, from the mirror of the machine's apt
# sources.
hat_root_ensure_minbase() {
    local suite base dir
    suite=$(hat_root__suite "${1:-}") || return 1
    base=$(hat_root__base)
    dir=$base/$suite-minbase
    if [[ -f $dir/$HAT_ROOT_MARKER ]]; then
        printf '%s\n' "$dir"
        return 0
    fi
    if [[ $(id -u) != 0 ]]; then
        echo "hat_root_ensure_minbase: building a root needs root" >&2
        return 1
    fi
    mkdir -p -- "$base" || return 1
    local lockfd rc=0
    exec {lockfd}>"$base/.$suite-minbase.lock" || return 1
    flock "$lockfd" || { exec {lockfd}>&-; return 1; }
    hat_root__build_minbase "$suite" "$base" "$dir" || rc=$?
    exec {lockfd}>&-
    return "$rc"
}

# hat_root__build_minbase SUITE BASE DIR: the part of hat_root_ensure_minbase
# that runs under the lock.
hat_root__build_minbase() {
    local suite=$1 base=$2 dir=$3 name=$1-minbase
    if [[ -f $dir/$HAT_ROOT_MARKER ]]; then
        printf '%s\n' "$dir"
        return 0
    fi
    local old
    for old in "$base/.$name.tmp."* "$dir"; do
        [[ -e $old ]] || continue
        echo "hat_root_ensure_minbase: removing partial root $old" >&2
        hat_root__remove "$old" || return 1
    done
    local keyring=/usr/share/keyrings/debian-archive-keyring.gpg mirror tmp log start end
    if ! command -v debootstrap >/dev/null || [[ ! -r $keyring ]]; then
        echo "hat_root_ensure_minbase: needs debootstrap and debian-archive-keyring" >&2
        return 1
    fi
    mirror=$(hat_root_mirror) || return 1
    tmp=$(mktemp -d "$base/.$name.tmp.XXXXXX") || return 1
    chmod 0755 "$tmp"
    log=$base/.$name.debootstrap.log
    echo "hat_root_ensure_minbase: debootstrap $suite into $tmp (log: $log)" >&2
    start=$(date +%s)
    if ! unshare --mount --propagation private --pid --fork --kill-child --mount-proc \
        debootstrap --variant=minbase --keyring="$keyring" "$suite" "$tmp" "$mirror" \
        >"$log" 2>&1; then
        echo "hat_root_ensure_minbase: debootstrap $suite failed; last lines of $log:" >&2
        tail -n 20 "$log" >&2
        hat_root__remove "$tmp"
        return 1
    fi
    end=$(date +%s)
    if [[ ! -x $tmp/usr/bin/apt-get ]]; then
        echo "hat_root_ensure_minbase: $suite root has no apt-get" >&2
        hat_root__remove "$tmp"
        return 1
    fi
    rm -f -- "$tmp"/var/cache/apt/archives/*.deb
    if ! {
        {
            printf 'suite=%s\n' "$suite"
            printf 'variant=minbase\n'
            printf 'built=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
            printf 'debootstrap_seconds=%s\n' "$((end - start))"
        } >"$tmp/$HAT_ROOT_MARKER.new" &&
            sync -f "$tmp" &&
            mv -- "$tmp/$HAT_ROOT_MARKER.new" "$tmp/$HAT_ROOT_MARKER" &&
            mv -T -- "$tmp" "$dir"
    }; then
        hat_root__remove "$tmp"
        return 1
    fi
    echo "hat_root_ensure_minbase: $suite root ready in $((end - start)) s" >&2
    printf '%s\n' "$dir"
}
