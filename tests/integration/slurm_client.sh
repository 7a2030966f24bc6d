#!/bin/bash
# The Slurm controller client (common/slurmrpc.c, driven by tests/tools/ha-rpc) against real
# slurmctld daemons: two controller hosts on Debian 12's Slurm 22.05 with a shared state folder,
# then a primary and a backup on Slurm 24.11 (Debian 13) and on 26.05 (Debian unstable), each
# from a Debian root made by debootstrap (tests/lib/roots.sh; kept between runs).
#
# Shows: ping answers on primary and backup; control status tells the acting controller from
# the standby on all three releases; takeover moves control (the old primary's slurmctld exits);
# a stopped controller is refused at once; a listener that never answers times out on the
# deadline; block_null_hash,block_zero_hash sites still answer; the probed version is remembered;
# the release of the local slurmctld binary (-V) is asked first and remembered with the binary's
# identity, and a 22.05 or 24.11 slurmctld then logs no refused protocol version (as it does for
# a request in a version it does not take), nor does probing oldest first make 22.05 log one.
set -euo pipefail
# shellcheck source=../lib/testlib.sh
source "$(dirname "$(readlink -f "$0")")/../lib/testlib.sh"
t_hosts hatcl roots

rpc() { local h=$1; shift; hat_exec "$h" "$RPC" "$@" 2>&1 || true; }
active_on() { [[ $(rpc "$1" --cache /run/ha-slurm --timeout 5s "$2" status) == *control=active* ]]; }

hat_clean
hat_net_up
hat_host_add ctl1 10.213.0.11
hat_host_add ctl2 10.213.0.12
hat_host_add cn1 10.213.0.21 # named in slurm.conf (a partition needs a node); runs nothing
export HAT_COMPUTE_HOSTS=cn1
hat_munged_start ctl1
hat_munged_start ctl2
hat_shared_setup /mnt/state ctl1 ctl2
HAT_SLURMCTLD_TIMEOUT=60 hat_slurm_conf ctl1 ctl2
hat_slurmctld_start ctl1
hat_slurmctld_start ctl2

t_note "Slurm 22.05: ctl1 primary, ctl2 backup"
out=$(rpc ctl2 10.213.0.11 ping)
t_match "22.05 primary answers ping (version probed oldest first)" "$out" 'result=ok .*protocol=22.05'
out=$(rpc ctl1 10.213.0.12 ping)
t_match "22.05 backup answers ping too" "$out" 'result=ok'
out=$(rpc ctl2 10.213.0.11 status)
t_match "22.05 primary is in control" "$out" 'control=active backup_inx=0 control_time=[1-9]'
out=$(rpc ctl1 10.213.0.12 status)
t_match "22.05 backup is in standby" "$out" 'control=standby backup_inx=1 control_time=0 '

out=$(rpc ctl2 --protocol 22.05 --repeat 300 10.213.0.11 ping)
t_match "300 pings, none failed" "$out" 'failed=0'
t_note "ping, 22.05, across hosts: $out"
out=$(rpc ctl2 --protocol 22.05 --repeat 300 10.213.0.11 status)
t_match "300 control-status calls, none failed" "$out" 'failed=0'
t_note "control status, 22.05, across hosts: $out"

rpc ctl2 --cache /run/ha-slurm 10.213.0.11 status >/dev/null
out=$(hat_exec ctl2 cat /run/ha-slurm/protocol-10.213.0.11-6817 2>&1 || true)
t_match "the probed protocol version is remembered" "$out" '^9728$'
out=$(rpc ctl2 --cache /run/ha-slurm 10.213.0.11 status)
ms=$(t_field ms "$out")
# Speed bounds (not deadlines) are widened by HA_TEST_SLACK (2 in the sanitizer pass).
slack=${HA_TEST_SLACK:-1}
t_lt "a remembered version needs no probing ($ms ms, under $((50 * slack)) ms)" "$ms" $((50 * slack))

