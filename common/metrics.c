/* metrics.c: ha_slurm_* gauges for node_exporter's textfile collector. */
#include "common/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/child.h"
#include "common/clock.h"
#include "common/fsutil.h"

/* Every family, in the order of the file. All are gauges: each sample is the latest value. A
 * sample of a record whose name is not here (a record left by another version) is dropped. */
static const struct family {
        const char *name;
        const char *help;
} families[] = {
        {"ha_slurm_check_healthy", "1 if the last health check found this node healthy."},
        {"ha_slurm_check_split_brain",
         "1 if the last health check found slurmctld in control here without the VIP."},
        {"ha_slurm_check_duration_seconds", "How long the last health check took."},
        {"ha_slurm_check_last_run_timestamp_seconds",
         "When the last health check ended (a stale value: the check does not run)."},
        {"ha_slurm_check_probe_state",
         "1 for the state (ok, failed or skipped) of each probe in the last health check."},
        {"ha_slurm_check_probe_duration_seconds", "How long each probe of the last check took."},
        {"ha_slurm_role",
         "1 for this node's role in the last check: master holds the VIP, backup does not."},
        {"ha_slurm_slurmctld_in_control",
         "1 if the local slurmctld said it was in control in the last check."},
        {"ha_slurm_hook_last_run_timestamp_seconds", "When the last notify hook run ended."},
        {"ha_slurm_hook_success", "1 if the last notify hook run reached its target state."},
        {"ha_slurm_hook_refused", "1 if the last notify hook run was refused by a precondition."},
        {"ha_slurm_hook_duration_seconds", "How long the last notify hook run took."},
        {"ha_slurm_promotion_timestamp_seconds", "When the last promotion ended."},
        {"ha_slurm_promotion_success", "1 if the last promotion left slurmctld in control."},
        {"ha_slurm_promotion_duration_seconds",
         "How long the last promotion took, from hook start to slurmctld in control."},
        {"ha_slurm_demotion_timestamp_seconds", "When the last demotion ended."},
        {"ha_slurm_demotion_success", "1 if the last demotion left no slurmctld here."},
        {"ha_slurm_demotion_duration_seconds", "How long the last demotion took."},
        {"ha_slurm_last_transition_timestamp_seconds",
         "When slurmctld last came into control here, or stopped being so."},
        {"ha_slurm_last_transition", "1 for the role this node took in its last transition."},
        {"ha_slurm_fence_timestamp_seconds",
         "When a promotion here last tried to power off the lease's holder."},
        {"ha_slurm_fence_success", "1 if its fence agent confirmed that node off."},
        {"ha_slurm_fence_duration_seconds", "How long that fence took."},
};

/* The records, in the order they are rendered within a family. */
static const char *const records[] = {"check", "hook", "promote", "demote", "transition", "fence"};

#define N_RECORDS  (sizeof(records) / sizeof(records[0]))
#define RECORD_MAX 8192

/* One writer's records, and where everything goes: handed to the child. */
struct job {
        const char *state_dir;
        const char *textfile;
        size_t n;
        struct {
                const char *name;
                const char *text;
        } rec[4];
};

/* A record under construction: samples appended as text, cut (and flagged) at RECORD_MAX. */
struct record {
        char text[RECORD_MAX];
        size_t len;
        bool full;
};

static void add(struct record *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct record *r, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (r->full)
                return;
        va_start(ap, fmt);
        n = vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= sizeof(r->text) - r->len) {
                r->full = true;
                r->text[r->len] = '\0';
                return;
        }
        r->len += (size_t)n;
}

/* Is `line` (of `len` bytes) a sample of family `name`? */
static bool in_family(const char *line, size_t len, const char *name)
{
        size_t n = strlen(name);

        return len > n && strncmp(line, name, n) == 0 && (line[n] == '{' || line[n] == ' ');
}

/* Replaces `name` in folder `dfd` with `data`: a new file under a temporary name (never
 * through a planted link), mode 0644 whatever the umask, renamed over the old one. Unlike the
 * state files it is not fsynced: the check rewrites these files every second and a file lost in
 * a crash is rewritten by the next run, so a disk flush a second on every controller would buy
 * nothing. */
static int replace_file(int dfd, const char *name, const char *data, size_t len)
{
        char tmp[NAME_MAX + 1];

        if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", name, (int)getpid()) >= (int)sizeof(tmp))
                return -ENAMETOOLONG;
        return ha_fs_replace_at(dfd, name, tmp, data, len, 0644);
}

