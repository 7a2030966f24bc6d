/* lease.c: the split-brain guard.
 *
 * MUST / MUST NOT (see lease.h for why each matters):
 *  1. A node MUST NOT start slurmctld unless it holds the VIP and has been granted the lease.
 *  2. A node MUST NOT take a lease another node holds, unless that node released it or did
 *     not renew it for `ttl`.
 *  3. Every grant to a new owner MUST raise the epoch; the epoch never goes down.
 *  4. The holder MUST renew the lease only while it holds the VIP and its slurmctld is healthy
 *     and in control.
 *  5. A node that finds the lease held by another owner MUST stop its own slurmctld.
 *  6. A node MUST stop slurmctld before it releases the lease, never after.
 *  7. The controllers' clocks MUST agree to well within `ttl`.
 *  8. Every read and write of the lease MUST run in a child with a deadline.
 */
#include "common/lease.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/child.h"
#include "common/fsutil.h"

#define LOCK_STALE_US (10 * HA_USEC_PER_SEC) /* a lock file older than this was left by a crash */

bool ha_lease_expired(const struct ha_lease *l, uint64_t now)
{
        /* Written without a sum that could wrap (a renewal time near UINT64_MAX, found by
         * fuzzing, would make any lease look expired). A renewal in the future has not
         * expired. */
        return now > l->renewed && now - l->renewed > l->ttl;
}

/* Every lease file has the same length. A shared file system may cache a file's size on
 * one node while another node replaces it (FUSE attribute caching, GlusterFS md-cache): with a
 * fixed length, a reader never gets a new content cut at an old size. */
#define RECORD_LEN 160

int ha_lease_format(const struct ha_lease *l, char *buf, size_t len)
{
        int n;

        if (len < RECORD_LEN + 1)
                return -ENOBUFS;
        n = snprintf(buf, len,
                     "ha-slurm-lease 1 owner=%s epoch=%" PRIu64 " renewed=%" PRIu64 " ttl=%" PRIu64
                     " state=%s",
                     *l->owner ? l->owner : "-", l->epoch, l->renewed, l->ttl,
                     l->released ? "released" : "held");
        if (n < 0 || n > RECORD_LEN - 1)
                return -ENAMETOOLONG;
        memset(buf + n, ' ', (size_t)(RECORD_LEN - 1 - n));
        buf[RECORD_LEN - 1] = '\n';
        buf[RECORD_LEN] = '\0';
        return RECORD_LEN;
}

int ha_lease_parse(const char *text, struct ha_lease *ret)
{
        struct ha_lease l = {0};
        char owner[64], state[16];
        int n = 0;

        if (sscanf(text,
                   "ha-slurm-lease 1 owner=%63s epoch=%" SCNu64 " renewed=%" SCNu64 " ttl=%" SCNu64
                   " state=%15s%n",
                   owner, &l.epoch, &l.renewed, &l.ttl, state, &n) != 5)
                return -EBADMSG;
        n += (int)strspn(text + n, " ");
        if (text[n] != '\n' && text[n] != '\0')
                return -EBADMSG;
        if (strcmp(state, "held") == 0)
                l.released = false;
        else if (strcmp(state, "released") == 0)
                l.released = true;
        else
                return -EBADMSG;
        if (strcmp(owner, "-") != 0)
                (void)snprintf(l.owner, sizeof(l.owner), "%s", owner);
        *ret = l;
        return 0;
}

struct op_arg {
        enum ha_lease_op op;
        const char *path;
        const char *node;
        usec_t ttl;
};

/* The answer the child sends back. */
struct op_answer {
        int32_t result;
        struct ha_lease lease;
};

/* The lease's folder, opened once per operation: every file below is opened relative to it,
 * never through a link planted in it. The folder is StateSaveLocation, which SlurmUser may
 * write: whatever is found in it is checked (a regular file, root's, not writable by others),
 * and nothing is ever written through what is found there (new files with O_EXCL, then
 * rename). */
struct lease_dir {
        int fd;
        const char *path; /* the lease file's path, for reports */
        char name[256];   /* the lease file's name in the folder */
        char lock[280];   /* its lock file */
};

static int lease_dir_open(const char *path, struct lease_dir *ret)
{
        const char *slash = strrchr(path, '/');
        char dir[4096];
        int n;

        if (!slash || !slash[1] || (size_t)(slash - path) >= sizeof(dir) ||
            strlen(slash + 1) >= sizeof(ret->name))
                return -EINVAL;
        n = (int)(slash - path);
        (void)snprintf(dir, sizeof(dir), "%.*s", n > 0 ? n : 1, n > 0 ? path : "/");
        ret->path = path;
        (void)snprintf(ret->name, sizeof(ret->name), "%s", slash + 1);
        (void)snprintf(ret->lock, sizeof(ret->lock), "%s.lock", ret->name);
        ret->fd = ha_fs_open_dir_nofollow(dir, NULL);
        return ret->fd < 0 ? ret->fd : 0;
}

static int read_lease_once(const struct lease_dir *d, struct ha_lease *ret)
{
        char *text = NULL;
        int r;

        /* A symbolic link, a FIFO (opened without blocking), a file of another owner or one
         * others may write: refused, and reported with the reason. */
        r = ha_fs_read_at(d->fd, d->name, d->path, 511, &text, NULL);
        if (r == -ENOENT) {
                memset(ret, 0, sizeof(*ret));
                return 0;
        }
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        r = ha_lease_parse(text, ret);
        free(text);
        return r;
}

