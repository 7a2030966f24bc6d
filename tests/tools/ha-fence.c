/* ha-fence: one call of the library's fencing (common/fence.h), for tests and for people.
 *
 *   ha-fence [--timeout DURATION] [--gap DURATION] AGENT OPTIONS_FILE off|status
 *
 * Prints one line of key=value pairs, so a test can assert on it, then the reason on a line of
 * its own: op=off result=ok error=- power=off ms=5123.4
 * Exit status: 0 the call succeeded, 1 it failed, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "common/cfg.h"
#include "common/clock.h"
#include "common/fence.h"
#include "common/program.h"

static const char *errno_name(int r)
{
        switch (-r) {
        case 0:
                return "-";
        case EPERM:
                return "EPERM";
        case EINVAL:
                return "EINVAL";
        case ENOENT:
                return "ENOENT";
        case EIO:
                return "EIO";
        case ETIMEDOUT:
                return "ETIMEDOUT";
        default:
                return "EOTHER";
        }
}

static void usage(FILE *f)
{
        fprintf(f, "Usage: ha-fence [--timeout DURATION] [--gap DURATION] AGENT OPTIONS_FILE "
                   "off|status\n");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                {"timeout", required_argument, NULL, 't'},
                {"gap", required_argument, NULL, 'g'},
                {"help", no_argument, NULL, 'h'},
                {0},
        };
        usec_t timeout = 60 * HA_USEC_PER_SEC, start;
        struct ha_fence f = {0};
        enum ha_fence_power p = HA_FENCE_UNKNOWN;
        const char *reason = "";
        const char *op;
        int o, r;

        (void)signal(SIGPIPE, SIG_IGN);
        while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (o) {
                case 't':
                case 'g': {
                        usec_t d;

                        if (ha_parse_duration(optarg, &d) < 0) {
                                fprintf(stderr, "ha-fence: bad duration '%s'\n", optarg);
                                return 2;
                        }
                        if (o == 't')
                                timeout = d;
                        else
                                f.status_gap = d;
                        break;
                }
                default:
                        return ha_program_option(o, "ha-fence", usage);
                }
        }
        if (argc - optind != 3) {
                usage(stderr);
                return 2;
        }
        f.agent = argv[optind];
        f.options_file = argv[optind + 1];
        op = argv[optind + 2];
        if (strcmp(op, "off") != 0 && strcmp(op, "status") != 0) {
                usage(stderr);
                return 2;
        }
        start = ha_now();
        if (strcmp(op, "off") == 0) {
                r = ha_fence_off(&f, ha_deadline_in(timeout), &reason);
                if (r == 0)
                        p = HA_FENCE_OFF;
        } else {
                r = ha_fence_status(&f, ha_deadline_in(timeout), &p, &reason);
        }
        printf("op=%s result=%s error=%s power=%s ms=%.1f\n", op, r < 0 ? "fail" : "ok",
               errno_name(r), ha_fence_power_name(p), ha_msec_between(start, ha_now()));
        printf("reason=%s\n", reason);
        return r < 0 ? 1 : 0;
}
