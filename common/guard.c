/* guard.c: the self-fence (guard.h has the timing argument). */
#include "common/guard.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/exec.h"
#include "common/fsutil.h"
#include "common/lease.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/program.h"
#include "common/reason.h"
#include "common/role.h"
#include "common/svc.h"
#include "common/vip.h"

static void guard_path(const char *state_dir, char *buf, size_t len)
{
        (void)snprintf(buf, len, "%s/guard.pid", state_dir);
}

/* Whether the guard recorded for this state folder still runs, for `epoch` (its record's third
 * field is the epoch it guards). */
static bool guard_alive(const char *state_dir, uint64_t epoch)
{
        char path[4096], *text = NULL;
        struct ha_proc_record rec;
        bool alive = false;

        guard_path(state_dir, path, sizeof(path));
        if (ha_fs_read_small(path, 128, &text, NULL) < 0)
                return false;
        if (ha_proc_record_parse(text, &rec) == 0)
                alive = ha_proc_running(rec.pid, rec.start) && rec.pid != getpid() &&
                        rec.since == epoch;
        free(text);
        return alive;
}

static int record_self(const char *state_dir, uint64_t epoch)
{
        struct ha_proc_record me = {getpid(), ha_proc_start_time(getpid()), epoch};
        char path[4096], text[128];
        int n;

        guard_path(state_dir, path, sizeof(path));
        n = ha_proc_record_format(&me, text, sizeof(text));
        if (n < 0)
                return n;
        return ha_fs_write_atomic(path, text, (size_t)n, 0600);
}

/* Whether keepalived runs here (its pid file, as Debian's unit and `keepalived -p` write it):
 * then it removes the VIP itself when the check fails, and must be left to (an address taken
 * from under a keepalived that still thinks itself MASTER would leave the VIP nowhere). */
static bool keepalived_runs(void)
{
        pid_t pid = ha_proc_read_pidfile(HA_GUARD_KEEPALIVED_PID);

        return pid > 0 && ha_proc_is(pid, "keepalived");
}

/* The fence: the VIP removed (clients go to the next master), the epoch forgotten, slurmctld
 * stopped by `kill_at` (CLOCK_MONOTONIC: SIGTERM first, so that it saves its state while the
 * lease is still its own, SIGKILL at `kill_at`), and the reason in the journal. */
static int fence(const struct ha_cfg *cfg, uint64_t epoch, usec_t since, usec_t kill_at)
{
        char f_node[96];
        const char *fields[] = {f_node, NULL}, *why = "";
        struct ha_svc s;
        int r, v;

        bool ka = keepalived_runs();

        v = ka ? 0
               : ha_vip_drop(cfg->vip.address, cfg->vip.interface, ha_deadline_in(HA_GUARD_KILL));
        (void)ha_lease_epoch_set(cfg->ha.state_dir, 0);
        ha_slurmctld_svc(cfg, &s);
        r = ha_svc_stop(&s, kill_at, kill_at + HA_GUARD_KILL, &why);
        /* No priority bonus for a node that let its lease go (role.h). */
        (void)ha_holder_record(cfg->ha.state_dir, false);
        (void)snprintf(f_node, sizeof(f_node), "HA_NODE=%s", cfg->ha.node);
        ha_log_event(LOG_CRIT, HA_MID_FAULT, fields,
                     "self-fence on %s: the lease (epoch %llu) was last renewed %.1f s ago, and "
                     "it may be granted to another node %.1f s after that: %s; VIP %s %s",
                     cfg->ha.node, (unsigned long long)epoch,
                     (double)(ha_now_boottime() - since) / 1e6, (double)cfg->lease.ttl / 1e6,
                     r < 0 ? why : "slurmctld stopped", cfg->vip.address,
                     ka      ? "left to keepalived"
                     : v < 0 ? ha_reason("not removed: %s", strerror(-v))
                             : "removed (keepalived is not running)");
        return r < 0 ? HA_EXIT_SYSTEM : HA_EXIT_REFUSED;
}

int ha_guard_run(const struct ha_cfg *cfg)
{
        uint64_t guarded = ha_lease_epoch_get(cfg->ha.state_dir);
        usec_t started = ha_now_boottime();
        int r;

        if (!guarded) {
                ha_log_event(LOG_NOTICE, HA_MID_PROMOTE, NULL,
                             "self-fence: no lease held here: nothing to guard");
                return HA_EXIT_OK;
        }
        if (guard_alive(cfg->ha.state_dir, guarded))
                return HA_EXIT_OK;
        r = record_self(cfg->ha.state_dir, guarded);
        if (r < 0) {
                ha_log_event(LOG_ERR, HA_MID_SYSTEM, NULL, "self-fence: Failed to record '%s': %s",
                             cfg->ha.state_dir, strerror(-r));
                return HA_EXIT_SYSTEM;
        }
        for (;;) {
                uint64_t epoch = ha_lease_epoch_get(cfg->ha.state_dir), renewed_epoch = 0;
                usec_t renewed = 0, now;

                /* The lease released (or taken again under a new epoch: its own guard runs). */
                if (epoch != guarded)
                        return HA_EXIT_OK;
                now = ha_now_boottime();
                /* No record of a renewal under this epoch (removed by hand): counted from this
                 * guard's start, which the promotion's last renewal came before. */
                if (ha_lease_renewed_get(cfg->ha.state_dir, &renewed_epoch, &renewed) < 0 ||
                    renewed_epoch != epoch || renewed > now)
                        renewed = started;
                {
                        usec_t kill = renewed + cfg->lease.ttl - HA_GUARD_MARGIN;
                        usec_t term = renewed + ha_guard_term_after(cfg->lease.ttl);

                        if (now >= term)
                                return fence(cfg, epoch, renewed,
                                             now >= kill ? ha_now() : ha_now() + (kill - now));
                }
                (void)ha_sleep_until(HA_USEC_INFINITY, HA_GUARD_POLL);
        }
}

usec_t ha_guard_term_after(usec_t ttl)
{
        usec_t term = ttl - HA_GUARD_MARGIN - HA_GUARD_GRACE;

        /* A ttl of 3 s or less: half of it. */
        return ttl > HA_GUARD_MARGIN + HA_GUARD_GRACE && term >= ttl / 2 ? term : ttl / 2;
}

int ha_guard_start(const struct ha_cfg *cfg, const char *check, const char **ret_reason)
{
        char *argv[] = {(char *)check, "--self-fence", "-c", cfg->path, NULL};
        const char *why;
        pid_t child;
        int status, r;

        if (guard_alive(cfg->ha.state_dir, ha_lease_epoch_get(cfg->ha.state_dir)))
                return 0;
        r = ha_exec_check(check, &why);
        if (r < 0)
                return ha_fail(ret_reason, ha_reason("refused to run %s: %s", check, why), r);
        /* Twice forked: the guard is no child of the hook's (init reaps it), and in a session
         * of its own (ha_exec_clean()), out of reach of what stops keepalived's scripts. */
        child = fork();
        if (child < 0)
                return ha_fail(ret_reason, "failed to fork", -errno);
        if (child == 0) {
                pid_t grandchild = fork();

                if (grandchild == 0)
                        ha_exec_clean(argv, NULL);
                _exit(grandchild < 0 ? 1 : 0);
        }
        while (waitpid(child, &status, 0) < 0)
                if (errno != EINTR)
                        return ha_fail(ret_reason, "failed to wait for its start", -errno);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return ha_fail(ret_reason, "failed to fork", -EAGAIN);
        return 0;
}
