/* hook.c: the notify hooks' procedure. */
#include "common/hook.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cfg.h"
#include "common/exec.h"
#include "common/fsutil.h"
#include "common/lock.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/program.h"
#include "common/role.h"

struct hook {
        const char *program;
        enum ha_hint hint;
        bool dry_run;
        bool verbose;
        bool promoting;
        usec_t in_control_at; /* when the "in control" step succeeded, or 0 */
};

static void usage(FILE *f, const char *program)
{
        fprintf(f,
                "Usage: %s [-c FILE] [-n] [-v] [INSTANCE|GROUP NAME STATE PRIORITY]\n"
                "keepalived notify hook: make this node's slurmctld follow the VIP.\n\n"
                "Options:\n"
                "  -c, --config FILE  configuration (default %s)\n"
                "  -n, --dry-run      print what would be done, and do nothing\n"
                "  -v, --verbose      print every step on stderr\n"
                "  -h, --help         print this help and exit\n"
                "  -V, --version      print the version and exit\n\n"
                "The four arguments are those of keepalived's generic \"notify\"; STATE is only a\n"
                "hint: the hook acts on whether this node holds the VIP when it runs.\n\n"
                "Exit status:\n"
                "  0  the host reached its target state (or a dry run planned it)\n"
                "  1  refused (a precondition failed) or failed\n"
                "  2  usage or configuration error\n"
                "  3  system error (for example the hook lock could not be taken in time)\n\n"
                "See %s(8) and ha-slurm.conf(5).\n",
                program, HA_CFG_DEFAULT_PATH, program);
}

/* Logs one step: one journal entry per step decision, with its time. */
static void on_step(void *userdata, const struct ha_step *s)
{
        struct hook *h = userdata;
        char f_step[96], f_ms[48], f_result[64], f_hint[48];
        const char *fields[] = {f_step, f_ms, f_result, f_hint, NULL};
        const char *mid = s->refused     ? HA_MID_REFUSED
                          : h->promoting ? HA_MID_PROMOTE
                                         : HA_MID_DEMOTE;
        int prio = s->refused ? LOG_ERR : s->result < 0 ? LOG_WARNING : LOG_NOTICE;

        /* The end of a promotion, for its duration gauge: slurmctld said it was in control. */
        if (!s->dry_run && s->result == 0 && strcmp(s->name, "in control") == 0)
                h->in_control_at = ha_now();
        (void)snprintf(f_step, sizeof(f_step), "HA_STEP=%s", s->name);
        (void)snprintf(f_ms, sizeof(f_ms), "HA_DURATION_MS=%.1f", s->ms);
        (void)snprintf(f_result, sizeof(f_result), "HA_RESULT=%s",
                       s->result < 0 ? strerror(-s->result) : "ok");
        (void)snprintf(f_hint, sizeof(f_hint), "HA_HINT=%s", ha_hint_name(h->hint));
        if (h->dry_run) {
                printf("%-16s %s\n", s->name, s->detail);
                return;
        }
        ha_log_event(prio, mid, fields, "%s: %s (%.1f ms)", s->name, s->detail, s->ms);
}

static int parse_args(int argc, char **argv, struct hook *h, const char **config)
{
        static const struct option opts[] = {
                {"config", required_argument, NULL, 'c'}, {"dry-run", no_argument, NULL, 'n'},
                {"verbose", no_argument, NULL, 'v'},      {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, 'V'},      {0},
        };
        int o;

        while ((o = getopt_long(argc, argv, "c:nvhV", opts, NULL)) != -1) {
                switch (o) {
                case 'c':
                        *config = optarg;
                        break;
                case 'n':
                        h->dry_run = true;
                        break;
                case 'v':
                        h->verbose = true;
                        break;
                case 'h':
                        usage(stdout, h->program);
                        return 0;
                case 'V':
                        printf("%s (%s) %s\n", h->program, HA_PACKAGE, HA_VERSION);
                        return 0;
                default:
                        usage(stderr, h->program);
                        return -EINVAL;
                }
        }
        if (argc - optind == 0)
                return 1;
        /* keepalived's generic notify: TYPE NAME STATE PRIORITY. */
        if (argc - optind == 4 &&
            (strcmp(argv[optind], "INSTANCE") == 0 || strcmp(argv[optind], "GROUP") == 0) &&
            ha_hint_parse(argv[optind + 2], &h->hint) == 0)
                return 1;
        fprintf(stderr, "%s: expected no arguments, or INSTANCE|GROUP NAME STATE PRIORITY\n",
                h->program);
        usage(stderr, h->program);
        return -EINVAL;
}