out=$(rpc ctl1 --binary /usr/sbin/slurmctld --cache /run/ha-slurm 10.213.0.11 status)
t_match "22.05: the local slurmctld binary's release is asked" "$out" 'result=ok .*protocol=22.05'
out=$(hat_exec ctl1 cat /run/ha-slurm/protocol-10.213.0.11-6817 2>&1 || true)
t_match "... and remembered with the binary's identity" "$out" '^9728( [0-9]+){5}$'
for h in ctl1 ctl2; do
    t_nomatch "22.05 $h: no refused protocol version in slurmctld's log" \
        "$(hat_ctld_version_errors "$h")" '.'
done

out=$(rpc ctl2 --protocol 22.05 --uid 0 10.213.0.11 status)
t_match "a credential for the wrong uid: closed without reply" "$out" 'error=ECONNRESET'
out=$(rpc ctl2 --protocol 24.11 10.213.0.11 status)
t_match "a newer protocol than 22.05's: closed without reply" "$out" 'error=ECONNRESET'
errors=$(hat_ctld_version_errors ctl1)
t_match "... and slurmctld logs it as an error" "$errors" '.'
t_note "22.05's log of a request in 24.11: ${errors//$'\n'/ | }"

hat_spawn ctl2 tarpit "$TARPIT" 10.213.0.12 7000
out=$(rpc ctl1 --protocol 22.05 --timeout 500ms 10.213.0.12:7000 status)
t_match "a listener that never answers: timed out" "$out" 'error=ETIMEDOUT'
ms=$(t_field ms "$out")
t_lt "... not before the 500 ms deadline" 490 "$ms"
t_lt "... and not long after it ($ms ms, under $((500 + 150 * slack)) ms)" "$ms" $((500 + 150 * slack))
out=$(rpc ctl1 --timeout 800ms 10.213.0.12:7000 status)
ms=$(t_field ms "$out")
t_match "probing versions against it: timed out too" "$out" 'error=ETIMEDOUT'
t_lt "... within the whole call's 800 ms deadline ($ms ms, under $((800 + 150 * slack)) ms)" "$ms" $((800 + 150 * slack))

out=$(rpc ctl1 --timeout 5s 10.213.0.12 takeover)
t_match "takeover to the backup is accepted" "$out" 'result=ok'
t_ok "the backup is in control within 20 s" hat_wait_for 20 active_on ctl1 10.213.0.12
t_ok "the old primary's slurmctld exits, as Slurm does" \
    hat_wait_for 20 eval '! hat_alive ctl1 slurmctld'
out=$(rpc ctl2 10.213.0.11 ping)
t_match "a stopped controller: connection refused" "$out" 'error=ECONNREFUSED'
ms=$(t_field ms "$out")
t_lt "... at once ($ms ms, under $((100 * slack)) ms)" "$ms" $((100 * slack))

hat_kill ctl2 slurmctld TERM
HAT_SLURMCTLD_TIMEOUT=60 HAT_SLURM_CONF_EXTRA="CommunicationParameters=block_null_hash,block_zero_hash" \
    hat_slurm_conf ctl1 ctl2
hat_slurmctld_start ctl1
out=$(hat_exec ctl1 scontrol show config 2>&1 | grep CommunicationParameters || true)
t_match "slurmctld runs with block_null_hash,block_zero_hash" "$out" 'block_null_hash,block_zero_hash'
out=$(rpc ctl2 --timeout 5s 10.213.0.11 status)
t_match "... and still answers our hashed requests" "$out" 'result=ok.*control=active'
hat_kill ctl1 slurmctld TERM

