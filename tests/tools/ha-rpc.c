/* ha-rpc: one call of the library's Slurm controller client, for tests and for people.
 *
 *   ha-rpc [options] ADDRESS[:PORT] ping|status|takeover|dbd-ping
 *
 * dbd-ping asks a slurmdbd (ha_slurmdbd_ping: REQUEST_PERSIST_INIT, as `sacctmgr ping`) instead
 * of slurmctld; give the slurmdbd port (6819) and --uid SlurmUser. Prints one line of key=value
 * pairs per call, so a test can assert on it: op=status result=ok error=- control=standby
 * backup_inx=1 control_time=0 protocol=22.05 ms=0.91 With --repeat N it makes N calls and adds the
 * median, minimum and maximum time. --binary names the controller's slurmctld executable: its
 * release (-V) is tried first, as the hooks do. Exit status (common/program.h): 0 every call
 * succeeded, 1 a call failed, 2 usage, 3 out of memory.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cfg.h"
#include "common/clock.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/program.h"
#include "common/slurmrpc.h"

static const char *errno_name(int r)
{
        switch (-r) {
        case 0:
                return "-";
        case ECONNREFUSED:
                return "ECONNREFUSED";
        case ETIMEDOUT:
                return "ETIMEDOUT";
        case ECONNRESET:
                return "ECONNRESET";
        case EBUSY:
                return "EBUSY";
        case EACCES:
                return "EACCES";
        case EBADMSG:
                return "EBADMSG";
        case EMSGSIZE:
                return "EMSGSIZE";
        case EPROTONOSUPPORT:
                return "EPROTONOSUPPORT";
        case EREMOTEIO:
                return "EREMOTEIO";
        case EHOSTUNREACH:
                return "EHOSTUNREACH";
        case ENOLINK:
                return "ENOLINK";
        default:
                return "EOTHER";
        }
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return (x > y) - (x < y);
}

static void usage(FILE *f)
{
        fprintf(f, "Usage: ha-rpc [--protocol REL] [--uid UID] [--socket PATH] [--cache DIR]\n"
                   "              [--binary SLURMCTLD] [--timeout DURATION] [--repeat N] "
                   "ADDRESS[:PORT] "
                   "ping|status|takeover|dbd-ping\n");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                {"protocol", required_argument, NULL, 'p'},
                {"uid", required_argument, NULL, 'u'},
                {"socket", required_argument, NULL, 's'},
                {"cache", required_argument, NULL, 'c'},
                {"binary", required_argument, NULL, 'b'},
                {"timeout", required_argument, NULL, 't'},
                {"repeat", required_argument, NULL, 'n'},
                {"help", no_argument, NULL, 'h'},
                {0},
        };
        struct ha_slurm_client c = {
                .port = 6817,
                .slurm_uid = 64030,
                .munge_socket = "/run/munge/munge.socket.2",
        };
        usec_t timeout = HA_USEC_PER_SEC;
        char address[128], *colon;
        const char *op;
        long repeat = 1;
        double *ms;
        int o, failed = 0;

        /* A refused cache file is said on stderr, as the programs say it. */
        ha_log_open("ha-rpc", HA_LOG_STDERR, LOG_ERR);
        ha_fs_set_refusal_handler(ha_log_refusal);
        while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (o) {
                case 'p':
                        if (ha_parse_protocol(optarg, &c.version) < 0) {
                                fprintf(stderr, "ha-rpc: Failed to parse --protocol '%s'\n",
                                        optarg);
                                return HA_EXIT_CONFIG;
                        }
                        break;
                case 'u':
                        c.slurm_uid = (uid_t)strtoul(optarg, NULL, 10);
                        break;
                case 's':
                        c.munge_socket = optarg;
                        break;
                case 'c':
                        c.cache_dir = optarg;
                        break;
                case 'b':
                        c.binary = optarg;
                        break;
                case 't':
                        if (ha_parse_duration(optarg, &timeout) < 0) {
                                fprintf(stderr, "ha-rpc: Failed to parse --timeout '%s'\n", optarg);
                                return HA_EXIT_CONFIG;
                        }
                        break;
                case 'n':
                        repeat = strtol(optarg, NULL, 10);
                        if (repeat < 1 || repeat > 1000000) {
                                fprintf(stderr,
                                        "ha-rpc: Failed to parse --repeat '%s': 1 to 1000000\n",
                                        optarg);
                                return HA_EXIT_CONFIG;
                        }
                        break;
                default:
                        return ha_program_option(o, "ha-rpc", usage);
                }
        }
        if (argc - optind != 2) {
                usage(stderr);
                return HA_EXIT_CONFIG;
        }
        (void)snprintf(address, sizeof(address), "%s", argv[optind]);
        colon = strrchr(address, ':');
        if (colon && !strchr(colon + 1, ']') && strchr(address, ':') == colon) {
                *colon = '\0';
                c.port = (uint16_t)strtoul(colon + 1, NULL, 10);
        }
        c.address = address;
        op = argv[optind + 1];
        if (strcmp(op, "ping") && strcmp(op, "status") && strcmp(op, "takeover") &&
            strcmp(op, "dbd-ping")) {
                usage(stderr);
                return HA_EXIT_CONFIG;
        }

        ms = calloc((size_t)repeat, sizeof(*ms));
        if (!ms)
                return HA_EXIT_SYSTEM;
        for (long i = 0; i < repeat; i++) {
                struct ha_slurm_control ctl = {0};
                const char *reason = "";
                usec_t start = ha_now(), deadline = ha_deadline_in(timeout);
                int r;

                if (strcmp(op, "ping") == 0)
                        r = ha_slurm_ping(&c, deadline, &reason);
                else if (strcmp(op, "dbd-ping") == 0)
                        r = ha_slurmdbd_ping(&c, deadline, &reason);
                else if (strcmp(op, "status") == 0)
                        r = ha_slurm_control_status(&c, deadline, &ctl, &reason);
                else
                        r = ha_slurm_takeover(&c, deadline, &reason);
                ms[i] = ha_msec_between(start, ha_now());
                if (r < 0)
                        failed = 1;
                if (repeat == 1 || r < 0) {
                        printf("op=%s result=%s error=%s", op, r < 0 ? "fail" : "ok",
                               errno_name(r));
                        if (strcmp(op, "status") == 0 && r == 0)
                                printf(" control=%s backup_inx=%u control_time=%llu",
                                       ctl.control_time ? "active" : "standby", ctl.backup_inx,
                                       (unsigned long long)ctl.control_time);
                        printf(" slurm_rc=%d protocol=%s ms=%.3f\n", c.slurm_rc,
                               c.version ? ha_protocol_release(c.version) : "-", ms[i]);
                        if (r < 0)
                                printf("reason=%s\n", reason);
                }
        }
        if (repeat > 1) {
                qsort(ms, (size_t)repeat, sizeof(*ms), cmp_double);
                printf("op=%s calls=%ld failed=%d median_ms=%.3f min_ms=%.3f max_ms=%.3f\n", op,
                       repeat, failed, ms[repeat / 2], ms[0], ms[repeat - 1]);
        }
        free(ms);
        return failed ? HA_EXIT_REFUSED : HA_EXIT_OK;
}
