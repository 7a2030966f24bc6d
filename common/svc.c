/* svc.c: services through sd-bus, or by pid file. */
#include "common/svc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/exec.h"
#include "common/proc.h"
#include "common/reason.h"
#include "common/sd.h"

#define SD_DEST         "org.freedesktop.systemd1"
#define SD_PATH         "/org/freedesktop/systemd1"
#define SD_MGR          "org.freedesktop.systemd1.Manager"
#define SD_UNIT         "org.freedesktop.systemd1.Unit"
#define SD_SERVICE      "org.freedesktop.systemd1.Service"
#define SD_PROPS        "org.freedesktop.DBus.Properties"
#define SD_NO_SUCH_UNIT "org.freedesktop.systemd1.NoSuchUnit"
#define POLL_GAP        (20 * HA_USEC_PER_MSEC)

#define SAY(...) (void)ha_fail(ret_reason, ha_reason(__VA_ARGS__), 0)

bool ha_svc_uses_systemd(const struct ha_svc *s)
{
        if (s->manager == HA_SVC_SYSTEMD)
                return true;
        if (s->manager == HA_SVC_DIRECT)
                return false;
        return ha_sd_booted();
}

/* ---- systemd ---- */

/* Only called once ha_sd() has loaded: every path below starts with bus_open(). */
static void bus_unrefp(sd_bus **b)
{
        if (*b)
                ha_sd(NULL)->bus_flush_close_unref(*b);
}
static void msg_unrefp(sd_bus_message **m)
{
        if (*m)
                ha_sd(NULL)->bus_message_unref(*m);
}
static void err_freep(sd_bus_error *e)
{
        const struct ha_sd *sd = ha_sd(NULL);

        if (sd)
                sd->bus_error_free(e);
}
#define _cleanup_bus_ __attribute__((cleanup(bus_unrefp)))
#define _cleanup_msg_ __attribute__((cleanup(msg_unrefp)))
#define _cleanup_err_ __attribute__((cleanup(err_freep)))

/* systemd's private socket: no dbus-daemon in the way. */
static int bus_open(sd_bus **ret)
{
        const struct ha_sd *sd = ha_sd(NULL);
        sd_bus *b = NULL;
        int r;

        if (!sd)
                return -ELIBACC;
        r = sd->bus_new(&b);
        if (r < 0)
                return r;
        r = sd->bus_set_address(b, "unix:path=/run/systemd/private");
        if (r >= 0)
                r = sd->bus_start(b);
        if (r < 0) {
                sd->bus_unref(b);
                /* Not root, or an old systemd: the system bus. */
                r = sd->bus_open_system(&b);
                if (r < 0)
                        return r;
        }
        *ret = b;
        return 0;
}

static int bus_call(sd_bus *b, usec_t deadline, sd_bus_error *err, sd_bus_message **reply,
                    const char *path, const char *iface, const char *method, const char *types, ...)
{
        _cleanup_msg_ sd_bus_message *m = NULL;
        usec_t left = ha_deadline_left(deadline);
        va_list ap;
        int r;

        if (left == 0)
                return -ETIMEDOUT;
        r = ha_sd(NULL)->bus_message_new_method_call(b, &m, SD_DEST, path, iface, method);
        if (r < 0)
                return r;
        if (types) {
                va_start(ap, types);
                r = ha_sd(NULL)->bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return r;
        }
        return ha_sd(NULL)->bus_call(b, m, left == HA_USEC_INFINITY ? 0 : left, err, reply);
}

/* The unit's ActiveState and, for a service, its MainPID (0 when it has none). LoadUnit, not
 * GetUnit: a unit that is not loaded (never started since boot) is "inactive", not an error. */
static int unit_state(sd_bus *b, const char *unit, usec_t deadline, char **ret_state,
                      pid_t *ret_pid, sd_bus_error *err)
{
        _cleanup_msg_ sd_bus_message *reply = NULL, *prop = NULL, *pidprop = NULL;
        const char *path, *state, *dot = strrchr(unit, '.');
        uint32_t pid = 0;
        int r;

        r = bus_call(b, deadline, err, &reply, SD_PATH, SD_MGR, "LoadUnit", "s", unit);
        if (r < 0)
                return r;
        r = ha_sd(NULL)->bus_message_read(reply, "o", &path);
        if (r < 0)
                return r;
        r = bus_call(b, deadline, err, &prop, path, SD_PROPS, "Get", "ss", SD_UNIT, "ActiveState");
        if (r < 0)
                return r;
        r = ha_sd(NULL)->bus_message_read(prop, "v", "s", &state);
        if (r < 0)
                return r;
        if (dot && strcmp(dot, ".service") == 0) {
                r = bus_call(b, deadline, err, &pidprop, path, SD_PROPS, "Get", "ss", SD_SERVICE,
                             "MainPID");
                if (r < 0)
                        return r;
                r = ha_sd(NULL)->bus_message_read(pidprop, "v", "u", &pid);
                if (r < 0)
                        return r;
        }
        *ret_state = strdup(state);
        if (!*ret_state)
                return -ENOMEM;
        *ret_pid = (pid_t)pid;
        return 0;
}

