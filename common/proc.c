/* proc.c: processes by pid. */
#include "common/proc.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"

/* Reads /proc/PID/stat: the state letter (field 3) and the start time (field 22). */
static bool proc_stat(pid_t pid, char *ret_state, unsigned long long *ret_start)
{
        char path[64], *text = NULL, *p;
        bool ok = false;
        FILE *f;
        size_t n = 0;

        (void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        f = fopen(path, "re");
        if (!f)
                return false;
        if (getline(&text, &n, f) > 0) {
                /* Skip "pid (comm)": comm may hold spaces and parentheses. */
                p = strrchr(text, ')');
                if (p && p[1] == ' ' && p[2]) {
                        *ret_state = p[2];
                        for (int field = 2; p && field < 22; field++)
                                p = strchr(p + 1, ' ');
                        if (p) {
                                *ret_start = strtoull(p + 1, NULL, 10);
                                ok = true;
                        }
                }
        }
        free(text);
        fclose(f);
        return ok;
}

unsigned long long ha_proc_start_time(pid_t pid)
{
        unsigned long long start = 0;
        char state;

        return proc_stat(pid, &state, &start) ? start : 0;
}

bool ha_proc_running(pid_t pid, unsigned long long start)
{
        unsigned long long s = 0;
        char state = 0;

        return pid > 0 && proc_stat(pid, &state, &s) && s == start && state != 'Z' && state != 'X';
}

bool ha_proc_is(pid_t pid, const char *comm)
{
        char path[64], name[64] = "", state = 0;
        unsigned long long start;
        FILE *f;
        bool ok = false;

        /* A zombie keeps its name and runs nothing: not running (its parent has yet to reap
         * it, or is stopped itself). */
        if (pid <= 0 || !proc_stat(pid, &state, &start) || state == 'Z' || state == 'X')
                return false;
        (void)snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
        f = fopen(path, "re");
        if (!f)
                return false;
        if (fgets(name, sizeof(name), f)) {
                name[strcspn(name, "\n")] = '\0';
                ok = strcmp(name, comm) == 0;
        }
        fclose(f);
        return ok;
}

pid_t ha_proc_read_pidfile(const char *path)
{
        char *text = NULL, *end;
        long pid;
        int r;

        /* Slurm writes its pid file as SlurmUser in some set-ups: owner is not checked here,
         * only what the number points at (ha_proc_is()). But a link or a FIFO is refused:
         * SlurmUser must not make root read elsewhere or hang. */
        r = ha_fs_read_untrusted(path, 32, &text);
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        pid = strtol(text, &end, 10);
        if (end == text || (*end != '\n' && *end != '\0') || pid <= 0 || pid > 4194304) {
                free(text);
                return -EBADMSG;
        }
        free(text);
        return (pid_t)pid;
}

int ha_proc_record_format(const struct ha_proc_record *r, char *buf, size_t len)
{
        int n = snprintf(buf, len, "%d %llu %" PRIu64 "\n", (int)r->pid, r->start, r->since);

        return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : n;
}

/* One decimal number at *p, without sign or leading zero, at most `max`; *p moves past it. */
static bool take_number(const char **p, uint64_t max, uint64_t *ret)
{
        const char *s = *p;
        uint64_t v = 0;

        if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
                return false;
        for (; *s >= '0' && *s <= '9'; s++) {
                unsigned d = (unsigned)(*s - '0');

                if (v > (max - d) / 10)
                        return false;
                v = v * 10 + d;
        }
        *p = s;
        *ret = v;
        return true;
}

int ha_proc_record_parse(const char *text, struct ha_proc_record *ret)
{
        uint64_t pid, start, since;
        const char *p = text;

        if (!take_number(&p, INT_MAX, &pid) || pid == 0 || *p++ != ' ' ||
            !take_number(&p, ULLONG_MAX, &start) || *p++ != ' ' ||
            !take_number(&p, UINT64_MAX, &since))
                return -EBADMSG;
        if (*p == '\n')
                p++;
        if (*p)
                return -EBADMSG;
        ret->pid = (pid_t)pid;
        ret->start = start;
        ret->since = since;
        return 0;
}