/* Opens the textfile's folder (ha_fs_open_dir_shared(): not through a link planted on the way,
 * not one others may write) and checks that what has the textfile's name, if anything, is a
 * regular file: a link or anything else there was not put by us, and is refused rather than
 * silently replaced. Returns the folder's descriptor, *ret_name the textfile's name in it. */
static int open_textfile_dir(const char *textfile, const char **ret_name)
{
        const char *slash = strrchr(textfile, '/'), *why;
        char dir[PATH_MAX];
        struct stat st;
        int dfd;

        /* The configuration takes only an absolute path ending in .prom. */
        if (!slash || !slash[1] || (size_t)(slash - textfile) >= sizeof(dir))
                return -EINVAL;
        if (slash == textfile)
                (void)snprintf(dir, sizeof(dir), "/");
        else
                (void)snprintf(dir, sizeof(dir), "%.*s", (int)(slash - textfile), textfile);
        dfd = ha_fs_open_dir_shared(dir, &why);
        if (dfd < 0)
                return dfd;
        if (fstatat(dfd, slash + 1, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
                ha_fs_refused(textfile,
                              S_ISLNK(st.st_mode) ? "a symbolic link" : "not a regular file");
                (void)close(dfd);
                return -EPERM;
        }
        *ret_name = slash + 1;
        return dfd;
}

/* The child: writes this writer's records, reads every record and renders the textfile. */
static ssize_t write_metrics(void *arg, void *out, size_t max)
{
        const struct job *j = arg;
        char name[64], path[PATH_MAX], *texts[N_RECORDS] = {0}, *buf = NULL;
        const char *textfile_name = NULL;
        size_t len = 0;
        int sfd, tfd = -1, r;
        FILE *f;

        (void)out;
        (void)max;
        /* The state folder was checked at the program's start (root's, 0700, not a link). */
        sfd = open(j->state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sfd < 0)
                return -errno;
        for (size_t i = 0; i < j->n; i++) {
                (void)snprintf(name, sizeof(name), HA_METRICS_RECORD_PREFIX "%s", j->rec[i].name);
                r = replace_file(sfd, name, j->rec[i].text, strlen(j->rec[i].text));
                if (r < 0)
                        goto out;
        }
        /* A record that is missing (never written) or unsafe is left out. */
        for (size_t i = 0; i < N_RECORDS; i++) {
                (void)snprintf(name, sizeof(name), HA_METRICS_RECORD_PREFIX "%s", records[i]);
                (void)snprintf(path, sizeof(path), "%s/%s", j->state_dir, name);
                (void)ha_fs_read_at(sfd, name, path, RECORD_MAX, &texts[i], NULL);
        }

        f = open_memstream(&buf, &len);
        if (!f) {
                r = -errno;
                goto out;
        }
        for (size_t k = 0; k < sizeof(families) / sizeof(families[0]); k++) {
                bool head = false;

                for (size_t i = 0; i < N_RECORDS; i++) {
                        for (const char *line = texts[i]; line && *line;) {
                                const char *end = strchr(line, '\n');
                                size_t n = end ? (size_t)(end - line) : strlen(line);

                                if (in_family(line, n, families[k].name)) {
                                        if (!head)
                                                fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n",
                                                        families[k].name, families[k].help,
                                                        families[k].name);
                                        head = true;
                                        fprintf(f, "%.*s\n", (int)n, line);
                                }
                                line += n + (end ? 1 : 0);
                        }
                }
        }
        if (fclose(f) != 0) {
                r = -ENOMEM;
                goto out;
        }
        tfd = open_textfile_dir(j->textfile, &textfile_name);
        if (tfd < 0) {
                r = tfd;
                goto out;
        }
        /* 0644: node_exporter runs as its own user. */
        r = replace_file(tfd, textfile_name, buf, len);
out:
        if (tfd >= 0)
                (void)close(tfd);
        (void)close(sfd);
        free(buf);
        for (size_t i = 0; i < N_RECORDS; i++)
                free(texts[i]);
        return r;
}

static int run(const struct ha_cfg *cfg, struct job *j)
{
        char stuck[PATH_MAX];
        ssize_t r;

        j->state_dir = cfg->ha.state_dir;
        j->textfile = cfg->metrics.textfile;
        (void)snprintf(stuck, sizeof(stuck), "%s/metrics.stuck", cfg->ha.state_dir);
        r = ha_child_run(write_metrics, j, NULL, 0, ha_deadline_in(cfg->metrics.timeout), stuck,
                         NULL);
        return r < 0 ? (int)r : 0;
}

