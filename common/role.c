/* role.c: observe the host, judge the observation. */
#include "common/role.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/child.h"
#include "common/fsutil.h"
#include "common/guard.h"
#include "common/lease.h"
#include "common/lock.h"
#include "common/mungeauth.h"
#include "common/store.h"
#include "common/svc.h"
#include "common/vip.h"

static const char *const probe_names[HA_PROBE_COUNT] = {
        [HA_PROBE_VIP] = "vip",         [HA_PROBE_HOOK] = "hook",   [HA_PROBE_PROCESS] = "process",
        [HA_PROBE_CONTROL] = "control", [HA_PROBE_MUNGE] = "munge", [HA_PROBE_STORAGE] = "storage",
        [HA_PROBE_CONF] = "conf",       [HA_PROBE_LEASE] = "lease", [HA_PROBE_DBD] = "dbd",
};

const char *ha_probe_name(enum ha_probe_id id)
{
        return id < HA_PROBE_COUNT ? probe_names[id] : "?";
}

/* Records a probe's outcome and its duration since `start`. */
static void done(struct ha_probe *p, usec_t start, int error, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void done(struct ha_probe *p, usec_t start, int error, const char *fmt, ...)
{
        va_list ap;

        p->state = error < 0 ? HA_PROBE_FAILED : HA_PROBE_OK;
        p->error = error;
        p->ms = ha_msec_between(start, ha_now());
        va_start(ap, fmt);
        (void)vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
        va_end(ap);
}

static void skip(struct ha_probe *p, const char *why)
{
        p->state = HA_PROBE_SKIPPED;
        (void)snprintf(p->detail, sizeof(p->detail), "%s", why);
}

static void format_time(uint64_t t, char *buf, size_t len)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (!localtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
                (void)snprintf(buf, len, "%llu", (unsigned long long)t);
}

static void probe_vip(const struct ha_cfg *cfg, struct ha_observation *o)
{
        struct ha_probe *p = &o->probe[HA_PROBE_VIP];
        usec_t start = ha_now();
        int r = ha_vip_held(cfg->vip.address, cfg->vip.interface, &o->vip_here);

        if (r < 0)
                done(p, start, r, "failed to read the interfaces: %s", strerror(-r));
        else
                done(p, start, 0, "%s %s%s%s", cfg->vip.address,
                     o->vip_here ? "held here" : "not here", cfg->vip.interface ? " on " : "",
                     cfg->vip.interface ? cfg->vip.interface : "");
}

static void probe_hook(const struct ha_cfg *cfg, struct ha_observation *o)
{
        struct ha_probe *p = &o->probe[HA_PROBE_HOOK];
        usec_t start = ha_now(), since = 0;

        o->hook_running =
                ha_lock_holder(cfg->ha.state_dir, o->hook_intent, sizeof(o->hook_intent), &since);
        if (o->hook_running) {
                o->hook_ms = ha_msec_between(since, start);
                done(p, start, 0, "%s in progress for %.0f ms", o->hook_intent, o->hook_ms);
        } else {
                done(p, start, 0, "no hook at work");
        }
}

void ha_slurmctld_svc(const struct ha_cfg *cfg, struct ha_svc *ret)
{
        *ret = (struct ha_svc){
                .manager = (enum ha_svc_manager)cfg->ha.service_manager,
                .unit = cfg->slurm.unit,
                .pid_file = cfg->slurm.pid_file,
                .comm = "slurmctld",
                .argv = cfg->slurm.command,
        };
}

struct ha_slurm_client ha_slurmctld_client(const struct ha_cfg *cfg)
{
        return (struct ha_slurm_client){
                .address = cfg->slurm.controller,
                .port = cfg->slurm.port,
                .slurm_uid = cfg->slurm.uid,
                .munge_socket = cfg->slurm.munge_socket,
                .version = cfg->slurm.protocol,
                .cache_dir = cfg->ha.state_dir,
                .binary = cfg->slurm.command[0],
        };
}

static void probe_process(const struct ha_cfg *cfg, usec_t deadline, struct ha_observation *o)
{
        struct ha_probe *p = &o->probe[HA_PROBE_PROCESS];
        usec_t start = ha_now();
        const char *reason = "";
        struct ha_svc s;
        int r;

        ha_slurmctld_svc(cfg, &s);
        r = ha_svc_state(&s, deadline, &o->ctld_running, &o->ctld_pid, &reason);
        if (r < 0)
                done(p, start, r, "%s", reason);
        else if (o->ctld_running && o->ctld_pid)
                done(p, start, 0, "slurmctld runs, pid %d", (int)o->ctld_pid);
        else if (o->ctld_running)
                done(p, start, 0, "%s is active", cfg->slurm.unit);
        else
                done(p, start, -ESRCH, "slurmctld not running: %s", reason);
}

static void probe_control(const struct ha_cfg *cfg, usec_t deadline, struct ha_observation *o)
{
        struct ha_probe *p = &o->probe[HA_PROBE_CONTROL];
        usec_t start = ha_now();
        struct ha_slurm_client c = ha_slurmctld_client(cfg);
        const char *reason = "";
        char when[64];
        int r;

        c.pid = o->ctld_pid;
        r = ha_slurm_control_status(
                &c, ha_deadline_min(deadline, ha_deadline_in(cfg->slurm.rpc_timeout)), &o->control,
                &reason);
        o->protocol = c.version;
        if (r < 0) {
                done(p, start, r, "%s", reason);
                return;
        }
        o->ctld_answers = true;
        if (o->control.control_time) {
                format_time(o->control.control_time, when, sizeof(when));
                done(p, start, 0, "in control since %s (index %u, protocol %s)", when,
                     o->control.backup_inx, ha_protocol_release(c.version));
        } else {
                done(p, start, 0, "in standby (index %u, protocol %s)", o->control.backup_inx,
                     ha_protocol_release(c.version));
        }
}

static void probe_munge(const struct ha_cfg *cfg, usec_t deadline, struct ha_observation *o)
{
        struct ha_probe *p = &o->probe[HA_PROBE_MUNGE];
        usec_t start = ha_now();
        const char *why = NULL;
        int r = ha_munge_selftest(cfg->slurm.munge_socket,
                                  ha_deadline_min(deadline, ha_deadline_in(HA_USEC_PER_SEC)), &why);

        if (r < 0)
                done(p, start, r, "MUNGE round trip failed: %s", why ? why : strerror(-r));
        else
                done(p, start, 0, "round trip through %s", cfg->slurm.munge_socket);
}

/* What the storage child does: the probe, then (if the probe passed) the lease: renewed or
 * claimed on the VIP holder in control (rule 4 of lease.h), read on any other node. */
struct storage_job {
        const char *path;
        const char *lease_path;
        struct ha_lease_req lease;
        usec_t started; /* CLOCK_BOOTTIME, before the child starts */
};

struct storage_answer {
        int32_t probe;
        char step[64];
        int32_t lease;
        bool lease_tried;
        struct ha_lease l;
};

static ssize_t storage_child(void *p, void *out, size_t max)
{
        const struct storage_job *j = p;
        struct storage_answer a = {0};
        const char *step = "";

        if (max < sizeof(a))
                return -EINVAL;
        a.probe = ha_store_write_probe(j->path, j->lease.node, &step);
        (void)snprintf(a.step, sizeof(a.step), "%s", step);
        if (a.probe == 0) {
                a.lease_tried = true;
                a.lease = ha_lease_do_here(&j->lease, j->lease_path, &a.l);
        }
        memcpy(out, &a, sizeof(a));
        return sizeof(a);
}

/* The lease probe's words for what the storage child did with the lease. */
static void lease_detail(const struct ha_cfg *cfg, const struct storage_job *job,
                         const struct storage_answer *a, usec_t start, struct ha_observation *o)
{
        struct ha_probe *lp = &o->probe[HA_PROBE_LEASE];
        const char *why = "";
        usec_t seen_for = 0;
        int e;

        o->lease_tried = job->lease.op != HA_LEASE_READ;
        o->lease_result = a->lease;
        (void)snprintf(o->lease_owner, sizeof(o->lease_owner), "%s", a->l.owner);
        o->lease_epoch = (unsigned long long)a->l.epoch;
        if (a->lease == 0) {
                /* Rules 2 and 3: what this node saw, for a promotion to judge expiry by. */
                e = ha_lease_seen(cfg->ha.state_dir, &a->l, &seen_for, &why);
                if (e == -EUCLEAN) {
                        o->lease_result = e;
                        done(lp, start, e, "%s (generation %llu, epoch %llu)", why,
                             (unsigned long long)a->l.gen, o->lease_epoch);
                        return;
                }
        }
        /* The self-fence counts from the start of this storage child (guard.h). */
        if (a->lease == 0 && job->lease.op != HA_LEASE_READ &&
            ha_lease_renewed_set(cfg->ha.state_dir, a->l.epoch, job->started) < 0)
                o->lease_result = -EIO;
        if (a->lease == 0 && job->lease.op == HA_LEASE_CLAIM) {
                /* The first grant of the cluster, to the slurmctld running here. */
                e = ha_lease_epoch_set(cfg->ha.state_dir, a->l.epoch);
                if (e < 0)
                        o->lease_result = e;
                done(lp, start, e, "claimed: epoch %llu, the first grant of this cluster%s",
                     o->lease_epoch, e < 0 ? ", but failed to record it" : "");
        } else if (a->lease == 0 && job->lease.op == HA_LEASE_RENEW) {
                done(lp, start, 0, "ours, epoch %llu, renewed", o->lease_epoch);
        } else if (a->lease == 0) {
                if (!*a->l.owner)
                        done(lp, start, 0, "never granted");
                else
                        done(lp, start, 0, "%s by %s (epoch %llu), generation %llu seen for %.1f s",
                             a->l.released ? "released" : "held", a->l.owner, o->lease_epoch,
                             (unsigned long long)a->l.gen, (double)seen_for / 1e6);
        } else if (a->lease == -ESTALE && strcmp(a->l.owner, cfg->ha.node) != 0) {
                done(lp, start, a->lease, "held by %s (epoch %llu): this node has been replaced",
                     o->lease_owner, o->lease_epoch);
        } else if (a->lease == -ESTALE) {
                done(lp, start, a->lease,
                     "%s under epoch %llu, but this slurmctld was started under epoch %llu: "
                     "it is out of date",
                     a->l.released ? "released" : "ours", o->lease_epoch,
                     (unsigned long long)job->lease.epoch);
        } else if (a->lease == -EBUSY) {
                done(lp, start, a->lease,
                     "this slurmctld was not started by a promotion (no epoch recorded), and the "
                     "lease exists: %s by %s, epoch %llu",
                     a->l.released ? "released" : "held", *a->l.owner ? a->l.owner : "nobody",
                     o->lease_epoch);
        } else {
                done(lp, start, a->lease, "failed to %s the lease '%s': %s",
                     job->lease.op == HA_LEASE_READ ? "read" : "renew", cfg->lease.path,
                     strerror(-a->lease));
        }
}

static void probe_storage(const struct ha_cfg *cfg, usec_t deadline, bool renew,
                          struct ha_observation *o)
{
        struct ha_probe *p = &o->probe[HA_PROBE_STORAGE];
        usec_t start = ha_now(), since = 0;
        char stuck[PATH_MAX];
        const char *reason = "";
        struct ha_store s = {
                .path = cfg->storage.path,
                .fstype = cfg->storage.fstype,
                .mount_point = cfg->storage.mount_point,
                .node = cfg->ha.node,
        };
        struct storage_job job = {
                .path = cfg->storage.path,
                .lease_path = cfg->lease.path,
                .lease = {.op = HA_LEASE_READ, .node = cfg->ha.node, .ttl = cfg->lease.ttl},
        };
        struct storage_answer a;
        ssize_t r;

        if (renew) {
                job.lease.epoch = ha_lease_epoch_get(cfg->ha.state_dir);
                job.lease.op = job.lease.epoch ? HA_LEASE_RENEW : HA_LEASE_CLAIM;
        }
        job.started = ha_now_boottime();
        r = ha_store_check_mount(&s, &reason);
        if (r < 0) {
                done(p, start, (int)r, "%s", reason);
                return;
        }
        (void)snprintf(stuck, sizeof(stuck), "%s/storage-probe.stuck", cfg->ha.state_dir);
        if (ha_fs_state_dir(cfg->ha.state_dir, NULL) < 0)
                *stuck = '\0'; /* refused: no record kept (the programs refuse to run first) */
        r = ha_child_run(storage_child, &job, &a, sizeof(a),
                         ha_deadline_min(deadline, ha_deadline_in(cfg->storage.timeout)),
                         *stuck ? stuck : NULL, &since);
        if (r == -EALREADY) {
                char when[64];

                format_time(since / HA_USEC_PER_SEC, when, sizeof(when));
                {
                        usec_t now = ha_now_realtime();

                        o->storage_hung_ms = now > since ? (double)(now - since) / 1e3 : 0.001;
                }
                done(p, start, (int)r,
                     "storage hung since %s: an earlier probe of %s is still stuck", when,
                     cfg->storage.path);
                return;
        }
        if (r == -ETIMEDOUT) {
                o->storage_hung_ms = ha_msec_between(start, ha_now());
                o->storage_stuck_new = true;
                done(p, start, (int)r, "storage hung: %s did not answer in time",
                     cfg->storage.path);
                return;
        }
        if (r < 0 || (size_t)r != sizeof(a)) {
                done(p, start, r < 0 ? (int)r : -EIO, "failed to probe '%s': %s", cfg->storage.path,
                     strerror(r < 0 ? (int)-r : EIO));
                return;
        }
        a.step[sizeof(a.step) - 1] = '\0';
        if (a.probe < 0) {
                done(p, start, a.probe, "failed to %s '%s': %s", a.step, cfg->storage.path,
                     strerror(-a.probe));
                return;
        }
        done(p, start, 0, "%s writable%s%s", cfg->storage.path, cfg->storage.fstype ? " on " : "",
             cfg->storage.fstype ? cfg->storage.fstype : "");
        if (a.lease_tried)
                lease_detail(cfg, &job, &a, start, o);
}

/* Slurm's file the hooks start slurmctld with ([slurm] conf): readable, and as trusted as the
 * hooks' own configuration (fsutil.h, rule 1, a link followed to it as doas(1) does): slurmctld
 * starts as root and loads what it names (plugins, their folder) before it becomes SlurmUser,
 * so whoever may write it may run code as root. A standby refusing it is unhealthy, and a
 * promotion does not start slurmctld with it (reconcile.c). */
static void probe_conf(const struct ha_cfg *cfg, struct ha_observation *o)
{
        struct ha_probe *p = &o->probe[HA_PROBE_CONF];
        usec_t start = ha_now();
        const char *why;
        char byte;
        int fd = open(cfg->slurm.conf, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

        if (fd >= 0 && ha_fs_is_safe(fd, &why) < 0) {
                (void)close(fd);
                ha_fs_refused(cfg->slurm.conf, why);
                done(p, start, -EPERM, "unsafe %s: %s (slurmctld starts as root with it)",
                     cfg->slurm.conf, why);
                return;
        }
        if (fd < 0 || read(fd, &byte, 1) != 1) {
                int r = fd < 0 || errno ? -errno : -ENODATA;

                if (fd >= 0)
                        (void)close(fd);
                done(p, start, r, "failed to read '%s': %s", cfg->slurm.conf,
                     r == -ENODATA ? "empty" : strerror(-r));
                return;
        }
        (void)close(fd);
        done(p, start, 0, "%s readable", cfg->slurm.conf);
}

/* slurmdbd follows the VIP: on the VIP holder in control, slurmdbd at the VIP must answer a
 * client's first message (REQUEST_PERSIST_INIT, as `sacctmgr ping`) before the deadline, which
 * it does only after it has reached its database. */
static void probe_dbd(const struct ha_cfg *cfg, usec_t deadline, struct ha_observation *o)
{
        struct ha_probe *p = &o->probe[HA_PROBE_DBD];
        struct ha_slurm_client c = ha_slurmctld_client(cfg);
        const char *reason = "";
        usec_t start = ha_now();
        int r;

        if (!cfg->check.dbd_port) {
                skip(p, "no [check] dbd_port");
                return;
        }
        if (!o->vip_here || !o->control.control_time) {
                skip(p, "slurmdbd runs on the VIP holder in control");
                return;
        }
        if (ha_deadline_passed(deadline)) {
                skip(p, "no time left before the deadline");
                return;
        }
        c.address = cfg->vip.address;
        c.port = cfg->check.dbd_port;
        c.version = o->protocol;
        r = ha_slurmdbd_ping(&c, ha_deadline_min(deadline, ha_deadline_in(cfg->slurm.rpc_timeout)),
                             &reason);
        if (r < 0) {
                done(p, start, r, "slurmdbd at %s:%u: %s", cfg->vip.address, cfg->check.dbd_port,
                     reason);
                return;
        }
        done(p, start, 0, "slurmdbd at %s:%u answers, its database too", cfg->vip.address,
             cfg->check.dbd_port);
}

/* The time since this node's last grant or renewal of its lease, under the epoch its
 * slurmctld was started under (node-local files: never hangs). */
static void observe_renewed(const struct ha_cfg *cfg, struct ha_observation *o)
{
        uint64_t epoch = 0, running = ha_lease_epoch_get(cfg->ha.state_dir);
        usec_t started = 0, now = ha_now_boottime();

        o->renewed_ago_ms = -1;
        if (running != 0 && ha_lease_renewed_get(cfg->ha.state_dir, &epoch, &started) == 0 &&
            epoch == running && started <= now)
                o->renewed_ago_ms = (double)(now - started) / 1e3;
}

void ha_observe(const struct ha_cfg *cfg, usec_t deadline, bool renew_lease,
                struct ha_observation *o)
{
        usec_t start = ha_now();

        memset(o, 0, sizeof(*o));
        probe_vip(cfg, o);
        probe_hook(cfg, o);
        probe_process(cfg, deadline, o);
        if (o->ctld_running)
                probe_control(cfg, deadline, o);
        else
                skip(&o->probe[HA_PROBE_CONTROL], "no slurmctld here to ask");
        probe_munge(cfg, deadline, o);
        skip(&o->probe[HA_PROBE_LEASE], "not read: the storage was not probed");
        /* Rule 4 of the lease: renewed only by a VIP holder in control, with MUNGE working,
         * under the epoch its slurmctld was started under; while a promotion is at work too
         * (it records that epoch before it starts slurmctld), not while a demotion is. */
        renew_lease = renew_lease && o->vip_here && o->control.control_time &&
                      o->probe[HA_PROBE_MUNGE].state == HA_PROBE_OK &&
                      (!o->hook_running || strcmp(o->hook_intent, "promote") == 0);
        if (!ha_deadline_passed(deadline))
                probe_storage(cfg, deadline, renew_lease, o);
        else
                skip(&o->probe[HA_PROBE_STORAGE], "no time left before the deadline");
        probe_conf(cfg, o);
        probe_dbd(cfg, deadline, o);
        observe_renewed(cfg, o);
        o->total_ms = ha_msec_between(start, ha_now());
}

#define VERDICT(v, id, ...)                                                                        \
        do {                                                                                       \
                (v)->healthy = false;                                                              \
                (v)->probe = (id);                                                                 \
                (void)snprintf((v)->reason, sizeof((v)->reason), __VA_ARGS__);                     \
        } while (0)

/* The first failed probe among `ids`, or -1. */
static int first_failed(const struct ha_observation *o, const enum ha_probe_id *ids, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (o->probe[ids[i]].state == HA_PROBE_FAILED)
                        return (int)ids[i];
        return -1;
}

void ha_judge(const struct ha_cfg *cfg, const struct ha_observation *o, struct ha_verdict *v)
{
        bool in_grace = o->hook_running && o->hook_ms <= (double)cfg->check.promotion_grace / 1e3;
        int f;

        memset(v, 0, sizeof(*v));
        v->healthy = true;
        if (o->probe[HA_PROBE_VIP].state == HA_PROBE_FAILED) {
                VERDICT(v, HA_PROBE_VIP, "%s", o->probe[HA_PROBE_VIP].detail);
                return;
        }

        if (o->vip_here) {
                /* MUNGE before control: the control RPC needs MUNGE, so a dead munged
                 * must be named as such, not as a controller that does not answer. */
                static const enum ha_probe_id need[] = {HA_PROBE_PROCESS, HA_PROBE_MUNGE,
                                                        HA_PROBE_CONTROL, HA_PROBE_STORAGE};

                f = first_failed(o, need, sizeof(need) / sizeof(need[0]));
                /* A storage stall on the VIP holder in control, shorter than its self-fence's
                 * wait (guard.h: SIGTERM ha_guard_term_after(ttl) after the last renewal). A
                 * replicated volume stalls every client for its ping timeout when any server's
                 * host goes away (GlusterFS: network.ping-timeout): a standby's host lost, or
                 * in maintenance, must not move the controller. The lease is not renewed
                 * meanwhile, so no other node can take it early (rule 2), and with fencing a
                 * promotion elsewhere would power this node off first (rule 9). Past the
                 * self-fence's wait the guard stops slurmctld, and the check fails then. */
                if (f == HA_PROBE_STORAGE && o->storage_hung_ms > 0 && o->ctld_answers &&
                    o->control.control_time && o->renewed_ago_ms >= 0 &&
                    o->renewed_ago_ms < (double)ha_guard_term_after(cfg->lease.ttl) / 1e3) {
                        v->grace = true;
                        (void)snprintf(
                                v->reason, sizeof(v->reason),
                                "VIP holder: slurmctld in control, storage stalled for %.0f "
                                "ms; lease renewed %.0f ms ago, self-fence at %.0f ms: %.150s",
                                o->storage_hung_ms, o->renewed_ago_ms,
                                (double)ha_guard_term_after(cfg->lease.ttl) / 1e3,
                                o->probe[f].detail);
                        return;
                }
                if (f < 0 && !o->control.control_time)
                        VERDICT(v, HA_PROBE_CONTROL,
                                "slurmctld here is in standby, not in control, while this node "
                                "holds the VIP");
                else if (f >= 0)
                        VERDICT(v, (enum ha_probe_id)f, "%s", o->probe[f].detail);
                else if (o->probe[HA_PROBE_STORAGE].state == HA_PROBE_SKIPPED)
                        VERDICT(v, HA_PROBE_STORAGE, "storage not probed: %s",
                                o->probe[HA_PROBE_STORAGE].detail);
                if (!v->healthy && in_grace && strcmp(o->hook_intent, "promote") == 0) {
                        v->healthy = true;
                        v->grace = true;
                        (void)snprintf(v->reason, sizeof(v->reason),
                                       "promotion in progress for %.0f ms (grace %.0f ms): %s",
                                       o->hook_ms, (double)cfg->check.promotion_grace / 1e3,
                                       o->probe[v->probe].detail);
                }
                if (v->healthy && o->lease_tried && o->lease_result < 0)
                        VERDICT(v, HA_PROBE_LEASE, "%s%s", o->probe[HA_PROBE_LEASE].detail,
                                o->lease_result == -EBUSY || o->lease_result == -ESTALE
                                        ? ": it must stop its slurmctld"
                                        : "");
                if (v->healthy && !v->grace)
                        (void)snprintf(v->reason, sizeof(v->reason),
                                       "VIP holder: slurmctld alive and in control");
                if (o->probe[HA_PROBE_DBD].state == HA_PROBE_FAILED) {
                        v->dbd_down = true;
                        if (v->healthy && !v->grace && cfg->check.require_dbd)
                                VERDICT(v, HA_PROBE_DBD, "%s ([check] require_dbd)",
                                        o->probe[HA_PROBE_DBD].detail);
                        else if (v->healthy && !v->grace)
                                /* The detail is at most 255 characters: it fits. */
                                (void)snprintf(v->reason, sizeof(v->reason),
                                               "VIP holder: slurmctld in control; accounting "
                                               "degraded: %.250s",
                                               o->probe[HA_PROBE_DBD].detail);
                }
                return;
        }

        if (o->ctld_answers && o->control.control_time) {
                if (in_grace && strcmp(o->hook_intent, "demote") == 0) {
                        v->grace = true;
                        (void)snprintf(v->reason, sizeof(v->reason),
                                       "demotion in progress for %.0f ms: slurmctld still in "
                                       "control",
                                       o->hook_ms);
                        return;
                }
                v->split_brain = true;
                VERDICT(v, HA_PROBE_CONTROL,
                        "split brain: slurmctld here is in control but this node does not hold "
                        "the VIP %s",
                        cfg->vip.address);
                return;
        }
        {
                static const enum ha_probe_id need[] = {HA_PROBE_MUNGE, HA_PROBE_STORAGE,
                                                        HA_PROBE_CONF};

                f = first_failed(o, need, sizeof(need) / sizeof(need[0]));
                /* A hung storage on a standby, for less than [storage] grace: the same stall
                 * every client of a replicated volume sees while it gives up on a lost server
                 * (GlusterFS: network.ping-timeout). Failing here would take every standby out
                 * of service exactly when the master is lost; a promotion waits for it. */
                if (f == HA_PROBE_STORAGE && o->storage_hung_ms > 0 &&
                    o->storage_hung_ms <= (double)cfg->storage.grace / 1e3) {
                        v->grace = true;
                        (void)snprintf(v->reason, sizeof(v->reason),
                                       "standby node: storage stalled for %.0f ms (grace %.0f "
                                       "ms): %s",
                                       o->storage_hung_ms, (double)cfg->storage.grace / 1e3,
                                       o->probe[f].detail);
                        return;
                }
                if (f >= 0) {
                        VERDICT(v, (enum ha_probe_id)f, "not ready to take over: %s",
                                o->probe[f].detail);
                        return;
                }
                if (o->probe[HA_PROBE_STORAGE].state == HA_PROBE_SKIPPED) {
                        VERDICT(v, HA_PROBE_STORAGE, "storage not probed: %s",
                                o->probe[HA_PROBE_STORAGE].detail);
                        return;
                }
        }
        (void)snprintf(v->reason, sizeof(v->reason), "standby node: ready to take over");
}

bool ha_holder_of(const struct ha_observation *o, const struct ha_verdict *v)
{
        return o->vip_here && v->healthy && !v->grace && o->ctld_answers &&
               o->control.control_time && o->lease_tried && o->lease_result == 0;
}

int ha_holder_record(const char *state_dir, bool holder)
{
        const char *line = holder ? "1\n" : "0\n";
        char path[PATH_MAX], *last = NULL;
        int n, e;

        n = snprintf(path, sizeof(path), "%s/vrrp.holder", state_dir);
        if (n < 0 || (size_t)n >= sizeof(path))
                return -ENAMETOOLONG;
        e = ha_fs_read_small(path, 16, &last, NULL);
        if (e == 0 && strcmp(last, line) == 0) {
                free(last);
                return 0;
        }
        free(last);
        return ha_fs_write_atomic(path, line, strlen(line), 0644);
}
