/* reconcile.c: promote or demote this host, from what is true now. */
#include "common/reconcile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/exec.h"
#include "common/fence.h"
#include "common/guard.h"
#include "common/lease.h"
#include "common/net.h"
#include "common/reason.h"
#include "common/slurmrpc.h"
#include "common/svc.h"
#include "common/vip.h"

#define POLL_GAP (20 * HA_USEC_PER_MSEC)

int ha_hint_parse(const char *state, enum ha_hint *ret)
{
        static const struct {
                const char *word;
                enum ha_hint hint;
        } words[] = {
                {"MASTER", HA_HINT_MASTER}, {"BACKUP", HA_HINT_BACKUP}, {"FAULT", HA_HINT_FAULT},
                {"STOP", HA_HINT_STOP},     {"DELETED", HA_HINT_STOP},
        };

        for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
                if (strcmp(state, words[i].word) == 0) {
                        *ret = words[i].hint;
                        return 0;
                }
        return -EINVAL;
}

const char *ha_hint_name(enum ha_hint hint)
{
        static const char *const names[] = {"none", "MASTER", "BACKUP", "FAULT", "STOP"};

        return hint <= HA_HINT_STOP ? names[hint] : "?";
}

struct run {
        const struct ha_cfg *cfg;
        bool dry_run;
        usec_t deadline;
        ha_step_fn fn;
        void *userdata;
        struct ha_reconcile *res;
        uint64_t epoch;        /* the lease granted to this promotion, 0 before */
        usec_t renewed;        /* CLOCK_MONOTONIC of its last renewal by this run */
        struct {               /* a fence started while the storage stalled (rule 9) */
                pid_t pid;     /* the child running the agent; 0: none */
                int fd;        /* its result: "ERRNO REASON" */
                char node[64]; /* the node it powers off */
                usec_t start;  /* CLOCK_MONOTONIC */
        } early;
};

static int step(struct run *r, const char *name, usec_t start, int result, bool refused,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Reports a step; returns its result. */
static int step(struct run *r, const char *name, usec_t start, int result, bool refused,
                const char *fmt, ...)
{
        struct ha_step s = {
                .name = name,
                .result = result,
                .dry_run = r->dry_run,
                .refused = refused,
                .ms = ha_msec_between(start, ha_now()),
        };
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(s.detail, sizeof(s.detail), fmt, ap);
        va_end(ap);
        if (r->fn)
                r->fn(r->userdata, &s);
        return result;
}

/* A follower NAME: systemd unit NAME.service; without systemd, /usr/sbin/NAME writing
 * /run/NAME.pid (as slurmdbd does by default, and ha-genconf's slurmdbd.conf says PidFile), started
 * by its absolute path with a clean environment and umask (svc.c) and found again by that pid
 * file and its process name. `what` names it in the steps as the manager sees it. */
struct follower {
        char unit[300], pid_file[300], command[300];
        char *argv[2];
        struct ha_svc svc;
        const char *what;
};

static void follower_svc(const struct ha_cfg *cfg, const char *name, struct follower *f)
{
        (void)snprintf(f->unit, sizeof(f->unit), "%s%s", name, strchr(name, '.') ? "" : ".service");
        (void)snprintf(f->pid_file, sizeof(f->pid_file), "/run/%.*s.pid", (int)strcspn(name, "."),
                       name);
        (void)snprintf(f->command, sizeof(f->command), "/usr/sbin/%.*s", (int)strcspn(name, "."),
                       name);
        f->argv[0] = f->command;
        f->argv[1] = NULL;
        f->svc = (struct ha_svc){
                .manager = (enum ha_svc_manager)cfg->ha.service_manager,
                .unit = f->unit,
                .pid_file = f->pid_file,
                .comm = f->command + strlen("/usr/sbin/"),
                .argv = f->argv,
        };
        f->what = ha_svc_uses_systemd(&f->svc) ? f->unit : f->command;
}

static void stuck_path(const struct ha_cfg *cfg, char *buf, size_t len)
{
        (void)snprintf(buf, len, "%s/lease.stuck", cfg->ha.state_dir);
}

/* ---- promote ---- */

/* How long a promotion waits for slurmdbd to accept connections before starting slurmctld. */
#define DBD_WAIT (5 * HA_USEC_PER_SEC)

/* slurmdbd writes its pid file before it listens (about 1.5 s before, seen here): a slurmctld
 * started in between finds no slurmdbd and does not try again for a long while. So when
 * slurmdbd is started before slurmctld and its port is known ([check] dbd_port), wait until it
 * accepts a connection on this host, for DBD_WAIT at most: past that, slurmctld starts anyway
 * (its control matters more than accounting, which it queues). */
static void wait_dbd(struct run *r)
{
        const struct ha_cfg *cfg = r->cfg;
        usec_t t = ha_now(), until = ha_deadline_min(r->deadline, ha_deadline_in(DBD_WAIT));
        int fd = -1, e = -ETIMEDOUT;

        if (r->dry_run || !cfg->check.dbd_port || !cfg->notify.before_ctld ||
            (!ha_cfg_name_in(cfg->notify.before_ctld, "slurmdbd") &&
             !ha_cfg_name_in(cfg->notify.before_ctld, "slurmdbd.service")))
                return;
        while (!ha_deadline_passed(until)) {
                e = ha_net_connect("127.0.0.1", cfg->check.dbd_port,
                                   ha_deadline_min(until, ha_deadline_in(HA_USEC_PER_SEC)), &fd);
                if (e == 0) {
                        (void)close(fd);
                        break;
                }
                (void)ha_sleep_until(until, 50 * HA_USEC_PER_MSEC);
        }
        /* Not a failure of the promotion: reported, and slurmctld starts. */
        if (e == 0)
                (void)step(r, "slurmdbd listening", t, 0, false, "port %u accepts connections",
                           cfg->check.dbd_port);
        else
                (void)step(r, "slurmdbd listening", t, 0, false,
                           "port %u not yet (%s): slurmctld starts anyway", cfg->check.dbd_port,
                           strerror(-e));
}

/* Starts the followers that are (early = true) or are not (early = false) in [notify]
 * before_slurmctld. A follower that fails to start fails the run, but the others are still
 * started: slurmctld is in control or about to be, and the rest of the node's work goes on. */
static void start_followers(struct run *r, bool early, const char *reason_prefix)
{
        const struct ha_cfg *cfg = r->cfg;
        const char *reason = "";

        for (size_t i = 0; cfg->notify.followers && cfg->notify.followers[i]; i++) {
                struct follower f;
                usec_t t;
                int e;

                if (ha_cfg_name_in(cfg->notify.before_ctld, cfg->notify.followers[i]) != early)
                        continue;
                follower_svc(cfg, cfg->notify.followers[i], &f);
                t = ha_now();
                if (r->dry_run) {
                        (void)step(r, "start follower", t, 0, false, "would start %s%s", f.what,
                                   reason_prefix);
                        continue;
                }
                e = ha_svc_start(&f.svc, r->deadline, &reason);
                (void)step(r, "start follower", t, e, false, "%s: %s%s", f.what,
                           e < 0 ? reason : "started", reason_prefix);
                if (e < 0 && r->res->result == 0)
                        r->res->result = e;
        }
}

static int run_alert(struct run *r, enum ha_hint hint, const char *fence_failed);

/* Records that this promotion tried to power `node` off, for the metrics: the label a name as
 * [ha] node takes it, anything else "?". */
static void fence_tried(struct run *r, const char *node)
{
        (void)snprintf(r->res->fence_node, sizeof(r->res->fence_node), "%s", node);
        for (char *c = r->res->fence_node; *c; c++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:@",
                            *c))
                        *c = '?';
        r->res->fence_tried = true;
}

