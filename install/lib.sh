# shellcheck shell=bash disable=SC2034,SC2154 # globals shared with install.sh and the other parts
#
# install/lib.sh - part of install.sh (sourced by it, never run): the helpers every step uses.
# Owns: reading values from slurm.conf-style and INI files, the target's users and owners
# (--root), the change record (CHANGED, REPLACED; changed, replaced), the run's temporary files
# and their cleanup, and the two ways anything is put in the target: ensure_dir and
# install_file (atomic, FILE.bak kept for configuration, a diff in a dry run).

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

# set_meta PATH MODE OWNER IDS HAVE [WHAT]: gives the existing PATH in the target owner IDS
# (OWNER's "UID:GID") and MODE in place of HAVE (its "MODE UID:GID"), and records the change;
# a dry run says it would. WHAT goes before what it says ("same content; ").
set_meta() {
        local path=$1 mode=$2 owner=$3 ids=$4 have=$5 what=${6:-} r
        r=$(R "$path")
        if ((DRY)); then
                say "$path: ${what}would set 0$mode $owner (now $have)"
        else
                chown "$ids" "$r"
                chmod "00$mode" "$r"
                say "$path: ${what}set 0$mode $owner (was $have)"
        fi
        CHANGED+=("$path")
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
                set_meta "$path" "$mode" "$owner" "$ids" "$have"
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
                        ((DRY)) || die "failed to read '$r'"
                        say "$path: cannot read it as $(id -un): run as root to compare"
                        return 0
                fi
                if cmp -s -- "$src" "$r"; then
                        if [[ $have == "$mode $ids" ]]; then
                                say "$path: unchanged"
                                return 0
                        fi
                        set_meta "$path" "$mode" "$owner" "$ids" "$have" "same content; "
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

# ctld_step TITLE [WHY]: starts the step TITLE (step); on a host that runs no slurmctld, says
# the step is not needed there (WHY in parentheses after it) and fails: the step returns.
ctld_step() {
        step "$1"
        ((IS_CTLD == 0)) || return 0
        say "not needed on this host${2:+ ($2)}"
        return 1
}

# in_list WORD ITEM...: whether WORD is one of the ITEMs.
in_list() {
        local w=$1 p
        shift
        for p; do
                [[ $p == "$w" ]] && return 0
        done
        return 1
}

# Whether PATH was created or changed (in a dry run: would be); changed_01 prints it as 1 or 0.
changed() { in_list "$1" "${CHANGED[@]}"; }
changed_01() { if changed "$1"; then echo 1; else echo 0; fi; }

# Whether the file PATH was replaced by another content (not new, not only its mode).
replaced() { in_list "$1" "${REPLACED[@]}"; }
