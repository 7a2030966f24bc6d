#!/bin/bash
# metrics.sh - the check's and the hooks' gauges, read by the real consumer: Debian's
# prometheus-node-exporter, textfile collector only, in a test host, scraped over the host's
# network with curl.
#
# One controller host ctl1 (real munged and slurmctld 22.05, state folder on FUSE), cn1 named in
# slurm.conf; [metrics] textfile = /run/prometheus/node-exporter/ha-slurm.prom, laid out as
# Debian's prometheus-node-exporter lays out /var/lib/prometheus/node-exporter (the parent the
# prometheus user's, 0755; the folder root's, 0755). node_exporter runs as the prometheus user
# (so it must be able to read the file: mode 0644), on ctl1's address.
#
#   a. before any run: no ha_slurm_* series, node_textfile_scrape_error 0
#   b. VIP on ctl1, ha-notify-master, then the check: every family has HELP and TYPE gauge
#      lines; healthy 1, role master, control probe ok, in control, promotion success and its
#      duration (the hook's own "in N ms", within a second), transition to master at a time
#      between the hook's start and end; file mode exactly 0644, owned by root, no temporary
#      file left; node_textfile_scrape_error 0. The promotion's duration runs from the hook's
#      start to slurmctld in control: no longer than the hook, no shorter than its wait for
#      control. A second ha-notify-master (slurmctld already in control: nothing to do) updates
#      the hook's gauges, not the promotion's
#   c. VIP removed, ha-notify-backup, then the check: role backup, demotion success, transition
#      to backup, the promotion's gauges kept; scrape error 0
#   d. metrics that cannot be written change nothing: a textfile in a missing folder (check:
#      same exit status and verdict, the reason with -v; hook: exit 0, a warning), a textfile
#      on a hung FUSE mount (check: exit 0 on time, the writer left stuck and recorded, the
#      next run starts no second writer; written again once the mount answers), a textfile not
#      ending in .prom (configuration error)
#   e. the textfile's folder: refused (and not written; the check still healthy) when others
#      may write it (0777), or when it is a link the prometheus user planted in its own folder
#      (the folder it points at stays empty); written when only its group may (root:prometheus
#      0775)
#
# Root only (network namespaces, daemons). About 20-40 s.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
src=${HA_SOURCE_DIR:-$(readlink -f "$here/../..")}
build=${HA_BUILD_DIR:-$src/build}
HOOKS=$build/hooks
HAT_PREFIX=${HAT_PREFIX:-hatm}
VIP=10.213.0.100
IP=10.213.0.11
EXPORTER=/usr/bin/prometheus-node-exporter
TEXTROOT=/run/prometheus # as /var/lib/prometheus: the prometheus user's
TEXTDIR=$TEXTROOT/node-exporter
# shellcheck source=../lib/hosts.sh
source "$src/tests/lib/hosts.sh"
# shellcheck source=../lib/hacluster.sh
source "$src/tests/lib/hacluster.sh"
# shellcheck source=../lib/testlib.sh
source "$src/tests/lib/testlib.sh"
resume() { # a stopped FUSE daemon must run again, or the teardown's unmount would hang
    local p
    if p=$(hat_shared_pid ctl1 /mnt/metrics 2>/dev/null); then kill -CONT "$p" 2>/dev/null || true; fi
}
trap 'rc=$?; resume; hat_teardown; exit $rc' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ ! -x $EXPORTER ]]; then
    echo "metrics.sh: $EXPORTER missing (tests/install-deps.sh installs it)" >&2
    exit 1
fi

conf=$(ha_cluster_hooks_path ctl1)
run() { # run PROGRAM [ARGS...]: in ctl1 with its configuration; output, then "exit=N"
    local p=$1 rc=0
    shift
    hat_exec ctl1 "$HOOKS/$p" -c "$conf" "$@" 2>&1 || rc=$?
    echo "exit=$rc"
}
scrape() { hat_exec ctl1 curl -sS --max-time 5 "http://$IP:9100/metrics"; }
# value NAME{LABELS} TEXT: the sample's value in a scrape.
value() { awk -v s="$1" 'index($0, s " ") == 1 { print $2; exit }' <<<"$2"; }
now() { date +%s.%N; }
between() { awk -v a="$1" -v x="$2" -v b="$3" 'BEGIN { exit !(a <= x && x <= b) }'; }

