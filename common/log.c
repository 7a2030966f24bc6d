/* log.c: journald and stderr. */
#include "common/log.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "common/sd.h"

#define MAX_FIELDS 32

static const char *log_program = "ha-slurm";
static unsigned log_flags = HA_LOG_STDERR;
static int log_stderr_max = LOG_INFO;

void ha_log_open(const char *program, unsigned flags, int stderr_max_priority)
{
        log_program = program;
        log_flags = flags;
        log_stderr_max = stderr_max_priority;
}

const char *ha_log_program(void)
{
        return log_program;
}

/* The unit this process runs in: the first name below the slices in its cgroup path (as
 * systemd's cg_path_get_unit() finds it), "" if none. journald reads a sender's unit from
 * /proc after the message has arrived, and the check and the hooks log and exit at once: when
 * keepalived has reaped one by then, its entry has no _SYSTEMD_UNIT (a known journald race),
 * and `journalctl -u keepalived` misses it. That
 * command also matches OBJECT_SYSTEMD_UNIT= in entries from root, so the unit goes there. */
static const char *own_unit(void)
{
        static char unit[256];
        static bool known;
        char line[4096];
        FILE *f;

        if (known)
                return unit;
        known = true;
        f = fopen("/proc/self/cgroup", "re");
        if (!f)
                return unit;
        while (!unit[0] && fgets(line, sizeof(line), f)) {
                /* "0::/system.slice/keepalived.service" (v2), "1:name=systemd:/..." (v1). */
                char *ctrl = strchr(line, ':'), *path = ctrl ? strchr(ctrl + 1, ':') : NULL;

                if (!path)
                        continue;
                *path++ = '\0';
                ctrl++;
                if (strcmp(ctrl, "") != 0 && strcmp(ctrl, "name=systemd") != 0)
                        continue;
                path[strcspn(path, "\n")] = '\0';
                char *save = NULL;

                for (char *c = strtok_r(path, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                        size_t n = strlen(c);

                        if (n > 6 && strcmp(c + n - 6, ".slice") == 0)
                                continue;
                        if (n < sizeof(unit) && ((n > 8 && strcmp(c + n - 8, ".service") == 0) ||
                                                 (n > 6 && strcmp(c + n - 6, ".scope") == 0)))
                                memcpy(unit, c, n + 1);
                        break;
                }
        }
        (void)fclose(f);
        return unit;
}

/* Sends MESSAGE, PRIORITY, MESSAGE_ID, SYSLOG_IDENTIFIER, HA_PROGRAM, OBJECT_SYSTEMD_UNIT (this
 * process's unit, above) and the caller's fields. */
static void journal_send(int priority, const char *message_id, const char *const *fields,
                         const char *message)
{
        char *own[6] = {NULL};
        struct iovec iov[MAX_FIELDS + 6];
        size_t n = 0;

        if (asprintf(&own[0], "MESSAGE=%s", message) < 0)
                own[0] = NULL;
        if (asprintf(&own[1], "PRIORITY=%d", priority) < 0)
                own[1] = NULL;
        if (asprintf(&own[2], "SYSLOG_IDENTIFIER=%s", log_program) < 0)
                own[2] = NULL;
        if (asprintf(&own[3], "HA_PROGRAM=%s", log_program) < 0)
                own[3] = NULL;
        if (message_id && asprintf(&own[4], "MESSAGE_ID=%s", message_id) < 0)
                own[4] = NULL;
        if (own_unit()[0] && asprintf(&own[5], "OBJECT_SYSTEMD_UNIT=%s", own_unit()) < 0)
                own[5] = NULL;
        for (size_t i = 0; i < 6; i++)
                if (own[i])
                        iov[n++] = (struct iovec){own[i], strlen(own[i])};
        for (size_t i = 0; fields && fields[i] && i < MAX_FIELDS; i++)
                iov[n++] = (struct iovec){(void *)fields[i], strlen(fields[i])};

        /* Without journald (a manual run in a container, a test host) this fails: stderr has
         * the line, and a health check must not fail because logging did. */
        {
                const struct ha_sd *sd = ha_sd(NULL);

                if (sd)
                        (void)sd->journal_sendv(iov, (int)n);
        }
        for (size_t i = 0; i < 6; i++)
                free(own[i]);
}

void ha_log_eventv(int priority, const char *message_id, const char *const *fields, const char *fmt,
                   va_list ap)
{
        char message[2048];

        (void)vsnprintf(message, sizeof(message), fmt, ap);
        if ((log_flags & HA_LOG_STDERR) && priority <= log_stderr_max)
                (void)fprintf(stderr, "%s: %s\n", log_program, message);
        if (log_flags & HA_LOG_JOURNAL)
                journal_send(priority, message_id, fields, message);
}

void ha_log_event(int priority, const char *message_id, const char *const *fields, const char *fmt,
                  ...)
{
        va_list ap;

        va_start(ap, fmt);
        ha_log_eventv(priority, message_id, fields, fmt, ap);
        va_end(ap);
}

void ha_log_refusal(const char *path, const char *reason)
{
        /* Once per run: a hook reads the lease in its observation, then again to take it. */
        static char last[4500];
        char f_path[4200], f_reason[256], key[4500];
        const char *fields[] = {f_path, f_reason, NULL};

        (void)snprintf(key, sizeof(key), "%s\n%s", path, reason);
        if (strcmp(key, last) == 0)
                return;
        memcpy(last, key, sizeof(last));
        (void)snprintf(f_path, sizeof(f_path), "HA_PATH=%s", path);
        (void)snprintf(f_reason, sizeof(f_reason), "HA_REASON=%s", reason);
        ha_log_event(LOG_ERR, HA_MID_UNSAFE, fields, "refused %s: %s", path, reason);
}

void ha_log_storage_hung(const char *path, double ms)
{
        char f_path[4200];
        const char *fields[] = {f_path, "HA_PROBE=storage", NULL};

        (void)snprintf(f_path, sizeof(f_path), "HA_PATH=%s", path);
        ha_log_event(LOG_ERR, HA_MID_STORAGE, fields,
                     "storage hung: %s did not answer within %.0f ms; its probe is left to "
                     "finish and recorded, later runs say \"storage hung since\" at once",
                     path, ms);
}