struct job_wait {
        const char *job;
        char *result;
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
        struct job_wait *w = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        (void)err;
        if (ha_sd(NULL)->bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        if (w->job && strcmp(path, w->job) == 0 && !w->result)
                w->result = strdup(result);
        return 0;
}

/* StartUnit or StopUnit, then wait for the job's JobRemoved signal. A stop job still running
 * at `kill_at` gets the unit's processes killed with SIGKILL (KillUnit), as a direct stop
 * would: systemd itself would wait the unit's TimeoutStopSec (90 s by default), longer than
 * a hook may run, and a demotion must not end with slurmctld still running. */
static int systemd_job(const struct ha_svc *s, const char *method, usec_t kill_at, usec_t deadline,
                       const char **ret_reason)
{
        _cleanup_bus_ sd_bus *b = NULL;
        _cleanup_msg_ sd_bus_message *reply = NULL;
        _cleanup_err_ sd_bus_error err = SD_BUS_ERROR_NULL;
        bool stop = strcmp(method, "StopUnit") == 0, killed = false;
        struct job_wait w = {0};
        const char *job;
        int r;

        r = bus_open(&b);
        if (r < 0) {
                SAY("failed to connect to systemd: %s", strerror(-r));
                return r;
        }
        r = ha_sd(NULL)->bus_match_signal(b, NULL, SD_DEST, SD_PATH, SD_MGR, "JobRemoved",
                                          on_job_removed, &w);
        if (r >= 0)
                r = bus_call(b, deadline, &err, NULL, SD_PATH, SD_MGR, "Subscribe", NULL);
        /* Killed at once: SIGKILL before the stop job's SIGTERM, which would have it start
         * saving its state. */
        if (r >= 0 && stop && ha_deadline_passed(kill_at)) {
                _cleanup_err_ sd_bus_error kerr = SD_BUS_ERROR_NULL;

                (void)bus_call(b, deadline, &kerr, NULL, SD_PATH, SD_MGR, "KillUnit", "ssi",
                               s->unit, "all", SIGKILL);
                killed = true;
        }
        if (r >= 0)
                r = bus_call(b, deadline, &err, &reply, SD_PATH, SD_MGR, method, "ss", s->unit,
                             "replace");
        /* Stopping a unit that does not exist: nothing of it runs. */
        if (r < 0 && stop && ha_sd(NULL)->bus_error_has_name(&err, SD_NO_SUCH_UNIT))
                return 0;
        if (r < 0) {
                SAY("systemd %s %s: %s", method, s->unit, err.message ? err.message : strerror(-r));
                return r;
        }
        r = ha_sd(NULL)->bus_message_read(reply, "o", &job);
        if (r < 0) {
                SAY("systemd %s %s: malformed reply", method, s->unit);
                return r;
        }
        w.job = job;
        while (!w.result) {
                usec_t until = deadline;

                r = ha_sd(NULL)->bus_process(b, NULL);
                if (r < 0) {
                        SAY("systemd connection lost while waiting for %s", s->unit);
                        return r;
                }
                if (r > 0)
                        continue;
                if (stop && !killed && ha_deadline_passed(kill_at)) {
                        _cleanup_err_ sd_bus_error kerr = SD_BUS_ERROR_NULL;

                        /* Best effort: the job may end on its own in the meantime. */
                        (void)bus_call(b, deadline, &kerr, NULL, SD_PATH, SD_MGR, "KillUnit", "ssi",
                                       s->unit, "all", SIGKILL);
                        killed = true;
                        continue;
                }
                if (ha_deadline_passed(deadline)) {
                        SAY("systemd job %s %s not done before the deadline%s", method, s->unit,
                            killed ? " (SIGKILL sent)" : "");
                        return -ETIMEDOUT;
                }
                if (stop && !killed)
                        until = ha_deadline_min(deadline, kill_at);
                r = ha_sd(NULL)->bus_wait(b, ha_deadline_left(until));
                if (r < 0 && r != -EINTR) {
                        SAY("systemd connection lost while waiting for %s", s->unit);
                        return r;
                }
        }
        if (strcmp(w.result, "done") != 0) {
                SAY("systemd job %s %s ended as \"%s\"", method, s->unit, w.result);
                free(w.result);
                return -EIO;
        }
        free(w.result);
        return 0;
}

/* ---- direct ---- */

static pid_t direct_pid(const struct ha_svc *s)
{
        pid_t pid = ha_proc_read_pidfile(s->pid_file);

        return pid > 0 && ha_proc_is(pid, s->comm) ? pid : 0;
}

static int direct_start(const struct ha_svc *s, usec_t deadline, const char **ret_reason)
{
        const char *why;
        pid_t child;
        int status;

        if (direct_pid(s) > 0)
                return 0;
        if (ha_exec_check(s->argv[0], &why) < 0) {
                SAY("refused to run %s: %s", s->argv[0], why);
                return -EPERM;
        }
        child = fork();
        if (child < 0) {
                SAY("failed to fork: %s", strerror(errno));
                return -errno;
        }
        /* A clean process, as a service manager would make it. */
        if (child == 0)
                ha_exec_clean(s->argv, NULL);
        /* The daemon forks and its first process exits; wait for that, then the pid file. */
        for (;;) {
                pid_t r = waitpid(child, &status, WNOHANG);

                if (r == child) {
                        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                                SAY("%s exited with status %d", s->argv[0],
                                    WIFEXITED(status) ? WEXITSTATUS(status)
                                                      : 128 + WTERMSIG(status));
                                return -EIO;
                        }
                        child = 0;
                }
                if (direct_pid(s) > 0)
                        return 0;
                if (ha_deadline_passed(deadline)) {
                        SAY("%s did not write a live pid to %s before the deadline", s->argv[0],
                            s->pid_file);
                        return -ETIMEDOUT;
                }
                (void)ha_sleep_until(deadline, 10 * HA_USEC_PER_MSEC);
        }
}

