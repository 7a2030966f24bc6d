/* ha-check-slurmctld: keepalived's vrrp_script. Is this node what its role needs it to be?
 *
 * On the VIP holder: slurmctld runs, answers, and is in control (REQUEST_CONTROL_STATUS, not a
 * mere ping: a standby answers pings); MUNGE works; the shared state folder is mounted, of its
 * type, and writable. On any other node: ready to take over, and not in control (that would be
 * split brain). Every probe has a deadline inside one budget ([check] deadline), below
 * keepalived's script timeout; the storage probe runs in a child, so a hung mount fails the
 * check on time instead of hanging it.
 *
 * Exit status (keepalived sees only zero or not):
 *   0  healthy
 *   1  unhealthy (the reason is logged when the verdict changes, and printed on stderr)
 *   2  usage or configuration error
 *   3  system error: the check itself could not run
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cfg.h"
#include "common/clock.h"
#include "common/exec.h"
#include "common/fsutil.h"
#include "common/guard.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/program.h"
#include "common/role.h"

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: ha-check-slurmctld [-c FILE] [-v]\n"
                "       ha-check-slurmctld --self-fence [-c FILE]\n"
                "Health check for keepalived's vrrp_script: is this node's slurmctld what its\n"
                "role (VIP holder or standby) needs?\n\n"
                "Options:\n"
                "  -c, --config FILE  configuration (default %s)\n"
                "  -v, --verbose      print every probe, its result, reason and time\n"
                "  --self-fence       guard the lease held here: stop slurmctld when it has not\n"
                "                     been renewed for [lease] ttl less 3 s, SIGKILL at ttl less\n"
                "                     1 s (the promotion starts it)\n"
                "  -h, --help         print this help and exit\n"
                "  -V, --version      print the version and exit\n\n"
                "Exit status:\n"
                "  0  healthy\n"
                "  1  unhealthy (the reason on stderr; in the journal when the verdict changes)\n"
                "  2  usage or configuration error\n"
                "  3  system error: the check itself could not run\n\n"
                "See ha-check-slurmctld(8) and ha-slurm.conf(5).\n",
                HA_CFG_DEFAULT_PATH);
}

static void print_table(const struct ha_observation *o, const struct ha_verdict *v)
{
        static const char *const states[] = {"skip", "ok", "FAIL"};

        printf("%-8s %-5s %8s  %s\n", "PROBE", "STATE", "MS", "DETAIL");
        for (int i = 0; i < HA_PROBE_COUNT; i++)
                printf("%-8s %-5s %8.2f  %s\n", ha_probe_name((enum ha_probe_id)i),
                       states[o->probe[i].state], o->probe[i].ms, o->probe[i].detail);
        printf("verdict: %s%s: %s (%.2f ms)\n", v->healthy ? "healthy" : "UNHEALTHY",
               v->split_brain ? " (SPLIT BRAIN)" : "", v->reason, o->total_ms);
}

/* Logs the verdict to the journal when it differs from the last one recorded in the state
 * folder, so that keepalived's once-a-second runs leave one entry per change, not per run. */