hat_clean
hat_net_up
hat_host_add ctl1 "$IP"
hat_host_add cn1 10.213.0.21
export HAT_COMPUTE_HOSTS=cn1
hat_munged_start ctl1
HAT_SHARED_MODE=fuse hat_shared_setup /mnt/state ctl1
hat_slurm_conf ctl1
ha_cluster_conf "$VIP" ctl1
# No keepalived runs here to renew the lease: a ttl longer than the test, or the holder's
# self-fence (ttl - 3 s after the last renewal) would remove the VIP and stop slurmctld
# between the steps, on a slow (sanitized) build.
ha_cluster_hooks_conf ctl1 "[metrics]" "textfile = $TEXTDIR/ha-slurm.prom" \
    "[lease]" "ttl = 120s" "wait = 120s"
hat_exec ctl1 install -d -m 0755 -o prometheus -g prometheus "$TEXTROOT"
hat_exec ctl1 install -d -m 0755 "$TEXTDIR"
hat_spawn ctl1 node_exporter setpriv --reuid=prometheus --regid=prometheus --clear-groups \
    "$EXPORTER" --collector.disable-defaults --collector.textfile \
    "--collector.textfile.directory=$TEXTDIR" "--web.listen-address=$IP:9100"
hat_wait_for 20 scrape >/dev/null

t_note "a. before any run"
out=$(scrape)
t_match "node_exporter serves its textfile collector" "$out" 'node_scrape_collector_success\{collector="textfile"\} 1'
t_nomatch "no ha_slurm series yet" "$out" 'ha_slurm_'
t_match "node_textfile_scrape_error 0" "$(value node_textfile_scrape_error "$out")" '^0$'

t_note "b. promotion and a check"
hat_exec ctl1 ip addr add "$VIP/24" dev eth0
t0=$(now)
hook=$(run ha-notify-master)
t1=$(now)
t_match "ha-notify-master promotes" "$hook" 'promoted: slurmctld in control in [0-9.]+ ms.*exit=0'
hook_ms=$(sed -n 's/.*promoted: slurmctld in control in \([0-9.]*\) ms.*/\1/p' <<<"$hook")
check=$(run ha-check-slurmctld -v)
t_match "the check is healthy" "$check" 'verdict: healthy.*exit=0'
out=$(scrape)
t_note "$(grep -c '^ha_slurm_' <<<"$out") ha_slurm samples"
for f in ha_slurm_check_healthy ha_slurm_check_split_brain ha_slurm_check_duration_seconds \
    ha_slurm_check_last_run_timestamp_seconds ha_slurm_check_probe_state \
    ha_slurm_check_probe_duration_seconds ha_slurm_role ha_slurm_slurmctld_in_control \
    ha_slurm_hook_last_run_timestamp_seconds ha_slurm_hook_success ha_slurm_hook_refused \
    ha_slurm_hook_duration_seconds ha_slurm_promotion_timestamp_seconds \
    ha_slurm_promotion_success ha_slurm_promotion_duration_seconds \
    ha_slurm_last_transition_timestamp_seconds ha_slurm_last_transition; do
    t_match "$f: HELP and TYPE gauge" "$out" "# HELP $f [A-Z0-9].*# TYPE $f gauge"
done
t_match "ha_slurm_check_healthy 1" "$(value ha_slurm_check_healthy "$out")" '^1$'
t_match "ha_slurm_check_split_brain 0" "$(value ha_slurm_check_split_brain "$out")" '^0$'
t_match "role master 1" "$(value 'ha_slurm_role{role="master"}' "$out")" '^1$'
t_match "role backup 0" "$(value 'ha_slurm_role{role="backup"}' "$out")" '^0$'
t_match "slurmctld in control 1" "$(value ha_slurm_slurmctld_in_control "$out")" '^1$'
for p in vip hook process control munge storage conf lease; do
    t_match "probe $p: a duration" "$(value "ha_slurm_check_probe_duration_seconds{probe=\"$p\"}" "$out")" '^[0-9.e+-]+$'
