# shellcheck shell=bash disable=SC2034,SC2154 # globals shared with install.sh and the other parts
#
# install/host.sh - part of install.sh (sourced by it, never run): steps 6 to 9.
# Owns: the slurm user, the configuration, state and log folders, the MUNGE key (kept, or made
# with --new-munge-key), the check that the shared storage is mounted with its type, and the
# folders on it up to StateSaveLocation.

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
        useradd "${args[@]}" "$name" || die "failed to create the user '$name'"
        lookup_user "$name" || die "failed to find the user '$name' just created"
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
                set_meta "$key" 600 munge "$ids" "$have" "present, kept; "
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
        ctld_step "Check the shared storage mount" "only slurmctld keeps state on the shared mount" ||
                return 0
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
        ctld_step "Create the shared folders" || return 0
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
