# shellcheck shell=bash
#
# testlib.sh - assertions for the integration tests, printing TAP-style lines and a closing
# "N passed, N failed" line. Source it, call t_* functions, end with t_done (its exit status is
# the test's).
#
#   t_ok "ping answers" ha-rpc 10.213.0.11 ping     # passes when the command succeeds
#   t_fail "refused" ha-rpc 10.213.0.11:1 ping      # passes when the command fails
#   t_match "standby" "$out" 'control=standby'      # passes when "$out" matches the ERE
#   t_lt "fast" "$ms" 100                           # passes when $ms < 100 (decimals allowed;
#                                                   # fails when $ms is empty or not a number)
#   t_note "measured: ..."                          # a comment line
#   t_done

T_PASSED=0
T_FAILED=0
T_START_MS=$(date +%s%3N)
# The sources and the build: HA_SOURCE_DIR and HA_BUILD_DIR (ctest sets both), else the tree
# this file is in and its build/.
T_SRC=${HA_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
T_BUILD=${HA_BUILD_DIR:-$T_SRC/build}

# t_hosts PREFIX [LIB...]: how a test in test hosts starts. HAT_PREFIX defaults to PREFIX;
# sources tests/lib/hosts.sh and tests/lib/LIB.sh for each LIB (hacluster, roots); sets HA_HOOKS,
# RPC and TARPIT (this build's hooks folder, tests/ha-rpc and tests/tarpit; hacluster.sh's
# keepalived.conf and ha_in_control use the first two) and VIP (10.213.0.100); and the traps: on
# exit the commands in T_ON_EXIT (if set, when the test ends), then hat_teardown, the test's
# status kept; INT and TERM end the test through it.
t_hosts() {
    local lib
    HAT_PREFIX=${HAT_PREFIX:-$1}
    shift
    # shellcheck source=hosts.sh
    source "$T_SRC/tests/lib/hosts.sh"
    for lib in "$@"; do
        # shellcheck disable=SC1090 # hacluster.sh or roots.sh
        source "$T_SRC/tests/lib/$lib.sh"
    done
    # shellcheck disable=SC2034 # for the test that sources this file
    HA_HOOKS=$T_BUILD/hooks RPC=$T_BUILD/tests/ha-rpc TARPIT=$T_BUILD/tests/tarpit VIP=10.213.0.100
    # shellcheck disable=SC2154 # rc is set in the trap itself
    trap 'rc=$?; eval "${T_ON_EXIT:-}"; hat_teardown; exit $rc' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# t_built PATH: prints $T_BUILD/PATH, a program of the build; stops the test (exit 2) if it
# is not built.
t_built() {
    [[ -x $T_BUILD/$1 ]] || { echo "build first: $T_BUILD/$1" >&2; exit 2; }
    printf '%s\n' "$T_BUILD/$1"
}

# t_tmpdir: makes a temporary folder, $T_TMP, removed when the test exits. Sets the test's EXIT
# trap: for tests that use no other (t_hosts sets its own).
t_tmpdir() {
    T_TMP=$(mktemp -d)
    trap 'rm -rf "$T_TMP"' EXIT
}

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
# t_lt, t_le, t_gt, t_ge DESC A B: pass when A < B (<=, >, >=). A and B are numbers (an
# optional minus sign, digits, an optional decimal part); anything else (empty, "none", text)
# is a missing measurement, and the assertion fails saying so.
_t_cmp() {
    local op=$1 desc=$2 a=$3 b=$4 rc=0 v
    for v in "$a" "$b"; do
        if [[ ! $v =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then
            _t_report 1 "$desc" "measurement missing or not a number: '${v:0:100}' (comparing '${a:0:100}' $op '${b:0:100}')"
            return 0
        fi
    done
    awk -v a="$a" -v b="$b" -v op="$op" 'BEGIN {
        if (op == "<") r = a + 0 < b + 0; else if (op == "<=") r = a + 0 <= b + 0
        else if (op == ">") r = a + 0 > b + 0; else r = a + 0 >= b + 0
        exit !r }' || rc=1
    _t_report "$rc" "$desc" "$(printf '%s is not %s %s' "$a" "$op" "$b")"
}
t_lt() { _t_cmp '<' "$@"; }
t_le() { _t_cmp '<=' "$@"; }
t_gt() { _t_cmp '>' "$@"; }
t_ge() { _t_cmp '>=' "$@"; }
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