done
t_match "probe control: state ok 1" "$(value 'ha_slurm_check_probe_state{probe="control",state="ok"}' "$out")" '^1$'
t_match "probe control: state failed 0" "$(value 'ha_slurm_check_probe_state{probe="control",state="failed"}' "$out")" '^0$'
t_match "promotion success 1" "$(value ha_slurm_promotion_success "$out")" '^1$'
d=$(value ha_slurm_promotion_duration_seconds "$out")
hook_d=$(value ha_slurm_hook_duration_seconds "$out")
wait_ms=$(sed -n 's/.*in control: slurmctld in control .*(\([0-9.]*\) ms)$/\1/p' <<<"$hook")
t_ok "promotion duration $d s: no longer than the hook's run ($hook_d s; it said $hook_ms ms)" \
    between 0 "$d" "$hook_d"
t_ok "... and no shorter than its wait for control (${wait_ms:-?} ms)" \
    between "$(awk -v m="${wait_ms:-1e9}" 'BEGIN { print m / 1000 }')" "$d" "$hook_d"
t_match "last transition: to master" "$(value 'ha_slurm_last_transition{to="master"}' "$out")" '^1$'
ts=$(value ha_slurm_last_transition_timestamp_seconds "$out")
t_ok "last transition time $ts between the hook's start and end" between "$t0" "$ts" "$t1"
t_match "node_textfile_scrape_error 0" "$(value node_textfile_scrape_error "$out")" '^0$'
t_match "node_exporter saw the file" "$out" 'node_textfile_mtime_seconds\{file="[^"]*ha-slurm\.prom"\}'
t_match "the file: mode 0644, owned by root" "$(hat_exec ctl1 stat -c '%a %U' "$TEXTDIR/ha-slurm.prom")" '^644 root$'
t_match "no temporary file left" "$(hat_exec ctl1 ls -A "$TEXTDIR")" '^ha-slurm\.prom$'
hook_ts=$(value ha_slurm_hook_last_run_timestamp_seconds "$out")
prom_ts=$(value ha_slurm_promotion_timestamp_seconds "$out")
hook=$(run ha-notify-master)
t_match "ha-notify-master again, slurmctld already in control: done (exit 0)" "$hook" 'exit=0$'
out=$(scrape)
t_ok "... the hook's gauges are updated" \
    test "$(value ha_slurm_hook_last_run_timestamp_seconds "$out")" != "$hook_ts"
t_match "... the promotion's are kept: its duration" \
    "$(value ha_slurm_promotion_duration_seconds "$out")" "^${d//./\\.}\$"
t_ok "... and its time ($prom_ts)" test "$(value ha_slurm_promotion_timestamp_seconds "$out")" = "$prom_ts"

t_note "c. demotion and a check"
hat_exec ctl1 ip addr del "$VIP/24" dev eth0
hook=$(run ha-notify-backup)
t_match "ha-notify-backup demotes" "$hook" 'demoted: no slurmctld here.*exit=0'
check=$(run ha-check-slurmctld)
t_match "the check (standby, ready) is healthy" "$check" '^exit=0$'
out=$(scrape)
t_match "role backup 1" "$(value 'ha_slurm_role{role="backup"}' "$out")" '^1$'
t_match "role master 0" "$(value 'ha_slurm_role{role="master"}' "$out")" '^0$'
t_match "slurmctld in control 0" "$(value ha_slurm_slurmctld_in_control "$out")" '^0$'
t_match "demotion success 1" "$(value ha_slurm_demotion_success "$out")" '^1$'
t_match "last transition: to backup" "$(value 'ha_slurm_last_transition{to="backup"}' "$out")" '^1$'
t_match "the promotion's gauges are kept" "$(value ha_slurm_promotion_duration_seconds "$out")" "^${d//./\\.}\$"
t_match "node_textfile_scrape_error 0" "$(value node_textfile_scrape_error "$out")" '^0$'

t_note "d. metrics that cannot be written change nothing"
cp "$conf" "$conf.good"
sed -i "s|^textfile = .*|textfile = /run/no-such-folder/ha-slurm.prom|" "$conf"
check=$(run ha-check-slurmctld -v)
t_match "missing folder: the check is still healthy (exit 0)" "$check" 'verdict: healthy.*exit=0'
t_match "... and says why there are no metrics" "$check" "Failed to write metrics to '/run/no-such-folder/ha-slurm.prom': No such file"
hook=$(run ha-notify-backup)
t_match "missing folder: the hook still succeeds (exit 0)" "$hook" 'demoted: no slurmctld here.*exit=0'
t_match "... with a warning" "$hook" 'Failed to write metrics'

