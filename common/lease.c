/* lease.c: the split-brain guard. The rules are numbered in lease.h; each is cited where it is
 * enforced below.
 *
 * Timing of rule 2 (why a node that has seen generation G unchanged for ttl may take the lease):
 * the holder writes a new generation at every renewal, every [check] interval (1 s by default;
 * ttl 6 s by default, and ha-genconf refuses a ttl not longer than the check's interval plus its
 * timeout). A node that saw G at its own time t first saw it at or after the holder wrote it, so
 * the holder's last renewal was at or before t. This node measures on CLOCK_BOOTTIME, which
 * neither NTP nor an administrator steps, and which runs at the rate of every other host's
 * clock (drift is parts per million). If G is still the lease at t + ttl, the holder has not
 * renewed for at least ttl: its check has failed for that long, and keepalived's FAULT has had
 * its fault hook stop slurmctld (SIGKILL when the lease moved on or the storage hangs:
 * reconcile.c). ha_lease_seen() also places G's writing on this node's clock from the
 * holder's renewal times (the storage stalls after a host is lost, and G looks new once it
 * answers again): the argument, and the one clock fault it does not survive, are there.
 *
 * What this does not give: a holder that cannot act at all (a frozen VM, keepalived killed with
 * slurmctld left running) keeps its slurmctld past ttl; the lease stops another node's grant
 * until then, not the frozen one's slurmctld. When it wakes, its check finds the lease moved on
 * (RENEW refused) and its hook kills slurmctld, but not before it has run for a moment.
 */
#include "common/lease.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/child.h"
#include "common/fsutil.h"
#include "common/reason.h"

#define GEN_DIGITS 20 /* UINT64_MAX has 20 digits */
#define GEN_KEEP   16 /* generations kept below the newest, for readers that listed them */
#define GEN_GC_MAX 64 /* at most this many old generations removed per write */

/* Every lease file has the same length: a reader never gets a new content cut at an old size
 * cached by a shared file system (FUSE attribute caching, GlusterFS md-cache). */
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

/* The lease's folder, opened once per operation: every file below is opened relative to it,
 * never through a link planted in it. The folder is StateSaveLocation, which SlurmUser may
 * write: whatever is found in it is checked (a regular file, root's, not writable by others),
 * and nothing is ever written through what is found there (new files with O_EXCL, then link). */
struct lease_dir {
        int fd;
        const char *path; /* the lease's path, for reports */
        char name[200];   /* the lease's name in the folder: the generations are NAME.G */
        size_t name_len;
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
        ret->name_len = strlen(ret->name);
        ret->fd = ha_fs_open_dir_nofollow(dir, NULL);
        return ret->fd < 0 ? ret->fd : 0;
}

static void gen_name(const struct lease_dir *d, uint64_t gen, char *buf, size_t len)
{
        (void)snprintf(buf, len, "%s.%0*" PRIu64, d->name, GEN_DIGITS, gen);
}

/* The generation an entry of the folder is, or 0 if it is none. */
static uint64_t entry_gen(const struct lease_dir *d, const char *entry)
{
        const char *g = entry + d->name_len + 1;
        uint64_t v = 0;

        if (strncmp(entry, d->name, d->name_len) != 0 || entry[d->name_len] != '.' ||
            strlen(g) != GEN_DIGITS || strspn(g, "0123456789") != GEN_DIGITS)
                return 0;
        for (int i = 0; i < GEN_DIGITS; i++) {
                unsigned digit = (unsigned)(g[i] - '0');

                if (v > (UINT64_MAX - digit) / 10)
                        return 0; /* above UINT64_MAX: not a name this code writes */
                v = v * 10 + digit;
        }
        return v;
}

struct listing {
        uint64_t max;             /* the highest generation, 0 if none */
        uint64_t old[GEN_GC_MAX]; /* generations at least GEN_KEEP below some newer one */
        size_t n_old;
};

static int list_gens(const struct lease_dir *d, struct listing *ret)
{
        int fd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *e;
        DIR *dir;

        memset(ret, 0, sizeof(*ret));
        if (fd < 0)
                return -errno;
        dir = fdopendir(fd);
        if (!dir) {
                int r = -errno;

                (void)close(fd);
                return r;
        }
        while ((e = readdir(dir))) {
                uint64_t g = entry_gen(d, e->d_name);

                if (g == 0)
                        continue;
                if (g > ret->max)
                        ret->max = g;
                if (ret->n_old < GEN_GC_MAX)
                        ret->old[ret->n_old++] = g;
        }
        (void)closedir(dir);
        /* Keep only those far enough below the newest. */
        size_t k = 0;

        for (size_t i = 0; i < ret->n_old; i++)
                if (ret->old[i] + GEN_KEEP <= ret->max)
                        ret->old[k++] = ret->old[i];
        ret->n_old = k;
        return 0;
}

