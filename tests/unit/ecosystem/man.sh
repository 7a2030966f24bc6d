#!/bin/bash
# man.sh - the manual pages: well formed, installed, and in step with the code.
#
#   - every page in man/ formats without a warning (groff -ww -z -man from the source, and
#     man --warnings -l from the installed tree, where the .so links of ha-notify-backup.8 and
#     ha-notify-fault.8 resolve);
#   - cmake --install (component man) puts a page for every program, both file formats and the
#     ha-slurm(7) overview where man finds them (man -w NAME), the two hook links showing
#     ha-notify-master's text;
#   - every program's page has an EXIT STATUS section with the codes its --help lists, and
#     documents every long option its --help lists;
#   - ha-slurm.conf(5) documents every key of common/cfg.c's key table (read from the source by
#     keys.pl), in its [section], with its type and its default (or "required"/"default:"), and
#     no key the table lacks;
#   - ha-slurm-cluster.yaml(5) and etc/cluster.example.yaml document every key of ha-genconf's
#     key tables (genconf/*.c: load.c and the schema_*.c sections), and the page documents no
#     key the tables lack.
#
# Needs no root and no daemon. Exit 0: all passed.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
src=${HA_SOURCE_DIR:-$(readlink -f "$here/../../..")}
build=${HA_BUILD_DIR:-$src/build}
# shellcheck source=../../lib/testlib.sh
source "$src/tests/lib/testlib.sh"
nl=$'\n'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. Formatting, from the source tree (the .so links are checked installed, below).
for page in "$src"/man/*.[0-9]; do
    name=${page##*/}
    grep -q '^\.so ' "$page" && continue
    t_match "$name: groff -ww -z -man: no warning" "$(groff -ww -z -man "$page" 2>&1)" '^$'
done

# 2. Installed where man finds them.
root=$tmp/root
t_ok "cmake --install --component man" \
    env DESTDIR="$root" cmake --install "$build" --prefix /usr --component man
