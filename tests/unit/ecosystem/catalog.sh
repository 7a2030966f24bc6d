#!/bin/bash
# catalog.sh - the journal catalog explains every MESSAGE_ID the programs log, and journalctl
# reads it.
#
#   - every MESSAGE_ID defined in common/log.h has one entry in catalog/ha-slurm.catalog, and
#     every entry's id is one of them (both lists parsed from the files, compared both ways);
#   - every HA_MID_* of common/log.h is used by some .c file under common/, hooks/ or genconf/
#     (a catalogued id nothing logs fails); one used only inside common/log.c, by a helper
#     such as ha_log_refusal(), counts when that helper is called from another .c file;
#   - each entry has a Subject, Defined-By, Support and Documentation line and an explanation
#     of some length, and its man: references name pages in man/;
#   - installed as `cmake --install` puts it into a temporary root, Debian 12's journalctl
#     builds its database there (--root=TMP --update-catalog) and lists every id with its
#     subject (--list-catalog), and --dump-catalog gives an entry's text back.
#
# Needs no root and no daemon (journalctl --root reads and writes only TMP). Exit 0: all passed.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
src=${HA_SOURCE_DIR:-$(readlink -f "$here/../../..")}
build=${HA_BUILD_DIR:-$src/build}
# shellcheck source=../../lib/testlib.sh
source "$src/tests/lib/testlib.sh"
catalog=$src/catalog/ha-slurm.catalog
nl=$'\n'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The ids, each list sorted.
sed -n 's/^#define HA_MID_[A-Z_]* *"\([0-9a-f]*\)".*/\1/p' "$src/common/log.h" | sort >"$tmp/log.ids"
sed -n 's/^-- \([0-9a-f]*\)$/\1/p' "$catalog" | sort >"$tmp/catalog.ids"
t_lt "log.h defines MESSAGE_IDs (more than 5)" 5 "$(wc -l <"$tmp/log.ids")"
t_match "every log.h id is 32 hex digits" "$(grep -cvE '^[0-9a-f]{32}$' "$tmp/log.ids" || true)" '^0$'
t_match "no id given twice in log.h" "$(uniq -d "$tmp/log.ids")" '^$'
t_match "no id given twice in the catalog" "$(uniq -d "$tmp/catalog.ids")" '^$'
t_match "every log.h id has a catalog entry" "$(comm -23 "$tmp/log.ids" "$tmp/catalog.ids")" '^$'
t_match "every catalog entry is a log.h id" "$(comm -13 "$tmp/log.ids" "$tmp/catalog.ids")" '^$'

# Every id is logged by something: used in a program's or the library's .c file.
mapfile -t sources < <(cd "$src" && ls common/*.c hooks/*.c genconf/*.c)
names=$(sed -n 's/^#define \(HA_MID_[A-Z_]*\) .*/\1/p' "$src/common/log.h")
t_match "log.h's HA_MID_ names read (one per id)" "$(wc -w <<<"$names")" "^$(wc -l <"$tmp/log.ids")\$"
for name in $names; do
    users=$(cd "$src" && { grep -lw -- "$name" "${sources[@]}" || true; })
    t_match "$name is used by a .c file under common/ hooks/ genconf/" "$users" '.'
    [[ $users == common/log.c ]] || continue
    # Only in log.c: through the helpers that use it, each called from elsewhere.
    helpers=$(awk -v id="$name" '
        /^[a-z].*[a-z_]+\(/ { fn = $0; sub(/\(.*/, "", fn); sub(/.*[ *]/, "", fn) }
        index($0, id) && fn != "" { print fn }' "$src/common/log.c" | sort -u)
    t_match "$name: used in a helper of log.c" "$helpers" '.'
    for fn in $helpers; do
        t_match "$name: log.c's $fn() is called from another .c file" \
            "$(cd "$src" && { grep -lw -- "$fn" "${sources[@]}" | grep -vx common/log.c || true; })" '.'
    done
done

# Each entry's header and text.
while read -r id; do
    entry=$(awk -v id="$id" '$0 == "-- " id { on = 1; next } /^-- [0-9a-f]{32}$/ { on = 0 } on' "$catalog")
    for h in Subject Defined-By Support Documentation; do
        t_match "$id: has $h" "$entry" "(^|$nl)$h: [^ ]"
    done
    words=$(sed '/^[A-Za-z-]*: /d' <<<"$entry" | wc -w)
    t_lt "$id: explains the event and what to do (over 40 words)" 40 "$words"
    mapfile -t pages < <(grep -o 'man:[a-z.-]*([0-9])' <<<"$entry" | sort -u)
    for page in "${pages[@]}"; do
        f=${page#man:}
        f=${f%(*}.${page//[^0-9]/}
        t_ok "$id: $page exists in man/" test -f "$src/man/$f"
    done
done <"$tmp/log.ids"

# What journalctl makes of it, installed by CMake into a temporary root.
root=$tmp/root
t_ok "cmake --install puts the catalog into the root" \
    env DESTDIR="$root" cmake --install "$build" --prefix /usr --component catalog
installed=$root/usr/lib/systemd/catalog/ha-slurm.catalog
t_ok "installed as /usr/lib/systemd/catalog/ha-slurm.catalog" cmp "$catalog" "$installed"
out=$(journalctl --root="$root" --update-catalog 2>&1) && rc=0 || rc=$?
t_match "journalctl --update-catalog: exit 0" "$rc" '^0$'
t_nomatch "journalctl --update-catalog: no complaint" "$out" '[Ff]ailed|[Ii]nvalid|[Ee]rror'
t_ok "the database is written in the root" test -s "$root/var/lib/systemd/catalog/database"
listed=$(journalctl --root="$root" --list-catalog 2>&1)
while read -r id; do
    subject=$(awk -v id="$id" '$0 == "-- " id { on = 1; next } on && /^Subject: / { sub(/^Subject: /, ""); print; exit }' "$catalog")
    t_ok "journalctl lists $id with its subject" grep -qxF "$id ha-slurm: $subject" <<<"$listed"
done <"$tmp/log.ids"
t_match "journalctl lists nothing else" "$(grep -cv '^[0-9a-f]\{32\} ha-slurm: ' <<<"$listed" || true)" '^0$'
first=$(head -n 1 "$tmp/log.ids")
t_match "journalctl --dump-catalog gives the entry back" \
    "$(journalctl --root="$root" --dump-catalog "$first" 2>&1)" "^-- $first"
t_done