/* Reads the lease: the highest generation. A generation removed between the listing and the
 * read (a newer one came) is listed again; a file that does not parse is read again a few times
 * (a shared file system's cache) before it is called garbage. */
static int read_current(const struct lease_dir *d, struct listing *lst, struct ha_lease *ret)
{
        int r = -EBADMSG;

        for (int i = 0; i < 10; i++) {
                char name[256], full[4400], *text = NULL;

                if (i > 0)
                        (void)ha_sleep_until(HA_USEC_INFINITY, 20 * HA_USEC_PER_MSEC);
                r = list_gens(d, lst);
                if (r < 0)
                        return r;
                if (lst->max == 0) {
                        memset(ret, 0, sizeof(*ret));
                        return 0;
                }
                gen_name(d, lst->max, name, sizeof(name));
                (void)snprintf(full, sizeof(full), "%s.%0*" PRIu64, d->path, GEN_DIGITS, lst->max);
                /* A link, a FIFO (opened without blocking), a file of another owner or one
                 * others may write: refused, and reported with the reason. */
                r = ha_fs_read_at(d->fd, name, full, 511, &text, NULL);
                if (r == -ENOENT)
                        continue;
                if (r == -EFBIG)
                        r = -EBADMSG;
                if (r < 0)
                        return r;
                r = ha_lease_parse(text, ret);
                free(text);
                if (r == 0) {
                        ret->gen = lst->max;
                        return 0;
                }
        }
        return r;
}

/* What the operation makes of the lease `cur`: 0 and *next to write it, 1 when there is nothing
 * to write, or the refusal. */
static int decide(const struct ha_lease_req *q, const struct ha_lease *cur, struct ha_lease *next)
{
        bool ours = strcmp(cur->owner, q->node) == 0 && !cur->released;
        bool grant = false, new_owner = false;

        *next = *cur;
        switch (q->op) {
        case HA_LEASE_READ:
                return 1;
        case HA_LEASE_CLAIM:
                /* Rule 4: only where no lease was ever written. */
                if (cur->gen != 0)
                        return -EBUSY;
                grant = new_owner = true;
                break;
        case HA_LEASE_ACQUIRE:
                if (ours) {
                        grant = true; /* the same tenure: the same epoch */
                } else if (!*cur->owner || cur->released ||
                           (q->expired_gen != 0 && q->expired_gen == cur->gen)) {
                        /* Rule 2: free, given up, or seen unchanged for its ttl. */
                        grant = new_owner = true;
                } else {
                        return -EBUSY;
                }
                break;
        case HA_LEASE_RENEW:
                /* Rule 4: ours, under the epoch our slurmctld was started under. */
                if (!ours || cur->epoch != q->epoch)
                        return -ESTALE;
                grant = true;
                break;
        case HA_LEASE_RELEASE:
                if (!ours || (q->epoch != 0 && cur->epoch != q->epoch))
                        return 1;
                next->released = true;
                break;
        }
        if (new_owner) {
                /* Rule 3: the epoch never goes down, so it must not wrap. */
                if (cur->epoch == UINT64_MAX)
                        return -EOVERFLOW;
                next->epoch = cur->epoch + 1;
                next->released = false;
        }
        if (grant) {
                (void)snprintf(next->owner, sizeof(next->owner), "%s", q->node);
                next->ttl = q->ttl;
        }
        if (cur->gen == UINT64_MAX)
                return -EOVERFLOW;
        next->gen = cur->gen + 1;
        next->renewed = ha_now_realtime(); /* for people reading the file */
        return 0;
}

/* Removes the old generations of the listing, and this node's temporary files left by
 * processes that are gone (a child killed at its deadline). */
static void collect(const struct lease_dir *d, const struct listing *lst, const char *node)
{
        char name[256];

        for (size_t i = 0; i < lst->n_old; i++) {
                gen_name(d, lst->old[i], name, sizeof(name));
                (void)unlinkat(d->fd, name, 0);
        }
        int fd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        size_t prefix = (size_t)snprintf(name, sizeof(name), "%s.%s.", d->name, node);
        struct dirent *e;
        DIR *dir;

        if (fd < 0)
                return;
        dir = fdopendir(fd);
        if (!dir) {
                (void)close(fd);
                return;
        }
        while ((e = readdir(dir))) {
                char *end;
                long pid;

                if (strncmp(e->d_name, name, prefix) != 0)
                        continue;
                pid = strtol(e->d_name + prefix, &end, 10);
                if (pid > 0 && strcmp(end, ".tmp") == 0 && kill((pid_t)pid, 0) < 0 &&
                    errno == ESRCH)
                        (void)unlinkat(d->fd, e->d_name, 0);
        }
        (void)closedir(dir);
}