/* A read racing another node's replacement may still see a torn or stale file through a
 * shared file system's caches: read again a few times before calling it garbage. */
static int read_lease(const struct lease_dir *d, struct ha_lease *ret)
{
        int r = -EBADMSG;

        for (int i = 0; i < 10 && r == -EBADMSG; i++) {
                if (i > 0)
                        (void)ha_sleep_until(HA_USEC_INFINITY, 50 * HA_USEC_PER_MSEC);
                r = read_lease_once(d, ret);
        }
        return r;
}

static int write_lease(const struct lease_dir *d, const struct ha_lease *l)
{
        char tmp[512], buf[512];
        int n;

        n = ha_lease_format(l, buf, sizeof(buf));
        if (n < 0)
                return n;
        (void)snprintf(tmp, sizeof(tmp), "%s.%s.tmp", d->name, l->owner);
        return ha_fs_write_at(d->fd, d->name, tmp, buf, (size_t)n, 0644);
}

/* The lock file beside the lease: O_EXCL creation, so one node at a time reads and writes.
 * A lock older than LOCK_STALE_US was left by a node that died holding it. */
/* Stamps the lease with `now`, `ttl` and `released`, and writes it. */
static int write_stamped(const struct lease_dir *d, struct ha_lease *l, usec_t now, usec_t ttl,
                         bool released)
{
        l->renewed = now;
        l->ttl = ttl;
        l->released = released;
        return write_lease(d, l);
}

static int lock_lease(const struct lease_dir *d)
{
        for (;;) {
                struct stat st;
                int fd = openat(d->fd, d->lock,
                                O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);

                if (fd >= 0) {
                        (void)fchmod(fd, 0644); /* not the caller's umask */
                        (void)close(fd);
                        return 0;
                }
                if (errno != EEXIST)
                        return -errno;
                if (fstatat(d->fd, d->lock, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                        uint64_t age =
                                ha_now_realtime() - ((uint64_t)st.st_mtim.tv_sec * HA_USEC_PER_SEC +
                                                     (uint64_t)st.st_mtim.tv_nsec / 1000);

                        if (age > LOCK_STALE_US && age < UINT64_MAX / 2)
                                (void)unlinkat(d->fd, d->lock, 0);
                }
                /* The parent's deadline bounds this loop. */
                (void)ha_sleep_until(HA_USEC_INFINITY, 5 * HA_USEC_PER_MSEC);
        }
}

int ha_lease_do_here(enum ha_lease_op op, const char *path, const char *node, usec_t ttl,
                     struct ha_lease *ret)
{
        struct lease_dir d;
        struct ha_lease l;
        uint64_t now;
        int r;

        r = lease_dir_open(path, &d);
        if (r < 0)
                return r;
        if (op == HA_LEASE_READ) {
                r = read_lease(&d, ret);
                (void)close(d.fd);
                return r;
        }
        r = lock_lease(&d);
        if (r < 0) {
                (void)close(d.fd);
                return r;
        }
        r = read_lease(&d, &l);
        now = ha_now_realtime();
        if (r == 0) {
                bool ours = strcmp(l.owner, node) == 0;

                switch (op) {
                case HA_LEASE_ACQUIRE:
                        if (!*l.owner || ours || l.released || ha_lease_expired(&l, now)) {
                                bool new_owner = !ours || l.released || !*l.owner;

                                /* Rule 3: the epoch never goes down, so it must not wrap. */
                                if (new_owner && l.epoch == UINT64_MAX) {
                                        r = -EOVERFLOW;
                                        break;
                                }
                                if (new_owner)
                                        l.epoch++;
                                (void)snprintf(l.owner, sizeof(l.owner), "%s", node);
                                r = write_stamped(&d, &l, now, ttl, false);
                        } else {
                                r = -EBUSY;
                        }
                        break;
                case HA_LEASE_RENEW:
                        r = ours && !l.released ? write_stamped(&d, &l, now, ttl, false) : -ESTALE;
                        break;
                case HA_LEASE_RELEASE:
                        if (ours && !l.released)
                                r = write_stamped(&d, &l, now, l.ttl, true);
                        break;
                case HA_LEASE_READ:
                        break;
                }
                *ret = l;
        }
        (void)unlinkat(d.fd, d.lock, 0);
        (void)close(d.fd);
        return r;
}

static ssize_t lease_child(void *p, void *out, size_t max)
{
        const struct op_arg *a = p;
        struct op_answer ans = {0};

        if (max < sizeof(ans))
                return -EINVAL;
        ans.result = ha_lease_do_here(a->op, a->path, a->node, a->ttl, &ans.lease);
        memcpy(out, &ans, sizeof(ans));
        return sizeof(ans);
}

int ha_lease_do(enum ha_lease_op op, const char *path, const char *node, usec_t ttl,
                usec_t deadline, const char *stuck_file, struct ha_lease *ret)
{
        struct op_arg arg = {.op = op, .path = path, .node = node, .ttl = ttl};
        struct op_answer ans;
        ssize_t r;

        if (strlen(node) >= sizeof(ret->owner) || strchr(node, ' '))
                return -EINVAL;
        r = ha_child_run(lease_child, &arg, &ans, sizeof(ans), deadline, stuck_file, NULL);
        if (r < 0)
                return (int)r;
        if ((size_t)r != sizeof(ans))
                return -EIO;
        *ret = ans.lease;
        return ans.result;
}