/* Powers off `l`'s holder through its fence agent ([fence NODE]) and waits for the agent to
 * confirm OFF (rule 9 of lease.h). Returns 0 once confirmed; otherwise refuses the promotion
 * (the step says why) and runs the alert command. Records the attempt for the metrics. */
static int fence_holder(struct run *r, const struct ha_lease *l)
{
        const struct ha_cfg *cfg = r->cfg;
        const struct ha_cfg_fence_node *n = ha_cfg_fence_node(cfg, l->owner);
        usec_t t = ha_now();
        const char *why = "";
        struct ha_fence f;
        int e;

        fence_tried(r, l->owner);
        if (!n) {
                e = step(r, "fence", t, -ENOENT, true,
                         "refused: %s holds the lease (epoch %llu) and has no [fence %s] section: "
                         "it cannot be powered off",
                         l->owner, (unsigned long long)l->epoch, l->owner);
        } else {
                f = (struct ha_fence){.agent = n->agent, .options_file = n->options};
                e = ha_fence_off(
                        &f, ha_deadline_min(r->deadline, ha_deadline_in(cfg->fence.timeout)), &why);
                if (e == 0)
                        e = step(r, "fence", t, 0, false, "%s powered off through %s: %s", l->owner,
                                 n->agent, why);
                else
                        e = step(r, "fence", t, e, true,
                                 "refused: failed to power off %s, which holds the lease (epoch "
                                 "%llu), through %s: %s",
                                 l->owner, (unsigned long long)l->epoch, n->agent, why);
        }
        r->res->fence_ok = e == 0;
        r->res->fence_ms = ha_msec_between(t, ha_now());
        if (e < 0)
                (void)run_alert(r, HA_HINT_MASTER, l->owner);
        return e;
}

/* Rule 9, while the storage stalls. A replicated volume stalls every client for seconds when a
 * server's host is lost or frozen (GlusterFS: network.ping-timeout), and the holder's host is
 * usually that host. The fence need not wait for the stall: what this node last saw of the
 * lease (ha_lease_seen_holder(), kept by its check every second) names the holder, and how
 * long its generation has not changed. When that is [fence] after or more, the holder is
 * powered off now, in a child, while the promotion waits for the storage; take_lease() then
 * takes the lease at once if the holder it reads is the one powered off. A fence on a record
 * older than what the storage says is never unsafe (it only powers a node off): at worst it
 * powers off a holder that was about to release, which a stalled volume did not let this node
 * see. */
static void start_early_fence(struct run *r)
{
        const struct ha_cfg *cfg = r->cfg;
        const struct ha_cfg_fence_node *n;
        char holder[64];
        usec_t seen_for = 0;
        int fds[2];
        pid_t pid;

        if (r->dry_run || cfg->fence.method != HA_FENCING_POWER ||
            ha_lease_seen_holder(cfg->ha.state_dir, holder, sizeof(holder), &seen_for) < 0 ||
            strcmp(holder, cfg->ha.node) == 0 || seen_for < cfg->fence.after)
                return;
        n = ha_cfg_fence_node(cfg, holder);
        if (!n || pipe2(fds, O_CLOEXEC) < 0)
                return; /* take_lease() fences it, or says why it cannot */
        r->early.start = ha_now();
        pid = fork();
        if (pid < 0) {
                (void)close(fds[0]);
                (void)close(fds[1]);
                return;
        }
        if (pid == 0) {
                struct ha_fence f = {.agent = n->agent, .options_file = n->options};
                const char *why = "";
                char out[512];
                int e, len;

                (void)close(fds[0]);
                e = ha_fence_off(
                        &f, ha_deadline_min(r->deadline, ha_deadline_in(cfg->fence.timeout)), &why);
                len = snprintf(out, sizeof(out), "%d %s", e, why);
                if (len > 0)
                        (void)!write(fds[1], out,
                                     (size_t)len < sizeof(out) ? (size_t)len : sizeof(out) - 1);
                _exit(0);
        }
        (void)close(fds[1]);
        r->early.pid = pid;
        r->early.fd = fds[0];
        (void)snprintf(r->early.node, sizeof(r->early.node), "%s", holder);
}

/* Waits for the fence start_early_fence() started (by the hook's deadline) and reaps it.
 * Returns its result (0: confirmed OFF), with the agent's words in `why`. */