static int direct_stop(const struct ha_svc *s, usec_t kill_at, usec_t deadline,
                       const char **ret_reason)
{
        pid_t pid = direct_pid(s);
        unsigned long long start;
        bool killed = false;

        if (pid == 0)
                return 0;
        start = ha_proc_start_time(pid);
        /* Killed at once: no SIGTERM first, which would have it start saving its state. */
        killed = ha_deadline_passed(kill_at);
        if (kill(pid, killed ? SIGKILL : SIGTERM) < 0 && errno != ESRCH) {
                SAY("failed to signal %s (pid %d): %s", s->comm, (int)pid, strerror(errno));
                return -errno;
        }
        for (;;) {
                /* Gone, or a zombie of ours reaped, or the pid reused by another process. */
                (void)waitpid(pid, NULL, WNOHANG);
                if (ha_proc_start_time(pid) != start || !ha_proc_is(pid, s->comm))
                        return 0;
                if (!killed && ha_deadline_passed(kill_at)) {
                        (void)kill(pid, SIGKILL);
                        killed = true;
                }
                if (ha_deadline_passed(deadline)) {
                        SAY("%s (pid %d) still runs after SIGTERM%s", s->comm, (int)pid,
                            killed ? " and SIGKILL" : "");
                        return -ETIMEDOUT;
                }
                (void)ha_sleep_until(deadline, 10 * HA_USEC_PER_MSEC);
        }
}

/* ---- public ---- */

int ha_svc_state(const struct ha_svc *s, usec_t deadline, bool *ret_running, pid_t *ret_pid,
                 const char **ret_reason)
{
        if (ha_svc_uses_systemd(s)) {
                _cleanup_bus_ sd_bus *b = NULL;
                _cleanup_err_ sd_bus_error err = SD_BUS_ERROR_NULL;
                char *state = NULL;
                pid_t pid = 0;
                int r = bus_open(&b);

                if (r >= 0)
                        r = unit_state(b, s->unit, deadline, &state, &pid, &err);
                if (r < 0) {
                        SAY("failed to ask systemd about %s: %s", s->unit,
                            err.message ? err.message : strerror(-r));
                        return r;
                }
                /* A unit on its way up or down has a process that may be in control:
                 * running, until systemd says it is inactive or failed. */
                *ret_running = strcmp(state, "active") == 0 || strcmp(state, "reloading") == 0 ||
                               strcmp(state, "activating") == 0 ||
                               strcmp(state, "deactivating") == 0 ||
                               strcmp(state, "refreshing") == 0;
                if (!*ret_running)
                        SAY("%s is %s", s->unit, state);
                free(state);
                if (ret_pid)
                        *ret_pid = *ret_running ? pid : 0;
                return 0;
        }
        {
                pid_t pid = direct_pid(s);

                *ret_running = pid > 0;
                if (ret_pid)
                        *ret_pid = pid;
                if (!pid)
                        SAY("no %s process (pid file %s)", s->comm, s->pid_file);
                return 0;
        }
}

int ha_svc_start(const struct ha_svc *s, usec_t deadline, const char **ret_reason)
{
        if (ha_svc_uses_systemd(s))
                return systemd_job(s, "StartUnit", HA_USEC_INFINITY, deadline, ret_reason);
        return direct_start(s, deadline, ret_reason);
}

int ha_svc_stop(const struct ha_svc *s, usec_t kill_at, usec_t deadline, const char **ret_reason)
{
        if (ha_svc_uses_systemd(s))
                return systemd_job(s, "StopUnit", kill_at, deadline, ret_reason);
        return direct_stop(s, kill_at, deadline, ret_reason);
}