static void record_verdict(const char *state_dir, const struct ha_verdict *v)
{
        char path[4096], line[512], *last = NULL;
        char field_probe[64], field_reason[400], field_verdict[32];
        const char *fields[] = {field_verdict, field_probe, field_reason, NULL};

        /* A fourth field only when slurmdbd does not answer: the record changes (and is logged)
         * when accounting breaks or comes back, and reads as before where it is not probed. */
        (void)snprintf(line, sizeof(line), "%s %s %s%s\n", v->healthy ? "healthy" : "unhealthy",
                       v->healthy ? "-" : ha_probe_name(v->probe),
                       v->split_brain ? "split-brain" : "-", v->dbd_down ? " dbd-down" : "");
        (void)snprintf(path, sizeof(path), "%s/check.verdict", state_dir);
        if (ha_fs_read_small(path, sizeof(line), &last, NULL) == 0 && strcmp(last, line) == 0) {
                free(last);
                return;
        }
        free(last);
        (void)ha_fs_write_atomic(path, line, strlen(line), 0644);

        (void)snprintf(field_verdict, sizeof(field_verdict), "HA_VERDICT=%s",
                       v->healthy ? "healthy" : "unhealthy");
        (void)snprintf(field_probe, sizeof(field_probe), "HA_PROBE=%s",
                       v->healthy ? "" : ha_probe_name(v->probe));
        (void)snprintf(field_reason, sizeof(field_reason), "HA_REASON=%s", v->reason);
        if (v->split_brain)
                ha_log_event(LOG_CRIT, HA_MID_SPLITBRAIN, fields, "SPLIT BRAIN: %s", v->reason);
        else if (!v->healthy)
                ha_log_event(LOG_WARNING, HA_MID_CHECK, fields, "unhealthy (%s): %s",
                             ha_probe_name(v->probe), v->reason);
        else
                ha_log_event(LOG_NOTICE, HA_MID_CHECK, fields, "healthy: %s", v->reason);
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                {"config", required_argument, NULL, 'c'}, {"verbose", no_argument, NULL, 'v'},
                {"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
                {"self-fence", no_argument, NULL, 'F'},   {0},
        };
        const char *config = HA_CFG_DEFAULT_PATH;
        struct ha_observation obs;
        struct ha_verdict verdict;
        struct ha_cfg *cfg = NULL;
        bool verbose = false, self_fence = false;
        usec_t deadline;
        int o, r;

        /* keepalived stops a check that outlives its timeout with SIGTERM: die at once. */
        (void)signal(SIGTERM, SIG_DFL);
        (void)signal(SIGPIPE, SIG_IGN);
        /* Nothing inherited steers what follows (exec.h). */
        if (ha_env_scrub() < 0)
                return HA_EXIT_SYSTEM;
        ha_log_open("ha-check-slurmctld", HA_LOG_STDERR | HA_LOG_JOURNAL, LOG_WARNING);
        ha_fs_set_refusal_handler(ha_log_refusal);

        while ((o = getopt_long(argc, argv, "c:vhV", opts, NULL)) != -1) {
                switch (o) {
                case 'c':
                        config = optarg;
                        break;
                case 'v':
                        verbose = true;
                        break;
                case 'F':
                        self_fence = true;
                        break;
                default:
                        return ha_program_option(o, "ha-check-slurmctld", usage);
                }
        }
        if (optind != argc) {
                usage(stderr);
                return HA_EXIT_CONFIG;
        }

        /* 1. Configuration. */
        r = ha_program_load_cfg(config, &cfg);
        if (r != HA_EXIT_OK)
                return r;
        deadline = ha_deadline_in(cfg->check.deadline);

        /* 2. The state folder: root's alone, or nothing recorded in it can be trusted. */
        r = ha_program_state_dir(cfg->ha.state_dir);
        if (r != HA_EXIT_OK) {
                ha_cfg_free(cfg);
                return r;
        }

        /* The self-fence: a process of its own, for as long as this node holds the lease. */
        if (self_fence) {
                r = ha_guard_run(cfg);
                ha_cfg_free(cfg);
                return r;
        }

        /* 3. Observe: every probe bounded by the one deadline. A storage probe that got stuck
         *    in this run is logged now, once; later runs find it recorded. */
        ha_observe(cfg, deadline, true, &obs);
        if (obs.storage_stuck_new)
                ha_log_storage_hung(cfg->storage.path, obs.storage_hung_ms);

        /* 4. Judge (the VIP holder in control has renewed its lease meanwhile, and yields if
         *    another node holds it). */
        ha_judge(cfg, &obs, &verdict);

        /* 5. Say so, once per change. */
        record_verdict(cfg->ha.state_dir, &verdict);
        /* The lease holder's priority bonus for keepalived (role.h). */
        r = ha_holder_record(cfg->ha.state_dir, ha_holder_of(&obs, &verdict));
        if (r < 0)
                fprintf(stderr, "ha-check-slurmctld: Failed to write '%s/vrrp.holder': %s\n",
                        cfg->ha.state_dir, strerror(-r));
        if (verbose)
                print_table(&obs, &verdict);
        else if (!verdict.healthy)
                fprintf(stderr, "ha-check-slurmctld: unhealthy (%s): %s\n",
                        ha_probe_name(verdict.probe), verdict.reason);

        /* 6. Metrics for node_exporter, if configured: in a child with their own deadline, and
         *    never part of the verdict. */
        r = ha_metrics_check(cfg, &obs, &verdict);
        if (r < 0 && verbose)
                fprintf(stderr, "ha-check-slurmctld: Failed to write metrics to '%s': %s\n",
                        cfg->metrics.textfile, strerror(-r));

        ha_cfg_free(cfg);
        return verdict.healthy ? HA_EXIT_OK : HA_EXIT_REFUSED;
}