mandir=$root/usr/share/man
for page in ha-check-slurmctld.8 ha-notify-master.8 ha-notify-backup.8 ha-notify-fault.8 \
    ha-genconf.8 ha-slurm-install.8 ha-slurm.conf.5 ha-slurm-cluster.yaml.5 ha-slurm.7; do
    name=${page%.*} sec=${page##*.}
    # The two hook links: man follows the .so to ha-notify-master's page.
    want=$page
    [[ $name == ha-notify-backup || $name == ha-notify-fault ]] && want=ha-notify-master.8
    t_match "man -w $sec $name finds the installed page" \
        "$(MANPATH=$mandir man -w "$sec" "$name" 2>&1)" "^$mandir/man$sec/$want(\\.gz)?\$"
    text=$(cd "$mandir" && MANWIDTH=80 man --warnings -l "man$sec/$page" 2>"$tmp/warn")
    t_match "$page installed: formats without a warning" "$(<"$tmp/warn")" '^$'
    t_match "$page installed: has a NAME section naming $name" "$text" "NAME$nl +([a-z, .-]*, )?$name"
done
t_match "ha-notify-fault.8 shows ha-notify-master's page" \
    "$(cd "$mandir" && MANWIDTH=80 man -l man8/ha-notify-fault.8 2>&1)" 'make this node.s slurmctld follow'

# 3. Exit status and options, as --help says them.
declare -A prog=(
    [ha-check-slurmctld]=$build/hooks/ha-check-slurmctld
    [ha-notify-master]=$build/hooks/ha-notify-master
    [ha-genconf]=$build/genconf/ha-genconf
    [ha-slurm-install]=$build/ha-slurm-install
)
for name in "${!prog[@]}"; do
    help=$("${prog[$name]}" --help)
    text=$(MANWIDTH=200 man -l "$src/man/$name.8" 2>/dev/null)
    status=$(awk '/^EXIT STATUS/ { on = 1; next } /^[A-Z]/ { on = 0 } on' <<<"$text")
    mapfile -t codes < <(sed -n 's/^  \([0-9]\)  .*/\1/p' <<<"$help")
    for code in "${codes[@]}"; do
        t_match "$name(8): EXIT STATUS explains $code" "$status" "(^|$nl) +$code +[A-Z]"
    done
    mapfile -t opts < <(grep -o '^  -[a-zA-Z], --[a-z-]*' <<<"$help" | sed 's/.* //')
    for opt in "${opts[@]}"; do
        t_match "$name(8) documents $opt" "$text" "$opt"
    done
done

# 4. ha-slurm.conf(5) against common/cfg.c.
conf5=$src/man/ha-slurm.conf.5
"$here/keys.pl" cfg "$src/common/cfg.c" >"$tmp/cfg.keys"
t_lt "cfg.c's table has keys (more than 20)" 20 "$(wc -l <"$tmp/cfg.keys")"
# For each documented key: "SECTION KEY<TAB>its paragraph" (from its .TP to the next .TP/.SS).
awk '
    /^\.SS \[[a-z]+\]$/ { sec = $2; gsub(/[][]/, "", sec); key = ""; next }
    /^\.S[SH] / { sec = ""; key = ""; next }
    sec != "" && prev == ".TP" && /^\.B [a-z_]+$/ { key = $2; print_key = 1 }
    sec != "" && /^\.TP$/ && key != "" { key = "" }
    sec != "" && key != "" { body[sec " " key] = body[sec " " key] " " $0 }
    { prev = $0 }
    END { for (k in body) print k "\t" body[k] }
' "$conf5" | sort >"$tmp/conf5.items"
while read -r section key kind default required; do
    item=$(awk -F'\t' -v k="$section $key" '$1 == k { print $2 }' "$tmp/conf5.items")
    t_match "ha-slurm.conf(5): [$section] $key is documented" "$item" '.'
    [[ -n $item ]] || continue
    t_match "ha-slurm.conf(5): [$section] $key: type $kind" "$item" "^ *\\.B $key +\\.IR $kind ;"
    if [[ $required == required ]]; then
        t_match "ha-slurm.conf(5): [$section] $key: required" "$item" ' required\.'
    elif [[ $default == - ]]; then
        t_match "ha-slurm.conf(5): [$section] $key: says its default" "$item" ' default: '
    else
        # shellcheck disable=SC2001,SC2016 # sed escapes every ERE metacharacter (one expansion would not); the $ is one of them
        t_match "ha-slurm.conf(5): [$section] $key: default $default" "$item" \
            " default +\\.BR $(sed 's/[.[\*^$()+?{|]/\\&/g' <<<"$default") \\."
    fi
done <"$tmp/cfg.keys"
while IFS=$'\t' read -r sk _; do
    t_ok "ha-slurm.conf(5): [${sk% *}] ${sk#* } is a key of cfg.c" \
        grep -q "^${sk} " "$tmp/cfg.keys"
done <"$tmp/conf5.items"
t_match "ha-slurm.conf(5) documents as many keys as cfg.c has" \
    "$(wc -l <"$tmp/conf5.items")" "^$(wc -l <"$tmp/cfg.keys")\$"
# The [fence NODE] sections' keys, which cfg.c reads outside its table (fence_node_key()).
fence_node=$(sed -n '/^\.SS \[fence \\fINODE\\fP\]$/,/^\.S[SH] /p' "$conf5")
for key in agent options; do
    t_match "ha-slurm.conf(5): [fence NODE] $key is documented, type path" "$fence_node" \
        "(^|"$'\n'")\\.TP"$'\n'"\\.B $key"$'\n'"\\.IR path \\."
    t_ok "ha-slurm.conf(5): [fence NODE] $key is a key of cfg.c" \
        grep -q "strcmp(name, \"$key\") == 0" "$src/common/cfg.c"
done
t_match "ha-slurm.conf(5): [fence NODE] has those two keys only" \
    "$(grep -c '^\.B [a-z_]*$' <<<"$fence_node")" '^2$'

# 5. ha-slurm-cluster.yaml(5) and the example against genconf's key tables.
yaml5=$src/man/ha-slurm-cluster.yaml.5
example=$src/etc/cluster.example.yaml
"$here/keys.pl" yaml "$src"/genconf/*.c >"$tmp/yaml.keys"
t_lt "genconf's tables have keys (more than 40)" 40 "$(wc -l <"$tmp/yaml.keys")"
# The documented paths (".TP" then ".B a.b[].c"), split into their components.
awk 'prev == ".TP" && /^\.B [a-z_.\[\]]+$/ { print $2 } { prev = $0 }' "$yaml5" >"$tmp/yaml5.paths"
tr '.' '\n' <"$tmp/yaml5.paths" | sed 's/\[\]$//' | sort -u >"$tmp/yaml5.words"
while read -r key; do
    t_ok "ha-slurm-cluster.yaml(5) documents \"$key\"" grep -qxF "$key" "$tmp/yaml5.words"
    t_ok "cluster.example.yaml shows \"$key\"" \
        grep -qE "(^|[^a-z_])$key( \\(required\\))?:" "$example"
done <"$tmp/yaml.keys"
while read -r word; do
    t_ok "ha-slurm-cluster.yaml(5): \"$word\" is a key of genconf" grep -qxF "$word" "$tmp/yaml.keys"
done <"$tmp/yaml5.words"
t_done
