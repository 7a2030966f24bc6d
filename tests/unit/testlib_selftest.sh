#!/usr/bin/env bash
# testlib_selftest.sh - the assertions of tests/lib/testlib.sh themselves: each is run in a
# subshell, and its outcome (the subshell's T_FAILED count) checked. A measurement that is
# empty, "none" or not a number fails every numeric comparison.
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/../lib/testlib.sh"

# outcome CMD...: "pass" or "fail", what testlib recorded for the one assertion CMD makes.
outcome() {
    (
        T_PASSED=0 T_FAILED=0
        "$@" >/dev/null
        if ((T_FAILED == 1 && T_PASSED == 0)); then echo fail
        elif ((T_FAILED == 0 && T_PASSED == 1)); then echo pass
        else echo "passed=$T_PASSED failed=$T_FAILED"; fi
    )
}
expect() { # expect pass|fail CMD...
    local want=$1 got; shift
    got=$(outcome "$@")
    t_match "$* -> $want" "$got" "^$want\$"
}

for f in t_lt t_le t_gt t_ge; do
    for bad in "" none abc 1e3 "3 " " 3" 3ms 0x10 - 1.; do
        expect fail "$f" "x" "$bad" 5
        expect fail "$f" "x" 5 "$bad"
    done
done
expect pass t_lt x 3 5
expect fail t_lt x 5 5
expect fail t_lt x 7 5
expect pass t_lt x -1 0
expect pass t_lt x 2.5 2.75
expect pass t_le x 5 5
expect fail t_le x 6 5
expect pass t_gt x 6 5
expect fail t_gt x 5 5
expect pass t_ge x 5 5
expect fail t_ge x 4 5
# The failure message says the measurement was missing.
msg=$(t_lt "x" none 5 || true)
t_match "t_lt none 5 says the measurement is missing" "$msg" "measurement missing or not a number: 'none'"
expect pass t_ok x true
expect fail t_ok x false
expect pass t_fail x false
expect fail t_fail x true
expect pass t_match x abc 'b'
expect fail t_match x abc 'd'
expect pass t_nomatch x abc 'd'
expect fail t_nomatch x abc 'b'
# The drills' "never two in control" (tests/cluster/lib.sh, taken from it alone: the rest of
# that file starts hosts): a sampler that is missing or dead, a count that is missing, or more
# than HAC_MAX_GAP_MS between two samples is a missing measurement; a double or a possible one
# fails.
eval "$(sed -n '/^HAC_MAX_GAP_MS=/p; /^hac_never_two_ok() {/,/^}/p' "$T_SRC/tests/cluster/lib.sh")"
sleep 60 &
_HAC_CONTROL_PID=$!
expect pass t_ok x hac_never_two_ok 40 0 120 0
expect pass t_ok x hac_never_two_ok 40 0 "$HAC_MAX_GAP_MS" 0
expect fail t_ok x hac_never_two_ok 40 0 $((HAC_MAX_GAP_MS + 1)) 0
expect fail t_ok x hac_never_two_ok 40 1 120 0
expect fail t_ok x hac_never_two_ok 40 0 120 1 # a possible double
for bad in "" none 0 abc; do
    expect fail t_ok x hac_never_two_ok "$bad" 0 120 0
    [[ $bad == 0 ]] || expect fail t_ok x hac_never_two_ok 40 "$bad" 120 0
    [[ $bad == 0 ]] || expect fail t_ok x hac_never_two_ok 40 0 "$bad" 0
    [[ $bad == 0 ]] || expect fail t_ok x hac_never_two_ok 40 0 120 "$bad"
done
kill "$_HAC_CONTROL_PID"
wait "$_HAC_CONTROL_PID" 2>/dev/null || true
expect fail t_ok x hac_never_two_ok 40 0 120 0 # the sampler died
_HAC_CONTROL_PID=
expect fail t_ok x hac_never_two_ok 40 0 120 0 # no sampler (asserted after hac_watch_stop)
# The control sampler itself (tests/cluster/lib.sh's _HAC_CONTROL_LOOP), with a stand-in for
# ha-rpc that answers from files: a controller in control while another that was, silent, can
# still act is a possible double; frozen or dead, it is not; two in control is a double.
eval "$(sed -n "/^_HAC_CONTROL_LOOP='/,/^'\$/p" "$T_SRC/tests/cluster/lib.sh")"
sd=$(mktemp -d)
cat >"$sd/rpc" <<'EOF'
#!/bin/bash
# rpc --protocol P --timeout T ADDRESS status: the answer in the file named ADDRESS.
cat "$(dirname "$0")/answer-$5"
EOF
chmod +x "$sd/rpc"
answer() { echo "$2" >"$sd/answer-$1"; }
# stats: the counts once three samples more than when called were taken (each then saw the
# answers as they are now), 10 s at most.
nsamples() { sed -n 's/^samples=\([0-9]*\).*/\1/p' "$sd/stats" 2>/dev/null || true; }
stats() {
    local n0 n
    n0=$(nsamples)
    for _ in $(seq 200); do
        n=$(nsamples)
        ((${n:-0} >= ${n0:-0} + 3)) && break
        sleep 0.05
    done
    sed 's/[a-z]*=//g' "$sd/stats"
}
answer a 'control=standby'
answer b 'control=active'
echo runs >"$sd/hac-can-b"
bash -c "$_HAC_CONTROL_LOOP" bash "$sd/rpc" 0 50 "$sd/events" "$sd/stats" "$sd" a a b b &
loop=$!
read -r _ two _ maybe <<<"$(stats)"
t_match "sampler: b in control, a standby: no double, none possible" "$two $maybe" '^0 0$'
# b first: a sample between the two writes must not see both in control.
answer b 'ETIMEDOUT'
answer a 'control=active'
read -r _ two _ maybe <<<"$(stats)"
t_match "sampler: a in control, b silent and able to act: possible doubles" "$two $maybe" '^0 [1-9][0-9]*$'
t_match "... with a '???' event" "$(cat "$sd/events")" '\?\?\? possible double: a in control; b, last seen in control, silent, its slurmctld runs'
echo frozen >"$sd/hac-can-b"
read -r _ _ _ m1 <<<"$(stats)"
read -r _ _ _ m2 <<<"$(stats)"
t_match "sampler: b frozen: no more possible doubles" "$((m2 - m1))" '^0$'
echo dead >"$sd/hac-can-b"
answer b 'control=active'
read -r _ two _ _ <<<"$(stats)"
t_match "sampler: a and b both in control: doubles" "$two" '^[1-9][0-9]*$'
kill "$loop"
wait "$loop" 2>/dev/null || true
rm -rf "$sd"
# t_done: its status is the test's, and fails with no assertion or one failure.
t_ok "t_done with passes only exits 0" bash -c "source '$T_SRC/tests/lib/testlib.sh'; t_ok a true; t_done"
t_fail "t_done with one failure exits non-zero" bash -c "source '$T_SRC/tests/lib/testlib.sh'; t_ok a true; t_ok b false; t_done"
t_fail "t_done with no assertion exits non-zero" bash -c "source '$T_SRC/tests/lib/testlib.sh'; t_done"
t_fail "t_done after a missing measurement exits non-zero" bash -c "source '$T_SRC/tests/lib/testlib.sh'; t_ok a true; t_lt b '' 5; t_done"
t_done