int ha_lease_do_here(const struct ha_lease_req *q, const char *path, struct ha_lease *ret)
{
        struct lease_dir d;
        int r;

        r = lease_dir_open(path, &d);
        if (r < 0)
                return r;
        /* Each round reads, decides, and writes the next generation only if nobody wrote it
         * since (rule 7); a node that loses that race reads again and decides again. The
         * parent's deadline bounds the rounds in time, this count against a livelock. */
        for (int round = 0; round < 50; round++) {
                struct listing lst;
                struct ha_lease cur, next;
                char name[256], tmp[256], buf[512];
                int n;

                r = read_current(&d, &lst, &cur);
                if (r < 0)
                        break;
                *ret = cur;
                r = decide(q, &cur, &next);
                if (r != 0) {
                        r = r > 0 ? 0 : r;
                        break;
                }
                n = ha_lease_format(&next, buf, sizeof(buf));
                if (n < 0) {
                        r = n;
                        break;
                }
                gen_name(&d, next.gen, name, sizeof(name));
                (void)snprintf(tmp, sizeof(tmp), "%s.%s.%d.tmp", d.name, q->node, (int)getpid());
                r = ha_fs_create_at(d.fd, name, tmp, buf, (size_t)n, 0644);
                if (r == -EEXIST)
                        continue;
                if (r == 0) {
                        *ret = next;
                        collect(&d, &lst, q->node);
                }
                break;
        }
        (void)close(d.fd);
        return r == -EEXIST ? -EAGAIN : r;
}

struct op_arg {
        const struct ha_lease_req *req;
        const char *path;
};

/* The answer the child sends back. */
struct op_answer {
        int32_t result;
        struct ha_lease lease;
};

static ssize_t lease_child(void *p, void *out, size_t max)
{
        const struct op_arg *a = p;
        struct op_answer ans = {0};

        if (max < sizeof(ans))
                return -EINVAL;
        ans.result = ha_lease_do_here(a->req, a->path, &ans.lease);
        memcpy(out, &ans, sizeof(ans));
        return sizeof(ans);
}

int ha_lease_do(const struct ha_lease_req *req, const char *path, usec_t deadline,
                const char *stuck_file, struct ha_lease *ret)
{
        struct op_arg arg = {.req = req, .path = path};
        struct op_answer ans;
        ssize_t r;

        if (strlen(req->node) >= sizeof(ret->owner) || !*req->node || strpbrk(req->node, " /\n"))
                return -EINVAL;
        r = ha_child_run(lease_child, &arg, &ans, sizeof(ans), deadline, stuck_file, NULL);
        if (r < 0)
                return (int)r;
        if ((size_t)r != sizeof(ans))
                return -EIO;
        ans.lease.owner[sizeof(ans.lease.owner) - 1] = '\0';
        *ret = ans.lease;
        return ans.result;
}

/* ---- What this node saw (rules 2 and 3) ---- */

/* How long this node has known the lease unchanged, two ways, on its own CLOCK_BOOTTIME:
 *
 *  a. Since it first saw the current generation G (`since`). Sound on its own, but blind while
 *     the storage stalls: after a controller host is lost, a replicated volume stalls every
 *     client for its ping timeout, and the generation seen first after the stall looks new.
 *
 *  b. From the holder's own renewal times. The holder stamps each generation k with its wall
 *     clock R_k; this node first sees it at F_k (boottime). Take the holder's clock as H(t) =
 *     t + a and this node's as B(t) = t + b: generation k was written at B-time R_k + c (c =
 *     b - a, unknown) and seen at F_k >= R_k + c, so c <= cmin = min over k of (F_k - R_k).
 *     G was then written at B-time R_G + c <= R_G + cmin, and has been the lease for at least
 *     now - (R_G + cmin). Any constant difference between the two clocks cancels out: a clock
 *     minutes ahead or behind changes nothing. A step forward of the holder's clock makes
 *     R_G later: later expiry. A step backward is caught when it takes a renewal time below
 *     one seen before (R_G < rmax: the samples are dropped and (a) alone counts); one smaller
 *     than the time between two renewals is not, so MARGIN is taken off: a holder's clock
 *     stepped back by more than MARGIN between its last two renewals, right before it failed,
 *     is what (b) does not survive. The samples count only within one holder's tenure (owner
 *     and epoch).
 *
 * The lease has been unchanged for the longer of the two. */
