# shellcheck shell=bash
#
# testlib.sh - assertions for the integration tests, printing TAP-style lines and a closing
# "N passed, N failed" line. Source it, call t_* functions, end with t_done (its exit status is
# the test's).
#
#   t_ok "ping answers" ha-rpc 10.213.0.11 ping     # passes when the command succeeds
#   t_fail "refused" ha-rpc 10.213.0.11:1 ping      # passes when the command fails
#   t_match "standby" "$out" 'control=standby'      # passes when "$out" matches the ERE
#   t_lt "fast" "$ms" 100                           # passes when $ms < 100 (decimals allowed)
#   t_note "measured: ..."                          # a comment line
#   t_done

T_PASSED=0
T_FAILED=0
T_START_MS=$(date +%s%3N)

t_note() { printf '# %s\n' "$*"; }
_t_report() {
    if (($1 == 0)); then
        T_PASSED=$((T_PASSED + 1))
        printf 'ok %d - %s\n' $((T_PASSED + T_FAILED)) "$2"
    else
        T_FAILED=$((T_FAILED + 1))
        printf 'not ok %d - %s\n' $((T_PASSED + T_FAILED)) "$2"
        [[ -n ${3:-} ]] && printf '#   %s\n' "$3"
    fi
    return 0
}
t_ok() {
    local desc=$1 out rc=0; shift
    out=$("$@" 2>&1) || rc=$?
    _t_report "$rc" "$desc" "$(printf 'command: %s -> exit %d: %s' "$*" "$rc" "${out:0:600}")"
}
t_fail() {
    local desc=$1 out rc=0; shift
    out=$("$@" 2>&1) || rc=$?
    _t_report $((rc == 0)) "$desc" "$(printf 'command: %s -> unexpected success: %s' "$*" "${out:0:600}")"
}
t_match() {
    local desc=$1 text=$2 re=$3 rc=1
    [[ $text =~ $re ]] && rc=0
    _t_report "$rc" "$desc" "$(printf '%s does not match /%s/' "${text:0:600}" "$re")"
}
t_nomatch() {
    local desc=$1 text=$2 re=$3 rc=0
    [[ $text =~ $re ]] && rc=1
    _t_report "$rc" "$desc" "$(printf '%s matches /%s/' "${text:0:600}" "$re")"
}
t_lt() {
    local desc=$1 a=$2 b=$3 rc=0
    awk -v a="$a" -v b="$b" 'BEGIN { exit !(a + 0 < b + 0) }' || rc=1
    _t_report "$rc" "$desc" "$(printf '%s is not below %s' "$a" "$b")"
}
# t_field KEY TEXT: the value of KEY=value in TEXT (ha-rpc's output), empty if absent.
t_field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2" | head -n 1; }
t_done() {
    local s=$(($(date +%s%3N) - T_START_MS))
    trap - ERR
    set +E
    echo "1..$((T_PASSED + T_FAILED))"
    echo "# $(basename "$0"): ${s} ms"
    echo "$T_PASSED passed, $T_FAILED failed"
    ((T_FAILED == 0 && T_PASSED > 0))
}

# A command that fails outside an assertion ends the test (set -e): say which and where.
set -E
trap 'echo "# stopped: \"$BASH_COMMAND\" failed (line $LINENO of ${BASH_SOURCE[0]##*/})" >&2' ERR