HAT_SHARED_MODE=fuse hat_shared_setup /mnt/metrics ctl1
sed -i "s|^textfile = .*|textfile = /mnt/metrics/ha-slurm.prom|" "$conf"
t_match "on a FUSE mount: written" "$(run ha-check-slurmctld)" '^exit=0$'
t_ok "... the file is there" hat_exec ctl1 test -s /mnt/metrics/ha-slurm.prom
kill -STOP "$(hat_shared_pid ctl1 /mnt/metrics)"
s=$(date +%s%3N)
check=$(run ha-check-slurmctld -v)
ms=$(($(date +%s%3N) - s))
t_match "hung mount: the check is still healthy (exit 0)" "$check" 'verdict: healthy.*exit=0'
t_match "... the writer timed out" "$check" "Failed to write metrics to '/mnt/metrics/ha-slurm.prom': Connection timed out"
t_lt "... and the check took $ms ms: under 3 s (metrics timeout 500 ms)" "$ms" 3000
t_ok "... the stuck writer is recorded" hat_exec ctl1 test -s /run/ha-slurm/metrics.stuck
check=$(run ha-check-slurmctld -v)
t_match "next run: healthy, and no second writer (the first is still stuck)" "$check" \
    'Failed to write metrics.*Operation already in progress.*exit=0'
resume
written() { # the check runs healthy and writes its metrics
    local o
    o=$(run ha-check-slurmctld -v)
    [[ $o == *"verdict: healthy"* && $o != *"Failed to write metrics"* ]]
}
t_ok "mount back: a later run writes again" hat_wait_for 10 written

sed -i "s|^textfile = .*|textfile = $TEXTDIR/ha-slurm.txt|" "$conf"
t_match "a textfile not ending in .prom: configuration error (exit 2)" \
    "$(run ha-check-slurmctld)" 'metrics\] textfile: expected a file name ending in "\.prom".*exit=2'
cp "$conf.good" "$conf"

t_note "e. the textfile's folder"
sum() { hat_exec ctl1 md5sum "$TEXTDIR/ha-slurm.prom"; }
t_match "the standard layout is written" "$(run ha-check-slurmctld -v)" 'verdict: healthy.*exit=0'
t_nomatch "... and nothing refused" "$(run ha-check-slurmctld -v)" 'refused|Failed to write metrics'
before=$(sum)
hat_exec ctl1 chmod 0777 "$TEXTDIR"
check=$(run ha-check-slurmctld -v)
t_match "a folder others may write: the check is still healthy (exit 0)" "$check" 'verdict: healthy.*exit=0'
t_match "... the folder is refused, saying why" "$check" "refused $TEXTDIR: a folder others may write"
t_match "... and the file not written" "$(sum)" "^${before%% *} "
hat_exec ctl1 chown root:prometheus "$TEXTDIR"
hat_exec ctl1 chmod 0775 "$TEXTDIR"
check=$(run ha-check-slurmctld -v)
t_nomatch "a folder its group may write (root:prometheus 0775): not refused" "$check" 'refused|Failed to write metrics'
t_nomatch "... the file written" "$(sum)" "^${before%% *} "
hat_exec ctl1 chown root:root "$TEXTDIR"
hat_exec ctl1 chmod 0755 "$TEXTDIR"
as_prometheus() { hat_exec ctl1 setpriv --reuid=prometheus --regid=prometheus --clear-groups "$@"; }
hat_exec ctl1 install -d -m 0755 /run/decoy
as_prometheus mv "$TEXTDIR" "$TEXTROOT/node-exporter.real"
as_prometheus ln -s /run/decoy "$TEXTDIR"
check=$(run ha-check-slurmctld -v)
t_match "the folder a link the prometheus user planted: the check still healthy (exit 0)" "$check" 'verdict: healthy.*exit=0'
t_match "... the folder is refused, saying why" "$check" \
    "refused $TEXTDIR: a symbolic link on the way, in a folder others may write"
t_match "... nothing written where it points" "$(hat_exec ctl1 ls -A /run/decoy)" '^$'
hook=$(run ha-notify-backup)
t_match "... nor by a hook (exit 0, a warning)" "$hook" "refused $TEXTDIR: a symbolic link.*Failed to write metrics.*exit=0"
t_match "... still nothing there" "$(hat_exec ctl1 ls -A /run/decoy)" '^$'
as_prometheus rm "$TEXTDIR"
as_prometheus mv "$TEXTROOT/node-exporter.real" "$TEXTDIR"
t_done
