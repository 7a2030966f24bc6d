/* ha-svc: one call of the library's service control (common/svc.c), for tests and for people.
 *
 *   ha-svc [--manager systemd|direct|auto] [--timeout DURATION] [--kill-after DURATION]
 *          UNIT start|stop|state
 *
 * Prints one line of key=value pairs, so a test can assert on it:
 *   op=stop unit=ha-slurmctld.service result=ok error=- running=no pid=0 ms=412.3 reason=-
 * `state` reports running and the main pid; `start` and `stop` wait for systemd's job to end
 * (JobRemoved) or the deadline (--timeout, default 10s); `stop` kills the unit with SIGKILL when
 * --kill-after passes (default: the timeout). Only the systemd manager is driven by a unit
 * name; direct mode needs a pid file and a command, which this tool does not take.
 * Exit status (common/program.h): 0 the call succeeded, 1 it failed, 2 usage, 3 systemd does not
 * run here.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cfg.h"
#include "common/clock.h"
#include "common/program.h"
#include "common/svc.h"

/* A stable name for the errors a test asserts on (strerrorname_np() is glibc 2.32 and later). */
static const char *errno_name(int r)
{
        switch (-r) {
        case 0:
                return "-";
        case ETIMEDOUT:
                return "ETIMEDOUT";
        case EIO:
                return "EIO";
        case ENOENT:
                return "ENOENT";
        case EACCES:
                return "EACCES";
        case ELIBACC:
                return "ELIBACC";
        default:
                return "EOTHER";
        }
}

static void usage(FILE *f)
{
        fprintf(f, "Usage: ha-svc [--manager systemd|direct|auto] [--timeout DURATION]\n"
                   "              [--kill-after DURATION] UNIT start|stop|state\n");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                {"manager", required_argument, NULL, 'm'},
                {"timeout", required_argument, NULL, 't'},
                {"kill-after", required_argument, NULL, 'k'},
                {"help", no_argument, NULL, 'h'},
                {0},
        };
        struct ha_svc s = {.manager = HA_SVC_SYSTEMD};
        usec_t timeout = 10 * HA_USEC_PER_SEC, kill_after = HA_USEC_INFINITY, start, deadline;
        const char *op, *reason = NULL;
        bool running = false;
        pid_t pid = 0;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 'm':
                        if (strcmp(optarg, "systemd") == 0)
                                s.manager = HA_SVC_SYSTEMD;
                        else if (strcmp(optarg, "direct") == 0)
                                s.manager = HA_SVC_DIRECT;
                        else if (strcmp(optarg, "auto") == 0)
                                s.manager = HA_SVC_AUTO;
                        else {
                                usage(stderr);
                                return HA_EXIT_CONFIG;
                        }
                        break;
                case 't':
                case 'k':
                        if (ha_parse_duration(optarg, c == 't' ? &timeout : &kill_after) < 0) {
                                fprintf(stderr, "ha-svc: Failed to parse the duration '%s'\n",
                                        optarg);
                                return HA_EXIT_CONFIG;
                        }
                        break;
                default:
                        return ha_program_option(c, "ha-svc", usage);
                }
        }
        if (argc - optind != 2) {
                usage(stderr);
                return HA_EXIT_CONFIG;
        }
        s.unit = argv[optind];
        op = argv[optind + 1];
        if (!ha_svc_uses_systemd(&s)) {
                fprintf(stderr, "ha-svc: Failed to use systemd: it does not run here (or --manager "
                                "direct)\n");
                return HA_EXIT_SYSTEM;
        }
        start = ha_now();
        deadline = ha_deadline_in(timeout);
        if (strcmp(op, "start") == 0) {
                r = ha_svc_start(&s, deadline, &reason);
        } else if (strcmp(op, "stop") == 0) {
                r = ha_svc_stop(&s, ha_deadline_min(deadline, ha_deadline_in(kill_after)), deadline,
                                &reason);
        } else if (strcmp(op, "state") == 0) {
                r = ha_svc_state(&s, deadline, &running, &pid, &reason);
        } else {
                usage(stderr);
                return HA_EXIT_CONFIG;
        }
        if (r >= 0 && strcmp(op, "state") != 0)
                (void)ha_svc_state(&s, ha_deadline_in(timeout), &running, &pid, &reason);
        printf("op=%s unit=%s result=%s error=%s running=%s pid=%d ms=%.1f reason=%s\n", op, s.unit,
               r < 0 ? "failed" : "ok", errno_name(r < 0 ? r : 0), running ? "yes" : "no", (int)pid,
               ha_msec_between(start, ha_now()), reason ? reason : "-");
        return r < 0 ? HA_EXIT_REFUSED : HA_EXIT_OK;
}