int ha_metrics_check(const struct ha_cfg *cfg, const struct ha_observation *o,
                     const struct ha_verdict *v)
{
        static const char *const states[] = {"skipped", "ok", "failed"};
        struct record rec = {.len = 0};
        struct job j = {.n = 1};

        if (!cfg->metrics.textfile)
                return 0;
        add(&rec, "ha_slurm_check_healthy %d\n", v->healthy);
        add(&rec, "ha_slurm_check_split_brain %d\n", v->split_brain);
        add(&rec, "ha_slurm_check_duration_seconds %.6f\n", o->total_ms / 1e3);
        add(&rec, "ha_slurm_check_last_run_timestamp_seconds %.3f\n",
            (double)ha_now_realtime() / 1e6);
        for (int i = 0; i < HA_PROBE_COUNT; i++) {
                const char *name = ha_probe_name((enum ha_probe_id)i);

                for (int s = 0; s < 3; s++)
                        add(&rec, "ha_slurm_check_probe_state{probe=\"%s\",state=\"%s\"} %d\n",
                            name, states[s], (int)o->probe[i].state == s);
                add(&rec, "ha_slurm_check_probe_duration_seconds{probe=\"%s\"} %.6f\n", name,
                    o->probe[i].ms / 1e3);
        }
        add(&rec, "ha_slurm_role{role=\"master\"} %d\n", o->vip_here);
        add(&rec, "ha_slurm_role{role=\"backup\"} %d\n", !o->vip_here);
        add(&rec, "ha_slurm_slurmctld_in_control %d\n",
            o->ctld_answers && o->control.control_time != 0);
        if (rec.full)
                return -ENOBUFS;
        j.rec[0].name = "check";
        j.rec[0].text = rec.text;
        return run(cfg, &j);
}

int ha_metrics_hook(const struct ha_cfg *cfg, const struct ha_metrics_hook *h)
{
        struct record hook = {.len = 0}, act = {.len = 0}, trans = {.len = 0}, fence = {.len = 0};
        const char *kind = h->promoting ? "promotion" : "demotion";
        struct job j = {.n = 1};

        if (!cfg->metrics.textfile)
                return 0;
        add(&hook, "ha_slurm_hook_last_run_timestamp_seconds %.3f\n", h->finished);
        add(&hook, "ha_slurm_hook_success %d\n", h->ok);
        add(&hook, "ha_slurm_hook_refused %d\n", h->refused);
        add(&hook, "ha_slurm_hook_duration_seconds %.6f\n", h->seconds);
        if (hook.full)
                return -ENOBUFS;
        j.rec[0].name = "hook";
        j.rec[0].text = hook.text;
        if (h->acted) {
                add(&act, "ha_slurm_%s_timestamp_seconds %.3f\n", kind, h->finished);
                add(&act, "ha_slurm_%s_success %d\n", kind, h->ok);
                add(&act, "ha_slurm_%s_duration_seconds %.6f\n", kind, h->action_seconds);
                if (act.full)
                        return -ENOBUFS;
                j.rec[j.n].name = h->promoting ? "promote" : "demote";
                j.rec[j.n++].text = act.text;
        }
        if (h->ok && h->transition) {
                add(&trans, "ha_slurm_last_transition_timestamp_seconds %.3f\n", h->finished);
                add(&trans, "ha_slurm_last_transition{to=\"master\"} %d\n", h->promoting);
                add(&trans, "ha_slurm_last_transition{to=\"backup\"} %d\n", !h->promoting);
                j.rec[j.n].name = "transition";
                j.rec[j.n++].text = trans.text;
        }
        if (h->fenced) {
                add(&fence, "ha_slurm_fence_timestamp_seconds{node=\"%s\"} %.3f\n", h->fenced,
                    h->finished);
                add(&fence, "ha_slurm_fence_success{node=\"%s\"} %d\n", h->fenced, h->fence_ok);
                add(&fence, "ha_slurm_fence_duration_seconds{node=\"%s\"} %.6f\n", h->fenced,
                    h->fence_seconds);
                if (fence.full)
                        return -ENOBUFS;
                j.rec[j.n].name = "fence";
                j.rec[j.n++].text = fence.text;
        }
        return run(cfg, &j);
}