int ha_hook_main(int argc, char **argv, const char *program, enum ha_hint hint)
{
        struct hook h = {.program = program, .hint = hint};
        const char *config = HA_CFG_DEFAULT_PATH;
        struct ha_observation obs;
        struct ha_reconcile res;
        struct ha_cfg *cfg = NULL;
        usec_t start = ha_now(), deadline;
        int lock_fd = -1, r;

        /* Files and daemons this hook creates must not get keepalived's umask 0177, and nothing
         * inherited steers what follows (exec.h). */
        umask(022);
        (void)signal(SIGTERM, SIG_DFL);
        (void)signal(SIGPIPE, SIG_IGN);
        if (ha_env_scrub() < 0)
                return HA_EXIT_SYSTEM;
        ha_fs_set_refusal_handler(ha_log_refusal);

        /* 1. Arguments. */
        r = parse_args(argc, argv, &h, &config);
        if (r <= 0)
                return r == 0 ? HA_EXIT_OK : HA_EXIT_CONFIG;
        ha_log_open(program, HA_LOG_STDERR | (h.dry_run ? 0 : HA_LOG_JOURNAL),
                    h.verbose ? LOG_DEBUG : LOG_NOTICE);

        /* 2. Configuration. */
        r = ha_program_load_cfg(config, &cfg);
        if (r != HA_EXIT_OK)
                return r;
        deadline = ha_deadline_in(cfg->notify.deadline);

        /* 3. One hook at a time (a dry run changes nothing and needs no lock), with the lock in
         *    a state folder that is root's alone. */
        if (!h.dry_run) {
                r = ha_program_state_dir(cfg->ha.state_dir);
                if (r != HA_EXIT_OK) {
                        ha_cfg_free(cfg);
                        return r;
                }
                r = ha_lock_take(cfg->ha.state_dir, deadline, &lock_fd);
                if (r < 0) {
                        ha_log_event(LOG_ERR, HA_MID_SYSTEM, NULL,
                                     "Failed to take the hook lock in '%s': %s", cfg->ha.state_dir,
                                     strerror(-r));
                        ha_cfg_free(cfg);
                        return HA_EXIT_SYSTEM;
                }
        }

        /* 4. What is true now (a storage probe stuck in this run is logged once, here). */
        ha_observe(cfg, deadline, false, &obs);
        if (obs.storage_stuck_new)
                ha_log_storage_hung(cfg->storage.path, obs.storage_hung_ms);
        h.promoting = obs.vip_here;
        if (!h.dry_run)
                (void)ha_lock_set_intent(cfg->ha.state_dir, h.promoting ? "promote" : "demote");
        ha_log_event(LOG_NOTICE, h.promoting ? HA_MID_PROMOTE : HA_MID_DEMOTE, NULL,
                     "%s%s (event %s): this node %s the VIP %s; slurmctld %s",
                     h.dry_run ? "dry run: " : "", h.promoting ? "promoting" : "demoting",
                     ha_hint_name(h.hint), obs.vip_here ? "holds" : "does not hold",
                     cfg->vip.address,
                     !obs.ctld_running          ? "not running"
                     : obs.control.control_time ? "running, in control"
                     : obs.ctld_answers         ? "running, in standby"
                                                : "running, not answering");

        /* FAULT: this node's check failed or an interface went down. Say so loudly, whatever
         * the rest of the run finds (the alert command runs after the demotion). */
        if (h.hint == HA_HINT_FAULT && !h.dry_run) {
                char f_node[96];
                const char *fields[] = {f_node, NULL};

                (void)snprintf(f_node, sizeof(f_node), "HA_NODE=%s", cfg->ha.node);
                ha_log_event(LOG_CRIT, HA_MID_FAULT, fields,
                             "FAULT on %s: keepalived took this node out of service; its "
                             "slurmctld is being stopped",
                             cfg->ha.node);
        }

        /* 5. Reconcile, one logged step at a time. */
        ha_reconcile(cfg, &obs, h.hint, h.dry_run, deadline, on_step, &h, &res);

        /* 6. The outcome. */
        ha_log_event(res.result < 0 ? (res.refused ? LOG_ERR : LOG_WARNING) : LOG_NOTICE,
                     res.refused   ? HA_MID_REFUSED
                     : h.promoting ? HA_MID_PROMOTE
                                   : HA_MID_DEMOTE,
                     NULL, "%s in %.1f ms%s%s", res.summary, ha_msec_between(start, ha_now()),
                     res.result < 0 ? ": " : "", res.result < 0 ? strerror(-res.result) : "");
        if (lock_fd >= 0)
                ha_lock_release(cfg->ha.state_dir, lock_fd);

        /* 7. Metrics for node_exporter, if configured; they never change the result. Only a
         *    run that had something to do (slurmctld not yet in control here, or one to stop)
         *    and was not refused is a promotion or a demotion: a run that found the host
         *    already there, or was refused, must not replace the last one's time and result. */
        if (!h.dry_run) {
                usec_t end = ha_now();
                struct ha_metrics_hook m = {
                        .promoting = h.promoting,
                        .acted = !res.refused &&
                                 (h.promoting ? !obs.control.control_time : obs.ctld_running),
                        .ok = res.result == 0,
                        .refused = res.refused,
                        .transition = h.promoting ? res.promoted && !obs.control.control_time
                                                  : res.demoted && obs.ctld_running,
                        .seconds = ha_msec_between(start, end) / 1e3,
                        .finished = (double)ha_now_realtime() / 1e6,
                        .fenced = res.fence_tried ? res.fence_node : NULL,
                        .fence_ok = res.fence_ok,
                        .fence_seconds = res.fence_ms / 1e3,
                };

                /* A promotion lasts from the hook's start until slurmctld is in control (the
                 * followers started after that are not part of it); a failed one, to the end. */
                m.action_seconds = h.promoting && h.in_control_at
                                           ? ha_msec_between(start, h.in_control_at) / 1e3
                                           : m.seconds;

                r = ha_metrics_hook(cfg, &m);
                if (r < 0)
                        ha_log_event(LOG_WARNING, HA_MID_SYSTEM, NULL,
                                     "Failed to write metrics to '%s': %s", cfg->metrics.textfile,
                                     strerror(-r));
        }
        ha_cfg_free(cfg);
        return res.result < 0 ? HA_EXIT_REFUSED : HA_EXIT_OK;
}
