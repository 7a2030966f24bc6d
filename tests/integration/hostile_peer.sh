#!/bin/bash
# A hostile peer on the controller port (tests/tools/hostile_peer.py), against the library's
# Slurm client (common/slurmrpc.c through tests/ha-rpc, the code the check and the hooks use),
# in one test host with a real munged: a reply that claims a huge length, one that never ends
# (a fast endless stream, a slow drip of one byte every 100 ms, a length sent a byte at a time),
# and one whose MUNGE credential was made by the wrong uid (nobody, not SlurmUser or root) or
# for another uid than ours.
# Then the same against the slurmdbd probe (ha_slurmdbd_ping, the check's [check] dbd_port
# probe, through ha-rpc dbd-ping), whose answer carries no credential: a huge length, a fast
# endless stream, a one-byte drip, garbage in a PERSIST_RC's length, a line of text, and an
# answer that never comes.
#
# For each: rejected with the expected error and reason; within the deadline (1 s; a margin of
# 500 ms for a loaded machine); peak memory (/usr/bin/time, max RSS) at most 2 MiB over that of a
# call answered correctly. A control: the same reply signed by root is accepted, so it is the
# uid alone that the wrong_uid case is refused for.
# What test_slurmrpc.c and slurm_client.sh already cover is not repeated: the reply parser's
# bounds (unit), a listener that never answers (tarpit), a request credential for the wrong uid.
set -euo pipefail
# shellcheck source=../lib/testlib.sh
source "$(dirname "$(readlink -f "$0")")/../lib/testlib.sh"
t_hosts hatp
PEER=$T_SRC/tests/tools/hostile_peer.py

IP=10.213.0.11
DEADLINE_MS=1000
MARGIN_MS=$((500 * ${HA_TEST_SLACK:-1})) # widened in the sanitizer pass (tests/run.sh)
# "At once, not at the deadline": half the deadline, in every pass. It is the call's own time
# (ha-rpc's clock, not the process's start), a few milliseconds here even sanitized beside the
# drills; widening it with HA_TEST_SLACK would put it past the deadline it is meant to tell apart.
AT_ONCE_MS=$((DEADLINE_MS / 2))
RSS_MARGIN_KB=2048
declare -A PORT=([good]=7101 [wrong_uid]=7102 [not_for_us]=7108 [huge]=7103 [huge_stream]=7104 [endless]=7105
    [drip]=7106 [drip_length]=7107
    [dbd_good]=7111 [dbd_huge]=7112 [dbd_huge_stream]=7113 [dbd_endless]=7114 [dbd_drip]=7115
    [dbd_garbage]=7116 [dbd_text]=7117 [dbd_silent]=7118)

hat_clean
hat_net_up
hat_host_add ctl1 "$IP"
hat_munged_start ctl1
specs=()
for m in "${!PORT[@]}"; do specs+=("$m:${PORT[$m]}"); done
hat_spawn ctl1 peer /usr/bin/python3 "$PEER" "$IP" /run/munge/munge.socket.2 "${specs[@]}"
listening() { (($(hat_exec ctl1 ss -Htln | grep -c LISTEN) >= ${#PORT[@]})); }
t_ok "the hostile peer listens" hat_wait_for 10 listening

OUT='' RSS='' MS=''
OP=status
# call MODE [HA-RPC ARGS...]: one call of OP (control status) to MODE's port under /usr/bin/time.
call() {
    local mode=$1; shift
    OUT=$(hat_exec ctl1 /usr/bin/time -f 'maxrss_kb=%M' "$RPC" --protocol 22.05 --uid 0 \
        --timeout "${DEADLINE_MS}ms" "$@" "$IP:${PORT[$mode]}" "$OP" 2>&1 || true)
    RSS=$(t_field maxrss_kb "$OUT")
    MS=$(t_field ms "$OUT")
}

call good
t_match "control: a valid reply signed by root is accepted" "$OUT" 'result=ok .*control=active'
BASE=$RSS
t_note "max RSS of a call answered correctly: $BASE KiB"
t_ok "... (its max RSS is known)" test -n "$BASE"

# rejected MODE ERROR REASON: the last call failed with ERROR and REASON, on time, in bounded
# memory.
rejected() {
    local mode=$1 err=$2 reason=$3
    t_match "$mode: rejected ($err)" "$OUT" "result=fail error=$err "
    t_match "... saying why" "$OUT" "reason=.*$reason"
    t_lt "... within the deadline ($MS ms)" "$MS" $((DEADLINE_MS + MARGIN_MS))
    t_lt "... in bounded memory ($RSS KiB, a good call $BASE KiB)" "$RSS" $((BASE + RSS_MARGIN_KB))
}

call wrong_uid
rejected wrong_uid EBADMSG 'reply credential made by uid 65534, not SlurmUser \(0\) or root'

call not_for_us
rejected not_for_us EBADMSG 'reply credential rejected by MUNGE'

call huge
rejected huge EMSGSIZE 'reply claims 4294967280 bytes, more than the 65536 accepted'
t_lt "... at once, not at the deadline" "$MS" "$AT_ONCE_MS"

call huge_stream
rejected huge_stream EMSGSIZE 'reply claims 2147483647 bytes'

call endless
rejected endless EBADMSG 'malformed reply'

call drip
rejected drip ETIMEDOUT 'no reply from .* before the deadline'
t_lt "... not before the deadline either" $((DEADLINE_MS - 10)) "$MS"

call drip_length
rejected drip_length ETIMEDOUT 'no reply from .* before the deadline'

# Without a configured version the client probes 22.05 up to 26.05: the whole call, not each
# attempt, is bounded by the deadline.
OUT=$(hat_exec ctl1 /usr/bin/time -f 'maxrss_kb=%M' "$RPC" --uid 0 --timeout "${DEADLINE_MS}ms" \
    "$IP:${PORT[drip]}" status 2>&1 || true)
RSS=$(t_field maxrss_kb "$OUT")
MS=$(t_field ms "$OUT")
rejected "drip, probing versions" ETIMEDOUT 'no usable reply .* before the deadline'

# slurmdbd: its answer is a bare PERSIST_RC without credential, at most 4096 bytes.
OP=dbd-ping
call dbd_good
t_match "dbd control: a PERSIST_RC of rc 0 is taken as slurmdbd answering" "$OUT" \
    'op=dbd-ping result=ok error=- slurm_rc=0'
BASE=$RSS
t_note "max RSS of a slurmdbd probe answered correctly: $BASE KiB"
t_ok "... (its max RSS is known)" test -n "$BASE"

call dbd_huge
rejected dbd_huge EMSGSIZE 'answer claims 4294967280 bytes, more than the 4096 accepted'
t_lt "... at once, not at the deadline" "$MS" "$AT_ONCE_MS"

call dbd_huge_stream
rejected dbd_huge_stream EMSGSIZE 'answer claims 2147483647 bytes'

call dbd_endless
rejected dbd_endless EBADMSG 'malformed answer: answer is not a PERSIST_RC'

call dbd_drip
rejected dbd_drip ETIMEDOUT 'did not answer before the deadline'
t_lt "... not before the deadline either" $((DEADLINE_MS - 10)) "$MS"

call dbd_garbage
rejected dbd_garbage EBADMSG 'malformed answer: answer truncated in its comment'

call dbd_text
rejected dbd_text EMSGSIZE 'answer claims 1213486160 bytes'

call dbd_silent
rejected dbd_silent ETIMEDOUT 'accepted the connection but did not answer before the deadline'
t_lt "... not before the deadline either" $((DEADLINE_MS - 10)) "$MS"

t_done