#define MARGIN (1 * HA_USEC_PER_SEC)

struct seen {
        uint64_t gen, epoch;         /* the generation last seen, and its epoch */
        usec_t since;                /* CLOCK_BOOTTIME when this node first saw `gen` */
        uint64_t max_gen, max_epoch; /* the highest ever seen */
        char owner[64];              /* the tenure the samples are from ("-": none) */
        int64_t cmin;                /* min of F_k - R_k over the tenure (valid if rmax) */
        uint64_t rmax;               /* the highest R_k of the tenure, 0: no samples */
        char boot[40];               /* the boot `since` and `cmin` are from */
};

static void boot_id(char *buf, size_t len)
{
        char *text = NULL;

        *buf = '\0';
        if (ha_fs_read_untrusted("/proc/sys/kernel/random/boot_id", 64, &text) == 0) {
                (void)snprintf(buf, len, "%.*s", (int)strcspn(text, "\n"), text);
                free(text);
        }
}

static int seen_path(const char *state_dir, const char *name, char *buf, size_t len)
{
        int n = snprintf(buf, len, "%s/%s", state_dir, name);

        return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static bool seen_parse(const char *text, struct seen *s)
{
        unsigned long long since = 0, cmin_neg = 0;
        char sign = 0;

        memset(s, 0, sizeof(*s));
        if (sscanf(text,
                   "ha-slurm-lease-seen 2 gen=%" SCNu64 " epoch=%" SCNu64
                   " since=%llu max_gen=%" SCNu64 " max_epoch=%" SCNu64
                   " owner=%63s cmin=%c%llu rmax=%" SCNu64 " boot=%39s",
                   &s->gen, &s->epoch, &since, &s->max_gen, &s->max_epoch, s->owner, &sign,
                   &cmin_neg, &s->rmax, s->boot) != 10 ||
            (sign != '-' && sign != '+') || cmin_neg > INT64_MAX) {
                memset(s, 0, sizeof(*s));
                return false;
        }
        s->since = since;
        s->cmin = sign == '-' ? -(int64_t)cmin_neg : (int64_t)cmin_neg;
        return true;
}

int ha_lease_seen(const char *state_dir, const struct ha_lease *l, usec_t *ret_for,
                  const char **ret_reason)
{
        struct seen s = {0}, old;
        char path[4096], boot[40], *text = NULL, out[400];
        usec_t now = ha_now_boottime(), a = 0, b = 0;
        bool new_gen;
        int r;

        *ret_for = 0;
        r = seen_path(state_dir, "lease.seen", path, sizeof(path));
        if (r < 0)
                return ha_fail(ret_reason, "failed to name the lease record", r);
        if (ha_fs_read_small(path, 399, &text, NULL) == 0) {
                (void)seen_parse(text, &s); /* garbage: start over */
                free(text);
        }
        old = s;
        /* Rule 3: never below what this node saw. */
        if (l->gen < s.max_gen || l->epoch < s.max_epoch)
                return ha_fail(ret_reason,
                               l->gen == 0 ? "the lease is missing, though this node saw one"
                                           : "the lease is older than one this node saw",
                               -EUCLEAN);
        boot_id(boot, sizeof(boot));
        if (!*boot)
                (void)snprintf(boot, sizeof(boot), "-");
        if (strcmp(boot, s.boot) != 0 || s.since > now) {
                /* Another boot: its times mean nothing now. */
                s.gen = 0;
                s.rmax = 0;
                (void)snprintf(s.boot, sizeof(s.boot), "%s", boot);
        }
        /* (b)'s samples: one tenure (owner and epoch), its renewal times never going back. */
        if (s.rmax == 0 || strcmp(s.owner, *l->owner ? l->owner : "-") != 0 ||
            s.epoch != l->epoch || l->released || l->renewed < s.rmax ||
            l->renewed > (uint64_t)INT64_MAX) {
                (void)snprintf(s.owner, sizeof(s.owner), "%s", *l->owner ? l->owner : "-");
                s.rmax = 0;
        }
        new_gen = l->gen != s.gen;
        if (new_gen) {
                s.gen = l->gen;
                s.epoch = l->epoch;
                s.since = now;
        }
        if (!l->released && l->gen != 0 && l->renewed <= (uint64_t)INT64_MAX &&
            (s.rmax != 0 || new_gen)) {
                int64_t c = (int64_t)now - (int64_t)l->renewed, written;

                if (new_gen && (s.rmax == 0 || c < s.cmin))
                        s.cmin = c;
                if (l->renewed > s.rmax)
                        s.rmax = l->renewed;
                written = (int64_t)l->renewed + s.cmin;
                if ((int64_t)now > written && (usec_t)((int64_t)now - written) > MARGIN)
                        b = (usec_t)((int64_t)now - written) - MARGIN;
        }
        s.max_gen = l->gen;
        s.max_epoch = l->epoch;
        a = now - s.since;
        *ret_for = a > b ? a : b;
        if (memcmp(&s, &old, sizeof(s)) == 0)
                return 0;
        (void)snprintf(out, sizeof(out),
                       "ha-slurm-lease-seen 2 gen=%" PRIu64 " epoch=%" PRIu64
                       " since=%llu max_gen=%" PRIu64 " max_epoch=%" PRIu64
                       " owner=%s cmin=%c%llu rmax=%" PRIu64 " boot=%s\n",
                       s.gen, s.epoch, (unsigned long long)s.since, s.max_gen, s.max_epoch,
                       *s.owner ? s.owner : "-", s.cmin < 0 ? '-' : '+',
                       s.cmin < 0 ? (unsigned long long)-(s.cmin + 1) + 1
                                  : (unsigned long long)s.cmin,
                       s.rmax, s.boot);
        r = ha_fs_write_atomic(path, out, strlen(out), 0600);
        return r < 0 ? ha_fail(ret_reason, "failed to write the lease record", r) : 0;
}

int ha_lease_seen_holder(const char *state_dir, char *owner, size_t len, usec_t *ret_for)
{
        char path[4096], boot[40], *text = NULL;
        usec_t now = ha_now_boottime(), a, b = 0;
        struct seen s;
        int64_t written;
        bool ok;

        if (seen_path(state_dir, "lease.seen", path, sizeof(path)) < 0 ||
            ha_fs_read_small(path, 399, &text, NULL) < 0)
                return -ENOENT;
        ok = seen_parse(text, &s);
        free(text);
        boot_id(boot, sizeof(boot));
        /* rmax is kept only for a generation seen held (ha_lease_seen()). */
        if (!ok || strcmp(boot, s.boot) != 0 || s.since > now || s.rmax == 0 ||
            strcmp(s.owner, "-") == 0 || s.gen == 0)
                return -ENOENT;
        a = now - s.since;
        written = (int64_t)s.rmax + s.cmin;
        if ((int64_t)now > written && (usec_t)((int64_t)now - written) > MARGIN)
                b = (usec_t)((int64_t)now - written) - MARGIN;
        (void)snprintf(owner, len, "%s", s.owner);
        *ret_for = a > b ? a : b;
        return 0;
}

uint64_t ha_lease_epoch_get(const char *state_dir)
{
        char path[4096], *text = NULL, *end;
        unsigned long long v = 0;

        if (seen_path(state_dir, "lease.epoch", path, sizeof(path)) < 0 ||
            ha_fs_read_small(path, 64, &text, NULL) < 0)
                return 0;
        errno = 0;
        v = strtoull(text, &end, 10);
        if (errno || end == text || (*end != '\n' && *end != '\0'))
                v = 0;
        free(text);
        return v;
}

int ha_lease_epoch_set(const char *state_dir, uint64_t epoch)
{
        char path[4096], text[32];
        int r = seen_path(state_dir, "lease.epoch", path, sizeof(path));

        if (r < 0)
                return r;
        if (epoch == 0)
                return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
        (void)snprintf(text, sizeof(text), "%" PRIu64 "\n", epoch);
        return ha_fs_write_atomic(path, text, strlen(text), 0600);
}

int ha_lease_renewed_set(const char *state_dir, uint64_t epoch, usec_t started)
{
        char path[4096], text[64];
        int r = seen_path(state_dir, "lease.renewed", path, sizeof(path));

        if (r < 0)
                return r;
        (void)snprintf(text, sizeof(text), "%" PRIu64 " %llu\n", epoch,
                       (unsigned long long)started);
        return ha_fs_write_atomic(path, text, strlen(text), 0600);
}

int ha_lease_renewed_get(const char *state_dir, uint64_t *ret_epoch, usec_t *ret_started)
{
        char path[4096], *text = NULL;
        unsigned long long e, t;
        int r = seen_path(state_dir, "lease.renewed", path, sizeof(path)), n = 0;

        if (r < 0)
                return r;
        r = ha_fs_read_small(path, 63, &text, NULL);
        if (r < 0)
                return r;
        if (sscanf(text, "%llu %llu%n", &e, &t, &n) != 2 || (text[n] != '\n' && text[n])) {
                free(text);
                return -EBADMSG;
        }
        free(text);
        *ret_epoch = e;
        *ret_started = t;
        return 0;
}
