/* lock.c: the hook lock and its intent record. */
#include "common/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/proc.h"

static int path_in(const char *dir, const char *name, char *buf, size_t len)
{
        int n = snprintf(buf, len, "%s/%s", dir, name);

        return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int ha_lock_take(const char *state_dir, usec_t deadline, int *ret_fd)
{
        const char *why;
        char path[4096];
        int fd, r;

        r = ha_fs_state_dir(state_dir, &why);
        if (r < 0)
                return r;
        r = path_in(state_dir, "hook.lock", path, sizeof(path));
        if (r < 0)
                return r;
        /* Not through a link, not blocking on a FIFO, and only a file of root's own. */
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0600);
        if (fd < 0) {
                r = -errno;
                if (r == -ELOOP)
                        ha_fs_refused(path, "a symbolic link");
                return r;
        }
        r = ha_fs_is_safe(fd, &why);
        if (r < 0) {
                ha_fs_refused(path, why);
                (void)close(fd);
                return r;
        }
        /* flock() has no timeout: poll it. Hooks hold the lock for seconds at most. */
        while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno != EWOULDBLOCK && errno != EINTR) {
                        r = -errno;
                        (void)close(fd);
                        return r;
                }
                if (ha_deadline_passed(deadline)) {
                        (void)close(fd);
                        return -ETIMEDOUT;
                }
                (void)ha_sleep_until(deadline, 5 * HA_USEC_PER_MSEC);
        }
        *ret_fd = fd;
        return 0;
}

int ha_lock_set_intent(const char *state_dir, const char *intent)
{
        char path[4096], text[256];
        int r = path_in(state_dir, "hook.intent", path, sizeof(path));

        if (r < 0)
                return r;
        struct ha_proc_record me = {getpid(), ha_proc_start_time(getpid()), ha_now()};
        int n;

        if (!*intent)
                return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
        n = snprintf(text, sizeof(text), "%s ", intent);
        if (n < 0 || (size_t)n >= sizeof(text) ||
            ha_proc_record_format(&me, text + n, sizeof(text) - (size_t)n) < 0)
                return -ENAMETOOLONG;
        return ha_fs_write_atomic(path, text, strlen(text), 0644);
}

void ha_lock_release(const char *state_dir, int fd)
{
        (void)ha_lock_set_intent(state_dir, "");
        (void)close(fd);
}

int ha_lock_intent_parse(const char *text, char *ret_intent, size_t len, struct ha_proc_record *ret)
{
        size_t n = strspn(text, "abcdefghijklmnopqrstuvwxyz");
        struct ha_proc_record rec;

        if (n == 0 || n >= len || text[n] != ' ' || ha_proc_record_parse(text + n + 1, &rec) < 0)
                return -EBADMSG;
        memcpy(ret_intent, text, n);
        ret_intent[n] = '\0';
        *ret = rec;
        return 0;
}

bool ha_lock_holder(const char *state_dir, char *ret_intent, size_t len, usec_t *ret_since)
{
        char path[4096], *text = NULL, intent[64];
        struct ha_proc_record rec;
        bool held = false;

        if (path_in(state_dir, "hook.intent", path, sizeof(path)) < 0 ||
            ha_fs_read_small(path, 200, &text, NULL) < 0)
                return false;
        if (ha_lock_intent_parse(text, intent, sizeof(intent), &rec) == 0 &&
            ha_proc_running(rec.pid, rec.start)) {
                held = true;
                (void)snprintf(ret_intent, len, "%s", intent);
                if (ret_since)
                        *ret_since = rec.since;
        }
        free(text);
        return held;
}