static int join_early_fence(struct run *r, char *why, size_t len)
{
        char buf[512];
        size_t got = 0;
        int e = -ETIMEDOUT;

        *why = '\0';
        for (;;) {
                struct pollfd p = {.fd = r->early.fd, .events = POLLIN};
                usec_t left = ha_deadline_left(r->deadline);
                ssize_t n;

                if (left == 0 || got == sizeof(buf) - 1)
                        break;
                if (poll(&p, 1, (int)(left / HA_USEC_PER_MSEC) + 1) <= 0)
                        continue;
                n = read(r->early.fd, buf + got, sizeof(buf) - 1 - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                got += (size_t)n;
        }
        buf[got] = '\0';
        if (got > 0 && sscanf(buf, "%d", &e) == 1) {
                const char *sp = strchr(buf, ' ');

                (void)snprintf(why, len, "%s", sp ? sp + 1 : "");
        } else {
                e = -ETIMEDOUT;
                (void)snprintf(why, len, "the fence gave no answer before the hook's deadline");
        }
        (void)close(r->early.fd);
        /* The child writes its answer last: it exits at once. At the deadline it is killed
         * (ha_fence_off() has the same deadline, and kills its agent). */
        (void)kill(r->early.pid, SIGKILL);
        (void)waitpid(r->early.pid, NULL, 0);
        r->early.pid = 0;
        return e;
}

/* Reports the early fence's end as a step. `holder`: the lease read since names the node it
 * powers off, and a failure refuses the promotion (the alert, rule 9); else `note` says why the
 * fence no longer matters. */
static int end_early_fence(struct run *r, bool holder, const char *note)
{
        const struct ha_cfg *cfg = r->cfg;
        const struct ha_cfg_fence_node *n = ha_cfg_fence_node(cfg, r->early.node);
        char why[512], node[64];
        int e;

        (void)snprintf(node, sizeof(node), "%s", r->early.node);
        e = join_early_fence(r, why, sizeof(why));
        fence_tried(r, node);
        r->res->fence_ok = e == 0;
        r->res->fence_ms = ha_msec_between(r->early.start, ha_now());
        if (e == 0)
                return step(r, "fence", r->early.start, 0, false,
                            "%s powered off through %s, started while the storage stalled%s: %s",
                            node, n ? n->agent : "?", note, why);
        (void)step(r, "fence", r->early.start, e, holder,
                   "%sfailed to power off %s%s, through %s%s: %s", holder ? "refused: " : "", node,
                   holder ? ", which holds the lease" : "", n ? n->agent : "?", note, why);
        if (holder)
                (void)run_alert(r, HA_HINT_MASTER, node);
        return e;
}

/* Waits for the lease until granted, or until [lease] wait or the deadline; sets *ret_epoch to
 * the epoch granted. Rule 2 of lease.h: another node's lease is taken only once this node has
 * seen its generation unchanged for its ttl, on this node's own clock (ha_lease_seen(): the
 * check keeps that record on every node, so a standby usually knows the generation since the
 * holder's last renewal). Rule 3: a lease below what this node saw is refused, not taken.
 * Rule 9, with [fence] method = power: a holder that has not released its lease is powered off
 * first, once its generation has been seen unchanged for [fence] after, and expiry alone is
 * not enough; the generation read after the confirmed power off is then taken at once. */
static int take_lease(struct run *r, uint64_t *ret_epoch)
{
        const struct ha_cfg *cfg = r->cfg;
        const bool power = cfg->fence.method == HA_FENCING_POWER;
        usec_t start = ha_now(), seen_for = 0, ttl = 0, started = 0;
        char fenced[sizeof(((struct ha_lease *)0)->owner)] = "";
        usec_t until = ha_deadline_min(r->deadline, ha_deadline_in(cfg->lease.wait));
        struct ha_lease_req q = {.node = cfg->ha.node, .ttl = cfg->lease.ttl};
        struct ha_lease l = {0};
        const char *why = "";
        char stuck[PATH_MAX], how[160] = "";
        int e;

        stuck_path(cfg, stuck, sizeof(stuck));
        if (r->dry_run) {
                q.op = HA_LEASE_READ;
                e = ha_lease_do(&q, cfg->lease.path, until, stuck, &l);
                if (e < 0)
                        return step(r, "lease", start, e, true, "failed to read the lease '%s': %s",
                                    cfg->lease.path, strerror(-e));
                return step(r, "lease", start, 0, false,
                            "would acquire the lease (now: owner %s, epoch %llu, %s)%s%s%s",
                            *l.owner ? l.owner : "none", (unsigned long long)l.epoch,
                            l.released ? "released" : "held",
                            power && *l.owner && !l.released && strcmp(l.owner, cfg->ha.node)
                                    ? "; would power off "
                                    : "",
                            power && *l.owner && !l.released && strcmp(l.owner, cfg->ha.node)
                                    ? l.owner
                                    : "",
                            power && *l.owner && !l.released && strcmp(l.owner, cfg->ha.node)
                                    ? " first unless it releases the lease"
                                    : "");
        }
        for (;;) {
                /* Each call has the storage's own time limit; `until` bounds the waiting. */
                usec_t call = ha_deadline_min(r->deadline, ha_deadline_in(cfg->storage.timeout));

                q.op = HA_LEASE_READ;
                q.expired_gen = 0;
                e = ha_lease_do(&q, cfg->lease.path, call, stuck, &l);
                if (e == 0)
                        e = ha_lease_seen(cfg->ha.state_dir, &l, &seen_for, &why);
                if (e == 0) {
                        bool held = *l.owner && !l.released && strcmp(l.owner, cfg->ha.node) != 0;

                        ttl = l.ttl > cfg->lease.ttl ? l.ttl : cfg->lease.ttl;
                        q.op = HA_LEASE_ACQUIRE;
                        if (!power && seen_for > ttl)
                                q.expired_gen = l.gen; /* rule 2 */
                        if (power && held && *fenced && strcmp(l.owner, fenced) == 0)
                                q.expired_gen = l.gen; /* rule 9: read after the power off */
                        else if (power && held && r->early.pid &&
                                 strcmp(l.owner, r->early.node) == 0) {
                                e = end_early_fence(r, true, "");
                                if (e < 0)
                                        return e;
                                (void)snprintf(fenced, sizeof(fenced), "%s", l.owner);
                                continue; /* read it again, now that nothing of it runs */
                        } else if (power && held && seen_for >= cfg->fence.after) {
                                e = fence_holder(r, &l);
                                if (e < 0)
                                        return e;
                                (void)snprintf(fenced, sizeof(fenced), "%s", l.owner);
                                continue; /* read it again, now that nothing of it runs */
                        }
                        /* How it is taken, as read just before, for the administrator
                         * reading the step (the grant itself decides on what it reads). */
                        how[0] = '\0';
                        if (!*l.owner)
                                (void)snprintf(how, sizeof(how), "no holder before");
                        else if (strcmp(l.owner, cfg->ha.node) == 0 && !l.released)
                                (void)snprintf(how, sizeof(how), "already this node's");
                        else if (l.released)
                                (void)snprintf(how, sizeof(how), "released by %s", l.owner);
                        else if (q.expired_gen && *fenced)
                                (void)snprintf(how, sizeof(how), "%s powered off", l.owner);
                        else if (q.expired_gen)
                                (void)snprintf(how, sizeof(how),
                                               "%s's expired: unchanged for %.1f s here", l.owner,
                                               (double)seen_for / 1e6);
                        started = ha_now_boottime();
                        e = ha_lease_do(&q, cfg->lease.path, call, stuck, &l);
                }
                /* The self-fence counts from the grant's start (guard.h). */
                if (e == 0)
                        e = ha_lease_renewed_set(cfg->ha.state_dir, l.epoch, started);
                if (e == 0) {
                        *ret_epoch = l.epoch;
                        r->renewed = ha_now();
                        return step(r, "lease", start, 0, false, "granted: epoch %llu%s%s%s",
                                    (unsigned long long)l.epoch, *how ? " (" : "", how,
                                    *how ? ")" : "");
                }
                if ((e != -EBUSY && e != -EUCLEAN) || ha_deadline_passed(until))
                        break;
                (void)ha_sleep_until(until, 100 * HA_USEC_PER_MSEC);
        }
        if (e == -EBUSY && power)
                return step(r, "lease", start, e, true,
                            "refused: %s holds the lease (epoch %llu); this node has seen it "
                            "unchanged for %.1f s of the %.1f s after which it is fenced; waited "
                            "%.1f s",
                            l.owner, (unsigned long long)l.epoch, (double)seen_for / 1e6,
                            (double)cfg->fence.after / 1e6, ha_msec_between(start, ha_now()) / 1e3);
        if (e == -EBUSY)
                return step(r, "lease", start, e, true,
                            "refused: %s holds the lease (epoch %llu); this node has seen it "
                            "unchanged for %.1f s of its %.1f s ttl; waited %.1f s",
                            l.owner, (unsigned long long)l.epoch, (double)seen_for / 1e6,
                            (double)ttl / 1e6, ha_msec_between(start, ha_now()) / 1e3);
        if (e == -EUCLEAN)
                return step(r, "lease", start, e, true,
                            "refused: %s (generation %llu, epoch %llu): restore it, or see "
                            "ha-slurm(7), \"The lease\"",
                            why, (unsigned long long)l.gen, (unsigned long long)l.epoch);
        return step(r, "lease", start, e, true, "refused: failed to take the lease '%s': %s",
                    cfg->lease.path,
                    e == -ETIMEDOUT || e == -EALREADY ? "storage hung" : strerror(-e));
}

/* Renews the lease this promotion was granted, at most once a second (`force`: now), and
 * records it for the self-fence: keepalived's check does not renew it before slurmctld is in
 * control. A refusal means the lease moved on: nothing may start or keep running under it. */
static int keep_lease(struct run *r, bool force)
{
        const struct ha_cfg *cfg = r->cfg;
        struct ha_lease_req q = {.op = HA_LEASE_RENEW,
                                 .node = cfg->ha.node,
                                 .ttl = cfg->lease.ttl,
                                 .epoch = r->epoch};
        usec_t t = ha_now(), started = ha_now_boottime();
        char stuck[PATH_MAX];
        struct ha_lease l;
        int e;

        if (r->dry_run || (!force && t - r->renewed < HA_USEC_PER_SEC))
                return 0;
        stuck_path(cfg, stuck, sizeof(stuck));
        e = ha_lease_do(&q, cfg->lease.path,
                        ha_deadline_min(r->deadline, ha_deadline_in(cfg->storage.timeout)), stuck,
                        &l);
        if (e == 0)
                e = ha_lease_renewed_set(cfg->ha.state_dir, r->epoch, started);
        if (e == 0) {
                r->renewed = ha_now();
                return 0;
        }
        return step(r, "lease", t, e, true, "refused: failed to renew the lease (epoch %llu): %s",
                    (unsigned long long)r->epoch,
                    e == -ESTALE                        ? "it moved on"
                    : e == -ETIMEDOUT || e == -EALREADY ? "storage hung"
                                                        : strerror(-e));
}

/* The path of ha-check-slurmctld beside this program (the hooks and the check are installed
 * together), for the self-fence. */
static int check_path(char *buf, size_t len)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        char *slash;

        if (n <= 0)
                return -errno;
        self[n] = '\0';
        slash = strrchr(self, '/');
        if (!slash)
                return -EINVAL;
        *slash = '\0';
        n = snprintf(buf, len, "%s/ha-check-slurmctld", self);
        return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Starts the self-fence for this promotion's lease (guard.h). One that cannot start is said
 * loudly, and the promotion goes on: the lease still guards the other nodes' grants. */
static void start_guard(struct run *r)
{
        const char *why = "";
        char check[PATH_MAX];
        usec_t t = ha_now();
        int e;

        if (r->dry_run)
                return;
        e = check_path(check, sizeof(check));
        if (e == 0)
                e = ha_guard_start(r->cfg, check, &why);
        else
                why = "failed to find ha-check-slurmctld beside this program";
        (void)step(r, "self-fence", t, e, false, "%s",
                   e < 0 ? ha_reason("NOT RUNNING: %s; slurmctld here will not be killed if "
                                     "keepalived stops renewing the lease",
                                     why)
                         : "guarding the lease (ha-check-slurmctld --self-fence)");
}

/* Rule 8 of lease.h: no other controller in control when slurmctld starts here. Each peer is
 * asked whether it is in control, with PEER_LOOK: one that is gone refuses at once or does not
 * answer, a frozen one does not answer; neither is waited for. One in control (a former master
 * whose self-fence has not yet acted, or one without keepalived and without a self-fence) is
 * watched for up to PEER_WAIT: the self-fence of a former master stops its slurmctld by ttl - 1
 * s after its last renewal, and this node took the lease only ttl after that, so a former
 * master that runs is normally gone before this step; one that is still in control after
 * PEER_WAIT is not going away by itself, and starting slurmctld here would make two. Timing:
 * PEER_LOOK per peer that does not answer, PEER_WAIT at most per peer in control, all within
 * the hook's deadline. */
#define PEER_LOOK (300 * HA_USEC_PER_MSEC)
#define PEER_WAIT (5 * HA_USEC_PER_SEC)

static int quiet_peers(struct run *r)
{
        const struct ha_cfg *cfg = r->cfg;
        char said[600] = "";
        size_t len = 0;
        int result = 0;
        usec_t t = ha_now();

        if (!cfg->slurm.peers || !cfg->slurm.peers[0] || r->dry_run)
                return 0;
        for (size_t i = 0; cfg->slurm.peers[i]; i++) {
                struct ha_slurm_client c = ha_slurmctld_client(cfg);
                usec_t until = ha_deadline_min(r->deadline, ha_deadline_in(PEER_WAIT));
                struct ha_slurm_control ctl = {0};
                const char *reason = "", *what;
                bool was = false;
                int e;

                c.address = cfg->slurm.peers[i];
                for (;;) {
                        /* Each look has its own PEER_LOOK, even the last one at `until`. */
                        e = ha_slurm_control_status(
                                &c, ha_deadline_min(r->deadline, ha_deadline_in(PEER_LOOK)), &ctl,
                                &reason);
                        if (e < 0 || !ctl.control_time || ha_now() >= until)
                                break;
                        was = true;
                        (void)ha_sleep_until(until, 100 * HA_USEC_PER_MSEC);
                }
                if (e == 0 && ctl.control_time) {
                        what = "IN CONTROL, and still after 5 s";
                        result = -EBUSY;
                } else if (was) {
                        what = "was in control, then no longer said so";
                } else {
                        what = e == -ECONNREFUSED ? "no slurmctld"
                               : e == 0           ? "in standby"
                               : e == -ETIMEDOUT  ? "no answer (frozen or gone: not waited for)"
                                                  : ha_slurm_strerror(e);
                }
                len += (size_t)snprintf(said + len, sizeof(said) - len, "%s%s: %s", i ? "; " : "",
                                        cfg->slurm.peers[i], what);
                if (len >= sizeof(said))
                        len = sizeof(said) - 1;
        }
        return step(r, "peers", t, result, result < 0, "%s%s",
                    result < 0 ? "refused: another controller is in control: " : "", said);
}

/* Polls the local slurmctld until it says it is in control, asking a standby to take over
 * once. */
static int wait_in_control(struct run *r, struct ha_slurm_control *ret)
{
        struct ha_slurm_client c = ha_slurmctld_client(r->cfg);
        const char *reason = "", *takeover_reason = "";
        usec_t start = ha_now(), looked = 0;
        bool asked = false;
        struct ha_svc s;
        int e;

        ha_slurmctld_svc(r->cfg, &s);
        for (;;) {
                usec_t call =
                        ha_deadline_min(r->deadline, ha_deadline_in(r->cfg->slurm.rpc_timeout));
                bool running = true;

                e = keep_lease(r, false);
                if (e < 0)
                        return e;
                e = ha_slurm_control_status(&c, call, ret, &reason);
                /* No answer: is there still a slurmctld to wait for (every 200 ms at most)? One
                 * that exited (a bad slurm.conf, a state it cannot read) ends the wait now, not
                 * at the deadline. */
                if (e < 0 && ha_now() - looked >= 200 * HA_USEC_PER_MSEC) {
                        const char *why = "";

                        looked = ha_now();
                        if (ha_svc_state(&s, call, &running, NULL, &why) == 0 && !running)
                                return step(r, "in control", start, -ESRCH, false,
                                            "slurmctld exited before it took control: %s", reason);
                }
                if (e == 0 && ret->control_time)
                        return step(r, "in control", start, 0, false,
                                    "slurmctld in control (index %u, protocol %s)", ret->backup_inx,
                                    ha_protocol_release(c.version));
                if (e == 0 && !asked) {
                        usec_t t = ha_now();
                        /* A takeover is acknowledged after about 2 s (22.05): its own call. */
                        int k = ha_slurm_takeover(&c, r->deadline, &takeover_reason);

                        asked = true;
                        (void)step(r, "takeover", t, k, false, "%s",
                                   k == 0 ? "slurmctld was in standby: takeover accepted"
                                          : takeover_reason);
                }
                if (ha_deadline_passed(r->deadline))
                        return step(r, "in control", start, e < 0 ? e : -ETIMEDOUT, false,
                                    "slurmctld not in control before the deadline: %s",
                                    e < 0 ? reason : "still in standby");
                (void)ha_sleep_until(r->deadline, POLL_GAP);
        }
}

/* The storage hangs (a replicated volume giving up on a lost server stalls every client for a
 * while): observe again every 250 ms until it answers, for up to [storage] grace. *o then points
 * at the newest observation. Returns true if the VIP left meanwhile. */
static bool wait_storage(struct run *r, const struct ha_observation **o)
{
        static struct ha_observation again;
        const struct ha_cfg *cfg = r->cfg;
        usec_t until = ha_deadline_min(r->deadline, ha_deadline_in(cfg->storage.grace));

        while (!ha_deadline_passed(until)) {
                (void)ha_sleep_until(until, 250 * HA_USEC_PER_MSEC);
                ha_observe(cfg, ha_deadline_min(r->deadline, ha_deadline_in(cfg->check.deadline)),
                           false, &again);
                *o = &again;
                if (!again.vip_here)
                        return true;
                if (again.probe[HA_PROBE_STORAGE].state == HA_PROBE_OK)
                        break;
        }
        return false;
}

/* Whether this node holds the VIP now (an interface that cannot be read: no). */
static bool vip_still_here(struct run *r)
{
        bool here = false;

        return ha_vip_held(r->cfg->vip.address, r->cfg->vip.interface, &here) == 0 && here;
}

/* Releases the lease just taken under `epoch`, before anything ran under it. */
static void give_back_lease(struct run *r, uint64_t epoch)
{
        const struct ha_cfg *cfg = r->cfg;
        struct ha_lease_req q = {.op = HA_LEASE_RELEASE,
                                 .node = cfg->ha.node,
                                 .ttl = cfg->lease.ttl,
                                 .epoch = epoch};
        char stuck[PATH_MAX];
        struct ha_lease l;
        usec_t t = ha_now();
        int e;

        stuck_path(cfg, stuck, sizeof(stuck));
        e = ha_lease_do(&q, cfg->lease.path,
                        ha_deadline_min(r->deadline, ha_deadline_in(cfg->storage.timeout)), stuck,
                        &l);
        (void)step(r, "release lease", t, e, false, "%s",
                   e < 0 ? "failed to give the lease back (it will expire)" : "given back");
        if (e == 0)
                (void)ha_lease_epoch_set(cfg->ha.state_dir, 0);
}

static void promote(struct run *r, const struct ha_observation *o)
{
        const struct ha_cfg *cfg = r->cfg;
        struct ha_slurm_control ctl;
        const char *reason = "";
        bool ctld_running = o->ctld_running;
        uint64_t epoch = 0;
        struct ha_svc s;
        usec_t t;
        int e;

        /* 1. Preconditions: from the observation, taken under the lock. */
        t = ha_now();
        if (o->probe[HA_PROBE_MUNGE].state != HA_PROBE_OK) {
                r->res->refused = true;
                r->res->result = step(r, "munge", t, o->probe[HA_PROBE_MUNGE].error ?: -EIO, true,
                                      "refused: %s", o->probe[HA_PROBE_MUNGE].detail);
                return;
        }
        /* slurmctld starts as root with [slurm] conf: not with one others may have written. */
        if (o->probe[HA_PROBE_CONF].state != HA_PROBE_OK) {
                r->res->refused = true;
                r->res->result = step(r, "conf", t, o->probe[HA_PROBE_CONF].error ?: -EIO, true,
                                      "%s", o->probe[HA_PROBE_CONF].detail);
                return;
        }
        if (o->probe[HA_PROBE_STORAGE].state != HA_PROBE_OK && o->storage_hung_ms > 0)
                start_early_fence(r);
        if (o->probe[HA_PROBE_STORAGE].state != HA_PROBE_OK && o->storage_hung_ms > 0 &&
            !r->dry_run && wait_storage(r, &o)) {
                r->res->refused = true;
                r->res->result = step(r, "storage", t, -EHOSTDOWN, true,
                                      "refused: this node lost the VIP while its storage hung");
                return;
        }
        if (o->probe[HA_PROBE_STORAGE].state != HA_PROBE_OK) {
                r->res->refused = true;
                r->res->result = step(r, "storage", t, o->probe[HA_PROBE_STORAGE].error ?: -EIO,
                                      true, "refused: %s", o->probe[HA_PROBE_STORAGE].detail);
                return;
        }
        /* Where a failover's time goes: a replicated volume stalls every client while it gives
         * up on a lost server (GlusterFS: network.ping-timeout). */
        if (ha_msec_between(t, ha_now()) >= 1.0)
                (void)step(r, "storage", t, 0, false, "answers again: waited for it");
        /* 2. The split-brain guard. */
        e = take_lease(r, &epoch);
        if (e < 0) {
                r->res->refused = true;
                r->res->result = e;
                return;
        }
        r->epoch = epoch;
        /* Rule 5 of lease.h: a slurmctld running here that was not started under this epoch
         * has been replaced since (another node held the lease in between), or was started by
         * hand: its memory is older than the shared state. SIGKILL, no state saved, and a fresh
         * start below. */
        if (o->ctld_running && !r->dry_run && ha_lease_epoch_get(cfg->ha.state_dir) != epoch) {
                ha_slurmctld_svc(cfg, &s);
                t = ha_now();
                e = ha_svc_stop(&s, ha_now(), r->deadline, &reason);
                (void)step(r, "stop slurmctld", t, e, true,
                           "%s (it was not started under epoch %llu: SIGKILL, its state is older "
                           "than the shared one)",
                           e < 0 ? reason : "killed", (unsigned long long)epoch);
                if (e < 0) {
                        r->res->result = e;
                        return;
                }
                ctld_running = false;
        }
        /* Rule 4: the epoch the check renews the lease under, recorded before slurmctld starts. */
        if (!r->dry_run) {
                t = ha_now();
                e = ha_lease_epoch_set(cfg->ha.state_dir, epoch);
                if (e < 0) {
                        r->res->result = step(
                                r, "lease", t, e, true, "failed to record epoch %llu in %s: %s",
                                (unsigned long long)epoch, cfg->ha.state_dir, strerror(-e));
                        return;
                }
        }

        /* 2b. The followers slurmctld needs at its start ([notify] before_slurmctld: slurmdbd,
         *     without which a slurmctld may stay unconnected to accounting until it has
         *     something to send). Only after the lease: they run on one node at a time. */
        start_followers(r, true, " (before slurmctld)");
        wait_dbd(r);

        /* 3. slurmctld running. Rule 1 of lease.h, looked at again: the lease may have taken
         *    seconds, and keepalived may have moved the VIP meanwhile (its BACKUP hook then
         *    waits for this one). The lease goes back: nothing was started under it. */
        t = ha_now();
        if (!r->dry_run && !vip_still_here(r)) {
                r->res->refused = true;
                r->res->result = step(r, "vip", t, -EHOSTDOWN, true,
                                      "refused: this node lost the VIP while it took the lease");
                give_back_lease(r, epoch);
                return;
        }
        /* 3a. Rule 8: no other controller in control. */
        e = quiet_peers(r);
        if (e < 0) {
                r->res->refused = true;
                r->res->result = e;
                give_back_lease(r, epoch);
                return;
        }
        /* The followers, slurmdbd and the peers may have taken seconds: renewed now, and
         *    guarded from here on (guard.h). */
        e = keep_lease(r, true);
        if (e < 0) {
                r->res->refused = true;
                r->res->result = e;
                return;
        }
        start_guard(r);
        ha_slurmctld_svc(cfg, &s);
        t = ha_now();
        if (ctld_running && !ha_svc_uses_systemd(&s)) {
                (void)step(r, "start slurmctld", t, 0, false, "already running");
        } else if (r->dry_run) {
                (void)step(r, "start slurmctld", t, 0, false, "would start slurmctld (%s)",
                           ha_svc_uses_systemd(&s) ? cfg->slurm.unit : cfg->slurm.command[0]);
        } else {
                /* With systemd, StartUnit even when the unit looks running: a unit that is
                 * deactivating gets a start queued behind its stop, an active one nothing. */
                e = ha_svc_start(&s, r->deadline, &reason);
                (void)step(r, "start slurmctld", t, e, false, "%s",
                           e < 0          ? reason
                           : ctld_running ? "already running"
                                          : "started");
                if (e < 0) {
                        r->res->result = e;
                        return;
                }
        }

        /* 4. In control. */
        if (r->dry_run) {
                (void)step(r, "in control", ha_now(), 0, false,
                           "would wait until slurmctld is in control (asking a standby to take "
                           "over)");
        } else {
                e = wait_in_control(r, &ctl);
                if (e < 0) {
                        r->res->result = e;
                        return;
                }
                r->res->promoted = true;
        }

        /* 5. The services that follow the VIP. */
        start_followers(r, false, "");
}

/* ---- demote ---- */

/* Runs the alert command with HA_NODE and HA_STATE (the hint), and HA_FENCE_FAILED (the
 * node a promotion failed to power off) unless `fence_failed` is NULL. */
static int run_alert(struct run *r, enum ha_hint hint, const char *fence_failed)
{
        const struct ha_cfg *cfg = r->cfg;
        usec_t t = ha_now(), until;
        char node[96], state[48], fence[96];
        char *const extra[] = {node, state, fence_failed ? fence : NULL, NULL};
        const char *why;
        pid_t pid;
        int status = 0;

        if (!cfg->notify.alert_command)
                return 0;
        if (r->dry_run)
                return step(r, "alert", t, 0, false, "would run %s", cfg->notify.alert_command[0]);
        if (ha_exec_check(cfg->notify.alert_command[0], &why) < 0) {
                return step(r, "alert", t, -EPERM, false, "refused to run %s: %s",
                            cfg->notify.alert_command[0], why);
        }
        /* What the alert command is told, and all it gets from us (exec.h). */
        (void)snprintf(node, sizeof(node), "HA_NODE=%s", cfg->ha.node);
        (void)snprintf(state, sizeof(state), "HA_STATE=%s", ha_hint_name(hint));
        (void)snprintf(fence, sizeof(fence), "HA_FENCE_FAILED=%s",
                       fence_failed ? fence_failed : "");
        pid = fork();
        if (pid < 0)
                return step(r, "alert", t, -errno, false, "failed to fork: %s", strerror(errno));
        if (pid == 0)
                ha_exec_clean(cfg->notify.alert_command, extra);
        until = ha_deadline_min(r->deadline, ha_deadline_in(cfg->notify.alert_timeout));
        for (;;) {
                pid_t w = waitpid(pid, &status, WNOHANG);

                if (w == pid)
                        break;
                if (ha_deadline_passed(until)) {
                        (void)kill(-pid, SIGKILL);
                        (void)kill(pid, SIGKILL);
                        (void)waitpid(pid, &status, 0);
                        return step(r, "alert", t, -ETIMEDOUT, false,
                                    "%s killed after its %.1f s deadline",
                                    cfg->notify.alert_command[0],
                                    (double)cfg->notify.alert_timeout / 1e6);
                }
                (void)ha_sleep_until(until, 10 * HA_USEC_PER_MSEC);
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return step(r, "alert", t, 0, false, "%s done", cfg->notify.alert_command[0]);
        return step(r, "alert", t, -EIO, false, "%s failed (status %d)",
                    cfg->notify.alert_command[0],
                    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* munged is not there (its socket refuses) or does not answer. slurmctld here then
 * authenticates nothing: since munged went it has accepted no job and no completion, and its
 * state-save thread has had the seconds the check takes to see munged gone to save what changed
 * before. A SIGTERM does not help it: its shutdown waits for RPCs whose credentials it cannot
 * make or check, and it outlasts the 10 s stop_timeout (tests/cluster/drill_munged_lost.sh).
 * It holds the lease all that while (rule 6), past the failover time promised: SIGKILL at
 * once. A credential refused
 * (wrong key) is not this case: munged answers, slurmctld's calls fail fast. */
static bool munged_gone(const struct ha_observation *o)
{
        const struct ha_probe *p = &o->probe[HA_PROBE_MUNGE];

        return p->state == HA_PROBE_FAILED &&
               (p->error == -ECONNREFUSED || p->error == -ENOENT || p->error == -ETIMEDOUT);
}

/* Whether the lease, as the observation read it, is no longer this node's under the epoch its
 * slurmctld was started under. Unknown (not read) is not "moved on". */
static bool lease_moved_on(const struct ha_cfg *cfg, const struct ha_observation *o)
{
        uint64_t mine = ha_lease_epoch_get(cfg->ha.state_dir);

        if (o->probe[HA_PROBE_LEASE].state != HA_PROBE_OK || !*o->lease_owner)
                return false;
        return strcmp(o->lease_owner, cfg->ha.node) != 0 || (mine && o->lease_epoch != mine);
}

/* How long a demotion gives slurmctld to save its state before SIGKILL, counted from the hook's
 * start: [notify] stop_timeout, but never past [lease] wait less HA_GUARD_KILL, [storage]
 * timeout and STOP_SLACK. While it stops, the demotion renews the lease (rule 4 of lease.h,
 * start_stop_renewer()). Timing: keepalived runs this BACKUP or FAULT hook and the new VIP
 * holder's MASTER hook at the same VRRP transition, and that promotion waits up to [lease]
 * wait for the lease, from after its own start. slurmctld here is SIGKILLed at the budget's end
 * and gone within HA_GUARD_KILL, and the release is one write within [storage] timeout: the
 * lease is released by [lease] wait less STOP_SLACK after this hook started, inside the
 * promotion's wait. A demotion that starts later than that (it waited for the hook lock)
 * SIGKILLs at once. With power fencing, the promotion watching the lease sees its generation
 * change every second until the release, and does not fence a node that hands over cleanly
 * however slowly slurmctld saves its state, within this budget. */
#define STOP_SLACK (500 * HA_USEC_PER_MSEC)

static usec_t stop_budget(const struct ha_cfg *cfg)
{
        usec_t reserve = HA_GUARD_KILL + cfg->storage.timeout + STOP_SLACK;
        usec_t b = cfg->lease.wait > reserve ? cfg->lease.wait - reserve : 0;

        return b < cfg->notify.stop_timeout ? b : cfg->notify.stop_timeout;
}

/* Rule 4 of lease.h, a demotion's part: a child renews the lease under `epoch` (the one the
 * stopping slurmctld was started under) at once and then every second, until `until` (the
 * SIGKILL of stop_budget()), and records each renewal for the self-fence, which then leaves
 * the stop to this hook. It renews only what is still ours under that epoch: a lease that
 * moved on ends it (-ESTALE), and the self-fence then kills slurmctld by ttl - 1 s after the
 * last renewal, before any node may take the lease on expiry. The child dies with this hook
 * (PR_SET_PDEATHSIG), and stop_renewer() kills it, its lease children with it (a process group
 * of its own), before the release: a renewal already written is ordered before the release by
 * link(2), and one read after the release is refused (rule 7). Returns its pid, or 0. */
static pid_t start_stop_renewer(struct run *r, uint64_t epoch, usec_t until)
{
        const struct ha_cfg *cfg = r->cfg;
        pid_t parent = getpid(), pid;

        pid = fork();
        if (pid < 0)
                return 0; /* the self-fence still bounds the stop (guard.h) */
        if (pid == 0) {
                struct ha_lease_req q = {.op = HA_LEASE_RENEW,
                                         .node = cfg->ha.node,
                                         .ttl = cfg->lease.ttl,
                                         .epoch = epoch};
                char stuck[PATH_MAX];
                struct ha_lease l;

                (void)setpgid(0, 0);
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                        _exit(0);
                stuck_path(cfg, stuck, sizeof(stuck));
                while (!ha_deadline_passed(until)) {
                        usec_t next = ha_now() + HA_USEC_PER_SEC, started = ha_now_boottime();
                        int e = ha_lease_do(
                                &q, cfg->lease.path,
                                ha_deadline_min(until, ha_deadline_in(cfg->storage.timeout)), stuck,
                                &l);

                        if (e == -ESTALE)
                                _exit(1);
                        if (e == 0)
                                (void)ha_lease_renewed_set(cfg->ha.state_dir, epoch, started);
                        (void)ha_sleep_until(ha_deadline_min(until, next), HA_USEC_INFINITY);
                }
                _exit(0);
        }
        (void)setpgid(pid, pid);
        return pid;
}

static void stop_renewer(pid_t pid)
{
        if (pid <= 0)
                return;
        (void)kill(-pid, SIGKILL);
        (void)kill(pid, SIGKILL);
        (void)waitpid(pid, NULL, 0);
}

static void demote(struct run *r, const struct ha_observation *o, enum ha_hint hint)
{
        const struct ha_cfg *cfg = r->cfg;
        const char *reason = "", *why_kill = "";
        uint64_t epoch = ha_lease_epoch_get(cfg->ha.state_dir);
        /* The hook's start: its deadline less [notify] deadline (reconcile.h). */
        usec_t hook_start =
                r->deadline > cfg->notify.deadline ? r->deadline - cfg->notify.deadline : 0;
        usec_t kill_at = ha_deadline_min(r->deadline, hook_start + stop_budget(cfg));
        char stuck[PATH_MAX];
        struct ha_lease l;
        struct ha_svc s;
        pid_t renewer = 0;
        usec_t t;
        int e;

        /* 0. No priority bonus from here on (role.h): this node is no lease holder in
         *    control, whatever the last check found. */
        if (!r->dry_run)
                (void)ha_holder_record(cfg->ha.state_dir, false);

        /* How slurmctld is stopped. munged gone: slurmctld's own calls hang without it, so a
         * SIGTERM could not save its state in time anyway. Its storage hangs: slurmctld cannot
         * save its state (a SIGTERM would only leave it waiting on the mount), and it must be
         * gone before the lease it can no longer renew expires and another node starts. Left
         * to stop_timeout, it would act on the shared state again when the storage came back:
         * purge the new master's job files as "vestigial", for one
         * (tests/cluster/drill_storage_hang.sh). Rule 5 of lease.h: the lease moved on
         * (another owner, another epoch): the new holder's slurmctld runs on the shared state,
         * and a SIGTERM would have this one save its older state over it. Each: SIGKILL at
         * once. Else SIGTERM, and the lease renewed while slurmctld saves its state, up to
         * stop_budget(). */
        if (munged_gone(o))
                why_kill = " (munged gone: SIGKILL at once)";
        if (o->storage_hung_ms > 0)
                why_kill = " (storage hung: SIGKILL at once)";
        if (lease_moved_on(cfg, o))
                why_kill = " (the lease moved on: SIGKILL at once, no state saved)";
        if (*why_kill)
                kill_at = ha_now();
        else if (ha_deadline_passed(kill_at))
                why_kill = " (its time to stop passed while this hook waited: SIGKILL at once)";
        else if (o->ctld_running && !r->dry_run && epoch != 0)
                renewer = start_stop_renewer(r, epoch, kill_at);

        /* 1. Followers first: they depend on slurmctld, not the other way round. */
        for (size_t i = 0; cfg->notify.followers && cfg->notify.followers[i]; i++) {
                struct follower f;

                follower_svc(cfg, cfg->notify.followers[i], &f);
                t = ha_now();
                if (r->dry_run) {
                        (void)step(r, "stop follower", t, 0, false, "would stop %s", f.what);
                        continue;
                }
                e = ha_svc_stop(
                        &f.svc,
                        ha_deadline_min(r->deadline, ha_deadline_in(cfg->notify.stop_timeout)),
                        r->deadline, &reason);
                (void)step(r, "stop follower", t, e, false, "%s: %s", f.what,
                           e < 0 ? reason : "stopped");
        }

        /* 2. slurmctld stopped: a stopped slurmctld cannot take control back. */
        ha_slurmctld_svc(cfg, &s);
        t = ha_now();
        if (!o->ctld_running) {
                (void)step(r, "stop slurmctld", t, 0, false, "not running");
        } else if (r->dry_run) {
                (void)step(r, "stop slurmctld", t, 0, false, "would stop slurmctld%s",
                           o->control.control_time ? " (it is in control)" : "");
        } else {
                e = ha_svc_stop(&s, kill_at, r->deadline, &reason);
                stop_renewer(renewer);
                (void)step(r, "stop slurmctld", t, e, false, "%s%s%s", e < 0 ? reason : "stopped",
                           why_kill, renewer ? " (the lease renewed meanwhile)" : "");
                if (e < 0) {
                        /* Rule 6: the lease stays ours while our slurmctld may run. */
                        r->res->result = e;
                        return;
                }
        }
        r->res->demoted = true;

        /* 3. The lease, given up so that the new master need not wait for it to expire. */
        stuck_path(cfg, stuck, sizeof(stuck));
        t = ha_now();
        if (r->dry_run) {
                (void)step(r, "release lease", t, 0, false, "would release the lease if ours");
        } else {
                struct ha_lease_req q = {.op = HA_LEASE_RELEASE,
                                         .node = cfg->ha.node,
                                         .ttl = cfg->lease.ttl,
                                         .epoch = ha_lease_epoch_get(cfg->ha.state_dir)};

                e = ha_lease_do(&q, cfg->lease.path,
                                ha_deadline_min(r->deadline, ha_deadline_in(cfg->storage.timeout)),
                                stuck, &l);
                (void)step(r, "release lease", t, e, false, "%s",
                           e < 0 ? "failed to release the lease (it will expire)"
                           : strcmp(l.owner, cfg->ha.node) == 0 && l.released
                                   ? "released"
                                   : "not ours: nothing to do");
                /* The slurmctld it was recorded for is stopped: nothing runs under it. */
                if (e == 0)
                        (void)ha_lease_epoch_set(cfg->ha.state_dir, 0);
        }

        /* 4. FAULT: somebody must know. */
        if (hint == HA_HINT_FAULT)
                (void)run_alert(r, hint, NULL);
}

void ha_reconcile(const struct ha_cfg *cfg, const struct ha_observation *obs, enum ha_hint hint,
                  bool dry_run, usec_t deadline, ha_step_fn fn, void *userdata,
                  struct ha_reconcile *ret)
{
        struct run r = {
                .cfg = cfg,
                .dry_run = dry_run,
                .deadline = deadline,
                .fn = fn,
                .userdata = userdata,
                .res = ret,
        };
        usec_t start = ha_now();

        memset(ret, 0, sizeof(*ret));
        if (obs->probe[HA_PROBE_VIP].state != HA_PROBE_OK) {
                ret->result = obs->probe[HA_PROBE_VIP].error ?: -EIO;
                ret->refused = true;
                (void)snprintf(ret->summary, sizeof(ret->summary),
                               "failed to tell whether this node holds the VIP: %s",
                               obs->probe[HA_PROBE_VIP].detail);
                return;
        }
        if (obs->vip_here) {
                promote(&r, obs);
                /* A fence started early that the lease did not ask for after all. */
                if (r.early.pid)
                        (void)end_early_fence(&r, false,
                                              " (this promotion did not take the lease from it)");
        } else
                demote(&r, obs, hint);
        ret->total_ms = ha_msec_between(start, ha_now());
        if (obs->vip_here)
                (void)snprintf(ret->summary, sizeof(ret->summary), "%s",
                               dry_run         ? "dry run: promotion planned"
                               : ret->refused  ? "promotion refused"
                               : ret->promoted ? "promoted: slurmctld in control"
                                               : "promotion failed");
        else
                (void)snprintf(ret->summary, sizeof(ret->summary), "%s",
                               dry_run        ? "dry run: demotion planned"
                               : ret->demoted ? "demoted: no slurmctld here"
                                              : "demotion failed");
}