# The same client against the newer releases, each in its own Debian root.
for suite in trixie sid; do
    # probed: where probing oldest first stops. 24.11 takes 23.02 to 24.05 too, but answers
    # them without a credential, which the client accepts only from 24.11 on; 26.05 takes 24.11.
    case $suite in
    trixie) rel=24.11 probed=24.11 n=24 ip=10.213.0.4 ;;
    sid) rel=26.05 probed=24.11 n=26 ip=10.213.0.6 ;;
    esac
    if ! hat_root_ensure "$suite" >/dev/null; then
        t_note "Slurm $rel: no Debian $suite root could be made here (see above)"
        _t_report 1 "Slurm $rel root"
        continue
    fi
    root=$(hat_root_dir "$suite")
    t_note "Slurm $(hat_root_slurm_version "$suite") from Debian $suite: r${n}a primary, r${n}b backup"
    # trixie's root has the libraries ha-rpc needs (libinih1: tests/lib/roots.sh), so ha-rpc
    # runs there too, as the hooks do in the cluster on Slurm 24.11 (tests/cluster/lib.sh). Not
    # a sanitizer build's ha-rpc: the root has no sanitizer runtime. The release pass of
    # tests/run.sh runs these assertions; the sanitizer pass runs the rest of this test.
    local_rpc=0
    if [[ $suite == trixie ]]; then
        if grep -qs '^HA_SANITIZE:BOOL=ON' "$T_BUILD/CMakeCache.txt"; then
            t_note "$suite: ha-rpc from its own host not run: a sanitizer build cannot run in the root"
        else
            local_rpc=1
        fi
    fi
    ((local_rpc)) && export HAT_ROOT_BINDS=$T_BUILD
    hat_host_add "r${n}a" "${ip}1" "$root"
    hat_host_add "r${n}b" "${ip}2" "$root"
    unset HAT_ROOT_BINDS
    hat_munged_start "r${n}a"
    hat_munged_start "r${n}b"
    hat_shared_setup "/mnt/state$n" "r${n}a" "r${n}b"
    HAT_SLURMCTLD_TIMEOUT=60 HAT_SLURM_CONF_EXTRA="MailProg=/bin/true" hat_slurm_conf "r${n}a" "r${n}b"
    hat_slurmctld_start "r${n}a"
    hat_slurmctld_start "r${n}b"
    if ((local_rpc)); then
        out=$(rpc "r${n}a" --binary /usr/sbin/slurmctld --cache /run/ha-slurm "${ip}1" status)
        t_match "$rel: on its own host, the slurmctld binary's release is asked" "$out" \
            "result=ok .*control=active.*protocol=$rel"
        t_nomatch "$rel: no refused protocol version in slurmctld's log" \
            "$(hat_ctld_version_errors "r${n}a")" '.'
    fi
    out=$(rpc ctl1 --cache /run/ha-slurm --timeout 5s "${ip}1" ping)
    t_match "$rel primary answers ping (version probed oldest first)" "$out" \
        "result=ok .*protocol=$probed"
    t_note "first call, probing: $out"
    t_note "$rel's log of the probing: $(hat_ctld_version_errors "r${n}a" | tr '\n' '|')"
    out=$(rpc ctl1 --cache /run/ha-slurm "${ip}1" status)
    t_match "$rel primary is in control" "$out" 'control=active backup_inx=0 control_time=[1-9]'
    out=$(rpc ctl1 --cache /run/ha-slurm --timeout 5s "${ip}2" status)
    t_match "$rel backup is in standby" "$out" 'control=standby backup_inx=1 control_time=0 '
    out=$(rpc ctl1 --protocol "$rel" --repeat 300 "${ip}1" status)
    t_match "$rel: 300 control-status calls, none failed" "$out" 'failed=0'
    t_note "control status, $rel: $out"
    out=$(rpc ctl1 --protocol 22.05 "${ip}1" status)
    t_nomatch "$rel: a 22.05 request gets no usable reply" "$out" 'result=ok'
    errors=$(hat_ctld_version_errors "r${n}b" | wc -l)
    if ((local_rpc)); then
        out=$(rpc "r${n}b" --binary /usr/sbin/slurmctld --cache /run/ha-slurm --timeout 5s \
            "${ip}2" takeover)
    else
        out=$(rpc ctl1 --timeout 5s "${ip}2" takeover)
    fi
    t_match "$rel: takeover to the backup is accepted" "$out" 'result=ok'
    t_ok "$rel: the backup is in control within 20 s" hat_wait_for 20 active_on ctl1 "${ip}2"
    if ((local_rpc)); then
        t_match "$rel: the takeover from its own host logged no refused protocol version" \
            "$(hat_ctld_version_errors "r${n}b" | wc -l)" "^$errors\$"
    fi
    hat_kill "r${n}a" slurmctld KILL
    hat_kill "r${n}b" slurmctld KILL
done

t_done
