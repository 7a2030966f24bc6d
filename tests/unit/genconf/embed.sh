#!/bin/bash
# embed.sh - genconf/embed.cmake, which makes a C array of a template for ha-genconf, refuses a
# malformed template (and so stops the build) and embeds a good one byte for byte.
#
#   - keepalived/keepalived.conf.in is accepted, and its array holds its bytes and a NUL;
#   - a small template with notes, placeholders and sections is accepted;
#   - each malformed template is refused, with a message saying what is wrong, and no output
#     file is written: a stray "@", a lower-case or empty name, a directive that is not a line
#     of its own, an @if without @end@, an @end@ alone, nested sections, a NUL byte.
#
# Needs no root and no daemon. Exit 0: all checks passed.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
src=${HA_SOURCE_DIR:-$(readlink -f "$here/../../..")}
# shellcheck source=../../lib/testlib.sh
source "$src/tests/lib/testlib.sh"
EMBED=$src/genconf/embed.cmake
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

embed() { cmake -DINPUT="$1" -DOUTPUT="$tmp/out.c" -DSYMBOL=gc_test -P "$EMBED" 2>&1; }

# The bytes of a generated array, as a hex string without the final NUL.
array_hex() { sed -n '/^0x/p' "$1" | grep -o '0x[0-9a-f][0-9a-f]' | cut -c3- | tr -d '\n' | sed 's/00$//'; }

rc=0
out=$(embed "$src/keepalived/keepalived.conf.in") || rc=$?
_t_report "$rc" "keepalived/keepalived.conf.in is accepted" "$out"
t_match "its array is its bytes" "$(array_hex "$tmp/out.c")" \
    "^$(od -An -v -tx1 "$src/keepalived/keepalived.conf.in" | tr -d ' \n')\$"
t_match "it defines the symbol asked for" "$(cat "$tmp/out.c")" 'const char gc_test\[\] = \{'

printf '%s\n' '## a note: @ and @if and @end@ are free here' 'a @A@ and @B_1@@C2@' \
    '@if A@' '@A@' '@end@' '@for B_1@' '  @B_1@' '@end@' '@if C2@' '@end@' >"$tmp/good.in"
rc=0
out=$(embed "$tmp/good.in") || rc=$?
_t_report "$rc" "a template with notes, placeholders and sections is accepted" "$out"

# Each case: a name, the template's lines, and what the message must say.
bad() {
    local name=$1 want=$2
    shift 2
    printf '%s\n' "$@" >"$tmp/bad.in"
    rm -f "$tmp/out.c"
    local rc=0 out
    out=$(embed "$tmp/bad.in") || rc=$?
    _t_report $((rc == 0)) "refused: $name" "exit 0: $out"
    t_match "$name: the message says why" "$out" "$want"
    t_fail "$name: no output file" test -e "$tmp/out.c"
}
nsp='no placeholder'
bad 'a stray @' "$nsp" 'mail root@localhost'
bad 'a lone @ after a placeholder' "$nsp" '@A@ @'
bad 'a lower-case name' "$nsp" 'x @name@ y'
bad 'a name starting with a digit' "$nsp" '@1A@'
bad 'an empty name' "$nsp" 'a @@ b'
bad 'a directive indented' "$nsp" '  @if A@' '@A@'
bad 'a directive with a blank after it' "$nsp" '@if A@ ' '@A@'
bad 'a directive in a line' "$nsp" 'x @end@'
bad '@if without @end@' 'without its @end@' '@if A@' '@A@'
bad '@end@ alone' 'with no @if or @for before it' '@A@' '@end@'
bad 'sections nested' 'do not nest' '@for A@' '@if B@' '@end@' '@end@'
printf 'a\0b\n' >"$tmp/nul.in"
rm -f "$tmp/out.c"
rc=0
out=$(embed "$tmp/nul.in") || rc=$?
_t_report $((rc == 0)) "refused: a NUL byte" "exit 0: $out"
t_match "a NUL byte: the message says so" "$out" 'a NUL byte at offset 1'
t_fail "a NUL byte: no output file" test -e "$tmp/out.c"

t_done
