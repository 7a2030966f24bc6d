# shellcheck shell=bash disable=SC2034,SC2154 # globals shared with install.sh and the other parts
#
# install/files.sh - part of install.sh (sourced by it, never run): steps 10 and 11.
# Owns: keepalived's script security on the hooks' path, the hooks (built here, or the
# package's), their manual pages and the journal catalog, the generated configuration files,
# and the two systemd units made from the templates in DATA_DIR (render_template).

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
        ctld_step "Install the hooks, their manual pages and the journal catalog" || return 0
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
        for d in /usr/share/man/man5 /usr/share/man/man7 /usr/share/man/man8 "${CATALOG%/*}"; do
                # Folders of the system: created if missing, never changed.
                [[ -d $(R "$d") ]] || ensure_dir "$d" 0755 root
        done
        for f in "$SRC_DIR"/man/*.[578]; do
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

# render_template TEMPLATE OUT NAME=VALUE...: TEMPLATE (a path in DATA_DIR) written to OUT
# with its template comments (lines starting "#@") left out and every @NAME@ replaced by its
# VALUE, in one pass (a value that holds "@NAME@" is not replaced again). A missing template,
# or a placeholder without a value, stops the run, named.
render_template() {
        local template=$DATA_DIR/$1 out=$2
        shift 2
        [[ -f $template ]] || die_system "a template of the installer is missing: $template ($DATA_HINT)"
        # shellcheck disable=SC2094 # the template's path is only named in messages: awk reads stdin
        awk '
                # The arguments are data, not files or awk assignments: the template is read
                # from standard input (its path may hold "=").
                BEGIN {
                        src = ARGV[1]
                        for (i = 2; i < ARGC; i++) {
                                eq = index(ARGV[i], "=")
                                val[substr(ARGV[i], 1, eq - 1)] = substr(ARGV[i], eq + 1)
                        }
                        for (i = 1; i < ARGC; i++)
                                delete ARGV[i]
                }
                /^#@/ { next }
                {
                        line = $0
                        out = ""
                        while (match(line, /@[A-Z_]+@/)) {
                                name = substr(line, RSTART + 1, RLENGTH - 2)
                                if (!(name in val)) {
                                        printf "%s:%d: no value for @%s@\n", src, NR, name > "/dev/stderr"
                                        bad = 1
                                        exit 1
                                }
                                out = out substr(line, 1, RSTART - 1) val[name]
                                line = substr(line, RSTART + RLENGTH)
                        }
                        print out line
                }
                END { exit bad }' "$template" "$@" <"$template" >"$out" ||
                die_system "failed to write from the template '$template' (above)"
}

# The units install.sh writes (templates in DATA_DIR; their "#@" lines say what they are).
CTLD_UNIT=/etc/systemd/system/ha-slurmctld.service
KEEPALIVED_DROPIN=/etc/systemd/system/keepalived.service.d/ha-slurm.conf

step_files() {
        local mode f
        step "Install the configuration"
        install_file "$GEN/slurm.conf" /etc/slurm/slurm.conf 0644 root config
        if ((IS_CTLD)); then
                install_file "$GEN/ha-slurmctld.conf" /etc/slurm/ha-slurmctld.conf 0644 root config
                # ha-genconf makes keepalived.conf 0600 when it holds a VRRP password.
                mode=0644
                [[ $(stat -c '%a' "$GEN/keepalived.conf") == 644 ]] || mode=0600
                install_file "$GEN/keepalived.conf" /etc/keepalived/keepalived.conf "$mode" root config
                install_file "$GEN/ha-slurm.conf" /etc/ha-slurm/ha-slurm.conf 0600 root config
                # The fence agents' options (BMC passwords): root's alone.
                if [[ -d $GEN/fence ]]; then
                        ensure_dir /etc/ha-slurm/fence 0700 root
                        for f in "$GEN"/fence/*.conf; do
                                [[ -f $f ]] || continue
                                install_file "$f" "/etc/ha-slurm/fence/${f##*/}" 0600 root config
                        done
                fi
                render_template etc/systemd/ha-slurmctld.service "$WORK/ha-slurmctld.service" \
                        "STATE_DIR=$STATE_DIR_SHARED" \
                        "PID_FILE=$(conf_get "$GEN/slurm.conf" SlurmctldPidFile || echo /run/slurmctld.pid)"
                ensure_dir "${CTLD_UNIT%/*}" 0755 root
                install_file "$WORK/ha-slurmctld.service" "$CTLD_UNIT" 0644 root config
                render_template keepalived/keepalived.service.d/ha-slurm.conf "$WORK/keepalived-ha-slurm.conf" \
                        "MOUNT_POINT=$MOUNT_POINT" "HOOKS_DIR=$HOOKS_DIR" "HA_STATE_DIR=$HA_STATE_DIR"
                ensure_dir "${KEEPALIVED_DROPIN%/*}" 0755 root
                install_file "$WORK/keepalived-ha-slurm.conf" "$KEEPALIVED_DROPIN" 0644 root config
        fi
        if ((HAS_DBD)); then
                install_file "$GEN/slurmdbd.conf" /etc/slurm/slurmdbd.conf 0600 "$SLURM_USER" config
        fi
}
